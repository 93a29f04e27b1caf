"""A class, not one learner: the GitHub Classroom workflow, and `kata grade` over many trees.

The class below is built to try every defence docs/teaching.md claims: a learner who edits a test in their
repository copy (ignored, and flagged), one who commits fake report files (ignored), one whose code
exits mid-run (crashed, the rest graded), one whose code loops (timed out, the rest graded). The HTML
report is opened in a real headless browser (Chromium), whose rendered DOM must hold the right cells.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shlex
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from kata.commands import classroom, cli
from kata.running import keeper, worker
from kata.units import ROOT, UNITS, find

pytestmark = pytest.mark.harness

WORKFLOW = ROOT / ".github" / "workflows" / "classroom.yml"
CHROMIUM = next((p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser", shutil.which("chromium") or "")
                 if p and Path(p).is_file()), None)
U01, U02 = find(1), find(2)


# --- the GitHub Classroom workflow --------------------------------------------------------------

def _workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def _graders() -> list[dict]:
    steps = _workflow()["jobs"]["run-autograding-tests"]["steps"]
    return [s for s in steps if str(s.get("uses", "")).startswith("classroom-resources/autograding-command-grader@")]


def _kata_argv(command: str) -> list[str]:
    argv = shlex.split(command)
    assert argv[:3] == ["uv", "run", "--locked"] and argv[3] == "kata", command
    return argv[4:]


def test_the_workflow_has_the_shape_github_classroom_reads():
    flow = _workflow()
    assert flow["name"] == "Autograding Tests"  # the reporter uploads scores only under this name
    assert list(flow["jobs"]) == ["run-autograding-tests"]  # and only from this one job
    assert "push" in flow["on"]
    steps = flow["jobs"]["run-autograding-tests"]["steps"]
    reporter = steps[-1]
    assert reporter["uses"].startswith("classroom-resources/autograding-grading-reporter@")
    ids = reporter["with"]["runners"].split(",")
    assert ids == [s["id"] for s in _graders()]
    for runner in ids:
        assert reporter["env"][f"{runner.upper()}_RESULTS"] == f"${{{{steps.{runner}.outputs.result}}}}"


def test_each_playable_unit_is_one_graded_test_worth_one_point():
    graders = _graders()
    playable = [u for u in UNITS if u.ready]
    assert [g["with"]["test-name"] for g in graders] == [f"{u.code} {u.title}" for u in playable]
    for unit, grader in zip(playable, graders):
        assert grader["with"]["max-score"] == 1
        argv = _kata_argv(grader["with"]["command"])
        args = cli.build_parser().parse_args(argv)  # the command exists, with these options
        assert args.func is cli.cmd_grade and args.paths == ["exercises"]
        assert [find(u) for u in args.unit] == [unit] and args.require == "done"


def test_every_kata_command_in_the_workflow_parses():
    for step in _workflow()["jobs"]["run-autograding-tests"]["steps"]:
        for command in [step.get("run", ""), step.get("with", {}).get("command", "")]:
            for line in filter(None, map(str.strip, command.splitlines())):
                if " kata " in f" {line} ":
                    cli.build_parser().parse_args(_kata_argv(line))


def test_require_done_exits_non_zero_unless_the_unit_is_done(capsys):
    assert cli.main(["grade", str(ROOT / "solutions"), "--unit", "1", "--require", "done"]) == 0
    assert cli.main(["grade", str(ROOT / "exercises"), "--unit", "1", "--require", "done"]) == 1
    out = capsys.readouterr().out
    assert "U01   done" in out and "U01   not started" in out and "stretch" in out  # stretch reported, not scored


# --- a class built to try the defences ----------------------------------------------------------

def _repo_copy(at: Path, exercises_from: Path) -> Path:
    """A learner's repository as GitHub Classroom makes it: the instructor's protected files and their exercises."""
    at.mkdir(parents=True)
    for rel in classroom.PROTECTED:
        source = ROOT / rel
        if source.is_dir():
            shutil.copytree(source, at / rel, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif source.is_file():
            shutil.copy2(source, at / rel)
    shutil.copytree(exercises_from, at / "exercises", ignore=shutil.ignore_patterns("__pycache__"))
    return at


def _patched(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    base = tmp_path_factory.mktemp("class")
    room = base / "room"
    room.mkdir()
    shutil.copytree(ROOT / "solutions", room / "ada")  # a solved exercises/ folder
    shutil.copytree(ROOT / "exercises", room / "bo")  # a fresh one
    _repo_copy(room / "cy", ROOT / "solutions")  # a solved repository copy, nothing edited
    # An exit mid-run: U01's detector ends the process; U02 is graded all the same.
    shutil.copytree(ROOT / "solutions", room / "di")
    _patched(room / "di" / f"{U01.slug}.py", "def mechanisms_named(text: str) -> set[str]:\n",
             "def mechanisms_named(text: str) -> set[str]:\n    import os\n    os._exit(0)\n")
    # An endless loop, once: U02 is timed out, U01 done.
    shutil.copytree(ROOT / "solutions", room / "ed")
    _patched(room / "ed" / f"{U02.slug}.py", "def my_stack() -> list[Row]:\n",
             "_LOOPED = []\n\n\ndef my_stack() -> list[Row]:\n    if not _LOOPED:\n        _LOOPED.append(1)\n"
             "        while True:\n            pass\n")
    # An edited test file in the learner's copy: every U01 test there passes, and the stub is graded all the same.
    fay = _repo_copy(room / "fay", ROOT / "exercises")
    (fay / U01.test_file).write_text("def test_everything_passes():\n    assert True\n")
    (fay / "kata" / "judge" / "report.py").write_text((fay / "kata" / "judge" / "report.py").read_text() + "\n# a learner was here\n")
    # Fake report files, everywhere a learner might hope the grader reads one.
    gus = _repo_copy(room / "gus", ROOT / "exercises")
    fake = {"units": [{"unit": u.code, "slug": u.slug, "status": "done", "verify_passed": 9, "verify_total": 9}
                      for u in UNITS]}
    for where in (gus / "grade.json", gus / "exercises" / "grade.json", gus / ".kata" / "grade.json",
                  gus / ".kata" / "cache" / "u01_vocabulary.json"):
        where.parent.mkdir(parents=True, exist_ok=True)
        where.write_text(json.dumps(fake))
    (gus / "report.xml").write_text('<testsuite name="kata" tests="1" failures="0"><testcase name="u01"/></testsuite>')
    (gus / "class.csv").write_text("student_id,score\ngus,12\n")
    out = {"csv": base / "class.csv", "html": base / "class.html", "json": base / "class.json"}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(worker, "TIME_LIMIT", 3.0)
        code = cli.main(["grade", str(room), "--unit", "1", "--unit", "2", "--csv", str(out["csv"]),
                         "--html", str(out["html"]), "--json", str(out["json"])])
    assert code == 0
    rows = {row["student_id"]: row for row in csv.DictReader(out["csv"].open(encoding="utf-8"))}
    return {"room": room, "rows": rows, **out}


EXPECTED = {  # learner: (U01, U02)
    "ada": ("done", "done"),
    "bo": ("not started", "not started"),
    "cy": ("done", "done"),
    "di": ("crashed", "done"),
    "ed": ("done", "timed out"),
    "fay": ("not started", "not started"),
    "gus": ("not started", "not started"),
}


def test_the_csv_has_one_row_per_learner_and_one_column_per_unit(klass):
    rows = klass["rows"]
    assert sorted(rows) == sorted(EXPECTED)
    for name, (u01, u02) in EXPECTED.items():
        row = rows[name]
        assert (row["U01 status"], row["U02 status"]) == (u01, u02), row
        assert (row["U01"], row["U02"]) == (str(int(u01 == "done")), str(int(u02 == "done")))
        assert row["score"] == str((u01 == "done") + (u02 == "done")) and row["max_score"] == "2"
    assert int(rows["ada"]["stretch_passed"]) > 0 and rows["bo"]["stretch_passed"] == "0"


def test_an_edited_test_file_in_a_learners_copy_is_ignored_and_flagged(klass):
    flags = klass["rows"]["fay"]["flags"]
    assert f"{U01.test_file} (changed)" in flags and "kata/judge/report.py (changed)" in flags
    assert klass["rows"]["fay"]["U01 status"] == "not started"  # the instructor's tests ran
    assert "differs" not in klass["rows"]["cy"]["flags"]  # an unedited copy is not flagged as edited


def test_a_protected_folder_a_copy_lacks_altogether_is_said_once(tmp_path):
    """A copy handed in as a folder holding exercises/ and little else lacks the instructor's tests/ and kata/: said once
    a folder, with its count, not file by file (hundreds of lines of "(missing)" once hid the flags that matter); a
    folder the copy holds part of is still listed file by file."""
    instructor, copy = tmp_path / "instructor", tmp_path / "copy"
    for tree, files in ((instructor, {"tests/a.py": "a", "tests/b.py": "b", "kata/x.py": "x", "kata/y.py": "y",
                                      "pyproject.toml": "p"}),
                        (copy, {"kata/x.py": "x, edited", "pyproject.toml": "p"})):
        for name, text in files.items():
            (tree / name).parent.mkdir(parents=True, exist_ok=True)
            (tree / name).write_text(text)
    assert classroom.changed_paths(copy, instructor) == ["kata/x.py (changed)", "kata/y.py (missing)",
                                                         "tests/ (missing: all 2 of the instructor's files)"]


def test_fake_report_files_in_a_learners_copy_change_nothing(klass):
    row = klass["rows"]["gus"]
    assert row["score"] == "0" and "not started" == row["U01 status"]
    assert "grade.json (added)" not in row["flags"]  # only what grading and the workflow run is compared
    assert json.loads((klass["room"] / "gus" / "grade.json").read_text())["units"][0]["status"] == "done"  # left alone


def test_an_exit_mid_run_is_a_crash_and_the_rest_is_graded(klass):
    data = {learner["name"]: learner for learner in json.loads(klass["json"].read_text())["learners"]}
    u01 = data["di"]["units"][0]
    assert u01["status"] == "crashed" and "exited with code 0" in u01["ended"]
    assert data["di"]["units"][1]["status"] == "done"
    assert data["ed"]["units"][1]["status"] == "timed out" and data["ed"]["units"][0]["status"] == "done"


def test_the_trees_are_graded_in_parallel_one_job_each(monkeypatch, tmp_path):
    seen = {}

    def fake_run(jobs, parallel=1, time_limit=None, **kwargs):
        seen.update(trees=[job.tree for job in jobs], parallel=parallel)
        return [{} for _ in jobs]

    monkeypatch.setattr(keeper, "run", fake_run)
    for name in ("a", "b", "c"):
        shutil.copytree(ROOT / "exercises", tmp_path / name)
    classroom.grade(classroom.find_learners([tmp_path]))
    assert seen == {"trees": [(tmp_path / n).absolute() for n in "abc"], "parallel": os.cpu_count()}


def test_a_folder_that_holds_no_learner_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(SystemExit) as stop:
        cli.main(["grade", str(tmp_path)])
    assert "neither a learner's tree" in str(stop.value)


# --- the page, in a real browser ----------------------------------------------------------------

def _chromium(*args: str, timeout: float = 90) -> subprocess.CompletedProcess:
    if CHROMIUM is None:
        if os.environ.get("KATA_CI"):
            pytest.fail("Chromium is missing: .ci/run installs it (apt-get install chromium)")
        pytest.skip("no Chromium here (Debian: apt-get install chromium); CI installs it")
    profile = tempfile.mkdtemp(prefix="kata-chromium-")
    try:
        return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                               "--disable-component-update", "--disable-sync", "--no-first-run",
                               f"--user-data-dir={profile}", *args], capture_output=True, text=True, timeout=timeout)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


class _Cells(HTMLParser):
    def __init__(self):
        super().__init__()
        self.learner, self.cells, self.flags, self._in_flag = "", {}, {}, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and "data-learner" in attrs:
            self.learner = attrs["data-learner"]
        if tag == "td" and "data-status" in attrs:
            self.cells[(self.learner, attrs["data-unit"])] = attrs["data-status"]
        if tag in ("td", "tr"):
            self._in_flag = tag == "td" and attrs.get("class") == "flag"

    def handle_endtag(self, tag):
        self._in_flag = self._in_flag and tag != "td"

    def handle_data(self, data):
        if self._in_flag:
            self.flags[self.learner] = self.flags.get(self.learner, "") + data


def test_the_html_report_renders_the_right_cells_in_a_browser(klass):
    dump = _chromium("--dump-dom", klass["html"].as_uri())
    assert dump.returncode == 0, dump.stderr[-2000:]
    parser = _Cells()
    parser.feed(dump.stdout)
    for name, (u01, u02) in EXPECTED.items():
        assert (parser.cells[(name, "U01")], parser.cells[(name, "U02")]) == (u01, u02), name
    assert "differs from the instructor" in parser.flags["fay"] and "fay" in dump.stdout
    assert "differs" not in parser.flags.get("cy", "")  # an unedited copy: only its copies of the reference are flagged
    assert "like the reference solution" in parser.flags.get("cy", "") and "like ada's" in parser.flags.get("cy", "")
    text = re.sub(r"<[^>]+>", " ", dump.stdout)
    assert "stretch" in text and "crashed" in text and "timed out" in text


def test_the_html_report_takes_a_screenshot(klass, tmp_path):
    shot = Path(os.environ.get("KATA_SCREENSHOT_DIR", tmp_path)) / "class-report.png"
    done = _chromium(f"--screenshot={shot}", "--window-size=1200,800", klass["html"].as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
