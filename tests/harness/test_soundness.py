"""Is the kata sound? Every unit is red on its stub, and every mistake in the catalogue is caught.

rustlings' `dev check` and nbgrader's `validate --invert`, as tests: a unit that a stub passes would
be green on a fresh clone, and a catalogued mistake that passes means the tests do not teach.
The runs happen in the worker's children (forked per target), two side by side. Every test's verdict in
them is compared with the one captured before issue 18's wall (tests/outcomes/before-wall.json).
"""

from __future__ import annotations

import ast
import functools
import io
import re
import tokenize
from pathlib import Path

import pytest

from kata.commands import outcomes
from kata import stubs
from kata.running import worker
from kata.commands.outcomes import alternatives, catalogue
from kata.judge.report import UNLOADABLE
from kata.units import ROOT, UNITS

pytestmark = pytest.mark.harness

READY = [u for u in UNITS if u.ready]
CHECKS_THE_CAPTURE = "test_verdicts_are_the_captured_ones"


def _unit_param(item):
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("unit") if callspec else None


@pytest.fixture(scope="session")
def jobs(request) -> dict[str, worker.Job]:
    """One run on the stubs, then rounds of mistakes: round k swaps in the k-th mistake of every unit;
    then rounds of correct alternatives, the same way (kata/commands/outcomes.py builds them, for `kata outcomes`
    too). The solutions run as well when their verdicts are compared with the capture.

    Each unit's tests meet only their own unit's swap, every other unit's functions at the reference
    (kata/judge/plugin.py), so one round can test one mistake of every unit at once, and a unit's verdicts
    are the same whichever units run beside it. Each run is a child forked by
    the worker from this (warm) process, two at a time. Only the units whose checks were selected run
    (`kata verify -k u09` checks U09 alone).
    """
    mine = [item for item in request.session.items if item.path == Path(__file__)]
    chosen = [u for u in READY if u in {_unit_param(item) for item in mine}]
    return outcomes.soundness_jobs(chosen, solutions=any(item.name.startswith(CHECKS_THE_CAPTURE) for item in mine))


@pytest.fixture(scope="session")
def runs(jobs) -> dict[str, dict]:
    return outcomes.run(jobs)


@pytest.mark.parametrize("unit", READY, ids=lambda u: u.slug)
def test_every_test_fails_on_the_stub(runs, unit):
    """No unit is green on a fresh clone: each of its tests must fail while the stub is untouched."""
    result = runs["stubs"][unit.slug]
    assert not result.ended_how, f"{unit.code}'s stub {result.ended_how}: {result.ended}"
    assert result.of_kind("verify"), f"{unit.code} has no Verify test"
    passing = [t.name for t in result.tests if t.passed]
    assert not passing, f"{unit.code}: these tests pass on the bare stub, so they test nothing the learner writes: {passing}"


STUB_WORDS = re.compile(r"(U\d\d) · (\w+)\(\) is not written yet")


@pytest.mark.parametrize("unit", READY, ids=lambda u: u.slug)
def test_the_stub_each_test_reaches_is_a_function_it_depends_on(runs, unit):
    """A failing test is an echo when it depends on a function another failing test exercises: that needs each
    test's functions recorded and kata/units.py's `calls` complete. On the stubs, every stub a test reaches must
    be one of the functions it called or one they call, as kata/units.py states."""
    result = runs["stubs"][unit.slug]
    wrong = [f"{t.name} reached {found[1]}'s `{found[2]}` but depends on {sorted(t.reach()) or 'nothing recorded'}"
             for t in result.tests if t.state == "stub" and (found := STUB_WORDS.search(t.message))
             and f"{found[1]}.{found[2]}" not in t.reach()]
    assert not wrong, (f"{unit.code}: add the missing callee to the unit's `calls` in kata/units.py, or call the unit's "
                       f"function through load_unit in the test: {wrong}")


@pytest.mark.parametrize("unit", READY, ids=lambda u: u.slug)
def test_unit_has_three_mistakes_in_the_catalogue(unit):
    found = catalogue(unit)
    assert len(found) >= 3, f"{unit.code} has {len(found)} mistakes in tests/mistakes/{unit.slug}/; write at least three"


MISTAKES = [(u, p) for u in READY for p in catalogue(u)]


@pytest.mark.parametrize(("unit", "mistake"), MISTAKES, ids=[f"{u.slug}/{p.stem}" for u, p in MISTAKES])
def test_mistake_is_caught(runs, unit, mistake):
    """Each catalogued mistake must fail at least one test, by a real failed check (not an import error)."""
    k = catalogue(unit).index(mistake)
    result = runs[f"round{k}"][unit.slug]
    assert result.tests, f"no test of {unit.code} ran with {mistake.name}"
    assert not result.ended_how, f"{mistake.relative_to(ROOT)} {result.ended_how}: {result.ended}"
    unloadable = [t.message for t in result.tests if t.state in UNLOADABLE]
    assert not unloadable, f"{mistake.relative_to(ROOT)} does not load cleanly: {unloadable[0]}"
    caught = [t.name for t in result.tests if t.outcome == "failed"]
    doc = ast.get_docstring(ast.parse(mistake.read_text())) or mistake.stem
    assert caught, f"the mistake “{doc.splitlines()[0]}” ({mistake.relative_to(ROOT)}) passes every test of {unit.code}"


@pytest.mark.parametrize(("unit", "mistake"), MISTAKES, ids=[f"{u.slug}/{p.stem}" for u, p in MISTAKES])
def test_no_failure_compares_nan_with_nan(runs, unit, mistake):
    """A diverging loss is reported as divergence: a failure never shows nan returned against nan expected."""
    result = runs[f"round{catalogue(unit).index(mistake)}"][unit.slug]
    for test in result.tests:
        returned = re.search(r"^It (?:returned|raised) (.*)", test.message, re.M | re.S)
        expected = re.search(r"^but the tests expected (.*)", test.message, re.M | re.S)
        assert not (returned and expected and re.search(r"\bnan\b", returned[1].split("but the tests expected")[0])
                    and re.search(r"\bnan\b", expected[1])), (
            f"{mistake.relative_to(ROOT)}: {test.name} compares nan with nan; check np.isfinite first and say the "
            f"values diverged: {test.message}")


# A failure nudges, the code waits for `kata hint N`'s last rungs (issue 19): the first failure of each
# catalogued mistake must hold no line of a reference function's body. A line is compared as tokens, with
# whitespace and comments dropped and each string literal one token, whole or without its lead
# (`x = `, `return`, `if` ...), when it has FRAGMENT tokens or more and some syntax (not only names and commas).
FRAGMENT = 5
_LEADS = {"return", "yield", "if", "elif", "while", "assert", "raise", "for", "with"}
_NOT_CODE = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
_TEXT_TOKEN = re.compile(r"""(?<!\w)'[^'\n]*'(?!\w)|"[^"\n]*"|\w+|[^\w\s]""")


def _without_lead(tokens: list[str]) -> list[list[str]]:
    """A line's tokens, and the same after its lead: an assignment's target, or a keyword such as return."""
    parts, depth = [tokens], 0
    for i, token in enumerate(tokens):
        depth += token in ("(", "[", "{")
        depth -= token in (")", "]", "}")
        if depth == 0 and token in ("=", "+=", "-=", "*=", "/=", ":="):
            parts.append(tokens[i + 1:])
            break
    if tokens[0] in _LEADS:
        parts.append(tokens[1:])
    return [p[:-1] if p and p[-1] == ":" else p for p in parts]


@functools.cache
def reference_lines(unit) -> list[tuple[tuple[str, ...], str]]:
    """The token sequences of the lines in the bodies of the unit's reference functions, docstrings left out."""
    source = (ROOT / unit.solution).read_text(encoding="utf-8")
    rows = set()
    for function in ast.walk(ast.parse(source)):
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = function.body[1:] if ast.get_docstring(function) is not None else function.body
            rows.update(row for statement in body for row in range(statement.lineno, statement.end_lineno + 1))
    by_row: dict[int, list[str]] = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in _NOT_CODE and token.start[0] in rows:
            by_row.setdefault(token.start[0], []).append("<str>" if token.type == tokenize.STRING else token.string)
    lines = source.splitlines()
    return [(tuple(part), lines[row - 1].strip()) for row, tokens in sorted(by_row.items()) for part in _without_lead(tokens)
            if len(part) >= FRAGMENT and any(not (t.isidentifier() or t == ",") for t in part)]


def code_in(text: str, lines) -> list[tuple[str, str]]:
    """The reference lines found whole, as tokens, in `text`: (the fragment, the line it comes from)."""
    words = tuple("<str>" if t[0] in "'\"" else t for t in _TEXT_TOKEN.findall(text))
    return [(" ".join(tokens), line) for tokens, line in lines
            if any(words[i:i + len(tokens)] == tokens for i in range(len(words) - len(tokens) + 1))]


def rendered(message: str) -> str:
    """What a failure says of its own: the expected text and the hint, not the call made or the value returned;
    of a traceback, only its error lines (the code lines it quotes are the test's and the learner's own); of an
    exception the learner's code raised, not the line of their own file it quotes ("| ...")."""
    message = "\n".join(line for line in message.splitlines() if not line.startswith("| "))
    if re.search(r"^\S+\.py:\d+: in ", message, re.M):
        return "\n".join(line for line in message.splitlines() if line.startswith("E "))
    return re.sub(r"^Called .*?\nIt (?:returned|raised) .*?\nbut the tests expected", "but the tests expected", message, flags=re.S)


def test_the_code_check_finds_a_reference_line():
    """The check below must be able to fail: a hint that retypes a line of U09's gradient is caught, words are not."""
    u09 = next(u for u in UNITS if u.code == "U09")
    assert code_in("Hint: d loss/d output is 2 * E / E.size, both scaled", reference_lines(u09))
    assert not code_in("Hint: the loss is a mean over every number of the output", reference_lines(u09))


@pytest.mark.parametrize(("unit", "mistake"), MISTAKES, ids=[f"{u.slug}/{p.stem}" for u, p in MISTAKES])
def test_first_failure_holds_no_reference_code(runs, unit, mistake):
    """A mistake's first failure nudges: its expected text and hint hold no line of the reference's code."""
    k = catalogue(unit).index(mistake)
    first = runs[f"round{k}"][unit.slug].first_failure
    if first is None:  # test_mistake_is_caught says so
        return
    found = code_in(rendered(first.message), reference_lines(unit))
    assert not found, (
        f"{mistake.relative_to(ROOT)} fails first at {first.name}, whose message holds the reference's code "
        f"`{found[0][0]}` (from {unit.solution}: `{found[0][1]}`). Say it in words in that test's hint= or "
        f"expected= text; the code belongs on the last rungs of `kata hint {unit.number}` (kata/units.py).")


@pytest.mark.parametrize("unit", READY, ids=lambda u: u.slug)
def test_exercise_is_the_stub_made_from_its_solution(unit):
    """exercises/ is generated from solutions/ by `kata stubs`: a hand edit or a stale stub shows here."""
    exercise = ROOT / unit.exercise
    assert exercise.is_file(), f"{unit.exercise} is missing: run `kata stubs`"
    assert exercise.read_text(encoding="utf-8") == stubs.stub_for(unit), (
        f"{unit.exercise} differs from the stub made from {unit.solution}. Maintainers: run `kata stubs`. "
        "(In a learner's copy this is expected: `kata verify` checks the kata as shipped.)"
    )


ALTERNATIVES = [(u, p) for u in READY for p in alternatives(u)]


@pytest.mark.parametrize(("unit", "alternative"), ALTERNATIVES, ids=[f"{u.slug}/{p.stem}" for u, p in ALTERNATIVES])
def test_alternative_passes_every_test(runs, unit, alternative):
    """A correct design of a learner's own must never be rejected: each alternative passes every test, Stretch too."""
    k = alternatives(unit).index(alternative)
    result = runs[f"alternative{k}"][unit.slug]
    assert result.tests and not result.ended_how, f"{alternative.relative_to(ROOT)} {result.ended_how}: {result.ended}"
    rejected = [f"{t.name}: {t.message.strip().splitlines()[0] if t.message.strip() else t.state}" for t in result.tests
                if not t.passed]
    doc = ast.get_docstring(ast.parse(alternative.read_text())) or alternative.stem
    assert not rejected, f"the correct alternative “{doc.splitlines()[0]}” ({alternative.relative_to(ROOT)}) is rejected by: {rejected}"


@pytest.mark.parametrize("unit", READY, ids=lambda u: u.slug)
def test_verdicts_are_the_captured_ones(jobs, runs, unit):
    """Every test's verdict on the solutions, the stub, each mistake and each alternative is the one
    captured before the learner/judge wall (issue 18), from the same runs as the checks above.

    A timeout or crash is a verdict like any other, but a loaded machine can cause one, or tip a timed comparison:
    a target whose verdicts differ is run again alone (outcomes.settle, at most SETTLE_AT_MOST of them, timeouts and
    crashes first), and only its second run counts.
    """
    captured = outcomes.read(outcomes.CAPTURE) if outcomes.CAPTURE.is_file() else {}
    assert captured, f"{outcomes.CAPTURE.relative_to(ROOT)} is missing: {outcomes.recapture_hint(outcomes.CAPTURE, [unit])}"
    observed = {name: tests for name, tests in outcomes.verdicts(jobs, runs).items()
                if outcomes.unit_of_target(name) == unit.slug}
    notes = outcomes.settle(jobs, captured, observed, [unit])
    changed = outcomes.differences(captured, observed, [unit])
    assert not changed, (f"{len(changed)} verdicts of {unit.code} differ from {outcomes.CAPTURE.relative_to(ROOT)} "
                         f"(captured → now):\n" + "\n".join(changed + notes) + "\n"
                         + outcomes.recapture_hint(outcomes.CAPTURE, [unit]))


def test_a_verdict_that_differs_from_the_capture_is_run_again_alone_before_it_counts():
    """A loaded machine can tip a timed comparison (U11's lab: a student's time against its teacher's) as well as stop
    a slow test: any target whose verdicts differ from the capture runs again alone, and its second run counts."""
    from kata.units import find

    unit = find(1)
    jobs = {"solutions": outcomes.soundness_jobs([unit], solutions=True)["solutions"]}
    observed = outcomes.verdicts(jobs, outcomes.run(jobs))
    key = f"solutions/{unit.slug}"
    captured = {key: dict(observed[key])}
    observed[key][next(iter(observed[key]))] = "failed"  # as a loaded machine might make it
    notes = outcomes.settle(jobs, captured, observed, [unit])
    assert observed[key] == captured[key], "the second run's verdicts replace the first"
    assert notes == [f"{key}: verdicts differed; run again alone, now as captured"], notes


def test_a_units_tests_meet_only_its_own_swap(tmp_path):
    """A round swaps a mistake into every unit; U12's tests also call U01's functions, and meet them at the reference,
    not at U01's mistake of the round: a unit's verdicts never depend on which mistakes share its round."""
    from kata.running import runner
    from kata.units import find

    u01, u12 = find(1), find(12)
    broken = tmp_path / f"{u01.slug}.py"  # a U01 that names nothing and replies nothing
    broken.write_text((ROOT / "solutions" / f"{u01.slug}.py").read_text(encoding="utf-8")
                      + "\n\ndef mechanisms_named(text):\n    return set()\n\n\ndef replies():\n    return {}\n")
    alone = runner.run([u12], "solutions", use_cache=False).results[u12.slug]
    beside = runner.run([u12], "solutions", swaps=((u01.slug, broken),), use_cache=False).results[u12.slug]
    verdicts = {result is alone: {t.nodeid: t.state for t in result.tests} for result in (alone, beside)}
    assert verdicts[False] == verdicts[True] and set(verdicts[True].values()) == {"passed"}, verdicts[False]
