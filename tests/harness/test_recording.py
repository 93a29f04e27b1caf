"""`kata record`: a failed run leaves the old cassettes; a good one swaps them in; live latencies are real.

Each test works on a copy of a unit's cassettes in a temporary folder, never on cassettes/ itself.
"""

from __future__ import annotations

import shutil
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
import vcr
import yaml

from kata.world import cassettes
from kata.commands import recording
from kata.units import BY_SLUG, ROOT

pytestmark = [pytest.mark.harness, pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1"])]

UNIT = BY_SLUG["u04_embeddings"]


def snapshot(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def copy_of_cassettes(tmp_path):
    root = tmp_path / "cassettes"
    shutil.copytree(cassettes.CASSETTES / UNIT.slug, root / UNIT.slug)
    return root


def test_a_failed_recording_leaves_the_old_cassettes_untouched(copy_of_cassettes, tmp_path, capsys):
    before = snapshot(copy_of_cassettes)
    broken = tmp_path / "raises.py"  # the reference, with its API call failing as a live run can
    broken.write_text((ROOT / "solutions" / f"{UNIT.slug}.py").read_text(encoding="utf-8") +
                      "\n\ndef embed(texts):\n    raise RuntimeError('the API is down')\n", encoding="utf-8")
    code = recording.record([UNIT], root=copy_of_cassettes, pytest_args=["--kata-swap", f"{UNIT.slug}={broken}"])
    assert code != 0
    assert snapshot(copy_of_cassettes) == before
    assert "untouched, the old cassettes are all still there" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cassettes", "raises.py"]  # no staging folder left


def test_a_good_recording_is_proven_then_swapped_in(copy_of_cassettes, tmp_path):
    stale = copy_of_cassettes / UNIT.slug / "test_that_no_longer_exists.yaml"
    stale.write_text("interactions: []\nversion: 1\n", encoding="utf-8")
    assert recording.record([UNIT], root=copy_of_cassettes) == 0
    new = snapshot(copy_of_cassettes / UNIT.slug)
    shipped = snapshot(cassettes.CASSETTES / UNIT.slug)
    assert set(new) == set(shipped)  # the stale cassette went with the old folder
    for name in new:
        recorded = yaml.safe_load(new[name])["interactions"]
        assert [i["request"]["body"] for i in recorded] == [
            i["request"]["body"] for i in yaml.safe_load(shipped[name])["interactions"]]
        assert all("numpy forward pass" in i["response"]["headers"]["x-kata-backend"][0] for i in recorded)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cassettes"]


class Slow(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        time.sleep(0.4)
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_live_recording_stamps_the_real_round_trip(tmp_path, monkeypatch):
    monkeypatch.setenv(cassettes.RECORDING_ENV, "live")
    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    recorder = vcr.VCR(record_mode="all", **cassettes.vcr_config())
    recorder.register_matcher("json_body", cassettes.json_body)
    try:
        with recorder.use_cassette(str(tmp_path / "live.yaml")):
            for text in ("first", "second"):
                requests.post(f"http://127.0.0.1:{server.server_address[1]}/v1/messages", json={"text": text})
    finally:
        server.shutdown()
        server.server_close()
    recorded = yaml.safe_load((tmp_path / "live.yaml").read_text(encoding="utf-8"))["interactions"]
    latencies = [float(i["response"]["headers"]["x-kata-latency-ms"][0]) for i in recorded]
    assert len(latencies) == 2 and all(400 <= ms < 5000 for ms in latencies), latencies
    assert all("recorded live" in i["response"]["headers"]["x-kata-provenance"][0] for i in recorded)
