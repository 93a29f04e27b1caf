"""The judge's side of the wall: learner code runs in a process of its own, and the tests call it as values.

`load_unit()` (kata/judge/testing.py) hands the tests a proxy; each name it is asked for is fetched from the
learner process (kata/learner/process.py): data crosses as values (kata/learner/values.py), a
function as a handle the judge calls through the channel. A call's arguments come back after it, and
are copied into the test's own objects, so a change made in place shows as it would in one process.

The learner's SDKs send their HTTP requests here (kata/learner/wire.py). The judge answers each one
with its own client of the same library, so its cassettes, its reference backend, its network guard
and a test's stand-in at the HTTP layer answer as they always did; where a test replaced an SDK method
(`Messages.create`, `voyageai.Client.embed`, a spy), the request is turned back into that method's
call, here, and its result sent back as the API's JSON. Either way the requests a test counts are the
ones that reached the judge. An SDK's retry (the `x-stainless-retry-count` header) is answered as its
first try was, and not counted again; an error answer says `x-should-retry: false`.

A learner process that ends mid-call is a crash of that test, and the next call starts a new one; a
test that overruns has its learner process killed (kata/judge/child.py's watchdog asks it first where it was).
KATA_WALL=0 runs learner code in the judge's process, as before the wall. Where `os.fork` is missing (Windows),
or with KATA_WALL=spawn, the learner's process is a fresh interpreter instead (kata/learner/spawned.py).

A look-up is kept (`_Wall.looked_up`) when the learner process says it will watch it: a function's handle, a
class, or a small constant. A test that calls `u01.name` a hundred times then asks for it once. Kept only while
it cannot differ: the learner process says, with any message it sends, when a name it answered for no longer
holds what it answered (its code rebound the name or changed the constant, a module was imported again); and
all is dropped with that process, at a set or delete of a global (a test's stand-in), and as each test
starts. A constant is kept as it crossed and decoded afresh at each look-up: a test never shares it.
"""

from __future__ import annotations

import base64
import builtins
import contextlib
import dataclasses
import json
import os
import signal
import socket
import sys
import types
from pathlib import Path
from urllib.parse import urlsplit

from kata.learner import impl, spawned
from kata.world import offline
from kata.learner.channel import ATTACHED, Channel, ChannelClosed, here, pin
from kata.learner.process import ENVIRONMENT, ERROR_ATTRIBUTES
from kata.learner.values import ATOMS, LIBRARIES, TAG, CannotCross, Codec, course_class, library_class
from kata.units import ROOT


ZYGOTE_WAIT = 20.0  # seconds the zygote may take to start a learner, or to say how one ended (it waits for it)


class LearnerEnded(BaseException):
    """The learner's process ended while the judge waited for it (it exited, was killed or crashed)."""


def wanted() -> bool:
    return os.environ.get("KATA_WALL", "1") != "0"


def spawns() -> bool:
    """The learner's process is a fresh interpreter (kata/learner/spawned.py), not a fork of the zygote: where
    `os.fork` or `socket.send_fds` is missing (Windows), or KATA_WALL=spawn (how the harness tests that path)."""
    return os.environ.get("KATA_WALL") == "spawn" or not (hasattr(os, "fork") and hasattr(socket, "send_fds"))


def raise_wall(keep: tuple[Path, ...] = ()) -> None:
    """Learner code from now on runs in a process of its own (a test session, a show, a plot, a lesson). `keep`: where
    it runs from (the target's learner_files), all its sandbox shows of the file system outside the system's folders
    and the kata's own package and data."""
    if wanted():
        remember_sdk_methods()
        WALL.start(sandboxed=os.environ.get("KATA_SANDBOXED") == "1", keep=keep)


# --- the zygote and its learners ------------------------------------------------------------------

class _Wall:
    def __init__(self):
        self.control: socket.socket | None = None
        self.zygote_pid = 0
        self.note = ""
        self.channel: Channel | None = None
        self.where_socket: socket.socket | None = None
        self.pid = 0
        self.busy = 0
        self.pending: BaseException | None = None
        self.codec = Codec(self._remote, lambda *a: _record_class(*a), share_callables=True, judge=True)
        self.answered: dict[str, dict] = {}  # a request's answer, by the request: an SDK's retry gets it again
        self.poll = None
        self.environ_sent: dict | None = None  # os.environ as the learner process last got it
        self.owed: list[str] = []  # the zygote's replies not read yet ("new", "wait"), in the order asked
        self.spawning = False  # no zygote: each learner process is a fresh interpreter (spawned.Spawned)
        self.spawned: spawned.Spawned | None = None  # the learner's process, so started
        self.spare: spawned.Spawned | None = None  # the next one, started ahead (an interpreter takes seconds)
        # (target, slug, name) -> (a function's handle or a class, None) or (None, a constant as it crossed): what a
        # look-up gave, while the learner process says it holds
        self.looked_up: dict[tuple, tuple] = {}
        self.tell_forgotten = False  # the next message says "forget": the learner then stops watching what was kept
        self.cpus = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else set()  # this thread's, as it began
        self.waits_on: int | None = None  # the CPU the judge waits on for an answer (pinned there meanwhile)

    def up(self) -> bool:
        """Learner code runs behind the wall (a zygote forked, or learners spawned)."""
        return self.control is not None or self.spawning

    def forget(self) -> None:
        """In a process forked from one whose wall was up (the worker's child of a harness session, a daemon's
        command): that zygote and learner are the parent's. Drop our copies of their sockets, so this process
        raises a wall of its own, after its own setup (a show points the SDKs at its backend first)."""
        if self.channel is not None:
            self.channel.close()  # our copies of the descriptors only: the parent's stay open
        for s in (self.control, self.where_socket):
            if s is not None:
                s.close()
        for started in (self.spawned, self.spare):
            if started is not None:
                started.drop()
        self.control, self.channel, self.where_socket = None, None, None
        self.spawning, self.spawned, self.spare = False, None, None
        self.zygote_pid = self.pid = self.busy = 0
        self.owed = []
        self.environ_sent = None
        self.looked_up, self.tell_forgotten = {}, False

    def stop(self) -> None:
        """End the learner and the zygote (the session is over)."""
        self.end_learner(again=False)
        if self.control is not None:
            self.control.close()
            self.control = None
        self.spawning = False

    def start(self, sandboxed: bool, keep: tuple[Path, ...] = ()) -> None:
        """Fork the zygote: before any test module is imported, so no learner process holds one. Where the
        learner is spawned instead, start the first one now: it imports while the tests are collected."""
        if self.control is not None or self.spawning:
            return
        if spawns():
            self.spawning, self.spare = True, spawned.Spawned(ROOT)
            return
        from kata.learner import process

        judge, zygote = socket.socketpair()
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        pid = os.fork()
        if pid == 0:
            try:
                judge.close()
                os.closerange(3, zygote.fileno())  # nothing of the judge's pipes: only the socket to it
                os.closerange(zygote.fileno() + 1, 1 << 16)
                process.zygote(zygote, ROOT, sandboxed, keep)
            finally:
                os._exit(0)
        zygote.close()
        self.control, self.zygote_pid, self.owed = judge, pid, []
        self.control.sendall(b"new\n")  # the first learner, made while the tests are collected
        self.owed.append("ahead")

    def learner(self) -> Channel:
        if self.channel is None and (self.spawning or self.control is None and spawns()):
            return self._spawned_learner()
        if self.channel is None:
            if self.control is None:
                self.start(sandboxed=False)
            try:
                said, fds = self._ahead() or self._zygote("new")
            except OSError:
                said, fds = "", []
            if len(fds) != 3:  # the zygote is gone: learner code killed it (its parent) earlier
                for fd in fds:
                    os.close(fd)
                raise LearnerEnded("The process that starts your code's processes has ended (did your code kill its "
                                   "parent process?): nothing more of this unit can run.")
            pid, _, note = said.partition(" ")
            for fd in fds[:2]:  # the judge's reads and writes wait in short waits, where a watchdog's strike lands
                os.set_blocking(fd, False)
            self._connected(Channel(fds=(fds[0], fds[1]), after_receive=self._received),
                            socket.socket(fileno=fds[2]), int(pid), note)
        return self.channel

    def _connected(self, channel: Channel, where: socket.socket, pid: int, note: str) -> None:
        """A new learner process to talk to (forked or spawned): nothing of the one before holds for it."""
        self.channel, self.where_socket, self.pid, self.note = channel, where, pid, note
        self.codec = Codec(self._remote, _record_class, share_callables=True, judge=True)
        self.environ_sent = None
        self.looked_up, self.tell_forgotten = {}, False  # the handles of the process before: numbers this one never gave
        _forget_the_learners_classes()

    def _spawned_learner(self) -> Channel:
        """The learner's process where it is spawned: the one started ahead, connected now (and the next started)."""
        self.start(sandboxed=False)
        started, self.spare = self.spare or spawned.Spawned(ROOT), None
        try:
            channel_socket, where = started.connect(ZYGOTE_WAIT, poll=_poll)
        except OSError as error:
            started.kill()
            raise LearnerEnded(f"The process that runs your code could not start ({error}): nothing more of this unit "
                               f"can run.") from None
        except BaseException:
            started.kill()
            raise
        channel_socket.setblocking(False)  # the judge's waits are short ones, where a watchdog's strike lands
        self.spawned = started
        self._connected(Channel(channel_socket, after_receive=self._received), where, started.pid,
                        "spawned: a fresh interpreter, no namespaces of its own")
        return self.channel

    def end_learner(self, again: bool = True) -> str:
        """Kill the learner process (a timeout, a crash): the next call starts a fresh one. Returns how it
        ended, in words ("exited with code 0"), as its parent, the zygote, saw it. A spawned learner's successor is
        started now (`again`), so the next call does not wait for an interpreter to start."""
        pid, channel, sockets = self.pid, self.channel, (self.where_socket,)
        started, self.spawned = self.spawned, None
        # forgotten first: a watchdog's second strike landing below leaves no half-ended learner to call next
        self.channel, self.where_socket, self.pid, self.busy = None, None, 0, 0
        self.looked_up, self.tell_forgotten = {}, False
        _forget_the_learners_classes()
        if not again and self.spare is not None:  # the session is over: no successor
            self.spare.kill()
            self.spare = None
        if pid > 0 and started is None:
            try:
                os.kill(pid, signal.SIGKILL)  # it may be gone already: then this changes nothing
            except OSError:
                pass
        if channel is not None:
            channel.close()
        for s in sockets:
            if s is not None:
                s.close()
        if started is not None:  # spawned: killed and waited for here, its successor started at once
            how = started.kill()
            if again and self.spawning and self.spare is None:
                self.spare = spawned.Spawned(ROOT)
            return how
        return self._ended(pid) if pid > 0 else "ended"

    def _ended(self, pid: int) -> str:
        try:
            return self._zygote(f"wait {pid}")[0].strip() or "ended"
        except (OSError, AttributeError):
            return "ended"

    def _zygote(self, request: str) -> tuple[str, list[int]]:
        """One exchange with the zygote ("new", "wait PID"): its reply's text and the descriptors it passed.

        Replies come in the order asked. One still owed for an exchange that a watchdog's strike cut short is
        read first and dropped (a learner started for nobody is killed), never taken for this exchange's. Every
        wait is a loop of short ones, where a strike lands, and none lasts more than ZYGOTE_WAIT seconds."""
        while self.owed:
            said, stale = self._reply("new" if self.owed[0] == "ahead" else self.owed[0])
            if self.owed.pop(0) in ("new", "ahead") and stale:
                for fd in stale:
                    os.close(fd)
                with contextlib.suppress(ValueError, OSError):
                    os.kill(int(said.split()[0]), signal.SIGKILL)
        self.owed.append(request.split()[0])
        self.control.sendall(f"{request}\n".encode())
        reply = self._reply(self.owed[0])
        self.owed.pop(0)
        return reply

    def _ahead(self) -> tuple[str, list[int]] | None:
        """The learner asked for as the zygote started (start()), while no other was: its reply; None if none is owed."""
        if self.owed[:1] != ["ahead"]:
            return None
        self.owed[0] = "new"  # a watchdog's strike cutting this read short leaves a stale reply, dropped next time
        reply = self._reply("new")
        self.owed.pop(0)
        return reply

    def _reply(self, kind: str) -> tuple[str, list[int]]:
        import select
        import time

        give_up = time.monotonic() + ZYGOTE_WAIT
        while not select.select([self.control], [], [], 0.05)[0]:
            _poll()
            if time.monotonic() > give_up:
                raise OSError(f"the zygote did not answer {kind!r} within {ZYGOTE_WAIT:g} s")
        if kind == "new":  # "PID NOTE", with the channel's two pipe ends and the where socket
            said, fds, _, _ = socket.recv_fds(self.control, 4096, 3)
            if not said:
                raise OSError("the zygote is gone")
            return said.decode(errors="replace"), fds
        line = b""
        while not line.endswith(b"\n"):  # byte by byte: never a byte of the next reply
            got = self.control.recv(1)
            if not got:
                raise OSError("the zygote is gone")
            line += got
        return line.decode(errors="replace"), []

    def remember_where(self) -> None:
        """Ask the learner's process to keep the frames running now: where() then says which ran all along.
        (From the watchdog's thread, while the main thread may end the learner: what is read is read once.)"""
        pid, where, started = self.pid, self.where_socket, self.spawned
        if self.busy and pid > 0:  # never 0: os.kill(0, ...) would signal the judge's whole process group
            try:
                if started is not None:  # no signals: asked over the where socket (kata/learner/spawned.py)
                    where.sendall(spawned.ASKS[0] + b"\n")
                else:
                    os.kill(pid, signal.SIGUSR2)
            except (OSError, AttributeError):
                pass

    def where(self) -> list[tuple[str, int, str, bool]] | None:
        """The learner's call stack right now (asked by the watchdog when a test overran), each frame with whether
        it was running already at remember_where(); or None."""
        pid, where, started = self.pid, self.where_socket, self.spawned  # read once: the main thread may end it meanwhile
        if not (self.busy and pid > 0 and where is not None):
            return None
        import select

        try:
            if started is not None:
                where.sendall(spawned.ASKS[1] + b"\n")
            else:
                os.kill(pid, signal.SIGUSR1)
            said = b""  # no answer within a second: nothing to parse, so None below
            while not said.endswith(b"\n") and select.select([where], [], [], 1.0)[0]:
                piece = where.recv(1 << 20)
                if not piece:
                    break
                said += piece
            answer = json.loads(said.decode(errors="replace"))
            _print_what_the_learner_printed(answer)  # what the overrunning call printed, under its test
            return [tuple(frame)[:4] for frame in answer["chain"]]
        except Exception:  # noqa: BLE001 - a closed socket, a garbled answer: the watchdog's thread must live on
            return None

    # --- asking the learner ---------------------------------------------------------------------
    def ask(self, message: dict) -> dict:
        channel = self.learner()
        if self.tell_forgotten:
            message, self.tell_forgotten = {**message, "forget": True}, False
        cpu, outer = here(), self.waits_on  # both sides wait on this CPU (kata/learner/channel.py's pin)
        if cpu is not None:
            message["cpu"], self.waits_on = cpu, cpu
            pin({cpu})
        self.busy += 1
        try:
            return channel.ask(message, self._serve, poll=_poll)
        except ChannelClosed:
            how = self.end_learner()
            signal_words = " (the system stops a process this way when memory runs out)" if "SIGKILL" in how else ""
            raise LearnerEnded(f"The process running your code {how}{signal_words} during this call (`sys.exit`, "
                               f"`os._exit`, a crash in a C library, or memory running out?). A crash is never a pass: "
                               f"the next call starts a new process.") from None
        except BaseException:  # a timeout (raised by the watchdog while we waited), or Ctrl-C
            self.end_learner()
            raise
        finally:
            self.busy = max(0, self.busy - 1)
            if cpu is not None:  # free again (inside a question of the learner's, answered free: see _serve)
                pin(self.cpus)
                self.waits_on = outer

    def get(self, target: impl.Target, slug: str, name: str):
        key = (target, slug, name)
        if key in self.looked_up:
            value, data = self.looked_up[key]
            return value if data is None else self.codec.decode(data)  # data: a copy of its own, as when asked
        answer = self.ask({"kind": "get", "target": _target(target), "slug": slug, "name": name})
        value = self._value(answer)
        if isinstance(value, _RecordType) and "__kata_make__" in value.__dict__:  # the learner's class, by its name:
            value.__kata_looked_up__ = key  # asked for again if the process that built it ends
        # what the learner process now watches (it says "rebound" when it changes; an answer that says so itself may
        # have stopped watching all)
        if answer.get("kept") and not answer.get("rebound"):
            encoded = answer["value"]
            handle = isinstance(encoded, dict) and encoded.get(TAG) in ("handle", "record_class")
            self.looked_up[key] = (value, None) if handle else (None, encoded)
        return value

    def forget_look_ups(self) -> None:
        """Ask the learner process again for every name (a test starts, a stand-in goes in or out)."""
        self.looked_up, self.tell_forgotten = {}, True

    def global_of(self, target: impl.Target, slug: str, name: str, do: str, value=None, of: str = ""):
        message = {"kind": "global", "target": _target(target), "slug": slug, "name": name, "do": do, "of": of}
        if do == "set" and isinstance(value, Slowed):  # the learner's own function, slowed over there
            message.update(do="slow", seconds=float(value.seconds))
        elif do == "set":
            message["value"] = self.codec.encode(value, name)
        if do != "get":  # a stand-in in, or out: no look-up kept before it may be served after it
            self.forget_look_ups()
        answer = self.ask(message)
        if answer.get("missing"):
            raise KeyError(name)
        return self._value(answer)

    def call(self, number: int, name: str, args: tuple, kwargs: dict, trace_memory: bool = False):
        """Call a learner function; with `trace_memory`, (its result, the peak of new memory it used)."""
        echo = [i for i, a in enumerate(args) if type(a) not in ATOMS and _mutable(a)]
        self.learner()  # a new learner process first, where one is due: its codec encodes (what it keeps is its own)
        self.codec.track, self.codec.attached = [], {}
        try:
            encoded_args = self.codec.encode_arguments(args)
            if kwargs:
                encoded_kwargs = self.codec.encode(kwargs, "an argument")
            else:  # (met as the learner meets the {} it decodes)
                self.codec.track.append(kwargs)
                encoded_kwargs = {}
        except CannotCross as error:
            raise CannotCross(f"{name}(...): {error}") from None
        finally:
            (sent, self.codec.track), (attached, self.codec.attached) = (self.codec.track, None), (self.codec.attached, None)
        # only what the call needs: no echo, no memory trace, no attachment say nothing
        message = {"kind": "call", "n": number, "args": encoded_args, "kwargs": encoded_kwargs}
        if echo:
            message["echo"] = echo
        if trace_memory:
            message["trace_memory"] = True
        if attached:
            message[ATTACHED] = attached
            if self.codec.hold(attached):  # the learner process keeps them: next time their names alone cross
                message["drop_kept"] = True
        variables = getattr(os.environ, "_data", None)  # compared in C, copied only when they changed
        if variables is None or variables != self.environ_sent:  # a test's setenv, or the learner process is new
            message["environment"] = {k: v for k, v in os.environ.items() if k.startswith(ENVIRONMENT)}
            self.environ_sent = dict(variables) if variables is not None else None
        self.pending = None
        answer = self.ask(message)
        if not ran:
            ran.append(set())
        ran[0].update(answer.get("ran", ()))
        if self.pending is not None:  # a request the judge could not answer: that is what went wrong
            pending, self.pending = self.pending, None
            raise pending
        echoed, homes = answer.get("args") or [], answer.get("homes") or []
        # an argument may come back as bytes we sent (now, or in a call before: what the learner keeps)
        self.codec.arrived = {**self.codec.held, **attached, **(answer.get(ATTACHED) or {})}
        try:
            for i in echo:
                if i < len(echoed) and echoed[i] is not None:
                    self.codec.track = []
                    try:
                        after = self.codec.decode(echoed[i])
                    finally:
                        met, self.codec.track = self.codec.track, None
                    _copy_into(args[i], after, _homes(met, homes[i] if i < len(homes) else None, sent))
            self.codec.sent = sent
            value = self._value(answer)
        finally:
            self.codec.sent, self.codec.arrived = [], {}
        if trace_memory and answer.get("peak") is None:  # the call stopped, reset or cleared the measure of its memory
            tried = ", ".join(f"tracemalloc.{what}()" for what in answer.get("measure_stopped") or ["stop"])
            raise AssertionError(f"{name}() called {tried} while its memory was measured: a measured call must leave "
                                 f"the measure alone (tracemalloc is the test's tool here, not your code's)")
        return (value, int(answer["peak"])) if trace_memory else value

    def _value(self, answer: dict):
        if "error" in answer:
            raise _rebuilt(answer["error"])
        return self.codec.decode(answer["value"])

    def _remote(self, number: int, name: str):
        wall = self

        def learner_function(*args, **kwargs):
            return wall.call(number, name, args, kwargs)

        learner_function.__name__ = learner_function.__qualname__ = name
        learner_function.kata_learner = number
        return self.codec.remember_remote(learner_function, number)

    def _received(self, message: dict) -> None:
        """Every message from the learner: what its code printed, and whether a name it answered for was rebound."""
        _print_what_the_learner_printed(message)
        if message.get("rebound"):
            self.looked_up = {}

    # --- answering the learner ------------------------------------------------------------------
    def _serve(self, message: dict) -> dict:
        """The learner's question, asked during a call of the judge's: answered free of the CPU the judge waits on
        (threads started meanwhile, a backend's, inherit the thread's CPUs), then back there."""
        waits_on = self.waits_on
        if waits_on is not None:
            pin(self.cpus)
        try:
            return self._answer(message)
        finally:
            if waits_on is not None:
                pin({waits_on})

    def _answer(self, message: dict) -> dict:
        kind = message.get("kind")
        if kind == "http":
            return self._http(message)
        if kind == "callback":
            try:
                function = self.codec.handles[int(message["n"])]
                result = function(*self.codec.decode(message["args"]), **self.codec.decode(message["kwargs"]))
                return {"value": self.codec.encode(result, "what the test's stand-in returned")}
            except Exception as error:  # noqa: BLE001 - the stand-in's error is raised in the learner's code
                return {"error": {"type": f"{type(error).__module__}:{type(error).__qualname__}", "message": str(error),
                                  "bases": [c.__name__ for c in type(error).__mro__ if c.__module__ == "builtins"]}}
        return {"error": {"type": "builtins:RuntimeError", "message": f"unknown question {kind!r}", "bases": ["RuntimeError"]}}

    def _http(self, message: dict) -> dict:
        headers = [(k, v) for k, v in message["headers"]]
        body = base64.b64decode(message["body"])
        key = json.dumps([message["method"], message["url"], message["body"]])
        retry = next((v for k, v in headers if k.lower() == "x-stainless-retry-count"), "0")
        if retry not in ("", "0") and key in self.answered:
            return self.answered[key]
        try:
            stand_in = _sdk_stand_in(message["method"], message["url"], body)
            if stand_in is not None:
                status, out_headers, content = stand_in()
            else:
                status, out_headers, content = _send(message["library"], message["method"], message["url"], headers, body)
            answer = {"status": status, "headers": out_headers, "body": base64.b64encode(content).decode()}
        except _Unreachable as error:
            answer = {"unreachable": str(error)}
        except BaseException as error:  # noqa: BLE001 - a cassette miss, a blocked address, a stand-in's assertion
            self.pending = self.pending or error
            answer = {"refused": f"{type(error).__name__}: {error}"[:2000]}
        self.answered = {key: answer}
        return answer


WALL = _Wall()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=WALL.forget)  # a forked process never talks to its parent's zygote


def _print_what_the_learner_printed(message: dict) -> None:
    """Printed here, and taken out of the message: an answer is kept by the error raised from it (and by pytest
    and hypothesis after that), and what was printed must not be kept with it."""
    for key, stream in (("out", sys.stdout), ("err", sys.stderr)):
        printed = message.pop(key, None)
        if printed:
            stream.write(printed)


def _poll() -> None:
    """Between short waits for the learner: where a watchdog's TimeLimitReached can land."""


def _target(target: impl.Target) -> dict:
    return {"tree": str(target.tree), "package": target.package, "swaps": [[s, str(p)] for s, p in target.swaps]}


def _mutable(value) -> bool:
    import numpy as np

    return isinstance(value, (list, dict, set, bytearray, np.ndarray)) or (
        dataclasses.is_dataclass(value) and not isinstance(value, type))


def _homes(met: list, numbers, sent: list) -> dict | None:
    """Which of the test's own containers each container of an argument sent back is (by id of the one decoded),
    from the learner's numbers: the containers of the call's arguments (`sent`), in the order both sides met them.
    None when the learner said nothing of the kind: then a container is the test's own where it stands."""
    if not isinstance(numbers, list) or len(numbers) != len(met):
        return None
    return {id(c): sent[n] for c, n in zip(met, numbers)  # (the test's may be a subclass: an OrderedDict, RowsRefused)
            if type(n) is int and 0 <= n < len(sent) and isinstance(sent[n], type(c))}


def _copy_into(original, after, homes: dict | None = None, done: dict | None = None):
    """What a call did to an argument in place, done to the test's own object; returns the object the
    test should hold there (its own, changed, wherever the kinds match: identities hold).

    With `homes` (_homes), each container of `after` that the call was given is the test's own, wherever the call
    moved it (a list sorted in place: the same dicts, in a new order), and one the call made is the new one it is:
    as a call in the test's process leaves them. `done`: the containers already placed (one held twice)."""
    import numpy as np

    done = {} if done is None else done

    def placed(a):
        """`a`, a container of what came back, as the test holds it: its own where it has one."""
        if type(a) in ATOMS:
            return a
        if id(a) in done:
            return done[id(a)]
        home = homes.get(id(a))
        done[id(a)] = home if home is not None else a
        if home is not None:
            return _copy_into(home, a, homes, done)
        if isinstance(a, list):  # made by the call: what it holds may still be the test's
            a[:] = [placed(x) for x in a]
        elif isinstance(a, dict):
            for k in a:
                a[k] = placed(a[k])
        elif type(a) is tuple:  # (not numbered on either side: what it holds is)
            done[id(a)] = a = tuple(placed(x) for x in a)
        return a

    try:
        if isinstance(original, np.ndarray) and isinstance(after, np.ndarray):
            if original.shape == after.shape and original.flags.writeable:
                original[...] = after
                return original
            return after
        if isinstance(original, list) and isinstance(after, list):
            if homes is not None:
                original[:] = [placed(a) for a in after]
                return original
            original[:] = [_copy_into(o, a) for o, a in zip(original, after)] + after[len(original):]
            return original
        if isinstance(original, dict) and isinstance(after, dict):
            merged = {k: placed(v) for k, v in after.items()} if homes is not None else \
                {k: (_copy_into(original[k], v) if k in original else v) for k, v in after.items()}
            original.clear()
            original.update(merged)
            return original
        if isinstance(original, set) and isinstance(after, (set, frozenset)):
            original.clear()
            original.update(after)
            return original
        if isinstance(original, bytearray) and isinstance(after, (bytes, bytearray)):
            original[:] = after
            return original
        if dataclasses.is_dataclass(original) and not isinstance(original, type) and dataclasses.is_dataclass(after):
            for field in dataclasses.fields(original):
                if hasattr(after, field.name):
                    now = placed(getattr(after, field.name)) if homes is not None else \
                        _copy_into(getattr(original, field.name), getattr(after, field.name))
                    object.__setattr__(original, field.name, now)
            return original
    except (TypeError, ValueError):  # a read-only array: the test sees what it gave
        return original
    return original if type(original) is type(after) and _same(original, after) else after


def _same(a, b) -> bool:
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - arrays inside tuples and the like
        return False


# --- the units' dataclasses, on the judge's side ----------------------------------------------------

class _RecordType(type):
    """Calling a unit's record class builds the instance in the learner's process (its __post_init__ runs there)."""

    def __call__(cls, *args, **kwargs):
        make = cls.__dict__.get("__kata_make__")
        if make is None and cls.__dict__.get("__kata_looked_up__"):  # told by a learner process that has ended
            WALL.get(*cls.__kata_looked_up__)
            make = cls.__dict__.get("__kata_make__")
        if make is None or (cls.__dict__.get("__kata_plain__") and _every_field_as_a_value(cls, args, kwargs)):
            return super().__call__(*args, **kwargs)  # nothing of the learner's would run: no round trip for it
        return make(*args, **kwargs)


def _every_field_as_a_value(cls, args: tuple, kwargs: dict) -> bool:
    """Every field named once, each an immutable scalar: built here, it equals what the learner's class builds."""
    return not args and kwargs.keys() == cls.__dataclass_fields__.keys() and all(type(v) in ATOMS for v in kwargs.values())


class _Record(metaclass=_RecordType):
    pass


_RECORDS: dict[tuple, type] = {}


def _forget_the_learners_classes() -> None:
    """A learner process ended: the classes it told us of are built by the next one, which tells us again."""
    for cls in _RECORDS.values():
        cls.__kata_make__ = cls.__kata_plain__ = None


def _record_class(origin: str, fields: list[str], frozen: bool):
    if (course := course_class(origin)) is not None:
        return course
    key = (origin, tuple(fields), frozen)
    if key not in _RECORDS:
        qualname = origin.partition(":")[2]
        cls = dataclasses.make_dataclass(qualname.rpartition(".")[2], fields, bases=(_Record,), frozen=frozen)
        cls.__kata_origin__ = origin
        cls.__module__ = origin.partition(":")[0]
        cls.__qualname__ = qualname
        _RECORDS[key] = cls
    return _RECORDS[key]


# --- errors from the learner's side ---------------------------------------------------------------

_JUDGE_CLASSES = {"kata.learner.impl:UnitLoadError": impl.UnitLoadError, "kata.learner.impl:MissingName": impl.MissingName,
                  "kata.learner.impl:StubReached": impl.StubReached, "kata.world.offline:NetworkBlocked": offline.NetworkBlocked,
                  "kata.learner.values:CannotCross": CannotCross}


_ERRORS: dict[tuple[str, type], type] = {}  # the classes made for the learner's own errors, by name and base
_SAID: dict[type, type] = {}  # the subclasses made to say a message where a class's __init__ wants more


def _rebuilt(data: dict) -> BaseException:
    """The learner's exception, rebuilt here from data: its own class where that is a builtin, an SDK's,
    or the kata's loader's; else a class of the same name under its nearest builtin ancestor."""
    name, message = str(data.get("type", "builtins:Exception")), str(data.get("message", ""))
    # what the learner's side sends (process._error), and nothing else: the learner's code can rewrite that data
    sent = data.get("attributes") if isinstance(data.get("attributes"), dict) else {}
    attributes = {k: v for k, v in sent.items() if k in ERROR_ATTRIBUTES and type(v) in (int, str)}
    if isinstance(sent.get("headers"), dict):
        attributes["headers"] = {str(k): str(v) for k, v in sent["headers"].items()}
    frames = [(f[0], f[1], f[2], f[3]) for f in data.get("frames") or () if isinstance(f, list) and len(f) == 4
              and type(f[0]) is str and (type(f[1]) is int or f[1] is None) and type(f[2]) is str and type(f[3]) is str]
    bases = [b for b in data.get("bases") or () if type(b) is str]
    if name == "kata.learner.wire:NoNetwork":  # the learner's code reached for the network itself
        error = offline.NetworkBlocked(attributes.get("host", message), attributes.get("port"))
        error.kata_frames = frames
        return error
    cls = _JUDGE_CLASSES.get(name)
    if cls is None and name.partition(":")[0].split(".")[0] in (*LIBRARIES, "builtins"):
        try:
            cls = library_class(name)
        except Exception:  # noqa: BLE001 - a class that does not exist here
            cls = None
        # a library's own error class (never one of its BaseExceptions: pytest's Exit or Skipped would end or skip the
        # judge's test as the learner chose), or a builtin one
        if cls is not None and not (issubclass(cls, Exception) or cls.__module__ == "builtins" and issubclass(cls, BaseException)):
            cls = None
    if cls is None:
        base = next((getattr(builtins, b) for b in bases if isinstance(getattr(builtins, b, None), type)
                     and issubclass(getattr(builtins, b), Exception)), Exception)
        # one class per name and base, made once: an error raised again is of the same class (hypothesis tells bugs
        # apart by their class, and took each rebuilt class for a new bug to shrink, past the time limit)
        cls = _ERRORS.get((name, base))
        if cls is None:
            cls = _ERRORS[name, base] = type(name.rpartition(":")[2].rpartition(".")[2], (base,),
                                             {"__module__": name.partition(":")[0]})
    error = _built(cls, message) if not issubclass(cls, KeyError) else _said(cls, message)  # KeyError's str is a repr
    error.kata_message = message  # the learner's own words for it, as str() said them over there
    for key, value in attributes.items():
        try:
            setattr(error, key, value)
        except (AttributeError, TypeError):
            pass
    error.kata_frames = frames
    if error.kata_frames and not isinstance(error, (impl.UnitLoadError, impl.MissingName, impl.StubReached)):
        lines = [f'  File "{impl.display_path(Path(f[0]))}", line {f[1]}, in {f[2]}' for f in error.kata_frames]
        error.add_note("Where it was raised, in the process that runs your code:\n" + "\n".join(lines[-12:]))
    return error


def _built(cls: type, message: str) -> BaseException:
    """An instance of `cls` saying `message`: built as the class builds one where it takes a message alone,
    else without running its __init__ (an SDK error wants a response), under a subclass whose str is the message."""
    try:
        return cls(message)
    except Exception:  # noqa: BLE001 - an __init__ that wants more than a message
        return _said(cls, message)


def _said(cls: type, message: str) -> BaseException:
    """An instance of a subclass of `cls` under its name, whose str is `message`, built without its __init__."""
    try:
        said = _SAID.get(cls)
        if said is None:  # made once per class, as _ERRORS
            said = _SAID[cls] = type(cls.__name__, (cls,), {"__str__": lambda self: str(self.args[0]) if self.args else "",
                                                            "__module__": cls.__module__, "__qualname__": cls.__qualname__})
        error = said.__new__(said)
        BaseException.__init__(error, message)
        return error
    except Exception:  # noqa: BLE001
        return RuntimeError(message)


def frames_of(error: BaseException):
    """The learner's frames of an error that crossed the wall, else its own traceback's."""
    import traceback

    frames = getattr(error, "kata_frames", None)
    if frames is not None:
        return [traceback.FrameSummary(f[0], f[1], f[2], line=f[3] if len(f) > 3 else None) for f in frames]
    return traceback.extract_tb(error.__traceback__)


# --- the learner's HTTP, answered here ------------------------------------------------------------

class _Unreachable(Exception):
    pass


_HOP_BY_HOP = {"content-encoding", "content-length", "transfer-encoding", "connection", "keep-alive"}
_CLIENTS: dict[str, object] = {}


def _send(library: str, method: str, url: str, headers, body: bytes):
    """Send the learner's request with the judge's own client of the same library (cassettes, guard, a test's stand-in)."""
    kept = [(k, v) for k, v in headers if k.lower() not in ("content-length", "host", "accept-encoding")]
    if library in ("httpx", "httpx2"):
        http = __import__(library)
        client = _CLIENTS.get(library) or _CLIENTS.setdefault(library, http.Client(timeout=120, follow_redirects=False))
        try:
            response = client.send(http.Request(method, url, headers=kept, content=body))
        except (http.ConnectError, http.ConnectTimeout) as error:
            raise _Unreachable(str(error)) from error
        return response.status_code, _answer_headers(response.headers.multi_items()), response.content
    if library in ("requests", "aiohttp"):  # aiohttp's requests (voyageai's AsyncClient) are sent as requests' are
        import requests

        session = _CLIENTS.get("requests") or _CLIENTS.setdefault("requests", requests.Session())
        try:
            response = session.send(requests.Request(method, url, headers=dict(kept), data=body).prepare(), timeout=120,
                                    allow_redirects=False)
        except requests.exceptions.ConnectionError as error:
            if offline.blocked_call(error) is not None:
                raise
            raise _Unreachable(str(error)) from error
        return response.status_code, _answer_headers(response.headers.items()), response.content
    raise CannotCross(f"an HTTP request from an unknown library {library!r}")


def _answer_headers(items) -> list[list[str]]:
    return [[k, v] for k, v in items if k.lower() not in _HOP_BY_HOP]


_ORIGINALS: dict[tuple, object] = {}


def _sdk_methods():
    import anthropic
    import voyageai

    messages = anthropic.resources.messages.Messages
    return {"/v1/messages/count_tokens": (messages, "count_tokens"), "/v1/messages": (messages, "create"),
            "/v1/embeddings": (voyageai.Client, "embed"), "/v1/rerank": (voyageai.Client, "rerank")}


def remember_sdk_methods() -> None:
    """The SDK methods as the SDKs define them: one that differs later was replaced by a test."""
    for owner, name in _sdk_methods().values():
        _ORIGINALS.setdefault((owner, name), getattr(owner, name))


def _sdk_stand_in(method: str, url: str, body: bytes):
    """When a test replaced the SDK method this request comes from: that call, made here, as a function."""
    path = urlsplit(url).path
    for suffix, (owner, name) in _sdk_methods().items():
        if path.endswith(suffix):
            break
    else:
        return None
    if method.upper() != "POST" or getattr(owner, name) is _ORIGINALS.get((owner, name)):
        return None
    payload = json.loads(body or b"{}")
    base = f"{urlsplit(url).scheme}://{urlsplit(url).netloc}{path[:-len(suffix)]}"
    if owner.__module__.startswith("anthropic"):
        return lambda: _anthropic_call(name, base, payload)
    return lambda: _voyage_call(name, payload)


def _anthropic_call(name: str, base: str, payload: dict):
    import anthropic

    client = anthropic.Anthropic(api_key=os.environ.get("ANTHROPIC_API_KEY") or offline.REPLAY_KEY, base_url=base, max_retries=0)
    try:
        result = getattr(client.messages, name)(**payload)
    except anthropic.APIStatusError as error:
        content = error.response.content if error.response is not None else b""
        if not content:
            content = json.dumps({"type": "error", "error": {"type": "api_error", "message": str(error)}}).encode()
        headers = [[k, v] for k, v in error.response.headers.items() if k.lower() not in _HOP_BY_HOP]
        return error.status_code, [*headers, ["x-should-retry", "false"], ["content-type", "application/json"]], content
    except anthropic.APIConnectionError as error:
        raise _Unreachable(str(error)) from error
    return 200, [["content-type", "application/json"], ["x-should-retry", "false"]], json.dumps(_plain(result)).encode()


def _voyage_call(name: str, payload: dict):
    import voyageai

    client = voyageai.Client(api_key=os.environ.get("VOYAGE_API_KEY") or offline.REPLAY_KEY, max_retries=0)
    if name == "embed":
        kwargs = _as_called("embed", payload, ("model", "input_type", "truncation", "output_dtype", "output_dimension"))
        result = client.embed(payload.get("input"), **kwargs)
        vectors = [_plain(v) for v in (getattr(result, "embeddings", None) or [])]
        data = {"object": "list", "data": [{"object": "embedding", "embedding": v, "index": i} for i, v in enumerate(vectors)],
                "model": payload.get("model"), "usage": {"total_tokens": int(getattr(result, "total_tokens", 0) or 0)}}
    else:
        kwargs = _as_called("rerank", payload, ("model", "top_k", "truncation"))
        result = client.rerank(payload.get("query"), payload.get("documents"), **kwargs)
        data = {"object": "list", "model": payload.get("model"),
                "data": [{"index": r.index, "relevance_score": r.relevance_score, "document": getattr(r, "document", None)}
                         for r in (getattr(result, "results", None) or [])],
                "usage": {"total_tokens": int(getattr(result, "total_tokens", 0) or 0)}}
    return 200, [["content-type", "application/json"]], json.dumps(data).encode()


def _as_called(method: str, payload: dict, names) -> dict:
    """The keyword arguments a request's body says were passed: the SDK sends its defaults too, left out here."""
    import inspect

    original = _ORIGINALS.get((voyage_client(), method))
    try:
        defaults = {k: p.default for k, p in inspect.signature(original).parameters.items()} if original else {}
    except (TypeError, ValueError):
        defaults = {}
    return {k: payload[k] for k in names if k in payload and not (k in defaults and defaults[k] == payload[k])}


def voyage_client():
    import voyageai

    return voyageai.Client


def _plain(value):
    """A reply as the API's JSON: an SDK model, or a test's SimpleNamespace stand-in."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", exclude_unset=True)
    if isinstance(value, types.SimpleNamespace):
        return {k: _plain(v) for k, v in vars(value).items()}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


# --- what the tests use: a unit's globals, as a mapping --------------------------------------------

# The names the running test set a stand-in for, as (unit slug, name): the plugin empties it as each test starts.
stood_in: list[tuple[str, str]] = []
# The units' functions that ran in the learner's process during the running test ("U10.read_reply"), as its
# answers said: one set once a call has crossed the wall, none before (the learner's code in this process: not known).
ran: list[set[str]] = []


class UnitGlobals:
    """A unit module's globals, read and written in the learner's process (monkeypatch.setitem works on it):
    how a test puts a stand-in where a unit's function looks a name up."""

    def __init__(self, target: impl.Target, slug: str, of: str):
        self.target, self.slug, self.of = target, slug, of

    def __getitem__(self, name):
        return WALL.global_of(self.target, self.slug, name, "get", of=self.of)

    def get(self, name, default=None):
        try:
            return self[name]
        except KeyError:
            return default

    def __contains__(self, name):
        return self.get(name, _ABSENT) is not _ABSENT

    def __setitem__(self, name, value):
        if not isinstance(value, Slowed):  # a stand-in: the learner's function of that name does not run in this test
            stood_in.append((self.slug, name))
        WALL.global_of(self.target, self.slug, name, "set", value, of=self.of)

    def __delitem__(self, name):
        WALL.global_of(self.target, self.slug, name, "delete", of=self.of)


_ABSENT = object()


@dataclasses.dataclass(frozen=True)
class Slowed:
    """Set into UnitGlobals: the function of that name made `seconds` slower a call in the learner's process, so a
    test can measure what a learner's code times with nothing crossing the wall but the delay."""

    seconds: float
