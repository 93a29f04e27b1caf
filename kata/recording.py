"""`kata record` and `kata serve`: recording cassettes against the reference backend or the live APIs.

Recording runs the units' tests against solutions/ with pytest-recording in `rewrite` mode. Against
the reference backend (the default), the SDKs are pointed at a local server for the duration; with
--live they go to the real APIs and need VOYAGE_API_KEY / ANTHROPIC_API_KEY. Either way the
cassettes then replay for everyone, offline, and each response says where it came from.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading

from kata.cassettes import CASSETTES, RECORDING_ENV
from kata.units import ROOT, Unit

NEEDS_EXTRA = (
    "the reference backend needs the `record` extra (a CPU torch and all-MiniLM-L6-v2), in a venv that has pip:\n"
    "    python -m venv .venv-record && . .venv-record/bin/activate\n"
    "    python -m pip install torch==2.13.0   # the CPU build; a plain `torch` may fetch a multi-GB CUDA build\n"
    "    python -m pip install -e '.[record]'\n"
    "then run `kata record` / `kata serve` from that venv."
)


def start_backend():
    """The reference backend on a free loopback port, in a background thread."""
    try:
        from kata.backend.server import make_server
    except ImportError as error:
        raise SystemExit(f"kata: {NEEDS_EXTRA}\n({error})") from None
    server = make_server("127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def point_sdks_at(base: str) -> None:
    """Send the SDKs' default-host requests to `base` (recording only; cassettes keep the default hosts)."""
    import voyageai._base

    os.environ["ANTHROPIC_BASE_URL"] = base  # the anthropic SDK's own variable
    os.environ["OLLAMA_HOST"] = base  # Ollama's own variable, which the solutions read
    voyageai._base.get_default_base_url = lambda api_key: f"{base}/v1"  # voyageai has no variable for it


def record(units: list[Unit], live: bool = False) -> int:
    import pytest

    if live:
        missing = [k for k in ("VOYAGE_API_KEY", "ANTHROPIC_API_KEY") if not os.environ.get(k)]
        if missing:
            raise SystemExit(f"kata record --live: set {' and '.join(missing)} first (your keys; they are never recorded)")
    else:
        _, base = start_backend()
        point_sdks_at(base)
    os.environ[RECORDING_ENV] = "live" if live else "backend"
    for unit in units:
        shutil.rmtree(CASSETTES / unit.slug, ignore_errors=True)  # no stale cassette survives a re-record
    files = [str(ROOT / u.test_file) for u in units]
    code = pytest.main([*files, "--impl", "solutions", "--record-mode=rewrite", "-q", "-p", "no:cacheprovider",
                        "--rootdir", str(ROOT), "-c", str(ROOT / "pyproject.toml")])
    if code != 0:
        return int(code)
    # Prove the new cassettes replay offline, in a fresh process that has no backend and no redirect.
    env = {k: v for k, v in os.environ.items() if k not in (RECORDING_ENV, "ANTHROPIC_BASE_URL", "OLLAMA_HOST")}
    return subprocess.call([sys.executable, "-m", "pytest", *files, "--impl", "solutions", "-q", "-p", "no:cacheprovider"],
                           cwd=ROOT, env=env)


def serve(port: int) -> int:
    try:
        from kata.backend.server import serve as serve_forever
    except ImportError as error:
        raise SystemExit(f"kata: {NEEDS_EXTRA}\n({error})") from None
    serve_forever("127.0.0.1", port)
    return 0
