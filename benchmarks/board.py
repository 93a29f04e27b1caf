"""The board when nothing changed vs the board cold, and the memory a 10 MB print costs.

    uv run python benchmarks/board.py

Cold: `kata` with an empty cache (every unit runs). Cached: `kata` again, nothing changed (every unit
from the cache). Both are fresh processes, medians of a few runs, measured in the same run of this
script and reported as a ratio. Target: cached at most 0.25x cold, and under 0.3 s on a 2-core machine.

Then the peak memory (max RSS of the command and of its children) of `kata check 1` when the learner's
code prints 10 MB per call, against the same command on the plain stub: it should stay flat.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def seconds(command, env, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, env=env, capture_output=True, check=False)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def board() -> None:
    kata = [sys.executable, "-m", "kata.commands.cli"]
    cold_times = []
    for _ in range(2):
        env = dict(os.environ, KATA_CACHE_DIR=tempfile.mkdtemp(), KATA_DAEMON="0")  # a fresh process each: no warm kata
        cold_times.append(seconds(kata, env, 1))
    cold = statistics.median(cold_times)
    cached = seconds(kata, env, 5)
    print(f"board cold {cold:.2f} s · board cached {cached:.3f} s · ratio {cached / cold:.3f}x (target <= 0.25x, < 0.3 s)")


MEASURE = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], capture_output=True); "
           "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def peak_mb(tree: Path) -> float:
    """The largest resident set of `kata check 1` or any process it started (the worker's child)."""
    out = subprocess.run([sys.executable, "-c", MEASURE, sys.executable, "-m", "kata.commands.cli", "check", "1", "--impl", str(tree)],
                         cwd=ROOT, capture_output=True, text=True, env=dict(os.environ, KATA_CACHE_DIR=tempfile.mkdtemp(), KATA_DAEMON="0"))
    return int(out.stdout.split()[-1]) / 1024


def printing() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        plain, loud = Path(tmp) / "plain", Path(tmp) / "loud"
        for tree in (plain, loud):
            shutil.copytree(ROOT / "exercises", tree)
        path = loud / "u01_vocabulary.py"
        path.write_text(path.read_text().replace("    raise NotImplementedError", "    print('y' * 10_000_000)\n    raise NotImplementedError"))
        base = peak_mb(plain)
        print(f"peak memory, kata check 1: plain stub {base:.0f} MB · 10 MB printed per call {peak_mb(loud):.0f} MB")


if __name__ == "__main__":
    board()
    printing()
