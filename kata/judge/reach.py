"""Which of the units' functions a test reaches, read from its source (never run it): what its body calls as
`u05.top_k`, through the module's helpers it names and the fixtures it asks for, and everything those
functions call in turn (kata/units.py's `calls`). The run uses it to keep running the tests that cannot meet
a function that ran out of time; the harness uses it to check that a test quotes its own function."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

from kata.units import BY_SLUG, depends_on


@functools.cache
def _module(path: Path) -> tuple[dict[str, ast.FunctionDef], dict[str, str]]:
    """A test module's functions by name, and its names for the units: {"u05": "U05"} from
    `u05 = load_unit("u05_vector_search")`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    aliases = {}
    for node in tree.body:
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and getattr(node.value.func, "id", "") == "load_unit"
                and node.value.args and isinstance(node.value.args[0], ast.Constant) and node.value.args[0].value in BY_SLUG):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    aliases[target.id] = BY_SLUG[node.value.args[0].value].code
    return functions, aliases


def called(path: Path, test: str) -> frozenset[str]:
    """The units' names the test itself uses ("U05.top_k"), through the module's helpers and fixtures."""
    functions, aliases = _module(Path(path))

    def walk(node: ast.FunctionDef, seen: tuple[str, ...]) -> set[str]:
        found = set()
        asked = [a.arg for a in node.args.args]  # the fixtures it asks for, when the module defines them
        for n in ast.walk(node):
            if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id in aliases:
                found.add(f"{aliases[n.value.id]}.{n.attr}")
            elif isinstance(n, ast.Name) and n.id in functions and n.id not in seen:
                asked.append(n.id)
        for name in asked:
            if name in functions and name not in seen:
                found |= walk(functions[name], (*seen, name))
        return found

    node = functions.get(test)
    return frozenset(walk(node, (test,))) if node else frozenset()


def reaches(path: Path, test: str) -> frozenset[str]:
    """Every unit function the test can run: what it calls, and all that those call."""
    direct = called(path, test)
    return direct.union(*(depends_on(name) for name in direct))
