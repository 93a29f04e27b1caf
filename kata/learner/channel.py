"""Messages between the judge and the learner process: length-prefixed JSON on a socket pair.

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

MAX_FRAME = 256 * 1024 * 1024  # bytes in one message: a bigger one is refused, named, never read into memory
HEADER = struct.Struct(">I")
ATTACHED = "attached"  # a message's key for the raw bytes that follow it


class ChannelClosed(EOFError):
    """The other side is gone (it ended, crashed or was killed)."""


BUFFER = 4 * 1024 * 1024  # bytes each socket may hold (the kernel caps it): a big message in few wake-ups


def widen(sock: socket.socket) -> socket.socket:
    """Ask for socket buffers of BUFFER bytes both ways (a 1,000-vector index crosses in a few wake-ups)."""
    for option in (socket.SO_SNDBUF, socket.SO_RCVBUF):
        try:
            sock.setsockopt(socket.SOL_SOCKET, option, BUFFER)
        except OSError:  # pragma: no cover - a platform that refuses: the default buffers work, more slowly
            pass
    return sock


class Channel:
    def __init__(self, sock: socket.socket, before_send=None, after_receive=None):
        self.sock = sock
        self.next_id = 0
        self.before_send, self.after_receive = before_send, after_receive  # the learner's printed output rides along
        self.received = bytearray()  # read from the socket, not yet taken as a message

    def send(self, message: dict, poll=None) -> None:
        """Send one message. `poll()`, when given, is called between short waits for room on the socket: a
        judge's watchdog can then raise in the sending thread, where a blocked sendall (the other side not
        reading, a message bigger than the socket's buffer) would never notice."""
        if self.before_send is not None:
            message = self.before_send(message)
        attached = message.pop(ATTACHED, None) or {}
        if attached:
            message[ATTACHED] = [[name, len(raw)] for name, raw in attached.items()]
        data = json.dumps(message, allow_nan=True, separators=(",", ":")).encode()
        if max([len(data), *map(len, attached.values())]) > MAX_FRAME:
            raise ValueError(f"a value of {len(data):,} bytes is too big to cross between the processes "
                             f"(at most {MAX_FRAME:,})")
        try:
            for part in (HEADER.pack(len(data)) + data, *attached.values()):
                if poll is None:
                    self.sock.sendall(part)
                    continue
                view = memoryview(part)
                while view:
                    try:
                        view = view[self.sock.send(view, socket.MSG_DONTWAIT):]  # mostly all of it, at once
                    except BlockingIOError:  # no room: wait for some, in short waits
                        while not select.select([], [self.sock], [], 0.05)[1]:
                            poll()
        except (BrokenPipeError, ConnectionResetError) as error:
            raise ChannelClosed(str(error)) from None

    def receive(self, poll=None) -> dict:
        """The next message. `poll()`, when given, is called between short waits (a judge's watchdog
        can then raise in the waiting thread: a blocked read would never notice)."""
        self._fill(HEADER.size, poll)
        size = HEADER.unpack_from(self.received)[0]
        if size > MAX_FRAME:
            raise ChannelClosed(f"a message of {size:,} bytes was refused (at most {MAX_FRAME:,})")
        self._fill(HEADER.size + size, poll)
        message = json.loads(self.received[HEADER.size:HEADER.size + size])
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
        """Read until `n` bytes are at hand: what is there, in one read, a header and its message alike."""
        while len(self.received) < n:
            if poll is not None:
                while not select.select([self.sock], [], [], 0.05)[0]:
                    poll()
            try:
                chunk = self.sock.recv(max(n - len(self.received), 1 << 16))
            except (ConnectionResetError, OSError) as error:
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
