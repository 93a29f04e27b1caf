"""The learner process's sandbox, where Linux allows one: namespaces of its own, a read-only world.

Learner code is untrusted input. In the worker's forked child, before any of it runs, `enter()` moves
the process into new user, mount, PID and network namespaces (unshare(2) and mount(2) through ctypes:
Python 3.11 has no os.unshare) and forks once more, so that the learner's process is the first of its
own PID namespace:

- nothing it starts outlives it (when the namespace's first process ends, the kernel kills the rest),
  and it cannot see or signal the grader or another learner's processes;
- the whole file system is read-only, with a private, empty, writable temp folder (/dev/shm, TMPDIR):
  nothing it writes persists or lands elsewhere (a .pth in the grader's .venv, a file in $HOME);
- it does not see `.kata/` (the result cache; only the backend's vector store shows, read-only),
  `solutions/`, `tests/mistakes/` or `tests/alternatives/`, unless the tree under test is the
  reference itself; and it has no network, only its own loopback (under `--live`, the host's network,
  where the kata's live endpoint listens: pytest's socket guard still lets it reach loopback only);
- the learner's own process, forked inside, sees even less (only_what_it_runs_from): of the file system outside
  the system's folders, only the tree under test, the kata's package and data and the interpreter. The checkout's
  .git (the reference in its history), another checkout of the kata, another learner's tree in a class: hidden.

Until the wall between learner and judge lands, the tests and cassettes still run in this process,
so they stay visible. Where the kernel refuses (macOS, Windows, a container without user namespaces,
AppArmor's restriction on GitHub's ubuntu-latest runners) the child runs as before and its results
say "not sandboxed", with the reason. KATA_SANDBOX=0 turns it off.
"""

from __future__ import annotations

import ctypes
import errno
import os
import signal
import socket
import struct
import sys
import tempfile
from pathlib import Path

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x00020000, 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MS_NOATIME, MS_NODIRATIME, MS_RELATIME = 1024, 2048, 1 << 21
PR_SET_PDEATHSIG = 1
TEMP = "/dev/shm"  # always there on Linux, and a mount point of its own: the private temp folder goes on it
# /proc is mounted anew for the PID namespace, and /dev/null must stay writable. /sys is read-only like the rest:
# writable, it would let the learner's code move itself out of the process limit below, or raise it.
_KEEP_WRITABLE = ("/proc", "/dev")
PROCESS_LIMIT = 1024  # tasks (processes and threads) of one run of the tests: a fork bomb stops here, not at pid_max
PIDS_CGROUP = Path("/sys/fs/cgroup/pids")  # cgroup v1's pids controller, where this system mounts it


def limit_processes() -> str:
    """Put this (forked) process, and everything it will start, in a pids cgroup of its own that allows
    PROCESS_LIMIT tasks; "" when done, else why not. The sandbox then makes /sys read-only, so learner
    code cannot move out of it; where there is no such cgroup to write (no cgroup v1 pids controller, or
    not the rights to it) the PID namespace still ends every process at the time limit."""
    if not wanted() or not PIDS_CGROUP.is_dir():
        return "processes not limited: no cgroup v1 pids controller here"
    group = PIDS_CGROUP / f"kata-{os.getpid()}"
    try:
        group.mkdir(exist_ok=True)
        (group / "pids.max").write_text(f"{PROCESS_LIMIT}\n")
        (group / "cgroup.procs").write_text(f"{os.getpid()}\n")
    except OSError as error:
        return f"processes not limited: {error.strerror or error}"
    return ""


def release_processes(pid: int) -> None:
    """Remove the pids cgroup of a run that ended (its processes are gone: the PID namespace ends them all), and
    any left by runs whose process is gone (a worker killed before it could remove theirs)."""
    for group in [PIDS_CGROUP / f"kata-{pid}", *PIDS_CGROUP.glob("kata-*")] if PIDS_CGROUP.is_dir() else []:
        owner = group.name.removeprefix("kata-")
        if group.name != f"kata-{pid}" and (not owner.isdigit() or Path(f"/proc/{owner}").exists()):
            continue  # another run's, still running
        try:
            group.rmdir()
        except OSError:  # gone already, or its last process not yet reaped: the next release takes it
            pass


def wanted() -> bool:
    return os.environ.get("KATA_SANDBOX", "1") != "0" and sys.platform.startswith("linux")


_probed: list[str] = []  # this process's answer to "can a child be sandboxed here?", asked once


def refusal(root: Path) -> str:
    """"" when a child forked from this process can be sandboxed, else why not, in words.

    Asked once per process, by forking a child that sets up the whole sandbox: some kernels grant new
    namespaces but no right to mount in them (Ubuntu's AppArmor restriction), and a child that finds
    that out only once it has entered them could not go back."""
    if not wanted():
        return "not sandboxed: KATA_SANDBOX=0" if sys.platform.startswith("linux") else f"not sandboxed: {sys.platform}"
    if not _probed:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                os.close(read_end)
                os.dup2(write_end, 2)  # a failed set-up's words come through the pipe
                os.write(write_end, (_enter(root, root / "exercises", False) or "ok").encode())
            finally:
                os._exit(0)
        os.close(write_end)
        with os.fdopen(read_end, "rb") as said:
            words = said.read().decode(errors="replace")
        _, status = os.waitpid(pid, 0)
        if words == "ok" and os.waitstatus_to_exitcode(status) == 0:
            words = ""
        elif not words.startswith("not sandboxed"):
            words = f"not sandboxed: {words.strip().removeprefix('kata: ') or 'the sandbox could not be set up here'}"
        _probed.append(words)
    return _probed[0]


def enter(root: Path, tree: Path, keep_reference: bool, refused: str, network: bool = False) -> str:
    """Sandbox this (forked, single-threaded) process unless `refused` says why not (`refusal()`, asked
    in the parent); "" when done, else why not.

    Returns in the sandboxed grandchild; the process in between only waits for it and ends as it ended.
    `network`: keep the host's network (`--live`: the kata's live endpoint listens on the host's
    loopback); every other wall stays."""
    return refused or _enter(root, tree, keep_reference, network)


def _enter(root: Path, tree: Path, keep_reference: bool, network: bool = False) -> str:
    libc = ctypes.CDLL(None, use_errno=True)
    uid, gid = os.getuid(), os.getgid()
    vectors = _vector_store(root)
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | (0 if network else CLONE_NEWNET)) != 0:
        return f"not sandboxed: the kernel refused new namespaces ({os.strerror(ctypes.get_errno())})"
    try:
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"0 {uid} 1")
        _write("/proc/self/gid_map", f"0 {gid} 1")
    except OSError as error:
        return f"not sandboxed: user namespace maps refused ({error.strerror})"
    pid = os.fork()  # the learner's process: the first of the new PID namespace
    if pid:
        wait_and_mirror(pid)  # never returns
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # if the process between dies, this one does too
    try:
        _read_only_world(libc, root, tree, keep_reference, vectors)
        if not network:
            _loopback_up()
    except OSError as error:
        # Half a sandbox is no sandbox: stop here, and the worker reports the unit as crashed with this.
        sys.stderr.write(f"kata: the sandbox could not be set up: {error}\n")
        os._exit(71)
    return ""


def _write(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def _vector_store(root: Path) -> str | None:
    """The backend's vector store (in `.kata/cache/`), to show read-only once `.kata/` is hidden."""
    store = Path(os.environ.get("KATA_CACHE_DIR") or root / ".kata" / "cache") / "minilm-vectors.sqlite"
    return str(store) if store.is_file() else None


def wait_and_mirror(pid: int) -> None:
    """Wait for the sandboxed process, then end as it ended (exit code, or the signal that killed it)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            break
        except ChildProcessError:
            os._exit(70)
        except InterruptedError:
            continue
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        signal.signal(sig, signal.SIG_DFL)
        os.kill(os.getpid(), sig)
    os._exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 70)


def _mount(libc, source, target, fstype, flags, data=None) -> None:
    enc = lambda s: s.encode() if isinstance(s, str) else s  # noqa: E731
    if libc.mount(enc(source), enc(str(target)), enc(fstype), flags, enc(data)) != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"mount {target}: {os.strerror(code)}")


def _mounts() -> list[tuple[str, set[str]]]:
    """(mount point, its per-mount options) of this mount namespace, parents before children."""
    out = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields = line.split()
        point = fields[4].encode().decode("unicode_escape")  # "\040" for a space
        out.append((point, set(fields[5].split(","))))
    return out


def _locked_flags(options: set[str]) -> int:
    """The flags a remount inside a user namespace must keep (the kernel refuses to drop them)."""
    flags = 0
    for name, flag in (("nosuid", MS_NOSUID), ("nodev", MS_NODEV), ("noexec", MS_NOEXEC), ("noatime", MS_NOATIME),
                       ("nodiratime", MS_NODIRATIME), ("relatime", MS_RELATIME)):
        if name in options:
            flags |= flag
    return flags


def _read_only_world(libc, root: Path, tree: Path, keep_reference: bool, vectors: str | None) -> None:
    _mount(libc, None, "/", None, MS_REC | MS_PRIVATE)  # nothing done here reaches the grader's view
    for point, options in _mounts():
        if point.startswith(_KEEP_WRITABLE) or point == TEMP:
            continue
        try:
            _mount(libc, None, point, None, MS_REMOUNT | MS_BIND | MS_RDONLY | _locked_flags(options))
        except OSError as error:
            if error.errno not in (errno.ENOENT, errno.EACCES):  # a mount hidden under another: not reachable
                raise
    _mount(libc, "tmpfs", TEMP, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=512m")
    os.environ["TMPDIR"] = TEMP
    tempfile.tempdir = TEMP
    if vectors is not None:  # shown read-only in the temp folder, and the backend told where
        store = Path(TEMP) / "kata-cache" / "minilm-vectors.sqlite"
        store.parent.mkdir()
        store.touch()
        _mount(libc, vectors, store, None, MS_BIND)  # from the read-only world: read-only too
        os.environ["KATA_CACHE_DIR"] = str(store.parent)
    hidden = [root / ".kata"]
    if not keep_reference:
        hidden += [root / "solutions", root / "tests" / "mistakes", root / "tests" / "alternatives"]
    for folder in hidden:
        if folder.is_dir() and not tree.resolve().is_relative_to(folder.resolve()):
            _mount(libc, "tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755,size=1m")
    for folder in hidden:  # the empty folders themselves read-only too
        if folder.is_dir() and not tree.resolve().is_relative_to(folder.resolve()):
            _mount(libc, None, folder, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    _mount(libc, "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)  # only this namespace's processes


# The system's own folders, shown to the learner's process as they are (read-only): the rest of the file system is
# hidden from it but what its code runs from (only_what_it_runs_from).
SYSTEM = frozenset({"usr", "lib", "lib32", "lib64", "libx32", "bin", "sbin", "etc", "dev", "proc", "sys", "run"})


def only_what_it_runs_from(libc, root: Path, keep: tuple[Path, ...]) -> None:
    """In the learner's own mount namespace: every top-level folder but the system's (/work, /home, /root, /tmp,
    /opt...) an empty read-only folder, holding only what the learner's code runs from, bound back in place: the
    tree under test and any mistake swapped in (`keep`), the kata's package and data, the interpreter and its
    packages. Hidden with the rest: the checkout's .git (the reference in its history), another checkout of the
    kata, another learner's tree in a class. The process then stands in the checkout as it now looks."""
    # a mistake or an alternative swapped in is a file: its folder kept with it (its data beside it, as a tree's)
    needed = [*(p.parent if p.is_file() else p for p in keep), root / "kata", root / "models", root / "sample-corpus", root / "evals",
              *map(Path, {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix})]
    needed = sorted({p.resolve() for p in needed if p.exists()}, key=lambda p: len(p.parts))
    needed = [p for i, p in enumerate(needed) if not any(p.is_relative_to(q) for q in needed[:i])]  # (the outermost)
    tops = [t for t in Path("/").iterdir() if t.name not in SYSTEM and t.is_dir() and not t.is_symlink()
            and t not in needed and Path(TEMP) != t]
    # each kept path held by a descriptor of its own before it is hidden: bound back from /proc/self/fd/N after
    held = [(p, os.open(p, os.O_PATH)) for p in needed if any(p.is_relative_to(t) for t in tops)]
    try:
        for top in tops:
            _mount(libc, "tmpfs", top, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755,size=1m")
        for path, fd in held:
            path.parent.mkdir(parents=True, exist_ok=True)
            if os.path.isdir(f"/proc/self/fd/{fd}"):
                path.mkdir(exist_ok=True)
            else:
                path.touch()
            _mount(libc, f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)  # as read-only as where it came from
    finally:
        for _, fd in held:
            os.close(fd)
    for top in tops:  # the empty folders read-only too
        _mount(libc, None, top, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    git = root / ".git"  # a checkout under a system folder keeps its place: its history hidden all the same
    if git.is_dir() and not git.is_symlink():
        _mount(libc, "tmpfs", git, "tmpfs", MS_NOSUID | MS_NODEV | MS_RDONLY, "mode=755,size=1m")
    elif git.is_file():
        _mount(libc, "/dev/null", git, None, MS_BIND)
    os.chdir(root)  # the process's folder as it now looks (the one it stood in still shows what is hidden)


def _loopback_up() -> None:
    """The new network namespace's loopback, up: the process's own servers (a test's stand-in) still work."""
    import fcntl  # (here: Linux only; the module is imported where there is none, Windows)

    SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        request = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(s, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | IFF_UP))
