"""What the sandbox costs: a unit's run with the learner's process sandboxed, against the same run without.

    uv run python benchmarks/sandbox.py [UNIT ...]     (default: 1 4 7)

Each run is the watch loop's warm re-run (a child forked from a primed parent, the cache bypassed),
once with KATA_SANDBOX=1 and once with KATA_SANDBOX=0, alternating A B A B in one process so the
machine's load falls on both alike. Reported: the medians and their ratio. Target (issue 18): within
1.25x. The sandbox itself is a second fork, unshare(2), a remount of each mount read-only, and a few
tmpfs mounts, per run.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kata.running import runner  # noqa: E402
from kata.units import find  # noqa: E402

RUNS = 9


def main(numbers: list[str]) -> None:
    print("| unit | code | sandboxed | not sandboxed | ratio |")
    print("|---|---|---|---|---|")
    for number in numbers or ["1", "4", "7"]:
        unit = find(number)
        runner.run([unit], "solutions", use_cache=False)  # prime the parent once
        times: dict[str, list[float]] = {"1": [], "0": []}
        notes: dict[str, str] = {}
        for _ in range(RUNS):
            for sandbox in ("1", "0"):
                os.environ["KATA_SANDBOX"] = sandbox
                started = time.perf_counter()
                result = runner.run([unit], "solutions", use_cache=False).results[unit.slug]
                times[sandbox].append(time.perf_counter() - started)
                notes[sandbox] = result.sandbox or "sandboxed"
                assert result.status == "done", (unit.code, result.status)
        on, off = statistics.median(times["1"]), statistics.median(times["0"])
        print(f"| {unit.code} | solution | {on:.3f} s ({notes['1']}) | {off:.3f} s | {on / off:.2f}x |")


if __name__ == "__main__":
    main(sys.argv[1:])
