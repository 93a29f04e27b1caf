"""What a unit's tests import: the unit under test, and a failure message that teaches.

    from kata.judge.testing import expect, load_unit
    u01 = load_unit("u01_vocabulary")

    def test_...():
        got = u01.mechanisms_named("we should use a drag race")
        expect(got == set(), call="mechanisms_named('we should use a drag race')", returned=got,
               expected="no mechanism: 'drag race' contains the letters of RAG, not the word",
               hint="match whole words, not substrings")

`u01` is resolved when a test touches it, against the target chosen with --impl (exercises/ by
default), so a broken or unfinished unit fails its own tests and nothing else.
"""

from __future__ import annotations

import functools
import inspect
import pprint
import sys
import traceback
import types
from pathlib import Path

import pytest

from kata.learner import impl
from kata.judge import wall
from kata.learner import process
from kata.learner.values import RowsRefused as RowsRefused  # for the tests: a matrix that refuses a loop over its rows
from kata.units import BY_SLUG

_current: impl.Target | None = None  # set by the plugin before each test
# The units' functions the running test called itself ("U09.train_adapter"), in the order first called;
# the plugin empties it as each test starts and stores it with the test's result. Calls that a unit's
# function makes are its own business, not the test's: only the outermost are kept.
called: list[str] = []
# What the test's last call of a unit's function returned, [name, value]: a check of the test's own that cannot read
# it (`got - want` on a str) shows it.
last_returned: list = []
# The clause of the Verify line or docstring that the running test's failing check encodes, when the test
# checks several (expect(..., clause=...)); else the test's docstring quote stands.
failed_clause: list[str] = []
# Set when the running test's failing check is about how a function computes, not its values (expect(how=True)).
failed_how: list[bool] = []
# The learner's data file the running test reads (U10's own eval): a failure sends them to edit it, not the module.
data_file: list[str] = []
_depth = [0]


def set_current(target: impl.Target | None) -> None:
    global _current
    _current = target


def current_target() -> impl.Target:
    return _current or impl.target("exercises")


class UnitUnderTest:
    """Stands for a unit's module; each attribute is looked up in the current target when used."""

    def __init__(self, slug: str):
        if slug not in BY_SLUG:
            raise ValueError(f"load_unit({slug!r}): no such unit; the names are in kata/units.py")
        self._slug = slug

    def module(self) -> types.ModuleType:
        return impl.load(current_target(), self._slug)

    def __getattr__(self, name: str):
        if name.startswith("_"):  # pytest and mock probe private names at collection: never load for them
            raise AttributeError(name)
        if wall.WALL.up():  # the learner's code runs in its own process: ask it
            value = wall.WALL.get(current_target(), self._slug, name)
            return _called_by_test(value, f"{BY_SLUG[self._slug].code}.{name}") if hasattr(value, "kata_learner") else value
        module = self.module()
        try:
            value = getattr(module, name)
        except AttributeError:
            unit = BY_SLUG[self._slug]
            raise impl.MissingName(
                f"MISSING NAME --> {impl.display_path(current_target().file_of(self._slug))} defines no "
                f"`{name}`. The tests call it by that name: did you rename or delete it? "
                f"(`kata reset {unit.number}` restores the stub and backs up your file.)"
            ) from None
        return _stub_aware(value, f"{BY_SLUG[self._slug].code}.{name}") if inspect.isfunction(value) else value

    def __repr__(self) -> str:
        return f"<unit {self._slug} from {current_target().label}>"


def _stub_aware(function, name: str):
    """Call a unit's function, noting that the test called it; a NotImplementedError raised inside the
    unit's tree becomes StubReached."""

    @functools.wraps(function)
    def call(*args, **kwargs):
        if not _depth[0] and name not in called:
            called.append(name)
        _depth[0] += 1
        try:
            value = function(*args, **kwargs)
            if _depth[0] == 1:
                last_returned[:] = [name, value]
            return value
        except NotImplementedError as error:
            tree = current_target().tree
            frames = [f for f in traceback.extract_tb(error.__traceback__)
                      if Path(f.filename).parent in (tree, *(p.parent for _, p in current_target().swaps))]
            if not frames:
                raise
            where = f"{impl.display_path(Path(frames[-1].filename))}:{frames[-1].lineno}"
            raise impl.StubReached(f"{error}\n  (the stub is at {where})") from None
        finally:
            _depth[0] -= 1

    return call


def _called_by_test(function, name: str):
    """A learner function across the wall: note that the test called it (the learner's own calls stay there)."""

    @functools.wraps(function)
    def call(*args, **kwargs):
        if name not in called:
            called.append(name)
        value = function(*args, **kwargs)
        last_returned[:] = [name, value]
        return value

    call.kata_learner = function.kata_learner
    return call


def reads_data_file(path) -> None:
    """Say that the running test reads this data file of the learner's (beside their module), so a failure from
    here on sends them to edit it."""
    data_file[:] = [Path(path).name]


def peak_memory(function, *args, **kwargs):
    """(function(*args, **kwargs), the peak of new memory the call used, in bytes), measured by tracemalloc
    in the process where the learner's code runs."""
    if hasattr(function, "kata_learner"):
        name = getattr(function, "__name__", "function")
        return wall.WALL.call(function.kata_learner, name, args, kwargs, trace_memory=True)
    import tracemalloc

    tracemalloc.start()
    try:
        result = function(*args, **kwargs)
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def global_numpy_random(seed: int | None = None, draws: int = 0):
    """numpy's global generator where the learner's code runs: seed it, and/or draw `draws` numbers from it."""
    if wall.WALL.up():
        return wall.WALL._value(wall.WALL.ask({"kind": "numpy_random", "seed": seed, "draws": draws}))
    import numpy as np

    if seed is not None:
        np.random.seed(seed)
    return np.random.random_sample(draws) if draws else None


def unit_globals(unit: UnitUnderTest, function: str):
    """The globals where the unit's `function` looks names up (its defining module's), as a mapping a test can
    `monkeypatch.setitem` a stand-in into. Across the wall it reads and writes the learner process's module."""
    if wall.WALL.up():
        return wall.UnitGlobals(current_target(), unit._slug, function)
    return inspect.unwrap(getattr(unit.module(), function)).__globals__


def slowed(scope, name: str, seconds: float):
    """A stand-in for `scope[name]` (scope from unit_globals) that is the learner's own function, `seconds` slower a
    call where it runs: `monkeypatch.setitem(scope, name, slowed(scope, name, 0.3))`. Across the wall only the delay
    crosses, so the time a learner's code measures is the delay, not the data's trip."""
    if isinstance(scope, wall.UnitGlobals):
        return wall.Slowed(seconds)
    return process.slowed(scope[name], seconds)  # no wall: the same wrapper, here


def load_unit(slug: str) -> UnitUnderTest:
    return UnitUnderTest(slug)


def show(value: object, width: int = 100) -> str:
    """A value as the learner would read it in a REPL, trimmed when it is long: a big array by its corners."""
    numpy = sys.modules.get("numpy")
    if numpy is None:
        text = pprint.pformat(value, width=width, sort_dicts=False)
    else:
        with numpy.printoptions(threshold=24, edgeitems=2):  # 25 lines of numbers hide the point
            text = pprint.pformat(value, width=width, sort_dicts=False)
    return text if len(text) <= 1200 else text[:1200] + " …"


def as_list(vector: object) -> object:
    """A vector the learner's code stored, as a list to compare and show: a list, tuple or numpy array of numbers as
    a list of floats, None as []; anything else as it is (the comparison then fails and shows it)."""
    if vector is None:
        return []
    try:
        return [float(x) for x in vector]
    except (TypeError, ValueError):
        return vector


class Raised(str):
    """What a call raised instead of returning ("ValueError: ..."): `expect` says "It raised", not "It returned".
    Made by `raised(error)`, it also knows where the learner's code raised it, which `expect` shows."""

    where = ""  # the learner's call chain to the raise: "`load_eval` (exercises/u10_eval_datasets.py:42)"
    line = ""  # the line of their file that raised it


def raised(error: BaseException, note: str = "") -> Raised:
    """What a call raised, as a value a test compares and shows ("KeyError: 'input'"), knowing the line of the
    learner's file that raised it when one did; `note` goes after the message (" (not a ValueError)")."""
    from kata.judge.child import raised_where

    said = (getattr(error, "kata_message", None) or str(error)).strip()
    got = Raised(f"{type(error).__name__}{': ' + said if said else ''}{note}")
    where = raised_where(wall.frames_of(error), current_target().learner_files)
    if where:
        _, got.where, got.line = where
    return got


class Sent(str):
    """What a call sent to a vendor, when that is what failed ("one call with model='x'"): `expect` says "It sent"."""


class InWords(str):
    """What came back, said in words where its value would hide the point ("losses that diverged: 2.8 at step 0,
    inf at step 12"): `expect` says "It returned" and the words, not a quoted string the code never returned."""


class Problems(list):
    """What the tests found wrong in what came back, one problem each: `expect` says "What came back has these
    problems:" and lists them, not "It returned [...]" (the list is the test's, never the code's)."""


class Seen(dict):
    """What the tests saw of a call, each part under a name of the test's own ("ids", "embed calls", "losses[-1]"):
    `expect` says "What came back:" and lists them, one a line, not "It returned {...}" (the dict is the test's,
    never the code's: a blind learner read one as their function's return value)."""


class Did(str):
    """What the call did, where that, not a value it returned, is what failed ("used a peak of 8.4 MB of new
    memory", "changed W by up to 0.5"): `expect` says "It " and the words. `did(verb, value)` shows a value."""


def did(verb: str, value: object) -> Did:
    """What the call did with a value, shown as `expect` shows one: did("printed", out) says "It printed '…'"."""
    return Did(f"{verb} {show(value)}")


def _numpy_kind(value: object) -> str:
    """"bool" or "int" for a numpy bool or integer scalar (neither is a subclass of Python's), else ""."""
    numpy = sys.modules.get("numpy")
    if numpy is None or not isinstance(value, numpy.generic):
        return ""
    return "bool" if isinstance(value, numpy.bool_) else "int" if isinstance(value, numpy.integer) else ""


def _raised_line(got: Raised) -> str:
    """ "It raised …," and, when the learner's code raised it, where, and the line itself."""
    if not got.where:
        return f"It raised {got},"
    return f"It raised {got}, in {got.where}:" + (f"\n| {got.line}" if got.line else "")


def _problems_line(problems: Problems) -> str:
    """ "What came back has this problem: …," or the problems, one a line."""
    if len(problems) == 1:
        return f"What came back has this problem: {problems[0]},"
    return "What came back has these problems:\n" + "\n".join(f"  - {problem}" for problem in problems) + ","


def _seen_line(seen: Seen) -> str:
    """ "What came back:" and each part the test saw, one a line."""
    return "What came back:\n" + "\n".join(f"  - {name}: " + show(value).replace("\n", "\n    ")
                                            for name, value in seen.items()) + ","


def expect(ok: object, *, call: str, returned: object, expected: str, hint: str | None = None,
           clause: str | None = None, how: bool = False) -> None:
    """Fail in exercism's words: the call, what it returned (or raised), what the Verify line expects, a hint.
    `clause`: the words of the Verify line or docstring this check encodes, quoted instead of the test's
    opening line when one test checks several clauses. `how`: what failed is how the function computes
    (the memory it takes), with its values right, so no other test's values fail because of it."""
    if ok:
        return
    if clause:
        failed_clause[:] = [clause]
    if how:
        failed_how[:] = [True]
    came_back = (_raised_line(returned) if isinstance(returned, Raised) else _problems_line(returned)
                 if isinstance(returned, Problems) and returned else _seen_line(returned)
                 if isinstance(returned, Seen) and returned else f"It sent {returned}," if
                 isinstance(returned, Sent) else f"It {returned}," if isinstance(returned, Did) else
                 f"It returned {returned}," if isinstance(returned, InWords) else f"It returned {show(returned)},")
    lines = [f"Called {call}.", came_back, f"but the tests expected {expected}" + ("" if "\n" in str(expected) else ".")]  # no stray dot under a diff
    if hint:
        lines.append(f"Hint: {hint}")
    # np.True_ reads like True: say what it is, also as the first item of a pair (grade's (passed, reason))
    numpyish = next((v for v in ([returned, *returned[:2]] if isinstance(returned, tuple) else [returned]) if _numpy_kind(v)), None)
    if numpyish is not None:
        lines.append(f"Note: {numpyish!r} is numpy's {type(numpyish).__name__}, not a Python {_numpy_kind(numpyish)}.")
    # a reply handed back as it came, or one of its parts (a Message's Usage) put in a dict
    parts = [returned, *(returned.values() if isinstance(returned, dict) else
                         returned[:3] if isinstance(returned, (tuple, list)) else ())]
    sdk = next((v for v in parts if type(v).__module__.partition(".")[0] in SDKS), None)
    if sdk is not None:
        vendor, what = type(sdk).__module__.partition(".")[0], type(sdk).__name__
        lines.append(f"Note: {'that' if sdk is returned else f'the {what} in it'} is the {vendor} SDK's own {what} "
                     f"object, as the API sent it, not plain data read out of it.")
    if isinstance(returned, (tuple, set, frozenset)) and str(expected).lstrip().startswith("["):  # the same items, unlike
        lines.append(f"Note: that is a {'tuple, in round brackets' if isinstance(returned, tuple) else 'set, which keeps no order'}; "
                     f"what is expected is a list, in square ones.")
    elif (inner := _set_inside(returned, expected)) is not None:  # ({1}, set()) where ([1], []) is expected
        lines.append(f"Note: {show(inner)} in it is a set, which keeps no order; what is expected there is a list, in "
                     f"square brackets.")
    if returned is None and call.endswith(")"):  # the commonest slip of all: a function that ends without returning what
        # it built (not a part the test looked up in what came back: `replies()['...']`)
        lines.append("Note: None is what a function gives back when it ends without reaching a `return`: is the "
                     "`return` missing, or on a path this call did not take?")
    if _reads_as_number(returned):  # '3.000000' looks like 3.0 on the page
        lines.append(f"Note: {returned!r} is text (a str), not a number: it only reads like one.")
    elif (inside := _number_text_in(returned)) is not None:  # ('note07-p1', '9.026') inside a list
        lines.append(f"Note: {inside!r} in it is text (a str), not a number: it only reads like one.")
    pytest.fail("\n".join(lines), pytrace=False)


def _set_inside(returned, expected) -> set | frozenset | None:
    """The first set among a tuple's or a list's items where the expected value, in words, holds lists and no set."""
    said = str(expected)
    if not isinstance(returned, (tuple, list)) or "[" not in said or "{" in said or "set" in said:
        return None
    return next((item for item in list(returned)[:20] if isinstance(item, (set, frozenset))), None)


def _number_text_in(value, depth: int = 2):
    """The first str that reads as a number in a tuple, also a tuple inside a list (two levels down): a field of a
    record ('9.026' of ('note07-p1', '9.026')). A list's own items and a dict's values are left alone (tokens such
    as '20931', an eval case's expected '1081' are text by design). None if there is none."""
    if depth == 0 or not isinstance(value, (list, tuple)):
        return None
    for item in list(value)[:50]:
        if isinstance(value, tuple) and _reads_as_number(item):
            return item
        if (found := _number_text_in(item, depth - 1)) is not None:
            return found
    return None


def _reads_as_number(value) -> bool:
    """A str that Python would read as a number ("3.000000", "0.87"): it prints like the number it is not."""
    try:
        return isinstance(value, str) and float(value) == float(value) and value.strip() == value and value != ""
    except ValueError:
        return False


SDKS = ("anthropic", "voyageai", "ollama")  # whose result objects a learner may return as they came
