"""Each job in a keeper process of its own, so that one learner's code can end only its own job.

`kata grade` runs a class, and one learner must never stop the others. The worker's child (the
process running learner code) is a child of whoever forked it, and `os.kill(os.getppid(), 9)` is one
line: so each tree's worker runs in a *keeper* forked from the warm grader, and that is the parent
the learner's code can reach. The keeper is a child subreaper (Linux): a process the learner's code
leaves behind, detached or not, becomes its child and is killed when the job ends. The grader reads
each keeper's results from a pipe; a keeper that dies or overruns is that tree's row (crashed, timed
out), never the end of the class.

What this does not stop (the sandbox's job, where Linux allows one): learner code that walks the
process table to signal the grader itself or another tree's processes. Where fork is missing, the
jobs run in the worker directly.
"""

from __future__ import annotations

import ctypes
import json
import os
import select
import signal
import sys
import time
from pathlib import Path

from kata.running import worker
from kata.judge.report import UnitResult

PR_SET_CHILD_SUBREAPER = 36


def run(jobs: list[worker.Job], parallel: int = 1, time_limit: float | None = None,
        job_limit: float | None = None) -> list[dict[str, UnitResult]]:
    """worker.run's results for each job, each job run in a keeper; a lost keeper's units are crashed / timed out."""
    if worker._spawns() or not jobs:
        return worker.run(jobs, parallel=parallel, time_limit=time_limit)
    worker.prime(jobs[0])  # each keeper, and the worker's children it forks, start warm
    tests = max(1, sum(len(j.units) for j in jobs) // len(jobs)) * 40  # a generous bound: units x ~40 tests each
    job_limit = job_limit or tests * ((time_limit or worker.TIME_LIMIT) + worker.GRACE)
    results: list[dict[str, UnitResult] | None] = [None] * len(jobs)
    queue = list(enumerate(jobs))
    running: dict[int, list] = {}  # read end -> [job index, keeper pid, bytes read, started]
    adopted_before = _set_subreaper(True)  # a keeper killed by its learner leaves orphans: they come here
    try:
        while queue or running:
            while queue and len(running) < parallel:
                index, job = queue.pop(0)
                read_end, write_end = os.pipe()
                for stream in (sys.stdout, sys.stderr):
                    stream.flush()
                pid = os.fork()
                if pid == 0:  # the keeper: never returns from here
                    try:
                        for fd in (read_end, *running):
                            os.close(fd)
                        _keep(job, write_end, time_limit)
                    finally:
                        os._exit(70)
                os.close(write_end)
                running[read_end] = [index, pid, bytearray(), time.monotonic()]
            ready, _, _ = select.select(list(running), [], [], 0.2)
            for fd in ready:
                data = os.read(fd, 1 << 16)
                if data:
                    running[fd][2] += data
                    continue
                index, pid, received, _ = running.pop(fd)
                os.close(fd)
                results[index] = _decoded(bytes(received), jobs[index], _ended(pid))
            for fd, (index, pid, _, started) in list(running.items()):
                if time.monotonic() - started > job_limit:
                    _kill_group(pid)
                    del running[fd]
                    os.close(fd)
                    _ended(pid)
                    results[index] = _lost(jobs[index], "timed out", f"Grading this tree took more than {job_limit:g} s "
                                           f"(its processes stopped answering?), so the kata stopped it.")
    except BaseException:
        for _, pid, _, _ in running.values():
            _kill_group(pid)
        raise
    finally:
        _kill_adopted(keep=adopted_before)
        _set_subreaper(False)
    return [r for r in results if r is not None]


def _keep(job: worker.Job, write_end: int, time_limit: float | None) -> None:
    """The keeper: run the job through the worker, kill what the learner's code left, send the results."""
    os.setpgid(0, 0)  # its own group, which the grader kills whole when it overruns
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the grader's to handle
    _set_subreaper(True)
    try:
        outcome = worker.run([job], time_limit=time_limit, private_fds=(write_end,))[0]
        payload = json.dumps({slug: r.to_dict() for slug, r in outcome.items()}).encode()
    finally:
        _kill_adopted(keep=set())
    view = memoryview(payload)
    while view:
        view = view[os.write(write_end, view):]
    os._exit(0)


def _decoded(received: bytes, job: worker.Job, ended: str) -> dict[str, UnitResult]:
    try:
        data = json.loads(received)
        return {slug: UnitResult.from_dict(unit) for slug, unit in data.items()}
    except ValueError:
        return _lost(job, "crashed", f"The process grading this tree {ended} before it finished (learner code that "
                                     f"kills its parent process?). A crash is never a pass; the other trees were graded.")


def _lost(job: worker.Job, how: str, what: str) -> dict[str, UnitResult]:
    return {u.slug: UnitResult(u, ended=what, ended_how=how) for u in job.units}


def _ended(pid: int) -> str:
    _, raw = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(raw)
    return f"was killed by {signal.Signals(-code).name}" if code < 0 else f"exited with code {code}"


def _kill_group(pid: int) -> None:
    for kill, target in ((os.killpg, pid), (os.kill, pid)):
        try:
            kill(target, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _set_subreaper(on: bool) -> set[int]:
    """Make this process (un)adopt its orphaned descendants (Linux); its current children, to leave alone."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, int(on), 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: orphans go to init, as before
        pass
    return _children()


def _children() -> set[int]:
    me, found = os.getpid(), set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == me:  # fields after the name: state, ppid, ...
            found.add(int(stat.parent.name))
    return found


def _kill_adopted(keep: set[int]) -> None:
    """Kill and reap every child of this process not in `keep`, until none is left (they may fork meanwhile)."""
    for _ in range(50):
        strays = _children() - keep
        if not strays:
            return
        for pid in strays:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for pid in strays:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
