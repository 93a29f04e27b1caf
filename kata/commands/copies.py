"""Copies flagged, never judged: a unit that is the reference in other words, and learners' near-identical units.

The measure is pycode-similar's (a kept library, no dependencies): each function's AST with its names,
strings and docstrings normalised, compared line by line with difflib. Renaming, re-commenting and
re-laying out code therefore change nothing. For each function of one file, the closest function of
the other counts; the score is the share of AST lines matched, over the functions of at least
MIN_FUNCTION_LINES lines (a correct one-line cosine looks like the reference whoever writes it).

The threshold was set on tests/alternatives/ (correct units written blind: the closest scored 0.83,
under the threshold) and on the reference renamed, re-commented and re-laid out (1.0); its false
flags on a blind set it was not set on are in docs/teaching.md. A flag is for the instructor to read.
"""

from __future__ import annotations

import ast
import functools
import itertools
from collections import Counter
from pathlib import Path

import pycode_similar

from kata.units import ROOT, Unit

TOO_DEEP = (RecursionError, MemoryError)  # what parsing or walking code nested too deeply raises (MemoryError: the
# parser's own stack, on `-` * 200_000 + "1"); such code is flagged as unread, never taken for no copy
THRESHOLD = 0.92  # share of the reference's AST lines found in the learner's functions
MIN_FUNCTION_LINES = 20  # AST lines: smaller functions look alike whoever writes them


@functools.lru_cache(maxsize=4096)
def _functions(code: str) -> tuple | None:
    """(function, its normalised AST lines, their multiset) for each function of `code`, normalised by
    pycode-similar; parsed once per text, as a class compares each unit many times. None: code nested too deeply
    to parse or walk (pycode-similar's walk recurses: 600 terms of `1+1+...` pass Python's recursion limit)."""
    try:
        collector = pycode_similar.FuncNodeCollector()
        collector.visit(ast.parse(code))
        lines = code.splitlines(True)
        infos = [pycode_similar.FuncInfo(node, lines) for node in collector.get_function_nodes()]
        return tuple((info, tuple(info.func_ast_lines), Counter(info.func_ast_lines)) for info in infos)
    except (SyntaxError, ValueError):
        return ()
    except TOO_DEEP:
        return None


def similarity(reference: str, candidate: str, floor: float = 0.0) -> float:
    """The share of `reference`'s function AST lines that `candidate`'s closest functions hold (0 to 1).

    pycode_similar.detect's own measure (for each function, the fewest lines its unified diff removes
    against any function of the other), over functions of at least MIN_FUNCTION_LINES lines; the
    diffs are skipped where they cannot win: an identical function matches whole, and a function
    whose shared lines (a multiset bound) cannot beat the best so far is not diffed. With a `floor`, it
    stops as soon as the score cannot reach it, and returns a bound below it."""
    theirs = _functions(candidate) or ()
    identical = {lines for _, lines, _ in theirs}
    counted = [(mine, lines, bag) for mine, lines, bag in _functions(reference) or () if len(lines) >= MIN_FUNCTION_LINES]
    total = left = sum(len(lines) for _, lines, _ in counted)
    matched = 0
    for mine, lines, bag in counted:
        if matched + left < floor * total:
            break
        left -= len(lines)
        best = len(lines) if lines in identical else 0
        bounds = sorted(((sum((bag & other_bag).values()), other) for other, _, other_bag in theirs),
                        key=lambda pair: -pair[0])
        for bound, other in bounds:
            if bound <= best:
                break
            best = max(best, len(lines) - pycode_similar.UnifiedDiff.diff(mine, other))
        matched += best
    return (matched + left) / total if total else 0.0


def _written(tree: Path, unit: Unit) -> str | None:
    """The learner's unit code, or None when it is missing, too large, a link, or still the stub."""
    path = tree / f"{unit.slug}.py"
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > 2_000_000:
            return None
        code = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return None if code == (ROOT / unit.exercise).read_text(encoding="utf-8") else code


def like_the_reference(tree: Path, units: list[Unit]) -> list[str]:
    """A flag for each unit whose code is the reference with names, comments or layout changed."""
    flags = []
    for unit in units:
        code = _written(tree, unit)
        if code is None:
            continue
        if _functions(code) is None:
            flags.append(f"{unit.code}: its code could not be read for the copy checks: nested too deeply")
            continue
        score = similarity((ROOT / unit.solution).read_text(encoding="utf-8"), code, floor=THRESHOLD)
        if score >= THRESHOLD:
            flags.append(f"{unit.code}: {score:.0%} like the reference solution (names, comments and layout aside)")
    return flags


def alike_pairs(trees: dict[str, Path], units: list[Unit]) -> dict[str, list[str]]:
    """Per learner, a flag for each unit whose code is near-identical to another learner's (as MOSS does)."""
    flags: dict[str, list[str]] = {name: [] for name in trees}
    for unit in units:
        written = {name: code for name, tree in trees.items()  # code that cannot be read: like_the_reference said so
                   if (code := _written(tree, unit)) is not None and _functions(code) is not None}
        for (a, code_a), (b, code_b) in itertools.combinations(sorted(written.items()), 2):
            score = similarity(code_a, code_b, floor=THRESHOLD)
            score = min(score, similarity(code_b, code_a, floor=THRESHOLD)) if score >= THRESHOLD else score  # both ways
            if score >= THRESHOLD:
                flags[a].append(f"{unit.code}: {score:.0%} like {b}'s")
                flags[b].append(f"{unit.code}: {score:.0%} like {a}'s")
    return flags
