"""The `kata` command: the learner's board and loop, the instructor's checks, the maintainer's tools.

    kata                 the board: every unit, its state, and the next step (same as `kata status`)
    kata next            run the first unfinished unit and show its first failing test
    kata check N         run one unit, every test listed
    kata hint N          the next hint for unit N (a nudge first, then more)
    kata watch [N]       re-run on every save (--manual: re-run when you press Enter)
    kata reset N         restore unit N's stub, after asking, keeping a backup of your file
    kata grade PATH      grade a learner's copy of exercises/ (--json, --junit-xml)
    kata verify          the instructor check: solutions pass, stubs and known mistakes fail
    kata stubs           regenerate exercises/ from solutions/ (maintainers)
    kata record [UNIT]   re-record cassettes from solutions/ against the reference backend (--live: real APIs)
    kata serve           run the reference backend locally, to try inputs of your own offline
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from datetime import datetime
from pathlib import Path

from kata import stubs
from kata.units import ROOT, UNITS, Unit, find

STATE_DIR = ROOT / ".kata"  # hint progress and reset backups; ignored by git

# ---- presentation --------------------------------------------------------------------------------

_COLOR = sys.stdout.isatty() and "NO_COLOR" not in os.environ
_STYLE = {"done": "32", "in progress": "33", "not started": "0", "broken": "31", "coming soon": "2", "bold": "1", "dim": "2"}
_MARK = {"done": "✔", "in progress": "◐", "not started": "○", "broken": "✘", "coming soon": "·"}


def paint(text: str, style: str) -> str:
    return f"\033[{_STYLE[style]}m{text}\033[0m" if _COLOR else text


def progress_bar(done: int, total: int, width: int = 24) -> str:
    filled = round(width * done / total)
    return "[" + "#" * filled + (">" if filled < width else "") + "-" * max(0, width - filled - 1) + "]"


def board_lines(results) -> list[str]:
    """The board as lines of text: one row per unit and the next step."""
    done = [r for r in results.values() if r.status == "done"]
    lines = [paint("Practice 06 · AI Engineering Foundations — kata board", "bold"),
             f"Progress: {progress_bar(len(done), len(UNITS))} {len(done)}/{len(UNITS)} units done", ""]
    for unit in UNITS:
        result = results.get(unit.slug)
        status = result.status if result else "coming soon"
        detail = ""
        if status == "done":
            s_passed, s_total = result.score("stretch")
            stretch = f"stretch {s_passed}/{s_total}  " if s_total else ""
            detail = f"{stretch}compare with {unit.solution}"
        elif status == "in progress":
            passed, total = result.score("verify")
            detail = f"{passed}/{total} verify tests pass"
        elif status == "not started":
            detail = f"0/{result.score('verify')[1]} — {unit.exercise}"
        elif status == "broken":
            detail = result.broken.message.splitlines()[0]
        row = f"  {_MARK[status]} {unit.code}  {unit.title:<30} {status:<12} {detail}"
        lines.append(paint(row.rstrip(), status))
    lines += ["", next_step(results)]
    return lines


def next_step(results) -> str:
    pending = next((r for r in results.values() if r.unit.ready and r.status != "done"), None)
    if pending is None:
        ready = sum(u.ready for u in UNITS)
        return f"All {ready} playable units are done. Stretch goals: `kata check N` lists them."
    unit = pending.unit
    if pending.status == "broken":
        return f"Next: fix {pending.broken.message.splitlines()[0].split(': ')[0]} — U{unit.number:02d} cannot be imported."
    return f"Next: {unit.code} {unit.title} — edit {unit.exercise}, then `kata next` (or `kata watch {unit.number}`)."


def failure_lines(unit: Unit, test) -> list[str]:
    """One failing test in full: which test, the Verify line it encodes, the teaching message."""
    label = "Stretch" if test.kind == "stretch" else "Verify"
    lines = [paint(f"✘ {test.name}", "broken")]
    if test.quote:
        lines.append(f"  {label}: “{test.quote}”")
    lines.append("")
    lines += ["  " + line for line in _trim(test.message).splitlines()]
    return lines


def _trim(message: str, limit: int = 40) -> str:
    lines = message.strip().splitlines()
    return "\n".join(lines[:limit] + ([f"… ({len(lines) - limit} more lines: `kata check` shows them all)"] if len(lines) > limit else []))


# ---- commands ------------------------------------------------------------------------------------

def _run(units=None, impl_spec="exercises", **kwargs):
    from kata import runner  # pytest and the units' imports load only when a command runs tests

    try:
        return runner.run(units, impl_spec, **kwargs)
    except ValueError as error:  # e.g. --impl naming a folder that does not exist
        raise SystemExit(f"kata: {error}") from None


def cmd_status(args) -> int:
    print("\n".join(board_lines(_run())))
    return 0


def _show_unit(result, verbose: bool = False) -> list[str]:
    unit = result.unit
    passed, total = result.score("verify")
    s_passed, s_total = result.score("stretch")
    head = f"{unit.code} · {unit.title} — {passed}/{total} verify tests pass"
    head += f", stretch {s_passed}/{s_total}" if s_total else ""
    lines = [paint(head, "bold")]
    if verbose:
        lines += [f"  {'✔' if t.passed else '✘'} {t.kind:<7} {t.name}" for t in result.tests]
    failure = result.first_failure
    if result.status == "broken":
        lines += ["", paint(f"✘ {unit.code} cannot be imported, so none of its tests can run:", "broken"),
                  *["  " + line for line in result.broken.message.splitlines()]]
    elif result.status == "done":
        lines += ["", paint(f"✔ {unit.code} is done. Compare your code with the reference: {unit.solution}", "done")]
        if failure:
            lines += ["", "A Stretch goal is still open:", *failure_lines(unit, failure)]
    elif failure:
        lines += ["", *failure_lines(unit, failure), "",
                  f"Edit {unit.exercise} and run `kata next` again"
                  f" (`kata watch {unit.number}` re-runs on every save; `kata hint {unit.number}` for a hint)."]
    return lines


def cmd_next(args) -> int:
    for unit in [u for u in UNITS if u.ready]:
        result = _run([unit])[unit.slug]
        if result.status != "done":
            print("\n".join(_show_unit(result)))
            return 1
    print("Every playable unit is done. `kata` shows the board; stretch goals are listed by `kata check N`.")
    return 0


def _unit_arg(ref) -> Unit:
    try:
        unit = find(ref)
    except ValueError as error:
        raise SystemExit(f"kata: {error}") from None
    if not unit.ready:
        raise SystemExit(f"kata: {unit.code} {unit.title} is coming soon: its tests are not written yet.")
    return unit


def cmd_check(args) -> int:
    unit = _unit_arg(args.unit)
    result = _run([unit], args.impl)[unit.slug]
    print("\n".join(_show_unit(result, verbose=True)))
    return 0 if result.status == "done" else 1


def _load_state() -> dict:
    path = STATE_DIR / "state.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def _save_state(state: dict) -> None:
    STATE_DIR.mkdir(exist_ok=True)
    (STATE_DIR / "state.json").write_text(json.dumps(state, indent=1))


def cmd_hint(args) -> int:
    unit = _unit_arg(args.unit)
    if not unit.hints:
        print(f"{unit.code} has no hints yet; its tests' messages carry one each.")
        return 0
    state = _load_state()
    shown = state.setdefault("hints", {}).get(unit.slug, 0)
    upto = len(unit.hints) if args.all else min(shown + 1, len(unit.hints))
    for i, hint in enumerate(unit.hints[:upto], 1):
        print(f"Hint {i}/{len(unit.hints)} for {unit.code}: {hint}")
    if upto < len(unit.hints):
        print(f"(`kata hint {unit.number}` again for the next one)")
    state["hints"][unit.slug] = upto
    _save_state(state)
    return 0


def reset_unit(unit: Unit, tree: Path, backups: Path) -> Path | None:
    """Put the stub back in `tree`; the learner's file is copied to `backups` first. Returns the backup."""
    path = tree / f"{unit.slug}.py"
    backup = None
    if path.is_file():
        backups.mkdir(parents=True, exist_ok=True)
        backup = backups / f"{unit.slug}.{datetime.now():%Y%m%d-%H%M%S}.py"
        shutil.copy2(path, backup)
    path.write_text(stubs.stub_for(unit), encoding="utf-8")
    return backup


def cmd_reset(args) -> int:
    unit = _unit_arg(args.unit)
    if not args.yes:
        if not sys.stdin.isatty():
            raise SystemExit("kata reset: add --yes to confirm (no terminal to ask on)")
        answer = input(f"Replace {unit.exercise} with a fresh stub? Your file is backed up first. [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing changed.")
            return 1
    backup = reset_unit(unit, ROOT / "exercises", STATE_DIR / "backups")
    print(f"{unit.exercise} is a stub again." + (f" Your version is saved as {backup.relative_to(ROOT)}." if backup else ""))
    return 0


def cmd_watch(args) -> int:
    from kata import watch

    unit = _unit_arg(args.unit) if args.unit else None
    hint = lambda u: cmd_hint(argparse.Namespace(unit=u.slug, all=False))  # noqa: E731
    quick = lambda units: _run(units, pytest_args=("--kata-quick",))  # noqa: E731
    return watch.loop(unit, manual=args.manual, show=_show_unit, run=quick, hint=hint)


def grade_rows(results) -> list[dict]:
    rows = []
    for result in results.values():
        v_passed, v_total = result.score("verify")
        s_passed, s_total = result.score("stretch")
        rows.append({"unit": result.unit.code, "slug": result.unit.slug, "status": result.status,
                     "verify_passed": v_passed, "verify_total": v_total,
                     "stretch_passed": s_passed, "stretch_total": s_total,
                     "tests": [{"name": t.name, "kind": t.kind, "state": t.state, "message": t.message}
                               for t in result.tests]})
    return rows


def cmd_grade(args) -> int:
    path = Path(args.path)
    if not path.is_dir():
        raise SystemExit(f"kata grade: {args.path} is not a folder (give the learner's copy of exercises/)")
    extra = (f"--junitxml={Path(args.junit_xml).resolve()}",) if args.junit_xml else ()
    rows = grade_rows(_run(None, str(path.resolve()), pytest_args=extra))
    print(f"Grading {path}")
    print(f"{'unit':<5} {'status':<12} {'verify':>7} {'stretch':>8}")
    for row in rows:
        print(f"{row['unit']:<5} {row['status']:<12} {row['verify_passed']:>3}/{row['verify_total']:<3} "
              f"{row['stretch_passed']:>4}/{row['stretch_total']:<3}")
    done = sum(row["status"] == "done" for row in rows)
    print(f"{done} of {len(rows)} playable units done")
    if args.json:
        Path(args.json).write_text(json.dumps({"graded": str(path.resolve()), "units": rows}, indent=1))
        print(f"JSON written to {args.json}")
    return 0


def cmd_verify(args) -> int:
    import pytest

    code = pytest.main([str(ROOT / "tests"), "--impl", "solutions", "--kata-harness", "--rootdir", str(ROOT),
                        "-c", str(ROOT / "pyproject.toml"), *args.pytest_args])
    return int(code)


def cmd_stubs(args) -> int:
    units = [find(u) for u in args.units] if args.units else None
    changed = stubs.write_stubs(units)
    print("\n".join(f"wrote {p.relative_to(ROOT)}" for p in changed) or "exercises/ already matches solutions/")
    return 0


def cmd_record(args) -> int:
    from kata import recording

    units = [_unit_arg(u) for u in args.units] if args.units else [u for u in UNITS if u.ready]
    return recording.record(units, live=args.live)


def cmd_serve(args) -> int:
    from kata import recording

    return recording.serve(args.port)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kata", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("status", help="the board (the default)").set_defaults(func=cmd_status)
    sub.add_parser("next", help="the next failing test, explained").set_defaults(func=cmd_next)
    p = sub.add_parser("check", help="run one unit")
    p.add_argument("unit")
    p.add_argument("--impl", default="exercises", help="exercises (default), solutions, or a path")
    p.set_defaults(func=cmd_check)
    p = sub.add_parser("hint", help="progressive hints for a unit")
    p.add_argument("unit")
    p.add_argument("--all", action="store_true", help="show every hint at once")
    p.set_defaults(func=cmd_hint)
    p = sub.add_parser("watch", help="re-run on every save")
    p.add_argument("unit", nargs="?")
    p.add_argument("--manual", action="store_true", help="re-run when you press Enter (for WSL2 and network drives)")
    p.set_defaults(func=cmd_watch)
    p = sub.add_parser("reset", help="restore a unit's stub (your file is backed up)")
    p.add_argument("unit")
    p.add_argument("--yes", action="store_true", help="do not ask")
    p.set_defaults(func=cmd_reset)
    p = sub.add_parser("grade", help="grade a learner's copy of exercises/")
    p.add_argument("path")
    p.add_argument("--json", metavar="FILE")
    p.add_argument("--junit-xml", metavar="FILE")
    p.set_defaults(func=cmd_grade)
    p = sub.add_parser("verify", help="the instructor check (the README's test command)")
    p.add_argument("pytest_args", nargs="*", help="passed on to pytest, e.g. -x or -k u01")
    p.set_defaults(func=cmd_verify)
    p = sub.add_parser("stubs", help="regenerate exercises/ from solutions/ (maintainers)")
    p.add_argument("units", nargs="*")
    p.set_defaults(func=cmd_stubs)
    p = sub.add_parser("record", help="re-record cassettes (maintainers and instructors)")
    p.add_argument("units", nargs="*", help="units to record (default: all playable units)")
    p.add_argument("--live", action="store_true", help="against the real APIs, with VOYAGE_API_KEY and ANTHROPIC_API_KEY")
    p.set_defaults(func=cmd_record)
    p = sub.add_parser("serve", help="run the reference backend (needs the record extra)")
    p.add_argument("--port", type=int, default=8765)
    p.set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "verify":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if extra:  # `kata verify -x -k u01`: the rest is pytest's
        args.pytest_args += extra
    func = getattr(args, "func", cmd_status)
    try:
        return func(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
