"""The child side of the worker: one pytest session over learner code, in a process of its own.

The parent (kata/running/worker.py) forks this process warm, or spawns a fresh interpreter, with
standard output and error on a pipe it reads (spawned: `python -c "from kata.judge.child import main; …"`,
never `-m`, so the plugin and the watchdog share one `TimeLimitReached`). The child tells the parent what happens as JSON lines on
a second pipe: `start` (a test began), `result` (a test's TestResult), `where` (a test overran its
time limit, and which learner function was running), `done` (the session ended normally). Anything
else (a crash, `os._exit`, the kernel's OOM killer) is seen by the parent as a pipe that closed early.

Each test's printed output is followed on the output pipe by a marker line naming the test, so the
parent can put every print under the test that made it, keeping only a bounded part of it.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import importlib
import json
import os
import signal
import sys
import threading
import time
import traceback
from pathlib import Path

import pytest

from kata.world import replay
from kata.judge import wall
from kata.learner.process import running_frames
from kata.judge.report import KEEP
from kata.units import unit_of_path

MEMORY_LIMIT_MB = int(os.environ.get("KATA_MEMORY_LIMIT_MB", "8192"))  # address space, so a runaway list fails alone


class TimeLimitReached(BaseException):
    """Raised inside learner code when a test overruns its time limit (a BaseException, so hypothesis
    and `except Exception` blocks let it through)."""


# The words for the test that overran, read by the plugin's teaching message.
overrun: dict = {}


def timeout_points() -> dict:
    """What a timeout's message points at, as data for the board: the learner's chain, and the loop's step if known."""
    return {"chain": overrun.get("steps", []), "loop": overrun.get("loop_step", [])}
_clock: list = []  # the running watchdog and the message pipe, in the worker's child only


@contextlib.contextmanager
def kata_time():
    """Time the kata spends on a test's behalf (the reference backend computing a reply) is not the
    learner's: the test's clock stops meanwhile, here and in the parent."""
    if not _clock:
        yield
        return
    watchdog, messages = _clock
    started, armed = time.monotonic(), watchdog.active
    watchdog.active = False
    messages.send("pause")
    try:
        yield
    finally:
        watchdog.deadline += time.monotonic() - started
        watchdog.active = armed
        messages.send("resume")


def warm() -> None:
    """Import what every run needs, so no test's time limit pays for importing an SDK (once a process: a child
    forked from a warm parent has it all, and making the SDK clients again costs ~20 ms)."""
    if _warmed:
        return
    import anthropic  # noqa: F401
    import hypothesis  # noqa: F401
    import numpy  # noqa: F401
    import pytest  # noqa: F401
    import pytest_recording  # noqa: F401
    import vcr  # noqa: F401
    import voyageai  # noqa: F401

    # the kata's plugin is imported by pytest itself (conftest.py), in the priming session: never named here
    anthropic.Anthropic(api_key="warm-up")  # the SDKs build their models on first use: pay for it once
    voyageai.Client(api_key="warm-up")
    # hypothesis's tables of the characters text() draws from: built once a checkout (~3 s, far more on a busy
    # machine: a learner's first run timed a finished U02 out) and kept in .hypothesis/; here, never in a test's time
    from hypothesis import strategies

    strategies.text().validate()
    _warmed.append(True)


_warmed: list[bool] = []


def prime(args: list[str]) -> None:
    """Warm a parent that will fork children: imports, plus one pytest session that only collects the
    tests (against an empty tree, so no unit's code runs here), so each child starts where a second run would."""
    import tempfile

    warm()
    impl_at = next((i for i, a in enumerate(args) if a.startswith("--impl=")), None)
    if impl_at is None:  # not a test run (`kata show`): the imports are all there is to warm
        return
    with tempfile.TemporaryDirectory() as empty:
        dry = [*args[:impl_at], f"--impl={empty}", *args[impl_at + 1:], "--collect-only"]
        quiet = open(os.devnull, "w")
        stdout, sys.stdout = sys.stdout, quiet
        try:
            pytest.main(dry)
        finally:
            sys.stdout = stdout
            quiet.close()


class _Messages:
    def __init__(self, fd: int):
        self.fd = fd
        self.lock = threading.Lock()

    def send(self, kind: str, **data) -> None:
        line = (json.dumps({"kind": kind, **data}) + "\n").encode()
        with self.lock:
            view = memoryview(line)
            while view:
                view = view[os.write(self.fd, view):]


def learner_frames(frames, trees: tuple[Path, ...]) -> list:
    """The frames in a learner's files, outermost first (a swap file is its own "tree")."""
    return [f for f in frames if any(Path(f.filename).resolve().is_relative_to(t) for t in trees)]


def learner_steps(frames, trees: tuple[Path, ...]) -> list[list]:
    """The learner's call chain as data, outermost first: [function, file as shown, line, unit number (0: none)]
    per step; a `<genexpr>` inside a function is that function's line, a recursion one step per call site."""
    from kata.learner.impl import display_path

    steps = []
    for frame in learner_frames(frames, trees):
        if frame.name in COMPREHENSIONS and steps:  # `<genexpr>` is the line of the function around it, not a call
            continue
        unit = unit_of_path(frame.filename)
        step = [frame.name, display_path(Path(frame.filename)), frame.lineno, unit.number if unit else 0]
        if not steps or steps[-1] != step:
            steps.append(step)
    return steps


def raised_in_of(steps: list[list]) -> str:
    """The unit function an exception was raised in, for the echo rule: the innermost step that is a unit's
    public function ("U03.token_budget"; a private helper's caller); "" when none is."""
    public = [step for step in steps if step[3] and step[0][:1].islower()]
    return f"U{public[-1][3]:02d}.{public[-1][0]}" if public else ""


def said_step(step: list) -> str:
    """A step of a chain in words: "`count_tokens` (exercises/u03_tokens_and_attention.py:72)"."""
    return f"`{step[0]}` ({step[1]}:{step[2]})"


def learner_frame(frames, trees: tuple[Path, ...]) -> str:
    """The learner's call chain, outermost first: "`cut_context` (file:line) → `count_tokens` (file:line)";
    "" when no frame is in a learner's file. A recursion shows once per call site, long chains keep their ends."""
    chain = [said_step(step) for step in learner_steps(frames, trees)]
    if len(chain) > CHAIN_SHOWN:
        chain = [*chain[:2], "…", *chain[-(CHAIN_SHOWN - 2):]]
    return " → ".join(chain)


def raised_where(frames, trees: tuple[Path, ...]) -> tuple[list[list], str, str] | None:
    """Where the learner's code raised an error: (its call chain as steps, the chain in words, the line of their
    file that raised it); None when no frame is in a learner's file (an SDK's error, the kata's own)."""
    import linecache

    frames = learner_frames(frames, trees)
    if not frames:
        return None
    return (learner_steps(frames, trees), learner_frame(frames, trees),
            linecache.getline(frames[-1].filename, frames[-1].lineno).strip())


COMPREHENSIONS = ("<listcomp>", "<genexpr>", "<dictcomp>", "<setcomp>", "<lambda>")
CHAIN_SHOWN = 5  # learner frames named in a chain before the middle is left out


def learner_functions(frames, trees: tuple[Path, ...]) -> list[str]:
    """The units' functions among the learner's frames, by their qualified names ("U03.cut_context")."""
    return [f"{unit.code}.{frame.name}" for frame in learner_frames(frames, trees) if (unit := unit_of_path(frame.filename))]


REMEMBER_BEFORE = 1.0  # seconds before a test's deadline the watchdog notes which calls are running
STRIKE_AGAIN = 1.0  # seconds after a strike the test still runs: it was lost (raised in a __del__, swallowed), strike again


def _loop_of(frames, kept: list[bool], trees: tuple[Path, ...]) -> list:
    """The step of the learner's chain where the loop is, when the chain has several of the learner's functions
    and the watchdog can tell: the innermost learner frame that ran all along since it first looked (a deeper one
    that did not was called again and again). [] when the chain is one function, or nothing ran all along (the
    call began later)."""
    mine = [(frame, ran) for frame, ran in zip(frames, kept)
            if frame.name not in COMPREHENSIONS and learner_frames([frame], trees)]
    ran_all_along = [frame for frame, ran in mine if ran]
    if len(mine) < 2 or not ran_all_along:
        return []
    return learner_steps([ran_all_along[-1]], trees)[0]


def _from_the_loop(functions: list[str], loop: list) -> list[str]:
    """The chain from the function the loop is in down: the callers above it only led there (U06's `answer` →
    `retrieve` → `top_k` → U04's looping `cosine`: a later test that reaches `cosine` meets the loop, whatever
    calls it). The whole chain when the watchdog could not tell where the loop is."""
    name = f"U{loop[3]:02d}.{loop[0]}" if loop and loop[3] else ""
    return functions[functions.index(name):] if name in functions else functions


def said_loop(loop: list, innermost: bool) -> str:
    """Where the loop is, in words ("" when unknown)."""
    if not loop:
        return ""
    if innermost:
        return f"The loop is in {said_step(loop)}: it ran all along."
    return (f"The loop is in {said_step(loop)}: it ran all along, calling the functions it calls (later in the chain) "
            f"again and again.")


def _strikes_land_here() -> None:
    """A Python call: a TimeLimitReached already sent is raised at the latest here (at a call), inside the phase."""


# A failing property test shrinks its example: hypothesis gives that up to 300 s. Under the kata's limit a test, it
# stops shrinking at SHRINK_SHARE of the limit, so slow calls (a long print on every call, a deep recursion) end in
# their failure, with the smallest example found by then, not in a timeout that blames a loop.
SHRINK_SHARE = 0.4
_SLOW_SHRINK_WARNING = "WARNING: Hypothesis has spent more than five minutes working to shrink"


def shrink_within(seconds: float) -> None:
    """Each failing property test stops shrinking after `seconds` (hypothesis's own warning, which says five
    minutes, is not printed: the example shown is simply the smallest found by then)."""
    from hypothesis.internal.conjecture import engine

    if not hasattr(engine, "MAX_SHRINKING_SECONDS"):  # pragma: no cover - a hypothesis without it: its own limit
        return
    engine.MAX_SHRINKING_SECONDS = seconds
    said = getattr(engine.report, "kata_said", engine.report)

    def report(value):
        if not (isinstance(value, str) and value.startswith(_SLOW_SHRINK_WARNING)):
            said(value)

    report.kata_said = said
    engine.report = report


class _Watchdog(threading.Thread):
    """Stops a test that overruns its time limit by raising TimeLimitReached in the main thread.

    The limit counts from the test's start, but the watchdog only strikes while the test's own phases
    run (setup, call, teardown), never while pytest writes its report.
    """

    def __init__(self, limit: float, trees: tuple[Path, ...], messages: _Messages):
        super().__init__(daemon=True)
        self.limit, self.trees, self.messages = limit, trees, messages
        self.main = threading.main_thread().ident
        self.nodeid, self.deadline, self.active = "", 0.0, False
        self.remembered: list = []  # the frames running shortly before the deadline (held: see _loop_of)
        self.struck, self.struck_at = "", 0.0  # the test stopped last, and when
        self.striking = threading.Lock()  # held to strike, and to leave a phase: a strike lands inside one, or not at all

    def run(self) -> None:
        while True:
            time.sleep(0.05)
            if not (self.active and self.nodeid):
                continue
            if self.struck == self.nodeid:  # stopped once and still running: that strike was lost
                if time.monotonic() >= self.struck_at + STRIKE_AGAIN:
                    self._strike(self.nodeid)
                continue
            if not self.remembered and time.monotonic() >= self.deadline - min(REMEMBER_BEFORE, self.limit / 4):
                self.remembered = running_frames(sys._current_frames().get(self.main)) or [None]  # [None]: looked, none
                wall.WALL.remember_where()  # the learner's process keeps its own
            if time.monotonic() < self.deadline:
                continue
            nodeid = self.nodeid
            overrun["calling"] = bool(wall.WALL.busy)  # a call to the learner's code was in flight
            across = wall.WALL.where()  # the learner's process, asked where it is
            if across is not None:
                frames = [traceback.FrameSummary(f, n, name) for f, n, name, _ in across]
                kept = [ran for *_, ran in across]
            else:
                running = running_frames(sys._current_frames().get(self.main))
                frames = [traceback.FrameSummary(f.f_code.co_filename, f.f_lineno, f.f_code.co_name) for f in running]
                kept = [any(f is r for r in self.remembered) for f in running]
            where = learner_frame(frames, self.trees)
            overrun["where"] = where
            overrun["steps"] = learner_steps(frames, self.trees)
            overrun["loop_step"] = _loop_of(frames, kept, self.trees)
            overrun["loop"] = said_loop(overrun["loop_step"], overrun["loop_step"] == (overrun["steps"] or [[]])[-1])
            overrun["functions"] = _from_the_loop(learner_functions(frames, self.trees), overrun["loop_step"])
            overrun["limit"] = f"{self.limit:g}"
            self.messages.send("where", nodeid=nodeid, where=where, points=timeout_points())
            self._strike(nodeid)

    def _strike(self, nodeid: str) -> None:
        """Raise TimeLimitReached in the main thread, if it still runs a phase of that test (asking the learner where
        it was took time: the test may have ended meanwhile, and a strike in pytest's own reporting ends the session)."""
        with self.striking:
            if self.active and self.nodeid == nodeid:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self.main), ctypes.py_object(TimeLimitReached))
            self.struck, self.struck_at = nodeid, time.monotonic()

    # pytest hooks: the test's clock starts at logstart; the watchdog is armed only inside its phases
    def pytest_runtest_logstart(self, nodeid, location):
        self.nodeid, self.deadline, self.remembered = nodeid, time.monotonic() + self.limit, []
        self.struck = ""

    def pytest_runtest_logfinish(self, nodeid, location):
        self.nodeid = ""

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_setup(self, item):
        return (yield from self._armed())

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item):
        return (yield from self._armed())

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(self, item):
        return (yield from self._armed())

    def _armed(self):
        self.active = True
        try:
            return (yield)
        finally:
            with self.striking:
                self.active = False
            _strikes_land_here()


def _reported() -> bool:
    """Whether the example running now is one hypothesis reports when it fails: an explicit @example, or the
    final replay of the falsifying one (both run with is_final), not one tried while shrinking."""
    try:
        from hypothesis.control import current_build_context

        return bool(current_build_context().is_final)
    except Exception:  # no build context: not inside a property test's example
        return False


class _OutputMarks:
    """After each test, flush what the learner printed and write the marker that closes its output; before
    each example of a property test, a marker with no name, and after a reported example that failed, KEEP: what
    is shown is what the example the failure names printed, not every example's."""

    def __init__(self, token: str):
        self.token = token

    def pytest_runtest_call(self, item):
        handle = getattr(getattr(item, "obj", None), "hypothesis", None)
        inner = getattr(handle, "inner_test", None)
        if inner is None:
            return
        if hasattr(inner, "kata_marks"):  # wrapped by an earlier session in this process: mark with this one's token
            inner.kata_marks = self
            return

        @functools.wraps(inner)
        def each_example(*args, **kwargs):  # hypothesis's documented place to wrap each example's run
            each_example.kata_marks._mark("")
            try:
                return inner(*args, **kwargs)
            except BaseException:
                if _reported():  # an example hypothesis reports (explicit, or the final replay): its prints are kept
                    each_example.kata_marks._mark(KEEP)
                raise

        each_example.kata_marks = self
        handle.inner_test = each_example

    def pytest_runtest_logfinish(self, nodeid, location):
        self._mark(nodeid)

    def _mark(self, name: str) -> None:
        for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
            try:
                stream.flush()
            except Exception:  # a learner may have replaced or closed them
                pass
        os.write(1, f"\n{self.token}{name}\n".encode())


class _Collected:
    """Tell the parent which tests the session will run: those a crash keeps from running are shown as not run."""

    def __init__(self, messages: _Messages):
        self.messages = messages

    def pytest_collection_finish(self, session):
        kinds = ("verify", "stretch", "contract")
        self.messages.send("collected", tests={item.nodeid: next((k for k in kinds if item.get_closest_marker(k)), "verify")
                                               for item in session.items},
                           order=getattr(session.config, "kata_order", []))


def _own_streams() -> None:
    """Print to the pipes the parent reads (a forked child inherits its parent's Python streams, which
    may be pytest's capture objects), and read from nothing: `input()` in learner code ends at once."""
    import io

    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False))
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), errors="backslashreplace", line_buffering=True)
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), errors="backslashreplace", line_buffering=True)


def named(spec: str):
    """The function a job names as "module:function" (a show, the lessons): the command above chose it, and
    a name crosses a spawned child's command line where a function would not."""
    module, _, function = spec.partition(":")
    return getattr(importlib.import_module(module), function)


def _lessons(reporter, job: dict, messages: _Messages) -> None:
    """What green means: each unit that turned green here gets its lesson, from the learner's code (job["lessons"]
    names the function, kata/commands/lessons.py's compute)."""
    from kata.judge.report import group
    from kata.units import BY_SLUG

    units = [BY_SLUG[slug] for slug in dict.fromkeys(t.unit for t in reporter.results)]
    green = [slug for slug, result in group(reporter.results, units).items() if result.status == "done"]
    try:
        named(job["lessons"])(green, job["trees"][0], lambda slug, lines: messages.send("lesson", unit=slug, lines=lines))
    except BaseException:  # noqa: BLE001 - no lesson, and nothing else changes
        pass


def _not_dumpable() -> None:
    """No process without the right to trace it in this process's own user namespace may read its memory, open
    its pipes under /proc/<pid>/fd or attach to it: the learner's processes (kata/learner/process.py) have none."""
    try:
        ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass


def _hand_over_vectors(messages: _Messages) -> None:
    """The reference backend's vectors computed here, which a sandboxed child's read-only store could not keep:
    to the worker, which keeps them for the next run (a green U06's lesson computed ~3 s of them every check)."""
    from kata.backend import vectors

    rows = vectors.unsaved()
    if rows:
        messages.send("vectors", rows=rows)


def main(job: dict, msg_fd: int) -> None:
    """Run one job's pytest session and report it on `msg_fd`. Never returns: the process ends here."""
    os.chdir(job["root"])
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the learner's Ctrl-C is the parent's to handle
    try:
        import resource  # (here: POSIX only)

        limit = MEMORY_LIMIT_MB * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):  # pragma: no cover - a platform that refuses: the parent still reports a death
        pass
    _own_streams()
    messages = _Messages(msg_fd)
    messages.send("sandbox", note=job.get("sandbox", "not sandboxed"))
    os.environ["KATA_SANDBOXED"] = "1" if not job.get("sandbox") else "0"  # the learner's zygote adds its own walls
    _not_dumpable()
    code = 3
    try:
        warm()
        from kata.judge.report import Reporter

        if job.get("lessons_for"):  # no tests: these units' lessons, computed beside their tests (kata/running/worker.py)
            named(job["lessons"])(job["lessons_for"], job["trees"][0], lambda slug, lines: messages.send("lesson", unit=slug, lines=lines))
            _hand_over_vectors(messages)
            messages.send("done", code=0)
            return
        if job.get("show"):  # `kata show`: no tests, the unit's own printout (the parent times it as one test)
            messages.send("start", nodeid=f"kata show::{job['show']}")
            named(job["show_with"])(job["show"], job["impl"])
            _hand_over_vectors(messages)
            messages.send("done", code=0)
            return
        os.environ["KATA_CHILD"] = "1"  # the plugin: a KeyboardInterrupt here was raised by learner code; short tracebacks
        watchdog = _Watchdog(job["time_limit"], tuple(Path(t) for t in job["trees"]), messages)
        watchdog.start()
        shrink_within(job["time_limit"] * SHRINK_SHARE)
        _clock[:] = [watchdog, messages]
        replay.pause_clock_with(kata_time)  # the reference backend's computing is not the learner's time
        reporter = Reporter(on_result=lambda test: messages.send("result", test=test.to_dict()),
                            on_start=lambda nodeid: messages.send("start", nodeid=nodeid))
        collected = _Collected(messages)
        code = int(pytest.main(job["args"], plugins=[reporter, watchdog, _OutputMarks(job["token"]), collected]))
    except BaseException as error:  # the session itself failed: say so, the parent reports it as a crash
        messages.send("fatal", message="".join(traceback.format_exception(error))[-4000:])
    else:
        _hand_over_vectors(messages)
        messages.send("done", code=code)
        if job.get("lessons"):  # after "done": a lesson that goes wrong never changes the tests' verdict
            _lessons(reporter, job, messages)
            _hand_over_vectors(messages)
            messages.send("lessons done")  # the worker need not wait for this process's exit (kata/running/worker.py)
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        os._exit(0)
