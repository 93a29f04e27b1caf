"""`kata check N --live` and `kata show N --live`, offline: the reference backend (what `kata serve` runs)
stands in for the vendors on loopback, as ANTHROPIC_BASE_URL, KATA_VOYAGE_BASE_URL and OLLAMA_HOST let a
learner point the kata anywhere; a tiny stub stands in for a vendor that refuses (401, 429, 503).

Every test keeps its requests in a temporary folder (kata.judge.live.LIVE_DIR), never in `.kata/live/`.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kata.world import cassettes
from kata.commands import cli
from kata.judge import live
from kata.running import runner
from kata.backend.server import Handler, make_server
from kata.units import ROOT, find

pytestmark = [pytest.mark.harness, pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1"])]


def cassettes_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(cassettes.CASSETTES.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(cassettes.CASSETTES)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def point_the_kata_at(url: str, monkeypatch, tmp_path) -> None:
    """The learner's shell: dummy keys, every vendor at `url`; and this test's own .kata/live/."""
    monkeypatch.setenv("ANTHROPIC_API_KEY", "a-dummy-key")
    monkeypatch.setenv("VOYAGE_API_KEY", "a-dummy-key")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", url)
    monkeypatch.setenv("KATA_VOYAGE_BASE_URL", f"{url}/v1")
    monkeypatch.setenv("OLLAMA_HOST", url)
    monkeypatch.setattr(live, "LIVE_DIR", tmp_path / "live")


@pytest.fixture
def stand_in(monkeypatch, tmp_path):
    """The reference backend on a free loopback port, counting the requests that reach it."""
    server = make_server("127.0.0.1", 0)
    server.reached = []

    class Counting(Handler):
        def _handle(self, method):
            server.reached.append((method, self.path, self.headers.get("x-api-key") or self.headers.get("authorization")))
            super()._handle(method)

    server.RequestHandlerClass = Counting
    threading.Thread(target=server.serve_forever, daemon=True).start()
    point_the_kata_at(server.url, monkeypatch, tmp_path)
    yield server
    server.shutdown()
    server.server_close()


def refusing(status: int, monkeypatch, tmp_path):
    """A vendor that answers every request with `status` and its own error body."""
    class Refusing(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = json.dumps({"type": "error", "error": {"type": "some_error", "message": f"stub says {status}"},
                               "detail": f"stub says {status}"}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("retry-after-ms", "1")  # the SDKs' own retries, kept short
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Refusing)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    point_the_kata_at(f"http://127.0.0.1:{server.server_address[1]}", monkeypatch, tmp_path)
    return server


def test_check_6_live_sends_then_replays_and_never_touches_the_cassettes(stand_in, tmp_path, capsys):
    before = cassettes_digest()
    assert cli.main(["check", "6", "--live", "--impl", "solutions"]) == 0
    out = capsys.readouterr().out
    sent = len(stand_in.reached)
    recorded = live.estimate("u06_rag_basics")[0].requests
    assert sent > 0 and f"Estimate: the shipped recordings of its tests hold {recorded} requests" in out, out
    assert f"Cap: {2 * recorded} live requests" in out, out
    assert f"Live: {sent} requests answered by the vendors" in out and "They cost $" in out, out
    assert {key for *_, key in stand_in.reached} <= {"a-dummy-key", "Bearer a-dummy-key"}  # the keys, added by the kata
    kept = sorted((tmp_path / "live" / "u06_rag_basics").glob("*.json"))
    assert len(kept) == sent

    assert cli.main(["check", "6", "--live", "--impl", "solutions"]) == 0  # the second run: all from .kata/live/
    out = capsys.readouterr().out
    assert len(stand_in.reached) == sent, stand_in.reached[sent:]
    assert "Live: 0 requests answered by the vendors" in out and f"{sent} kept in" in out, out
    assert cassettes_digest() == before


def test_show_6_live_runs_against_the_vendors_then_replays(stand_in, capsys):
    before = cassettes_digest()
    assert cli.main(["show", "6", "--live", "--impl", "solutions"]) == 0
    out = capsys.readouterr().out
    assert "run live: every API reply below came from the real vendors" in out and "Traceback" not in out, out
    assert out.count("Q: ") == 5 and "sent to the model" in out, out
    sent = len(stand_in.reached)
    assert sent > 0
    assert cli.main(["show", "6", "--live", "--impl", "solutions"]) == 0
    assert len(stand_in.reached) == sent
    assert "Live: 0 requests answered by the vendors" in capsys.readouterr().out
    assert cassettes_digest() == before


def test_the_cap_stops_requests_with_a_message_not_a_traceback(stand_in, capsys):
    assert cli.main(["check", "6", "--live", "--impl", "solutions", "--max-requests", "2"]) == 1
    out = capsys.readouterr().out
    assert len(stand_in.reached) == 2
    assert "Cap: 2 live requests" in out
    assert "this run reached its cap of 2 live requests (--max-requests)" in out and "Traceback" not in out, out
    assert "not sent (the cap of 2)" in out


def test_a_missing_key_is_named_with_where_to_get_one_before_anything_runs(stand_in, monkeypatch, capsys):
    monkeypatch.delenv("VOYAGE_API_KEY")
    with pytest.raises(SystemExit) as stopped:
        cli.main(["check", "6", "--live", "--impl", "solutions"])
    assert "set VOYAGE_API_KEY" in str(stopped.value) and "dashboard.voyageai.com" in str(stopped.value)
    assert "ANTHROPIC_API_KEY" not in str(stopped.value).split("(e.g.")[0]  # only the one that is missing
    monkeypatch.setenv("VOYAGE_API_KEY", "a-dummy-key")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "")
    with pytest.raises(SystemExit) as stopped:
        cli.main(["show", "6", "--live", "--impl", "solutions"])
    assert "set ANTHROPIC_API_KEY" in str(stopped.value) and "console.anthropic.com" in str(stopped.value)
    assert stand_in.reached == [] and capsys.readouterr().out == ""


@pytest.mark.parametrize(("status", "unit", "says"), [
    (401, 3, ["Anthropic answered 401 Unauthorized (stub says 401)", "Check ANTHROPIC_API_KEY",
              "console.anthropic.com"]),
    (429, 4, ["Voyage AI answered 429 Too Many Requests (stub says 429)", "rate or spend limit", "replay free"]),
    (503, 4, ["Voyage AI answered 503 Service Unavailable", "not in your code"]),
])
def test_a_vendor_error_is_a_clear_message_in_the_failure(status, unit, says, monkeypatch, tmp_path, capsys):
    server = refusing(status, monkeypatch, tmp_path)
    try:
        assert cli.main(["check", str(unit), "--live", "--impl", "solutions"]) == 1
    finally:
        server.shutdown()
        server.server_close()
    out = capsys.readouterr().out
    assert all(words in out for words in says), out
    assert "Traceback" not in out and f"failed (status {status})" in out, out
    assert not (tmp_path / "live" / find(unit).slug).exists()  # an error is never kept to replay


def test_a_test_resting_on_the_reference_measurements_says_so_when_it_fails_live(stand_in, tmp_path, capsys):
    unit = find(7)
    assert live.measurement_tests(unit) == ["test_hybrid_finds_the_keyword_query_that_vectors_alone_miss",
                                            "test_hybrid_finds_the_paraphrase_that_bm25_alone_misses",
                                            "test_reranking_changed_the_top_3_and_the_answer_got_better"]
    tree = tmp_path / "exercises"
    shutil.copytree(ROOT / "solutions", tree)
    path = tree / f"{unit.slug}.py"
    path.write_text(path.read_text() + "\n\ndef hybrid_search(index, query, k=3):\n    return []\n")
    with live.session(unit, None, "check") as endpoint:
        run = runner.run([unit], str(tree), extra=("-k", "keyword_query_that_vectors"), live=endpoint.url)
    out = capsys.readouterr().out
    assert "3 of U07's tests rest on the reference backend's own measurements" in out, out
    failed = [t for t in run.results[unit.slug].tests if t.state == "failed"]
    assert [t.name for t in failed] == ["test_hybrid_finds_the_keyword_query_that_vectors_alone_miss"], failed
    assert live.MEASUREMENT_NOTE in failed[0].message


def test_the_cost_is_the_usage_times_the_list_prices():
    from kata.models import CLAUDE, EMBEDDING_MODEL, PRICES_PER_MTOK

    reply = json.dumps({"usage": {"input_tokens": 1_000_000, "output_tokens": 2_000_000}})
    assert live.usage_of("/v1/messages", {"model": CLAUDE}, reply)[3] == pytest.approx(
        PRICES_PER_MTOK[CLAUDE][0] + 2 * PRICES_PER_MTOK[CLAUDE][1])
    embedded = json.dumps({"usage": {"total_tokens": 500_000}})
    assert live.usage_of("/v1/embeddings", {"model": EMBEDDING_MODEL}, embedded)[3] == pytest.approx(
        PRICES_PER_MTOK[EMBEDDING_MODEL][0] / 2)
    assert live.usage_of("/v1/messages", {"model": "a-model-with-no-price"}, reply)[3] is None


def test_a_live_child_is_sandboxed_but_for_the_network(stand_in, tmp_path):
    """--live keeps the host's network (the endpoint listens on its loopback) and every other wall: the
    learner's code still cannot write outside its temporary folder. It never sees the keys either: the
    endpoint adds them (the stand-in got the dummy key, see the first test), the code gets placeholders."""
    unit = find(4)
    tree = tmp_path / "exercises"
    shutil.copytree(ROOT / "solutions", tree)
    escape = tmp_path / "written-by-learner-code"
    path = tree / f"{unit.slug}.py"
    path.write_text(path.read_text() + (
        "\n\nimport os\n_embed = embed\n\ndef embed(texts):\n"
        f"    if os.environ['VOYAGE_API_KEY'] != {live.PLACEHOLDER_KEY!r}:\n        raise RuntimeError('the key reached the code')\n"
        f"    try:\n        open({str(escape)!r}, 'w').write('out')\n    except OSError:\n        pass\n"
        "    return _embed(texts)\n"))
    with live.session(unit, None, "check") as endpoint:
        result = runner.run([unit], str(tree), live=endpoint.url).results[unit.slug]
    assert result.status == "done", [t.message for t in result.tests if t.state != "passed"]
    if result.sandbox:  # no sandbox on this system: nothing more to prove here
        pytest.skip(result.sandbox)
    assert not escape.exists()
