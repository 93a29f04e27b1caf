"""Run units' tests against a target, out of this process, with results cached by content.

This is the one way the CLI runs learner code: unchanged units come from the cache (kata/running/cache.py), the
rest run in the worker's child (kata/running/worker.py), whose results come back as `UnitResult`s
(kata/judge/report.py). The command's own process never imports a learner's module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kata.running import cache, safekeeping, worker
from kata.learner import impl
from kata.judge.report import UnitResult, raised_in, next_unit
from kata.units import ROOT, UNITS, Unit

# What computes a green unit's lesson in the worker's child, as "module:function": handed down by the command
# that runs the tests (lessons_with), never chosen here; kata/commands/lessons.py is a command above the runner (kata/layers.py).
LESSONS = ""


def lessons_with(spec: str) -> None:
    """The commands above say what computes a green unit's lesson ("kata.commands.lessons:compute"); "" for none."""
    global LESSONS
    LESSONS = spec


@dataclass
class Run:
    results: dict[str, UnitResult]  # by slug, in course order
    notes: list[str] = field(default_factory=list)  # what the kata did that the learner should know


def pytest_args(units: list[Unit], impl_spec: str, swaps, quick: bool, extra=()) -> tuple[str, ...]:
    args = [str(ROOT / u.test_file) for u in units]
    # `--impl=PATH` as one token, the plugin named first and no conftest.py read: pytest's early parse
    # would otherwise take a separate PATH for a test path and run the conftest files in and above it.
    args += [f"--impl={impl_spec}", "-p", "kata.judge.plugin", "--noconftest", "--rootdir", str(ROOT), "-c", str(ROOT / "pyproject.toml"),
             "-p", "no:terminal", "-p", "no:logging", "-p", "no:cacheprovider", "--capture=no",
             "--assert=plain",  # the unit tests fail through expect(); rewriting asserts costs a cold run ~1 s
             "-p", "no:unraisableexception"]  # its garbage collection at session end costs a warm re-run 0.2-0.4 s
    args += [f"--kata-swap={slug}={path}" for slug, path in swaps]
    args += ["--kata-quick"] if quick else []
    return tuple(args) + tuple(extra)


def _kind(quick: bool, time_limit: float | None = None) -> str:
    return f"{'quick' if quick else 'full'}-{time_limit or worker.TIME_LIMIT:g}"


def cached(unit: Unit, impl_spec: str = "exercises", moments: bool = False) -> UnitResult | None:
    """The unit's last result while its files are unchanged (a full run's, else a quick one's), never running it
    (`moments`: a crash's or a timeout's too, see run)."""
    target = impl.target(impl_spec)
    for quick in (False, True):
        hit = cache.load(unit, cache.key(unit, target.tree, (), _kind(quick)), moments)
        if hit is not None:
            return hit
    return None


def run(units: list[Unit] | None = None, impl_spec: str = "exercises", swaps: tuple[tuple[str, Path], ...] = (),
        quick: bool = False, use_cache: bool = True, extra: tuple[str, ...] = (), time_limit: float | None = None,
        live: str = "", lessons: bool = True, moments: bool = False) -> Run:
    """Results of `units` (default: every playable unit) against a target; ValueError for a bad target.

    `live`: the URL of the kata's live endpoint (kata/judge/live.py): the API calls go to the real vendors
    through it instead of the cassettes, with a live run's time limit, and nothing is cached. `moments`: a unit whose
    last run crashed or timed out, its files unchanged since, is read from the cache too, with a note (the board)."""
    units = [u for u in (units or UNITS) if u.ready]
    if live:
        from kata.judge import live as live_run

        extra, use_cache = (*extra, *live_run.PYTEST_ARGS), False
        time_limit = time_limit or live_run.TIME_LIMIT
    target = impl.target(impl_spec)
    kind = _kind(quick, time_limit)
    keys = {u.slug: cache.key(u, target.tree, swaps, kind) for u in units} if use_cache and not extra else {}
    results: dict[str, UnitResult] = {}
    notes: list[str] = []
    for unit in units:
        hit = cache.load(unit, keys[unit.slug], moments) if keys else None
        if hit is not None:
            results[unit.slug] = hit
            if hit.status in ("crashed", "timed out"):
                notes.append(f"{unit.code} {hit.status} on its last run, and its files have not changed since: "
                             f"`kata check {unit.number}` runs it again.")
    todo = [u for u in units if u.slug not in results]
    if todo:
        kept = safekeeping.snapshot(target.tree)
        job = worker.Job(todo, target.tree, swaps, pytest_args(todo, impl_spec, swaps, quick, extra), live=live,
                         lessons=LESSONS if lessons and not swaps and not quick and not live else "")  # a green unit's lesson, from the
                                                                        # learner's own code (not in quick re-runs: speed first)
        fresh = worker.run([job], time_limit=time_limit)[0]
        restored = safekeeping.restore(kept)
        notes += restored
        for slug, result in fresh.items():
            results[slug] = result
            if keys and not restored:
                cache.store(result, keys[slug])
    return Run({u.slug: results[u.slug] for u in units}, notes)


def first_unfinished(impl_spec: str = "exercises", quick: bool = False,
                     extra: tuple[str, ...] = ()) -> tuple[UnitResult | None, list[str]]:
    """The first playable unit that is not done, run (or read from the cache) in course order."""
    notes: list[str] = []
    for unit in [u for u in UNITS if u.ready]:
        outcome = run([unit], impl_spec, quick=quick, extra=extra)
        notes += outcome.notes
        pending = next_unit(outcome.results)
        if pending is not None:
            return pending, notes
    return None, notes


def _result_of(unit: Unit, impl_spec: str, quick: bool, extra: tuple[str, ...]) -> UnitResult:
    """One unit's result, run or read from the cache."""
    return run([unit], impl_spec, quick=quick, extra=extra).results[unit.slug]


def _stopped_in(test) -> list:
    """The function a timed-out test was stopped in, as [name, unit number]: where its loop is when the watchdog could
    tell, else the innermost step of its chain ([] for any other test)."""
    if test.state != "timeout":
        return []
    chain = test.points.get("chain") or []
    step = test.points.get("loop") or (chain[-1] if chain else [])
    return [step[0], step[3]] if step else []


def unfinished_uses(unit: Unit, impl_spec: str = "exercises", quick: bool = False,
                    extra: tuple[str, ...] = ()) -> dict[str, tuple[UnitResult, list[str]]]:
    """The earlier units `unit` uses that are not done, run (or read from the cache), and among what it uses
    from each, the functions that fail a test of their own there (one that calls nothing else but what the
    function itself calls): {code: (result, [name, ...])}; what such a failing function calls in a unit before its
    own, failing there too, comes with it as "cosine via top_k" (U06's `top_k` calls U04's `cosine`: the
    first unfinished one is U04). A unit whose used functions all pass their own
    tests is left out: its other functions are not what holds this one back."""
    from kata.units import depends_on, find

    def fails_its_own(code: str, name: str, result: UnitResult) -> bool:
        return any(f"{code}.{name}" in t.calls and set(t.calls) <= {f"{code}.{name}", *depends_on(f"{code}.{name}")}
                   or _stopped_in(t) == [name, int(code[1:])] for t in result.of_kind("verify") if t.failing)

    results, failing = {}, {}
    for code, names in unit.uses.items():
        results[code] = _result_of(find(code), impl_spec, quick, extra)
        for name in names:
            if results[code].status == "done" or not fails_its_own(code, name, results[code]):
                continue
            failing.setdefault(code, []).append(name)
            for deeper in sorted(depends_on(f"{code}.{name}")):  # what a failing one calls in an earlier unit may be why
                other, _, function = deeper.partition(".")
                if other < code and other != unit.code:
                    if other not in results:
                        results[other] = _result_of(find(other), impl_spec, quick, extra)
                    said = f"{function} via {name}"
                    if results[other].status != "done" and fails_its_own(other, function, results[other]) \
                            and function not in failing.get(other, []) and said not in failing.get(other, []):
                        failing.setdefault(other, []).append(said)
    return {code: (results[code], failing[code]) for code in sorted(failing)}


def unit_to_work_on(impl_spec: str = "exercises", quick: bool = False,
                    extra: tuple[str, ...] = ()) -> tuple[UnitResult | None, list[str], Unit | None]:
    """The unit the learner is on, its notes, and the first earlier unit that is not done (None if none).

    The learner's unit is the unfinished one whose file, edited away from its stub, was saved last
    (course order breaks ties); with no such unit, the first unfinished one in course order. An
    earlier unit still a stub is unfinished without running it; an edited one is run (or read from the cache).
    """
    from kata import stubs

    ready = [u for u in UNITS if u.ready]
    tree, notes = impl.target(impl_spec).tree, []
    pending = None
    for unit in stubs.edited(tree, ready):
        outcome = run([unit], impl_spec, quick=quick, extra=extra)
        notes += outcome.notes
        pending = next_unit(outcome.results)
        if pending is not None:
            break
    if pending is None:
        pending, more = first_unfinished(impl_spec, quick=quick, extra=extra)
        return pending, notes + more, None
    edited = set(stubs.edited(tree, ready))
    for unit in ready[:ready.index(pending.unit)]:
        if unit not in edited or next_unit(run([unit], impl_spec, quick=quick, extra=extra).results) is not None:
            return pending, notes, unit
    return pending, notes, None


SAID_DONE = "said-done"  # in the cache's folder: the unit file (and its save) `kata next` last said was done


def saved_last_and_done(impl_spec: str = "exercises") -> UnitResult | None:
    """The unit whose file the learner saved last, when its last result (from the cache: never run here) is done:
    `kata next` says so before the unit it moves on to, as rustlings does, once a save (a blind learner saw U10's
    "done" again with every `kata next` after it)."""
    from kata import stubs

    target = impl.target(impl_spec)
    last = next(iter(stubs.edited(target.tree, [u for u in UNITS if u.ready])), None)
    result = cached(last, impl_spec) if last is not None else None
    if result is None or result.status != "done":
        return None
    saved = target.file_of(last.slug)
    try:
        info = saved.stat()
        this_save = f"{saved.resolve()} {info.st_mtime_ns} {info.st_size}"
        said = cache.folder() / SAID_DONE
        if said.is_file() and said.read_text(encoding="utf-8") == this_save:
            return None
        said.parent.mkdir(parents=True, exist_ok=True)
        said.write_text(this_save, encoding="utf-8")
    except OSError:  # a folder that cannot be written: said each time, as before
        pass
    return result


def _green_on_a_failing_unit(result: UnitResult, impl_spec: str, quick: bool, extra: tuple[str, ...]) -> str:
    """A green unit that uses an earlier unit's function failing that unit's own tests (U11 green while your U04
    `embed` sends the wrong model): say so, since its numbers rest on that function; "" otherwise."""
    from kata.units import depends_on, find

    # what it uses, and what those use in turn (U06's top_k runs U04's cosine), by unit
    reached = {f"{code}.{name}" for code, names in result.unit.uses.items() for name in names}
    reached |= {deeper for name in set(reached) for deeper in depends_on(name)}
    for code in sorted({name.partition(".")[0] for name in reached} - {result.unit.code}):
        unit = find(code)
        other = _result_of(unit, impl_spec, quick, extra)
        used = {name for name in reached if name.startswith(code + ".")}
        for test in other.tests:  # a failure of a used function itself: not a stub it reaches, not a Stretch goal
            if not test.failing or test.kind == "stretch" or test.state == "stub":
                continue
            cause = (other.echo_of(test) or (test,))[0]
            if set(cause.calls) & used:
                return _green_on(result.unit, code, sorted(set(cause.calls) & used)[0].split(".")[1], cause, unit)
        test, function = _failing_through_a_caller(other, used)  # its failing test runs the function through a caller
        if test is not None:
            return _green_on(result.unit, code, function.partition(".")[2], test, unit)
    return ""


def _green_on(unit: Unit, code: str, function: str, test, other: Unit) -> str:
    return (f"{unit.code} is green using {code}'s `{function}`, which still fails {code}'s own {test.name}: its "
            f"numbers here may not be the course's. `kata next {other.number}` shows why.")


def _called_first(test) -> str:
    """The function a failing test called first, unqualified ("top_k")."""
    return test.calls[0].split(".")[1]


def cause_in_earlier_unit(result: UnitResult, impl_spec: str = "exercises", quick: bool = False,
                          extra: tuple[str, ...] = ()) -> str:
    """When the unit's first failure echoes an earlier unit's failing test (U11's table fails because your U10
    `grade` does), say so in a sentence; "" otherwise. The earlier units it uses are run (or read from the cache)."""
    from kata.units import find

    failure = result.first_failure
    if result.status == "done":
        return _green_on_a_failing_unit(result, impl_spec, quick, extra)
    if failure is None or not failure.calls or failure.state == "stub":  # a stub elsewhere says so itself
        return ""
    reach, raised = failure.ran_reach(), raised_in(failure)  # what really ran in it, when the learner's process said
    for code in sorted({name.split(".")[0] for name in reach} - {result.unit.code}):
        unit = find(code)
        if not unit.ready:
            continue
        other = _result_of(unit, impl_spec, quick, extra)
        # an exception raised where `t` never runs is no echo of it; one raised inside that unit's own function is
        # an echo only of a test of it that raised there too (a value it got wrong is another failure: what this
        # unit handed it comes first, and the message's hint says so)
        test = next((t for t in other.tests if t.failing and t.calls and set(t.calls) <= reach
                     and (not raised or (raised in t.reach() and (not raised.startswith(code + ".")
                                                                   or raised_in(t) == raised)))), None)
        if test is None and raised:  # but what that unit's failing function handed this code may be what it tripped on
            # only a function the raising one calls itself hands it a value (answer_from gets nothing from cosine)
            handed = set(find(raised.split(".")[0]).callees().get(raised, ()))
            near = next((t for t in other.tests if t.failing and t.calls and set(t.calls) <= reach
                         and _called_first(t) != raised.split(".")[1] and t.calls[0] in handed), None)
            if near is not None:
                function = _called_first(near)
                return Cause(f"{unit.code}'s own {near.name} fails too: if what your {unit.code} `{function}` handed "
                             f"`{raised.split('.')[1]}` is what it tripped on, fix that first (`kata next {unit.number}`).",
                             maybe=(unit.code, function))
            continue
        if test is not None:
            test, function = other.echo_source(test) or (test, test.calls[0])
        else:  # no failing test there calls only what this one uses: one that runs it through a caller may
            test, function = _failing_through_a_caller(other, reach)
        if test is not None:
            code, _, name = function.partition(".")
            return Cause(f"This failure may well be an echo: it fails because {code}'s `{name}` does ({unit.code}'s own "
                         f"{test.name} fails). Fix that first: `kata next {unit.number}`.", fix=(code, name))
    return ""


class Cause(str):
    """The sentence of `cause_in_earlier_unit`, and, as data for the board's edit line (never read back out of the
    words): `fix`, the earlier unit's function it sends the learner to ("U05", "top_k"); `maybe`, the earlier
    unit's failing function that may be what this unit's code tripped on, offered beside this unit's file."""

    def __new__(cls, text: str, fix: tuple[str, str] = (), maybe: tuple[str, str] = ()):
        made = super().__new__(cls, text)
        made.fix, made.maybe = fix, maybe
        return made


def _failing_through_a_caller(other: UnitResult, reach: set[str]):
    """(a failing test of an earlier unit, the function it shares with `reach`, qualified) when that test calls a function
    this unit does not use (U06's `answer`) which calls one it does (`answer_from`), and no other failing test
    there explains it by the rest of what it runs (U06's `retrieve`); (None, "") otherwise."""
    for test in other.tests:
        if not test.failing or not test.calls or test.state == "stub" or other.echo_of(test) is not None:
            continue
        outside = test.reach() - reach
        explained = any(o.failing and o.calls and set(o.calls) <= outside and not set(test.calls) <= set(o.calls)
                        for o in other.tests)
        shared = sorted(callee for name in test.calls for callee in other.unit.callees().get(name, ())
                        if callee in reach and callee.startswith(f"{other.unit.code}."))  # that unit's own function
        if shared and not explained:
            return test, shared[0]
    return None, ""
