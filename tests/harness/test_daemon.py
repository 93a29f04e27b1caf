"""The warm kata (kata/running/daemon.py): one daemon per checkout, never a stale, wrong or hung answer.

Each test runs `kata` commands as a learner does (fresh `python -m kata.commands.cli` processes) in a temporary
copy of this checkout, so the daemon under test has a `.kata/` of its own and the checkout's own daemon
(if any) is never touched. Answers through the daemon are compared with the same command's answer
with KATA_DAEMON=0 (today's path).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from kata.units import ROOT

pytestmark = [pytest.mark.harness,
              pytest.mark.skipif(not hasattr(os, "fork") or not hasattr(socket, "AF_UNIX"), reason="no fork or unix sockets")]

COPY = ("kata", "tests", "cassettes", "sample-corpus", "models", "evals", "exercises", "solutions", "conftest.py",
        "pyproject.toml", "uv.lock")


def _env(**extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("KATA_DAEMON", "KATA_CACHE_DIR")}
    return {**env, "KATA_DAEMON_IDLE": "300", **extra}  # a daemon a failed test leaves behind stops by itself


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    """A copy of the checkout, with the daemon stopped after the module's tests."""
    root = tmp_path_factory.mktemp("daemon") / ("checkout-" + "x" * 90)  # longer than a socket's name may be
    for name in COPY:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__", ".kata"))
        else:
            shutil.copy2(ROOT / name, root / name)
    yield root
    kata(root, "stop")


def kata(root: Path, *args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kata.commands.cli", *args], cwd=root, capture_output=True, text=True,
                          env=env or _env(), timeout=timeout)


def daemons(root: Path) -> list[int]:
    """The pids of the daemons this checkout started, in order (from the daemon's log of the latest one)."""
    log = root / ".kata" / "daemon.log"
    return [int(pid) for pid in re.findall(r"warm kata (\d+) listening", log.read_text())] if log.exists() else []


def listening(root: Path, other_than: int = 0) -> int:
    """Wait until a daemon (not `other_than`) listens in `root`: its pid."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        found = daemons(root)
        if found and found[-1] != other_than and alive(found[-1]) and (root / ".kata" / "daemon.sock").exists():
            return found[-1]
        time.sleep(0.2)
    raise AssertionError(f"no daemon listens: {(root / '.kata' / 'daemon.log').read_text()}")


def warm(root: Path) -> int:
    """A daemon listening in `root` (the first command starts one and runs as today): its pid."""
    kata(root, "check", "1")
    return listening(root)


def served(root: Path, *args: str) -> int:
    """How many times the daemon now listening ran `kata *args`."""
    return (root / ".kata" / "daemon.log").read_text().count(f": kata {' '.join(args)}\n")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/status").exists() and "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()


def gone(pid: int, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.1)
    return False


def today(root: Path, *args: str) -> subprocess.CompletedProcess:
    return kata(root, *args, env=_env(KATA_DAEMON="0"))



def nothing_passes(stdout: str) -> bool:
    """U01's stub, reported as it is today: none of its Verify and Contract tests pass (however many there are)."""
    return re.search(r"\b0/\d+ Verify and Contract tests pass", stdout) is not None

def test_commands_are_answered_by_one_warm_daemon_as_they_are_today(checkout):
    kata(checkout, "stop")
    plain = today(checkout, "check", "1")
    assert not (checkout / ".kata" / "daemon.sock").exists(), "KATA_DAEMON=0 must not start a daemon"
    pid = warm(checkout)
    first = kata(checkout, "check", "1")
    second = kata(checkout, "check", "1", "--impl", "solutions")
    board = kata(checkout)
    assert daemons(checkout)[-1] == pid and alive(pid)
    assert served(checkout, "check", "1") == 1 and served(checkout, "check", "1", "--impl", "solutions") == 1
    assert served(checkout) == 1, "the board through the daemon too"
    assert (first.returncode, first.stdout) == (plain.returncode, plain.stdout)
    assert second.returncode == 0 and "U01 is done" in second.stdout
    assert board.returncode == 0 and "kata board" in board.stdout
    for args in ((), ("next",), ("next", "4")):
        assert (kata(checkout, *args).stdout, served(checkout, *args)) == (today(checkout, *args).stdout, 1 + (args == ())), args
    sock = os.lstat(checkout / ".kata" / "daemon.sock")
    assert sock.st_mode & 0o777 == 0o600 and sock.st_uid == os.getuid()
    hint = kata(checkout, "hint", "1")
    umask = os.umask(0o022)
    os.umask(umask)
    assert hint.returncode == 0 and "Hint 1/" in hint.stdout and served(checkout, "hint", "1") == 1
    assert (checkout / ".kata" / "state.json").stat().st_mode & 0o777 == 0o666 & ~umask, "files a command writes: the client's umask"


def test_a_killed_daemon_is_restarted_by_the_next_command(checkout):
    pid = warm(checkout)
    os.kill(pid, signal.SIGKILL)
    assert gone(pid)
    assert (checkout / ".kata" / "daemon.sock").exists()  # the stale socket a killed daemon leaves
    after = kata(checkout, "check", "1")
    assert after.returncode == 1 and nothing_passes(after.stdout)
    assert "had stopped without removing" in after.stderr, after.stderr
    listening(checkout, other_than=pid)


def test_a_socket_file_that_is_not_a_socket_gives_a_clear_error_and_no_hang(checkout):
    kata(checkout, "stop")
    path = checkout / ".kata" / "daemon.sock"
    path.write_text("not a socket")
    try:
        started = time.monotonic()
        proc = kata(checkout, "check", "1", timeout=120)
        assert "is not a socket" in proc.stderr and "without the warm kata" in proc.stderr, proc.stderr
        assert proc.returncode == 1 and nothing_passes(proc.stdout)  # answered today's way
        assert time.monotonic() - started < 100
        assert not daemons(checkout) or gone(daemons(checkout)[-1])  # none started: it would have to replace the file
    finally:
        path.unlink()


def test_a_socket_owned_by_someone_else_is_never_used(checkout):
    pid = warm(checkout)
    path = checkout / ".kata" / "daemon.sock"
    other = 4242 if os.getuid() != 4242 else 4243
    try:
        os.chown(path, other, -1, follow_symlinks=False)
    except PermissionError:
        pytest.skip("only root can give a file to another user here")
    try:
        proc = kata(checkout, "check", "1", timeout=120)
        assert "belongs to another user" in proc.stderr and "without the warm kata" in proc.stderr, proc.stderr
        assert proc.returncode == 1 and nothing_passes(proc.stdout)
        stopped = kata(checkout, "stop")
        assert stopped.returncode == 1 and "belongs to another user" in stopped.stderr
    finally:
        os.chown(path, os.getuid(), -1, follow_symlinks=False)
    assert daemons(checkout)[-1] == pid and served(checkout, "check", "1") == 0  # neither used nor replaced


def test_a_change_of_the_kata_or_its_environment_restarts_it(checkout):
    pid = warm(checkout)
    source = checkout / "kata" / "commands" / "board.py"
    source.write_text(source.read_text().replace("Progress:", "Progress so far:"))
    board = kata(checkout)
    assert "Progress so far:" in board.stdout, "a daemon must never answer with the kata's old code"
    assert gone(pid), "the daemon with the old key must stop"
    pid = listening(checkout, other_than=pid)
    assert "Progress so far:" in kata(checkout).stdout and served(checkout) == 1
    limited = kata(checkout, "check", "1", env=_env(KATA_TIME_LIMIT="7"))
    assert limited.returncode == 1 and gone(pid)
    listening(checkout, other_than=pid)


def test_two_terminals_at_once_get_their_own_answers(checkout):
    warm(checkout)
    runs = {("check", "1"): None, ("check", "1", "--impl", "solutions"): None, ("check", "4"): None}
    threads = [threading.Thread(target=lambda a=args: runs.__setitem__(a, kata(checkout, *a))) for args in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for args, proc in runs.items():
        assert served(checkout, *args) == 1, args
        plain = today(checkout, *args)
        assert (proc.returncode, proc.stdout) == (plain.returncode, plain.stdout), args


LOOK = """
def mechanisms_named(text):
    import os, socket
    while LOOP:
        pass
    folder = os.path.dirname(SOCKET)
    seen = sorted(os.listdir(folder)) if os.path.isdir(folder) else "absent"
    try:
        os.chdir(folder)  # its name, relative: the whole path is longer than a socket's name may be
        socket.socket(socket.AF_UNIX).connect(os.path.basename(SOCKET))
        reached = "CONNECTED"
    except OSError as error:
        reached = f"REFUSED {error.strerror}"
    raise ValueError(f"SEEN {seen} {reached}")
"""


def test_the_learner_never_reaches_the_socket_and_ctrl_c_stops_at_once(checkout, tmp_path):
    from kata.learner import sandbox

    tree = tmp_path / "mine"
    shutil.copytree(checkout / "exercises", tree)
    sock = checkout / ".kata" / "daemon.sock"
    mine = tree / "u01_vocabulary.py"
    mine.write_text(mine.read_text() + f"\nSOCKET = {str(sock)!r}\nLOOP = False\n" + textwrap.dedent(LOOK))  # the stub, and this
    pid = warm(checkout)
    proc = kata(checkout, "check", "1", "--impl", str(tree))
    assert served(checkout, "check", "1", "--impl", str(tree)) == 1
    assert "SEEN" in proc.stdout, proc.stdout
    if sandbox.refusal(ROOT) == "":
        assert "daemon.sock" not in proc.stdout and "CONNECTED" not in proc.stdout, proc.stdout
    mine.write_text(mine.read_text().replace("LOOP = False", "LOOP = True"))
    # Ctrl-C as a terminal gives it: SIGINT at its default, whatever this process left it at (an ignored SIGINT is
    # inherited, and Python then never raises KeyboardInterrupt: CI's verify ran this client that way, twice)
    client = subprocess.Popen([sys.executable, "-m", "kata.commands.cli", "check", "1", "--impl", str(tree)], cwd=checkout,
                              env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(4)  # the test that loops has started
    client.send_signal(signal.SIGINT)
    stopped = time.monotonic()
    out, err = client.communicate(timeout=30)
    assert client.returncode == 130 and "Stopped." in err and time.monotonic() - stopped < 5, (client.returncode, err[-2000:])
    children = Path(f"/proc/{pid}/task/{pid}/children")
    deadline = time.monotonic() + 15
    while children.exists() and children.read_text().split() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not children.exists() or not children.read_text().split(), "the command's process must stop with its client"
    assert alive(pid) and daemons(checkout)[-1] == pid
    # Where nothing hides it (KATA_SANDBOX=0, so another daemon), the same code does reach the socket.
    mine.write_text(mine.read_text().replace("LOOP = True", "LOOP = False"))
    kata(checkout, "check", "1", "--impl", str(tree), env=_env(KATA_SANDBOX="0"))
    listening(checkout, other_than=pid)
    mine.write_text(mine.read_text() + "\n_again = 1\n")  # a change: the unit runs again, in the new daemon
    unsandboxed = kata(checkout, "check", "1", "--impl", str(tree), env=_env(KATA_SANDBOX="0"))
    assert "CONNECTED" in unsandboxed.stdout, "the probe must see the socket where nothing hides it: " + unsandboxed.stdout[-800:]


def test_an_idle_daemon_stops_by_itself(checkout):
    kata(checkout, "check", "1", env=_env(KATA_DAEMON_IDLE="2"))  # another key: the daemon before it stops
    log, deadline = checkout / ".kata" / "daemon.log", time.monotonic() + 180
    while "idle for 2 s: stopping" not in (log.read_text() if log.exists() else "") and time.monotonic() < deadline:
        time.sleep(0.2)  # read from its log: on a loaded machine it may listen and stop between two looks at it
    said = log.read_text() if log.exists() else ""
    assert "listening at" in said and "idle for 2 s: stopping" in said, said
    assert all(gone(pid, within=30) for pid in daemons(checkout)) and not (checkout / ".kata" / "daemon.sock").exists()


def test_kata_stop_stops_it(checkout):
    pid = warm(checkout)
    stopped = kata(checkout, "stop")
    assert stopped.returncode == 0 and f"process {pid}" in stopped.stdout
    assert gone(pid) and not (checkout / ".kata" / "daemon.sock").exists()
    again = kata(checkout, "stop")
    assert again.returncode == 0 and "not running" in again.stdout
    client = subprocess.Popen([sys.executable, "-m", "kata.commands.cli", "check", "1"], cwd=checkout, env=_env(),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # starts one, runs as today
    lock, deadline = checkout / ".kata" / "daemon.lock", time.monotonic() + 60
    while (lock.read_text().strip() if lock.exists() else "") in ("", str(pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    starting = int(lock.read_text())
    stopped = kata(checkout, "stop")
    client.wait(timeout=300)
    if "that was starting" not in stopped.stdout:  # it was quicker than this machine usually is: it listened already
        assert f"process {starting}" in stopped.stdout
    assert gone(starting) and not (checkout / ".kata" / "daemon.sock").exists()
