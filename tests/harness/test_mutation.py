"""`kata mutate`'s mutator, checked fast (no mutant is run here: that is the maintainer's slow command).

Each mutant must be the module with exactly one change, under an id that stays the same from run to
run (the equivalents files in tests/mutants/ name mutants by it), with the module's constants mutated
and its docstrings left alone; and every id an equivalents file lists must still name a mutant.
"""

from __future__ import annotations

import ast
import difflib

import pytest

from kata.commands import mutation
from kata.units import UNITS

pytestmark = pytest.mark.harness

READY = [u for u in UNITS if u.ready]

SAMPLE = '''"""A tiny module: its docstring must never change."""

PROMPT = "Answer briefly."
LIMIT = 3


def pick(items, k=2):
    """Keep the first k items above the limit; this docstring must never change either."""
    kept = []
    for item in items:
        if item > LIMIT and item not in kept:
            kept.append(item * 2 + 1)
    return kept[:k]


def _flag(x):
    return not (x == 0) or True
'''


def _changed_regions(before: str, after: str) -> list:
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    return [op for op in matcher.get_opcodes() if op[0] != "equal"]


def test_each_mutant_is_the_module_with_one_change():
    found = mutation.mutants(SAMPLE, "u99")
    assert len(found) > 15, [m.id for m in found]
    original = ast.dump(ast.parse(SAMPLE))
    for mutant in found:
        assert ast.dump(ast.parse(mutant.source)) != original, f"{mutant.id} changes nothing"
        regions = _changed_regions(SAMPLE, mutant.source)
        start, end = regions[0][1], regions[-1][2]
        assert "\n" not in SAMPLE[start:end], f"{mutant.id} changes more than one place: {regions}"
        assert mutant.before != mutant.after, mutant.id


def test_ids_are_stable_and_say_where_and_what():
    ids = [m.id for m in mutation.mutants(SAMPLE, "u99")]
    assert ids == [m.id for m in mutation.mutants(SAMPLE, "u99")]
    assert len(set(ids)) == len(ids), "two mutants share an id"
    for expected in ("u99:pick:+3:Gt->GtE", "u99:pick:+3:And->Or", "u99:pick:+3:NotIn->In",
                     "u99:pick:+4:Call:append->pass", "u99:pick:+4:Mult->Div", "u99:pick:+4:Add->Sub",
                     "u99:pick:+4:Num:2->3", "u99:pick:+5:Return->None", "u99:pick:+5:Slice:upper+1",
                     "u99:pick:+0:Num:2->3", "u99:_flag:+1:Not->_", "u99:_flag:+1:Eq->NotEq", "u99:_flag:+1:Num:0->1",
                     "u99:_flag:+1:Or->And", "u99:_flag:+1:True->False"):
        assert expected in ids, f"{expected} missing from {ids}"


def test_ids_survive_edits_elsewhere_and_to_docstrings():
    """An equivalents file keyed by absolute lines silently un-lists its mutants when a docstring above
    them grows; ids count lines within their function, docstring left out."""
    edited = SAMPLE.replace('"""A tiny module: its docstring must never change."""',
                            '"""A tiny module.\n\nIts docstring grew\nby four lines."""').replace(
        '"""Keep the first k items above the limit; this docstring must never change either."""',
        '"""Keep the first k items above the limit.\n\n    Two lines more.\n    """')
    assert [m.id for m in mutation.mutants(edited, "u99")] == [m.id for m in mutation.mutants(SAMPLE, "u99")]


def test_module_constants_are_mutated():
    by_id = {m.id: m for m in mutation.mutants(SAMPLE, "u99")}
    assert by_id["u99:PROMPT:+0:Str->XX+Str"].after == 'PROMPT = ("XX" + "Answer briefly.")'
    assert by_id["u99:LIMIT:+0:Num:3->4"].after == "LIMIT = 4"


def test_docstrings_and_raise_messages_are_left_alone():
    source = SAMPLE + '\n\ndef check(x):\n    if not x:\n        raise ValueError("x is empty")\n'
    for mutant in mutation.mutants(source, "u99"):
        tree = ast.parse(mutant.source)
        docs = [ast.get_docstring(tree)] + [ast.get_docstring(f) for f in tree.body if isinstance(f, ast.FunctionDef)]
        assert docs[:2] == ["A tiny module: its docstring must never change.",
                            "Keep the first k items above the limit; this docstring must never change either."], mutant.id
        assert '"x is empty"' in mutant.source, mutant.id


@pytest.mark.parametrize("unit", READY, ids=lambda u: u.slug)
def test_equivalents_file_names_existing_mutants(unit):
    """tests/mutants/<slug>.txt parses (an id and a reason a line), and every id there is a mutant of the
    unit's solution today: a stale id (the solution moved on) must be removed or renamed."""
    listed = mutation.read_equivalents(mutation.equivalents_file(unit))
    ids = {m.id for m in mutation.unit_mutants(unit)}  # every mutant is parsed on the way
    assert ids, f"{unit.code}: the mutator found nothing to mutate in {unit.solution}"
    stale = sorted(set(listed) - ids)
    assert not stale, f"tests/mutants/{unit.slug}.txt lists mutants that no longer exist: {stale}"
