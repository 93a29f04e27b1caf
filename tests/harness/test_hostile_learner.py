"""Learner code is untrusted input: whatever it does, the kata reports it in words and loses nothing.

Each scenario is a copy of solutions/ whose U01 `mechanisms_named` first does something a learner's
code really does (prints, loops, exits, crashes, deletes a file...), then works as before. The runs go
through the same runner and worker as `kata check`, with a short time limit.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kata.commands import cli
from kata.judge import reach
from kata.running import runner, worker
from kata import stubs
from kata.judge.report import NOT_RUN
from kata.units import ROOT, find

pytestmark = pytest.mark.harness

U01 = find(1)
LIMIT = 3.0  # seconds a test, for the runs that loop on purpose; the others keep the kata's own limit, so load never flips them


def tree_where_u01_first(tmp_path: Path, code: str) -> Path:
    """A copy of solutions/ whose `mechanisms_named` runs `code` before doing its job."""
    tree = tmp_path / "exercises"
    shutil.copytree(ROOT / "solutions", tree, ignore=shutil.ignore_patterns("__pycache__"))
    path = tree / f"{U01.slug}.py"
    body = "".join(f"    {line}\n" for line in code.strip().splitlines())
    path.write_text(path.read_text() + f"\n\n_written = mechanisms_named\n\n\ndef mechanisms_named(text):\n{body}"
                    "    return _written(text)\n")
    return tree


def run_u01(tree: Path, time_limit: float | None = None):  # the kata's own limit: a failing property test stops shrinking within it (kata/judge/child.py)
    outcome = runner.run([U01], str(tree), use_cache=False, time_limit=time_limit)
    return outcome.results[U01.slug], outcome.notes


def messages(result) -> str:
    return "\n".join([result.ended] + [t.message + t.output for t in result.tests])


def test_a_print_shows_under_the_failing_test_and_crashes_nothing(tmp_path):
    tree = tree_where_u01_first(tmp_path, "print('debugging', text)\nraise ValueError('half-written')")
    result, _ = run_u01(tree)
    failing = result.first_failure
    assert result.status == "in progress" and "half-written" in failing.message
    assert failing.output.startswith("debugging ")


def test_logging_and_a_stub_behind_a_print_are_reported_in_words(tmp_path):
    tree = tmp_path / "exercises"
    shutil.copytree(ROOT / "exercises", tree)
    stub = stubs.stub_for(U01)
    (tree / f"{U01.slug}.py").write_text(stub.replace(
        "    raise NotImplementedError", "    import logging; logging.warning('looking at %s', text)\n    print('debugging', 42)\n"
        "    raise NotImplementedError", 1))
    proc = subprocess.run([sys.executable, "-m", "kata.commands.cli", "check", "1", "--impl", str(tree)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1 and "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    assert "is not written yet" in proc.stdout and "| debugging 42" in proc.stdout and "looking at" in proc.stdout


def test_ten_megabytes_of_print_are_cut_with_a_note(tmp_path):
    tree = tree_where_u01_first(tmp_path, "print('y' * 10_000_000)\nraise ValueError('after the print')")
    result, _ = run_u01(tree)
    output = result.first_failure.output
    assert len(output) < 2000 and "printed 10,000,001 characters" in output  # cut where it was printed, the true total named


def test_an_endless_loop_times_out_naming_the_test_and_the_function(tmp_path):
    tree = tree_where_u01_first(tmp_path, "while True:\n    pass")
    started = time.monotonic()
    result, _ = run_u01(tree, LIMIT)
    assert time.monotonic() - started < LIMIT + worker.GRACE + 30
    assert result.status == "timed out"
    stopped = next(t for t in result.tests if t.state == "timeout")
    assert "mechanisms_named" in stopped.message and f"{U01.slug}.py:" in stopped.message
    # The tests that run the loop again are not run; the others do run (kata/judge/reach.py reads what each one calls).
    looping = [t for t in result.tests if "U01.mechanisms_named" in reach.reaches(ROOT / U01.test_file, t.name.split("[")[0])]
    assert all(t.state in ("timeout", NOT_RUN) for t in looping if t is not stopped)
    assert any(t.state != NOT_RUN for t in result.tests if t not in looping), "a test that never calls the loop ran"


def test_a_loop_that_swallows_the_stop_is_killed_and_reported(tmp_path):
    tree = tree_where_u01_first(tmp_path, "while True:\n    try:\n        sum(range(1000))\n    except BaseException:\n        pass")
    result, _ = run_u01(tree, LIMIT)
    # The stop lands in the judge's process, not in the loop (kata/judge/wall.py): the learner's process is killed.
    stopped = next(t for t in result.tests if t.state == "timeout")
    assert result.status == "timed out" and "mechanisms_named" in stopped.message


def test_deep_recursion_is_a_failure_not_a_crash(tmp_path):
    tree = tree_where_u01_first(tmp_path, "def down(n):\n    return down(n + 1)\ndown(0)")
    result, _ = run_u01(tree)
    assert result.status == "in progress" and "RecursionError" in messages(result)


def test_slow_calls_in_a_failing_property_test_end_in_its_failure_not_a_timeout(tmp_path):
    """Each call recursing to the limit is slow (~20 ms here), so shrinking a failing property test's example takes
    seconds. With a 4 s limit a test (a machine ~2.5x slower than this one at the kata's 10 s), shrinking stops at
    kata/judge/child.py's share of the limit: the unit is in progress with its RecursionError, never 'timed out'
    (before: five property tests timed out, blaming a loop that was not there)."""
    tree = tree_where_u01_first(tmp_path, "def down(n):\n    return down(n + 1)\ndown(0)")
    result, _ = run_u01(tree, 4.0)
    assert result.status == "in progress" and not [t.name for t in result.tests if t.state == "timeout"]
    assert "RecursionError" in messages(result)


def test_input_in_code_under_test_is_said_in_words(tmp_path):
    """input() meets the end of its input (nobody types while the tests run): a failure with the line, and a hint
    that a function under test gets its values as arguments, never a hang."""
    tree = tree_where_u01_first(tmp_path, "name = input('which mechanism? ')")
    result, _ = run_u01(tree)
    failing = result.first_failure
    assert result.status == "in progress" and "EOFError" in failing.message, failing.message
    assert "| name = input('which mechanism? ')" in failing.message and "nobody types while the tests run" in failing.message


@pytest.mark.parametrize(("line", "said"), [
    ("import pandas as pd", "'pandas' is not installed here"),  # a package the kata does not hold
    ("from .u00_vocabularly import GLOSSARY", "is the name spelled as in the earlier unit?"),  # a unit misspelled
])
def test_an_import_that_fails_says_whether_the_package_is_missing_or_the_name_misspelled(tmp_path, line, said):
    """A learner's habit, `import pandas`, breaks the unit with a message that says the package is not installed
    (and a grader's copy has it no more), where it asked whether the name was spelled as in the earlier unit."""
    tree = tree_where_u01_first(tmp_path, "return set()")
    path = tree / f"{U01.slug}.py"
    path.write_text(f"{path.read_text()}\n{line}\n")
    result, _ = run_u01(tree)
    message = result.first_failure.message
    assert result.status == "broken" and said in message and f"{U01.slug}.py:" in message, message


def test_a_tree_without_the_earlier_unit_a_unit_builds_on_says_which_file_to_put_beside_it(tmp_path):
    """U05 imports the learner's U04 from its own folder: a tree handed in with U05 alone is broken with the file it
    lacks named, where it said "No module named 'kata_graded_….u04_embeddings'" and asked about spelling."""
    u05, tree = find(5), tmp_path / "exercises"
    tree.mkdir()
    shutil.copy(ROOT / "solutions" / f"{u05.slug}.py", tree)
    result = runner.run([u05], str(tree), use_cache=False).results[u05.slug]
    message = result.first_failure.message
    assert result.status == "broken" and "holds no u04_embeddings.py" in message and "kata_graded" not in message, message


def test_a_file_written_where_the_sandbox_shows_read_only_is_said_in_words(tmp_path):
    """A debug file written beside the code (a learner's habit) meets the sandbox's read-only view: a failure with the
    line, and a hint naming the temp folder it may write to and what a function under test does instead."""
    tree = tree_where_u01_first(tmp_path, "open('debug.txt', 'a').write(text)")
    result, _ = run_u01(tree)
    if result.sandbox:  # (a system with no sandbox lets the file be written)
        pytest.skip(result.sandbox)
    failing = result.first_failure
    assert result.status == "in progress" and "Read-only file system" in failing.message, failing.message
    assert "| open('debug.txt', 'a').write(text)" in failing.message and "tempfile.gettempdir()" in failing.message
    assert not (tree / "debug.txt").exists() and not (tree / "exercises" / "debug.txt").exists()


@pytest.mark.parametrize("call", ["breakpoint()", "import pdb; pdb.set_trace()"])
def test_a_debugger_in_code_under_test_is_said_in_words_and_never_times_out(tmp_path, call):
    """breakpoint() or pdb.set_trace() left in a function: nobody is at the prompt while the tests run, so the call
    ends in BdbQuit, with a hint that says how to step through the function by hand. Never a timeout: pdb's tracing
    outlived each call (breakpoint() now quits before it starts), and each rebuilt BdbQuit was a class of its own, which
    hypothesis took for a new bug to shrink, each time (test_a_learners_own_error_raised_again_is_of_the_same_class)."""
    tree = tree_where_u01_first(tmp_path, f"{call}\nreturn set()")
    result, _ = run_u01(tree)
    failing = result.first_failure
    assert result.status == "in progress" and "BdbQuit" in failing.message, failing.message
    assert "nobody is at it while the tests run" in failing.message and "uv run python -i -c" in failing.message
    assert not [t.name for t in result.tests if t.state == "timeout"]


def test_a_session_that_ends_before_reporting_every_test_gives_no_pass_for_the_rest():
    """A session that says "done" (pytest's exit code 0) before reporting every test it collected, as pytest's `Exit`
    raised inside a test would make it, is a crash from its first unreported test on: that test crashed, the rest not
    run, the unit never "done" on the tests that did report (a red team's forged `Exit`: U01 "done 1/1")."""
    from types import SimpleNamespace

    from kata.judge.report import TestResult

    ids = [f"tests/{U01.test_file.split('/')[-1]}::test_{n}" for n in range(3)]
    child = SimpleNamespace(tests=[TestResult(ids[0], U01.slug, "verify", "passed")], collected=dict.fromkeys(ids, "verify"),
                            ended="done", running="", points={}, job=SimpleNamespace(units=[U01]),
                            splitter=SimpleNamespace(current=SimpleNamespace(total=0)))
    worker._unreported(child)
    assert child.ended != "done" and child.running == ids[1]
    how, reason = worker._why_it_ended(child, "exited with code 0", False, False, 10.0)
    slug, _, rest = worker._finish(child, how, reason)
    assert slug == U01.slug and not rest
    assert [t.state for t in child.tests] == ["passed", "crashed", NOT_RUN] and "a crash is never a pass" in reason


def test_sys_exit_at_import_marks_the_unit_broken(tmp_path):
    tree = tree_where_u01_first(tmp_path, "return set()")
    path = tree / f"{U01.slug}.py"
    path.write_text(path.read_text() + "\nimport sys\nsys.exit('bye')\n")
    result, _ = run_u01(tree)
    assert result.status == "broken" and "sys.exit('bye')" in result.broken.message


def test_sys_exit_in_a_function_fails_that_test_and_the_rest_still_run(tmp_path):
    result, _ = run_u01(tree_where_u01_first(tmp_path, "import sys\nsys.exit(3)"))
    assert result.status == "in progress" and "sys.exit(3)" in result.first_failure.message
    assert len(result.tests) > 10


@pytest.mark.parametrize("how", ["import os\nos._exit(0)", "import ctypes\nctypes.string_at(0)"], ids=["os_exit", "segfault"])
def test_a_process_that_dies_is_crashed_never_passed(tmp_path, how):
    result, _ = run_u01(tree_where_u01_first(tmp_path, how))
    assert result.status == "crashed" and "A crash is never a pass" in result.ended
    # The learner's process ended, not the judge's (kata/judge/wall.py): each call that ended it is a crash, named
    # by how it ended, and the next call starts a new process.
    crashed = [t for t in result.tests if t.state == "crashed"]
    assert crashed and all(("exited with code 0" if "exit" in how else "SIGSEGV") in t.message for t in crashed)


def test_grade_writes_its_reports_with_a_crashed_unit_marked(tmp_path):
    tree = tree_where_u01_first(tmp_path, "import os\nos._exit(0)")
    out, xml = tmp_path / "grade.json", tmp_path / "grade.xml"
    assert cli.main(["grade", str(tree), "--json", str(out), "--junit-xml", str(xml)]) == 0
    rows = {row["slug"]: row for row in json.loads(out.read_text())["units"]}
    assert rows[U01.slug]["status"] == "crashed" and rows["u08_fine_tuning_intuition"]["status"] == "done"
    assert 'status="crashed"' in xml.read_text()


def test_a_keyboard_interrupt_raised_by_learner_code_is_a_failed_test(tmp_path):
    result, _ = run_u01(tree_where_u01_first(tmp_path, "raise KeyboardInterrupt"))
    assert result.status == "in progress" and "raised KeyboardInterrupt" in result.first_failure.message
    assert len(result.tests) > 10


@pytest.mark.parametrize("sandbox", ["1", "0"], ids=["sandboxed", "unsandboxed"])
def test_a_file_deleted_by_learner_code_is_put_back(tmp_path, monkeypatch, sandbox):
    """In the sandbox the tree is read-only and the deletion fails; without one, the kata puts the file back."""
    monkeypatch.setenv("KATA_SANDBOX", sandbox)
    tree = tree_where_u01_first(tmp_path, "import pathlib\npathlib.Path(__file__).with_name('u02_training_vs_inference.py').unlink(missing_ok=True)")
    before = (tree / "u02_training_vs_inference.py").read_text()
    result, notes = run_u01(tree)
    assert (tree / "u02_training_vs_inference.py").read_text() == before
    if result.sandbox:  # no sandbox here (KATA_SANDBOX=0, or the system has none)
        assert any("deleted" in note and "u02_training_vs_inference.py" in note for note in notes)
    else:
        assert "Read-only file system" in messages(result) and not notes


def test_the_spawn_path_gives_the_same_verdicts_as_fork(tmp_path, monkeypatch):
    tree = tree_where_u01_first(tmp_path, "print('spawned')\nraise ValueError('half-written')")
    forked, _ = run_u01(tree)
    monkeypatch.setenv("KATA_WORKER", "spawn")
    spawned, _ = run_u01(tree)
    assert [(t.nodeid, t.state) for t in spawned.tests] == [(t.nodeid, t.state) for t in forked.tests]
    assert spawned.first_failure.output.startswith("spawned")


def test_ctrl_c_stops_cleanly_while_learner_code_loops(tmp_path):
    # Its own text: the endless-loop test's result for "while True: pass" may be in the cache, and a
    # cached verdict comes back before any Ctrl-C could be pressed.
    tree = tree_where_u01_first(tmp_path, "while True:\n    pass  # until Ctrl-C")
    proc = subprocess.Popen([sys.executable, "-m", "kata.commands.cli", "check", "1", "--impl", str(tree)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_as_from_a_terminal)
    _wait_for_a_child(proc.pid)
    time.sleep(3)  # and is inside the loop by now
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Stopped." in err and "Traceback" not in out + err, (proc.returncode, out, err)


def _as_from_a_terminal() -> None:
    """Ctrl-C as a learner's shell delivers it: `kata verify` runs this test in a worker child that
    ignores SIGINT (its parent handles Ctrl-C), and an ignored signal is inherited across exec."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wait_for_a_child(pid: int, timeout: float = 60.0) -> None:
    """Wait until `pid` has forked (the worker's child, which runs the tests): on a loaded machine a
    fixed sleep sent Ctrl-C while the kata was still importing. Without /proc, wait a fixed 6 s."""
    if not Path("/proc/self/task").is_dir():
        time.sleep(6)
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if any((task / "children").read_text().split() for task in Path(f"/proc/{pid}/task").iterdir()):
                return
        except OSError:
            pass  # a task ended while being read: look again
        time.sleep(0.2)


def test_two_resets_in_a_row_keep_both_backups(tmp_path):
    tree = tmp_path / "exercises"
    tree.mkdir()
    (tree / f"{U01.slug}.py").write_text("# my work\n")
    first = cli.reset_unit(U01, tree, tmp_path / "backups")
    second = cli.reset_unit(U01, tree, tmp_path / "backups")  # the file is the stub now: nothing to back up
    (tree / f"{U01.slug}.py").write_text("# more work\n")
    third = cli.reset_unit(U01, tree, tmp_path / "backups")
    assert second is None and first != third
    assert first.read_text() == "# my work\n" and third.read_text() == "# more work\n"
