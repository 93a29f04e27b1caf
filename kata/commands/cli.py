"""The `kata` command: the learner's board and loop, the instructor's checks, the maintainer's tools.

    kata                 the board: every unit, its state, and the next step (same as `kata status`)
    kata next [N]        show the first failing test of the unfinished unit you edited last (or of unit N)
    kata check [N]       run one unit, every test listed (alone: the unit `kata next` is on)
    kata hint [N]        the next hint for unit N, or for the unit `kata next` is on (a nudge first, then more)
    kata watch [N]       re-run on every save (--manual: re-run when you press Enter)
    kata reset N         restore unit N's stub, after asking, keeping a backup of your file (--all: every unit)
    kata restore N       bring back a file `kata reset` backed up, after asking (--list: the backups; --pick K)
    kata show N          run your unit end to end offline and print what it finds (U04-U07, U10, U11)
    kata check N --live  (and show N --live) your code against the real APIs, with your own keys: costs money,
                         prints the estimate first and the cost after; requests are kept in .kata/live/<unit>/
    kata grade PATH...   grade a learner's copy of exercises/ (--json, --junit-xml), or a class of them in
                         parallel (--csv, --html, --workers); --unit N --require done for GitHub Classroom
    kata verify          the instructor check: solutions pass, stubs and known mistakes fail
    kata plot N          draw your unit's picture into .kata/plots/ (U04, U05, U07, U11; needs the plots extra)
    kata stop            stop this checkout's warm kata (the process that keeps the board, next, check, show,
                         plot and hint fast; it starts again with the next command, and stops itself when idle)
    kata stubs           regenerate exercises/ from solutions/ (maintainers)
    kata record [UNIT]   re-record cassettes from solutions/ against the reference backend (--live: real APIs)
    kata serve           run the reference backend locally, to try inputs of your own offline
    kata mutate [UNIT]   mutation score of each unit's tests against its solution (maintainers; slow)
    kata outcomes        every test's verdict on solutions, stubs, mistakes, alternatives: --write FILE
                         or --check FILE (maintainers; `kata verify` compares with tests/outcomes/)

    --strict-replay      (next, check, watch, grade) replay only recorded API requests, with a diff for
                         any other, instead of computing them with the reference backend. `kata verify`
                         runs the solutions' unit tests this way always, and once more without it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from datetime import datetime
from pathlib import Path

from kata.commands import board
from kata.running import bytecode, daemon
from kata import stubs
from kata.units import ROOT, UNITS, Unit, find

STATE_DIR = ROOT / ".kata"  # hint progress and reset backups; ignored by git


STRICT = "--strict-replay"
WARM_COMMANDS = "kata.commands.cli:warm_commands"  # what the warm daemon (kata/running/daemon.py) calls to run commands, named for it
SHOW = "kata.commands.show:main"  # what a show job runs in the worker's child, named for it (kata/judge/child.py imports no command)


def _extra(args) -> tuple[str, ...]:
    """pytest arguments a command passes on: --strict-replay (results then bypass the cache)."""
    return (STRICT,) if getattr(args, "strict_replay", False) else ()


def _runner():
    """kata.running.runner, imported only when tests run (the board from the cache imports no pytest), told what computes
    a green unit's lesson: a command of this layer, handed down, never named by the runner itself."""
    from kata.running import runner

    runner.lessons_with("kata.commands.lessons:compute")
    return runner


def _run(units=None, impl_spec="exercises", **kwargs):
    runner = _runner()
    try:
        return runner.run(units, impl_spec, **kwargs)
    except ValueError as error:  # e.g. --impl naming a folder that does not exist
        raise SystemExit(f"kata: {error}") from None


def cmd_status(args) -> int:
    run = _run(moments=True)  # a unit that timed out, unchanged since: said from its last run, not waited out again
    print("\n".join(board.board_lines(run.results, run.notes)))
    return 0


def cmd_next(args) -> int:
    runner = _runner()

    if args.unit:  # `kata next N`: the unit the learner chose
        unit = _unit_arg(args.unit)
        run = _run([unit], extra=_extra(args))
        result = run.results[unit.slug]
        cause = runner.cause_in_earlier_unit(result, extra=_extra(args))
        print("\n".join(board.unit_lines(result, notes=run.notes, cause=cause)))
        if result.status != "done" and (unfinished := runner.unfinished_uses(unit, extra=_extra(args))):
            used = "; ".join(f"{code}'s {', '.join(names)} ({other.status})" for code, (other, names) in unfinished.items())
            print(board.as_typed(f"\n({unit.code} uses {used}: `kata next {int(min(unfinished)[1:])}` shows the first "
                                 f"unfinished one.)"))
        return 0 if result.status == "done" else 1
    pending, notes, earlier = runner.unit_to_work_on(extra=_extra(args))
    if pending is None:
        print(board.as_typed("Every playable unit is done. `kata` shows the board; stretch goals are listed by `kata check N`."))
        return 0
    cause = runner.cause_in_earlier_unit(pending, extra=_extra(args))
    done = runner.saved_last_and_done()
    if done is not None and done.unit != pending.unit:  # the unit just finished, then the one to work on now
        print("\n".join(board.unit_lines(done)) + "\n\n" + board.as_typed(f"Next: {pending.unit.code} {pending.unit.title}.") + "\n")
    print("\n".join(board.unit_lines(pending, notes=notes, cause=cause)))
    if earlier is not None:
        print(board.as_typed(f"\n(An earlier unit is unfinished too: {earlier.code} {earlier.title}. "
                             f"`kata next {earlier.number}` shows it.)"))
    return 1


def _unit_arg(ref) -> Unit:
    try:
        unit = find(ref)
    except ValueError as error:
        raise SystemExit(f"kata: {error}") from None
    if not unit.ready:
        raise SystemExit(f"kata: {unit.code} {unit.title} is coming soon: its tests are not written yet.")
    return unit


def _live(args, unit: Unit, command: str, run) -> int:
    """--live: the keys checked, the estimate printed, `run(endpoint URL)` against the real vendors, the cost printed."""
    from kata.judge import live

    try:
        with live.session(unit, args.max_requests, command) as endpoint:
            return run(endpoint.url)
    except SystemExit as stopped:  # a missing key, a unit with no API calls: said as the learner types commands
        raise SystemExit(board.as_typed(stopped.code) if isinstance(stopped.code, str) else stopped.code) from None


def _unit_next_is_on(impl_spec: str = "exercises") -> Unit | None:
    """The unit `kata next` would run (the unfinished one edited last, else the first unfinished), for a command
    given no unit, as rustlings' `run` and `hint` take the current exercise; None when every unit is done."""
    pending, _, _ = _runner().unit_to_work_on(impl_spec)
    if pending is None:
        print(board.as_typed("Every playable unit is done: name one (`kata check N`, `kata hint N`) to see it again."))
    return pending.unit if pending is not None else None


def cmd_check(args) -> int:
    if args.unit is None and (current := _unit_next_is_on(args.impl)) is None:
        return 0
    unit = _unit_arg(args.unit) if args.unit is not None else current
    if args.live:
        return _live(args, unit, "check", lambda url: _check(args, unit, url))
    return _check(args, unit)


def _check(args, unit: Unit, live: str = "") -> int:
    run = _run([unit], args.impl, extra=_extra(args), live=live)
    result = run.results[unit.slug]
    runner = _runner()

    cause = runner.cause_in_earlier_unit(result, args.impl, extra=_extra(args))
    print("\n".join(board.unit_lines(result, verbose=True, notes=run.notes, cause=cause)))
    return 0 if result.status == "done" else 1


def _load_state() -> dict:
    path = STATE_DIR / "state.json"
    try:
        return json.loads(path.read_text()) if path.is_file() else {}
    except ValueError:  # a hand-edited or half-written state file: start the hints over rather than crash
        return {}


def _save_state(state: dict) -> None:
    STATE_DIR.mkdir(exist_ok=True)
    (STATE_DIR / "state.json").write_text(json.dumps(state, indent=1))


def _failing_test(unit: Unit):
    """The test `kata hint` follows: the first failure of the unit's last run (from the cache, else run now), and
    the earlier unit's function it echoes, (code, name), when the board says so ((), else)."""
    runner = _runner()

    result = runner.cached(unit, moments=True) or _run([unit]).results[unit.slug]  # a loop is not waited out for a hint
    cause = runner.cause_in_earlier_unit(result) if result.first_failure is not None else ""
    return result.first_failure, getattr(cause, "fix", ())


def hint_ladder(unit: Unit, failure, echoes: tuple[str, str] = ()) -> list[str]:
    """The rungs of `kata hint N`: the failing test's own nudge first, then the unit's rungs about the
    functions that test called (or whose stub it reached), the code only on the last rungs (Unit.ladder). A
    failure that echoes an earlier unit's function (`echoes`: ("U04", "cosine")) gets that function's rungs."""
    message = failure.message if failure else ""
    found = failure.stub() if failure else None
    if found and found[0] != unit:  # the test stops at an earlier unit's stub: that unit's hints, not this one's code
        other, function, where = found
        return [f"{failure.name} stops at {other.code}'s `{function}` ({where}), still a stub: write it first. "
                f"Its hints: `kata hint {other.number}`.", *(rung.text for rung in other.ladder([function]))]
    if failure and echoes:  # it fails because an earlier unit's function does: that function's hints, not this code
        other, function = find(echoes[0]), echoes[1]
        if failure.state == "timeout":  # the loop is there: its rungs are about what it computes, not about a loop
            return [f"{failure.name} ran out of time in {other.code}'s `{function}`, which your {unit.code} code calls "
                    f"and which runs out of time in {other.code}'s own tests too: look there for a loop whose end is "
                    f"never reached (a condition nothing in the loop changes, a list that grows while you walk it); a "
                    f"print inside the loop shows what it sees each time round. Its hints: `kata hint {other.number}`."]
        return [f"{failure.name} may well fail only because {other.code}'s `{function}` does, which fails "
                f"{other.code}'s own tests: fix it there first. Its hints: `kata hint {other.number}`.",
                *(rung.text for rung in other.ladder([function]) if not rung.when)]  # a rung for one of its clauses: not this failure's
    nudge = next((line.removeprefix("Hint: ") for line in message.splitlines() if line.startswith("Hint: ")), "")
    named = re.findall(r"(\w+)\(", re.split(r"\nIt (?:returned|raised)", message)[0])  # "Called build_index(...)", "· retrieve() is not written"
    functions = named + [name.partition(".")[2] for name in (failure.calls if failure else ()) if name.startswith(f"{unit.code}.")]
    if found:  # this unit's own stub: the rungs about that function, not those of the test's other calls
        functions = [found[1]]
    # the learner's chain where it raised or was stopped (`answer` → `answer_from`), as the failure recorded it
    chain = list(dict.fromkeys(step[0] for step in (failure.points.get("chain", []) if failure else [])))
    loop = (failure.points.get("loop") or [""])[0] if failure else ""
    if failure and failure.state == "timeout" and loop:  # the watchdog saw where the loop is: that function alone
        chain = [loop]
    if failure and failure.state in ("failed", "timeout") and chain:
        # the learner's own frames say where it went wrong: an exception, the innermost function a rung is about;
        # a loop, any function of its chain (the loop may be in the caller)
        about = [f for f in reversed(chain) if any(f in rung.about.split() for rung in unit.hints)]
        functions = about[:1] if failure.state == "failed" and about else chain
    ladder = unit.ladder(functions)
    if failure and failure.quote:  # a rung about one clause of the function (U09's wording of the line): under that clause only
        ladder = [r for r in ladder if r.fits(failure.quote)]
    if failure and failure.state == "failed" and named and not found and not chain:  # the code of the function the check names only:
        # train_adapter's failure is no place for init_adapter's code, though its test called both
        ladder = [r for r in ladder if not r.reads_as_code or r.is_about(named)]
    detail = _what_the_test_checks(unit, failure.name) if failure and failure.state in ("failed", "timeout") else ""
    if functions and not found and (nudge or detail) and not any(r.about and r.is_about(functions) for r in ladder):
        # a written function no rung is about fails (U07's embedding_mismatch): the test's own nudge and what it checks
        # say more than the unit's general advice (kept for a stub), which a newcomer, climbing on, read as drifting
        ladder = []
    rungs = [rung.text for rung in ladder]
    if found and len(ladder) == 1 and ladder[0].reads_as_code:  # a stub whose one rung is its code: words first
        said = f": “{failure.quote}”" if failure.quote else ""
        rungs.insert(0, f"`{found[1]}` is not written yet. Write it from its docstring{said}, one sentence at a time, "
                        f"then run the tests again; the rung after this one is its code.")
    if detail and not _says_again(detail, f"{failure.quote} {nudge}"):  # a rung that says what the first said: none
        rungs.insert(0, f"What {failure.name} checks: {detail}")
    if failure and failure.state == "timeout" and chain:  # a nudge in words before any code
        rungs.insert(0, f"{failure.name} ran out of time in " + " → ".join(f"`{f}`" for f in chain) + ": look "
                        f"{'in it' if len(chain) == 1 else 'there'} for a "
                        "loop whose end is never reached (a condition nothing in the loop changes, a list that grows "
                        "while you walk it); a print inside the loop shows what it sees each time round.")
    if nudge:
        clause = f" (“{failure.quote}”)" if failure.quote else ""
        rungs.insert(0, f"{failure.name}{clause} fails: {nudge}")
    return rungs


def _says_again(text: str, said: str) -> bool:
    """Whether `text` adds at most one word to `said`, the small ones aside ("A pass rate equal to the bar clears
    it." after “a rate equal to the bar clears it”: a blind learner read the same sentence three times on two rungs)."""
    small = {"a", "an", "the", "it", "its", "is", "to", "of", "and", "or", "that", "this"}
    words = set(re.findall(r"[a-z0-9_]+", text.lower())) - small
    return len(words - set(re.findall(r"[a-z0-9_]+", said.lower()))) <= 1


def _what_the_test_checks(unit: Unit, name: str) -> str:
    """The test's docstring after its quote: what it checks, in words (the test file is read, never run)."""
    import ast

    tree = ast.parse((ROOT / unit.test_file).read_text(encoding="utf-8"))
    test = next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name.split("[")[0]), None)
    paragraphs = (ast.get_docstring(test) or "").split("\n\n")[1:] if test else []
    return " ".join(" ".join(paragraphs).split())


def cmd_hint(args) -> int:
    if args.unit is None and (current := _unit_next_is_on()) is None:
        return 0
    unit = _unit_arg(args.unit) if args.unit is not None else current
    if not unit.hints:
        print(f"{unit.code} has no hints yet; its tests' messages carry one each.")
        return 0
    failure, echoes = _failing_test(unit)
    if failure is not None and failure.state == "broken":  # no test ran: no ladder climbed for a test it never reached
        said = failure.message.strip().splitlines()
        print(board.as_typed(f"{unit.code} cannot be imported, so none of its tests ran: {said[0] if said else 'see `kata next`'}\n"
                             f"Fix that line and save; the hints follow the first failing test once the tests run."))
        return 0
    rungs = hint_ladder(unit, failure, echoes)
    state = _load_state()
    followed = failure.nodeid if failure else ""
    seen = state.setdefault("hints", {}).get(unit.slug)
    # A ladder follows one failing test: when another test fails first, the hints start over for it.
    shown = seen["shown"] if isinstance(seen, dict) and seen.get("test") == followed else 0
    upto = len(rungs) if args.all else min(shown + 1, len(rungs))
    if failure:
        print(board.as_typed(f"{unit.code}'s hints follow its first failing test, {failure.name}."))
    for i, hint in enumerate(rungs[:upto], 1):
        print(board.as_typed(f"Hint {i}/{len(rungs)} for {unit.code}: {hint}"))
    if upto < len(rungs):
        print(board.as_typed(f"(`kata hint {unit.number}` again for the next one)"))
    elif not args.all:
        print(board.as_typed(f"(That was the last hint for this test: `kata hint {unit.number}` shows the same ones again.)"))
    state["hints"][unit.slug] = {"test": followed, "shown": upto}
    _save_state(state)
    return 0


def back_up(unit: Unit, path: Path, backups: Path) -> Path:
    """Copy the learner's file into `backups` under a name of its own, created exclusively, so two backups
    in the same second never overwrite each other. Returns the backup."""
    backups.mkdir(parents=True, exist_ok=True)
    content = path.read_bytes()
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    for n in range(1000):
        backup = backups / f"{unit.slug}.{stamp}{f'-{n}' if n else ''}.py"
        try:
            with open(backup, "xb") as file:  # "x": fails if the name exists, never overwrites
                file.write(content)
            return backup
        except FileExistsError:
            continue
    raise SystemExit(f"kata: could not find a free backup name in {backups}; nothing was changed")


def reset_unit(unit: Unit, tree: Path, backups: Path) -> Path | None:
    """Put the stub back in `tree`; the learner's file is copied to `backups` first. Returns the backup.

    A file that is already the stub is not backed up.
    """
    path = tree / f"{unit.slug}.py"
    stub = stubs.stub_for(unit)
    backup = None
    if path.is_file() and path.read_text(encoding="utf-8", errors="replace") != stub:
        backup = back_up(unit, path, backups)
    path.write_text(stub, encoding="utf-8")
    return backup


def backups_of(unit: Unit, backups: Path) -> list[Path]:
    """A unit's backups, the newest first (the name holds the time it was made, then a counter)."""
    def made(path: Path) -> tuple[str, int]:
        parts = path.name[len(unit.slug) + 1:-len(".py")].split("-")  # 20261204-203000-123456, then -1, -2...
        return "-".join(parts[:3]), int(parts[3]) if len(parts) > 3 and parts[3].isdigit() else 0

    found = [p for p in backups.glob(f"{unit.slug}.*.py") if p.is_file()] if backups.is_dir() else []
    return sorted(found, key=made, reverse=True)


def restore_unit(unit: Unit, tree: Path, backups: Path, chosen: Path) -> Path | None:
    """Put the backup `chosen` back in `tree`; the current file becomes a backup of its own first (unless it is
    the stub, or the very text being restored). Returns that new backup. No file is ever lost."""
    path = tree / f"{unit.slug}.py"
    content = chosen.read_bytes()
    kept = None
    if path.is_file():
        current = path.read_bytes()
        if current != content and current.decode("utf-8", "replace") != stubs.stub_for(unit):
            kept = back_up(unit, path, backups)
    path.write_bytes(content)
    return kept


def _described(backup: Path) -> str:
    when = datetime.fromtimestamp(backup.stat().st_mtime).strftime("%Y-%m-%d %H:%M:%S")
    lines = len(backup.read_text(encoding="utf-8", errors="replace").splitlines())
    return f"{backup.relative_to(ROOT) if backup.is_relative_to(ROOT) else backup}  (saved {when}, {lines} lines)"


def cmd_restore(args) -> int:
    unit = _unit_arg(args.unit)
    backups = STATE_DIR / "backups"
    found = backups_of(unit, backups)
    if not found:
        print(board.as_typed(f"{unit.code} has no backups: `kata reset {unit.number}` makes one before it restores a stub."))
        return 1
    if args.list:
        for n, backup in enumerate(found, 1):
            print(f"  {n}. {_described(backup)}")
        print(board.as_typed(f"`kata restore {unit.number}` brings back the newest (1); "
                             f"`kata restore {unit.number} --pick N` another."))
        return 0
    if not 1 <= args.pick <= len(found):
        raise SystemExit(board.as_typed(f"kata restore: --pick {args.pick}: {unit.code} has backups 1 to {len(found)} "
                                        f"(`kata restore {unit.number} --list`)"))
    chosen = found[args.pick - 1]
    if not args.yes and not _confirmed("restore", f"Replace {unit.exercise} with {_described(chosen)}? Your current "
                                                  f"file is backed up first."):
        return 1
    kept = restore_unit(unit, ROOT / "exercises", backups, chosen)
    saved = f" Your file as it was is saved as {kept.relative_to(ROOT) if kept.is_relative_to(ROOT) else kept}." if kept else ""
    print(f"{unit.exercise} is {chosen.name} again (the backup stays where it is).{saved}")
    return 0


def _confirmed(command: str, question: str) -> bool:
    """Ask before a file is replaced; no terminal to ask on means no, with the flag that says yes."""
    if not sys.stdin.isatty():
        raise SystemExit(board.as_typed(f"kata {command}: add --yes to confirm (no terminal to ask on)"))
    if input(f"{question} [y/N] ").strip().lower() in ("y", "yes"):
        return True
    print("Nothing changed.")
    return False


def cmd_reset(args) -> int:
    units = [u for u in UNITS if u.ready] if args.unit == "all" or args.all else [_unit_arg(args.unit)]
    what = "every unit's file" if len(units) > 1 else units[0].exercise
    if not args.yes and not _confirmed("reset", f"Replace {what} with a fresh stub? Your files are backed up first."):
        return 1
    for unit in units:
        backup = reset_unit(unit, ROOT / "exercises", STATE_DIR / "backups")
        saved = f" Your version is saved as {backup.relative_to(ROOT)}." if backup else " (It was the stub already.)"
        print(f"{unit.exercise} is a stub again.{saved}")
    return 0


def cmd_watch(args) -> int:
    from kata.commands import watch

    unit = _unit_arg(args.unit) if args.unit else None
    hint = lambda u: cmd_hint(argparse.Namespace(unit=u.slug, all=False))  # noqa: E731
    return watch.loop(unit, manual=args.manual, hint=hint, extra=_extra(args))


def grade_rows(results) -> list[dict]:
    rows = []
    for result in results.values():
        v_passed, v_total = result.score("verify")
        s_passed, s_total = result.score("stretch")
        rows.append({"unit": result.unit.code, "slug": result.unit.slug, "status": result.status,
                     "verify_passed": v_passed, "verify_total": v_total,
                     "stretch_passed": s_passed, "stretch_total": s_total, "ended": result.ended,
                     "tests": [{"name": t.name, "kind": t.kind, "state": t.state, "message": t.message,
                                "output": t.output} for t in result.tests]})
    return rows


def cmd_grade(args) -> int:
    from kata.commands import classroom, junit

    units = [_unit_arg(u) for u in args.unit] if args.unit else None
    try:
        learners = classroom.find_learners(args.paths)
    except ValueError as error:
        raise SystemExit(f"kata grade: {error} (give a learner's copy of exercises/, a copy of the repository, "
                         f"or a folder of them)") from None
    one = len(args.paths) == 1 and classroom.is_learner(Path(args.paths[0]))
    if not one:
        return _grade_class(args, learners, units)
    learner = learners[0]
    if learner.tree is None:
        raise SystemExit(classroom.shown(f"kata grade: {args.paths[0]}: {learner.problem}"))
    run = _run(units, str(learner.tree), use_cache=False, extra=_extra(args), lessons=False)
    classroom.flag_copies([learner], [r.unit for r in run.results.values()])
    rows = grade_rows(run.results)
    print(f"Grading {classroom.shown(args.paths[0])}" + (f" (its {learner.tree.name}/)" if learner.repo_copy else ""))
    print(f"{'unit':<5} {'status':<12} {'verify':>7} {'stretch':>8}")
    for row in rows:
        print(f"{row['unit']:<5} {row['status']:<12} {row['verify_passed']:>3}/{row['verify_total']:<3} "
              f"{row['stretch_passed']:>4}/{row['stretch_total']:<3}")
    for note in run.notes:
        print(classroom.shown(note))  # a note names a file of the tree
    print("\n".join(classroom.flag_lines(learner)))  # shown() line by line
    done = sum(row["status"] == "done" for row in rows)
    print(f"{done} of {len(rows)} {'graded' if units else 'playable'} units done")
    if args.json:
        Path(args.json).write_text(json.dumps({"graded": str(learner.tree), "units": rows,
                                               "differs_from_instructor": learner.changed, "flags": learner.flags},
                                              indent=1))
        print(f"JSON written to {args.json}")
    if args.junit_xml:
        Path(args.junit_xml).write_text(junit.xml(run.results))
        print(f"JUnit XML written to {args.junit_xml}")
    _write_class_files(args, learners, [r.unit for r in run.results.values()], {learner.name: run.results})
    if args.require == "done" and done < len(rows):
        return 1  # GitHub Classroom: a unit scores only when this exits 0
    return 0


def _write_class_files(args, learners, units, results=None) -> None:
    from kata.commands import classroom

    for learner in learners:
        if results and learner.name in results:
            learner.results = results[learner.name]
    if args.csv:
        Path(args.csv).write_text(classroom.csv_text(learners, units), encoding="utf-8")
        print(f"CSV written to {args.csv}")
    if args.html:
        Path(args.html).write_text(classroom.html_page(learners, units), encoding="utf-8")
        print(f"HTML written to {args.html}")


def _grade_class(args, learners, units) -> int:
    from kata.commands import classroom

    if args.junit_xml:
        raise SystemExit("kata grade: --junit-xml is for one learner's tree; a class gets --csv, --html and --json")
    workers = args.workers or os.cpu_count() or 1
    graded = [learner for learner in learners if learner.tree]
    print(f"Grading {len(graded)} learner trees, {min(workers, len(graded) or 1)} at a time")
    try:  # the class's files are written whatever happened, with every row graded so far
        classroom.grade(learners, units, workers=workers, extra=_extra(args))
    finally:
        units = [u for u in (units or UNITS) if u.ready]
        print("\n".join(classroom.summary_lines(learners, units)))
        if args.json:
            Path(args.json).write_text(json.dumps({"learners": [
                {"name": learner.name, "path": str(learner.path), "graded": str(learner.tree or ""), "problem": learner.problem,
                 "differs_from_instructor": learner.changed, "flags": learner.flags, "units": grade_rows(learner.results)}
                for learner in learners]}, indent=1))
            print(f"JSON written to {args.json}")
        _write_class_files(args, learners, units)
    if args.require == "done" and any(learner.score(units) < len(units) for learner in learners):
        return 1
    return 0


def cmd_verify(args) -> int:
    import pytest

    # The solutions' unit tests replay strictly here: every recording must still be the request the
    # solution sends. tests/harness/test_replay.py runs them again the way a learner runs (computed
    # answers on), and the stubs and mistakes run that way too (test_soundness.py).
    code = pytest.main([str(ROOT / "tests"), "--impl", "solutions", "--kata-harness", STRICT, "--rootdir", str(ROOT),
                        "-c", str(ROOT / "pyproject.toml"), *args.pytest_args])
    return int(code)


def cmd_show(args) -> int:
    from kata.learner import impl
    from kata.commands import show
    from kata.running import worker

    try:
        slug = show.showable(args.unit)
        show_impl = str(args.impl)
        tree = impl.target(show_impl).tree
    except ValueError as error:
        raise SystemExit(board.as_typed(f"kata: {error}")) from None

    def run(live: str = "") -> int:
        from kata.judge.live import SHOW_TIME_LIMIT as LIVE_TIME_LIMIT

        job = worker.Job([find(slug)], tree, show=slug, show_with=SHOW, impl_spec=show_impl, live=live)
        printout, problem = worker.show(job, time_limit=LIVE_TIME_LIMIT if live else show.SHOW_TIME_LIMIT)
        print(board.as_typed(printout.rstrip()))
        if problem:
            print(board.as_typed(f"\n✘ {problem}"))
        return 1 if problem else 0

    return _live(args, find(slug), "show", run) if args.live else run()


def cmd_plot(args) -> int:
    from kata.learner import impl
    from kata.commands import plots, show
    from kata.running import worker

    try:
        slug = plots.plottable(args.unit)
        tree = impl.target(str(args.impl)).tree
    except ValueError as error:
        raise SystemExit(board.as_typed(f"kata: {error}")) from None
    unit = find(slug)
    job = worker.Job([unit], tree, show=f"plot:{slug}", show_with=SHOW, impl_spec=str(args.impl))
    printout, problem = worker.show(job, time_limit=show.SHOW_TIME_LIMIT)
    data = plots.parse(printout)
    if data is None:
        stub = plots.stub_message(printout, unit)
        if stub:
            print(board.as_typed(stub))
        else:
            print(board.as_typed(printout.rstrip()))
            print(board.as_typed(f"\n✘ {problem or f'kata plot {unit.number}: your code gave no numbers to draw.'}"))
        return 1
    for path in plots.draw(slug, data, Path(args.out) if args.out else plots.PLOT_DIR):
        print(f"wrote {impl.display_path(path)}")
    return 0


def cmd_stop(args) -> int:
    return daemon.stop()


def cmd_stubs(args) -> int:
    units = [find(u) for u in args.units] if args.units else None
    changed = stubs.write_stubs(units)
    print("\n".join(f"wrote {p.relative_to(ROOT)}" for p in changed) or "exercises/ already matches solutions/")
    return 0


def cmd_record(args) -> int:
    from kata.commands import recording

    units = [_unit_arg(u) for u in args.units] if args.units else [u for u in UNITS if u.ready]
    return recording.record(units, live=args.live)


def cmd_serve(args) -> int:
    from kata.commands import recording

    return recording.serve(args.port)


def cmd_mutate(args) -> int:
    from kata.commands import mutation

    units = [_unit_arg(u) for u in args.units] if args.units else [u for u in UNITS if u.ready]
    return mutation.main(units, markdown=args.markdown, json_path=args.json, time_limit=args.time_limit,
                         parallel=args.parallel, list_only=args.list, from_json=args.from_json)


def cmd_outcomes(args) -> int:
    from kata.commands import outcomes

    units = [_unit_arg(u) for u in args.units] if args.units else [u for u in UNITS if u.ready]
    try:
        return outcomes.main(units, write_path=args.write, check_path=args.check, full=args.full)
    except ValueError as error:  # an unreadable capture file, a verdict with no letter
        raise SystemExit(f"kata outcomes: {error}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kata", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("status", help="the board (the default)").set_defaults(func=cmd_status)
    p = sub.add_parser("next", help="the next failing test, explained, in the unit you edited last (or unit N)")
    p.add_argument("unit", nargs="?", help="a unit of your choice instead of the one you edited last")
    p.set_defaults(func=cmd_next)
    strict_commands = [p]
    p = sub.add_parser("check", help="run one unit, every test listed (default: the unit `kata next` is on)")
    strict_commands.append(p)
    p.add_argument("unit", nargs="?")
    p.add_argument("--impl", default="exercises", help="exercises (default), solutions, or a path")
    p.set_defaults(func=cmd_check)
    live_commands = [p]
    p = sub.add_parser("hint", help="progressive hints for a unit (default: the unit `kata next` is on)")
    p.add_argument("unit", nargs="?")
    p.add_argument("--all", action="store_true", help="show every hint at once")
    p.set_defaults(func=cmd_hint)
    p = sub.add_parser("watch", help="re-run on every save")
    strict_commands.append(p)
    p.add_argument("unit", nargs="?")
    p.add_argument("--manual", action="store_true", help="re-run when you press Enter (for WSL2 and network drives)")
    p.set_defaults(func=cmd_watch)
    p = sub.add_parser("reset", help="restore a unit's stub (your file is backed up)")
    p.add_argument("unit", nargs="?")
    p.add_argument("--all", action="store_true", help="every unit (asks once, backs every file up)")
    p.add_argument("--yes", action="store_true", help="do not ask")
    p.set_defaults(func=cmd_reset)
    p = sub.add_parser("restore", help="bring back a file `kata reset` backed up (after asking; your current file is backed up)")
    p.add_argument("unit")
    p.add_argument("--list", action="store_true", help="list the unit's backups, newest first")
    p.add_argument("--pick", type=int, default=1, metavar="N", help="restore backup N of --list (default: 1, the newest)")
    p.add_argument("--yes", action="store_true", help="do not ask")
    p.set_defaults(func=cmd_restore)
    p = sub.add_parser("grade", help="grade a learner's copy of exercises/, or a class of them (in parallel)")
    strict_commands.append(p)
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="a learner's exercises/ folder or repository copy; several, or a folder of them, for a class")
    p.add_argument("--json", metavar="FILE")
    p.add_argument("--junit-xml", metavar="FILE", help="one learner's tree only")
    p.add_argument("--csv", metavar="FILE", help="one row per learner, one column per unit (as nbgrader exports)")
    p.add_argument("--html", metavar="FILE", help="the class report: one static page, learners x units")
    p.add_argument("--workers", type=int, metavar="N", help="trees graded at a time (default: one per core)")
    p.add_argument("--unit", action="append", metavar="N", help="grade only this unit (repeatable)")
    p.add_argument("--require", choices=["done"],
                   help="exit 1 unless every graded unit is done (GitHub Classroom scores a unit on exit 0)")
    p.set_defaults(func=cmd_grade)
    p = sub.add_parser("verify", help="the instructor check (the README's test command)")
    strict_commands.append(p)
    p.add_argument("pytest_args", nargs="*", help="passed on to pytest, e.g. -x or -k u01")
    p.set_defaults(func=cmd_verify)
    for p in strict_commands:
        p.add_argument(STRICT, action="store_true", help="replay only recorded API requests (a diff for any other)")
    p = sub.add_parser("show", help="run your unit end to end offline and print its results (U04-U07, U10, U11)")
    p.add_argument("unit")
    p.add_argument("--impl", default="exercises", help="exercises (default), solutions, or a path")
    p.set_defaults(func=cmd_show)
    live_commands.append(p)
    for p in live_commands:
        p.add_argument("--live", action="store_true",
                       help="against the real APIs with your ANTHROPIC_API_KEY / VOYAGE_API_KEY (costs money; kept in .kata/live/)")
        p.add_argument("--max-requests", type=int, metavar="N",
                       help="--live: send at most N requests (default: twice the unit's recorded requests)")
    p = sub.add_parser("plot", help="draw your unit's picture, from your own code (U04, U05, U07, U11)")
    p.add_argument("unit")
    p.add_argument("--impl", default="exercises", help="exercises (default), solutions, or a path")
    p.add_argument("--out", metavar="FOLDER", help="where the PNG files go (default: .kata/plots/)")
    p.set_defaults(func=cmd_plot)
    p = sub.add_parser("stop", help="stop this checkout's warm kata (it starts again with the next command)")
    p.set_defaults(func=cmd_stop)
    p = sub.add_parser("stubs", help="regenerate exercises/ from solutions/ (maintainers)")
    p.add_argument("units", nargs="*")
    p.set_defaults(func=cmd_stubs)
    p = sub.add_parser("record", help="re-record cassettes (maintainers and instructors)")
    p.add_argument("units", nargs="*", help="units to record (default: all playable units)")
    p.add_argument("--live", action="store_true", help="against the real APIs, with VOYAGE_API_KEY and ANTHROPIC_API_KEY")
    p.set_defaults(func=cmd_record)
    p = sub.add_parser("serve", help="run the reference backend locally, offline")
    p.add_argument("--port", type=int, default=8765)
    p.set_defaults(func=cmd_serve)
    p = sub.add_parser("mutate", help="mutation score of each unit's tests (maintainers; tens of minutes)")
    p.add_argument("units", nargs="*", help="units to mutate (default: all playable units)")
    p.add_argument("--markdown", action="store_true", help="print the table as docs/maintaining.md's table")
    p.add_argument("--json", metavar="FILE", help="write every mutant's verdict to FILE")
    p.add_argument("--list", action="store_true", help="only list the mutants and their changes; run nothing")
    p.add_argument("--time-limit", type=float, default=5.0, help="seconds a test may take before the mutant counts as timed out")
    p.add_argument("--parallel", type=int, default=2)
    p.add_argument("--from-json", metavar="FILE", help="re-tabulate a --json run with today's tests/mutants/ (runs nothing)")
    p.set_defaults(func=cmd_mutate)
    p = sub.add_parser("outcomes", help="capture or check every test's verdict on every soundness target (maintainers)")
    p.add_argument("units", nargs="*", help="units to run (default: all playable units; --write updates only theirs)")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--write", metavar="FILE", help="write the verdicts to FILE (e.g. tests/outcomes/before-wall.json)")
    how.add_argument("--check", metavar="FILE", help="list every verdict that differs from FILE; exit 1 if any")
    p.add_argument("--full", action="store_true", help="run the mistakes in full, without --kata-catch (not as verify does)")
    p.set_defaults(func=cmd_outcomes)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:  # the learner pressed Ctrl-C, whenever: the worker has stopped its child already
        print("\nStopped.", file=sys.stderr)
        return 130


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["verify"] and not {"-h", "--help"} & set(argv):
        # `kata verify -x -k "u01 and not soundness"`: the rest is pytest's, in its order (argparse would
        # take the -k expression for a positional and move it before the -k).
        rest = argv[1:]
        args = argparse.Namespace(command="verify", func=cmd_verify, strict_replay=STRICT in rest,
                                  pytest_args=[a for a in rest if a != STRICT])
    else:
        args = parser.parse_args(argv)
    if args.command == "reset" and not args.unit and not args.all:
        parser.error("reset: name a unit (`kata reset 3`) or say --all")
    func = getattr(args, "func", cmd_status)
    bytecode.ensure()
    if daemon.wanted(args.command, getattr(args, "live", False)):
        code = daemon.call(argv, WARM_COMMANDS)  # in the warm kata of this checkout (kata/running/daemon.py); None: it cannot serve here
        if code is not None:
            return code
    return func(args)


def warm_commands():
    """Called once in the warm daemon (kata/running/daemon.py) as it starts: the imports every command would pay, and
    the function that runs one command there (after the daemon has taken on the client's streams)."""
    from kata.commands import show  # noqa: F401 - `kata show`'s imports, paid once

    def run(argv: list[str]) -> int:
        board._COLOR = sys.stdout.isatty() and "NO_COLOR" not in os.environ  # decided at import, in the daemon
        return main(argv)

    return run


if __name__ == "__main__":
    sys.exit(main())
