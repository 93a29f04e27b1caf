"""Run units' tests in this process and turn pytest's reports into per-unit results.

In-process on purpose: `kata watch` keeps pytest and the heavy SDKs imported and only re-reads the
learner's files between runs, which is what makes a re-run after a save fast.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kata import impl, plugin
from kata.units import ROOT, UNITS, Unit, unit_of_path


@dataclass
class TestResult:
    nodeid: str
    name: str
    kind: str  # "verify" or "stretch"
    state: str  # passed, failed, stub, missing, broken, error, skipped
    quote: str  # the Verify / Stretch sentence the test encodes
    message: str

    @property
    def passed(self) -> bool:
        return self.state == "passed"


@dataclass
class UnitResult:
    unit: Unit
    tests: list[TestResult] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[TestResult]:
        return [t for t in self.tests if t.kind == kind]

    def score(self, kind: str) -> tuple[int, int]:
        tests = self.of_kind(kind)
        return sum(t.passed for t in tests), len(tests)

    @property
    def broken(self) -> TestResult | None:
        return next((t for t in self.tests if t.state in ("broken", "error")), None)

    @property
    def status(self) -> str:
        """done / in progress / not started / broken / coming soon: what the board shows."""
        if not self.unit.ready:
            return "coming soon"
        if self.broken:
            return "broken"
        passed, total = self.score("verify")
        if total and passed == total:
            return "done"
        if passed == 0 and all(t.state == "stub" for t in self.of_kind("verify")):
            return "not started"
        return "in progress"

    @property
    def first_failure(self) -> TestResult | None:
        """The test to show next: Verify tests first, in file order, then Stretch."""
        failing = [t for t in self.tests if not t.passed and t.state != "skipped"]
        return next((t for t in failing if t.kind == "verify"), None) or next(iter(failing), None)


def run(units: list[Unit] | None = None, impl_spec: str = "exercises", swaps: tuple[tuple[str, Path], ...] = (),
        pytest_args: tuple[str, ...] = (), echo: bool = False) -> dict[str, UnitResult]:
    """Run the tests of `units` (default: every ready unit) against a target; results by slug."""
    units = [u for u in (units or UNITS) if u.ready]
    results = {u.slug: UnitResult(u) for u in units}
    if not units:
        return results
    target = impl.target(impl_spec)
    impl.forget(target.package)  # re-read the learner's files: they may have changed since the last run
    args = [str(ROOT / u.test_file) for u in units]
    args += ["--impl", impl_spec, "--rootdir", str(ROOT), "-c", str(ROOT / "pyproject.toml"), "--tb=short", "-q",
             "-p", "no:unraisableexception"]  # its garbage collection at session end costs a warm re-run 0.2-0.4 s
    args += [f"--kata-swap={slug}={path}" for slug, path in swaps]
    args += list(pytest_args)
    sink = contextlib.nullcontext() if echo else contextlib.redirect_stdout(io.StringIO())
    with sink:
        code = pytest.main(args)
    if code in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR):
        raise RuntimeError(f"pytest could not run the tests (exit code {int(code)}): {' '.join(args)}")
    for record in plugin.records():
        unit = unit_of_path(record["nodeid"].split("::")[0])
        if unit and unit.slug in results:
            results[unit.slug].tests.append(TestResult(
                record["nodeid"], record["name"], record["kind"], _state(record), record["quote"], record["message"]))
    return results


def _state(record: dict) -> str:
    if record["outcome"] == "passed":
        return "passed"
    if record["outcome"] == "skipped":
        return "skipped"
    return record["state"] if record["state"] not in ("passed", "failed") else "failed"
