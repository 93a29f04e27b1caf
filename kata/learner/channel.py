"""Messages between the judge and the learner process: length-prefixed JSON on two pipes (or a socket pair).

A message's "attached" raw bytes (a big array's, by digest: kata/learner/values.py) follow its JSON, which
lists their digests and lengths in order; the receiver hands them back in the message under the same key.

Either side may ask while the other is asking (a test's callback inside a learner's call, an HTTP
request inside it), so `ask()` serves the other side's questions until its own answer arrives.
"""

from __future__ import annotations

import json
import os
import select
import socket
import struct
import time

MAX_FRAME = 256 * 1024 * 1024  # bytes in one message: a bigger one is refused, named, never read into memory
HEADER = struct.Struct(">I")
ATTACHED = "attached"  # a message's key for the raw bytes that follow it


class ChannelClosed(EOFError):
    """The other side is gone (it ended, crashed or was killed)."""


# One encoder and one decoder, kept, called in C: json.dumps with any option builds an encoder a message, and
# JSONEncoder.encode a C encoder (~2 µs a message each side, of a round trip's ~25 µs).
_ENCODER = json.JSONEncoder(allow_nan=True, separators=(",", ":"))
_C_ENCODE = getattr(json.encoder, "c_make_encoder", None) and json.encoder.c_make_encoder(
    None, _ENCODER.default, json.encoder.encode_basestring_ascii, None, ":", ",", False, False, True)
_DECODER = json.JSONDecoder()
_DECODE, _SCAN = _DECODER.decode, _DECODER.scan_once


def _encode(message: dict) -> bytes:
    if _C_ENCODE is None:  # pragma: no cover - a Python without json's C speedups
        return _ENCODER.encode(message).encode()
    return "".join(_C_ENCODE(message, 0)).encode()


def _decode(text: str) -> dict:
    try:
        message, end = _SCAN(text, 0)
    except StopIteration:
        message, end = None, -1
    if end != len(text) or type(message) is not dict:  # not one JSON object alone: json's own words for what is wrong
        message = _DECODE(text)
        if type(message) is not dict:
            raise ValueError(f"a message that is not a JSON object was refused: {text[:80]!r}")
    return message


PIPE_BUFFER = 1024 * 1024  # bytes each pipe may hold: a big message in few wake-ups


def pipes() -> tuple[tuple[int, int], tuple[int, int]]:
    """Two pipes, one each way, as ((judge reads, judge writes), (learner reads, learner writes)). A round trip
    over pipes costs ~8 µs here against ~13 µs over a socket pair (measured in Python on this 2-core machine);
    each pipe holds up to PIPE_BUFFER bytes (the kernel's cap for a user: /proc/sys/fs/pipe-max-size)."""
    import fcntl  # (here: a system without it, Windows, never makes pipes: its learner is spawned, over sockets)

    to_judge, to_learner = os.pipe(), os.pipe()
    for read, write in (to_judge, to_learner):
        try:
            fcntl.fcntl(write, fcntl.F_SETPIPE_SZ, PIPE_BUFFER)
        except (OSError, AttributeError):  # pragma: no cover - a kernel that refuses: the default 64 KB works, more slowly
            pass
    return (to_judge[0], to_learner[1]), (to_learner[0], to_judge[1])


# --- one CPU for both ends of a round trip ------------------------------------------------------
# A wake-up that crosses CPUs is slow where an idle CPU halts (a virtual machine's vCPU: waking it goes through the
# hypervisor): on this 2-vCPU machine, idle, a round trip between two processes over pipes took ~45 µs on two CPUs
# and ~5 µs on one. The judge and the learner take turns (one waits while the other works), so they wait on one
# CPU: the judge pins its thread to the CPU it runs on for the wait and says which; the learner, once it has
# answered, pins itself there to wait for the next question, and is free again while it works (so the threads
# its code starts, which inherit its CPUs, are never pinned). Only while the machine is quiet (a load average below
# its number of CPUs, read once a second): on a busy one the CPU pinned to is often taken by another process, and
# the pair waits for it where the scheduler would have moved it (measured at load 4.4: a call of "nothing" 41-53 µs
# pinned against 21-24 µs free).

_LIBC = None
_QUIET = [-2.0, False]  # when the load average was last read, and whether it was below the number of CPUs


def here() -> int | None:
    """The CPU this thread runs on; None where that cannot be told, there is one CPU only, or the machine is busy."""
    global _LIBC
    if _LIBC is None:
        try:
            import ctypes

            _LIBC = ctypes.CDLL(None).sched_getcpu if hasattr(os, "sched_setaffinity") and len(os.sched_getaffinity(0)) > 1 else False
        except (OSError, AttributeError):
            _LIBC = False
    if not _LIBC:
        return None
    now = time.monotonic()
    if now - _QUIET[0] > 1.0:
        try:
            _QUIET[:] = [now, os.getloadavg()[0] < len(os.sched_getaffinity(0))]
        except OSError:
            _QUIET[:] = [now, False]
    cpu = _LIBC() if _QUIET[1] else -1
    return cpu if cpu >= 0 else None


def pin(cpus) -> None:
    """This thread on these CPUs only (quietly nothing where the system refuses)."""
    try:
        os.sched_setaffinity(0, cpus)
    except (OSError, ValueError, AttributeError):
        pass


class Channel:
    """A socket (both ways), or two pipes' ends (`fds`: where it reads, where it writes). A socket made non-blocking
    (a spawned learner's, on the judge's side) is read and written without flags: MSG_DONTWAIT is not everywhere."""

    def __init__(self, sock: socket.socket | None = None, before_send=None, after_receive=None,
                 fds: tuple[int, int] | None = None):
        self.sock = sock
        self.read_fd, self.write_fd = fds if fds is not None else (sock.fileno(), sock.fileno())
        self.next_id = 0
        self.before_send, self.after_receive = before_send, after_receive  # the learner's printed output rides along
        self.received = bytearray()  # read from the socket, not yet taken as a message
        self.flags = 0 if sock is None or sock.gettimeout() == 0.0 else getattr(socket, "MSG_DONTWAIT", 0)

    def close(self) -> None:
        """Close this side's ends (this process's copies only)."""
        if self.sock is not None:
            self.sock.close()
            return
        for fd in {self.read_fd, self.write_fd}:
            try:
                os.close(fd)
            except OSError:
                pass

    def send(self, message: dict, poll=None) -> None:
        """Send one message. `poll()`, when given, is called between short waits for room on the socket: a
        judge's watchdog can then raise in the sending thread, where a blocked sendall (the other side not
        reading, a message bigger than the socket's buffer) would never notice."""
        if self.before_send is not None:
            message = self.before_send(message)
        attached = message.pop(ATTACHED, None) or {}
        if attached:
            message[ATTACHED] = [[name, len(raw)] for name, raw in attached.items()]
        data = _encode(message)
        if len(data) > MAX_FRAME or attached and max(map(len, attached.values())) > MAX_FRAME:
            raise ValueError(f"a value of {max([len(data), *map(len, attached.values())]):,} bytes is too big to cross "
                             f"between the processes (at most {MAX_FRAME:,})")
        try:
            for part in (HEADER.pack(len(data)) + data, *attached.values()):  # the header and its JSON: one write
                view = memoryview(part)
                while view:
                    try:
                        view = view[self._write(view, poll):]
                    except BlockingIOError:  # no room: wait for some, in short waits
                        while not select.select([], [self.write_fd], [], 0.05)[1]:
                            if poll is not None:
                                poll()
        except (BrokenPipeError, ConnectionResetError) as error:
            raise ChannelClosed(str(error)) from None

    def _write(self, view: memoryview, poll) -> int:
        if self.sock is None:  # a pipe: the judge's end never blocks (kata/judge/wall.py), the learner's does
            return os.write(self.write_fd, view)
        return self.sock.send(view, self.flags) if poll is not None else self.sock.send(view)

    def receive(self, poll=None) -> dict:
        """The next message. `poll()`, when given, is called between short waits (a judge's watchdog
        can then raise in the waiting thread: a blocked read would never notice)."""
        self._fill(HEADER.size, poll)
        size = HEADER.unpack_from(self.received)[0]
        if size > MAX_FRAME:
            raise ChannelClosed(f"a message of {size:,} bytes was refused (at most {MAX_FRAME:,})")
        self._fill(HEADER.size + size, poll)
        with memoryview(self.received) as view:
            message = _decode(str(view[HEADER.size:HEADER.size + size], "utf-8"))
        del self.received[:HEADER.size + size]
        if ATTACHED in message:
            arrived = {}
            for name, length in message[ATTACHED]:
                if not 0 <= int(length) <= MAX_FRAME:
                    raise ChannelClosed(f"an attachment of {length:,} bytes was refused (at most {MAX_FRAME:,})")
                self._fill(int(length), poll)
                with memoryview(self.received) as view:  # one copy of a big array's bytes, not two
                    arrived[str(name)] = bytes(view[:int(length)])
                del self.received[:int(length)]
            message[ATTACHED] = arrived
        if self.after_receive is not None:
            self.after_receive(message)
        return message

    def _fill(self, n: int, poll) -> None:
        """Read until `n` bytes are at hand: what is there, in one read, a header and its message alike. With `poll`,
        short waits until there is something to read (a watchdog's strike lands between them)."""
        while len(self.received) < n:
            try:  # what is there already (often all of the answer: one syscall), else short waits
                want = max(n - len(self.received), 1 << 16)
                if self.sock is None:  # a pipe: the judge's end never blocks (kata/judge/wall.py), the learner's does
                    chunk = os.read(self.read_fd, want)
                else:
                    chunk = self.sock.recv(want, self.flags) if poll is not None else self.sock.recv(want)
            except BlockingIOError:
                while not select.select([self.read_fd], [], [], 0.05)[0]:
                    if poll is not None:
                        poll()
                continue
            except OSError as error:
                raise ChannelClosed(str(error)) from None
            if not chunk:
                raise ChannelClosed("the other process closed the channel")
            self.received += chunk

    def ask(self, message: dict, serve, poll=None) -> dict:
        """Send a question and return its answer, serving (with `serve(message) -> answer`) every
        question the other side asks meanwhile."""
        self.next_id += 1
        ident = f"{os.getpid()}-{self.next_id}"
        self.send({**message, "id": ident}, poll)
        while True:
            got = self.receive(poll)
            if got.get("answers") == ident:
                return got
            if "answers" in got:  # an answer to a question given up on (a timeout): never ours now
                continue
            self.send({**serve(got), "answers": got["id"]}, poll)
