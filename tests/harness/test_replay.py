"""Replay answers whatever a learner sends: recorded requests replay, others are computed offline by the
reference backend (saying so), requests the real API refuses get its error, and two places keep the diff:
--strict-replay, and a cassette recorded live.

The requests go through vcrpy in this process, as the plugin configures it, with cassettes written
here: no server, no network.
"""

from __future__ import annotations

import json

import anthropic
import httpx
import pytest
import requests
import vcr
import voyageai
import voyageai.error
import yaml
from vcr.errors import CannotOverwriteExistingCassetteException

from kata import backend
from kata.world import cassettes, replay
from kata.running import runner, worker
from kata.models import CLAUDE, EMBEDDING_MODEL, LOCAL_MODEL
from kata.world.offline import RECORDING_ENV
from kata.units import UNITS

pytestmark = pytest.mark.harness

VOYAGE = "https://api.voyageai.com/v1/embeddings"
ANTHROPIC = "https://api.anthropic.com/v1/messages"
OLLAMA = "http://localhost:11434/api/chat"

EMBED = {"input": ["cats"], "model": EMBEDDING_MODEL, "input_type": None, "truncation": True,
         "output_dtype": None, "output_dimension": None, "encoding_format": "base64"}
MESSAGE = {"model": CLAUDE, "max_tokens": 50, "messages": [{"role": "user", "content": "QUESTION: who?\nAnswer briefly."}]}


def interaction(uri: str, body: dict, live: bool = False) -> dict:
    """One recorded interaction; its response made by the reference backend (or stamped as live)."""
    from urllib.parse import urlsplit

    status, headers, payload = backend.handle("POST", urlsplit(uri).path, body)
    if live:
        headers = {k: v for k, v in headers.items() if not k.lower().startswith("x-kata-")}
        headers["x-kata-provenance"] = "recorded live by `kata record --live`"
    return {"request": {"body": json.dumps(body), "headers": {"Content-Type": ["application/json"]},
                        "method": "POST", "uri": uri},
            "response": {"body": {"string": json.dumps(payload)}, "headers": {k: [v] for k, v in headers.items()},
                         "status": {"code": status, "message": "OK"}}}


@pytest.fixture
def cassette(tmp_path, monkeypatch):
    """Use a cassette holding the given interactions, replayed as the plugin replays (record mode none)."""
    monkeypatch.delenv(RECORDING_ENV, raising=False)
    before = replay.strict()

    def use(*interactions, strict=False):
        path = tmp_path / f"cassette{len(list(tmp_path.iterdir()))}.yaml"
        path.write_text(yaml.safe_dump({"interactions": list(interactions), "version": 1}))
        replay.configure(strict=strict)
        recorder = vcr.VCR(record_mode="none")
        recorder.register_matcher("json_body", cassettes.json_body)
        for name, value in cassettes.vcr_config().items():
            setattr(recorder, name, value)
        return recorder.use_cassette(str(path))

    yield use
    replay.configure(strict=before)


def post(uri, body):
    return httpx.post(uri, json=body, timeout=60)


def computed(response) -> bool:
    return response.headers.get(replay.REPLAY_HEADER) == replay.COMPUTED


def miss_of(error_info) -> CannotOverwriteExistingCassetteException:
    miss = cassettes.cassette_miss(error_info.value)
    assert miss is not None, repr(error_info.value)
    return miss


# --- what a cassette holds replays; anything else is computed, and says so


def test_a_recorded_request_replays_from_the_cassette(cassette):
    with cassette(interaction(VOYAGE, EMBED)):
        response = post(VOYAGE, EMBED)
    assert response.status_code == 200 and not computed(response)
    assert "x-kata-backend" in response.headers


@pytest.mark.parametrize("change", [
    {"input": ["dogs"]},  # other texts
    {"input": ["cats", "kittens", "cars"]},  # other batching
    {"input_type": "query"},  # an argument the recording did not send
    {"model": "voyage-3-large"},  # another real model
], ids=["texts", "batching", "input-type", "model"])
def test_another_embedding_request_is_computed_offline(cassette, change):
    body = {**EMBED, **change}
    with cassette(interaction(VOYAGE, EMBED)):
        result = voyageai.Client(api_key="x", max_retries=0).embed(body["input"], model=body["model"],
                                                                    input_type=body["input_type"])
        response = post(VOYAGE, body)
    assert len(result.embeddings) == len(body["input"]) and len(result.embeddings[0]) == 384
    assert computed(response) and "reference backend" in response.headers["x-kata-backend"]
    assert body["model"] in response.headers["x-kata-model"]


def test_the_same_request_sent_twice_is_replayed_then_computed(cassette):
    with cassette(interaction(VOYAGE, EMBED)):
        first, second = post(VOYAGE, EMBED), post(VOYAGE, EMBED)
    assert not computed(first) and computed(second)
    assert first.json()["data"] == second.json()["data"]  # deterministic: the same vectors


@pytest.mark.parametrize("change", [
    {"messages": [{"role": "user", "content": "QUESTION: who?\n\nAnswer in one line."}]},  # the learner's wording
    {"model": "claude-opus-4-1", "max_tokens": 200},  # another real model, another budget
    {"system": "You are terse."},
], ids=["wording", "model", "system"])
def test_another_message_is_computed_offline_and_the_sdk_reads_it(cassette, change):
    body = {**MESSAGE, **change}
    client = anthropic.Anthropic(api_key="x", max_retries=0)
    with cassette(interaction(ANTHROPIC, MESSAGE)):
        raw = client.messages.with_raw_response.create(**body)
        again = client.messages.create(**body)
    message = raw.parse()
    assert raw.headers.get(replay.REPLAY_HEADER) == replay.COMPUTED
    assert message.content[0].type == "text" and message.usage.input_tokens > 0
    assert again.model_dump() == message.model_dump()  # the same request, the same answer


def test_an_ollama_chat_no_cassette_holds_is_computed(cassette):
    body = {"model": LOCAL_MODEL, "stream": False, "messages": [{"role": "user", "content": "Say hello."}]}
    with cassette(interaction(ANTHROPIC, MESSAGE)):
        response = requests.post(OLLAMA, json=body, timeout=60)
    response.raise_for_status()
    assert response.headers[replay.REPLAY_HEADER] == replay.COMPUTED and response.json()["done"] is True


# --- what the real API refuses gets the real API's error, raised by the SDK's own class


@pytest.mark.parametrize(("call", "error"), [
    (lambda c: c.messages.create(model="claude-9", max_tokens=10, messages=[{"role": "user", "content": "hi"}]),
     anthropic.NotFoundError),
    # messages.create() itself requires max_tokens (a TypeError before any request): send the body as it is
    (lambda c: c.post("/v1/messages", body={"model": CLAUDE, "messages": [{"role": "user", "content": "hi"}]},
                      cast_to=object), anthropic.BadRequestError),
    (lambda c: c.messages.create(model=CLAUDE, max_tokens=10, messages=[{"role": "user", "content": 42}]),
     anthropic.BadRequestError),
    (lambda c: c.messages.create(model=CLAUDE, max_tokens=10, messages=[{"role": "user", "content": None}]),
     anthropic.BadRequestError),
    (lambda c: c.messages.count_tokens(model="claude-9", messages=[{"role": "user", "content": "hi"}]),
     anthropic.NotFoundError),
], ids=["unknown-model", "missing-max-tokens", "content-an-int", "content-none", "count-unknown-model"])
def test_a_request_anthropic_refuses_raises_the_sdks_error(cassette, call, error):
    with cassette(interaction(ANTHROPIC, MESSAGE)), pytest.raises(error) as raised:
        call(anthropic.Anthropic(api_key="x", max_retries=0))
    body = raised.value.body
    assert isinstance(body, dict) and body["type"] == "error" and body["error"]["message"], body


@pytest.mark.parametrize("call", [
    lambda c: c.embed(["cats"], model="voyage-9"),
    lambda c: c.embed(["cats"], model=EMBEDDING_MODEL, input_type="passage"),
    lambda c: c.rerank("cats", ["kittens"], model="rerank-9"),
    lambda c: c.rerank("cats", ["kittens"], model=EMBEDDING_MODEL),  # an embedding model is no re-ranker
], ids=["unknown-model", "unknown-input-type", "unknown-reranker", "embedder-as-reranker"])
def test_a_request_voyage_refuses_raises_the_sdks_error(cassette, call):
    with cassette(interaction(VOYAGE, EMBED)), pytest.raises(voyageai.error.InvalidRequestError) as raised:
        call(voyageai.Client(api_key="x", max_retries=0))
    assert raised.value.http_status == 400 and raised.value.json_body.get("detail"), raised.value.json_body


def test_an_empty_input_list_gets_voyages_400(cassette):
    with cassette(interaction(VOYAGE, EMBED)):
        response = post(VOYAGE, {**EMBED, "input": []})
    assert response.status_code == 400 and response.json()["detail"] and computed(response)


def test_an_unknown_ollama_model_gets_its_404_and_requests_raises(cassette):
    body = {"model": "llama9:1b", "stream": False, "messages": [{"role": "user", "content": "hi"}]}
    with cassette(interaction(VOYAGE, EMBED)):
        response = requests.post(OLLAMA, json=body, timeout=60)
    with pytest.raises(requests.HTTPError):
        response.raise_for_status()
    assert response.status_code == 404 and "not found" in response.json()["error"]


# --- where the diff stays: --strict-replay, a cassette recorded live, and anything that is no API


def test_strict_replay_keeps_the_diff(cassette):
    with cassette(interaction(VOYAGE, EMBED), strict=True), pytest.raises(Exception) as raised:
        post(VOYAGE, {**EMBED, "model": "voyage-3-large"})
    text = replay.explain_miss(miss_of(raised))
    assert 'model: "voyage-3-large" in your request, "voyage-3" recorded' in text, text
    assert "recorded live" not in text and "computed" not in text, text


@pytest.mark.parametrize("live", ["no-backend-header", "1024-d-vectors"])
def test_a_cassette_recorded_live_keeps_the_diff_and_says_why(cassette, live):
    recorded = interaction(VOYAGE, EMBED, live=live == "no-backend-header")
    if live == "1024-d-vectors":
        payload = json.loads(recorded["response"]["body"]["string"])
        payload["data"][0]["embedding"] = [0.0] * 1024
        recorded["response"]["body"]["string"] = json.dumps(payload)
    with cassette(recorded), pytest.raises(Exception) as raised:
        post(VOYAGE, {**EMBED, "input": ["dogs"]})
    text = replay.explain_miss(miss_of(raised))
    assert 'input[0]: "dogs" in your request, "cats" recorded' in text, text
    assert text.splitlines()[-1].startswith("This cassette ") and "cannot be computed offline" in text, text


def test_a_request_to_no_api_stays_blocked(cassette):
    with cassette(interaction(VOYAGE, EMBED)), pytest.raises(Exception) as raised:
        httpx.get("https://example.com/data.json", timeout=5)
    text = replay.explain_miss(miss_of(raised))
    assert "example.com:443 over the network" in text, text


# --- the solutions run both ways: `kata verify` replays them strictly; here, the way a learner runs

API_UNITS = [u for u in UNITS if u.ready and any((cassettes.CASSETTES / u.slug).glob("*.yaml"))]


def test_the_solutions_pass_the_api_units_with_computed_answers_on():
    """`kata verify` runs the solutions under --strict-replay (every recording is still the request the
    solution sends); this runs the API units' tests on them as a learner does, through the worker."""
    args = runner.pytest_args(API_UNITS, "solutions", (), False)
    assert "--strict-replay" not in args
    results = worker.run([worker.Job(API_UNITS, runner.ROOT / "solutions", (), args)])[0]
    assert sorted(results) == sorted(u.slug for u in API_UNITS) and all(r.tests for r in results.values()), results
    wrong = {slug: (r.status, [t.name for t in r.tests if not t.passed]) for slug, r in results.items() if r.status != "done"}
    assert not wrong, wrong
