"""How fast does a learner get feedback? Cold `pytest` and `kata check` vs the warm `kata watch` re-run.

    uv run python benchmarks/feedback.py [UNIT ...]

Cold: a fresh interpreter per run (what `pytest tests/test_uNN_*.py` and `kata check N` cost).
Warm: the watch loop's re-run after a save: a child forked from a process that has pytest and the
SDKs imported already (the learner's file is read again; the cache is bypassed, as after a real edit). Each is the median of several runs, measured
in the same run of this script, and reported as a ratio: the machine is shared and noisy, so the
ratio means more than the seconds. Target: a warm re-run under 0.3 s and at least 5x faster than cold pytest.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kata.running import runner  # noqa: E402
from kata.units import ROOT, UNITS, find  # noqa: E402

COLD_RUNS, WARM_RUNS = 3, 7


def median_seconds(action, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def cold(*command: str) -> float:
    """A fresh process each time, with an empty result cache (a cached board is benchmarks/board.py's)."""
    fresh = lambda: dict(os.environ, KATA_CACHE_DIR=tempfile.mkdtemp(), KATA_DAEMON="0")  # noqa: E731 - cold: no warm kata
    return median_seconds(lambda: subprocess.run(command, cwd=ROOT, capture_output=True, env=fresh()), COLD_RUNS)


def warm(unit, impl_spec: str) -> float:
    exercise = ROOT / ("exercises" if impl_spec == "exercises" else "solutions") / f"{unit.slug}.py"

    def save_and_rerun():
        os.utime(exercise)  # what an editor's save does to the watch loop: a new modification time
        runner.run([unit], impl_spec, quick=True, use_cache=False)

    runner.run([unit], impl_spec, quick=True, use_cache=False)  # the watch loop's first run: imports happen here, once
    return median_seconds(save_and_rerun, WARM_RUNS)


def main(refs: list[str]) -> None:
    units = [find(r) for r in refs] if refs else [u for u in UNITS if u.ready]
    print(f"{'unit':<5} {'code':<10} {'cold pytest':>12} {'cold kata check':>16} {'warm re-run':>12} {'speed-up':>9}")
    for unit in units:
        for impl_spec in ("exercises", "solutions"):
            pytest_s = cold(sys.executable, "-m", "pytest", unit.test_file, "-q", "--impl", impl_spec)
            check_s = cold(sys.executable, "-m", "kata.commands.cli", "check", str(unit.number), "--impl", impl_spec)
            warm_s = warm(unit, impl_spec)
            label = "stub" if impl_spec == "exercises" else "solution"
            print(f"{unit.code:<5} {label:<10} {pytest_s:>11.2f}s {check_s:>15.2f}s {warm_s:>11.3f}s "
                  f"{pytest_s / warm_s:>8.1f}x")


if __name__ == "__main__":
    main(sys.argv[1:])
