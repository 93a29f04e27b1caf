"""The warm kata (kata/running/daemon.py): edit, then `kata check N`, against a fresh interpreter's imports.

    uv run python benchmarks/warm.py [ROUNDS]

In a temporary copy of this checkout (its own `.kata/`, its own daemon; your files are never touched)
with U01 and U04 solved. The first command runs as today and starts the daemon; once the daemon is
warm, each round times, in this order:

- a fresh interpreter that imports anthropic, voyageai, numpy and pytest, their bytecode compiled
  (the baseline: what any command that runs tests pays before it starts);
- a real code change to U01's file, then `kata check 1`; the same for U04 and `kata check 4`;
- the board, untimed (the units that import U04 run again), then a change to U01's file and the board
  timed: U01 runs again, every other unit comes from the cache;
- a change to U02's stub (a unit in progress), then `kata check 2`;
- the same change and `kata check 1` with KATA_DAEMON=0 (today's path without the daemon), for scale.

Then `kata check 1` with nothing changed (from the cache), through the daemon and with KATA_DAEMON=0:
what the daemon's round trip costs on its own.

Every command is a fresh `python -m kata.commands.cli` process, as the learner's are. Targets: the median
check after an edit and the median board after an edit, each at most 0.25x the baseline's median.
"""

from __future__ import annotations

import compileall
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COPY = ("kata", "tests", "cassettes", "sample-corpus", "models", "evals", "exercises", "solutions", "conftest.py",
        "pyproject.toml", "uv.lock")
SOLVED = ("u01_vocabulary", "u04_embeddings")
STUB = "u02_training_vs_inference"  # a unit in progress: its stub, edited


def timed(command: list[str], cwd: Path, env: dict | None = None) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1) or "Traceback" in done.stderr:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return elapsed


def edit(tree: Path, slug: str, n: int) -> None:
    """A real code change: one more module-level assignment (the result cache's key changes, the unit runs)."""
    path = tree / "exercises" / f"{slug}.py"
    path.write_text(path.read_text() + f"\n_benchmark_edit = {n}\n")


def wait_for_daemon(tree: Path) -> float:
    """Seconds until the daemon the first command started is fully warm (its models loaded too)."""
    started, log = time.perf_counter(), tree / ".kata" / "daemon.log"
    while "warmed the backend's models" not in (log.read_text() if log.exists() else ""):
        if time.perf_counter() - started > 300:
            raise SystemExit(f"the daemon did not start: {log.read_text() if log.exists() else 'no log'}")
        time.sleep(0.1)
    return time.perf_counter() - started


def main(rounds: int) -> None:
    compileall.compile_dir(sysconfig.get_paths()["purelib"], quiet=2, workers=0)  # the baseline's bytecode, compiled
    kata = [sys.executable, "-m", "kata.commands.cli"]
    baseline = [sys.executable, "-c", "import anthropic, voyageai, numpy, pytest"]
    with tempfile.TemporaryDirectory(prefix="kata-warm-") as tmp:
        tree = Path(tmp) / "checkout"
        for name in COPY:
            (shutil.copytree if (ROOT / name).is_dir() else shutil.copy2)(ROOT / name, tree / name)
        for slug in SOLVED:
            shutil.copy2(ROOT / "solutions" / f"{slug}.py", tree / "exercises" / f"{slug}.py")
        env = {k: v for k, v in os.environ.items() if k not in ("KATA_CACHE_DIR", "KATA_DAEMON")}
        cold = os.environ.get("KATA_DAEMON") == "0"
        try:
            first = timed([*kata, "check", "1"], tree, env)  # runs as today, and starts the daemon
            ready = wait_for_daemon(tree) if not cold else 0.0
            board_cold = timed(kata, tree, env)  # fills the cache: every unit runs once
            imports, checks, boards, stubs, today = [], [], [], [], []
            for n in range(rounds):
                imports.append(timed(baseline, tree, env))
                for number, slug in ((1, SOLVED[0]), (4, SOLVED[1])):
                    edit(tree, slug, n)
                    checks.append(timed([*kata, "check", str(number)], tree, env))
                timed(kata, tree, env)  # the units that import U04 run again: the board below has only U01 to run
                edit(tree, SOLVED[0], 1000 + n)
                boards.append(timed(kata, tree, env))
                edit(tree, STUB, n)
                stubs.append(timed([*kata, "check", "2"], tree, env))
                edit(tree, SOLVED[0], 2000 + n)
                today.append(timed([*kata, "check", "1"], tree, dict(env, KATA_DAEMON="0")))
            hits = [timed([*kata, "check", "1"], tree, env) for _ in range(rounds)]  # nothing changed: from the cache
            plain_hits = [timed([*kata, "check", "1"], tree, dict(env, KATA_DAEMON="0")) for _ in range(rounds)]
        finally:
            subprocess.run([*kata, "stop"], cwd=tree, env=env, capture_output=True)
    base = statistics.median(imports)
    check, board, plain = statistics.median(checks), statistics.median(boards), statistics.median(today)
    stub = statistics.median(stubs)
    print(f"{rounds} rounds on {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}{' (KATA_DAEMON=0 set: no daemon)' if cold else ''}")
    print(f"first command (runs as today, starts the daemon): kata check 1 {first:.2f} s · the daemon fully warm "
          f"{ready:.1f} s later · then the board, every unit run: {board_cold:.2f} s")
    print(f"baseline: fresh interpreter importing anthropic, voyageai, numpy, pytest (compiled): median {base:.2f} s")
    print(f"edit, then kata check N (U01, U04): median {check:.3f} s = {check / base:.3f}x baseline (target <= 0.25x)"
          f"  [{', '.join(f'{t:.2f}' for t in checks)}]")
    print(f"edit, then the board: median {board:.3f} s = {board / base:.3f}x baseline (target <= 0.25x)"
          f"  [{', '.join(f'{t:.2f}' for t in boards)}]")
    print(f"edit a stub (U02, in progress), then kata check 2: median {stub:.3f} s = {stub / base:.3f}x baseline")
    print(f"for scale, edit then kata check 1 with KATA_DAEMON=0: median {plain:.2f} s = {plain / base:.2f}x baseline")
    print(f"what the daemon costs on its own: kata check 1, nothing changed (from the cache): "
          f"{statistics.median(hits):.3f} s through it, {statistics.median(plain_hits):.3f} s with KATA_DAEMON=0")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
