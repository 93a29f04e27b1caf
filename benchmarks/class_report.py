"""A class of 50: `kata grade` over 50 copies of the reference tree, in parallel vs one at a time.

    uv run python benchmarks/class_report.py [N]

N copies of solutions/ (default 50) in a temporary folder, graded by `kata grade FOLDER --csv --html`
in a fresh process twice: with `--workers 1` (one tree at a time) and with the default (one worker per
core). Both runs are measured in the same run of this script and reported as a ratio; every copy
must come out done in both, or the numbers mean nothing.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def grade(room: Path, out: Path, workers: int | None) -> float:
    command = [sys.executable, "-m", "kata.commands.cli", "grade", str(room), "--csv", str(out / "class.csv"),
               "--html", str(out / "class.html")] + (["--workers", str(workers)] if workers else [])
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, capture_output=True, check=True)
    took = time.perf_counter() - started
    rows = list(csv.DictReader((out / "class.csv").open(encoding="utf-8")))
    undone = [r["student_id"] for r in rows if r["score"] != r["max_score"]]
    assert not undone, f"copies of the reference not done: {undone}"
    return took


def main(count: int = 50) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        room = Path(tmp) / "room"
        for i in range(count):
            shutil.copytree(ROOT / "solutions", room / f"learner{i:03d}", ignore=shutil.ignore_patterns("__pycache__"))
        serial = grade(room, Path(tmp), 1)
        parallel = grade(room, Path(tmp), None)
    cores = os.cpu_count()
    print(f"{count} copies of solutions/: one at a time {serial:.1f} s ({serial / count:.2f} s a tree) · "
          f"{cores} workers {parallel:.1f} s ({parallel / count:.2f} s a tree) · ratio {parallel / serial:.2f}x")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
