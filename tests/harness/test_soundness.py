"""Is the kata sound? Every unit is red on its stub, and every mistake in the catalogue is caught.

rustlings' `dev check` and nbgrader's `validate --invert`, as tests: a unit that a stub passes would
be green on a fresh clone, and a catalogued mistake that passes means the tests do not teach.
The runs happen in subprocesses (a fresh interpreter per target), a few of them side by side.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from kata import stubs
from kata.units import ROOT, UNITS

pytestmark = pytest.mark.harness

READY = [u for u in UNITS if u.ready]
MISTAKES_DIR = ROOT / "tests" / "mistakes"


def catalogue(unit) -> list[Path]:
    """The learner mistakes kept for a unit: tests/mistakes/<slug>/*.py."""
    return sorted(p for p in (MISTAKES_DIR / unit.slug).glob("*.py") if not p.name.startswith("_"))


def _run_tests(units, args: list[str]) -> list[dict]:
    """Run the units' tests in a fresh interpreter and return the plugin's per-test records."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "records.json"
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", *[u.test_file for u in units], "-q", "-p", "no:cacheprovider",
             f"--kata-report={report}", *args],
            cwd=ROOT, capture_output=True, text=True, timeout=900,
        )
        if proc.returncode not in (0, 1) or not report.is_file():
            raise RuntimeError(f"pytest {' '.join(args)} ended with code {proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
        return json.loads(report.read_text())


def _unit_param(item):
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("unit") if callspec else None


@pytest.fixture(scope="session")
def runs(request) -> dict[str, list[dict]]:
    """One run on the stubs, then rounds of mistakes: round k swaps in the k-th mistake of every unit.

    Units only reach each other through their own tree, so a swap in one unit leaves the others
    untouched and one round can test one mistake of every unit at once. Only the units whose checks
    were selected run (`kata verify -k u09` checks U09 alone).
    """
    selected = {_unit_param(item) for item in request.session.items if item.path == Path(__file__)}
    chosen = [u for u in READY if u in selected]
    jobs = {"stubs": (chosen, ["--impl", "exercises"])}
    rounds = max((len(catalogue(u)) for u in chosen), default=0)
    for k in range(rounds):
        units = [u for u in chosen if len(catalogue(u)) > k]
        swaps = [f"--kata-swap={u.slug}={catalogue(u)[k]}" for u in units]
        jobs[f"round{k}"] = (units, ["--impl", "solutions", "--kata-catch", *swaps])
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(jobs, pool.map(lambda job: _run_tests(*job), jobs.values())))


def _records(records: list[dict], unit) -> list[dict]:
    return [r for r in records if r["unit"] == unit.slug]


@pytest.mark.parametrize("unit", READY, ids=lambda u: u.slug)
def test_every_test_fails_on_the_stub(runs, unit):
    """No unit is green on a fresh clone: each of its tests must fail while the stub is untouched."""
    records = _records(runs["stubs"], unit)
    assert any(r["kind"] == "verify" for r in records), f"{unit.code} has no Verify test"
    passing = [r["name"] for r in records if r["outcome"] == "passed"]
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
    records = _records(runs[f"round{k}"], unit)
    assert records, f"no test of {unit.code} ran with {mistake.name}"
    unloadable = [r["message"] for r in records if r["state"] in ("broken", "missing", "error")]
    assert not unloadable, f"{mistake.relative_to(ROOT)} does not load cleanly: {unloadable[0]}"
    caught = [r["name"] for r in records if r["outcome"] == "failed"]
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
