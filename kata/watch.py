"""`kata watch`: re-run a unit each time an exercise file is saved, rustlings-style.

Watching is done by polling modification times (no inotify), which also works on network drives and
most WSL2 set-ups; where even that fails, `--manual` re-runs when you press Enter. The process stays
warm: pytest and the SDKs stay imported, and only the learner's files are read again.
"""

from __future__ import annotations

import os
import sys
import time

from kata.units import ROOT, UNITS, Unit

POLL_SECONDS = 0.2


def snapshot() -> dict[str, float]:
    """Modification times of the files a learner edits."""
    folder = ROOT / "exercises"
    return {str(p): p.stat().st_mtime_ns for p in folder.glob("*.py")}


def wait_for_change(before: dict[str, float]) -> None:
    while snapshot() == before:
        time.sleep(POLL_SECONDS)


def wait_for_enter() -> str:
    return input("Enter: run again · h: hint · q: quit > ").strip().lower()


def _clear() -> None:
    if sys.stdout.isatty():
        print("\033[2J\033[H", end="")


def _first_unfinished(run):
    """The first playable unit that is not done, with its fresh result; None when all are done."""
    for unit in UNITS:
        if unit.ready:
            result = run([unit])[unit.slug]
            if result.status != "done":
                return result
    return None


def loop(unit: Unit | None, manual: bool, show, run, hint) -> int:
    """Run, show, wait, repeat. With no unit, follow the first unfinished one and move on when it is done."""
    while True:
        before = snapshot()
        started = time.perf_counter()
        result = run([unit])[unit.slug] if unit else _first_unfinished(run)
        elapsed = time.perf_counter() - started
        if result is None:
            print("Every playable unit is done. `kata` shows the board.")
            return 0
        _clear()
        print("\n".join(show(result)))
        print(f"\n(ran in {elapsed:.2f} s · watching exercises/ · Ctrl-C to stop)")
        if os.environ.get("KATA_WATCH_ONCE"):  # for tests and benchmarks: one cycle, then stop
            return 0
        if not manual:
            wait_for_change(before)
            continue
        answer = wait_for_enter()
        if answer == "q":
            return 0
        if answer == "h":
            hint(result.unit)
