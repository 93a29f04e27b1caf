"""`kata show N`: the learner's own unit, end to end, offline, through the worker's child."""

from __future__ import annotations

import shutil

import pytest

from kata import cli, show, stubs
from kata.units import ROOT, find

pytestmark = pytest.mark.harness


@pytest.mark.parametrize("ref", [4, 5, 6, 7, 10, 11])
def test_each_show_runs_the_reference_end_to_end(ref, capsys):
    assert cli.main(["show", str(ref), "--impl", "solutions"]) == 0
    out = capsys.readouterr().out
    assert "computed offline by the kata's reference backend" in out and "Traceback" not in out
    assert len(out.splitlines()) > 6, out


def test_a_stub_gets_write_it_first_not_a_traceback(tmp_path, capsys):
    tree = tmp_path / "exercises"
    shutil.copytree(ROOT / "solutions", tree)
    unit = find(5)
    (tree / f"{unit.slug}.py").write_text(stubs.stub_for(unit))
    assert cli.main(["show", "5", "--impl", str(tree)]) == 0
    out = capsys.readouterr().out
    assert "is not written yet" in out and "Traceback" not in out


def test_an_endless_loop_in_a_show_is_stopped(tmp_path, monkeypatch, capsys):
    tree = tmp_path / "exercises"
    shutil.copytree(ROOT / "solutions", tree)
    path = tree / "u05_vector_search.py"
    path.write_text(path.read_text() + "\n\ndef build_index(notes):\n    while True:\n        pass\n")
    monkeypatch.setattr(show, "SHOW_TIME_LIMIT", 2.0)
    assert cli.main(["show", "5", "--impl", str(tree)]) == 1
    assert "stopped" in capsys.readouterr().out


def test_a_unit_with_nothing_to_show_says_which_have_one(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["show", "1"])
    assert "U05" in str(stop.value) and "check 1" in str(stop.value)
