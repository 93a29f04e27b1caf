"""Is the kata sound? Every unit is red on its stub, and every mistake in the catalogue is caught.

rustlings' `dev check` and nbgrader's `validate --invert`, as tests: a unit that a stub passes would
be green on a fresh clone, and a catalogued mistake that passes means the tests do not teach.
The runs happen in the worker's children (forked per target), two side by side. Every test's verdict in
them is compared with the one captured before issue 18's wall (tests/outcomes/before-wall.json).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from kata import outcomes, stubs, worker
from kata.outcomes import alternatives, catalogue
from kata.report import UNLOADABLE
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
    then rounds of correct alternatives, the same way (kata/outcomes.py builds them, for `kata outcomes`
    too). The solutions run as well when their verdicts are compared with the capture.

    Units only reach each other through their own tree, so a swap in one unit leaves the others
    untouched and one round can test one mistake of every unit at once. Each run is a child forked by
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

    A timeout or crash is a verdict like any other, but a loaded machine can cause one: a unit whose
    verdicts differ with one on either side is run again alone, and only its second run counts.
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
