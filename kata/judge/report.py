"""One result pipeline: the reporter handed to pytest, the result types, and the one status rule.

A test's result exists in one form, `TestResult`, made once by the `Reporter` (a pytest plugin object,
handed to `pytest.main(plugins=[reporter])` as exercism's test runner does). The worker streams them
out of the child that ran learner code; the cache stores them; the board, `kata check`, `kata grade`
and the harness read them. Whether a unit is done is decided in one place: `UnitResult.status`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from kata import stubs
from kata.units import BY_SLUG, UNITS, Unit, depends_on, unit_of_path

# A test's state: passed, failed, skipped, and the states that teach a next step instead of a traceback:
# stub (a NotImplementedError left), missing (a name the tests call is gone), broken (the module cannot
# be imported), cassette (a request no recording holds), error (the test module itself cannot load),
# network (it reached for the network), timeout (stopped after its time limit), crashed (the process running it died),
# not run (never started: an earlier test of its unit timed out or crashed; neither a pass nor a failure of its own).
UNLOADABLE = ("broken", "missing", "error")
WRONG_TYPE_ERRORS = ("TypeError", "AttributeError")  # what a value of the wrong type raises where it is used
# The name of the output marker the child writes after a failing example a property test reports (an @example, or
# the final replay): what that example printed is what the failure shows (kata/judge/child.py writes it,
# kata/running/worker.py reads it). A test's own markers name it; the "" marker starts an example.
KEEP = "\x01"
NOT_RUN = "not run"

# What the board shows, most urgent first.
STATUSES = ("broken", "crashed", "timed out", "in progress", "not started", "done", "coming soon")


@dataclass
class TestResult:
    nodeid: str
    unit: str  # the unit's slug
    kind: str  # "verify", "stretch" or "contract" (a docstring clause; gates "done" as verify does)
    state: str
    quote: str = ""  # the Verify / Stretch sentence the test encodes
    message: str = ""  # the teaching message when it did not pass
    output: str = ""  # what the learner's code printed during the test, cut at a limit
    seconds: float = 0.0
    calls: list[str] = field(default_factory=list)  # the unit functions the test itself called ("U09.train_adapter")
    # The unit functions that ran in it, called by the test or by the learner's own code, as the learner's process
    # saw them (kata/learner/impl.py); None when not known (the learner's code ran in the judge's process).
    ran: list[str] | None = None
    # What the message points at, as data, decided with it (never read back out of its words): "raised_in" the
    # unit function an exception was raised in ("U03.token_budget"); a timeout's "chain" of the learner's steps
    # ([function, file as shown, line, unit number]) and the "loop" step when the watchdog could tell; the learner's
    # data "file" the test reads (U10's own eval: testing.reads_data_file), the one to edit.
    points: dict = field(default_factory=dict)
    # The unit functions the test put a stand-in for ("U04.embed" in U11's lab_table): the learner's own never ran.
    stand_ins: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.nodeid.split("::")[-1]

    @property
    def passed(self) -> bool:
        return self.state == "passed"

    @property
    def outcome(self) -> str:
        """pytest's three words: passed, skipped or failed (every teaching state is a failure)."""
        if self.state == NOT_RUN:
            return "skipped"
        return self.state if self.state in ("passed", "skipped") else "failed"

    @property
    def failing(self) -> bool:
        """Ran and did not pass: a real failure (a stub, a timeout...), not a skip or a test never run."""
        return self.outcome == "failed"

    def stub(self):
        """(its unit, the function, the file as shown) of the stub this test stopped at; None when it did not."""
        return stubs.reached(self.message) if self.state == "stub" else None

    def reach(self) -> set[str]:
        """The unit functions this test depends on: those it called and everything they call (kata/units.py)."""
        skipping = frozenset(self.stand_ins)
        found = set(self.calls) - skipping
        for name in self.calls:
            found |= depends_on(name, skipping)
        return found

    def ran_reach(self) -> set[str]:
        """The unit functions this test depends on that really ran in it, when that is known; else its reach."""
        return set(self.ran) - set(self.stand_ins) if self.ran is not None else self.reach()

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> TestResult:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


@dataclass
class UnitResult:
    unit: Unit
    tests: list[TestResult] = field(default_factory=list)
    # Set when the process running this unit died (crashed) or was stopped (timed out): what happened, in words.
    ended: str = ""
    ended_how: str = ""  # "crashed" or "timed out"
    sandbox: str = ""  # "" when the learner's code ran sandboxed (kata/learner/sandbox.py); else "not sandboxed: why"
    lesson: list[str] = field(default_factory=list)  # once done: what the learner's own results say (kata/commands/lessons.py)

    def of_kind(self, kind: str) -> list[TestResult]:
        """The tests of a kind; "verify" includes the contract tests, which gate "done" the same way."""
        return [t for t in self.tests if t.kind == kind or (kind == "verify" and t.kind == "contract")]

    def score(self, kind: str) -> tuple[int, int]:
        tests = self.of_kind(kind)
        return sum(t.passed for t in tests), len(tests)

    @property
    def broken(self) -> TestResult | None:
        return next((t for t in self.tests if t.state in UNLOADABLE), None)

    @property
    def status(self) -> str:
        """The one rule: broken, crashed, timed out, done, not started, in progress (or coming soon)."""
        if not self.unit.ready:
            return "coming soon"
        if self.broken:
            return "broken"
        if self.ended_how:
            return self.ended_how
        verify = self.of_kind("verify")
        if any(t.state == "timeout" for t in verify):
            return "timed out"
        if any(t.state == "crashed" for t in verify):  # the learner's process ended during a test (the wall: kata/judge/wall.py)
            return "crashed"
        passed, total = self.score("verify")
        if total and passed == total:
            return "done"
        if passed == 0 and verify and all(t.state == "stub" for t in verify):
            return "not started"
        return "in progress"

    def echo_source(self, test: TestResult) -> tuple[TestResult, str] | None:
        """(the failing test that `test`'s failure echoes, the function to fix first, qualified: "U05.top_k"), or
        None for a cause.

        `test` is an echo when another failing test called only functions that `test` depends on and that
        ran in it, and not the other way round: fix that function and `test` may well pass. A failure
        about how a function computes (its memory: `expect(..., how=True)`) is no cause of another's
        values. The relation is a strict order (what the cause depends on is strictly less), so every
        echo leads to a cause. A test that
        reached the stub of a function it calls itself is a cause: writing a deeper function cannot make it pass.
        """
        if not test.failing or not test.calls or test.state == "timeout":  # a loop is a cause: shown and hinted first
            return None
        stub, raised = _stub_of(test), raised_in(test)
        if stub and stub in test.calls:  # the function it calls is itself unwritten: a cause
            return None
        mine, cause, deeper = test.ran_reach(), None, None
        for other in self.tests:
            if other is test or not other.failing or not other.calls or other.points.get("how"):
                continue
            if other.kind == "stretch" and test.kind != "stretch":  # a Stretch goal never blocks: never the cause shown
                continue
            if stub and stub not in other.reach():  # fixing `other` cannot write the stub this test reached
                continue
            if raised and raised not in other.reach() and not (
                    set(other.calls) <= mine and (self._passes_its_own(raised) or self._hands_to(other.calls, raised, test))):
                continue  # raised in a function `other` never runs, unless that one passes its own tests, or calls
                # what `other` tested itself: then what `other` tested and handed it may be why (U06's ask_claude
                # returning the Message, parse_citations raising; U11's cost_usd returning a str, model_row summing it)
            if set(other.calls) <= mine and not set(test.calls) <= other.reach():
                deeper = self.echo_source(other)
                if deeper and not set(deeper[0].calls) <= mine:  # what `other` echoes never ran in this test
                    continue
                cause = other
                break
        if cause is None:
            return None
        if deeper:
            return deeper
        # a cause stopped at a stub is that stub's, one that raised is the raising function's; otherwise the
        # function it called that `test` did not; where `test` called them all, one that fails its own tests, else
        # the last called (U05's search_matrix(to_matrix(...)): to_matrix, the argument, passes its own)
        function = (_stub_of(cause) or self._raised_here(cause)
                    or next((c for c in cause.calls if c not in test.calls), None)
                    or next((c for c in cause.calls if self._fails_its_own(c)), cause.calls[-1]))
        return cause, function

    def _fails_its_own(self, function: str) -> bool:
        """Whether a test of `function` alone (calling nothing but it and what it calls), of any kind, fails."""
        return any(t.failing and function in t.calls and set(t.calls) <= {function, *depends_on(function)}
                   for t in self.tests)

    def echo_of(self, test: TestResult) -> tuple[TestResult, str] | None:
        """(the failing test that `test`'s failure echoes, the function to fix first in words: "`retrieve`" in this
        unit, "U05's `top_k`" in an earlier one), or None for a cause (echo_source's rule)."""
        found = self.echo_source(test)
        if found is None:
            return None
        code, _, name = found[1].partition(".")
        return found[0], f"`{name}`" if code == self.unit.code else f"{code}'s `{name}`"

    @property
    def first_failure(self) -> TestResult | None:
        """The test to show next: a cause, never an echo; a Verify or Contract test that ran out of time first (the
        board shows it first, and `kata hint` follows this one), then Verify and Contract tests in file order,
        a stub of this unit after code the learner wrote (a wrong value in the function they just wrote is news;
        a stub they have not reached is not), then Stretch."""
        failing = [t for t in self.tests if t.failing]
        causes = [t for t in failing if self.echo_of(t) is None] or failing
        return min(causes, key=lambda t: (t.kind == "stretch", t.state != "timeout", self._own_stub(t)), default=None)

    def _own_stub(self, test: TestResult) -> bool:
        """Whether a test stopped at a stub of this unit (an earlier unit's stub blocks: it keeps its place)."""
        stub = test.stub()
        return bool(stub) and stub[0].slug == self.unit.slug

    def _hands_to(self, functions, raised: str, test: TestResult) -> bool:
        """Whether `raised` ("U11.model_row") calls each of `functions` itself and raised what a value of the wrong
        type raises (a str summed: TypeError): their results may be what it tripped on. A KeyError of its own
        (U03's token_budget) is no such echo."""
        return (test.points.get("error") in WRONG_TYPE_ERRORS
                and set(functions) <= set(self.unit.callees().get(raised, ())))

    def _passes_its_own(self, function: str) -> bool:
        """Whether a function of this unit has tests of its own (calling nothing but it and what it calls) and
        passes every one of them."""
        own = [t for t in self.tests if function in t.calls and set(t.calls) <= {function, *depends_on(function)}
               and t.kind != "stretch"]
        return bool(own) and not any(t.failing for t in own)

    def _raised_here(self, test: TestResult) -> str:
        """The function an exception was raised in, as this unit's cause names it: when it was raised inside an
        earlier unit's function (U05's top_k, handed the wrong arguments by U06's retrieve), this unit's innermost
        function of the chain, the one the learner is writing; that unit's own tests say whether it is at fault."""
        raised = raised_in(test)
        if not raised or raised.startswith(f"{self.unit.code}."):
            return raised
        mine = [s for s in test.points.get("chain", []) if s[3] == self.unit.number and s[0][:1].islower()]
        return f"{self.unit.code}.{mine[-1][0]}" if mine else raised

    def to_dict(self) -> dict:
        return {"unit": self.unit.slug, "ended": self.ended, "ended_how": self.ended_how, "sandbox": self.sandbox,
                "tests": [t.to_dict() for t in self.tests], "lesson": self.lesson}

    @classmethod
    def from_dict(cls, data: dict) -> UnitResult:
        return cls(BY_SLUG[data["unit"]], [TestResult.from_dict(t) for t in data["tests"]],
                   data.get("ended", ""), data.get("ended_how", ""), data.get("sandbox", ""),
                   list(data.get("lesson", [])))


def _stub_of(test: TestResult) -> str:
    """The stub a test stopped at, by its qualified name ("U06.answer_from"); "" when it did not stop at one."""
    stub = test.stub()
    return f"{stub[0].code}.{stub[1]}" if stub else ""


def raised_in(test: TestResult) -> str:
    """The unit function an exception of the learner's code was raised in, the innermost of its chain that is
    not a private helper ("U03.token_budget"); "" when the test did not fail that way."""
    return test.points.get("raised_in", "")


def group(tests: list[TestResult], units: list[Unit]) -> dict[str, UnitResult]:
    """Per-unit results, in course order, for the units asked for."""
    results = {u.slug: UnitResult(u) for u in units}
    for test in tests:
        if test.unit in results:
            results[test.unit].tests.append(test)
    return results


def next_unit(results: dict[str, UnitResult], first: list[Unit] = ()) -> UnitResult | None:
    """The first playable unit that is not done, trying the units of `first` (the learner's latest edits)
    before the course order; None when every one is."""
    order = [*first, *UNITS]
    return next((results[u.slug] for u in order if u.slug in results and results[u.slug].status != "done"), None)


class Reporter:
    """The pytest plugin that turns reports into `TestResult`s, one per test, as each test ends.

    `on_result` (optional) is called with each result as it is made: the worker's child streams them
    to the parent, so that a child that dies mid-run loses nothing already decided.
    """

    def __init__(self, on_result=None, on_start=None):
        self.results: list[TestResult] = []
        self._on_result = on_result
        self._on_start = on_start
        self._pending: dict[str, TestResult] = {}

    def pytest_sessionstart(self, session):
        self.results.clear()

    def pytest_runtest_logstart(self, nodeid, location):
        if self._on_start:
            self._on_start(nodeid)

    def pytest_runtest_logreport(self, report):
        info = getattr(report, "kata", None)
        if info is None:
            return
        test = self._pending.setdefault(report.nodeid, TestResult(report.nodeid, info["unit"], info["kind"], "passed",
                                                                  info["quote"]))
        test.seconds += report.duration
        test.calls = list(info.get("calls", test.calls))
        test.ran = info["ran"] if info.get("ran") is not None else test.ran
        test.stand_ins = list(info.get("stand_ins", test.stand_ins))
        if report.when == "call" and report.passed:
            return
        if report.failed and test.state in ("passed", "skipped"):  # the first failure of a test is its verdict
            test.state = info["state"] if info["state"] not in ("passed", "failed") else "failed"
            test.message = report.longreprtext
            test.quote = info["quote"]  # the clause that failed (a check's own, a stub's), decided with the failure
            test.points = dict(info.get("points", {}))
        elif report.skipped and test.state == "passed":
            test.state = NOT_RUN if info["state"] == NOT_RUN else "skipped"
            test.message = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)

    def pytest_runtest_logfinish(self, nodeid, location):
        test = self._pending.pop(nodeid, None)
        if test is not None:
            self._add(test)

    def pytest_collectreport(self, report):
        if report.failed:  # a test module that cannot even be collected: the unit is broken for everyone
            unit = unit_of_path(report.nodeid)
            if unit:
                self._add(TestResult(report.nodeid, unit.slug, "verify", "error", "", report.longreprtext))

    def _add(self, test: TestResult) -> None:
        self.results.append(test)
        if self._on_result:
            self._on_result(test)

    def failed_unit(self, slug: str) -> bool:
        return any(t.unit == slug and t.outcome == "failed" for t in self.results)

    def timed_out(self, slug: str) -> bool:
        return any(t.unit == slug and t.state == "timeout" for t in self.results)

    def write_json(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps([t.to_dict() for t in self.results], indent=1))
