"""The learner process: it imports the learner's unit modules and runs their functions when asked.

It is forked from a *zygote* that the judge starts before any test module is imported, so the
learner's memory holds the SDKs and the kata's loader, never a test, an expected value or a cassette.
Where Linux allows it the zygote moves into mount and network namespaces of its own (inside the
worker's sandbox, kata/learner/sandbox.py): the learner sees no `tests/` and no `cassettes/`, and has no
network at all; its HTTP goes to the judge over the channel (kata/learner/wire.py).

What it answers, each a message on the channel: `get` (a unit's name: a value, or a handle for a
function or class), `call` (a handle, with arguments; the arguments come back too, so a test sees
what the call changed in place), `global` (read, set or delete a unit's module global: a test's
stand-in). Errors cross as their type's name, message and the learner's frames.

A `get` may say "kept": the judge may then serve that name again without asking, because every message this
process sends after it says "rebound" once a kept name no longer holds what it was answered with: that object
in its module (the learner's code rebound it, a stand-in went in, the module was imported again) and, for data
(small constants: KEEP_DATA characters of JSON in all), that value as it crossed (the learner's code changed
it). A message that says "forget" (a test starts) ends the watch: the judge has dropped what it kept.
"""

from __future__ import annotations

import ctypes
import dataclasses
import functools
import gc
import inspect
import io
import itertools
import json
import operator
import os
import re
import signal
import socket
import sys
import time
import traceback
import tracemalloc
import types
from pathlib import Path

from kata.learner import impl, sandbox
from kata.learner import spawned as spawned_process
from kata.learner import wire
from kata.learner.channel import ATTACHED, Channel, ChannelClosed, pin, pipes
from kata.learner.values import ATOMS, TAG, CannotCross, Codec, Snapshot, course_class
from kata.units import BY_SLUG

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x00020000, 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND = 1, 2, 4, 8, 32, 4096
PR_SET_PDEATHSIG = 1
# What the judge sends that the learner process applies before each call: a test's setenv reaches the SDKs.
ENVIRONMENT = ("OLLAMA_", "ANTHROPIC_", "VOYAGE_", "KATA_")
# What an error's data carries besides its type, message and frames (an int or a str each; its headers apart): all the
# judge sets on the error it rebuilds, whatever else the data holds (the learner's code can rewrite it).
ERROR_ATTRIBUTES = ("status_code", "http_status", "code", "errno", "host", "port")
# The judge's watchdog asks "where are you?" (SIGUSR1) and "remember where you are" (SIGUSR2). Their default
# action ends a process, so they are ignored from the zygote on, until the learner's own handlers are set.
WATCHDOG_SIGNALS = tuple(getattr(signal, name) for name in ("SIGUSR1", "SIGUSR2") if hasattr(signal, name))
# Characters of JSON of the constants whose look-ups are kept, in all: each is encoded again with every message this
# process sends, to compare (~50 µs for U01's 1.4 KB GLOSSARY), where asking again costs a round trip (0.15-0.9 ms).
KEEP_DATA = 4096
# tracemalloc's own functions, kept before any learner code runs: a measured call's code may rebind the module's names
# (`tracemalloc.stop = ...`), never these. What would stop, reset or clear the measure is guarded for the process's
# life: while a measured call runs, a call of one does nothing and fails its test (_guard_the_measure).
_TRACE_START, _TRACE_STOP, _TRACE_PEAK, _TRACING = (tracemalloc.start, tracemalloc.stop, tracemalloc.get_traced_memory,
                                                    tracemalloc.is_tracing)
_TRACE_GUARDED = ("stop", "reset_peak", "clear_traces")
_MEASURING: list[list[str]] = []  # while a measured call runs: what it tried of _TRACE_GUARDED


# --- the zygote -----------------------------------------------------------------------------------

def zygote(control: socket.socket, root: Path, sandboxed: bool, keep: tuple[Path, ...] = ()) -> None:
    """Answer the judge's lines on `control`, never returning: "new" forks a fresh learner process and hands
    back its two sockets and its pid; "wait PID" waits for that learner to end and says how ("exited with
    code 0", "was killed by SIGSEGV")."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for asked in WATCHDOG_SIGNALS:  # inherited ignored: one that reaches a learner before its handlers are set is not its death
        signal.signal(asked, signal.SIG_IGN)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # the judge gone: no zygote left behind
    note = _walls(libc, root, keep) if sandboxed else "the worker is not sandboxed"
    _forget_the_judges_modules()
    asked = control.makefile("rb")
    for line in asked:
        words = line.decode(errors="replace").split()
        if words[:1] == ["wait"]:
            control.sendall((_ended(int(words[1])) + "\n").encode())
            continue
        channel_judge, channel_learner = pipes()
        where_judge, where_learner = socket.socketpair()
        pid = os.fork()
        if pid == 0:
            try:
                asked.close()
                control.close()
                for fd in channel_judge:
                    os.close(fd)
                where_judge.close()
                libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
                if sandboxed and not note:
                    _alone(libc)  # returns in the learner: the first process of a PID namespace of its own
                serve(Channel(fds=channel_learner), where_learner)
            finally:
                os._exit(0)
        socket.send_fds(control, [f"{pid} {note}".encode()], [*channel_judge, where_judge.fileno()])
        for fd in (*channel_judge, *channel_learner):
            os.close(fd)
        for s in (where_judge, where_learner):
            s.close()
    os._exit(0)


def _ended(pid: int) -> str:
    """How a learner process ended, in words (waiting for it if it has not yet)."""
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return "ended"
    return spawned_process.ended_how(os.waitstatus_to_exitcode(status))


def _alone(libc) -> None:
    """A user, mount and PID namespace of the learner's own, nested in the zygote's: it holds no capability
    over the judge's processes or mounts (so it can neither trace the judge nor unmount what hides tests/),
    and it is the first process of its PID namespace, with a /proc that shows only its own processes.
    The process in between stays, forwards the judge's "where are you" signal, and ends as the learner ends."""
    uid, gid = os.getuid(), os.getgid()
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID) != 0:
        return
    for path, text in (("/proc/self/setgroups", "deny"), ("/proc/self/uid_map", f"{uid} {uid} 1"),
                       ("/proc/self/gid_map", f"{gid} {gid} 1")):
        with open(path, "w") as f:
            f.write(text)
    learner = os.fork()
    if learner:  # in between: the judge's SIGUSR1 goes on to the learner; its end is ours
        for asked in WATCHDOG_SIGNALS:
            signal.signal(asked, lambda signum, frame: os.kill(learner, signum))
        sandbox.wait_and_mirror(learner)  # never returns
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if libc.mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None) != 0:
        os._exit(71)  # half a wall is no wall: the judge reports this call's process as ended


# What the judge's process may hold in memory that its learners must not: the test modules (a warm parent collected
# them: kata/judge/child.py's prime), the reference, catalogued mistakes, and other trees' units.
_THE_JUDGES = re.compile(r"^(test_|tests(\.|$)|conftest$|solutions(\.|$)|exercises(\.|$)|kata_mistake_|kata_graded_)")


_FROZEN_JUDGES: list[str] = []  # modules of _THE_JUDGES a warm parent froze (gc.freeze) with the rest: a harness's own


def freeze_for_forks(warming_imported: set[str]) -> None:
    """In a warm parent about to fork judges: forget the modules of _THE_JUDGES that warming it imported (a collection
    of the tests, `warming_imported`), collect what only they held, and freeze (gc.freeze) the rest, shared by every
    fork: no collector walks or copies it there. A zygote forked from here then forgets only what its own judge
    imported since (~5 ms, where unfreezing and collecting everything took ~170 ms on the learner's way). Modules held
    before the warming (a harness session's own tests, which it still runs) stay; the zygote forgets them the long way."""
    dropped = [name for name in warming_imported if _THE_JUDGES.match(name) and name in sys.modules]
    for name in dropped:
        del sys.modules[name]
    if dropped:
        _forget_the_tests_strategies()
        gc.collect()
    freeze_what_is_held()


def freeze_what_is_held() -> None:
    """Freeze (gc.freeze) all this process holds now, noting the modules of _THE_JUDGES frozen with it: a zygote forked
    after this forgets them the long way. A warm parent calls it before its forks (freeze_for_forks); a judge once its
    tests are collected, since what it holds then (pytest, hypothesis, the test modules) lives to the session's end,
    and no full collection need walk it inside a test's time (one such walk cost U05's property test 190 ms of 600)."""
    _FROZEN_JUDGES.extend(name for name in sys.modules if _THE_JUDGES.match(name))
    gc.freeze()


def _forget_the_tests_strategies() -> None:
    """hypothesis keeps the strategies the tests built at import (`st.sampled_from(WORDS)`, with WORDS) in a cache of
    its own, reachable from its module: emptied, the judge builds them again as it imports its tests."""
    strategies = sys.modules.get("hypothesis.strategies._internal.utils")
    if strategies is not None and hasattr(strategies, "clear_strategy_cache"):
        strategies.clear_strategy_cache()


def _forget_the_judges_modules() -> None:
    """Drop from this zygote's memory every module of _THE_JUDGES, and what only they held. A learner's code then finds
    none in sys.modules or gc.get_objects(), even after gc.unfreeze(); the units it runs are imported afresh from their
    own tree. What the judge imported since its fork is young: a collection of the young generations forgets it. Only a
    parent that froze judge modules with its memory (freeze_for_forks) makes this unfreeze and collect everything."""
    for name in [n for n in sys.modules if _THE_JUDGES.match(n)]:
        del sys.modules[name]
    _forget_the_tests_strategies()
    if _FROZEN_JUDGES:
        gc.unfreeze()  # the parent froze its imports for copy-on-write; here they must be collectable
    gc.collect()
    gc.freeze()  # what is left lives as long as the learner's process: no full collection walks it in a call's time


def _walls(libc, root: Path, keep: tuple[Path, ...]) -> str:
    """Inside the worker's sandbox: no network at all, and no tests or cassettes in view. "" when done.

    tests/mistakes and tests/alternatives stay as the worker's sandbox left them: there only when the
    tree under test is the reference, whose catalogued mistakes `kata verify` swaps in."""
    if libc.unshare(CLONE_NEWNS | CLONE_NEWNET) != 0:
        return f"no namespaces of its own ({os.strerror(ctypes.get_errno())})"
    hidden = [root / "cassettes", *(p for p in (root / "tests").iterdir() if p.name not in ("mistakes", "alternatives"))]
    for path in hidden:
        if path.is_symlink() or not path.exists():
            continue
        if path.is_dir():
            steps = [(b"tmpfs", b"tmpfs", MS_NOSUID | MS_NODEV, b"mode=755,size=1m"),
                     (None, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, None)]
        else:  # a test module: an empty file in its place
            steps = [(b"/dev/null", None, MS_BIND, None)]
        for source, fstype, flags, data in steps:
            if libc.mount(source, str(path).encode(), fstype, flags, data) != 0:
                return f"{path.name} could not be hidden ({os.strerror(ctypes.get_errno())})"
    try:
        sandbox.only_what_it_runs_from(libc, root, keep)
    except OSError as error:
        return f"the rest of the file system could not be hidden ({error})"
    return ""


# --- the learner process --------------------------------------------------------------------------

def serve(channel: Channel, where: socket.socket, spawned: bool = False) -> None:
    wire.no_network()
    _guard_the_measure()  # before any learner code: a name it takes from tracemalloc is the guarded one
    impl.noting_entries[0] = True  # which units' functions each call runs: the judge's echo rule reads it
    out, err = _Printed(), _Printed()
    sys.stdout, sys.stderr = out, err
    sys.stdin = io.StringIO()  # nobody types while the tests run: input() and pdb's prompt read the end, wherever run
    if os.environ.get("PYTHONBREAKPOINT") != "0":  # (that setting makes breakpoint() nothing, as Python has it)
        sys.breakpointhook = _no_prompt_here
    sys.modules.pop("pdb", None)  # a pytest that forked this process had patched pdb.set_trace with its own: imported anew
    server = _Server(channel, where, (out, err))
    channel.before_send = functools.partial(_stamped, out, err, server)
    where.settimeout(2.0)  # an answer the judge no longer reads never holds the learner in its signal handler
    wire.install(lambda request: channel.ask(request, server.answer))
    if spawned:  # no signals: the watchdog asks over the where socket (kata/learner/spawned.py)
        spawned_process.answer_the_watchdog(where, lambda frame: server.remember_where(None, frame),
                                            lambda frame: server.tell_where(None, frame))
    else:
        signal.signal(signal.SIGUSR1, server.tell_where)
        signal.signal(signal.SIGUSR2, server.remember_where)
    cpus = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    while True:
        try:
            message = channel.receive()
        except ChannelClosed:
            os._exit(0)
        near = message.get("cpu") if cpus else None  # the CPU the judge waits on (kata/learner/channel.py's pin)
        if type(near) is int:
            pin(cpus)  # free while it works
        answer = {**server.answer(message), "answers": message["id"]}
        if type(near) is int and near in cpus:
            pin({near})  # waits for the next question where the judge waits for this answer
        channel.send(answer)


def _no_prompt_here(*args, **kwargs):
    """breakpoint() in code under test: nobody is at a prompt while the tests run, so it stops the call at once, as
    pdb does when its prompt reads the end of its input (BdbQuit, which the judge's failure explains), without
    pdb's tracing, which outlived the call and slowed every later one past the time limit."""
    import bdb

    raise bdb.BdbQuit("breakpoint() was called, and nobody is at the debugger's prompt while the tests run")


def serve_spawned(channel_socket: socket.socket, where: socket.socket) -> None:
    """The learner process in a fresh interpreter (kata/learner/spawned.py): the same loop, over the two sockets."""
    for asked in WATCHDOG_SIGNALS:
        signal.signal(asked, signal.SIG_IGN)
    try:
        serve(Channel(sock=channel_socket), where, spawned=True)
    finally:
        os._exit(0)


def _stamped(out: _Printed, err: _Printed, server: _Server, message: dict) -> dict:
    """A message as sent: with what the learner's code printed since the last one (none: no key) and whether a
    name the judge keeps was rebound."""
    for key, printed in (("out", out), ("err", err)):
        if printed.head or printed.dropped:
            message[key] = printed.take()
    if server.kept and server.rebound():
        message["rebound"] = True
    return message


def running_frames(frame) -> list:
    """The frames running in a thread, outermost first, from its innermost `frame` (a signal handler's; None: none)."""
    frames = []
    while frame is not None:
        frames.append(frame)
        frame = frame.f_back
    return frames[::-1]


class _Printed(io.TextIOBase):
    """What the learner's code prints: sent to the judge with the next message, so a test (capsys) and the
    report see it under the test that made it. Up to PRINT_LIMIT characters a call cross whole. More is cut as
    it is written (a 10 MB print is never kept, nor sent): what crosses then is a note naming how much was
    printed, its first SHOWN_HEAD and its last SHOWN_TAIL characters, within the 1,000 characters of a test's
    output the report keeps (kata/running/worker.py's OUTPUT_LIMIT), so the total the learner reads is the true one."""

    PRINT_LIMIT = 200_000
    SHOWN_HEAD, SHOWN_TAIL = 600, 200

    def __init__(self):
        self.head, self.tail, self.size, self.dropped = [], "", 0, 0

    def writable(self) -> bool:
        return True

    def write(self, text) -> int:
        text = str(text)
        written, room = len(text), self.PRINT_LIMIT - self.size
        if room > 0:
            self.head.append(text[:room])
            self.size += min(written, room)
            text = text[room:]
        if text:
            self.dropped += len(text)
            self.tail = (self.tail + text[-self.SHOWN_TAIL:])[-self.SHOWN_TAIL:]
        return written

    def take(self) -> str:
        """What was printed since the last take, cut as said above; and start afresh."""
        text = "".join(self.head)
        if self.dropped:
            last, first = (text[-self.SHOWN_TAIL:] + self.tail)[-self.SHOWN_TAIL:], text[:self.SHOWN_HEAD]
            # whole lines only, where the cut leaves any: never "| ting 44" for "counting 44"
            first = first[:first.rindex("\n")] if "\n" in first else first
            last = last[last.index("\n") + 1:] if "\n" in last.rstrip("\n") else last
            text = (f"… (your code printed {self.size + self.dropped:,} characters here: the first {self.SHOWN_HEAD:,} "
                    f"and the last {self.SHOWN_TAIL:,} are shown, cut to whole lines)\n{first}\n…\n{last}")
        self.head, self.tail, self.size, self.dropped = [], "", 0, 0
        return text


def _flush() -> None:
    for stream in (sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001 - a learner may have replaced or closed them
            pass


class _Server:
    def __init__(self, channel: Channel, where: socket.socket, printed: tuple[_Printed, _Printed]):
        self.channel, self.where, self.printed = channel, where, printed
        self.codec = Codec(self._remote, self._record_class, share_callables=True)
        self.trees: tuple[Path, ...] = ()
        self.remembered: list = []  # the frames running when the watchdog said remember_where (none yet)
        self.depth = 0  # questions being answered: a call of the judge's inside a callback of the learner's is 2
        # (module's name, name) -> (module, object, its JSON if data, else None): what the judge keeps
        self.kept: dict[tuple[str, str], tuple] = {}

    def remember_where(self, signum, frame) -> None:
        """The judge's watchdog, shortly before a test's time runs out: keep the frames running now (held, so no
        later call can be mistaken for one of them), to tell at the end which call ran all along: the loop's."""
        self.remembered = running_frames(frame)

    def tell_where(self, signum, frame) -> None:
        """The judge's watchdog asks where this process is (a test overran): the learner's call chain, each step
        with whether it was already running when the watchdog said remember_where, and what the call printed so
        far (the process is ended next, so its print would be lost with it)."""
        try:  # a signal handler runs inside whatever the learner was doing: nothing it does may raise there
            chain = [[f.f_code.co_filename, f.f_lineno, f.f_code.co_name, any(f is k for k in self.remembered)]
                     for f in running_frames(frame)]
            out, err = (printed.take() for printed in self.printed)
            self.where.sendall((json.dumps({"chain": chain, "out": out, "err": err}) + "\n").encode())
        except Exception:  # noqa: BLE001 - the judge no longer listening, or a learner's frame that cannot be read
            pass

    def answer(self, message: dict) -> dict:
        """The answer to one of the judge's questions; a call's answer also says which units' functions ran in it
        (kata/learner/impl.py notes them), for the echo rule."""
        if message.get("forget"):  # the judge keeps none of its look-ups now
            self.kept = {}
        outermost = self.depth == 0  # a call the judge makes while answering the learner's callback is part of this one
        if outermost:
            impl.entered.clear()
        self.depth += 1
        try:
            reply = self._answer(message)
        finally:
            self.depth -= 1
        if message.get("kind") == "call" and outermost and impl.entered:
            reply["ran"] = sorted(impl.entered)
        return reply

    def _answer(self, message: dict) -> dict:
        try:
            kind = message.get("kind")
            if kind == "get":
                return self._get(message)
            if kind == "call":
                return self._call(message)
            if kind == "global":
                return self._global(message)
            if kind == "numpy_random":  # numpy's global generator of this process: seeded, or drawn from
                import numpy as np

                if message.get("seed") is not None:
                    np.random.seed(int(message["seed"]))
                draws = np.random.random_sample(int(message["draws"])) if message.get("draws") else None
                return {"value": self.codec.encode(draws)}
            return {"error": _error(CannotCross(f"an unknown question {kind!r}"), ())}
        except BaseException as error:  # noqa: BLE001 - every error crosses back as a value
            return {"error": _error(error, self.trees)}
        finally:
            _flush()

    def _module(self, message: dict):
        spec = message["target"]
        target = impl.Target(Path(spec["tree"]), spec["package"], tuple((s, Path(p)) for s, p in spec["swaps"]))
        self.trees = target.learner_files
        return target, impl.load(target, message["slug"])

    def _get(self, message: dict) -> dict:
        target, module = self._module(message)
        name = message["name"]
        try:
            value = getattr(module, name)
        except AttributeError:
            unit = BY_SLUG[message["slug"]]
            raise impl.MissingName(
                f"MISSING NAME --> {impl.display_path(target.file_of(message['slug']))} defines no "
                f"`{name}`. The tests call it by that name: did you rename or delete it? "
                f"(`kata reset {unit.number}` restores the stub and backs up your file.)") from None
        encoded = self.codec.encode(value, name)
        answer = {"value": encoded}
        data = None if isinstance(encoded, dict) and encoded.get(TAG) in ("handle", "record_class") else _json(encoded)
        room = KEEP_DATA - sum(len(kept[2]) for key, kept in self.kept.items() if kept[2] and key != (module.__name__, name))
        # only a plain module's own binding (a module __getattr__ or class may answer differently each time), and only
        # small data (compared again with each message)
        if type(module) is types.ModuleType and sys.modules.get(module.__name__) is module \
                and vars(module).get(name, answer) is value and (data is None or len(data) <= room):
            self.kept[(module.__name__, name)] = (module, value, data, _items(value) if data is not None else None)
            answer["kept"] = True
        return answer

    def rebound(self) -> dict:
        """{"rebound": True} (and nothing kept from now on) once a name the judge keeps no longer holds what it was
        answered with; else {}. Said with every message this process sends, so the judge never serves a stale one."""
        if not self.kept:
            return {}
        codec = self.codec
        state = codec.known, codec.track, codec.attached  # mid-call (a callback, a request): the call's, kept aside
        codec.known, codec.track, codec.attached = {}, None, None
        try:
            if all(sys.modules.get(modname) is module and type(module) is types.ModuleType
                   and vars(module).get(name, self) is value and (data is None or _same_items(value, items)
                                                                  or _json(codec.encode(value, name)) == data)
                   for (modname, name), (module, value, data, items) in self.kept.items()):
                return {}
        except BaseException:  # noqa: BLE001 - a learner's value that no longer encodes, an odd key: rebound, to be safe
            pass
        finally:
            codec.known, codec.track, codec.attached = state
        self.kept = {}
        return {"rebound": True}

    def _global(self, message: dict) -> dict:
        _, module = self._module(message)
        name = message["name"]
        # the globals where the named function looks names up: its own module's (a unit may import it)
        scope = inspect.unwrap(getattr(module, message["of"])).__globals__ if message.get("of") else vars(module)
        if message["do"] == "get":
            return {"value": self.codec.encode(scope[name], name)} if name in scope else {"missing": True}
        if message["do"] == "set":
            scope[name] = self.codec.decode(message["value"])
        elif message["do"] == "slow":
            scope[name] = slowed(scope[name], float(message["seconds"]))
        else:
            scope.pop(name, None)
        return {"value": None}

    def _call(self, message: dict) -> dict:
        function = self.codec.handles[int(message["n"])]
        if "environment" in message:  # the judge's variables of these names, exactly (a test's setenv, or delenv)
            for name in [n for n in os.environ if n.startswith(ENVIRONMENT)]:
                del os.environ[name]
            os.environ.update(message["environment"])
        if message.get("drop_kept"):  # what was kept from calls before is too much, with this call's: kept anew
            self.codec.kept.clear()
        self.codec.kept.update(message.get(ATTACHED) or {})  # the judge sends these by their name alone from now on
        came = self.codec.kept
        echo = message.get("echo") or ()
        self.codec.track, self.codec.arrived, self.codec.snapshots = [], came, {} if echo else None
        try:
            args = self.codec.decode(message["args"])
            kwargs = self.codec.decode(message["kwargs"])
        finally:
            received, self.codec.track, self.codec.arrived = self.codec.track, None, {}
            snapshots, self.codec.snapshots = self.codec.snapshots or {}, None
        # what each argument the judge wants back holds, as objects: unchanged when the same ones are in the same
        # places after the call (~1 µs), where encoding it again to compare takes ~10 µs for three floats; a matrix
        # or a table as decoded (values.Snapshot)
        held = {i: _items(args[i]) for i in echo if type(i) is int and 0 <= i < len(args)}
        held = {i: snapshots.get(id(args[i])) if items is None else items for i, items in held.items()}
        measure = bool(message.get("trace_memory"))
        if measure:  # a test of memory: measured here, where the code runs, with the measure itself guarded
            tampered = []
            _MEASURING.append(tampered)
            _TRACE_START()
        try:
            result = function(*args, **kwargs)
        except NotImplementedError as error:
            raise _stub(error, self.trees) from None
        finally:
            if measure:
                tracing = _TRACING()
                peak = _TRACE_PEAK()[1] if tracing else 0
                _MEASURING.remove(tampered)
                if tracing:
                    _TRACE_STOP()
                else:
                    tampered.append("stop")
            self.remembered = []  # the call ended: its frames (and what their locals hold) need not be kept
        name = getattr(function, "__name__", "the function")
        self.codec.known, self.codec.attached = {id(o): i for i, o in enumerate(received)}, {}
        try:
            value = self.codec.encode(result, f"what {name}() returned")
        except CannotCross as error:
            raise CannotCross(str(error)) from None  # it names the call already: "what top_k() returned is …"
        finally:
            self.codec.known, attached, self.codec.attached = {}, self.codec.attached, None
        answer = {"value": value, ATTACHED: attached}
        if measure:
            answer["peak"] = peak if not tampered else None
            if tampered:
                answer["measure_stopped"] = sorted(set(tampered))
        try:
            if echo:  # the arguments as the call left them, where the call changed them in place
                echoed, homes, numbers = [], [], None
                for i, a in enumerate(args):
                    homes.append(None)
                    if i not in echo or _same_items(a, held.get(i)):
                        echoed.append(None)
                        continue
                    self.codec.attached, self.codec.came = {}, came  # a big array unchanged encodes as it came
                    self.codec.track = []
                    after = self.codec.encode(a, f"argument {i + 1}")
                    met, self.codec.track = self.codec.track, None
                    changed = _json(after) != _json(message["args"][i])  # (3 and 3.0, 0.0 and -0.0 are == in Python)
                    echoed.append(after if changed else None)
                    if changed:
                        attached.update(self.codec.attached)
                        # which of the containers it holds came in the call, and as which (a list sorted in place
                        # holds the same dicts, moved): the judge moves its own, as a call in its process would
                        numbers = numbers or {id(o): n for n, o in enumerate(received)}
                        homes[-1] = [numbers.get(id(c), -1) for c in met]
                answer["args"] = echoed
                if numbers:
                    answer["homes"] = homes
        finally:
            self.codec.attached, self.codec.came = None, {}
        return answer

    def _remote(self, number: int, name: str):
        channel, server = self.channel, self

        def call_the_judge(*args, **kwargs):
            answer = channel.ask({"kind": "callback", "n": number, "args": server.codec.encode(list(args), "an argument"),
                                  "kwargs": server.codec.encode(kwargs, "an argument")}, server.answer)
            if "error" in answer:
                raise _rebuilt_here(answer["error"])
            return server.codec.decode(answer["value"])

        call_the_judge.__name__ = call_the_judge.__qualname__ = name
        return self.codec.remember_remote(call_the_judge, number)

    def _record_class(self, origin: str, fields: list[str], frozen: bool):
        if (course := course_class(origin)) is not None:
            return course
        module, _, qualname = origin.partition(":")
        found = sys.modules.get(module)
        for part in qualname.split("."):
            found = getattr(found, part, None)
        if not (isinstance(found, type) and dataclasses.is_dataclass(found)):
            raise CannotCross(f"{origin} is not a dataclass of the learner's units")
        return found


def _settled(value) -> bool:
    """Nothing can change it in place: None, bool, int, float, str, bytes, and tuples and frozensets of them."""
    kind = type(value)
    return kind in ATOMS or (kind is tuple or kind is frozenset) and all(map(_settled, value))


def _items(value) -> tuple | None:
    """What shows a kept constant unchanged without encoding it again (~1 µs, not ~50 for U01's GLOSSARY): () for
    a settled value; the items of a list, or the keys and values of a dict, when all are settled (the container
    changed only if one of them is no longer the same object, in the same place); None: encode it again."""
    if _settled(value):
        return ()
    if type(value) is list and all(map(_settled, value)):
        return tuple(value)
    if type(value) is dict and all(map(_settled, value)) and all(map(_settled, value.values())):
        return tuple(itertools.chain.from_iterable(value.items()))
    return None


def _same_items(value, items: tuple | Snapshot | None) -> bool:
    if items is None:
        return False
    if isinstance(items, Snapshot):
        return items.holds(value)
    if items == () and _settled(value):  # (an empty list or dict: its items are compared below)
        return True
    now = tuple(value) if type(value) is list else tuple(itertools.chain.from_iterable(value.items())) \
        if type(value) is dict else None
    return now is not None and len(now) == len(items) and all(map(operator.is_, now, items))


def _json(data) -> str:
    """An encoded value as text: 1, 1.0 and True differ there, and so do 0.0 and -0.0 (they are == in Python)."""
    return json.dumps(data, separators=(",", ":"))


def slowed(function, seconds: float):
    """`function`, `seconds` slower a call (a test measures what the learner's code times)."""
    @functools.wraps(function)
    def slow(*args, **kwargs):
        time.sleep(seconds)
        return function(*args, **kwargs)
    return slow


def _guard_the_measure() -> None:
    """In the learner's process, before any learner code: tracemalloc's stop, reset_peak and clear_traces (the module's
    and its C module's names) become guards. While a measured call runs (_MEASURING) they do nothing but note that the
    call tried them, which fails its test (kata/judge/wall.py); at any other time they do what they always do. Code
    that takes the name first (`from tracemalloc import reset_peak`) takes the guard."""
    import _tracemalloc

    for module in (tracemalloc, _tracemalloc):
        for name in _TRACE_GUARDED:
            real = getattr(module, name, None)
            if real is None or getattr(real, "kata_guarded", False):
                continue

            def guarded(*args, _real=real, _name=name, **kwargs):
                if _MEASURING:
                    _MEASURING[-1].append(_name)
                    return None
                return _real(*args, **kwargs)

            guarded.kata_guarded = True
            setattr(module, name, guarded)


def _stub(error: NotImplementedError, trees) -> BaseException:
    frames = [f for f in traceback.extract_tb(error.__traceback__) if Path(f.filename).parent in {Path(t) for t in trees}
              or Path(f.filename) in {Path(t) for t in trees}]
    if not frames:
        return error
    where = f"{impl.display_path(Path(frames[-1].filename))}:{frames[-1].lineno}"
    stub = impl.StubReached(f"{error}\n  (the stub is at {where})")
    stub.__traceback__ = error.__traceback__
    return stub


def _error(error: BaseException, trees) -> dict:
    """An exception as plain data: its class's name and builtin ancestors, its message, the learner's frames."""
    cls = type(error)
    frames = [[f.filename, f.lineno, f.name, f.line or ""] for f in traceback.extract_tb(error.__traceback__)
              if not f.filename.startswith(str(Path(__file__).parent)) and f.filename != impl.__file__]  # the kata's own
    attributes = {}
    for name in ERROR_ATTRIBUTES:
        value = getattr(error, name, None)
        if isinstance(value, (int, str)) and not isinstance(value, bool):
            attributes[name] = value
    for headers in (getattr(error, "headers", None), getattr(getattr(error, "response", None), "headers", None)):
        try:  # an SDK error's response headers (the kata's live endpoint says what went wrong in one)
            attributes["headers"] = {str(k): str(v) for k, v in dict(headers).items()}
            break
        except Exception:  # noqa: BLE001 - no headers, or none that are a mapping
            continue
    try:
        message = str(error)
    except BaseException:  # noqa: BLE001 - a learner's __str__ that raises
        message = f"<{cls.__name__} whose message could not be read>"
    return {"type": f"{cls.__module__}:{cls.__qualname__}",
            "bases": [c.__name__ for c in cls.__mro__ if c.__module__ == "builtins"],
            "message": message[:20_000], "frames": frames[-60:], "attributes": attributes}


def _rebuilt_here(data: dict) -> BaseException:
    """The judge's error (a test's stand-in raised), in the learner's process: a builtin type, or RuntimeError."""
    import builtins

    for name in data.get("bases", []):
        cls = getattr(builtins, name, None)
        if isinstance(cls, type) and issubclass(cls, Exception):
            return cls(data.get("message", ""))
    return RuntimeError(data.get("message", ""))
