"""Messages between the judge and the learner process: length-prefixed JSON on a socket pair.

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


class ChannelClosed(EOFError):
    """The other side is gone (it ended, crashed or was killed)."""


class Channel:
    def __init__(self, sock: socket.socket, before_send=None, after_receive=None):
        self.sock = sock
        self.next_id = 0
        self.before_send, self.after_receive = before_send, after_receive  # the learner's printed output rides along

    def send(self, message: dict, poll=None) -> None:
        """Send one message. `poll()`, when given, is called between short waits for room on the socket: a
        judge's watchdog can then raise in the sending thread, where a blocked sendall (the other side not
        reading, a message bigger than the socket's buffer) would never notice."""
        if self.before_send is not None:
            message = self.before_send(message)
        data = json.dumps(message, allow_nan=True, separators=(",", ":")).encode()
        if len(data) > MAX_FRAME:
            raise ValueError(f"a value of {len(data):,} bytes is too big to cross between the processes "
                             f"(at most {MAX_FRAME:,})")
        try:
            if poll is None:
                self.sock.sendall(HEADER.pack(len(data)) + data)
                return
            for part in (HEADER.pack(len(data)), data):
                view = memoryview(part)
                while view:
                    while not select.select([], [self.sock], [], 0.05)[1]:
                        poll()
                    try:
                        view = view[self.sock.send(view, socket.MSG_DONTWAIT):]
                    except BlockingIOError:  # the room was taken meanwhile: wait again
                        continue
        except (BrokenPipeError, ConnectionResetError) as error:
            raise ChannelClosed(str(error)) from None

    def receive(self, poll=None) -> dict:
        """The next message. `poll()`, when given, is called between short waits (a judge's watchdog
        can then raise in the waiting thread: a blocked read would never notice)."""
        size = HEADER.unpack(self._exactly(HEADER.size, poll))[0]
        if size > MAX_FRAME:
            raise ChannelClosed(f"a message of {size:,} bytes was refused (at most {MAX_FRAME:,})")
        message = json.loads(self._exactly(size, poll))
        if self.after_receive is not None:
            self.after_receive(message)
        return message

    def _exactly(self, n: int, poll) -> bytes:
        chunks, left = [], n
        while left:
            if poll is not None:
                while not select.select([self.sock], [], [], 0.05)[0]:
                    poll()
            try:
                chunk = self.sock.recv(min(left, 1 << 20))
            except (ConnectionResetError, OSError) as error:
                raise ChannelClosed(str(error)) from None
            if not chunk:
                raise ChannelClosed("the other process closed the channel")
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

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
