"""The warm kata: one process per checkout that keeps pytest, the SDKs and the tests imported, so that
every command after the first starts where `kata watch` re-runs from.

The board, next, check, show, plot and hint go through it (not --live). The command the learner typed
(the client) sends its argv, cwd and environment, and its stdout and stderr themselves (passed over the
socket), so the command prints straight to the learner's terminal, colours and all. The daemon forks a
process for the command from its warm self; that process runs `kata.commands.cli.main` exactly as the client
would have, and the worker (kata/running/worker.py) forks the learner's child from it as it does today. The
daemon waits for the command's process and sends its exit status back: a status no learner code can
forge, as the learner's child never holds the socket.

- A command that finds no daemon listening starts one in the background and runs in its own process,
  as today (it never waits for the daemon); the daemon imports, collects every unit's tests, listens,
  then loads the reference backend's models and matplotlib the first time it is idle. A daemon that
  could not start leaves `.kata/daemon.failed` (its key): no new try until the key changes or `kata stop`.
- It lives at `.kata/daemon.sock` (mode 0600), which the learner's sandbox hides with the rest of
  `.kata/`. A socket, or a `.kata/`, owned by someone else is never used: the command says so and runs
  without the daemon. The daemon holds `.kata/daemon.lock` (flock) as long as it lives: a socket
  file with no lock held is stale (a killed daemon), removed, and a new daemon started.
- Its key: the kata's code (kata/, tests/*.py, conftest.py, pyproject.toml, uv.lock), the data the
  tests read (cassettes/, sample-corpus/, models/, evals/), the interpreter, the installed packages
  and the environment variables the kata reads (kata/running/cache.py's list). A command whose key differs
  asks the daemon to stop (it finishes the commands it is running) and starts a new one. The result
  cache (kata/running/cache.py) still decides, in each command's process, what runs and what is read.
- It stops after KATA_DAEMON_IDLE seconds (default 900) with no command, and on `kata stop`.
- Ctrl-C in the client ends the client at once; the daemon sees the connection close and stops the
  command's process (which stops its learner child as Ctrl-C does today), its output silenced.
- Where it cannot run (no unix sockets, no fork, KATA_DAEMON=0, KATA_WORKER=spawn) the command runs
  in its own process, as it always did.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import selectors
import signal
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

from kata.units import ROOT

STATE = ROOT / ".kata"
SOCKET = STATE / "daemon.sock"
LOCK = STATE / "daemon.lock"  # flock'ed by the living daemon, from its start to its end
LOG = STATE / "daemon.log"
FAILED = STATE / "daemon.failed"  # the key a daemon could not start with (`kata stop` forgets it)
COMMANDS = ("status", "next", "check", "show", "plot", "hint")
IDLE = os.environ.get("KATA_DAEMON_IDLE", "900")  # seconds with no command before it stops
ANSWER_TIMEOUT = 30.0  # seconds a daemon may take to say it started a command, before the client gives up on it
REQUEST = {"key", "argv", "sys_argv", "cwd", "env", "umask", "encoding"}  # what a command's request carries
KEY_FILES = ("kata", "conftest.py", "pyproject.toml", "uv.lock", "cassettes", "sample-corpus", "models", "evals")

SERVE = "import sys; from kata.running.daemon import serve; serve(sys.argv[1], int(sys.argv[2]), sys.argv[3])"

_serving: list[bool] = []  # set in the daemon (and so in its forks): a command there never calls a daemon


def wanted(command: str | None, live: bool = False) -> bool:
    """Should this command go through the warm daemon? (False where it cannot run: then today's path.)"""
    return ((command or "status") in COMMANDS and not live and not _serving
            and os.environ.get("KATA_DAEMON", "1") != "0" and os.environ.get("KATA_WORKER") != "spawn"
            and hasattr(socket, "AF_UNIX") and hasattr(socket, "send_fds") and hasattr(os, "fork"))


@contextlib.contextmanager
def _in_state():
    """Inside .kata/, where the socket is named `daemon.sock`: a socket's name holds 107 bytes, a checkout's
    path may be longer. Then back to the folder the command was run in."""
    here = os.open(".", os.O_RDONLY)
    try:
        os.chdir(STATE)
        yield
    finally:
        os.fchdir(here)
        os.close(here)


def _say(text: str) -> None:
    print(f"kata: {text}", file=sys.stderr, flush=True)


# The key ---------------------------------------------------------------------------------------------


def key() -> str:
    """What the warm process's imports and primed state depend on. Files by size and modification time
    (a touched file restarts it, which costs a prime, never a stale answer); packages by name and version."""
    digest = hashlib.sha256()
    files = [ROOT / name for name in KEY_FILES] + sorted((ROOT / "tests").glob("*.py"))
    for top in files:  # files only (a folder's time changes when Python adds its __pycache__); kata/ by its .py
        for path in sorted(top.rglob("*.py" if top.name == "kata" else "*")) if top.is_dir() else [top]:
            if "__pycache__" in path.parts or path.is_dir():
                continue
            try:
                st = path.stat()
            except OSError:
                digest.update(f"{path}\0missing\n".encode())
                continue
            digest.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}\n".encode())
    for entry in sys.path:  # installed packages: their dist-info folders carry name and version
        if entry.endswith("site-packages") and os.path.isdir(entry):
            digest.update("\n".join(sorted(n for n in os.listdir(entry) if n.endswith(".dist-info"))).encode())
    digest.update(f"{os.path.normpath(sys.executable)}\0{sys.prefix}\0{sys.version}\0{ROOT}\0".encode())
    digest.update(json.dumps(_kata_environment(os.environ)).encode())
    return digest.hexdigest()[:32]


# The client ------------------------------------------------------------------------------------------


def _not_ours(path: Path, kind: str) -> str:
    """Why `path` must not be used (not ours, or not what it should be), in words; "" when it is fine."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return ""
    import stat

    if st.st_uid != os.getuid():
        return (f"{path} belongs to another user (uid {st.st_uid}, you are {os.getuid()}): the kata will not "
                f"use it. Remove it (`rm -r {path}` as its owner), or set KATA_DAEMON=0.")
    if kind == "socket" and not stat.S_ISSOCK(st.st_mode):
        return f"{path} is not a socket (a {stat.filemode(st.st_mode)} file): remove it, or set KATA_DAEMON=0."
    if kind == "folder" and not stat.S_ISDIR(st.st_mode):
        return f"{path} is not a folder: remove it, or set KATA_DAEMON=0."
    return ""


def _peer_uid(conn: socket.socket) -> int | None:
    if not hasattr(socket, "SO_PEERCRED"):
        return None
    return struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")))[1]


def _connect() -> socket.socket | None:
    """A connection to the living daemon, or None (nothing listens there). OSError: a socket we must not use."""
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.settimeout(ANSWER_TIMEOUT)
    try:
        with _in_state():
            conn.connect(SOCKET.name)
    except (FileNotFoundError, ConnectionRefusedError):
        conn.close()
        return None
    except OSError:
        conn.close()
        raise
    if _peer_uid(conn) not in (None, os.getuid()):
        conn.close()
        raise PermissionError(f"{SOCKET} is served by another user's process: the kata will not use it. "
                              f"Set KATA_DAEMON=0, and ask them to stop it.")
    return conn


def _lock_is_free() -> bool | None:
    """Whether no daemon holds the lock now (None: the lock file cannot be opened)."""
    import fcntl

    try:
        fd = os.open(LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def _start(current_key: str, commands: str) -> subprocess.Popen | None:
    """Start a daemon if none is alive (the lock is free), handing it the lock; None when one is."""
    import fcntl

    fd = os.open(LOCK, os.O_RDWR | os.O_CREAT, 0o600)  # OSError: the caller says it
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return None  # another daemon is starting
        if os.path.lexists(SOCKET):  # a socket with no daemon holding the lock: a daemon that was killed
            _say(f"the warm kata had stopped without removing {SOCKET.relative_to(ROOT)} (was it killed?): "
                 f"starting a new one.")
            SOCKET.unlink()
        if LOG.exists():  # the last daemon's log, which it may still be writing (it follows the rename)
            os.replace(LOG, LOG.with_suffix(".log.1"))
        log = open(LOG, "w")
        try:
            return subprocess.Popen([sys.executable, "-c", SERVE, current_key, str(fd), commands], cwd=ROOT,
                                    stdin=subprocess.DEVNULL, stdout=log, stderr=log, pass_fds=(fd,),
                                    start_new_session=True)  # its own session: the terminal's Ctrl-C is the client's
        finally:
            log.close()
    finally:
        os.close(fd)  # the daemon holds the lock through its own copy


def _reach(current_key: str, commands: str) -> socket.socket | None:
    """A connection to the living daemon; None (the command then runs in its own process, as today) when
    none listens yet: one is started for the next command unless one is starting already. Never waits."""
    problem = _not_ours(STATE, "folder") or _not_ours(SOCKET, "socket")
    if problem:
        _say(problem + " Running this command without the warm kata.")
        return None
    try:
        conn = _connect()
    except OSError as error:
        _say(f"{error} Running this command without the warm kata.")
        return None
    if conn is not None:
        return conn
    try:
        if FAILED.read_text() == current_key:
            return None  # it could not start with this key (its log says why): not again on every command
    except OSError:
        pass
    try:
        STATE.mkdir(mode=0o700, exist_ok=True)
        _start(current_key, commands)  # None: one is starting (it holds the lock)
    except OSError as error:
        _say(f"the warm kata cannot start here ({error}); running this command without it.")
    return None


def _send(conn: socket.socket, message: dict, fds: list[int] = ()) -> None:
    socket.send_fds(conn, [(json.dumps(message) + "\n").encode()], list(fds))


def _answers(conn: socket.socket):
    """The daemon's answers, one JSON object a line, until it closes the connection."""
    buffer = b""
    while True:
        data = conn.recv(1 << 16)
        if not data:
            return
        buffer += data
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            yield json.loads(line)


def call(argv: list[str], commands: str) -> int | None:
    """Run `kata argv` in the warm daemon: its exit status, or None when the daemon cannot serve it
    (the caller then runs it in this process). `commands` names, as "module:function", what a new daemon
    calls once to warm up and get the function that runs one command (kata/commands/cli.py's warm_commands): handed
    by the command line, which is above the runner (kata/layers.py), and named since the daemon is a new process."""
    try:
        float(IDLE)
    except ValueError:
        _say(f"KATA_DAEMON_IDLE={IDLE!r} is not a number of seconds: running this command without the warm kata.")
        return None
    current = key()
    for _ in range(3):  # a daemon with another key stops, and the next try starts a new one
        try:
            conn = _reach(current, commands)
        except KeyboardInterrupt:  # while a new daemon starts: it goes on starting, for the next command
            print("\nStopped.", file=sys.stderr)
            return 130
        if conn is None:
            return None
        with conn:
            umask = os.umask(0o022)
            os.umask(umask)
            request = {"key": current, "argv": argv, "sys_argv": sys.argv, "cwd": os.getcwd(), "env": dict(os.environ),
                       "umask": umask, "encoding": [sys.stdout.encoding, sys.stderr.encoding]}
            sys.stdout.flush()
            sys.stderr.flush()
            try:
                _send(conn, request, [1, 2])
                answers = _answers(conn)
                first = next(answers, None)  # within ANSWER_TIMEOUT: the daemon says it started the command
                if first is None or "restart" in first:
                    continue
                conn.settimeout(None)  # the command itself runs as long as it runs (the worker keeps the time limits)
                last = next(answers, None)
            except KeyboardInterrupt:  # the daemon sees the connection close and stops the command
                print("\nStopped.", file=sys.stderr)
                return 130
            except (TimeoutError, socket.timeout):
                _say(f"the warm kata did not answer in {ANSWER_TIMEOUT:g} s (its log: {LOG.relative_to(ROOT)}); "
                     f"`kata stop` stops it. Running this command without it.")
                return None
            except OSError as error:
                _say(f"the warm kata's connection failed ({error}); running this command without it.")
                return None
            if last is None:
                _say("the warm kata stopped before this command finished (was it killed?): its output above may be cut. "
                     "Run the command again: a new one starts.")
                return 1
            return int(last["exit"])
    return None


def stop() -> int:
    """`kata stop`: ask this checkout's daemon to stop (it finishes the commands it is running)."""
    problem = _not_ours(STATE, "folder") or _not_ours(SOCKET, "socket")
    if problem:
        _say(problem)
        return 1
    if FAILED.exists():
        print(f"The warm kata could not start last time (its log: {LOG.relative_to(ROOT)}); the next command tries again.")
        FAILED.unlink()
    try:
        conn = _connect()
    except OSError as error:
        _say(str(error))
        return 1
    if conn is None:
        free = _lock_is_free()
        if free is False:  # one is starting (it holds the lock, not yet listening): it has written its pid there
            try:
                pid = int(LOCK.read_text())
                os.kill(pid, signal.SIGTERM)
                print(f"Stopped the warm kata that was starting (process {pid}).")
                return 0
            except (ValueError, OSError):
                pass
        if os.path.lexists(SOCKET) and free:
            SOCKET.unlink()
            print("The warm kata was not running (a stale socket, removed).")
        else:
            print("The warm kata is not running.")
        return 0
    with conn:
        _send(conn, {"stop": True})
        answer = next(_answers(conn), None) or {}
    print(f"Stopped the warm kata (process {answer.get('stopped', '?')}).")
    return 0


# The daemon ------------------------------------------------------------------------------------------


def _warm(commands: str) -> None:
    """What a command's process would import and prime, done once before the daemon listens."""
    import importlib

    from kata.running import bytecode, cache, runner, worker
    from kata.learner import sandbox
    from kata.units import UNITS

    _fixed[:] = [_kata_environment(os.environ)]  # as the command that started it has them: its key's
    cache._fixed_inputs()  # the kata's files hashed once, not in each command (~50 ms): see _as_the_client
    bytecode.ensure()  # its first call in a process costs ~25 ms (sysconfig's paths): paid here, not in each command
    module, _, function = commands.partition(":")
    _commands[:] = [getattr(importlib.import_module(module), function)()]  # the commands' imports, and their runner

    ready = [u for u in UNITS if u.ready]
    worker.prime(worker.Job(ready, ROOT / "exercises", args=runner.pytest_args(ready, "exercises", (), False)))
    sandbox.refusal(ROOT)  # the probe a fork would otherwise make


def _warm_more() -> None:
    """What only some commands need, loaded the first time the daemon is idle (so the first command does
    not wait for it): the reference backend's models, which each child would load on first use (~1-2 s),
    hypothesis's tables, and matplotlib for `kata plot`, where the plots extra is installed."""
    from kata.running import bytecode
    from kata.backend import common, embedder, grounded

    bytecode.compile_kata(ROOT / "kata")  # each command's client imports the CLI: from bytecode, not from source
    embedder.model()
    common.count_tiktoken("warm")
    grounded.word_vectors(["warm"])
    import warnings

    from hypothesis import strategies

    with warnings.catch_warnings():  # hypothesis's unicode tables and the kata's constants, computed once here:
        warnings.simplefilter("ignore")  # a sandboxed child cannot keep them in .hypothesis/ (~1 s a run)
        strategies.text().example()
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot  # noqa: F401
    except ImportError:
        pass
    from kata.learner import process

    process.freeze_for_forks(set())  # shared by every fork as the first warming is: no collector walks it there


class _Daemon:
    def __init__(self, key_: str, lock_fd: int):
        self.key, self.lock_fd = key_, lock_fd
        self.selector = selectors.DefaultSelector()
        self.listener: socket.socket | None = None
        self.inode = 0
        self.requests: dict[socket.socket, tuple[bytearray, list[int]]] = {}
        self.commands: dict[int, tuple[socket.socket, float]] = {}  # pid -> (its client, when it was told to stop)
        self.statuses: dict[int, int] = {}  # a command's pipe (read end) -> its pid: the exit status it says as it ends
        self.last_active = time.monotonic()

    def listen(self) -> None:
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        umask = os.umask(0o177)  # the socket file is created 0600: only this user can connect
        try:
            with _in_state():
                listener.bind(SOCKET.name)
        finally:
            os.umask(umask)
        os.chmod(SOCKET, 0o600)
        listener.listen(64)
        listener.setblocking(False)
        self.listener, self.inode = listener, os.stat(SOCKET).st_ino
        self.selector.register(listener, selectors.EVENT_READ, "listen")
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(self.wake_w, False)
        signal.set_wakeup_fd(self.wake_w)  # a command's end (SIGCHLD) wakes the loop at once
        signal.signal(signal.SIGCHLD, lambda *_: None)
        signal.signal(signal.SIGTERM, lambda *_: self.close())
        self.selector.register(self.wake_r, selectors.EVENT_READ, "wake")
        self.last_active = time.monotonic()
        print(f"warm kata {os.getpid()} listening at {SOCKET} (key {self.key})", flush=True)

    def close(self) -> None:
        """Stop taking commands: the socket goes (if still ours) and the lock is released for a new daemon."""
        if self.listener is None:
            return
        self.selector.unregister(self.listener)
        self.listener.close()
        self.listener = None
        try:
            if os.stat(SOCKET).st_ino == self.inode:
                SOCKET.unlink()
        except OSError:
            pass
        os.ftruncate(self.lock_fd, 0)  # no pid there for `kata stop` to find
        os.close(self.lock_fd)
        self.lock_fd = -1

    def loop(self) -> None:
        warmed_more = False
        while self.listener is not None or self.commands:
            events = self.selector.select(timeout=0.5)
            if not events and not self.requests and not warmed_more:
                started = time.monotonic()
                try:
                    _warm_more()  # between commands: no fork happens while it runs
                    print(f"warmed the backend's models in {time.monotonic() - started:.1f} s", flush=True)
                except Exception as error:  # noqa: BLE001 - only a speed-up: each child loads them itself as today
                    print(f"warmed the backend's models: failed ({error!r}), each command loads them itself", flush=True)
                warmed_more = True
            for event, _ in events:
                if event.data == "listen" and self.listener is not None:
                    self.accept()
                elif event.data == "wake":
                    os.read(self.wake_r, 512)
                elif event.data == "request":
                    self.read(event.fileobj)
                elif event.data == "running":
                    self.client_gone(event.fileobj)
                elif event.data == "status":
                    self.said(event.fileobj)
            self.reap()
            now = time.monotonic()
            for pid, (conn, told) in list(self.commands.items()):
                if told and now - told > 5:  # it did not stop when asked
                    os.kill(pid, signal.SIGKILL)
            if self.listener is not None and not self.commands and not self.requests and now - self.last_active > float(IDLE):
                print(f"idle for {IDLE} s: stopping", flush=True)
                self.close()
            if self.listener is not None and not self.still_ours():
                print(f"{SOCKET} was removed or replaced: stopping", flush=True)
                self.close()

    def still_ours(self) -> bool:
        try:
            return os.stat(SOCKET).st_ino == self.inode
        except OSError:
            return False

    def accept(self) -> None:
        try:
            conn, _ = self.listener.accept()
        except BlockingIOError:
            return
        if _peer_uid(conn) not in (None, os.getuid()):
            conn.close()
            return
        conn.setblocking(False)
        self.requests[conn] = (bytearray(), [])
        self.selector.register(conn, selectors.EVENT_READ, "request")
        self.last_active = time.monotonic()

    def forget(self, conn: socket.socket) -> None:
        self.selector.unregister(conn)
        buffer, fds = self.requests.pop(conn, (None, []))
        for fd in fds:
            os.close(fd)
        conn.close()

    def read(self, conn: socket.socket) -> None:
        try:
            data, fds, _, _ = socket.recv_fds(conn, 1 << 20, 2)
        except BlockingIOError:
            return
        except OSError:
            data, fds = b"", []
        buffer, held = self.requests[conn]
        buffer += data
        held += fds
        if not data:
            self.forget(conn)
            return
        if b"\n" not in buffer:
            return
        try:
            request = json.loads(bytes(buffer).split(b"\n")[0])
        except ValueError:
            request = None
        if not isinstance(request, dict) or not (request.get("stop") or REQUEST <= request.keys()):
            print("a request that is neither a command nor `kata stop`: ignored", flush=True)
            self.forget(conn)
            return
        if request.get("stop") or request.get("key") != self.key or self.listener is None:
            why = "kata stop" if request.get("stop") else "stopping already" if self.listener is None else "a command with another key"
            print(f"stopping: {why}", flush=True)
            self.close()  # a command that came as it was stopping is told to restart too
            try:
                conn.sendall((json.dumps({"stopped": os.getpid()} if request.get("stop") else {"restart": True}) + "\n").encode())
            except OSError:
                pass
            self.forget(conn)
            return
        status_r, status_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(status_r)
            self.run_command(conn, request, held, status_w)  # never returns
        os.close(status_w)
        self.statuses[status_r] = pid
        self.selector.register(status_r, selectors.EVENT_READ, "status")
        self.selector.modify(conn, selectors.EVENT_READ, "running")
        for fd in held:
            os.close(fd)
        self.requests.pop(conn)
        self.commands[pid] = (conn, 0.0)
        print(f"command {pid}: kata {' '.join(request['argv'])}", flush=True)
        try:
            conn.sendall((json.dumps({"started": pid}) + "\n").encode())
        except OSError:
            self.client_gone(conn)

    def client_gone(self, conn: socket.socket) -> None:
        """The client closed its end (Ctrl-C, a closed terminal): its command stops, silenced."""
        try:
            if conn.recv(1024):
                return  # a client says nothing while its command runs: ignore it
        except BlockingIOError:
            return
        except OSError:
            pass
        for pid, (client, told) in self.commands.items():
            if client is conn and not told:
                os.kill(pid, signal.SIGTERM)
                self.commands[pid] = (client, time.monotonic())
        self.selector.unregister(conn)

    def said(self, status_r: int) -> None:
        """A command says its exit status as it ends: the client has it then, not after the command's process has
        exited (its memory torn down, ~20-40 ms). A command that ends without saying it is answered by reap()."""
        try:
            said = os.read(status_r, 64)
        except OSError:
            said = b""
        self.selector.unregister(status_r)
        os.close(status_r)
        pid = self.statuses.pop(status_r)
        if said.strip().isdigit() and pid in self.commands and not self.commands[pid][1]:  # not told to stop
            self.answer(pid, int(said))

    def answer(self, pid: int, code: int) -> None:
        conn, told = self.commands.pop(pid)
        try:
            conn.setblocking(True)
            conn.sendall((json.dumps({"exit": code}) + "\n").encode())
        except OSError:
            pass
        if not told:
            self.selector.unregister(conn)
        conn.close()
        self.last_active = time.monotonic()

    def reap(self) -> None:
        while True:  # its commands, and the children they left exiting (the daemon is their subreaper)
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            for status_r in [fd for fd, of in self.statuses.items() if of == pid]:  # it ended without saying
                self.selector.unregister(status_r)
                os.close(status_r)
                del self.statuses[status_r]
            if pid in self.commands:
                code = os.waitstatus_to_exitcode(status)
                self.answer(pid, code if code >= 0 else 128 - code)

    def run_command(self, conn: socket.socket, request: dict, fds: list[int], status_w: int) -> None:
        """In the forked command process: become the client's command, run it, say its status, exit with it."""
        code = 70
        try:
            _only_here(status_w)
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, _client_gone)
            _die_with_parent()
            for other in [self.listener, *self.requests, *(c for c, _ in self.commands.values())]:
                if other is not None:
                    other.close()  # no learner process forked from here may hold the daemon's sockets
            self.selector.close()
            os.close(self.wake_r)
            os.close(self.wake_w)
            for other_status in self.statuses:  # other commands' pipes
                os.close(other_status)
            if self.lock_fd >= 0:
                os.close(self.lock_fd)
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os.close(null)
            for target, fd in zip((1, 2), fds):
                os.dup2(fd, target)
                os.close(fd)
            code = _as_the_client(request)
        except SystemExit as stop:
            code = _exit_code(stop)
        except BaseException:  # a bug of the kata's own: shown as it would be, exit 1
            import traceback

            traceback.print_exc()
            code = 1
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
                os.write(status_w, f"{code}\n".encode())  # after its output: the client then prints nothing more
            finally:
                os._exit(code)


def _as_the_client(request: dict) -> int:
    """Take on the client's environment, arguments, folder and streams, and run its command."""
    import io
    import tempfile

    from kata.running import cache, worker

    worker.leave_exits_unwaited()  # a learner's child that said all is reaped by the daemon, after the answer
    os.environ.clear()
    os.environ.update(request["env"])
    os.umask(request["umask"])
    tempfile.tempdir = None  # TMPDIR as the client has it
    sys.argv = request["sys_argv"]
    os.chdir(request["cwd"])
    _kept.append((sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__))  # collected, they would close fds 1 and 2
    for name, fd, encoding in (("stdout", 1, request["encoding"][0]), ("stderr", 2, request["encoding"][1])):
        stream = io.TextIOWrapper(io.FileIO(fd, "w", closefd=False), encoding=encoding or "utf-8",
                                  errors="backslashreplace" if name == "stderr" else "strict",
                                  line_buffering=os.isatty(fd), write_through=name == "stderr")
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)
    # The cache's fixed inputs (the kata's files, shared data, packages, these variables) were hashed as the daemon
    # started: the daemon's key covers the same files (a change restarts it) and the same variables. Were the
    # variables to differ all the same, hash again rather than key a result wrongly.
    if _kata_environment(os.environ) != _fixed[0]:
        cache._fixed_inputs.cache_clear()
    return _commands[0](request["argv"])


_kept: list[tuple] = []
_commands: list = []  # the function that runs one command, from the command line's warm_commands (see call)
_fixed: list = []  # the environment variables the kata reads, as the daemon hashed its fixed inputs with them


def _kata_environment(environ) -> list:
    from kata.running.cache import ENV_PREFIXES  # the one list of the environment variables the kata reads

    return sorted((k, v) for k, v in environ.items() if k.startswith(ENV_PREFIXES))


def _exit_code(stop: SystemExit) -> int:
    """What the interpreter would exit with for this SystemExit (a message goes to stderr, then 1)."""
    if stop.code is None:
        return 0
    if isinstance(stop.code, int):
        return stop.code
    print(stop.code, file=sys.stderr)
    return 1


def _client_gone(*_) -> None:
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    raise KeyboardInterrupt  # the worker stops its child, as on Ctrl-C


def _only_here(fd: int) -> None:
    """`fd` stays in this process alone: every process forked from it (the worker's child, and so the learner's
    processes) closes its copy at once, so what reaches the daemon there is this process's word only."""
    held = [fd]

    def close_copy() -> None:
        while held:
            try:
                os.close(held.pop())
            except OSError:
                pass

    os.register_at_fork(after_in_child=close_copy)


def _die_with_parent() -> None:
    """A command's process ends (as on Ctrl-C) when the daemon does (Linux): no orphan keeps running."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG


def serve(key_: str, lock_fd: int, commands: str) -> None:
    _serving.append(True)
    if sys.platform.startswith("linux"):  # what its commands leave exiting (kata/running/worker.py) comes back here to be reaped
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    os.ftruncate(lock_fd, 0)
    os.pwrite(lock_fd, str(os.getpid()).encode(), 0)  # for `kata stop` while it starts
    sys.path[:] = [str(ROOT) if entry in ("", ".") else entry for entry in sys.path]  # not each command's cwd
    daemon = _Daemon(key_, lock_fd)
    started = time.monotonic()
    try:
        _warm(commands)
        print(f"warmed in {time.monotonic() - started:.1f} s", flush=True)
        daemon.listen()
    except BaseException:
        FAILED.write_text(key_)  # commands run without a daemon until the key changes or `kata stop`
        raise
    try:
        daemon.loop()
    finally:
        daemon.close()  # whatever ended the loop: the socket goes with the daemon
    print("stopped", flush=True)

