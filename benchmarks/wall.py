"""What the wall costs: learner code in a process of its own, called across it as values.

    uv run python benchmarks/wall.py [--before COMMIT] [UNIT ...]     (default units: 1 5 9)
    uv run python benchmarks/wall.py --call                           (measure 1 alone, in seconds)

Three measures, each alternating A B A B in one run so the machine's load falls on both alike:

1. a call: one learner function called N times through the proxy, across the wall and in process
   (KATA_WALL=0), per call;
2. a unit: the watch loop's warm re-run of a unit's tests (a child forked from a primed parent, the
   cache bypassed), with the wall and without (KATA_WALL=0), and against COMMIT (a process each, primed);
   and, in those re-runs, the tests' own time (each test's setup, call and teardown as pytest times them,
   summed): what a test call costs, without the run's fixed costs. With the wall against without it, the same
   tests run: that ratio is the wall's alone. Against COMMIT, the tests written or changed since count too (U11's
   test that slows the learner's quantizing by 0.3 s a call, to see that the timing leaves it out, came later);
3. `kata check N` after an edit, from a fresh command (a copy of solutions/ whose unit file changes
   before each run), on this checkout and on COMMIT (default: the commit before the wall), checked
   out in a temporary worktree and run with this checkout's interpreter.

Target (issue 18): the wall's cost per test call and per unit (measure 2) and measure 3 within 1.25x of COMMIT.
Measure 1 is one learner function alone: for a function as short as U01's (~0.1 ms) the round trip is most of it.
Measure 3 runs `kata check` as a learner does: through the warm kata (kata/running/daemon.py) where COMMIT has none;
KATA_DAEMON=0 in the environment measures the cold path on both. A lone unit's tests spread over two children
(kata/running/worker.py's _shards, later than the wall) are kept off, here and in every command it starts
(KATA_SHARDS=1): this measures the wall, not that speed-up. KATA_SHARDS=2 in the environment measures with them.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("KATA_SHARDS", "1")  # read as the worker is imported, and by every command started from here

from kata.judge import testing, wall  # noqa: E402
from kata.learner import impl  # noqa: E402
from kata.running import runner  # noqa: E402
from kata.units import find  # noqa: E402

RUNS = 7
CALLS = 300
BEFORE = "eb5ced5"  # main before the wall landed


def per_call() -> tuple[float, float]:
    """Seconds per call of U01's mechanisms_named, across the wall and in process."""
    testing.set_current(impl.target("solutions"))
    u01 = testing.load_unit("u01_vocabulary")
    text = "We could fine-tune, or use RAG over a vector database; quantised models are cheaper."
    times = {"wall": [], "in process": []}
    for _ in range(RUNS):
        for side in ("wall", "in process"):
            if side == "wall":
                wall.raise_wall()
            else:
                wall.WALL.stop()
            function = u01.mechanisms_named
            function(text)  # the first call loads the module
            started = time.perf_counter()
            for _ in range(CALLS):
                function(text)
            times[side].append((time.perf_counter() - started) / CALLS)
    wall.WALL.stop()
    return statistics.median(times["wall"]), statistics.median(times["in process"])


def per_unit(unit) -> tuple[float, float, float, float]:
    """The warm re-run with the wall and without (KATA_WALL=0), and the tests' own time in each: the same tests, so
    their ratio is the wall's cost per test call alone (the tests written since the wall change both alike)."""
    runner.run([unit], "solutions", use_cache=False)  # prime the parent once
    times, tests = {"1": [], "0": []}, {"1": [], "0": []}
    for _ in range(RUNS):
        for side in ("1", "0"):
            os.environ["KATA_WALL"] = side
            started = time.perf_counter()
            result = runner.run([unit], "solutions", use_cache=False).results[unit.slug]
            times[side].append(time.perf_counter() - started)
            tests[side].append(sum(test.seconds for test in result.tests))
            assert result.status == "done", (unit.code, side, result.status)
    os.environ.pop("KATA_WALL", None)
    return (statistics.median(times["1"]), statistics.median(times["0"]), statistics.median(tests["1"]),
            statistics.median(tests["0"]))


def layout(checkout: Path) -> tuple[str, str]:
    """Where the CLI and the runner live in a checkout: kata/'s layers became folders after the wall (issue 23)."""
    old = ("kata", "cli")  # the flat layout's CLI, spelled in parts so that no rewrite of module names touches it
    return ("kata.commands.cli", "kata.running") if (checkout / "kata" / "commands").is_dir() else (".".join(old), "kata")


WARM_RUNS = """
import importlib, json, statistics, sys, time
sys.path.insert(0, sys.argv[1])
runner = importlib.import_module(sys.argv[3] + ".runner")
from kata.units import find
unit = find(sys.argv[2])
runner.run([unit], "solutions", use_cache=False)  # prime the parent once
times, tests, each = [], [], {}
for _ in range(3):
    started = time.perf_counter()
    result = runner.run([unit], "solutions", use_cache=False).results[unit.slug]
    times.append(time.perf_counter() - started)
    tests.append(sum(test.seconds for test in result.tests))
    for test in result.tests:
        each.setdefault(test.nodeid, []).append(test.seconds)
print(json.dumps(each))
print(statistics.median(tests), statistics.median(times))
"""


def warm_against(unit, before: Path) -> tuple[float, float, float, float, tuple[float, float, int]]:
    """The watch loop's warm re-run, this checkout (with the wall) against COMMIT: a process each, primed, the
    median of 3 re-runs, alternating A B A B (2 of each); and the tests' own time in those re-runs (the sum of each
    test's setup, call and teardown, as pytest times them: what a test call costs, without the run's fixed costs).
    Last, the same sums over the tests both commits hold unchanged (the same node id, the same source of the test's
    function; each test's median): a test written or rewritten since COMMIT has no time before it to compare with."""
    times, tests = {"now": [], "before": []}, {"now": [], "before": []}
    each: dict[str, dict[str, list[float]]] = {"now": {}, "before": {}}
    for _ in range(2):
        for side, checkout in (("now", ROOT), ("before", before)):
            env = {**os.environ, "PYTHONPATH": str(checkout), "KATA_DAEMON": "0"}
            env.pop("KATA_WALL", None)
            done = subprocess.run([sys.executable, "-c", WARM_RUNS, str(checkout), str(unit.number), layout(checkout)[1]], cwd=checkout,
                                  env=env, capture_output=True, text=True, check=True)
            *_, seen, last = done.stdout.strip().splitlines()
            tested, took = map(float, last.split())
            for nodeid, seconds in json.loads(seen).items():
                each[side].setdefault(nodeid, []).extend(seconds)
            times[side].append(took)
            tests[side].append(tested)
    same = unchanged_tests(unit, before)
    both = {n for n in each["now"].keys() & each["before"].keys() if n.split("::")[-1].split("[")[0] in same}
    common = tuple(sum(statistics.median(each[side][n]) for n in both) for side in ("now", "before"))
    return (statistics.median(times["now"]), statistics.median(times["before"]), statistics.median(tests["now"]),
            statistics.median(tests["before"]), (*common, len(both)))


def unchanged_tests(unit, before: Path) -> set[str]:
    """The names of the unit's test functions whose source is the same in this checkout and in COMMIT's."""
    def sources(checkout: Path) -> dict[str, str]:
        text = (checkout / "tests" / f"test_{unit.slug}.py").read_text()
        return {node.name: ast.get_source_segment(text, node) for node in ast.parse(text).body
                if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}
    now, then = sources(ROOT), sources(before)
    return {name for name, source in now.items() if then.get(name) == source}


def check_after_edit(unit, before: Path) -> tuple[float, float]:
    times = {"now": [], "before": []}
    with tempfile.TemporaryDirectory() as scratch:
        trees = {side: Path(scratch) / side for side in times}
        for side, checkout in (("now", ROOT), ("before", before)):
            shutil.copytree(checkout / "solutions", trees[side])
        for run in range(RUNS):
            for side, checkout in (("now", ROOT), ("before", before)):
                unit_file = trees[side] / f"{unit.slug}.py"
                unit_file.write_text(unit_file.read_text() + f"\n# edit {run}\n")  # a real change: no cached result
                env = {**os.environ, "PYTHONPATH": str(checkout), "KATA_CACHE_DIR": str(Path(scratch) / f"cache-{side}")}
                started = time.perf_counter()
                done = subprocess.run([sys.executable, "-m", layout(checkout)[0], "check", str(unit.number), "--impl",
                                       str(trees[side])],
                                      cwd=checkout, env=env, capture_output=True, text=True)
                times[side].append(time.perf_counter() - started)
                assert "is done" in done.stdout, (side, done.stdout[-600:], done.stderr[-600:])
    return statistics.median(times["now"]), statistics.median(times["before"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", default=BEFORE)
    parser.add_argument("--call", action="store_true", help="measure 1 alone: a call, across the wall and in process")
    parser.add_argument("units", nargs="*", default=["1", "5", "9"])
    args = parser.parse_args()
    on, off = per_call()
    print(f"a call of U01's mechanisms_named: {on * 1e3:.3f} ms across the wall, {off * 1e3:.3f} ms in process "
          f"({on / off:.2f}x; load average {os.getloadavg()[0]:.1f})")
    if args.call:
        return
    print("\n| unit | warm re-run, wall | without | ratio | warm re-run, before the wall | ratio "
          "| its tests' own time, wall / without | ratio | its tests' own time, now / before the wall | ratio "
          "| the tests both hold unchanged, now / before the wall | ratio | `kata check` after an edit, now | before the wall | ratio |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as place:
        before = Path(place) / "before"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(before), args.before], check=True)
        try:
            for number in args.units:
                unit = find(number)
                on, off, tests_on, tests_off = per_unit(unit)
                warm_now, warm_then, tests_now, tests_then, (common_now, common_then, common) = warm_against(unit, before)
                now, then = check_after_edit(unit, before)
                print(f"| {unit.code} | {on:.3f} s | {off:.3f} s | {on / off:.2f}x | {warm_then:.3f} s | "
                      f"{warm_now / warm_then:.2f}x (now {warm_now:.3f} s) | {tests_on:.3f} s / {tests_off:.3f} s | "
                      f"{tests_on / tests_off:.2f}x | {tests_now:.3f} s / {tests_then:.3f} s | "
                      f"{tests_now / tests_then:.2f}x | {common_now:.3f} s / {common_then:.3f} s ({common} tests) | "
                      f"{common_now / common_then:.2f}x | {now:.2f} s | {then:.2f} s | {now / then:.2f}x |")
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(before)], check=False)


if __name__ == "__main__":
    main()
