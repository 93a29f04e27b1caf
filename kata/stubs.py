"""Exercises are made from solutions: each public function keeps its signature and docstring, and
its body becomes a `raise NotImplementedError` that names the unit, the function and the hint command.

So a unit is written once (solutions/uNN_*.py) and its stub can never drift from it:
`kata stubs` rewrites exercises/, `kata reset N` restores one stub, and `kata verify` fails when a
committed stub differs from the one its solution makes.

What survives into the stub: the module docstring, imports, module-level data and classes (given to
the learner), comments outside function bodies, and each public function's signature and docstring.
What goes: function bodies, and private helpers (names starting with "_"), which the learner writes
in their own way.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from kata.units import BY_SLUG, ROOT, Unit, find


def stub_source(solution: str, unit: Unit) -> str:
    tree = ast.parse(solution)
    lines = solution.splitlines(keepends=True)
    edits: list[tuple[int, int, list[str]]] = []  # (first line, last line) 1-based inclusive, replacement
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        first = min([node.lineno] + [d.lineno for d in node.decorator_list])
        if node.name.startswith("_"):
            edits.append((first, node.end_lineno, []))
            continue
        body = node.body
        has_doc = isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
            and isinstance(body[0].value.value, str)
        keep_until = body[0].end_lineno if has_doc else node.body[0].lineno - 1
        indent = " " * (body[1].col_offset if has_doc and len(body) > 1 else body[0].col_offset)
        message = (
            f"{unit.code} · {node.name}() is not written yet: write it here, "
            f"then run `uv run kata next {unit.number}` (stuck? `uv run kata hint {unit.number}`)"
        )
        edits.append((keep_until + 1, node.end_lineno, [f"{indent}raise NotImplementedError({message!r})\n"]))
    for first, last, replacement in sorted(edits, reverse=True):
        lines[first - 1 : last] = replacement
    text = "".join(lines)
    while "\n\n\n\n" in text:  # removing helpers leaves gaps; keep PEP 8's two blank lines
        text = text.replace("\n\n\n\n", "\n\n\n")
    return text.rstrip("\n") + "\n"


def stub_for(unit: Unit) -> str:
    return stub_source((ROOT / unit.solution).read_text(encoding="utf-8"), unit)


def write_stubs(units: list[Unit] | None = None) -> list[Path]:
    """Regenerate exercises/ from solutions/ (maintainers); returns the files that changed."""
    changed = []
    for unit in units or [u for u in BY_SLUG.values() if (ROOT / u.solution).is_file()]:
        path = ROOT / unit.exercise
        new = stub_for(unit)
        if not path.is_file() or path.read_text(encoding="utf-8") != new:
            path.write_text(new, encoding="utf-8")
            changed.append(path)
    return changed


def edited(tree: Path, units: list[Unit]) -> list[Unit]:
    """The units whose file in `tree` differs from its stub, the one saved last first (course order breaks ties):
    where the learner is working. A missing file, or one that is still the stub, is not edited."""
    found = []
    for unit in units:
        path = tree / f"{unit.slug}.py"
        try:
            if path.read_text(encoding="utf-8", errors="replace") != stub_for(unit):
                found.append((-path.stat().st_mtime, unit.number, unit))
        except OSError:
            continue
    return [unit for *_, unit in sorted(found, key=lambda f: f[:2])]


STUB_REACHED = re.compile(r"(U\d\d) · (\w+)\(\) is not written yet.*?(?:\(the stub is at ([^)]*?)(?::\d+)?\))?$", re.S)


def reached(message: str) -> tuple[Unit, str, str] | None:
    """The stub a failure reached, from its message: (its unit, the function, the file as shown); None if none."""
    found = STUB_REACHED.search(message)
    if not found:
        return None
    unit = find(found[1])
    return unit, found[2], found[3] or unit.exercise
