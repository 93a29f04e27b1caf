"""`kata watch`: re-run a unit each time an exercise file is saved, rustlings-style.

Watching is done by polling modification times (no inotify), which also works on network drives and
most WSL2 set-ups; where even that fails, `--manual` re-runs when you press Enter. This process stays
warm (pytest and the SDKs imported) and forks a fresh child per run, so a re-run is fast, and a loop
or a crash in the learner's code ends that child, never the watch.
"""

from __future__ import annotations

import os
import sys
import time

from kata.commands import board
from kata.running import runner
from kata.units import ROOT, Unit

POLL_SECONDS = 0.2


def snapshot() -> dict[str, float]:
    """Modification times of the files a learner edits."""
    folder = ROOT / "exercises"
    return {str(p): p.stat().st_mtime_ns for p in folder.glob("*") if p.is_file()}


def wait_for_change(before: dict[str, float]) -> None:
    while snapshot() == before:
        time.sleep(POLL_SECONDS)


def wait_for_enter() -> str:
    try:
        return input("Enter: run again · h: hint · q: quit > ").strip().lower()
    except EOFError:
        return "q"


def _clear() -> None:
    if sys.stdout.isatty():
        print("\033[2J\033[H", end="")


def loop(unit: Unit | None, manual: bool, hint, extra: tuple[str, ...] = ()) -> int:
    """Run, show, wait, repeat. With no unit, follow the first unfinished one and move on when it is done."""
    while True:
        before = snapshot()
        started = time.perf_counter()
        if unit:
            run = runner.run([unit], quick=True, extra=extra)
            result, notes = run.results[unit.slug], run.notes
        else:
            result, notes, _ = runner.unit_to_work_on(quick=True, extra=extra)  # the unit you edited last
        elapsed = time.perf_counter() - started
        if result is None:
            print(board.as_typed("Every playable unit is done. `kata` shows the board."))
            return 0
        _clear()
        print("\n".join(board.unit_lines(result, notes=notes, watching=True)))
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
