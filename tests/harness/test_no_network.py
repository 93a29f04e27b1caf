"""The kata needs no network at all: the API units pass in a network namespace with no route out.

Sockets are blocked under test anyway (kata/world/offline.py); this proves nothing depends on a route
existing either — no DNS answer, no download at import. The namespace has loopback only (for the
stand-ins some tests serve on 127.0.0.1).
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
    return bool(shutil.which("unshare") and shutil.which("ip")) and subprocess.run(
        ["unshare", "-n", "sh", "-c", "ip link set lo up"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _can_unshare(), reason="needs `unshare -n` and `ip` (root, or user namespaces; iproute2): CI runs as root")
def test_the_api_units_pass_with_no_network_at_all():
    files = [u.test_file for u in API_UNITS]
    # A new network namespace has only loopback, and it starts down: bring it up, as on any machine, for
    # the tests that serve a stand-in on 127.0.0.1. Nothing else is there: no route out, no DNS.
    up_then_run = 'ip link set lo up || exit 3; exec "$0" "$@"'
    proc = subprocess.run(["unshare", "-n", "sh", "-c", up_then_run, sys.executable, "-m", "pytest", *files,
                           "--impl", "solutions", "-q", "-p", "no:cacheprovider"],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
