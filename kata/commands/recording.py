"""`kata record` and `kata serve`: recording cassettes against the reference backend or the live APIs.

Recording runs the units' tests against solutions/ with pytest-recording in `rewrite` mode. Against
the reference backend (the default, in every install) the SDKs are pointed at a local server for the
duration; with --live they go to the real APIs and need VOYAGE_API_KEY / ANTHROPIC_API_KEY. Either
way the cassettes then replay for everyone, offline, and each response says where it came from.

Nothing in cassettes/ changes until the new recording is proven: it is made in a staging folder
beside cassettes/, replayed there by a fresh process with no backend and no redirect, and only then
swapped in, one unit folder at a time (two renames on one filesystem). A failed run leaves every old
cassette as it was.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from kata.world import cassettes
from kata.world.cassettes import RECORDING_ENV
from kata.units import ROOT, Unit

# A fresh process that runs pytest with the cassettes read from (and written to) another folder.
_PYTEST_IN = ("import pathlib, sys, pytest, kata.world.cassettes as c; "
              "c.CASSETTES = pathlib.Path(sys.argv[1]); sys.exit(pytest.main(sys.argv[2:]))")


def start_backend():
    """The reference backend on a free loopback port, in a background thread."""
    from kata.world import replay
    from kata.backend.server import make_server

    replay.hand_the_backend_its_folders()
    server = make_server("127.0.0.1", 0)
    # polled every 20 ms, not socketserver's 0.5 s: shutdown() waits for the next poll, and a green unit's
    # lesson and `kata show` stop it at their end (0.5 s of every such command)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    return server, server.url


def record(units: list[Unit], live: bool = False, root: Path | None = None, pytest_args: list[str] = ()) -> int:
    """Re-record `units` into `root` (cassettes/ by default); 0 when recorded and proven, else the failure's code.

    `pytest_args` go to both runs (e.g. `--kata-swap`, as the harness uses to make a recording fail).
    """
    root = Path(root or cassettes.CASSETTES)
    if live:
        missing = [k for k in ("VOYAGE_API_KEY", "ANTHROPIC_API_KEY") if not os.environ.get(k)]
        if missing:
            raise SystemExit(f"kata record --live: set {' and '.join(missing)} first (your keys; they are never recorded)")
    root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{root.name}-recording-", dir=root.parent))  # same filesystem: renames
    try:
        before = _snapshot(root)
        code = _record_into(staging, units, live, list(pytest_args))
        if _snapshot(root) != before:  # the plugin no longer reads kata.world.cassettes.CASSETTES: fix this module
            raise SystemExit(f"kata record: the recording wrote into {_shown(root)} itself, not the staging folder")
        if code == 0:
            code = _replay_in_fresh_process(staging, units, list(pytest_args))
            failed = "the new cassettes did not replay offline"
        else:
            failed = "the recording run failed"
        if code != 0:
            print(f"kata record: {failed} (pytest exit {code}); {_shown(root)} is untouched, "
                  f"the old cassettes are all still there.", file=sys.stderr)
            return int(code)
        for unit in units:
            _swap(staging / unit.slug, root / unit.slug, staging / f"{unit.slug}.old")
        return 0
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _record_into(folder: Path, units: list[Unit], live: bool, pytest_args: list[str]) -> int:
    env = {**os.environ, RECORDING_ENV: "live" if live else "backend"}
    server = None
    if not live:
        server, base = start_backend()
        env["ANTHROPIC_BASE_URL"] = env["OLLAMA_HOST"] = base
        env["KATA_VOYAGE_BASE_URL"] = f"{base}/v1"
    try:
        # In a child process, so the SDK redirect and the recording mode end with it.
        return subprocess.call([sys.executable, "-c", _RECORD_CHILD, str(folder), *_files(units),
                                "--impl", "solutions", "--record-mode=rewrite", *_pytest_flags(), *pytest_args],
                               cwd=ROOT, env=env)
    finally:
        if server is not None:
            server.shutdown()
            server.server_close()


# The recording child: points voyageai (which reads no variable) at the backend, then records.
_RECORD_CHILD = ("import os, voyageai._base; base = os.environ.get('KATA_VOYAGE_BASE_URL'); "
                 "base and setattr(voyageai._base, 'get_default_base_url', lambda api_key: base); " + _PYTEST_IN)


def _replay_in_fresh_process(folder: Path, units: list[Unit], pytest_args: list[str]) -> int:
    """Replay the new cassettes offline, in a process that has no backend and no redirect."""
    env = {k: v for k, v in os.environ.items()
           if k not in (RECORDING_ENV, "ANTHROPIC_BASE_URL", "OLLAMA_HOST", "KATA_VOYAGE_BASE_URL")}
    # --strict-replay: a request the new cassettes do not hold must fail here, not be computed.
    return subprocess.call([sys.executable, "-c", _PYTEST_IN, str(folder), *_files(units), "--impl", "solutions",
                            "--strict-replay", *_pytest_flags(), *pytest_args], cwd=ROOT, env=env)


def _swap(new: Path, place: Path, old: Path) -> None:
    """Put `new` at `place`: the old folder moves aside, the new one in, the old one is then deleted.

    A unit whose tests no longer record anything ends with no folder, as a fresh recording would.
    """
    if place.exists():
        os.replace(place, old)
    if new.exists():
        os.replace(new, place)
    shutil.rmtree(old, ignore_errors=True)


def _snapshot(root: Path) -> dict:
    return {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in root.rglob("*") if p.is_file()}


def _files(units: list[Unit]) -> list[str]:
    return [str(ROOT / u.test_file) for u in units]


def _pytest_flags() -> list[str]:
    return ["-q", "-p", "no:cacheprovider", "--rootdir", str(ROOT), "-c", str(ROOT / "pyproject.toml")]


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) + "/" if path.is_relative_to(ROOT) else str(path)


def serve(port: int) -> int:
    from kata.world import replay
    from kata.backend.server import serve as serve_forever

    replay.hand_the_backend_its_folders()  # its vectors kept on disk, as in every other command
    serve_forever("127.0.0.1", port)
    return 0
