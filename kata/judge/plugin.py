"""The kata's pytest plugin (conftest.py loads it): target switching, markers, teaching failures.

Options:
  --impl exercises|solutions|PATH   the code under test (default: exercises/, the learner's)
  --kata-swap SLUG=FILE             replace one unit by a module from tests/mistakes/ (repeatable)
  --kata-report FILE                write one JSON record per test, for the CLI and classroom tools
  --kata-harness                    also run tests/harness/, the kata's checks of itself
  --strict-replay                   replay only recorded requests (a body diff for any other), as
                                    `kata verify` runs the solutions; by default a request no cassette
                                    holds is computed offline by the reference backend (kata/world/replay.py)

Every unit test carries @pytest.mark.verify or @pytest.mark.stretch, and its docstring's first
paragraph quotes the Verify or Stretch sentence it encodes; failures are shown with that quote.
"""

from __future__ import annotations

import ast
import errno
import functools
import os
import re
import sys
import types
from pathlib import Path

import pytest
from hypothesis import Phase, settings

from kata.world import cassettes, causes, offline, replay
from kata.learner import impl, process
from kata.judge import live, reach, testing, wall
from kata import stubs
from kata.judge.child import TimeLimitReached, learner_frame, overrun, raised_in_of, raised_where, timeout_points
from kata.learner.values import CannotCross
from kata.judge.report import NOT_RUN, Reporter, group
from kata.units import BY_SLUG, ROOT, UNITS, unit_of_path

# verify: a Verify line of the course; stretch: its Stretch goal; contract: a clause of the exercise's
# docstring that no course sentence covers (an error path, a return type). Contract tests gate "done"
# as Verify tests do, and are counted with them.
KINDS = ("verify", "stretch", "contract")


def pytest_addoption(parser):
    group = parser.getgroup("kata")
    group.addoption("--impl", default="exercises", help="exercises (default), solutions, or a path to a copy of exercises/")
    group.addoption("--kata-swap", action="append", default=[], metavar="SLUG=FILE", help="swap one unit for a learner-mistake module")
    group.addoption("--kata-report", metavar="FILE", help="write per-test JSON records to FILE")
    group.addoption("--kata-harness", action="store_true", help="also run tests/harness (the kata's own checks)")
    group.addoption("--kata-quick", action="store_true", help="property tests: 20 examples, no shrinking (watch mode)")
    group.addoption("--strict-replay", action="store_true",
                    help="replay only recorded requests; never compute a missing one with the reference backend")
    group.addoption("--kata-catch", action="store_true",
                    help="only ask whether each unit fails: stop a unit at its first failure, never shrink")
    group.addoption("--kata-shard", metavar="I/N", default="",
                    help="run only shard I of N of the tests (a core each: kata/running/worker.py), property tests spread; "
                         "I/N+W: the last shard starts W heavy")


# Property tests are deterministic (the same examples on every run and machine) and never time out
# on a slow, shared machine: the kata runs offline and must give the same verdict everywhere.
settings.register_profile("kata", deadline=None, derandomize=True, database=None)
# `kata watch` trades depth for speed: fewer examples, and the first failing one is shown unshrunk.
settings.register_profile("kata-quick", parent=settings.get_profile("kata"), max_examples=20,  # QUICK_EXAMPLES
                          phases=[Phase.explicit, Phase.reuse, Phase.generate])
# `kata verify` asks of each catalogued mistake only whether some test fails: no shrinking needed.
settings.register_profile("kata-catch", parent=settings.get_profile("kata"),
                          phases=[Phase.explicit, Phase.reuse, Phase.generate])
settings.load_profile("kata")


def _seed_only_the_judges_own_generators() -> None:
    """hypothesis seeds, then restores, every generator it manages around each example. numpy's global one
    costs ~150 µs an example, two thirds of that bookkeeping; behind the wall the only code here is the tests',
    which draw nothing from it (tests/harness/test_conventions.py), and the learner's runs in its own process.
    Its own Random is registered here too, without the scan of the whole heap register_random makes to warn
    of a generator about to be collected (~0.2 s in a process holding the SDKs: once per fresh judge)."""
    from random import Random

    from hypothesis import core
    from hypothesis.internal import entropy

    if getattr(entropy, "NP_RANDOM", "absent") is None:  # hypothesis registers it on first use, when it is None
        entropy.NP_RANDOM = entropy.NumpyRandomWrapper()  # held, never managed
    if core.threadlocal._hypothesis_global_random is None:
        core.threadlocal._hypothesis_global_random = own = Random()  # the strong reference the weak one needs
        entropy.RANDOMS_TO_MANAGE[next(entropy._RKEY)] = own


def pytest_configure(config):
    config.addinivalue_line("markers", "verify: encodes the unit's Verify criterion; the unit is done when these pass")
    config.addinivalue_line("markers", "stretch: encodes the unit's Stretch goal; shown apart, never blocks a unit")
    config.addinivalue_line("markers", "contract: encodes a clause of the exercise's docstring that no course sentence covers")
    config.addinivalue_line("markers", "harness: a check of the kata itself (run by `kata verify`)")
    config.addinivalue_line("markers", f"{live.MEASUREMENT_MARK}: its example rests on the reference backend's own "
                            "measurements; under --live its failure says so")
    if live.running_live():  # `kata check N --live`: voyageai too calls the live endpoint (it reads no variable)
        live.point_voyage()
    try:
        target = impl.target(config.getoption("impl"))
        for swap in config.getoption("kata_swap"):
            slug, _, path = swap.partition("=")
            target = target.with_swap(slug, Path(path))
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None
    profile = "kata-quick" if config.getoption("kata_quick") else "kata-catch" if config.getoption("kata_catch") else "kata"
    settings.load_profile(profile)
    if wall.wanted():  # without the wall the learner's code runs here, and may draw from numpy's generator
        _seed_only_the_judges_own_generators()
    offline.configure(config)  # no test reaches the network (DNS included); the SDKs start without keys
    replay.configure(strict=config.getoption("strict_replay"))  # a request no cassette holds: computed, or a diff
    config.kata_target = target
    testing.set_current(target)
    if os.environ.get("KATA_CHILD") and not hasattr(config.option, "tbstyle"):  # no terminal plugin in the worker's child
        config.option.tbstyle = "short"
    # One Reporter per session: the one the worker handed to pytest.main(plugins=[...]), or our own
    # for a plain `pytest` run (its terminal summary and --kata-report read it).
    config.kata_reporter = next((p for p in config.pluginmanager.get_plugins() if isinstance(p, Reporter)), None)
    if config.kata_reporter is None:
        config.kata_reporter = Reporter()
        config.pluginmanager.register(config.kata_reporter, "kata-reporter")
    if not config.pluginmanager.has_plugin("kata-cassette-folders"):
        config.pluginmanager.register(_cassette_folders(), "kata-cassette-folders")
    if not config.getoption("collectonly"):  # before any test module is imported
        wall.raise_wall(target.learner_files)


def pytest_unconfigure(config):
    wall.WALL.stop()


# --- cassettes, through pytest-recording: one folder per unit, matched on method, path and JSON body


def _cassette_folder(request):
    unit = unit_of_path(request.node.path)
    if unit is None:  # not a unit's test: pytest-recording's own layout, beside the test file
        return str(request.node.path.parent / "cassettes" / request.node.path.stem)
    return str(cassettes.CASSETTES / unit.slug)


def _cassette_folders() -> types.ModuleType:
    """pytest-recording's `vcr_cassette_dir`, overridden by a plugin registered in pytest_configure, after
    every plugin has loaded: it wins whatever order this plugin was named in (`-p kata.judge.plugin` loads it
    before pytest-recording, whose own fixture would then win)."""
    holder = types.ModuleType("kata.cassette_folders")
    holder.vcr_cassette_dir = pytest.fixture(scope="module", name="vcr_cassette_dir")(_cassette_folder)
    return holder


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-recording's; fine when it is disabled (-p no:recording)
def pytest_recording_configure(config, vcr):
    # Set on the VCR itself rather than through a `vcr_config` fixture, whose precedence against
    # pytest-recording's own depends on the order plugins load in.
    vcr.register_matcher("json_body", cassettes.json_body)
    for name, value in cassettes.vcr_config().items():
        setattr(vcr, name, value)


def _stub_opening(message: str, target: impl.Target) -> str:
    """The opening of the docstring of the stub a test reached, read from the file that holds it (parsed, never
    run; the reference is out of sight here); "" when it cannot be read."""
    found = stubs.reached(message)
    return _opening_in(target.file_of(found[0].slug), found[1]) if found else ""


SDK_OBJECT = re.compile(r"what (\w+)\(\) returned.*? is an? ((?:anthropic|voyageai|ollama)\b)[\w.]*?\.(\w+),")


def _docstring_opening(item, function: str) -> str:
    """The opening of the docstring of `function` in the test's unit, read from the learner's file (parsed, never
    run); "" when it is not there."""
    unit = unit_of_path(item.path)
    return _opening_in(item.config.kata_target.file_of(unit.slug), function) if unit else ""


def _docstring_in(path: Path, function: str) -> str:
    """`function`'s docstring in the file at `path`, parsed, never run; "" when it cannot be read."""
    try:
        return _docstrings(path.read_text(encoding="utf-8")).get(function, "")
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):  # (code nested too deeply to parse)
        return ""


@functools.lru_cache(maxsize=16)
def _docstrings(source: str) -> dict[str, str]:
    """Each top-level function's docstring in `source`: parsed once for every failure that reads one (a stub's
    seventy failing tests parsed its file seventy times, a tenth of their time)."""
    found: dict[str, str] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef):
            found.setdefault(node.name, ast.get_docstring(node) or "")
    return found


def _opening_in(path: Path, function: str) -> str:
    """The first paragraph of `function`'s docstring in the file at `path`; "" when it cannot be read."""
    return one_line(_docstring_in(path, function).split("\n\n")[0])


def _sentences_of(item, function: str) -> list[str]:
    """The sentences of `function`'s docstring ("U07.read_ranking"), read from the learner's file of its unit."""
    code, _, name = function.partition(".")
    unit = next((u for u in UNITS if u.code == code), None)
    doc = one_line(_docstring_in(item.config.kata_target.file_of(unit.slug), name)) if unit else ""
    return re.split(r"(?<=\.) ", doc) if doc else []


def _never_raise_clause(item, function: str) -> str:
    """The sentence of `function`'s docstring ("U07.read_ranking") that says it never raises; "" when it says no
    such thing."""
    return next((sentence for sentence in _sentences_of(item, function) if "never raise" in sentence.lower()), "")


def one_line(text: str) -> str:
    """Text quoted on one line: its line breaks and their indentation become one space; spaces the text itself
    doubles stay ("two spaces before the parenthesis" is quoted with them)."""
    return re.sub(r"\s*\n\s*", " ", text).strip()


def docstring_quote(function) -> str:
    """The first paragraph of a test's docstring: the Verify or Stretch sentence it encodes."""
    doc = (function.__doc__ or "").strip()
    return one_line(doc.split("\n\n")[0])


def _unit_and_kind(item):
    unit = unit_of_path(item.path) if item.path.parent == ROOT / "tests" else None
    kinds = [k for k in KINDS if item.get_closest_marker(k)]
    return unit, kinds


QUICK_EXAMPLES = 20


def _cap_examples(items, quick: bool) -> None:
    """--kata-quick: at most QUICK_EXAMPLES examples, even where a test asked for more; else as written.

    Test modules stay imported between a warm process's runs, so the cap is undone when not quick.
    """
    for item in items:
        test = getattr(item, "obj", None)
        chosen = getattr(test, "_hypothesis_internal_use_settings", None)  # hypothesis's own record of @settings
        if chosen is None:
            continue
        full = test.__dict__.setdefault("_kata_full_settings", chosen)
        capped = quick and full.max_examples > QUICK_EXAMPLES
        test._hypothesis_internal_use_settings = settings(full, max_examples=QUICK_EXAMPLES) if capped else full


def pytest_collection_modifyitems(config, items):
    _cap_examples(items, config.getoption("kata_quick"))
    explicit = config.getoption("kata_harness") or any("harness" in str(arg) for arg in config.args)
    if explicit:
        return
    # The harness checks the repository, not the learner's code: keep it out of a learner's run.
    harness = [item for item in items if "harness" in item.path.parts]
    if harness:
        config.hook.pytest_deselected(items=harness)
        items[:] = [item for item in items if "harness" not in item.path.parts]
    config.kata_order = [item.nodeid for item in items]  # the whole run's order, which the shards' results are put back in
    if config.getoption("kata_shard"):
        mine, other = _shard(items, config.getoption("kata_shard"))
        config.hook.pytest_deselected(items=other)
        items[:] = mine


PROPERTY_WEIGHT = 60  # a property test runs ~100 examples (~150 ms here); a plain test, one call or a few (~2 ms)


def _shard(items, spec: str) -> tuple[list, list]:
    """Shard I of N ("I/N", or "I/N+W": the last shard starts W heavy, for what it does after its tests): each test,
    in order, goes to the shard with the least weight so far (property tests weigh PROPERTY_WEIGHT, others 1), so the
    shards end at about the same time. The same tests give the same shards."""
    index, _, count = spec.partition("/")
    count, _, handicap = count.partition("+")
    weights, mine, other = [0] * int(count), [], []
    weights[-1] = int(handicap or 0)
    for item in items:
        lightest = weights.index(min(weights))
        weights[lightest] += PROPERTY_WEIGHT if hasattr(getattr(item, "obj", None), "hypothesis") else 1
        (mine if lightest == int(index) else other).append(item)
    return mine, other


def pytest_collection_finish(session):
    if not session.config.getoption("collectonly"):  # a warm parent's collection drops what it collected (worker.prime)
        process.freeze_what_is_held()


def pytest_runtest_logstart(nodeid, location):
    testing.called.clear()  # the unit functions this test calls, stored with its result
    testing.last_returned.clear()
    wall.stood_in.clear()  # the names it puts stand-ins for
    wall.ran.clear()  # the units' functions that run in it, in the learner's process
    wall.WALL.forget_look_ups()  # its names asked for afresh: each test looks them up as it would alone
    testing.failed_clause.clear()
    testing.data_file.clear()
    testing.failed_how.clear()
    testing._depth[0] = 0


def pytest_runtest_setup(item):
    unit, kinds = _unit_and_kind(item)
    target = item.config.kata_target
    # swaps (a soundness round, a mutant): a unit's tests meet its own swapped module only, every other unit's
    # function they call at its reference, so a mistake's verdicts never depend on the other mistakes of its round
    testing.set_current(target.with_swap_of(unit.slug) if unit and target.swaps else target)
    if item.get_closest_marker("vcr"):  # only API tests pay for importing the anthropic SDK
        cassettes.stop_sdk_retries_on_a_miss()
    if unit and item.config.getoption("kata_catch") and item.config.kata_reporter.failed_unit(unit.slug):
        pytest.skip(f"{unit.code} already failed a test (--kata-catch)")
    if unit and (why := _meets_a_loop(item, unit)):
        pytest.skip(f"{NOT_RUN_WHY} of {unit.code} ran out of time {why} (fix that first)")
    if unit and len(kinds) != 1:
        pytest.fail(f"{item.nodeid} needs exactly one of @pytest.mark.verify / @pytest.mark.stretch / @pytest.mark.contract", pytrace=False)


NOT_RUN_WHY = "not run: an earlier test"  # a test skipped for this never ran: shown as not run, not as a failure
MOST_TIMEOUTS = 3  # a unit's timeouts after which a test that reaches any looping function is not run; twice as
# many, and none of its tests is (a loop that kata/judge/reach.py cannot see a test reach)


def _meets_a_loop(item, unit) -> str:
    """Why this test is not run after a timeout, or "": it reaches every function of the learner's call chain an
    earlier test ran out of time in, from the function the loop is in down (kata/judge/reach.py reads what it calls:
    `cut_context` and the `count_tokens` it calls, not `count_tokens` alone; U04's `cosine`, whoever calls it);
    after MOST_TIMEOUTS timeouts, any function a loop was in. The tests that cannot meet the loop still run,
    so one endless loop does not hide a whole unit."""
    results = item.config.kata_reporter.results
    stopped = [t for t in results if t.unit == unit.slug and t.state == "timeout"]
    if not stopped:
        return ""
    looping = [chain for chain in getattr(item.config, "kata_looping", []) if chain]
    if len(stopped) >= 2 * MOST_TIMEOUTS or (len(stopped) >= MOST_TIMEOUTS and not looping):
        return f"{len(stopped)} times"
    reached = reach.reaches(item.path, item.originalname)
    met = next((chain for chain in looping if set(chain) <= reached), None)
    if met is None and len(stopped) >= MOST_TIMEOUTS:
        met = next((chain for chain in looping if chain[0] in reached), None)
    return f"in `{met[0].partition('.')[2]}`, which this test runs too" if met else ""

_TEACHING = {impl.UnitLoadError: "broken", impl.MissingName: "missing", impl.StubReached: "stub"}


class LearnerInterrupt(Exception):
    """A KeyboardInterrupt raised by learner code (in the worker's child, where Ctrl-C never arrives)."""


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    try:
        return (yield)
    except KeyboardInterrupt as error:
        if not os.environ.get("KATA_CHILD"):  # plain pytest: the person at the keyboard pressed Ctrl-C
            raise
        raise LearnerInterrupt(_learner_where(error, item)) from None


def _learner_trees(item) -> tuple[Path, ...]:
    """The files learner code runs from: the tree under test, and each mistake swapped in."""
    return item.config.kata_target.learner_files


def _learner_where(error: BaseException, item) -> str:
    where = learner_frame(wall.frames_of(error), _learner_trees(item))
    return f" in {where}" if where else ""


def _raised_by_learner_code(item, error) -> str | None:
    """An exception the learner's own code raised and the test did not expect, in words: what was raised, where
    (the learner's call chain and the line of their file), never the test's or the kata's frames. None when no
    frame of it is in the learner's tree (an SDK's error, the kata's own)."""
    if getattr(error, "kata_frames", None) is None or isinstance(error, (impl.UnitLoadError, impl.MissingName, impl.StubReached)):
        return None
    where = raised_where(wall.frames_of(error), _learner_trees(item))
    if where is None:
        return None
    steps, chain, line = where
    item.kata_points = {"chain": steps, "raised_in": raised_in_of(steps), "error": type(error).__name__}
    handed = _handed_over(steps)
    # the clause it broke, not the test's: a "never raises" it made, or how its function should call the one that raised
    if (clause := _never_raise_clause(item, item.kata_points["raised_in"]) or (handed and _calling_clause(item, *handed))):
        testing.failed_clause[:] = [clause]
    said = getattr(error, "kata_message", str(error))
    hint = _handed_hint(*handed) if handed else (_refused_hint(error) or _missing_key_hint(error) or _input_hint(error, line)
                                                    or _debugger_hint(error, steps) or _read_only_hint(error))
    own = testing.data_file[0] if testing.data_file and testing.data_file[0] in said else ""  # a line of their own data
    why = (f"Your code refused a line of your own {own}: if that line is bad, fix it there; if it is good, the check "
           f"that raised is wrong." if own else "A function under test returns its result: an exception it raises (and "
           "does not catch) is never a pass. The line above is where it was raised.")
    said = said[:-1] if said.endswith(".") and not said.endswith("..") else said  # (", in" follows)
    return "\n".join([f"Your code raised {type(error).__name__}{': ' + said if said else ''}, in {chain}:",
                      *([f"| {line}"] if line else []), why, *([hint] if hint else [])])


def _input_hint(error, line: str) -> str:
    """A nudge for input() in code under test: nobody types while the tests run, so it meets the end of its input."""
    if type(error).__name__ != "EOFError" or "input(" not in (line or ""):
        return ""
    return ("Hint: input() waits for someone to type, and nobody types while the tests run: a function under test "
            "gets what it needs as its arguments (to look at a value as it runs, print it instead).")


def _debugger_hint(error, steps: list[list]) -> str:
    """A nudge for breakpoint() or pdb.set_trace() in code under test: their prompt meets nobody, and quits (BdbQuit)."""
    if type(error).__name__ != "BdbQuit":
        return ""
    module = Path(steps[-1][1]).stem
    return ("Hint: breakpoint() and pdb stop at a prompt for someone to type, and nobody is at it while the tests run. "
            f"To step through your function, call it by hand, where breakpoint() does stop: `uv run python -i -c \"from "
            f"exercises.{module} import *\"`; to look at a value as the tests run, print it instead.")


def _read_only_hint(error) -> str:
    """A nudge for a file written by code under test where the sandbox shows every folder read-only (EROFS)."""
    said = f"{error} {getattr(error, 'kata_message', '')}"
    if not isinstance(error, OSError) or f"[Errno {errno.EROFS}]" not in said:
        return ""
    return ("Hint: while the tests run, your code sees every folder read-only but a temp folder of its own "
            "(tempfile.gettempdir(), emptied when the run ends), so nothing it writes lands in your checkout. A function "
            "under test gives back its result rather than writing it to a file; to look at a value as it runs, print it.")


def _missing_key_hint(error) -> str:
    """A nudge for a KeyError raised on the learner's line: a key misnamed, or one the data may leave out."""
    if not isinstance(error, KeyError) or len(error.args) != 1:
        return ""
    key = error.args[0]  # across the wall a KeyError carries the key as its repr already
    key = key if isinstance(key, str) and key[:1] == key[-1:] and key[:1] in "'\"" and len(key) > 1 else repr(key)
    return (f"Hint: the dict read on that line holds no key {key}. The docstrings name the keys each dict "
            f"holds, and say which ones may be missing and what that means: check the name your code reads, and "
            f"the dict it reads it from, against them.")


def _refused_hint(error) -> str:
    """A nudge for a keyword argument a library refused (anthropic's `Messages.create(temperature=…)`): the call is
    the learner's line, the refusal the library's as installed here, not a rule of the kata's; "" otherwise."""
    said = re.search(r"unexpected keyword argument '(\w+)'", str(error))
    frames = wall.frames_of(error)
    found = re.search(r"site-packages/(\w+)/", frames[-1].filename) if frames else None
    # a method that takes no **kwargs refuses at the learner's own call, before any frame of the library: read the
    # library from the method the message names ("Messages.count_tokens()", "Client.rerank()")
    library = found[1] if found else _library_of(re.match(r"(\w+)\.(\w+)\(\)", str(error)))
    if not (isinstance(error, TypeError) and said and library):
        return ""
    try:
        from importlib.metadata import version

        installed = f"{library} {version(library)}"
    except Exception:  # noqa: BLE001 - a module whose distribution has another name
        installed = library
    return (f"Hint: `{said[1]}` is refused by {installed}, the library installed here, not by the kata: send only the "
            f"arguments the docstring lists")


def _library_of(named) -> str:
    """The SDK a "Class.method()" of a TypeError belongs to, among those loaded here ("" when none has it)."""
    if not named:
        return ""
    for name, module in list(sys.modules.items()):
        if name.partition(".")[0] in testing.SDKS and hasattr(getattr(module, named[1], None), named[2]):
            return name.partition(".")[0]
    return ""


def _check_tripped(item, error) -> str | None:
    """A check of the test's own that could not even read what the learner's code returned (`got - want` on a str),
    in words, without the test's source; None for any other error."""
    import traceback

    frames = traceback.extract_tb(error.__traceback__) if error.__traceback__ else []
    if not (frames and Path(frames[-1].filename) == Path(item.path)
            and isinstance(error, (TypeError, AttributeError, KeyError, IndexError))):
        return None
    function = next(iter(testing.called), "").partition(".")[2]
    last = testing.last_returned
    came_back = f"\nYour `{last[0].partition('.')[2]}` returned {testing.show(last[1])}." if last else ""
    return (f"The test could not check what your code returned: {type(error).__name__}: {error}, on a line of the "
            f"test that reads your result.{came_back}\nHint: most likely {f'`{function}`' if function else 'your function'} "
            f"returned another type or shape than its docstring asks for (a str for a number, a list for a dict, None): "
            f"look at what it returns, and at the docstring's words for it.")


def _handed_over(steps: list[list]) -> tuple[str, str] | None:
    """(the function of the test's unit that called into an earlier unit, the earlier unit's function it called:
    "U06.retrieve", "U05.top_k") when the error was raised inside that earlier unit's code; None otherwise."""
    public = [step for step in steps if step[3] and step[0][:1].islower()]
    into = next((i for i, step in enumerate(public) if step[3] < public[0][3]), None)
    if not into or public[-1][3] >= public[0][3]:
        return None
    return f"U{public[into - 1][3]:02d}.{public[into - 1][0]}", f"U{public[into][3]:02d}.{public[into][0]}"


def _handed_hint(outer: str, inner: str) -> str:
    """A nudge for an error raised in an earlier unit's function: whether that function passes its own tests decides
    where to look (the judge of this test does not know; the line under the failure says it when it fails them)."""
    caller, (code, _, name) = outer.partition(".")[2], inner.partition(".")
    return (f"Hint: it was raised inside {code}'s `{name}`, which your `{caller}` calls. If `{name}` fails {code}'s "
            f"own tests (`kata next {int(code[1:])}` shows), fix it there first; if it passes them, check what "
            f"`{caller}` hands it (which arguments, in which order, of which types) against what `{name}` takes")


def _calling_clause(item, outer: str, inner: str) -> str:
    """The sentence of `outer`'s docstring ("U06.retrieve") that says how it uses `inner` ("U05.top_k"); "" when
    none names it."""
    name = inner.partition(".")[2]
    naming = [s for s in _sentences_of(item, outer) if re.search(rf"\b{re.escape(name)}\b", s)]
    # the sentence that names the function as code ("your U04 `cosine`") before one that only says the word
    said = next((s for s in naming if f"`{name}`" in s), naming[0] if naming else "")
    if len(said) > 200:  # a table of keys has no full stops: the docstring's own line that names it
        code, _, function = outer.partition(".")
        unit = next((u for u in UNITS if u.code == code), None)
        doc = _docstring_in(item.config.kata_target.file_of(unit.slug), function) if unit else ""
        said = next((line.strip() for line in doc.splitlines() if re.search(rf"\b{re.escape(name)}\b", line)), said)
    return said


BUSY = 1.5  # runnable processes a CPU, averaged over a minute, from which a timeout may be the machine's, not the code's


def _busy_machine() -> str:
    """A sentence when the machine was busy as the test ran out of time (a loop of the learner's alone keeps one CPU
    busy, never one and a half of each), else "": a learner's first run beside other work timed out a finished unit."""
    try:
        load, cpus = os.getloadavg()[0], len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    except OSError:
        return ""
    if not cpus or load < BUSY * cpus:
        return ""
    return (f" The machine was busy meanwhile (load average {load:.1f} on {cpus} CPU{'s' if cpus > 1 else ''}): if this "
            f"test usually passes in time, run it again once the machine is quieter.")


def _teaching_message(item, error) -> tuple[str, str] | None:
    state = next((s for kind, s in _TEACHING.items() if isinstance(error, kind)), None)
    if state:
        return state, str(error)
    if isinstance(error, TimeLimitReached):
        if not overrun.get("where") and overrun.get("calling"):  # in the learner's process, which did not say where
            return "timeout", (f"This test ran for more than {overrun.get('limit', '?')} s and was stopped while your "
                               f"code was running, inside a call that did not let it say where (a long call into a C "
                               f"library: a regular expression, a huge array?). KATA_TIME_LIMIT sets the limit.")
        if not overrun.get("where"):  # stopped while none of the learner's code was running: the kata's own time
            return "timeout", (f"This test ran for more than {overrun.get('limit', '?')} s and was stopped while none "
                               f"of your code was running: a busy machine, most likely, not a loop of yours. Run it "
                               f"again (nothing of a timeout is cached); KATA_TIME_LIMIT raises the limit.")
        loop = f" {overrun['loop']}" if overrun.get("loop") else ""
        item.kata_points = timeout_points()
        return "timeout", (f"This test ran for more than {overrun.get('limit', '?')} s and was stopped, in {overrun['where']}.{loop} "
                           f"An endless loop, or a loop whose end is never reached? (KATA_TIME_LIMIT sets the limit.)"
                           f"{_busy_machine()}")
    if isinstance(error, CannotCross):  # the learner's function returned something that is not plain data
        sdk = SDK_OBJECT.search(str(error))
        if sdk:  # the commonest case: the vendor's response object handed back as it came
            function = sdk[1]
            opening = _docstring_opening(item, function)
            testing.failed_clause[:] = [opening] if opening else []
            return "failed", (f"Your code returned the {sdk[2]} SDK's own result object ({sdk[3]}) from {function}(), "
                              f"where its docstring asks for plain data: read what it asks for out of that object "
                              f"(its fields) and return that.")
        return "failed", f"Your code returned something the tests cannot read: {error}"
    if isinstance(error, wall.LearnerEnded):
        return "crashed", str(error)
    if isinstance(error, LearnerInterrupt):
        return "failed", (f"Your code raised KeyboardInterrupt{error}. A function under test should return its "
                          f"result; the kata counts this test as failed and runs the others.")
    if isinstance(error, SystemExit):
        return "failed", (f"Your code called sys.exit({error.code!r}){_learner_where(error, item)} while this test ran. "
                          f"A function returns its result; ending the program is never a pass.")
    unit = unit_of_path(item.path)
    if live.running_live() and (said := live.explain(error)) is not None:  # a vendor's error, or the cap
        return "failed", said
    # hypothesis wraps an error it could not replay the same way in an ExceptionGroup: the learner's own is inside
    inner = (causes.find_matching(error, lambda e: getattr(e, "kata_frames", None) is not None)
             if isinstance(error, BaseExceptionGroup) else None)
    if (raised := _raised_by_learner_code(item, inner or error)) is not None:
        flaky = inner is not None and "Flaky" in type(error).__name__
        return "failed", raised + ("\nThe test ran the same example again and it did not fail the same way. If your "
                                   "code keeps something between calls (a global, a cache, a list it changes), that "
                                   "may be why; if not, the error above is the one to fix." if flaky else "")
    if (tripped := _check_tripped(item, inner or error)) is not None:
        return "failed", tripped
    miss = cassettes.cassette_miss(error)
    if miss is not None:
        return "cassette", replay.explain_miss(miss, unit.number if unit else None)
    if (blocked := offline.explain_blocked(error, _learner_folders, impl.display_path)) is not None:  # learner code reached for the network
        return "network", blocked
    if item.get_closest_marker("vcr") and cassettes.is_unreadable_cassette(error):
        return "cassette", cassettes.explain_unreadable(error, unit, item.name)
    return None


def _learner_folders() -> set[Path]:
    return {path if path.is_dir() else path.parent for path in testing.current_target().learner_files}


@pytest.hookimpl(tryfirst=True, specname="pytest_runtest_makereport")
def pytest_runtest_makereport_teaching(item, call):
    """A stub, a missing name, a broken file or an unrecorded request fails with a short message.

    Built here, before pytest's own report, because rendering a traceback that nobody will read
    costs most of a warm re-run's time.
    """
    explained = _teaching_message(item, call.excinfo.value) if call.excinfo else None
    if explained is None:
        return None
    state, text = explained
    report = pytest.TestReport(
        item.nodeid, item.location, {k: 1 for k in item.keywords}, "failed", text, call.when,
        sections=[(f"Captured {key} {when}", content) for when, key, content in item._report_sections], duration=call.duration, start=call.start, stop=call.stop,
        user_properties=item.user_properties,
    )
    report.kata_state = state
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    unit, kinds = _unit_and_kind(item)
    if unit is None:
        return report
    state = getattr(report, "kata_state", report.outcome)
    if state == "timeout":  # the learner's call chain it ran out of time in: a later test that runs it all is not run
        item.config.kata_looping = [*getattr(item.config, "kata_looping", []), tuple(overrun.get("functions", ()))]
    if report.skipped and NOT_RUN_WHY in str(report.longrepr):
        state = NOT_RUN
    quote = docstring_quote(getattr(item, "function", None))
    if report.failed and testing.failed_clause:  # the clause of a test that checks several
        quote = one_line(testing.failed_clause[0])
    if state == "stub" and (opening := _stub_opening(str(report.longrepr), item.config.kata_target)):
        quote = opening  # what the unwritten function is for, not the clause of a test that never reached it
    if report.failed and live.running_live() and item.get_closest_marker(live.MEASUREMENT_MARK):
        report.longrepr = f"{report.longreprtext}\n\n{live.MEASUREMENT_NOTE}"
    if report.failed and quote:
        label = {"contract": "Contract"}.get(kinds[0], kinds[0].capitalize()) if kinds else "Verify"
        quote = quote.removeprefix(f"{label}:").strip()  # a stretch function's docstring opens "Stretch: …" itself
        report.sections.append((f"{unit.code} {label} line", f"“{quote}”"))
    report.kata = {
        "unit": unit.slug,
        "kind": kinds[0] if kinds else "verify",
        "state": state,
        "quote": quote,
        "calls": list(testing.called),
        "ran": sorted(wall.ran[0]) if wall.ran else None,
        "stand_ins": _stand_ins(),
        "points": ({**getattr(item, "kata_points", {}), **({"file": testing.data_file[0]} if testing.data_file else {}),
                    **({"how": True} if testing.failed_how else {})} if report.failed else {}),
    }
    return report


def _stand_ins() -> list[str]:
    """The unit functions the test replaced, qualified ("U04.embed"): a name set into a unit's globals is that
    unit's own function or one it uses from an earlier unit (kata/units.py's `uses`)."""
    found = []
    for slug, name in wall.stood_in:
        unit = BY_SLUG.get(slug)
        code = next((c for c, names in unit.uses.items() if name in names), unit.code) if unit else None
        if code and f"{code}.{name}" not in found:
            found.append(f"{code}.{name}")
    return found


def pytest_sessionfinish(session):
    path = session.config.getoption("kata_report")
    if path:
        session.config.kata_reporter.write_json(path)


def pytest_terminal_summary(terminalreporter, config):
    tests = config.kata_reporter.results
    units = [u for u in UNITS if any(t.unit == u.slug for t in tests)]
    if not units:
        return
    terminalreporter.section(f"kata: {config.kata_target.label}")
    for slug, result in group(tests, units).items():
        (v_passed, v_total), (s_passed, s_total) = result.score("verify"), result.score("stretch")
        terminalreporter.write_line(f"{slug}: {result.status} (verify {v_passed}/{v_total}, stretch {s_passed}/{s_total})")
