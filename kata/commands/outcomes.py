"""`kata outcomes`: every test's verdict on every target the soundness rounds run, kept in one file.

The targets are those of tests/harness/test_soundness.py, run the way its rounds run them and built
here once for both: the solutions, the stubs (exercises/), each catalogued mistake
(tests/mistakes/<slug>/*.py swapped in, with --kata-catch: a unit stops at its first failure, so the
tests after it are "skipped") and each correct alternative (tests/alternatives/<slug>/*.py), all
through the worker's children, two at a time, with computed answers on (no --strict-replay), as a
learner runs. A verdict is the test's state: passed, failed, skipped, timeout, crashed, or the
teaching state of a failure (stub, missing, broken, cassette, error, network).

Issue 18 moves learner code behind a process wall; the verdicts before it are kept in
tests/outcomes/before-wall.json, and `kata verify` (test_soundness.py) compares what its rounds
observe with that file, test by test.

    kata outcomes --write FILE [UNIT ...]   run, and write (or, for some units, update) FILE
    kata outcomes --check FILE [UNIT ...]   run, and list every verdict that differs from FILE
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from kata.running import runner, worker
from kata import stubs
from kata.judge.report import UnitResult
from kata.units import ROOT, UNITS, Unit

MISTAKES_DIR = ROOT / "tests" / "mistakes"
ALTERNATIVES_DIR = ROOT / "tests" / "alternatives"
CAPTURE = ROOT / "tests" / "outcomes" / "before-wall.json"
UNSTEADY = ("timeout", "crashed")  # verdicts a loaded machine can produce on its own: checked again, alone, first
SETTLE_AT_MOST = 10  # targets run again alone at the most: more differences than that are no load's doing


def catalogue(unit: Unit, folder: Path = MISTAKES_DIR) -> list[Path]:
    """The learner modules kept for a unit: tests/mistakes/<slug>/*.py (or tests/alternatives/<slug>/*.py)."""
    return sorted(p for p in (folder / unit.slug).glob("*.py") if not p.name.startswith("_"))


def alternatives(unit: Unit) -> list[Path]:
    """Correct units written blind, in another style or design: every test must pass on each."""
    return catalogue(unit, ALTERNATIVES_DIR)


def soundness_jobs(units: list[Unit], solutions: bool = False, catch: bool = True) -> dict[str, worker.Job]:
    """The soundness rounds' jobs, by name: "stubs", "round<k>" (the k-th mistake of every unit),
    "alternative<k>", and "solutions" when asked. `catch=False` runs the mistakes in full."""
    jobs = {"solutions": worker.Job(units, ROOT / "solutions", (), runner.pytest_args(units, "solutions", (), False))}
    jobs = jobs if solutions else {}
    jobs["stubs"] = worker.Job(units, ROOT / "exercises", (), runner.pytest_args(units, "exercises", (), False))
    # Each unit's tests meet only its own swap (kata/judge/plugin.py), so one round swaps in one mistake of every unit.
    for k in range(max((len(catalogue(u)) for u in units), default=0)):
        chosen = [u for u in units if len(catalogue(u)) > k]
        swaps = tuple((u.slug, catalogue(u)[k]) for u in chosen)
        extra = ("--kata-catch",) if catch else ()
        jobs[f"round{k}"] = worker.Job(chosen, ROOT / "solutions", swaps, runner.pytest_args(chosen, "solutions", swaps, False, extra))
    for k in range(max((len(alternatives(u)) for u in units), default=0)):  # as a learner runs: every test, in full
        chosen = [u for u in units if len(alternatives(u)) > k]
        swaps = tuple((u.slug, alternatives(u)[k]) for u in chosen)
        jobs[f"alternative{k}"] = worker.Job(chosen, ROOT / "solutions", swaps, runner.pytest_args(chosen, "solutions", swaps, False))
    return jobs


VERDICT_TIME_LIMIT = 30.0  # seconds a test in these runs: a busy machine must not make a correct test a timeout


def run(jobs: dict[str, worker.Job]) -> dict[str, dict[str, UnitResult]]:
    """Each job's per-unit results, by job name: the worker's children, two at a time. No verdict recorded is a
    timeout, so a longer limit than a learner's costs nothing here, and keeps a loaded machine (CI, a verify
    beside other work) from failing a correct alternative whose slow test ran past 10 s."""
    order = sorted(jobs, key=lambda name: -_weight(jobs[name]))  # the longest first: no long run left alone at the end
    results = worker.run([jobs[name] for name in order], parallel=2, time_limit=max(worker.TIME_LIMIT, VERDICT_TIME_LIMIT))
    by_name = dict(zip(order, results))
    return {name: by_name[name] for name in jobs}


def _weight(job: worker.Job) -> int:
    """A run's rough length, to start the longest first: its units, a full run (every test, every example: the
    solutions, the alternatives) about three times a mistake's, which stops each unit at its first failure."""
    return len(job.units) * (1 if "--kata-catch" in job.args else 3)


def target(job_name: str, job: worker.Job, slug: str) -> str:
    """A target's name: solutions/<slug>, stubs/<slug>, mistakes/<slug>/<stem>, alternatives/<slug>/<stem>."""
    swapped = dict(job.swaps).get(slug)
    if swapped is None:
        return f"{job_name}/{slug}"
    return f"{Path(swapped).resolve().parent.parent.name}/{slug}/{Path(swapped).stem}"


def key_of(nodeid: str) -> str:
    """A test's name within its unit's file (the nodeid without the file)."""
    return nodeid.partition("::")[2] or nodeid


def verdicts(jobs: dict[str, worker.Job], results: dict[str, dict[str, UnitResult]]) -> dict[str, dict[str, str]]:
    """{target: {test: verdict}} for every unit of every job."""
    table: dict[str, dict[str, str]] = {}
    for name, per_unit in results.items():
        for slug, result in per_unit.items():
            table[target(name, jobs[name], slug)] = {key_of(t.nodeid): t.state for t in result.tests}
    return table


def unit_of_target(name: str) -> str:
    return name.split("/")[1]


# One letter a verdict, so a target is one short line: the teaching states are failures, in lower case.
LETTERS = {"passed": "P", "failed": "F", "skipped": "S", "timeout": "T", "crashed": "C", "stub": "s", "missing": "m",
           "broken": "b", "cassette": "c", "error": "e", "network": "n", "absent": "-",
           "not run": "x"}  # never started: after a timeout or a crash in its unit (kata/judge/report.py NOT_RUN)
STATES = {letter: state for state, letter in LETTERS.items()}


def write(path: Path, table: dict[str, dict[str, str]]) -> None:
    """The file: a legend, each unit's tests in file order ("tests/<slug>", one a line), then one line a target, its
    verdicts as one letter a test in that order ("-": it did not run); sorted, so a re-capture diffs by line."""
    order: dict[str, list[str]] = {}
    for name in sorted(table, key=lambda n: (not n.startswith("solutions/"), n)):  # the solutions run every test
        seen = order.setdefault(unit_of_target(name), [])
        seen += [t for t in table[name] if t not in seen]
    unknown = sorted({v for tests in table.values() for v in tests.values()} - set(LETTERS))
    if unknown:
        raise ValueError(f"kata outcomes: no letter for the verdict(s) {unknown}: add them to LETTERS in kata/commands/outcomes.py")
    lines = [f'"legend": {json.dumps(STATES)}']
    lines += [f"{json.dumps('tests/' + slug)}: [\n  " + ",\n  ".join(json.dumps(t, ensure_ascii=False) for t in tests) + "\n]"
              for slug, tests in sorted(order.items())]
    lines += [f"{json.dumps(name)}: " + json.dumps("".join(LETTERS[tests.get(t, "absent")] for t in order[unit_of_target(name)]))
              for name, tests in sorted(table.items())]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")


def read(path: Path) -> dict[str, dict[str, str]]:
    """{target: {test: verdict}}, as `write` was given it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        order = {name.split("/", 1)[1]: tests for name, tests in data.items() if name.startswith("tests/")}
        targets = {n: v for n, v in data.items() if n != "legend" and not n.startswith("tests/")}
        return {name: {t: STATES[letter] for t, letter in zip(order[unit_of_target(name)], letters) if letter != "-"}
                for name, letters in targets.items()}
    except (OSError, ValueError, KeyError) as error:
        raise ValueError(f"{path}: cannot read the captured verdicts ({error!r}); capture them with "
                         f"`uv run kata outcomes --write {path}`") from None


def differences(captured: dict[str, dict[str, str]], observed: dict[str, dict[str, str]], units: list[Unit]) -> list[str]:
    """Every (target, test) whose verdict differs, one line each; only the targets of `units` are compared."""
    slugs = {u.slug for u in units}
    names = sorted({n for n in (*captured, *observed) if unit_of_target(n) in slugs})
    lines = []
    for name in names:
        if name not in observed:
            lines.append(f"{name}: captured, but no longer run (a mistake or alternative removed?)")
            continue
        if name not in captured:
            lines.append(f"{name}: run, but not in the capture (a new mistake or alternative?)")
            continue
        before, now = captured[name], observed[name]
        for test in [*before, *(t for t in now if t not in before)]:
            if before.get(test) != now.get(test):
                lines.append(f"{name} :: {test}: {before.get(test, 'absent')} → {now.get(test, 'absent')}")
    return lines


def recapture_hint(path: Path, units: list[Unit]) -> str:
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    return (f"If a test, mistake or alternative changed on purpose, re-capture and commit the file with the change: "
            f"`uv run kata outcomes --write {shown} {' '.join(u.slug.split('_')[0] for u in units)}`")


def settle(jobs: dict[str, worker.Job], captured: dict[str, dict[str, str]],
           observed: dict[str, dict[str, str]], units: list[Unit]) -> list[str]:
    """Run again, alone, each (job, unit) whose verdicts differ from the captured ones, those with a timeout or crash
    on either side first: a loaded machine can stop a slow test, or tip a timed comparison (U11's lab weighs a
    student's measured time against its teacher's). Its second run's verdicts replace the first. SETTLE_AT_MOST at
    the most; the rest stay as observed. Returns notes."""
    notes, differing = [], []
    for name, job in jobs.items():
        for unit in [u for u in job.units if u in units]:
            key = target(name, job, unit.slug)
            before, now = captured.get(key), observed.get(key, {})
            if before is not None and before != now:  # (a target not captured yet differs by being new)
                unsteady = any(v in UNSTEADY for v in (*before.values(), *now.values()))
                differing.append((not unsteady, key, job, unit))
    for steady, key, job, unit in sorted(differing, key=lambda d: (d[0], d[1]))[:SETTLE_AT_MOST]:
        swaps = tuple(s for s in job.swaps if s[0] == unit.slug)
        impl_spec = next(a.partition("=")[2] for a in job.args if a.startswith("--impl="))
        args = runner.pytest_args([unit], impl_spec, swaps, False, ("--kata-catch",) if "--kata-catch" in job.args else ())
        again = worker.run([worker.Job([unit], job.tree, swaps, args)],
                           time_limit=max(worker.TIME_LIMIT, VERDICT_TIME_LIMIT))[0][unit.slug]  # as `run` gives
        observed[key] = {key_of(t.nodeid): t.state for t in again.tests}
        notes.append(f"{key}: {'verdicts differed' if steady else 'a timeout or crash on one side'}; run again alone, "
                     f"{'now as captured' if observed[key] == captured[key] else 'still different'}")
    return notes


def main(units: list[Unit], write_path: str | None = None, check_path: str | None = None, full: bool = False) -> int:
    """`kata outcomes`: 0 when written, or when every verdict is the captured one."""
    path = Path(write_path or check_path)
    if write_path:
        stale = [u.exercise for u in units if (ROOT / u.exercise).read_text(encoding="utf-8") != stubs.stub_for(u)]
        if stale:
            raise SystemExit(f"kata outcomes: {', '.join(stale)} differ from their stubs; the stubs' verdicts would be "
                             f"your edits'. Run `kata stubs` (or `kata reset N`) first.")
    captured = read(path) if check_path or path.is_file() else {}
    # The rounds of every unit, as `kata verify` runs them: a round swaps one mistake into each unit at once, and each
    # unit's tests meet its own mistake only (a test that calls an earlier unit, U07's of U04's embed, meets its
    # reference: kata/judge/plugin.py), so a unit's verdicts are the same whichever units run beside it.
    jobs = soundness_jobs([u for u in UNITS if u.ready], solutions=True, catch=not full)
    began = time.monotonic()
    observed = {name: tests for name, tests in verdicts(jobs, run(jobs)).items()
                if unit_of_target(name) in {u.slug for u in units}}
    seconds = time.monotonic() - began
    tests = sum(len(v) for v in observed.values())
    print(f"{len(jobs)} runs, {len(observed)} targets, {tests} test verdicts in {seconds:.0f} s"
          f"{' (mistakes in full, no --kata-catch)' if full else ''}")
    for kind in ("solutions", "stubs", "mistakes", "alternatives"):
        mine = {n: v for n, v in observed.items() if n.split("/")[0] == kind}
        counts: dict[str, int] = {}
        for verdict in (v for tests_ in mine.values() for v in tests_.values()):
            counts[verdict] = counts.get(verdict, 0) + 1
        print(f"  {kind}: {len(mine)} targets, " + ", ".join(f"{n} {v}" for v, n in sorted(counts.items(), key=lambda x: -x[1])))
    if write_path:
        slugs = {u.slug for u in units}
        kept = {n: v for n, v in captured.items() if unit_of_target(n) not in slugs}  # other units' lines stay
        write(path, {**kept, **observed})
        print(f"written to {path}")
        return 0
    for note in settle(jobs, captured, observed, units):
        print(note)
    changed = differences(captured, observed, units)
    if not changed:
        print(f"every verdict is the one in {path}")
        return 0
    print(f"{len(changed)} verdicts differ from {path}:")
    print("\n".join(changed))
    print(recapture_hint(path, units))
    return 1
