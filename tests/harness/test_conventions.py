"""The tree's conventions, checked: docstrings quote the course, the trees stay apart, docs stay true."""

from __future__ import annotations

import ast
import re

import pytest

from kata.units import ROOT, UNITS

pytestmark = pytest.mark.harness

READY = [u for u in UNITS if u.ready]


def normalise(text: str) -> str:
    """Compare course text loosely: curly quotes, dashes and spacing are not what a quote is about."""
    for curly, plain in (("“", '"'), ("”", '"'), ("‘", "'"), ("’", "'"), ("—", "-"), ("–", "-")):
        text = text.replace(curly, plain)
    return " ".join(text.lower().split())


def _tests_of(unit):
    tree = ast.parse((ROOT / unit.test_file).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            marks = {d.attr for d in ast.walk(node) if isinstance(d, ast.Attribute) and d.attr in ("verify", "stretch", "contract")
                     and d in [x for dec in node.decorator_list for x in ast.walk(dec)]}
            yield node, marks


def _docstrings(path):
    """The docstrings of a module and of its public functions: what the learner's stub shows."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = [tree] + [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and not n.name.startswith("_")]
    return [ast.get_docstring(n) or "" for n in nodes]


@pytest.mark.parametrize("unit", READY, ids=lambda u: u.slug)
def test_each_test_quotes_its_verify_or_stretch_line(unit):
    """A test's docstring opens with the course sentence it encodes, so a failure can show it."""
    problems = []
    for node, marks in _tests_of(unit):
        doc = ast.get_docstring(node) or ""
        quote = normalise(doc.split("\n\n")[0])
        if len(marks) != 1:
            problems.append(f"{node.name}: needs exactly one of @pytest.mark.verify / @pytest.mark.stretch / @pytest.mark.contract")
            continue
        if "contract" in marks:  # quotes a clause of the exercise's docstrings instead of a course line
            source = normalise(" ".join(_docstrings(ROOT / unit.solution)))
        else:
            source = normalise(unit.verify if "verify" in marks else unit.stretch)
        pieces = [p.strip(" .") for p in re.split(r"…|\.\.\.|\[…\]", quote) if p.strip(" .")]
        if len(quote) < 20 or not all(piece in source for piece in pieces):
            problems.append(f"{node.name}: docstring does not open with a quote of the unit's {marks.pop()} text")
    assert not problems, "\n".join(problems)


def _imports(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module if node.level == 0 else "." + node.module


# What a unit may import from the kata: model names and prices, and where the repository's data lives.
UNIT_MAY_IMPORT = ("kata.models", "kata.corpus")


@pytest.mark.parametrize("folder", ["exercises", "solutions"])
def test_unit_trees_stay_apart(folder):
    """solutions/ never imports exercises/, exercises/ never imports solutions/, and neither imports the CLI."""
    other = "solutions" if folder == "exercises" else "exercises"
    bad = [f"{path.name} imports {name}" for path in sorted((ROOT / folder).glob("u*.py"))
           for name in _imports(path) if name.split(".")[0] in (other, "kata") and name not in UNIT_MAY_IMPORT]
    assert not bad, bad


def test_test_files_never_import_a_tree_directly():
    """Tests reach the code under test through load_unit, so --impl decides what they test."""
    bad = [f"{u.test_file} imports {name}" for u in READY for name in _imports(ROOT / u.test_file)
           if name.split(".")[0] in ("exercises", "solutions")]
    assert not bad, bad


def test_readme_lists_every_unit_and_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "uv run kata" in readme and "uv run kata verify" in readme
    wrong = []
    for unit in UNITS:  # the README's unit table says which units are playable, as the board does
        row = re.search(rf"^\| {unit.code} \| (.+?) \| (playable|coming soon) \|", readme, re.MULTILINE)
        state = "playable" if unit.ready else "coming soon"
        if not row or row.group(2) != state:
            wrong.append(f"{unit.code} should read '| {unit.code} | {unit.title} | {state} |'")
    assert not wrong, "README.md's unit table is out of date:\n" + "\n".join(wrong)


def test_units_are_numbered_in_course_order_with_one_name_everywhere():
    assert [u.number for u in UNITS] == list(range(1, 13))
    for unit in READY:
        assert re.fullmatch(rf"u{unit.number:02d}_[a-z0-9_]+", unit.slug)
        assert (ROOT / unit.solution).is_file() and (ROOT / unit.exercise).is_file(), unit.slug
