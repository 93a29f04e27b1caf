"""A hostile class: one learner tree per trick, graded in one call, as an instructor grades a class.

Each trick is something a learner who knows pytest and Python better than we do would try, to mark
units done without writing them or to stop the class's grading. Each must end with its unit not done
(or the tree flagged for the instructor), nothing outside its tree changed, no process left behind,
and the class report complete. What is not defended yet is said in docs/teaching.md, not tested here.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from kata.commands import classroom, cli, copies
from kata.running import worker
from kata.units import ROOT, find

pytestmark = pytest.mark.harness

U01, U04, U11, U12 = find(1), find(4), find(11), find(12)
OUTSIDE = "kata-hostile-outside"  # a file a trick tries to write outside its tree, by this name
FORKS = 3000  # forks a unit tries: bounded, so that without a limit it still leaves the machine room to run
LINGER = "613.25"  # seconds a detached `sleep` would run: its command line, found in /proc if it outlived grading


def _stubs(path: Path) -> Path:
    shutil.copytree(ROOT / "exercises", path, ignore=shutil.ignore_patterns("__pycache__"))
    return path


def _solved(path: Path) -> Path:
    shutil.copytree(ROOT / "solutions", path, ignore=shutil.ignore_patterns("__pycache__"))
    return path


FORGE = """
import pytest

@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    report.outcome = "passed"
    if getattr(report, "kata", None):
        report.kata["state"] = "passed"
    return report
"""


def _disguised(code: str) -> str:
    """The reference as a copier hands it in: every argument and local renamed, comments and layout gone."""
    tree = ast.parse(code)
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.arg):
            names.setdefault(node.arg, f"v{len(names)}")
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.setdefault(node.id, f"v{len(names)}")
    for node in ast.walk(tree):
        if isinstance(node, ast.arg) and node.arg in names:
            node.arg = names[node.arg]
        elif isinstance(node, ast.Name) and node.id in names:
            node.id = names[node.id]
    return ast.unparse(tree)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    room, outside = base / "room", base / "outside"
    room.mkdir()
    outside.mkdir()
    marker = lambda name: f"open({str(outside / name)!r}, 'w').write('ran')\n"  # noqa: E731

    _solved(room / "honest")
    # A conftest.py that turns every failure into a pass, in the tree and in a tests/ folder inside it.
    (_stubs(room / "conftest_in_tree") / "conftest.py").write_text(FORGE + marker("conftest"))
    (_stubs(room / "conftest_in_tests") / "tests").mkdir()
    (room / "conftest_in_tests" / "tests" / "conftest.py").write_text(FORGE + marker("tests-conftest"))
    # Files Python runs by themselves elsewhere: sitecustomize, a .pth, an __init__.py, a module shadowing numpy.
    tree = _stubs(room / "startup_files")
    (tree / "sitecustomize.py").write_text(marker("sitecustomize"))
    (tree / "kata.pth").write_text("import os; " + marker("pth"))
    (tree / "__init__.py").write_text(marker("init"))
    (tree / "numpy.py").write_text(marker("numpy"))
    # A unit that kills the process that forked it: its own row crashes, the class goes on.
    tree = _solved(room / "kills_parent")
    (tree / f"{U01.slug}.py").write_text((tree / f"{U01.slug}.py").read_text() +
                                         "\nimport os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n")
    # A unit that leaves a detached process behind.
    tree = _solved(room / "leaves_a_process")
    (tree / f"{U01.slug}.py").write_text((tree / f"{U01.slug}.py").read_text() +
                                         f"\nimport subprocess\nsubprocess.Popen(['sleep', '{LINGER}'], start_new_session=True)\n")
    # A unit that starts processes without end at import (each a `sleep`, so that one left behind is found), then says
    # how many forks the system allowed and whether it could raise its own limit.
    tree = _solved(room / "forks_without_end")
    (tree / f"{U01.slug}.py").write_text((tree / f"{U01.slug}.py").read_text() + f"""
import os
_forked = 0
for _ in range({FORKS}):
    try:
        os.posix_spawnp('sleep', ['sleep', '{LINGER}'], os.environ)
    except OSError:
        break
    _forked += 1
try:
    open('/sys/fs/cgroup/pids/cgroup.procs', 'w').write(str(os.getpid()))
    _raised = 'moved out of its limit'
except OSError:
    _raised = 'could not move out of its limit'
raise RuntimeError(f'forked {{_forked}} processes; {{_raised}}')
""")
    # A unit that writes outside its tree at import: a file beside the class, a .pth in the grader's .venv.
    tree = _solved(room / "writes_outside")
    (tree / f"{U01.slug}.py").write_text((tree / f"{U01.slug}.py").read_text() + f"""
import pathlib, site
for _where in [{str(outside / OUTSIDE)!r}, *(p + '/{OUTSIDE}.pth' for p in site.getsitepackages())]:
    try:
        pathlib.Path(_where).write_text('import os')
    except OSError:
        pass
""")
    # Links: a unit linked to /etc/passwd, one linked to the reference, a repository copy whose exercises/
    # is a link to the instructor's solutions/, and a class member that is itself a link to solutions/.
    tree = _stubs(room / "links")
    (tree / f"{U01.slug}.py").unlink()
    (tree / f"{U01.slug}.py").symlink_to("/etc/passwd")
    (tree / f"{U04.slug}.py").unlink()
    (tree / f"{U04.slug}.py").symlink_to(ROOT / U04.solution)
    copy = room / "linked_copy"
    copy.mkdir()
    (copy / "exercises").symlink_to(ROOT / "solutions")
    (room / "linked_member").symlink_to(ROOT / "solutions")
    # Copies: a unit importing the reference, the reference disguised, and two learners with one U04.
    tree = _stubs(room / "imports_solutions")
    (tree / f"{U04.slug}.py").write_text("from solutions.u04_embeddings import *  # noqa\n")
    tree = _stubs(room / "disguised")
    (tree / f"{U04.slug}.py").write_text(_disguised((ROOT / U04.solution).read_text()))
    for twin in ("twin_a", "twin_b"):
        tree = _stubs(room / twin)
        shutil.copy(ROOT / "tests" / "alternatives" / U04.slug / "blind_loops.py", tree / f"{U04.slug}.py")
    # A repository copy whose tests/ is 1,100 folders deep.
    copy = room / "deep_copy"
    _stubs(copy / "exercises")
    deep = copy / "tests"
    deep.mkdir()
    for _ in range(1100):
        deep = deep / "a"
        deep.mkdir()

    out = {"csv": base / "class.csv", "html": base / "class.html", "json": base / "class.json"}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(worker, "TIME_LIMIT", 5.0)
        code = cli.main(["grade", str(room), "--unit", "1", "--unit", "4", "--csv", str(out["csv"]),
                         "--html", str(out["html"]), "--json", str(out["json"])])
    assert code == 0
    rows = {row["student_id"]: row for row in csv.DictReader(out["csv"].open(encoding="utf-8"))}
    yield {"room": room, "outside": outside, "rows": rows, **out}
    while deep != copy:  # deepest first, without recursion: pytest's own clean-up of old temp folders recurses
        deep.rmdir()
        deep = deep.parent


def _status(hostile, learner: str) -> tuple[str, str]:
    row = hostile["rows"][learner]
    return row["U01 status"], row["U04 status"]


def test_the_class_report_is_complete(hostile):
    names = {p.name for p in hostile["room"].iterdir()}
    assert set(hostile["rows"]) == names
    html = hostile["html"].read_text(encoding="utf-8")
    assert all(f'data-learner="{name}"' in html for name in names)
    assert {learner["name"] for learner in json.loads(hostile["json"].read_text())["learners"]} == names
    assert _status(hostile, "honest") == ("done", "done")


@pytest.mark.parametrize("learner", ["conftest_in_tree", "conftest_in_tests"])
def test_a_conftest_in_the_tree_never_runs(hostile, learner):
    assert _status(hostile, learner) == ("not started", "not started")
    assert not list(hostile["outside"].glob("*conftest"))
    assert "never imported or run" in hostile["rows"][learner]["flags"] or learner == "conftest_in_tests"
    assert "tests/ is in the tree" in hostile["rows"]["conftest_in_tests"]["flags"]


def test_startup_files_in_the_tree_never_run_and_are_flagged(hostile):
    assert _status(hostile, "startup_files") == ("not started", "not started")
    assert sorted(p.name for p in hostile["outside"].iterdir() if p.name in ("sitecustomize", "pth", "init", "numpy")) == []
    flags = hostile["rows"]["startup_files"]["flags"]
    for name in ("sitecustomize.py", "kata.pth", "__init__.py", "numpy.py"):
        assert f"{name} is in the tree: never imported or run" in flags


def test_code_that_kills_its_parent_ends_only_its_own_row(hostile):
    assert _status(hostile, "kills_parent")[0] == "crashed"
    assert _status(hostile, "honest") == ("done", "done")  # graded in the same call, after or beside it


def _sandboxed(hostile, learner: str) -> None:
    note = next((line for line in hostile["rows"][learner]["flags"].split("; ") if "not sandboxed" in line), "")
    if note:
        pytest.skip(f"{learner}: {note.lstrip('⚠ ')}")


def test_no_process_outlives_the_grading(hostile):
    assert _status(hostile, "leaves_a_process") == ("done", "done")
    lingering = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if LINGER.encode() in cmdline.read_bytes():
                lingering.append(cmdline.parent.name)
        except OSError:
            pass
    assert not lingering, f"processes left by learner code: {lingering}"


def test_a_fork_bomb_stops_at_the_process_limit_and_ends_only_its_own_row(hostile):
    """A unit that forks without end gets at most sandbox.PROCESS_LIMIT tasks (its pids cgroup, which /sys, read-only
    in the sandbox, keeps it from leaving), never the machine's pid_max; its row is broken, the class goes on,
    and test_no_process_outlives_the_grading finds none of its `sleep`s left."""
    _sandboxed(hostile, "forks_without_end")
    from kata.learner import sandbox

    probe = sandbox.PIDS_CGROUP / f"kata-probe-{os.getpid()}"
    try:  # the grader's own rights to a pids cgroup: without them, only the PID namespace and the time limit hold
        probe.mkdir()
        probe.rmdir()
    except OSError as error:
        pytest.skip(f"no pids cgroup can be made here ({error.strerror or error}): only the PID namespace and the "
                    f"time limit end a fork bomb")
    assert _status(hostile, "forks_without_end")[0] == "broken"
    said = re.search(r"forked (\d+) processes; ([\w ]+)", hostile["html"].read_text(encoding="utf-8"))
    assert said, "the unit's own words did not reach the report"
    assert int(said[1]) < sandbox.PROCESS_LIMIT < FORKS and said[2] == "could not move out of its limit", said[0]
    assert _status(hostile, "honest") == ("done", "done")


def test_nothing_is_written_outside_a_tree(hostile):
    _sandboxed(hostile, "writes_outside")
    import site

    assert _status(hostile, "writes_outside") == ("done", "done")
    assert not (hostile["outside"] / OUTSIDE).exists()
    assert not [p for p in site.getsitepackages() if Path(p, f"{OUTSIDE}.pth").exists()]


def test_the_class_was_graded_in_a_sandbox_here(hostile):
    """This machine and CI have user namespaces: there the sandbox must hold (kata/learner/sandbox.py)."""
    if not Path("/proc/self/ns/user").exists():
        pytest.skip("no user namespaces on this system")
    assert not [name for name, row in hostile["rows"].items() if "not sandboxed" in row["flags"]]


def test_links_are_never_followed_out_of_a_tree(hostile):
    rows = hostile["rows"]
    assert _status(hostile, "links") == ("broken", "broken")
    assert "root:" not in hostile["csv"].read_text() + hostile["html"].read_text() + hostile["json"].read_text()
    assert "u01_vocabulary.py is a link out of the tree" in rows["links"]["flags"]
    assert rows["linked_copy"]["U04 status"] == "not graded" and "refused" in rows["linked_copy"]["flags"]
    assert rows["linked_member"]["U04 status"] == "not graded" and "refused" in rows["linked_member"]["flags"]


def test_a_unit_that_imports_the_reference_is_flagged(hostile):
    assert "u04_embeddings.py reaches for the instructor's code: solutions" in hostile["rows"]["imports_solutions"]["flags"]


def test_the_reference_disguised_is_flagged(hostile):
    assert "U04: 100% like the reference solution" in hostile["rows"]["disguised"]["flags"]


def test_two_learners_with_one_unit_are_flagged_as_a_pair(hostile):
    assert "U04: 100% like twin_b's" in hostile["rows"]["twin_a"]["flags"]
    assert "U04: 100% like twin_a's" in hostile["rows"]["twin_b"]["flags"]
    assert "twin" not in hostile["rows"]["honest"]["flags"]


def test_a_copy_too_deep_to_walk_is_graded_and_flagged(hostile):
    row = hostile["rows"]["deep_copy"]
    assert _status(hostile, "deep_copy") == ("not started", "not started")
    assert "deeper than" in row["flags"]


def test_no_correct_alternative_is_flagged_as_a_copy_of_the_reference():
    """The threshold's own check, on the set it was set on (tests/alternatives/): docs/teaching.md reports
    its false flags on a blind set too."""
    for path in sorted((ROOT / "tests" / "alternatives").glob("u*/*.py")):
        slug = path.parent.name
        score = copies.similarity((ROOT / "solutions" / f"{slug}.py").read_text(), path.read_text())
        assert score < copies.THRESHOLD, f"{path.relative_to(ROOT)} scores {score:.2f} against the reference"


# --- tricks on the grader's own reading of a tree (no grading needed to show most of them) ------

DEEP = "_TOTAL = " + "+".join(["1"] * 100_000) + "\n"  # valid Python, one line: ast.parse raises RecursionError
NEGATED = "_ONE = " + "-" * 200_000 + "1\n"  # valid Python: ast.parse raises MemoryError (the parser's own stack)
PADDING = "_PAD = " + "+".join(["1"] * 600) + "\n"  # parses, but a recursive walk of it passes Python's recursion limit


def test_code_nested_too_deeply_to_read_is_its_trees_flag_and_the_class_is_graded(tmp_path):
    """A unit the grader's checks cannot parse or walk (RecursionError, MemoryError) is its tree's flag, with the
    reason, and the class is graded, its files written (before: the class stopped before grading any tree, no CSV, no
    HTML). The reference with a line too deep for the copy measure is flagged so too (before: silently not a copy)."""
    room = tmp_path / "room"
    _stubs(room / "alice")
    deep = _stubs(room / "deep")
    (deep / f"{U12.slug}.py").write_text((deep / f"{U12.slug}.py").read_text() + DEEP)
    (deep / f"{U11.slug}.py").write_text((deep / f"{U11.slug}.py").read_text() + NEGATED)
    padded = _stubs(room / "padded")
    (padded / f"{U01.slug}.py").write_text((ROOT / U01.solution).read_text() + PADDING)
    out = {"csv": tmp_path / "class.csv", "html": tmp_path / "class.html"}
    assert cli.main(["grade", str(room), "--unit", "1", "--csv", str(out["csv"]), "--html", str(out["html"])]) == 0
    rows = {row["student_id"]: row for row in csv.DictReader(out["csv"].open(encoding="utf-8"))}
    assert {name: row["U01 status"] for name, row in rows.items()} == {"alice": "not started", "deep": "not started",
                                                                       "padded": "done"}
    for unit in (U11, U12):
        assert f"{unit.slug}.py: its code could not be read for the checks: nested too deeply" in rows["deep"]["flags"]
    assert "U01: its code could not be read for the copy checks: nested too deeply" in rows["padded"]["flags"]
    assert rows["alice"]["flags"] == "" and 'data-learner="deep"' in out["html"].read_text(encoding="utf-8")


def test_a_check_that_fails_on_one_tree_is_that_trees_flag_and_the_others_are_checked(monkeypatch, tmp_path):
    """Whatever a check of a tree raises (its files, its copy of the instructor's, its units against the reference and
    the class), it is that tree's flag with the reason, and every other tree is checked as usual."""
    room = tmp_path / "room"
    for name in ("alice", "bob"):
        _stubs(room / name)
    (room / "bob" / "helper.py").write_text("HELP = 1\n")
    real_flags, real_like = classroom.tree_flags, copies.like_the_reference

    def fails_on_alice(real):
        def check(tree, *args):
            if tree.name == "alice":
                raise RuntimeError("a check's own fault")
            return real(tree, *args)
        return check

    monkeypatch.setattr(classroom, "tree_flags", fails_on_alice(real_flags))
    monkeypatch.setattr(copies, "like_the_reference", fails_on_alice(real_like))
    monkeypatch.setattr(copies, "alike_pairs", lambda trees, units: 1 / 0)
    learners = {learner.name: learner for learner in classroom.find_learners([room])}
    classroom.flag_copies(list(learners.values()), [U01])
    assert learners["alice"].flags == [
        "its files could not be checked (RuntimeError: a check's own fault): look at it by hand",
        "its units against the reference could not be checked (RuntimeError: a check's own fault): look at it by hand",
        "its units against the class's could not be checked (ZeroDivisionError: division by zero): look at it by hand"]
    assert learners["bob"].flags == [
        "helper.py is in the tree: never imported or run by the kata",
        "its units against the class's could not be checked (ZeroDivisionError: division by zero): look at it by hand"]
    assert learners["alice"].tree is not None and learners["bob"].tree is not None  # both graded all the same


# The red team's folder name: up over the real row, a fake one and a fake total, then the rest hidden (SGR 8).
REWRITES = "\r\x1b[1A\x1b[2KU01   done         102\u2215102     1\u22151  \n\x1b[2K1 of 1 graded units done\x1b[8m"
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")  # what a terminal obeys (newline aside)


def test_learner_text_reaches_the_terminal_with_its_control_characters_escaped(tmp_path, capsys):
    """A name in a tree, the flag that quotes it, a learner's name and reason in the class table: each control character
    (C0, ESC, DEL, C1, bidi overrides) is printed written out (\\x1b), so no learner text rewrites the grade table on
    the instructor's terminal (before: a folder named so moved up over the real row and printed a fake 'done')."""
    tree = _stubs(tmp_path / "exercises")
    (tree / REWRITES).mkdir()
    assert cli.main(["grade", str(tree), "--unit", "1"]) == 0
    out = capsys.readouterr().out
    assert not CONTROL.search(out), repr(out)
    assert "U01   not started" in out and "\n0 of 1 graded units done\n" in out
    assert "\\x0d\\x1b[1A\\x1b[2KU01   done" in out and "\\x0a\\x1b[2K1 of 1 graded units done\\x1b[8m/ is in the tree" in out
    named = classroom.Learner("\u202eenod\x9b2J", tmp_path, None, problem=f"refused: a link to {tmp_path}/\x1b[2J\x7f")
    lines = classroom.summary_lines([named], [U01])
    assert not CONTROL.search("\n".join(lines)) and "\\u202eenod\\x9b2J" in lines[1] and "\\x1b[2J\\x7f" in lines[1]


def test_learner_text_is_never_a_formula_in_the_class_csv_nor_markup_in_the_html(tmp_path):
    """A CSV cell of learner text (a name, a reason) that starts with = + - @, a tab or a carriage return is a formula
    to a spreadsheet: it is started with a quote, OWASP's way, and its control characters written out; the numbers
    the grader writes stay numbers. The HTML escapes the same text (before: a folder named =HYPERLINK(...) was a
    live formula in class.csv)."""
    names = {'=HYPERLINK("http:\\\\evil.example","git_ref")': '\'=HYPERLINK("http:\\\\evil.example","git_ref")',
             "+1": "'+1", "-1+1": "'-1+1", "@SUM(A1)": "'@SUM(A1)", "\tcmd": "'\\x09cmd", "\rcmd": "'\\x0dcmd",
             "alice": "alice", "o'hara": "o'hara", "<img src=x onerror=alert(1)>": "<img src=x onerror=alert(1)>"}
    learners = [classroom.Learner(name, tmp_path, tmp_path) for name in names]
    learners.append(classroom.Learner("bob", tmp_path, None, problem="=1+1 is what a reason could start with",
                                      notes=["Your code deleted \x1b[8mu01.py while the tests ran"]))
    rows = list(csv.DictReader(io.StringIO(classroom.csv_text(learners, [U01]))))
    assert [row["student_id"] for row in rows] == [*names.values(), "bob"]
    assert [(row["score"], row["max_score"], row["U01"]) for row in rows[:-1]] == [("0", "1", "0")] * len(names)
    assert rows[-1]["flags"] == "'=1+1 is what a reason could start with"
    page = classroom.html_page(learners, [U01])
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "\x1b" not in page and "deleted \\x1b[8mu01.py" in page
    assert '<td class="learner">\\x09cmd</td>' in page and 'HYPERLINK(&quot;http:\\\\evil.example&quot;' in page
