"""The learner's process cannot reach into the judge's, where Linux gives a sandbox (kata/learner/process.py).

A learner module that probes the walls from inside its own process: the judge's pipes under
/proc/<pid>/fd, ptrace on the judge (which would let it rewrite the judge's memory and so any verdict),
unmounting the tmpfs that hides tests/ or the rest of the file system (the checkout's .git), the network. Run the way the worker runs a unit: a forked
child, sandboxed, that raises the wall and calls the probe across it.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil

import pytest

from kata.learner import impl, sandbox
from kata.judge import wall
from kata.units import ROOT

pytestmark = pytest.mark.harness

PROBE = '''
import ctypes, os, socket

def mechanisms_named(text):
    judge = int(text)
    libc = ctypes.CDLL(None, use_errno=True)
    reached = []
    if judge == os.getpid():  # that number is this process's own, in a PID namespace of its own: the judge is not in sight
        judge = -1
    try:
        for fd in os.listdir(f"/proc/{judge}/fd"):
            try:
                os.close(os.open(f"/proc/{judge}/fd/{fd}", os.O_WRONLY))
                reached.append(f"opened the judge's fd {fd}")
            except OSError:
                pass
    except OSError:
        pass
    if judge > 0 and libc.ptrace(16, judge, 0, 0) == 0:  # PTRACE_ATTACH
        reached.append("ptrace-attached to the judge")
        libc.ptrace(17, judge, 0, 0)  # PTRACE_DETACH
    tests = os.environ["KATA_PROBE_TESTS"]
    harness = os.path.join(tests, "harness")
    if libc.umount2(harness.encode(), 2) == 0 or os.path.isdir(harness) and os.listdir(harness):  # MNT_DETACH: what hides it, undone
        reached.append("saw tests/harness")
    module = os.path.join(tests, "test_u01_vocabulary.py")
    if os.path.isfile(module) and os.path.getsize(module):
        reached.append("read a test module")
    top = "/" + tests.strip("/").split("/")[0]  # the folder the checkout is in, empty but for what the learner runs from
    if libc.umount2(top.encode(), 2) == 0 or os.path.exists(os.path.join(os.path.dirname(tests), ".git")):
        reached.append("saw the checkout's .git")
    import _socket  # beneath the kata's guard: only the network namespace stands in the way
    raw = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    raw.settimeout(1)
    try:
        raw.connect(("127.0.0.1", int(os.environ["KATA_PROBE_PORT"])))
        reached.append("reached the judge's loopback")
    except OSError:
        pass
    finally:
        raw.close()
    return set(reached)
'''


def test_the_learner_cannot_reach_into_the_judge(tmp_path):
    refused = sandbox.refusal(ROOT)
    if refused:
        pytest.skip(refused)
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "exercises", tree, ignore=shutil.ignore_patterns("__pycache__"))
    (tree / "u01_vocabulary.py").write_text(PROBE)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker's child, as kata/running/worker.py makes it
        try:
            os.close(read_end)
            if sandbox.enter(ROOT, tree, False, refused):
                os._exit(3)
            import socket

            listener = socket.create_server(("127.0.0.1", 0))  # a server of the judge's, on its loopback
            os.environ["KATA_PROBE_PORT"] = str(listener.getsockname()[1])
            os.environ["KATA_PROBE_TESTS"] = str(ROOT / "tests")
            ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0, as kata/judge/child.py does
            wall.WALL.__init__()  # not this pytest process's own zygote (unsandboxed): one of this child's
            wall.WALL.start(sandboxed=True, keep=impl.target(str(tree)).learner_files)  # as raise_wall keeps them
            try:
                got = wall.WALL.get(impl.target(str(tree)), "u01_vocabulary", "mechanisms_named")(str(os.getpid()))
                os.write(write_end, json.dumps(sorted(got)).encode())
            except BaseException as error:  # noqa: BLE001
                os.write(write_end, json.dumps([f"error: {error!r}"]).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as said:
        reached = json.loads(said.read() or b'["nothing said"]')
    os.waitpid(pid, 0)
    assert reached == [], reached
