"""`kata mutate`'s mutator, checked fast (no mutant is run here: that is the maintainer's slow command).

Each mutant must be the module with exactly one change, under an id that stays the same from run to
run (the equivalents files in tests/mutants/ name mutants by it), with the module's constants mutated
and its docstrings left alone; and every id an equivalents file lists must still name a mutant.
"""

from __future__ import annotations

import ast
import difflib

import pytest

from kata import mutation
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
    for expected in ("u99:pick:L11:Gt->GtE", "u99:pick:L11:And->Or", "u99:pick:L11:NotIn->In",
                     "u99:pick:L12:Call:append->pass", "u99:pick:L12:Mult->Div", "u99:pick:L12:Add->Sub",
                     "u99:pick:L12:Num:2->3", "u99:pick:L13:Return->None", "u99:pick:L13:Slice:upper+1",
                     "u99:pick:L7:Num:2->3", "u99:_flag:L17:Not->_", "u99:_flag:L17:Eq->NotEq", "u99:_flag:L17:Num:0->1",
                     "u99:_flag:L17:Or->And", "u99:_flag:L17:True->False"):
        assert expected in ids, f"{expected} missing from {ids}"


def test_module_constants_are_mutated():
    by_id = {m.id: m for m in mutation.mutants(SAMPLE, "u99")}
    assert by_id["u99:PROMPT:L3:Str->XX+Str"].after == 'PROMPT = ("XX" + "Answer briefly.")'
    assert by_id["u99:LIMIT:L4:Num:3->4"].after == "LIMIT = 4"


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
