"""The kata needs no network at all: the API units pass in a network namespace with no route out.

Sockets are blocked under test anyway (kata/offline.py); this proves nothing depends on a route
existing either — no DNS answer, no loopback-only trick of an SDK, no download at import.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from kata.units import ROOT, find

pytestmark = pytest.mark.harness

API_UNITS = [find(n) for n in (3, 4, 5, 6, 7, 10, 11)]


def _can_unshare() -> bool:
    return bool(shutil.which("unshare")) and subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _can_unshare(), reason="needs `unshare -n` (root, or user namespaces): CI runs as root")
def test_the_api_units_pass_with_no_network_at_all():
    files = [u.test_file for u in API_UNITS]
    proc = subprocess.run(["unshare", "-n", sys.executable, "-m", "pytest", *files, "--impl", "solutions", "-q",
                           "-p", "no:cacheprovider"], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
