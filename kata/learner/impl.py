"""Which code the tests run against, and loading it so that a learner's mistake reads as a next step.

A *target* is a tree of unit modules: `exercises/` (the learner's, the default), `solutions/` (the
reference), or any folder laid out like `exercises/` (a learner's copy, for grading). A target may also
swap one unit for a module from the catalogue of learner mistakes (tests/mistakes/), which is how
`kata verify` proves that the tests catch each mistake.

Unit modules are compiled from source on every load (no .pyc), so a watch loop that re-runs after a
save always sees the file as saved, even when two saves land in the same second.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import re
import sys
import traceback
import types
from dataclasses import dataclass, field
from pathlib import Path

from kata.units import BY_SLUG, ROOT


# These derive from BaseException on purpose: hypothesis shrinks a failing example by re-running the
# test hundreds of times, which for "this is still a stub" is seconds of work that teaches nothing.
# A BaseException that is not an Exception passes straight through hypothesis to pytest.


class UnitLoadError(BaseException):
    """The unit's module could not be imported: missing file, syntax error, or an error at import time.

    Its message starts with the file and line ("exercises/u01_vocabulary.py:12: ..."), which the board shows.
    """


class MissingName(BaseException):
    """A test asked the unit for a function or constant that its module does not define."""


class StubReached(BaseException):
    """The code under test reached a `raise NotImplementedError` in the unit's tree: a stub to write."""


def display_path(path: Path) -> str:
    """Paths relative to the repository when they are inside it: short and clickable in a terminal."""
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class Target:
    tree: Path  # the folder that holds uNN_*.py
    package: str  # the importable name of that folder
    swaps: tuple[tuple[str, Path], ...] = field(default=())  # (slug, mistake module) pairs

    @property
    def label(self) -> str:
        base = display_path(self.tree)
        return base + "".join(f" + {display_path(path)}" for _, path in self.swaps)

    def with_swap(self, slug: str, module_path: Path) -> Target:
        return Target(self.tree, self.package, self.swaps + ((slug, module_path.resolve()),))

    def with_swap_of(self, slug: str) -> Target:
        """This target with only `slug`'s swap, if it has one: the other units at their own tree's code. A soundness
        round swaps a mistake into every unit at once; each unit's tests meet its own, never another unit's."""
        return Target(self.tree, self.package, tuple(pair for pair in self.swaps if pair[0] == slug))

    def file_of(self, slug: str) -> Path:
        return dict(self.swaps).get(slug, self.tree / f"{slug}.py")

    @property
    def learner_files(self) -> tuple[Path, ...]:
        """Where learner code runs from: the tree under test, and each mistake swapped in (a file, its own "tree")."""
        return (self.tree, *(path for _, path in self.swaps))


def target(spec: str | Path) -> Target:
    """`exercises`, `solutions`, or a path to a folder laid out like exercises/."""
    if str(spec) in ("exercises", "solutions"):
        return Target(ROOT / str(spec), str(spec))
    tree = Path(spec).expanduser().resolve()
    if not tree.is_dir():
        raise ValueError(f"--impl {spec}: no such folder (expected `exercises`, `solutions` or a path to a copy of exercises/)")
    if tree == ROOT / "exercises" or tree == ROOT / "solutions":
        return Target(tree, tree.name)
    # A learner's copy gets a package name of its own, so it never shadows exercises/ or solutions/.
    digest = hashlib.sha1(str(tree).encode()).hexdigest()[:10]
    return Target(tree, f"kata_graded_{digest}")


# --- import machinery: every unit module compiled fresh from its source -------------------------

UNIT_MODULE = re.compile(r"u\d\d_\w+")  # the only modules of a tree the kata imports
_TREES: dict[str, Path] = {}  # package name -> folder, for every target loaded in this process


# In the learner's process only (kata/learner/process.py turns it on): the units' public functions entered since the
# judge last asked ("U10.read_reply"), so a failure is called an echo only of a function that really ran in its test.
entered: set[str] = set()
noting_entries = [False]


class _FreshSourceLoader(importlib.machinery.SourceFileLoader):
    def get_code(self, fullname):  # never read or write a .pyc: a watch loop must see every save
        return compile(self.get_data(self.path), self.path, "exec", dont_inherit=True)

    def exec_module(self, module):
        super().exec_module(module)
        if noting_entries[0]:
            _note_entries(module)


def _note_entries(module: types.ModuleType) -> None:
    """Put a thin wrapper around each public function the unit's module defines, noting its entry in `entered`:
    its callers in this module and in later units (which import it after this runs) all go through it."""
    import inspect

    unit = re.search(r"(?:^|[._])u(\d\d)_", module.__name__)
    if unit is None:
        return
    for name, value in list(vars(module).items()):
        if not name.startswith("_") and inspect.isfunction(value) and value.__module__ == module.__name__:
            setattr(module, name, _noting(value, f"U{unit[1]}.{name}"))


def _noting(function, name: str):
    import functools

    @functools.wraps(function)
    def noted(*args, **kwargs):
        entered.add(name)
        return function(*args, **kwargs)

    return noted


class _TreeFinder(importlib.abc.MetaPathFinder):
    """Finds `<package>.<module>` in a registered tree, so units can import earlier units relatively."""

    def find_spec(self, fullname, path=None, target=None):
        package, _, module = fullname.partition(".")
        tree = _TREES.get(package)
        if tree is None:
            return None
        if not module:
            spec = importlib.machinery.ModuleSpec(fullname, None, is_package=True)
            spec.submodule_search_locations = [str(tree)]
            return spec
        file = tree / f"{module}.py"
        if "." in module or not UNIT_MODULE.fullmatch(module) or not file.is_file():
            return None  # only a tree's unit modules are ever imported: no helper, __init__ or shadowing module of theirs
        return importlib.util.spec_from_file_location(fullname, file, loader=_FreshSourceLoader(fullname, str(file)))


_FINDER = _TreeFinder()


def _register(tree: Path, package: str) -> None:
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)
    _TREES[package] = tree


for _name in ("exercises", "solutions"):  # mistakes import `solutions.uNN_*` by its plain name
    _register(ROOT / _name, _name)


def forget(package: str) -> None:
    """Drop a tree's modules from this process, so the next load reads the files again."""
    for name in [n for n in sys.modules if n == package or n.startswith(package + ".")]:
        del sys.modules[name]
    for name in [n for n in sys.modules if n.startswith("kata_mistake_")]:
        del sys.modules[name]


def load(tgt: Target, slug: str) -> types.ModuleType:
    """Import one unit from a target; raise UnitLoadError with file:line when that is impossible."""
    _register(tgt.tree, tgt.package)
    swapped = dict(tgt.swaps).get(slug)
    file = swapped or tgt.tree / f"{slug}.py"
    if not file.is_file():
        unit = BY_SLUG.get(slug)
        how = f" `kata reset {unit.number}` restores the stub." if unit and not swapped else ""
        raise UnitLoadError(f"{display_path(file)} is missing.{how}")
    if not swapped and outside_link(file, tgt.tree):
        raise UnitLoadError(f"{display_path(file)} is a link to {os.readlink(file)}, outside its folder: the kata never "
                            f"follows a link out of a learner's tree. Put the unit's own code in the file.")
    name = f"kata_mistake_{slug}_{file.stem}" if swapped else f"{tgt.package}.{slug}"
    if name in sys.modules:
        return sys.modules[name]
    try:
        if swapped:
            spec = importlib.util.spec_from_file_location(name, file, loader=_FreshSourceLoader(name, str(file)))
            module = importlib.util.module_from_spec(spec)
            module.__package__ = tgt.package  # a learner's own `from .u04_embeddings import embed` finds the tree's unit
            sys.modules[name] = module
            try:
                spec.loader.exec_module(module)
            except BaseException:
                del sys.modules[name]
                raise
            return module
        return importlib.import_module(name)
    except SyntaxError as error:
        raise _syntax_error(error) from None
    except (Exception, SystemExit, KeyboardInterrupt) as error:  # an error (or an exit) while the module runs its top level
        raise _import_error(error, file) from None


def outside_link(path: Path, tree: Path) -> bool:
    """A symbolic link (the file, or a folder on the way) that leads out of `tree`."""
    try:
        return not path.resolve().is_relative_to(tree.resolve())
    except (OSError, RuntimeError):  # a loop of links
        return True


def _syntax_error(error: SyntaxError) -> UnitLoadError:
    where = f"{display_path(Path(error.filename or '?'))}:{error.lineno}"
    lines = [f"{where}: {type(error).__name__}: {error.msg}"]
    if error.text:
        lines.append("    " + error.text.rstrip("\n"))
        if error.offset:
            lines.append("    " + " " * (error.offset - 1) + "^")
    lines.append("Fix that line and save: the other units keep working meanwhile.")
    return UnitLoadError("\n".join(lines))


def _not_installed(name: str) -> bool:
    """A module no installed package or unit provides (`import pandas`), not a unit's name misspelled."""
    top = name.split(".")[0]
    if re.search(r"u\d\d_", name) or top == "exercises" or top in sys.modules:
        return False
    try:
        return importlib.util.find_spec(top) is None
    except (ImportError, ValueError):
        return False


def _import_error(error: BaseException, file: Path) -> UnitLoadError:
    frames = [f for f in traceback.extract_tb(error.__traceback__) if Path(f.filename).parent == file.parent]
    last = frames[-1] if frames else None
    where = f"{display_path(Path(last.filename))}:{last.lineno}" if last else display_path(file)
    message = f"{where}: importing the module raised {type(error).__name__}: {error}"
    if isinstance(error, SystemExit):
        message = f"{where}: importing the module called sys.exit({error.code!r}); a unit's top level only defines things"
    if isinstance(error, ImportError) and error.name and error.name.split(".")[0] in ("solutions", "tests"):
        message += (f"\n(your code imports {error.name!r}: the kata's own {error.name.split('.')[0]}/ folder is not "
                    f"there for your code while it runs. Write the unit yourself (an earlier unit of yours is "
                    f"imported as `from .uNN_name import …`); the reference is for after: `kata check` names it once "
                    f"the unit is done)")
    elif isinstance(error, ModuleNotFoundError) and error.name and (unit := BY_SLUG.get(error.name.rpartition(".")[2])) \
            and not (file.parent / f"{unit.slug}.py").exists():
        message = (f"{where}: importing the module raised ModuleNotFoundError: the folder {display_path(file.parent)} "
                   f"holds no {unit.slug}.py\n(this unit builds on your {unit.code}, imported from the same "
                   f"folder: put your {unit.slug}.py beside it)")
    elif isinstance(error, ModuleNotFoundError) and error.name and _not_installed(error.name):
        message += (f"\n({error.name.split('.')[0]!r} is not installed here: the kata holds only the packages its "
                    f"pyproject.toml lists, and so does a grader's copy. Write the unit with what its file imports "
                    f"already and Python's standard library)")
    elif isinstance(error, ImportError) and error.name:
        message += f"\n(the import of {error.name!r} failed: is the name spelled as in the earlier unit?)"
    return UnitLoadError(message)
