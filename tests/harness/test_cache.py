"""The board's cache never shows a stale result: every kind of input that can change a unit's result
changes its key, and a cached run equals a fresh one."""

from __future__ import annotations

import shutil
import sys

import pytest

from kata.running import cache, runner
from kata.units import ROOT, find

pytestmark = pytest.mark.harness

U01, U07 = find(1), find(7)


@pytest.fixture
def world(tmp_path, monkeypatch):
    """A miniature repository (the files a key reads) and a learner tree, with the cache pointed at it."""
    root = tmp_path / "repo"
    for name in ("kata/judge/plugin.py", "conftest.py", "pyproject.toml", "uv.lock", f"{U01.test_file}", f"{U07.test_file}",
                 f"cassettes/{U07.slug}/a.yaml", "sample-corpus/note01.txt", "models/m/weights.npy", "evals/e.jsonl"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(f"{name} v1\n")
    tree = tmp_path / "exercises"
    tree.mkdir()
    (tree / "u06_rag_basics.py").write_text("def answer(): ...\n")
    (tree / f"{U07.slug}.py").write_text("from .u06_rag_basics import answer\n")
    (tree / f"{U01.slug}.py").write_text("def mechanisms_named(text): ...\n")
    site = tmp_path / "site-packages"
    (site / "numpy-2.0.dist-info").mkdir(parents=True)
    monkeypatch.setattr(cache, "ROOT", root)
    monkeypatch.setattr(sys, "path", [*sys.path, str(site)])
    cache._fixed_inputs.cache_clear()
    yield root, tree, site
    cache._fixed_inputs.cache_clear()


def key(tree, unit=U07, **kwargs):
    cache._fixed_inputs.cache_clear()
    return cache.key(unit, tree, **kwargs)


CHANGES = {
    "the learner's file": lambda root, tree, site: (tree / f"{U07.slug}.py").write_text("from .u06_rag_basics import answer\n# edit\n"),
    "a unit it imports": lambda root, tree, site: (tree / "u06_rag_basics.py").write_text("def answer(): return 1\n"),
    "a data file of the tree": lambda root, tree, site: (tree / "u10_my_eval.jsonl").write_text("{}\n"),
    "its tests": lambda root, tree, site: (root / U07.test_file).write_text("changed\n"),
    "its cassettes": lambda root, tree, site: (root / f"cassettes/{U07.slug}/a.yaml").write_text("changed\n"),
    "the kata itself": lambda root, tree, site: (root / "kata/judge/plugin.py").write_text("changed\n"),
    "the lock file": lambda root, tree, site: (root / "uv.lock").write_text("changed\n"),
    "the corpus": lambda root, tree, site: (root / "sample-corpus/note01.txt").write_text("changed\n"),
    "a model": lambda root, tree, site: (root / "models/m/weights.npy").write_text("changed\n"),
    "the evals": lambda root, tree, site: (root / "evals/e.jsonl").write_text("changed\n"),
    "an installed package": lambda root, tree, site: (site / "numpy-2.0.dist-info").rename(site / "numpy-2.1.dist-info"),
}


@pytest.mark.parametrize("change", CHANGES, ids=lambda c: c.replace(" ", "_"))
def test_each_input_changes_the_key(world, change):
    root, tree, site = world
    before = key(tree)
    CHANGES[change](root, tree, site)
    assert key(tree) != before, f"changing {change} leaves the cached result in place: a stale result"


def test_the_environment_the_target_a_swap_and_the_kind_of_run_change_the_key(world, monkeypatch, tmp_path):
    root, tree, site = world
    before = key(tree)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://elsewhere")
    assert key(tree) != before
    monkeypatch.delenv("ANTHROPIC_BASE_URL")
    assert key(tree) == before
    other = tmp_path / "other"
    shutil.copytree(tree, other)
    assert key(other) != before
    assert key(tree, swaps=(("u06_rag_basics", tree / "u06_rag_basics.py"),)) != before
    assert key(tree, kind="quick-10") != key(tree, kind="full-10")


def test_an_unrelated_unit_edit_keeps_the_key(world):
    root, tree, site = world
    before = key(tree)
    (tree / f"{U01.slug}.py").write_text("def mechanisms_named(text): return set()\n")
    assert key(tree) == before


def test_a_cached_run_equals_a_fresh_one_and_a_save_is_seen(tmp_path, monkeypatch):
    monkeypatch.setenv("KATA_CACHE_DIR", str(tmp_path / "cache"))
    tree = tmp_path / "exercises"
    shutil.copytree(ROOT / "exercises", tree, ignore=shutil.ignore_patterns("__pycache__"))
    first = runner.run([U01], str(tree)).results[U01.slug]
    again = runner.run([U01], str(tree)).results[U01.slug]
    assert again.to_dict() == first.to_dict() and first.status == "not started"
    shutil.copy(ROOT / U01.solution, tree / f"{U01.slug}.py")
    assert runner.run([U01], str(tree)).results[U01.slug].status == "done"


def test_a_timeout_is_run_again_by_every_command_but_the_board_which_says_it_is_its_last_run(tmp_path, monkeypatch):
    """A crash or a timeout belongs to its moment (a busy machine can stop a test that was not looping): `kata check`
    and `kata next` run it again. The board reads it from its last run while the files are unchanged, and says so: a
    blind learner's loop made every board wait out 61 s again."""
    from kata.judge import report

    monkeypatch.setenv("KATA_CACHE_DIR", str(tmp_path / "cache"))
    tree = tmp_path / "exercises"
    shutil.copytree(ROOT / "exercises", tree, ignore=shutil.ignore_patterns("__pycache__"))
    key = cache.key(U01, tree, (), runner._kind(False))
    looped = report.UnitResult(U01, [report.TestResult(f"{U01.test_file}::test_x", U01.slug, "verify", "timeout", "",
                                                       "ran out of time")])
    cache.store(looped, key)
    assert cache.load(U01, key) is None and cache.load(U01, key, moments=True).status == "timed out"
    assert runner.cached(U01, str(tree)) is None and runner.cached(U01, str(tree), moments=True).status == "timed out", \
        "kata hint follows the loop's test from that run, without waiting it out again"
    monkeypatch.setattr(runner.worker, "run", lambda *a, **k: pytest.fail("the board ran the unit again"))
    board = runner.run([U01], str(tree), moments=True)
    assert board.results[U01.slug].status == "timed out"
    assert any("timed out on its last run" in note and "`kata check 1` runs it again" in note for note in board.notes)
    ran = []
    monkeypatch.setattr(runner.worker, "run", lambda jobs, **k: ran.append(jobs) or [{U01.slug: looped}])
    runner.run([U01], str(tree))
    assert ran, "kata check runs it again"
