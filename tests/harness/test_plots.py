"""`kata plot N`: each picture drawn from the unit's own code (through the worker's child), and a stub
that gives "write X first" rather than a traceback."""

from __future__ import annotations

import importlib.util
import os
import shutil

import pytest

from kata.commands import cli, plots
from kata import stubs
from kata.units import ROOT, find

pytestmark = pytest.mark.harness

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def _matplotlib():
    if importlib.util.find_spec("matplotlib") is None:
        if os.environ.get("KATA_CI"):
            pytest.fail("matplotlib is missing: .ci/run installs the plots extra")
        pytest.skip("matplotlib is an optional extra: uv sync --extra plots")


@pytest.mark.parametrize("ref, files", [
    (4, ["u04_cosine_matrix.png"]),
    (5, ["u05_projection.png"]),
    (7, ["u07_rerank.png"]),
    (11, ["u11_size_vs_pass_rate.png", "u11_quantization_error.png"]),
])
def test_each_picture_is_drawn_from_the_reference(ref, files, tmp_path, capsys):
    assert cli.main(["plot", str(ref), "--impl", "solutions", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for name in files:
        path = tmp_path / name
        assert path.read_bytes()[:8] == PNG and path.stat().st_size > 20_000, name
        assert f"wrote {path}" in out
    assert "Traceback" not in out


def test_the_numbers_come_from_the_learners_code(tmp_path, capsys, monkeypatch):
    """A learner's cosine() that says 0.5 for every pair: the heatmap's numbers are theirs."""
    tree = tmp_path / "exercises"
    shutil.copytree(ROOT / "solutions", tree)
    path = tree / "u04_embeddings.py"
    path.write_text(path.read_text() + "\n\ndef cosine(a, b):\n    return 0.5\n")
    seen = {}
    drawn = plots.DRAW["u04_embeddings"]
    monkeypatch.setitem(plots.DRAW, "u04_embeddings", lambda data, out, plt: seen.update(data) or drawn(data, out, plt))
    assert cli.main(["plot", "4", "--impl", str(tree), "--out", str(tmp_path / "plots")]) == 0
    assert {value for row in seen["matrix"] for value in row} == {0.5}


def test_a_stub_gives_write_it_first_not_a_traceback(tmp_path, capsys):
    tree = tmp_path / "exercises"
    shutil.copytree(ROOT / "solutions", tree)
    unit = find(4)
    (tree / f"{unit.slug}.py").write_text(stubs.stub_for(unit))
    assert cli.main(["plot", "4", "--impl", str(tree), "--out", str(tmp_path / "plots")]) == 1
    out = capsys.readouterr().out
    assert "Write embed() first" in out and "u04_embeddings.py" in out and "Traceback" not in out
    assert not (tmp_path / "plots").exists()


def test_a_unit_without_a_picture_says_which_have_one():
    with pytest.raises(SystemExit) as stop:
        cli.main(["plot", "1"])
    assert "U04, U05, U07, U11" in str(stop.value)
