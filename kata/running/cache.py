"""Unit results cached by the content of everything that can change them, so the board answers at once.

A unit's key is a hash of: the learner's file and every module of the same tree it imports (followed
through imports), the tree's data files (e.g. the learner's own eval), the unit's tests, the kata itself
(kata/, conftest.py, pyproject.toml, uv.lock), the data the units read (cassettes of that unit, the
sample corpus, models/, evals/), the installed packages' versions, the environment variables the kata
and the SDKs read, the Python version, the target and any swapped module, and the kind of run (quick
watch runs vs full runs, the time limit). Change any of them and the key changes: a stale result is
never shown. Results that depend on the moment (a crash, a timeout) are never stored.

The cache lives in `.kata/cache/` (or KATA_CACHE_DIR: the harness uses a folder of its own).
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import sys
from functools import lru_cache
from pathlib import Path

from kata.judge.report import UnitResult
from kata.units import ROOT, Unit, cache_folder

ENV_PREFIXES = ("KATA_", "ANTHROPIC_", "VOYAGE_", "OLLAMA_", "HYPOTHESIS", "PYTHONHASHSEED", "TIKTOKEN_")
KATA_FILES = ("kata", "conftest.py", "pyproject.toml", "uv.lock")
SHARED_DATA = ("sample-corpus", "models", "evals")
KEEP = 300  # entries kept; the oldest go first


def folder() -> Path:
    return cache_folder()


def _hash_file(digest, path: Path) -> None:
    digest.update(str(path).encode() + b"\0")
    try:
        digest.update(path.read_bytes())
    except OSError:
        digest.update(b"<missing>")


def _hash_tree(digest, path: Path, pattern: str = "*") -> None:
    if path.is_file():
        _hash_file(digest, path)
        return
    for file in sorted(path.rglob(pattern)) if path.is_dir() else ():
        if file.is_file() and "__pycache__" not in file.parts:
            _hash_file(digest, file)


@lru_cache(maxsize=None)
def _fixed_inputs() -> str:
    """What is the same for every unit in one command: the kata, shared data, packages, environment."""
    digest = hashlib.sha256()
    for name in KATA_FILES:
        _hash_tree(digest, ROOT / name, "*.py" if name == "kata" else "*")
    for name in SHARED_DATA:
        _hash_tree(digest, ROOT / name)
    for entry in sys.path:  # installed packages: their dist-info folders carry name and version
        if entry.endswith("site-packages") and os.path.isdir(entry):
            digest.update("\n".join(sorted(n for n in os.listdir(entry) if n.endswith(".dist-info"))).encode())
    digest.update(sys.version.encode())
    digest.update(json.dumps(sorted((k, v) for k, v in os.environ.items() if k.startswith(ENV_PREFIXES))).encode())
    return digest.hexdigest()


def imported_files(file: Path, tree: Path) -> list[Path]:
    """`file` and every module of `tree` it imports, followed through their own imports."""
    seen: list[Path] = []
    todo = [file]
    while todo:
        path = todo.pop()
        if path in seen or not path.is_file():
            continue
        seen.append(path)
        try:
            nodes = ast.walk(ast.parse(path.read_bytes()))
        except (SyntaxError, ValueError, RecursionError, MemoryError):  # a broken file, or one nested too deeply to
            # parse, is hashed as it is; it imports nothing we can follow
            continue
        for node in nodes:
            names = []
            if isinstance(node, ast.ImportFrom):
                base = (node.module or "").split(".")
                names = [base[-1]] + [alias.name for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name.split(".")[-1] for alias in node.names]
            todo += [tree / f"{name}.py" for name in names if name and (tree / f"{name}.py").is_file()]
    return sorted(seen)


def key(unit: Unit, tree: Path, swaps: tuple[tuple[str, Path], ...] = (), kind: str = "full") -> str:
    """The content key of `unit`'s result against `tree` (with `swaps`), for a run of `kind`."""
    digest = hashlib.sha256(_fixed_inputs().encode())
    digest.update(f"{unit.slug}\0{tree.resolve()}\0{kind}\0".encode())
    swapped = dict(swaps)
    for slug, path in sorted(swaps):
        digest.update(f"swap {slug}={Path(path).resolve()}\0".encode())
    for path in imported_files(Path(swapped.get(unit.slug, tree / f"{unit.slug}.py")), tree):
        _hash_file(digest, path)
    _hash_file(digest, tree / f"{unit.slug}.py")  # a missing file is part of the key too
    for data in sorted(tree.glob("*")):  # the tree's data files: the learner's own eval, say
        if data.is_file() and data.suffix != ".py":
            _hash_file(digest, data)
    _hash_file(digest, ROOT / unit.test_file)
    _hash_tree(digest, ROOT / "cassettes" / unit.slug)
    return digest.hexdigest()[:32]


MOMENT = ".moment"  # a crash's or a timeout's result: read only where the caller says it may be (the board)


def load(unit: Unit, key_: str, moments: bool = False) -> UnitResult | None:
    """The unit's stored result for `key_`; with `moments`, a crash's or a timeout's too, where there is no other."""
    for suffix in ("", MOMENT) if moments else ("",):
        try:
            return UnitResult.from_dict(json.loads((folder() / f"{unit.slug}-{key_}{suffix}.json").read_text()))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return None


def store(result: UnitResult, key_: str) -> None:
    # a crash or a timeout belongs to its moment (a busy machine can stop a test that was not looping): every command
    # but the board runs it again; the board shows it, said as its last run, rather than wait out a loop each time
    moment = MOMENT if result.ended_how or any(t.state == "timeout" for t in result.tests) else ""
    where = folder()
    try:
        where.mkdir(parents=True, exist_ok=True)
        tmp = where / f".{result.unit.slug}-{key_}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(result.to_dict()))
        tmp.replace(where / f"{result.unit.slug}-{key_}{moment}.json")
        entries = sorted(where.glob("*.json"), key=lambda p: p.stat().st_mtime)
        for old in entries[:-KEEP]:
            old.unlink(missing_ok=True)
    except OSError:  # a read-only checkout still works, only slower
        pass
