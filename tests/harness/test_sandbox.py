"""The learner's process sandbox (kata/learner/sandbox.py): what learner code sees from inside, and the fallback.

A unit written to look around reports what it finds in its error message; the test reads it back
from the unit's first failure. Where the system has no user namespaces these tests skip, saying so;
this machine and CI have them.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kata.running import runner
from kata.units import ROOT, find

pytestmark = pytest.mark.harness

U01 = find(1)

LOOK_AROUND = """
def mechanisms_named(text):
    import os, pathlib, socket, tempfile
    seen = {}
    for name, path in (("tree", pathlib.Path(__file__).with_name("mine.txt")), ("outside", pathlib.Path(OUTSIDE, "x.txt")),
                       ("temp", pathlib.Path(tempfile.gettempdir(), "x.txt"))):
        try:
            path.write_text("x")
            seen[name] = "written"
        except OSError as error:
            seen[name] = error.strerror
    shown = lambda *parts: sorted(os.listdir(os.path.join(*parts))) if os.path.isdir(os.path.join(*parts)) else "absent"
    seen["solutions"], seen["dot_kata"], seen["git"] = shown(ROOT, "solutions"), shown(ROOT, ".kata"), shown(ROOT, ".git")
    seen["outside_folder"], seen["sibling"], seen["kata"] = shown(OUTSIDE), shown(SIBLING), "units.py" in shown(ROOT, "kata")
    seen["here"] = os.getcwd() == ROOT and shown(".") == shown(ROOT)  # its folder as it now looks, not as it was
    seen["pid"] = os.getpid()
    seen["processes"] = len([d for d in os.listdir("/proc") if d.isdigit()])
    seen["interfaces"] = [name for _, name in socket.if_nameindex()]
    raise ValueError("SEEN " + repr(seen))
"""


def _seen(tmp_path: Path, env: dict[str, str] | None = None) -> tuple[dict, str]:
    tree = tmp_path / "exercises"
    shutil.copytree(ROOT / "exercises", tree, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "outside").mkdir()
    (tmp_path / "alice" / "exercises").mkdir(parents=True)  # another learner's tree, as in a class
    (tmp_path / "alice" / "exercises" / f"{U01.slug}.py").write_text("# alice's work\n")
    (tree / f"{U01.slug}.py").write_text(f"ROOT = {str(ROOT)!r}\nOUTSIDE = {str(tmp_path / 'outside')!r}\n"
                                         f"SIBLING = {str(tmp_path / 'alice')!r}\n" + textwrap.dedent(LOOK_AROUND))
    code = ("import json, sys\nfrom kata.running import runner\nfrom kata.units import find\n"
            f"r = runner.run([find(1)], {str(tree)!r}, use_cache=False).results['{U01.slug}']\n"
            "print(json.dumps({'sandbox': r.sandbox, 'message': r.first_failure.message}))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**__import__("os").environ, **(env or {})})
    import ast
    import json

    out = json.loads(proc.stdout.strip().splitlines()[-1])
    message = out["message"]
    said = "ValueError: SEEN "  # the raised error's line, not the source line quoted in the traceback
    line = message.split(said, 1)[1].splitlines()[0] if said in message else ""
    seen = ast.literal_eval(line.rpartition(", in `")[0] or line) if line else {}  # "…, in `mechanisms_named` (…):"
    return seen, out["sandbox"]


def test_learner_code_sees_a_read_only_world_of_its_own(tmp_path):
    seen, sandbox = _seen(tmp_path)
    if sandbox:
        pytest.skip(sandbox)
    assert seen["tree"] == "Read-only file system" and seen["outside"] in ("Read-only file system", "No such file or directory")
    assert seen["temp"] == "written"  # its private temp folder
    assert seen["solutions"] in ([], "absent") and seen["dot_kata"] in ([], "absent")  # the reference and the cache hidden
    # the rest of the file system but what its code runs from: the checkout's history (the reference in it), another
    # folder, another learner's tree in a class (sandbox.only_what_it_runs_from); the kata's own package still there
    assert seen["git"] in ([], "absent") and seen["outside_folder"] == seen["sibling"] == "absent"
    assert seen["kata"] and seen["here"]
    assert seen["pid"] == 1 and seen["processes"] == 1  # the first and only process it can see
    assert seen["interfaces"] == ["lo"]  # no network but its own loopback
    assert not (tmp_path / "exercises" / "mine.txt").exists() and not (tmp_path / "outside" / "x.txt").exists()


def test_without_the_sandbox_the_result_says_so(tmp_path):
    seen, sandbox = _seen(tmp_path, {"KATA_SANDBOX": "0"})
    assert sandbox == "not sandboxed: KATA_SANDBOX=0"
    assert seen["solutions"] and seen["outside"] == "written"  # what the note warns of


def test_a_kernel_that_refuses_to_mount_means_no_sandbox_not_a_crash(tmp_path):
    """Ubuntu's AppArmor restriction grants new namespaces but no right to mount in them: found out by
    the probe, before any learner's child enters them."""
    tree = tmp_path / "exercises"
    shutil.copytree(ROOT / "solutions", tree, ignore=shutil.ignore_patterns("__pycache__"))
    code = ("import errno, json\nfrom kata.learner import sandbox\nfrom kata.running import runner\nfrom kata.units import find\n"
            "def refuse(*args):\n    raise OSError(errno.EPERM, 'mount /: Operation not permitted')\n"
            "sandbox._read_only_world = refuse\n"
            f"r = runner.run([find(4)], {str(tree)!r}, use_cache=False).results['u04_embeddings']\n"
            "print(json.dumps({'sandbox': r.sandbox, 'status': r.status}))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = __import__("json").loads(proc.stdout.strip().splitlines()[-1])
    assert out["status"] == "done"
    assert out["sandbox"].startswith("not sandboxed") and "Operation not permitted" in out["sandbox"]


def test_a_unit_that_imports_the_reference_is_told_it_is_not_there_for_its_code(tmp_path):
    """solutions/ is hidden from the learner's code: importing it is a broken unit whose message says why, and what
    to import instead, not only "No module named …"."""
    tree = tmp_path / "exercises"
    shutil.copytree(ROOT / "exercises", tree, ignore=shutil.ignore_patterns("__pycache__"))
    u04 = find(4)
    unit = tree / f"{u04.slug}.py"
    unit.write_text(unit.read_text() + "\nfrom solutions.u04_embeddings import cosine, embed  # noqa\n")
    result = runner.run([u04], str(tree), use_cache=False).results[u04.slug]
    if result.sandbox:
        pytest.skip(result.sandbox)
    said = result.first_failure.message
    assert result.status == "broken" and "your code imports 'solutions.u04_embeddings'" in said, said
    assert "is not there for your code while it runs" in said and "from .uNN_name import" in said, said


KEPT = """
import json, sqlite3, sys
from pathlib import Path
from kata.running import runner
from kata.units import cache_folder, find

def count():
    store = cache_folder() / "minilm-vectors.sqlite"
    return sqlite3.connect(store).execute("SELECT count(*) FROM vectors").fetchone()[0] if store.is_file() else 0

runner.lessons_with("kata.commands.lessons:compute")
u06 = find(6)
result = runner.run([u06], sys.argv[1], use_cache=False).results[u06.slug]
first = count()
again = runner.run([u06], sys.argv[1], use_cache=False).results[u06.slug]
print(json.dumps({"sandbox": result.sandbox, "lesson": bool(result.lesson), "first": first, "again": count()}))
"""


def test_the_vectors_a_sandboxed_run_computes_are_kept_for_the_next(tmp_path):
    """The reference backend's vectors live in .kata/cache/, which a sandboxed child sees read-only: the vectors it
    computes (a green U06's lesson: its questions and the grounding of each reply, ~3 s) go to the worker, which
    keeps them, so the next run reads them (kata/backend/vectors.py's unsaved and keep; before, every check of
    U06 computed them again)."""
    from kata.backend import vectors

    tree = tmp_path / "exercises"
    shutil.copytree(ROOT / "solutions", tree, ignore=shutil.ignore_patterns("__pycache__"))
    proc = subprocess.run([sys.executable, "-c", KEPT, str(tree)], cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env={**__import__("os").environ, "KATA_CACHE_DIR": str(tmp_path / "cache")})
    import json

    out = json.loads(proc.stdout.strip().splitlines()[-1])
    if out["sandbox"]:
        pytest.skip(out["sandbox"])
    seeded = len(dict(vectors._recorded())) if vectors._folders else None  # distinct texts the cassettes hold
    assert out["lesson"] and out["first"] > (seeded or 0) and out["again"] == out["first"], out
    assert vectors.keep([["0" * 64, "not base64!"], ["x" * 64, "AAAA"], "nonsense"]) == 0  # only well-formed rows
