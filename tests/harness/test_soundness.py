"""Is the kata sound? Every unit is red on its stub, and every mistake in the catalogue is caught.

rustlings' `dev check` and nbgrader's `validate --invert`, as tests: a unit that a stub passes would
be green on a fresh clone, and a catalogued mistake that passes means the tests do not teach.
The runs happen in the worker's children (forked per target), two side by side.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from kata import runner, stubs, worker
from kata.report import UNLOADABLE
from kata.units import ROOT, UNITS

pytestmark = pytest.mark.harness

READY = [u for u in UNITS if u.ready]
MISTAKES_DIR = ROOT / "tests" / "mistakes"
ALTERNATIVES_DIR = ROOT / "tests" / "alternatives"


def catalogue(unit, folder: Path = MISTAKES_DIR) -> list[Path]:
    """The learner modules kept for a unit: tests/mistakes/<slug>/*.py (or tests/alternatives/<slug>/*.py)."""
    return sorted(p for p in (folder / unit.slug).glob("*.py") if not p.name.startswith("_"))


def alternatives(unit) -> list[Path]:
    """Correct units written blind, in another style or design: every test must pass on each."""
    return catalogue(unit, ALTERNATIVES_DIR)


def _unit_param(item):
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("unit") if callspec else None


@pytest.fixture(scope="session")
def runs(request) -> dict[str, dict]:
    """One run on the stubs, then rounds of mistakes: round k swaps in the k-th mistake of every unit;
    then rounds of correct alternatives, the same way.

    Units only reach each other through their own tree, so a swap in one unit leaves the others
    untouched and one round can test one mistake of every unit at once. Each run is a child forked by
    the worker from this (warm) process, two at a time. Only the units whose checks were selected run
    (`kata verify -k u09` checks U09 alone).
    """
    selected = {_unit_param(item) for item in request.session.items if item.path == Path(__file__)}
    chosen = [u for u in READY if u in selected]
    jobs = {"stubs": worker.Job(chosen, ROOT / "exercises", (), runner.pytest_args(chosen, "exercises", (), False))}
    rounds = max((len(catalogue(u)) for u in chosen), default=0)
    for k in range(rounds):
        units = [u for u in chosen if len(catalogue(u)) > k]
        swaps = tuple((u.slug, catalogue(u)[k]) for u in units)
        args = runner.pytest_args(units, "solutions", swaps, False, ("--kata-catch",))
        jobs[f"round{k}"] = worker.Job(units, ROOT / "solutions", swaps, args)
    for k in range(max((len(alternatives(u)) for u in chosen), default=0)):  # as a learner runs: every test, in full
        units = [u for u in chosen if len(alternatives(u)) > k]
        swaps = tuple((u.slug, alternatives(u)[k]) for u in units)
        jobs[f"alternative{k}"] = worker.Job(units, ROOT / "solutions", swaps, runner.pytest_args(units, "solutions", swaps, False))
    return dict(zip(jobs, worker.run(list(jobs.values()), parallel=2)))


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
        returned = re.search(r"^It returned (.*)", test.message, re.M | re.S)
        expected = re.search(r"^but the tests expected (.*)", test.message, re.M | re.S)
        assert not (returned and expected and re.search(r"\bnan\b", returned[1].split("but the tests expected")[0])
                    and re.search(r"\bnan\b", expected[1])), (
            f"{mistake.relative_to(ROOT)}: {test.name} compares nan with nan; check np.isfinite first and say the "
            f"values diverged: {test.message}")


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
