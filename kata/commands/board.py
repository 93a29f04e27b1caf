"""What the learner reads: the board, a unit's report, a failing test, the next step. No running here.

Every command the kata suggests is printed the way this learner invoked it (`uv run kata next` after
`uv run kata`, `kata next` in an activated venv), so it can be copied as it is.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

from kata.judge.report import NOT_RUN, UnitResult, next_unit
from kata.units import BY_SLUG, ROOT, UNITS

_COLOR = sys.stdout.isatty() and "NO_COLOR" not in os.environ
_STYLE = {"done": "32", "in progress": "33", "not started": "0", "broken": "31", "crashed": "31", "timed out": "31",
          "coming soon": "2", "bold": "1", "dim": "2"}
_MARK = {"done": "✔", "in progress": "◐", "not started": "○", "broken": "✘", "crashed": "✘", "timed out": "⧗",
         "coming soon": "·"}


def invoked_as() -> str:
    """How the learner typed the kata's command: `uv run kata`, `kata`, or `python -m kata.commands.cli`."""
    if os.environ.get("UV_RUN_RECURSION_DEPTH"):
        return "uv run kata"
    program = Path(sys.argv[0]) if sys.argv and sys.argv[0] else Path("kata")
    if program.name == "kata":
        on_path = shutil.which("kata")
        return "kata" if on_path and Path(on_path).resolve() == program.resolve() else str(sys.argv[0])
    return f"{Path(sys.executable).name} -m kata.commands.cli" if program.name in ("cli.py", "__main__.py") else "kata"


def as_typed(text: str) -> str:
    """Rewrite every `kata …` command quoted in `text` to the form this learner can type."""
    prefix = invoked_as()
    return text if prefix == "kata" else re.sub(r"`kata(?=[ `])", f"`{prefix}", text)


def paint(text: str, style: str) -> str:
    return f"\033[{_STYLE[style]}m{text}\033[0m" if _COLOR else text


def progress_bar(done: int, total: int, width: int = 24) -> str:
    filled = round(width * done / total)
    return "[" + "#" * filled + (">" if filled < width else "") + "-" * max(0, width - filled - 1) + "]"


def _first_line(result: UnitResult) -> str:
    if result.broken:
        return result.broken.message.splitlines()[0]
    return (result.ended or "").splitlines()[0] if result.ended else ""


def board_lines(results: dict[str, UnitResult], notes=()) -> list[str]:
    """The board: one row per unit and the next step."""
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
            detail = f"{passed}/{total} tests pass"
        elif status == "not started":
            detail = f"0/{result.score('verify')[1]} — {unit.exercise}"
        elif status in ("broken", "crashed", "timed out"):
            detail = _first_line(result)[:100]
        row = f"  {_MARK[status]} {unit.code}  {unit.title:<30} {status:<12} {detail}"
        lines.append(paint(row.rstrip(), status))
        if unit.uses and status in ("in progress", "not started"):  # units lean on each other: say so
            lines.append(paint(f"{'':<9}uses {uses_line(unit, results)}", "dim"))
    lines += ["", *notes, next_step(results)]
    return [as_typed(line) for line in lines]


def next_step(results: dict[str, UnitResult]) -> str:
    from kata import stubs

    pending = next_unit(results, stubs.edited(ROOT / "exercises", [u for u in UNITS if u.ready]))
    if pending is None:
        ready = sum(u.ready for u in UNITS)
        return as_typed(f"All {ready} playable units are done. Stretch goals: `kata check N` lists them.")
    unit = pending.unit
    if pending.status == "broken":
        where = pending.broken.message.splitlines()[0].split(": ")[0]
        return as_typed(f"Next: fix {where} — {unit.code} cannot be imported.")
    if pending.status in ("crashed", "timed out"):
        return as_typed(f"Next: {unit.code} {pending.status} — `kata check {unit.number}` shows what happened.")
    return as_typed(f"Next: {unit.code} {unit.title} — edit {unit.exercise}, then `kata next` (or `kata watch {unit.number}`).")


def failure_lines(test) -> list[str]:
    """One failing test in full: which test, the Verify line it encodes, the teaching message, its output."""
    label = {"stretch": "Stretch", "contract": "Contract (the docstring)"}.get(test.kind, "Verify")
    if test.kind in ("verify", "stretch") and not _in_course(test):  # a test that quotes the docstring it checks
        label = f"{label} (the docstring)"
    stub = test.stub()
    if stub and stub[0].slug != test.unit:  # the quote is the docstring of an earlier unit's stub
        label = f"{stub[0].code}'s docstring of {stub[1]}()"
    lines = [paint(f"✘ {test.name}", "broken")]
    if test.quote:
        lines.append(f"  {label}: “{' '.join(test.quote.split())}”")  # a docstring's aligning spaces are not words
    lines.append("")
    lines += ["  " + line for line in test.message.strip().splitlines()]
    lines += _printed(test)
    return [as_typed(line) for line in lines]


def _raised_at(test) -> tuple:
    """Where a failing test's exception was raised: the last step of its chain (function, file, line); () for none."""
    chain = test.points.get("chain") if test.state != "timeout" else None
    return tuple(chain[-1][:3]) if chain else ()


def _printed(test) -> list[str]:
    """What the learner's code printed during the test, when it printed anything: a line repeated in a row once,
    with its count (a print inside an endless loop is one line, not seventy)."""
    earlier = test.points.get("earlier_examples_printed", 0)
    if earlier and not test.output:
        return ["", f"  Your code printed nothing for the example the failure names (the other examples hypothesis "
                    f"tried printed {earlier:,} characters, not shown)."]
    if not test.output:
        return []
    header = "  Your code printed:"
    if earlier:
        header = (f"  Your code printed, for the example the failure names (the other examples hypothesis tried "
                  f"printed {earlier:,} characters more, not shown):")
    shown: list[list] = []
    for line in test.output.rstrip("\n").splitlines():
        if shown and shown[-1][0] == line:
            shown[-1][1] += 1
        else:
            shown.append([line, 1])
    return ["", header, *[f"  | {line}" + (f"   (this line {n} times in a row)" if n > 1 else "")
                                          for line, n in shown]]


def _in_course(test) -> bool:
    """Whether a test's quote is words of its unit's Verify or Stretch paragraph ("…" elides)."""
    unit = BY_SLUG.get(test.unit)
    course = " ".join(f"{unit.verify} {unit.stretch}".split()) if unit else ""
    return all(" ".join(part.split()) in course for part in test.quote.split("…") if part.strip())


def _stub_elsewhere(unit, failure) -> str:
    """For a stub reached in an earlier unit's file: the line that sends the learner there; "" otherwise."""
    found = failure.stub()
    if not found or found[0] == unit:
        return ""
    other, function, where = found
    return (f"Edit {where}: {unit.code} uses {other.code}'s `{function}`, still a stub there. Write it in "
            f"{other.code} (`kata next {other.number}` runs its tests), then `kata next {unit.number}` again.")


def _echo_elsewhere(unit, fix: tuple[str, str]) -> str:
    """For a failure that echoes an earlier unit's failing function (`fix`: that unit's code and the function, as
    runner.Cause holds them): the line that sends the learner to that unit's file and function instead of this
    unit's; "" otherwise."""
    if not fix or fix[0] == unit.code:
        return ""
    other = UNITS[int(fix[0][1:]) - 1]
    return (f"Edit {other.exercise}: {unit.code} uses {other.code}'s `{fix[1]}`, which fails {other.code}'s own tests. "
            f"Fix it there (`kata next {other.number}` runs them), then `kata next {unit.number}` again: if this "
            f"failure stays, it is your {unit.code} code's, in {unit.exercise}.")


def _or_first(unit, maybe: tuple[str, str]) -> str:
    """When this unit's code raised while an earlier unit's function that handed it a value fails its own tests
    (runner.Cause.maybe): the edit line names both files, this unit's where it raised; "" otherwise."""
    if not maybe:
        return ""
    other = UNITS[int(maybe[0][1:]) - 1]
    return (f"Edit {unit.exercise}, where your code raised, or first {other.exercise}, if what {other.code}'s "
            f"`{maybe[1]}` returns is what it tripped on (`kata next {other.number}` shows that failure). Then "
            f"`kata next {unit.number}` again.")


NOT_RUN_SHOWN = 8  # tests that did not run listed by `kata next`; `kata check` lists them all


def _file_to_edit(unit, failure) -> str:
    """The learner's file a failure is about: the unit's exercise, or a data file of theirs the failure names
    (U10's own eval, `u10_my_eval.jsonl`)."""
    named = failure.points.get("file")  # testing.reads_data_file: the test said which file of theirs it reads
    return str(Path(unit.exercise).parent / named) if named else unit.exercise


def _loop_line(unit, stopped) -> str:
    """After a timeout whose call chain is known (the test's points): where to edit, and in which unit's file. The
    function the watchdog saw running all along when it could tell; else the chain's innermost function and the
    one that called it, for the loop may be in either; "" when the stop named no function of a unit."""
    points = stopped.points if stopped is not None else {}
    steps = [step for step in points.get("chain", []) if step[3]]  # a unit's own file: the one to edit
    known = points.get("loop") if (points.get("loop") or [0, 0, 0, 0])[3] else None
    if not steps:
        return ""
    function, where, _, number = known or steps[-1]
    other = UNITS[number - 1]
    elsewhere = (f"{unit.code} uses {other.code}'s `{function}`" if other.code != unit.code else "")
    back = f"`kata next {other.number}` runs its tests, then `kata next {unit.number}` again"
    if known or len(steps) == 1:
        there = "where the loop is" if known else "where your code was when it was stopped"
        if not elsewhere:
            return f"Edit {where} (`{function}`, {there}) and run `kata next {unit.number}` again (`kata hint {unit.number}` for a hint)."
        return f"Edit {where}: {elsewhere}, {there}. Fix it there ({back})."
    caller = steps[-2]
    return (f"Your code was stopped in `{function}` ({where}), called by `{caller[0]}` ({caller[1]}): the loop is in "
            f"one of them. Edit that one" + (f" ({elsewhere}: {back})." if elsewhere else
                                             f" and run `kata next {unit.number}` again (`kata hint {unit.number}` for a hint)."))


def uses_line(unit, results: dict[str, UnitResult] | None = None) -> str:
    """What a unit uses from earlier units, in words: "U04's embed; U10's read_reply, grade, load_eval (not done yet)"."""
    def status(code: str) -> str:
        other = results.get(UNITS[int(code[1:]) - 1].slug) if results else None
        return f" ({other.status})" if other and other.status != "done" else ""

    return "; ".join(f"{code}'s {', '.join(names)}{status(code)}" for code, names in unit.uses.items())


def _test_line(result: UnitResult, test) -> str:
    """One test in a unit's list: ✔ passed, ✘ failed (an echo says what to fix first), · never run."""
    if test.state == NOT_RUN:
        return f"  · {test.kind:<7} {test.name}  (not run)"
    line = f"  {'✔' if test.passed else '✘' if test.failing else '·'} {test.kind:<7} {test.name}"
    stub = test.stub()
    if stub:  # stopped at a stub: whose, so a list read alone says why (the same words for each test it stopped)
        return line + (f"  (stopped at the stub of `{stub[1]}`)" if stub[0].slug == result.unit.slug
                       else f"  (stopped at {stub[0].code}'s stub `{stub[1]}`)")
    echo = result.echo_of(test)
    if echo:  # a guess from what calls what; a function this test calls itself fails another's test: which one
        called = result.echo_source(test)[1] in test.calls
        return line + (f"  (may fail only because {echo[1]} fails {echo[0].name} too: fix that first)" if called
                       else f"  (may fail only because {echo[1]} does: fix that first)")
    return line


def _stopped(result: UnitResult):
    """The test that ran out of time, if one did."""
    return next((t for t in result.tests if t.state == "timeout"), None)


def unit_lines(result: UnitResult, verbose: bool = False, notes=(), cause: str = "", watching: bool = False) -> list[str]:
    """A unit's report: its score, each test when verbose, then what to do next (`watching`: saving is the next step)."""
    unit = result.unit
    passed, total = result.score("verify")
    s_passed, s_total = result.score("stretch")
    head = f"{unit.code} · {unit.title} — {passed}/{total} Verify and Contract tests pass"
    head += f", stretch {s_passed}/{s_total}" if s_total else ""
    lines = [paint(head, "bold")]
    if verbose:
        lines += [_test_line(result, t) for t in result.tests]
    lines += [f"  {note}" for note in notes]
    failure, stopped = result.first_failure, _stopped(result)
    if result.status == "broken":
        lines += ["", paint(f"✘ {unit.code} cannot be imported, so none of its tests can run:", "broken"),
                  *["  " + line for line in result.broken.message.splitlines()]]
    elif result.status in ("crashed", "timed out"):
        own = stopped if not result.ended else None  # a test's own timeout: its words name the call chain
        said = result.ended or (f"{own.name}: {own.message}" if own else "a test ran out of time.")
        lines += ["", paint(f"✘ {unit.code} {result.status}:", "broken"), *["  " + line for line in said.splitlines()]]
        lines += _printed(own) if own else []
        if failure is own:  # the timeout is shown: then the first failure of another kind, a cause, when there is one
            failure = next((t for t in result.tests if t.failing and t.state != "timeout" and t.kind != "stretch"
                            and result.echo_of(t) is None), None)
        if failure and failure is not own and failure.message.strip() not in result.ended:
            lines += ["", *failure_lines(failure)]
        lines += ["", loop] if (loop := _loop_line(unit, stopped)) else []
    elif result.status == "done":
        lines += ["", paint(f"✔ {unit.code} is done. Compare your code with the reference: {unit.solution}", "done")]
        lines += ["", cause] if cause else []  # green on an earlier unit's function that still fails its own tests
        if result.lesson:  # what green means, in the learner's own numbers
            lines += ["", "What your own results say:", *[f"  {line}" for line in result.lesson]]
        if failure:
            lines += ["", "A Stretch goal is still open:", *failure_lines(failure)]
    elif failure and (elsewhere := _stub_elsewhere(unit, failure)):
        lines += ["", *failure_lines(failure), "", elsewhere]
    elif failure:
        fix, maybe = getattr(cause, "fix", ()), getattr(cause, "maybe", ())  # data, kept before the words change
        echoing = {id(t): echo[1] for t in result.tests if (echo := result.echo_of(t)) and echo[0] is failure}
        echoes = list(echoing.values())
        if echoes and cause:  # this unit's cause, itself an echo of an earlier unit's failure: one story, not two
            cause = cause.replace("This failure may well be an echo: it fails", f"This failure and {len(echoes)} "
                                  f"other(s) of {unit.code} (`kata check {unit.number}` lists them) may well be "
                                  f"echoes: they fail", 1)
        else:  # the tests stopped at the same stub, or that raised on the same line, count too: kata check lists them
            stub, raised_at = failure.stub(), _raised_at(failure)
            alike = [t for t in result.tests if t is not failure and t.failing and id(t) not in echoing
                     and ((stub and (t.stub() or ())[:2] == stub[:2]) or (raised_at and _raised_at(t) == raised_at))]
            same = "stop at the same stub" if stub else "raise the same error on the same line"
            if echoes:
                also = f"{same} or " if alike else ""
                lines += ["", f"This is the cause to fix first: {len(echoes) + len(alike)} other failing test(s) {also}"
                              f"may fail only because {echoes[0]} does (`kata check {unit.number}` lists them)."]
            elif alike and raised_at:
                lines += ["", f"{len(alike)} other failing test(s) {same} (`kata check {unit.number}` lists them): "
                              f"fixing this one may fix them all."]
        lines += ["", cause] if cause else []
        lines += ["", *failure_lines(failure), "", _echo_elsewhere(unit, fix) or _or_first(unit, maybe) or
                  (f"Edit {_file_to_edit(unit, failure)} and save: it runs again (`kata hint {unit.number}` for a hint)."
                   if watching else f"Edit {_file_to_edit(unit, failure)} and run `kata next {unit.number}` again"
                   f" (`kata watch {unit.number}` re-runs on every save; `kata hint {unit.number}` for a hint).")]
    if stopped is not None and result.status not in ("crashed", "timed out") and stopped is not failure:
        lines += ["", paint(f"✘ {stopped.name} ran out of time ({stopped.kind}):", "broken"),
                  *["  " + line for line in stopped.message.splitlines()], *_printed(stopped)]
    never = [t for t in result.tests if t.state == NOT_RUN]
    if never and not verbose:  # `kata next`: the tests the stop kept from running, as `kata check` lists them
        why = ("they run the code that ran out of time, or the run stopped before them" if result.status == "timed out"
               else "the run stopped before them")
        shown = never[:NOT_RUN_SHOWN] if len(never) > NOT_RUN_SHOWN + 1 else never  # a long list pushes the cause away
        lines += ["", f"{len(never)} test(s) of {unit.code} did not run ({why}): neither passed nor failed.",
                  *[_test_line(result, t) for t in shown],
                  *([f"  … and {len(never) - len(shown)} more (`kata check {unit.number}` lists them all)"]
                    if len(shown) < len(never) else [])]
    return [as_typed(line) for line in lines]
