"""Runs learner code out of the command's own process: a warm parent that forks a child per run.

Nothing learner code does (print without end, loop forever, exit, segfault, exhaust memory) can take
a `kata` command down: the command's process only reads two pipes. Where `os.fork` exists the child is
forked from this process, which has pytest and the SDKs imported already, so a re-run after a save is
fast; elsewhere (or with KATA_WORKER=spawn) it is a fresh interpreter running `kata.judge.child.main`.

The parent enforces a time limit per test. The child stops an overrunning test itself (so the other
tests still run); a child that does not stop within a grace period is killed. A child that dies is
reported as crashed with its last output, never as a success; the units after it run in a new child.
"""

from __future__ import annotations

import importlib
import json
import os
import secrets
import selectors
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from kata.learner import sandbox
from kata.judge.report import KEEP, NOT_RUN, TestResult, UnitResult, group
from kata.units import ROOT, Unit, unit_of_path

TIME_LIMIT = float(os.environ.get("KATA_TIME_LIMIT", "10"))  # seconds a test; the slowest correct test takes < 1 s
GRACE = 5.0  # seconds the child gets to stop an overrunning test itself before it is killed
SILENCE = 60.0  # seconds a child may go without a word between tests (starting up, collecting) before it is killed
SPAWN = "import json, sys; from kata.judge.child import main; main(json.loads(sys.argv[2]), int(sys.argv[1]))"
OUTPUT_LIMIT = 1000  # characters of a test's printed output that are kept (exercism keeps 500)
SHOW_LIMIT = 100_000  # characters of a `kata show` printout


@dataclass
class Job:
    """One pytest session: some units' tests against a target tree, maybe with modules swapped in."""
    units: list[Unit]
    tree: Path
    swaps: tuple[tuple[str, Path], ...] = ()
    args: tuple[str, ...] = ()  # the pytest arguments (files, --impl, ...), made by kata.running.runner
    show: str = ""  # instead of tests: `kata show` of this unit (its printout is the result)
    show_with: str = ""  # what runs that show, as "module:function" (called with show, impl_spec): the command names it
    impl_spec: str = "exercises"
    live: str = ""  # `--live`: the URL of the kata's live endpoint (kata/judge/live.py), which the child's SDKs call
    lessons: str = ""  # after the tests, each green unit's lesson from the learner's own results: what computes it,
                       # as "module:function" (kata/commands/lessons.py's compute), named from above: the child imports no command
    lessons_only: bool = False  # no tests: the units' lessons alone, in a child beside their tests' (see _lessons_beside)


class _Output:
    """What one test printed, kept bounded: the first and last `limit` characters and a count."""

    def __init__(self, limit: int = OUTPUT_LIMIT):
        self.head, self.tail, self.total, self.limit = bytearray(), bytearray(), 0, limit
        self.earlier = 0  # bytes a property test's other examples printed, not shown

    def add(self, data: bytes) -> None:
        self.total += len(data)
        room = self.limit * 4 - len(self.head)  # bytes: up to 4 per character
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        self.tail = (self.tail + data)[-self.limit * 16:]

    def text(self, last: bool = False) -> str:
        """The output as shown: its beginning (or, for a process that died, its end), with a note when cut."""
        whole = (self.head + self.tail).decode("utf-8", "replace") if self.total <= len(self.head) + len(self.tail) else None
        if whole is not None and len(whole) <= self.limit:
            return whole
        if last:  # a fatal error's traceback matters; the list of extension modules after it does not
            shown = bytes(self.tail or self.head).decode("utf-8", "replace").split("\nExtension modules:")[0][-self.limit:]
            return f"… (earlier output left out: {self.total:,} characters in all)\n{shown}"
        shown = bytes(self.head).decode("utf-8", "replace")[:self.limit]
        return f"{shown}\n… (output cut: {self.total:,} characters in all, the first {len(shown):,} shown)"


class _OutputSplitter:
    """Splits the child's output pipe at the marker lines that close each test's output."""

    def __init__(self, token: str, limit: int = OUTPUT_LIMIT):
        self.token, self.limit = token.encode(), limit
        self.buffer = bytearray()
        self.current = _Output(limit)
        self.kept: _Output | None = None  # a property test: the output of the example its failure names
        self.others = 0  # bytes the test's other examples printed
        self.by_test: dict[str, _Output] = {}

    def feed(self, data: bytes) -> None:
        self.buffer += data
        while True:
            at = self.buffer.find(self.token)
            if at < 0:
                keep = len(self.token)  # a marker (and the newline before it) may be cut between two reads
                if len(self.buffer) > keep:
                    self.current.add(bytes(self.buffer[:len(self.buffer) - keep]))
                    del self.buffer[:len(self.buffer) - keep]
                return
            end = self.buffer.find(b"\n", at)
            if end < 0:
                return
            self.current.add(bytes(self.buffer[:max(0, at - 1)]))  # the marker's own leading newline is ours
            name = self.buffer[at + len(self.token):end].decode("utf-8", "replace")
            if name == KEEP:  # a reported example failed: its output is the one to show (the first such wins)
                self.kept = self.kept or self.current
            elif name:  # a test ended: its output is complete
                shown = self.kept or self.current
                if shown is not self.current:
                    self.others += self.current.total
                shown.earlier = self.others  # what the test's other examples printed: counted, not shown
                self.by_test[name] = shown
                self.current, self.kept, self.others = _Output(self.limit), None, 0
            else:  # a property test's next example
                if self.current is not self.kept:
                    self.others += self.current.total
                self.current = _Output(self.limit)
            del self.buffer[:end + 1]


    def close(self) -> None:
        """The pipe ended: what is left in the buffer was printed, not a marker."""
        self.current.add(bytes(self.buffer))
        self.buffer.clear()


@dataclass
class _Child:
    job: Job
    pid: int
    msg: int
    out: int
    splitter: _OutputSplitter
    proc: subprocess.Popen | None = None
    lines: bytearray = field(default_factory=bytearray)
    tests: list[TestResult] = field(default_factory=list)
    running: str = ""  # the test that started and has not finished
    started: float = 0.0
    where: str = ""  # which learner function an overrunning test was in
    points: dict = field(default_factory=dict)  # the same as data: report.TestResult.points
    paused_at: float = 0.0  # when the test's clock stopped for the kata's own computing (0: running)
    born: float = field(default_factory=time.monotonic)
    last_heard: float = field(default_factory=time.monotonic)
    ended: str = ""  # "done", or why the session did not end normally
    collected: dict[str, str] = field(default_factory=dict)  # the tests the session meant to run, and their kinds
    order: list[str] = field(default_factory=list)  # every test of the run in order, where the child runs a shard of them
    lessons: dict[str, list[str]] = field(default_factory=dict)  # a green unit's lines, by slug
    lessons_done: bool = False  # it said so, after its tests' lessons
    sandbox: str = "not sandboxed: the process ended before it said"  # "" when it ran sandboxed
    open_fds: int = 2


def _job_spec(job: Job, token: str, time_limit: float) -> dict:
    trees = [str(job.tree.resolve())] + [str(Path(p).resolve()) for _, p in job.swaps]
    return {"args": list(job.args), "token": token, "time_limit": time_limit, "trees": trees, "root": str(ROOT),
            "show": job.show, "show_with": job.show_with, "impl": job.impl_spec, "lessons": job.lessons,
            "lessons_for": [u.slug for u in job.units] if job.lessons_only else []}


def _start(job: Job, time_limit: float, spawn: bool, private_fds: tuple[int, ...] = ()) -> _Child:
    token = f"\x00kata-{secrets.token_hex(8)}:"
    msg_r, msg_w = os.pipe()
    out_r, out_w = os.pipe()
    spec = _job_spec(job, token, time_limit)
    proc = None
    if not spawn:
        refused = sandbox.refusal(ROOT)  # asked once per process, before the first fork
    if spawn:
        spec["sandbox"] = "not sandboxed: a fresh interpreter (no fork here, or KATA_WORKER=spawn)"
        env = dict(os.environ)
        if job.live:
            from kata.judge import live

            live.child_environment(env, job.live)
        proc = subprocess.Popen([sys.executable, "-c", SPAWN, str(msg_w), json.dumps(spec)], cwd=ROOT,
                                stdin=subprocess.DEVNULL, stdout=out_w, stderr=out_w, pass_fds=(msg_w,),
                                process_group=0, env=env)
        pid = proc.pid
    else:
        for stream in (sys.stdout, sys.stderr):  # or the child would print the parent's buffered text again
            stream.flush()
        pid = os.fork()
        if pid == 0:  # the child: never returns from here
            try:
                os.setpgid(0, 0)  # its own process group: a Ctrl-C in the terminal is the parent's to handle
                for fd in (msg_r, out_r, *private_fds):  # the parent's own pipes are not the learner's to write
                    os.close(fd)
                os.dup2(out_w, 1)
                os.dup2(out_w, 2)
                from kata.judge import child, live

                if job.live:  # your code calls the live endpoint, with placeholder keys
                    live.child_environment(os.environ, job.live)
                sandbox.limit_processes()  # before the sandbox, which makes the limit read-only
                spec["sandbox"] = sandbox.enter(ROOT, job.tree, job.tree.resolve() == ROOT / "solutions", refused,
                                                network=bool(job.live))
                child.main(spec, msg_w)
            finally:
                os._exit(70)
    os.close(msg_w)
    os.close(out_w)
    return _Child(job, pid, msg_r, out_r, _OutputSplitter(token, SHOW_LIMIT if job.show else OUTPUT_LIMIT), proc)


def _kill(child: _Child) -> None:
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        try:
            os.kill(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


_unwaited: list[bool] = []  # set by leave_exits_unwaited


def leave_exits_unwaited() -> None:
    """In a process that ends with its command (the warm daemon's command process, kata/running/daemon.py): a forked child
    whose session has ended is not waited for. Its exit, ~30-90 ms of its sandbox's PID namespace and memory torn
    down, goes on while the command prints and answers; the daemon, a subreaper, reaps it. Elsewhere run() returns
    once its children have exited, and with them every process they started."""
    _unwaited.append(True)


def _said_all(child: _Child) -> bool:
    """A forked child whose session has ended ("done") with nothing more to come (its lessons, if any, sent; no
    show's printout), where its exit need not be waited for (leave_exits_unwaited): its results are read now."""
    return (bool(_unwaited) and child.ended == "done" and child.proc is None and not child.job.show
            and (child.job.lessons_only or not child.job.lessons or child.lessons_done))


def _drain(child: _Child) -> None:
    """What the child printed before it said "done" (all of it in the pipe by then): read to the end."""
    os.set_blocking(child.out, False)
    try:
        while data := os.read(child.out, 1 << 16):
            child.splitter.feed(data)
    except BlockingIOError:
        pass
    child.splitter.close()


_exiting: list[int] = []  # forked children whose results are in, not yet reaped (see _said_all)


def _reap_exited() -> None:
    for pid in list(_exiting):
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done:
            _exiting.remove(pid)
            sandbox.release_processes(pid)


def _reap(child: _Child, wait: bool = True) -> str:
    """Wait for the child's exit and say how it ended, in words. `wait=False`: a child that said all it had to
    say is reaped later, if it has not exited yet."""
    if not wait and child.proc is None:
        _exiting.append(child.pid)
        _reap_exited()
        return "ended"
    if child.proc is not None:
        status = child.proc.wait()
        code, sig = (status, 0) if status >= 0 else (0, -status)
    else:
        _, raw = os.waitpid(child.pid, 0)
        sandbox.release_processes(child.pid)
        code = os.waitstatus_to_exitcode(raw)
        code, sig = (code, 0) if code >= 0 else (0, -code)
    if sig:
        name = signal.Signals(sig).name
        extra = " (the system stops a process this way when memory runs out)" if sig == signal.SIGKILL else ""
        return f"was killed by {name}{extra}"
    return f"exited with code {code}"


def _on_message(child: _Child, data: bytes) -> None:
    child.lines += data
    while b"\n" in child.lines:
        line, _, rest = bytes(child.lines).partition(b"\n")
        child.lines = bytearray(rest)
        message = json.loads(line)
        kind = message["kind"]
        if kind == "start":
            child.running, child.started, child.where, child.points = message["nodeid"], time.monotonic(), "", {}
        elif kind == "result":
            child.tests.append(TestResult.from_dict(message["test"]))
            child.running = ""
        elif kind == "pause":  # the kata computes on the test's behalf: not the learner's time
            child.paused_at = time.monotonic()
        elif kind == "resume" and child.paused_at:
            child.started += time.monotonic() - child.paused_at
            child.paused_at = 0.0
        elif kind == "lesson":
            child.lessons[message["unit"]] = message["lines"]
        elif kind == "lessons done":
            child.lessons_done = True
        elif kind == "vectors":  # the backend's, computed in a sandboxed child: kept for the next run
            from kata.backend import vectors

            vectors.keep(message.get("rows"))
        elif kind == "collected":
            child.collected, child.order = message["tests"], message.get("order", [])
        elif kind == "sandbox":
            child.sandbox = message["note"]
        elif kind == "where":
            child.where, child.points = message["where"], message.get("points", {})
        elif kind == "done":  # pytest's exit code: 0 all passed, 1 some failed; anything else is no verdict
            child.ended = "done" if message["code"] in (0, 1) else (
                f"pytest stopped with exit code {message['code']} before it could give a verdict.")
        elif kind == "fatal":
            child.ended = "pytest itself failed in the child:\n" + message["message"]


def _finish(child: _Child, how: str, reason: str) -> tuple[str, str, list[Unit]]:
    """Close a child that did not end normally: mark its running test; return the unit it was in, what
    happened (with its last output), and the units it never reached, to be run again in a new child."""
    seen = {t.unit for t in child.tests}
    current = unit_of_path(child.running.split("::")[0]) if child.running else None
    if current is None:  # it died between tests: blame the first unit that has not finished
        current = next((u for u in child.job.units if u.slug not in seen), None) or child.job.units[-1]
    last = child.splitter.current
    output = last.text(last=True) if last.total else ""
    if child.running:
        state = "timeout" if how == "timed out" else "crashed"
        child.tests.append(TestResult(child.running, current.slug, "verify", state, "", reason, output,
                                      points=child.points if how == "timed out" else {}))
    ran = {t.nodeid for t in child.tests}
    child.tests += [TestResult(nodeid, current.slug, kind, NOT_RUN, "", f"not run: the process {how} before it")
                    for nodeid, kind in child.collected.items() if nodeid not in ran and unit_of_path(nodeid.split("::")[0]) is current]
    index = next(i for i, u in enumerate(child.job.units) if u.slug == current.slug)
    rest = [u for u in child.job.units[index + 1:] if u.slug not in seen]
    return current.slug, reason + (f"\nIts last output:\n{output}" if output else ""), rest


_primed: list[bool] = []


def _spawns() -> bool:
    return os.environ.get("KATA_WORKER") == "spawn" or not hasattr(os, "fork")


def prime(job: Job) -> None:
    """Warm this process once, so that every child forked from it starts with pytest, the SDKs and the tests imported."""
    if _primed:
        return
    from kata.judge import child
    from kata.learner import process

    before = set(sys.modules)
    child.prime(list(job.args))
    if job.show_with:  # a show's own imports, as a test run's collection imports the tests'
        importlib.import_module(job.show_with.partition(":")[0])
    from kata.world import replay
    from kata.backend import vectors

    replay.hand_the_backend_its_folders()  # for a show too, which starts no pytest session (and so no replay.configure)
    vectors.ensure()  # the backend's vector store, made here: the sandboxed child sees it read-only
    process.freeze_for_forks(set(sys.modules) - before)  # no learner's process inherits the tests collected here
    _primed.append(True)


def show(job: Job, time_limit: float = 120.0) -> tuple[str, str]:
    """Run a `kata show` job: (its printout, and what went wrong in words if its process did not end well)."""
    printouts: dict[int, str] = {}
    results = run([job], time_limit=time_limit, printouts=printouts)[0]
    ended = next((r.ended for r in results.values() if r.ended_how), "")
    return printouts.get(0, ""), ended


def run(jobs: list[Job], parallel: int = 1, time_limit: float | None = None,
        spawn: bool | None = None, printouts: dict[int, str] | None = None,
        wall_limit: float | None = None, private_fds: tuple[int, ...] = ()) -> list[dict[str, UnitResult]]:
    """Run each job in a child of its own, `parallel` at a time; per-unit results for each job, in order.

    `printouts`, when given, receives each show job's printout by the job's index. `wall_limit`, when
    given, caps a whole child's run in seconds, the kata's own computing included (maintainer runs:
    a mutant that sends every request unrecorded must not run for minutes). `private_fds` are closed
    in each forked child: the caller's own pipes, which learner code must not write to."""
    time_limit = time_limit or TIME_LIMIT
    spawn = _spawns() if spawn is None else spawn
    if not spawn and jobs:
        prime(jobs[0])
    shards = _shards(jobs, parallel, spawn)
    beside = _lessons_beside(jobs, parallel, spawn) if not shards else None
    if beside is not None:  # the tests run without their lessons, which a second child computes meanwhile
        jobs = [replace(jobs[0], lessons="")]
    queue: list[tuple[int, Job]] = [(0, shard) for shard in shards] or list(enumerate(jobs))
    parallel = len(shards) or parallel
    order: list[str] = []  # the tests' order, where shards ran them (only a lone job is ever sharded: job 0)
    collected: list[list[TestResult]] = [[] for _ in jobs]
    unsandboxed: list[str] = ["" for _ in jobs]  # per job: why one of its children ran without a sandbox
    endings: list[dict[str, tuple[str, str]]] = [{} for _ in jobs]  # per job: unit -> (crashed / timed out, what happened)
    lessons: list[dict[str, list[str]]] = [{} for _ in jobs]
    selector = selectors.DefaultSelector()
    running: dict[int, tuple[int, _Child]] = {}  # pid -> (job index, child)
    try:
        while queue or running:
            while queue and len(running) < parallel:
                index, job = queue.pop(0)
                child = _start(job, time_limit, spawn, private_fds)
                running[child.pid] = (index, child)
                selector.register(child.msg, selectors.EVENT_READ, (child, "msg"))
                selector.register(child.out, selectors.EVENT_READ, (child, "out"))
            if beside is not None and running:  # after the tests' child: it forks first
                child, beside = _start(beside, time_limit, spawn, private_fds), None
                running[child.pid] = (0, child)
                selector.register(child.msg, selectors.EVENT_READ, (child, "msg"))
                selector.register(child.out, selectors.EVENT_READ, (child, "out"))
            for key, _ in selector.select(timeout=0.1):
                child, which = key.data
                data = os.read(key.fd, 1 << 16)
                child.last_heard = time.monotonic()
                if data:
                    (_on_message if which == "msg" else lambda c, d: c.splitter.feed(d))(child, data)
                    continue
                selector.unregister(key.fd)
                os.close(key.fd)
                child.open_fds -= 1
                if which == "out":
                    child.splitter.close()
            now = time.monotonic()
            for pid, (index, child) in list(running.items()):
                overran = child.running and not child.paused_at and now - child.started > time_limit + GRACE
                overran = overran or bool(wall_limit and child.running and now - child.born > wall_limit)
                silent = not child.running and child.open_fds and now - child.last_heard > SILENCE
                if overran or silent:
                    _kill(child)
                said_all = _said_all(child)
                if child.open_fds and not (overran or silent or said_all):
                    continue
                if said_all and child.out in selector.get_map():
                    _drain(child)
                for fd in (child.msg, child.out):
                    if fd in selector.get_map():
                        selector.unregister(fd)
                        os.close(fd)
                exit_words = _reap(child, wait=not said_all)
                del running[pid]
                order = order or child.order
                lessons[index].update(child.lessons)
                if child.job.lessons_only:  # its lessons only, kept if their unit turns green
                    continue
                unsandboxed[index] = unsandboxed[index] or child.sandbox
                _attach_output(child)
                if printouts is not None and child.job.show:
                    printouts[index] = child.splitter.current.text(last=not child.ended == "done")
                if child.ended == "done" and child.collected and not (overran or silent):
                    _unreported(child)
                if child.ended == "done" and not (overran or silent):
                    collected[index].extend(child.tests)
                    _drop_lessons_unless_green(running, index, collected[index], child.job.units)
                    continue
                how, reason = _why_it_ended(child, exit_words, overran, silent, time_limit)
                slug, what, rest = _finish(child, how, reason)
                endings[index][slug] = (how, what)
                collected[index].extend(child.tests)
                _drop_lessons_unless_green(running, index, collected[index], child.job.units)
                if rest:  # the units it never reached run again, in a new child
                    queue.insert(0, (index, Job(rest, child.job.tree, child.job.swaps, _args_for(child.job, rest),
                                                live=child.job.live, lessons=child.job.lessons)))
    except KeyboardInterrupt:
        for _, child in running.values():
            _kill(child)
            _reap(child)
        raise
    finally:
        selector.close()
        _reap_exited()
    if shards and order:  # the shards' results, back in the order of the tests (the first failure is the first)
        at = {nodeid: i for i, nodeid in enumerate(order)}
        collected[0].sort(key=lambda test: at.get(test.nodeid, len(at)))
    return [_grouped(collected[i], endings[i], job.units, unsandboxed[i], lessons[i]) for i, job in enumerate(jobs)]


LESSON_WEIGHT = 40  # a green unit's lesson after its tests, as plugin.PROPERTY_WEIGHT counts: U01's ~0.1 s, a property test's ~0.15 s
SHARDS = int(os.environ.get("KATA_SHARDS", "2"))  # children one unit's tests are spread over, a core each (1: one child)


def _shards(jobs: list[Job], parallel: int, spawn: bool) -> list[Job]:
    """One unit's tests, the only job (`kata check N`, `kata next`, the board's re-run of an edited unit), on a machine
    with a core to spare: SHARDS children, each running a share of the tests (property tests spread evenly,
    kata/judge/plugin.py's _shard), the last one with the lesson. Their results are put back in the tests' order: the
    same verdicts, in about half the time. [] otherwise: one child, as always."""
    if SHARDS < 2 or len(jobs) != 1 or parallel != 1 or spawn or not _a_core_idles():
        return []
    job = jobs[0]
    if job.show or job.lessons_only or job.swaps or job.live or len(job.units) != 1:
        return []
    handicap = f"+{LESSON_WEIGHT}" if job.lessons else ""  # the last shard's lesson, in its tests' weight
    return [replace(job, args=(*job.args, f"--kata-shard={i}/{SHARDS}{handicap}"),
                    lessons=job.lessons if i == SHARDS - 1 else "") for i in range(SHARDS)]


def _lessons_beside(jobs: list[Job], parallel: int, spawn: bool) -> Job | None:
    """One unit's tests with its lesson (`kata check N`, `kata next`): the lesson, which used to follow the tests
    in their child (~0.2-0.3 s: a backend, a new learner process), is computed in a second child while the tests
    run, on a core that would idle, and kept only if the unit turns green. Only sandboxed (its learner process then
    writes nothing the tests could read) and with a core to spare; None otherwise: the lesson follows the tests."""
    if len(jobs) != 1 or parallel != 1 or spawn or not _a_core_idles():
        return None
    job = jobs[0]
    if not job.lessons or job.show or job.swaps or len(job.units) != 1 or sandbox.refusal(ROOT):
        return None
    return replace(job, lessons_only=True, args=())


def _a_core_idles() -> bool:
    """A second core, not busy: on a loaded machine (2 cores, a load of 8) a child beside the tests slows them more
    than it saves. Busy now (/proc/loadavg's tasks runnable at this moment, this one among them), not only over the
    last minute: a learner's last check keeps that average near 1 on 2 cores long after it ended."""
    cores = os.cpu_count() or 1
    if cores < 2 or hasattr(os, "getloadavg") and os.getloadavg()[0] >= cores:
        return False
    try:
        runnable = int(Path("/proc/loadavg").read_text().split()[3].partition("/")[0])
    except (OSError, IndexError, ValueError):  # not Linux: the last minute's average alone
        return not hasattr(os, "getloadavg") or os.getloadavg()[0] <= cores - 1
    return runnable - 1 <= cores - 2


def _drop_lessons_unless_green(running: dict[int, tuple[int, _Child]], index: int, tests: list[TestResult],
                               units: list[Unit]) -> None:
    """The tests' child has ended: a lessons child beside it whose unit is not green stops now."""
    if any(result.status == "done" for result in group(tests, units).values()):
        return
    for _, (at, child) in running.items():
        if at == index and child.job.lessons_only:
            _kill(child)


def _unreported(child: _Child) -> None:
    """A session that ended "done" before reporting every test it collected (pytest's `Exit` raised in a test, by
    whatever means) gave no verdict on the rest: the first unreported test is where it ended, and it and those after
    it count as a crash does, never as passed (a red team's forged `Exit` made a unit "done" on its one test run)."""
    ran = {t.nodeid for t in child.tests}
    missing = [nodeid for nodeid in child.collected if nodeid not in ran]
    if missing:
        child.ended = (f"The test session ended before it reported {len(missing)} of its tests: a crash is never a pass, "
                       f"and the tests it did not report count as not run.")
        child.running = missing[0]


def _why_it_ended(child: _Child, exit_words: str, overran: bool, silent: bool, time_limit: float) -> tuple[str, str]:
    """("timed out" or "crashed", what happened in words)."""
    if overran:
        where = f", in {child.where}" if child.where else ""
        return "timed out", (f"This test ran for more than {time_limit:g} s{where}, and did not stop when asked, so the "
                             f"kata stopped the process running it. An endless loop? (KATA_TIME_LIMIT sets the limit.)")
    if silent:
        return "timed out", f"The process running your code stopped answering for {SILENCE:g} s; the kata stopped it."
    if child.ended and child.ended != "done":
        return "crashed", child.ended
    return "crashed", (f"The process running your code {exit_words} before the tests finished (`sys.exit`, `os._exit`, "
                       f"a crash in a C library, or memory running out?). A crash is never a pass: the tests it did "
                       f"not reach count as failed.")


def _args_for(job: Job, units: list[Unit]) -> tuple[str, ...]:
    """The job's pytest arguments with its test files narrowed to `units`."""
    files = {str(ROOT / u.test_file) for u in job.units}
    keep = tuple(a for a in job.args if a not in files)
    return tuple(str(ROOT / u.test_file) for u in units) + keep


def _attach_output(child: _Child) -> None:
    for test in child.tests:
        printed = child.splitter.by_test.get(test.nodeid)
        if printed is not None and printed.total and not test.output:
            test.output = printed.text()
        if printed is not None and printed.earlier and test.failing:  # a property test: only the last example's prints are shown
            test.points["earlier_examples_printed"] = printed.earlier


def _grouped(tests: list[TestResult], endings: dict[str, tuple[str, str]], units: list[Unit],
             unsandboxed: str = "", lessons: dict[str, list[str]] | None = None) -> dict[str, UnitResult]:
    results = group(tests, units)
    for result in results.values():
        result.sandbox = unsandboxed
        crash = next((t for t in result.tests if t.state == "crashed"), None)
        if crash is not None and not result.ended:  # the learner's process ended in a call (kata/judge/wall.py): say how
            result.ended = crash.message
    for slug, (how, what) in endings.items():
        results[slug].ended_how, results[slug].ended = how, what
    for slug, lines in (lessons or {}).items():
        if slug in results and results[slug].status == "done":
            results[slug].lesson = lines
    return results
