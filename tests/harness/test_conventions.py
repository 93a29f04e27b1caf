"""The tree's conventions, checked: docstrings quote the course, the trees stay apart, docs stay true."""

from __future__ import annotations

import ast
import re

import pytest

from kata import reach
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


def _functions_called(unit):
    """For each test of the unit, the unit's functions it calls: `u05.top_k` in its body or in a helper it uses
    (kata/reach.py, which the run also reads to keep running the tests an endless loop cannot meet)."""
    functions = set(_function_docstrings(ROOT / unit.solution))
    return {node.name: {name.partition(".")[2] for name in reach.called(ROOT / unit.test_file, node.name)
                        if name.startswith(f"{unit.code}.") and name.partition(".")[2] in functions}
            for node, _ in _tests_of(unit)}


def _function_docstrings(path) -> dict[str, str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name: normalise(ast.get_docstring(n) or "") for n in tree.body if isinstance(n, ast.FunctionDef)}


def _quote(node) -> str:
    return normalise((ast.get_docstring(node) or "").split("\n\n")[0])


@pytest.mark.parametrize("unit", READY, ids=lambda u: u.slug)
def test_each_test_quotes_its_verify_or_stretch_line(unit):
    """A test's docstring opens with the clause it encodes, so a failure can show it: words of the course's
    Verify or Stretch text, or of the docstring of a function the test calls (a contract test: of any of the
    exercise's docstrings), verbatim but for "…" elisions."""
    problems = []
    calls = _functions_called(unit)
    docstrings = _function_docstrings(ROOT / unit.solution)
    for node, marks in _tests_of(unit):
        quote = _quote(node)
        if len(marks) != 1:
            problems.append(f"{node.name}: needs exactly one of @pytest.mark.verify / @pytest.mark.stretch / @pytest.mark.contract")
            continue
        if "contract" in marks:  # quotes a clause of the exercise's docstrings instead of a course line
            sources = [normalise(" ".join(_docstrings(ROOT / unit.solution)))]
        else:
            sources = [normalise(unit.verify if "verify" in marks else unit.stretch)]
            sources += [docstrings[f] for f in sorted(calls[node.name]) if f in docstrings]
        pieces = [p.strip(" .") for p in re.split(r"…|\.\.\.|\[…\]", quote) if p.strip(" .")]
        if len(quote) < 20 or not any(all(piece in source for piece in pieces) for source in sources):
            problems.append(f"{node.name}: docstring does not open with a quote of the unit's {marks.pop()} text "
                            f"or of the docstring of a function it calls ({', '.join(sorted(calls[node.name])) or 'none'})")
    assert not problems, "\n".join(problems)


def _clauses(unit):
    """The clauses a test file quotes for one check of several: `clause="..."` in an expect(), and the second item
    of each row of a module-level `*_CLAUSES` table (start, clause, hint), whose rows a `clause=name` passes on."""
    tree = ast.parse((ROOT / unit.test_file).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "clause" and not isinstance(node.value, ast.Name):
            yield ast.literal_eval(node.value) if isinstance(node.value, ast.Constant) else None  # a name: a table's row
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id.endswith("_CLAUSES") for t in node.targets):
            yield from (ast.literal_eval(row.elts[1]) for row in node.value.elts)


@pytest.mark.parametrize("unit", READY, ids=lambda u: u.slug)
def test_each_clause_a_check_quotes_is_verbatim(unit):
    """A check that names its own clause (expect(..., clause=...), quoted in place of the test's opening line)
    quotes words of the course's Verify or Stretch text or of an exercise docstring, verbatim."""
    sources = normalise(" ".join([unit.verify, unit.stretch, *_docstrings(ROOT / unit.solution)]))
    problems = [f"clause {clause!r}: not verbatim in the unit's Verify/Stretch text or its docstrings"
                if clause else "a clause= that is not a string literal (the check reads it without running the test)"
                for clause in _clauses(unit) if not clause or normalise(clause) not in sources]
    assert not problems, "\n".join(problems)


MOST_FUNCTIONS_PER_CLAUSE = 2


@pytest.mark.parametrize("unit", READY, ids=lambda u: u.slug)
def test_a_course_line_is_the_quote_of_its_own_tests_only(unit):
    """The quote is the failing test's own clause, never the unit's Verify line by default (issue 19): one course
    line opens the tests of at most MOST_FUNCTIONS_PER_CLAUSE different sets of the unit's functions."""
    calls = _functions_called(unit)
    by_quote: dict[str, dict[frozenset, list[str]]] = {}
    for node, marks in _tests_of(unit):
        quote = _quote(node)
        course = normalise(unit.verify) + " " + normalise(unit.stretch)
        pieces = [p.strip(" .") for p in re.split(r"…|\.\.\.|\[…\]", quote) if p.strip(" .")]
        if "contract" not in marks and pieces and all(piece in course for piece in pieces):
            by_quote.setdefault(quote, {}).setdefault(frozenset(calls[node.name]), []).append(node.name)
    problems = [f"“{quote}” opens the tests of {len(sets)} sets of functions: "
                + "; ".join(f"{', '.join(sorted(f)) or 'none'} ({', '.join(tests)})" for f, tests in sets.items())
                for quote, sets in by_quote.items() if len(sets) > MOST_FUNCTIONS_PER_CLAUSE]
    assert not problems, ("A course line quoted by default: give each test the clause it checks, a sentence of the "
                          "docstring of the function it calls (or another course line).\n" + "\n".join(problems))


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
