"""The learner process where `os.fork` or `socket.send_fds` is missing (Windows), or KATA_WALL=spawn: a fresh
interpreter instead of a fork of the zygote, so the wall still stands as a process boundary.

The judge listens on a loopback port and starts `python -m kata.learner PORT`, with a secret token in its
environment. The new process connects twice (the channel, then the "where" socket), each time saying the
token first; the judge takes no connection that does not. The channel carries the same messages as the
pipes of a forked learner (kata/learner/channel.py). Without signals, the judge's watchdog asks "remember" and
"where" over the where socket, and a thread of the learner's answers with the main thread's frames.

A fresh interpreter holds no test and no expected value by construction (it imports only the kata's loader and
the SDKs). It has no namespaces of its own: the worker's sandbox, where there is one, is all there is, and the
learner's code can see the tests there. Starting one costs an interpreter's start and the SDKs' import (~1-2 s
here), so the judge keeps one started ahead (`Spawned` waits in `accept` until asked for).
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

TOKEN_VARIABLE = "KATA_WALL_TOKEN"
ROLES = ("channel", "where")
ASKS = (b"remember", b"where")  # what the judge's watchdog sends on the where socket, a line each


class Spawned:
    """A learner process started (or starting) in a fresh interpreter, not yet connected."""

    def __init__(self, root: Path):
        self.listener = socket.create_server(("127.0.0.1", 0))  # loopback only
        self.token = secrets.token_hex(16)
        environment = {**os.environ, TOKEN_VARIABLE: self.token,
                       "PYTHONPATH": os.pathsep.join([str(root), *filter(None, [os.environ.get("PYTHONPATH")])])}
        port = self.listener.getsockname()[1]
        self.popen = subprocess.Popen([sys.executable, "-m", "kata.learner", str(port)], env=environment,
                                      stdin=subprocess.DEVNULL)
        self.pid = self.popen.pid

    def connect(self, wait: float, poll=None) -> tuple[socket.socket, socket.socket]:
        """(channel, where): the two connections the process makes, each having said the token, within `wait`
        seconds. `poll()`, when given, is called between short waits (a watchdog's strike lands there)."""
        give_up = time.monotonic() + wait
        self.listener.settimeout(0.05)
        connected: dict[str, socket.socket] = {}
        try:
            while len(connected) < len(ROLES):
                if time.monotonic() > give_up or self.popen.poll() is not None:
                    how = ended_how(self.popen.poll()) if self.popen.poll() is not None else f"did not connect within {wait:g} s"
                    raise OSError(f"the learner's process {how}")
                try:
                    conn, _ = self.listener.accept()
                except (TimeoutError, socket.timeout):
                    if poll is not None:
                        poll()
                    continue
                said = _line(conn, time.monotonic() + 2.0).split()
                if len(said) == 2 and secrets.compare_digest(said[0], self.token) and said[1] in ROLES:
                    conn.settimeout(None)
                    connected[said[1]] = conn
                else:  # not the process we started: another local program found the port
                    conn.close()
        except BaseException:
            for conn in connected.values():
                conn.close()
            raise
        finally:
            self.listener.close()
        return connected["channel"], connected["where"]

    def kill(self) -> str:
        """End the process (it may have ended already): how it ended, in words."""
        self.listener.close()
        try:
            self.popen.kill()
        except OSError:
            pass
        try:
            return ended_how(self.popen.wait(timeout=20.0))
        except subprocess.TimeoutExpired:
            return "did not end when killed"

    def drop(self) -> None:
        """In a forked process: this learner is the parent's. Close our copy of the listener, leave the process be."""
        self.listener.close()
        self.popen.returncode = 0  # never waited for or killed from here


def ended_how(code: int | None) -> str:
    """A process's return code in words (negative: the signal that killed it), for a forked or a spawned learner."""
    if code is None:
        return "ended"
    if code < 0:
        import signal

        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


def _line(conn: socket.socket, give_up: float) -> str:
    """One line from a new connection, read byte by byte (nothing after it), or "" when none comes in time."""
    got = b""
    while not got.endswith(b"\n") and len(got) < 200:
        conn.settimeout(max(0.01, give_up - time.monotonic()))
        try:
            piece = conn.recv(1)
        except OSError:
            return ""
        if not piece:
            return ""
        got += piece
    return got.decode(errors="replace").strip()


# --- in the spawned process ------------------------------------------------------------------------

def connect_back(port: int) -> tuple[socket.socket, socket.socket]:
    """The spawned process's two connections to the judge, each introduced by the token."""
    token = os.environ.pop(TOKEN_VARIABLE, "")  # the learner's code never reads it
    connections = []
    for role in ROLES:
        conn = socket.create_connection(("127.0.0.1", port), timeout=20.0)
        conn.settimeout(None)
        conn.sendall(f"{token} {role}\n".encode())
        connections.append(conn)
    return connections[0], connections[1]


def answer_the_watchdog(where: socket.socket, remember_where, tell_where) -> None:
    """Without signals: a thread reads the judge's asks on the where socket and answers with the main thread's
    frames (`remember_where(frame)`, `tell_where(frame)`, as the signal handlers of a forked learner are called)."""
    main = threading.main_thread().ident

    def listen():
        pending = b""
        while True:
            try:
                piece = where.recv(64)
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            if not piece:
                return  # the judge is gone
            pending += piece
            while b"\n" in pending:
                ask, _, pending = pending.partition(b"\n")
                frame = sys._current_frames().get(main)
                if ask == ASKS[0]:
                    remember_where(frame)
                elif ask == ASKS[1]:
                    tell_where(frame)

    threading.Thread(target=listen, name="kata-watchdog-answers", daemon=True).start()
