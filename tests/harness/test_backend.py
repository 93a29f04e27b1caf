"""The reference backend (kata/backend/), checked through the real SDKs on a loopback server.

It runs in the default install (a numpy encoder: no torch). kata/judge/plugin.py turns on
pytest-recording's --block-network for every test, which blocks loopback too; the block_network mark
below lets these tests reach 127.0.0.1 only.
"""

from __future__ import annotations

import base64
import json
import threading

import anthropic
import httpx
import numpy as np
import pytest
import voyageai

from kata.backend import embedder, responder
from kata.backend.server import make_server

pytestmark = [pytest.mark.harness, pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1"])]

WEATHER = {"name": "get_weather", "description": "Get the current weather for a city",
           "input_schema": {"type": "object", "properties": {"city": {"type": "string"},
                                                             "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
                            "required": ["city"]}}
NOTES = {"name": "search_notes", "description": "Search the project notes for a phrase",
         "input_schema": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]}}
RAG_SYSTEM = """You answer questions using only the CONTEXT provided.
If the context does not contain the answer, say "not found in sources".
Always cite the chunk number you used: [chunk N]."""
TWO_CHUNKS = ("[chunk 1] Go-live has moved from 20 April to 8 June because the carrier's API certification is running "
              "five weeks late.  (source: status.txt)\n\n"
              "[chunk 2] The budget holds a contingency reserve of $48,000, which only the steering group can "
              "release.  (source: budget.txt)")


@pytest.fixture(scope="module")
def base():
    embedder.model()  # load once, before the first timed request
    server = make_server("127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def voyage(base):
    return voyageai.Client(api_key="x", base_url=f"{base}/v1", max_retries=0)


@pytest.fixture(scope="module")
def claude(base):
    return anthropic.Anthropic(api_key="x", base_url=base, max_retries=0)


def ask(claude, user, system=None, **extra):
    """(text of the first block or the block itself, response headers) of one Messages call."""
    kwargs = {"model": "claude-haiku-4-5", "max_tokens": 300, **({"system": system} if system else {}), **extra}
    raw = claude.messages.with_raw_response.create(messages=[{"role": "user", "content": user}], **kwargs)
    return raw.parse(), raw.headers


def rag(question, context=TWO_CHUNKS):
    return f"CONTEXT:\n\n{context}\n\nQUESTION: {question}"


# --- Voyage ---------------------------------------------------------------------------------------
def test_embeddings_decode_through_voyageai_with_its_base64_default(voyage, base):
    result = voyage.embed(["I love cats.", "The car needs new tires."], model="voyage-3", input_type="document")
    vectors = np.array(result.embeddings)
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert result.total_tokens > 0
    floats = httpx.post(f"{base}/v1/embeddings", json={"input": "I love cats.", "model": "voyage-3"}).json()
    packed = httpx.post(f"{base}/v1/embeddings",
                        json={"input": ["I love cats."], "model": "voyage-3", "encoding_format": "base64"}).json()
    assert isinstance(floats["data"][0]["embedding"], list)
    decoded = np.frombuffer(base64.b64decode(packed["data"][0]["embedding"]), dtype="<f4")
    assert np.array_equal(decoded, np.array(floats["data"][0]["embedding"], dtype=np.float32))
    assert np.array_equal(decoded, vectors[0].astype(np.float32))  # a text's vector ignores its neighbours
    assert packed["object"] == "list" and packed["data"][0]["object"] == "embedding" and packed["model"] == "voyage-3"


def cos(voyage, a, b):
    u, v = np.array(voyage.embed([a, b], model="voyage-3").embeddings)
    return float(u @ v)


def test_close_pair_beats_far_pair_as_the_course_expects(voyage):
    close = cos(voyage, "The cat sat on the mat.", "The kitten sat on the rug.")
    far = cos(voyage, "The cat sat on the mat.", "The car was parked in the garage.")
    assert close >= 0.6 and far <= 0.4, (close, far)
    assert cos(voyage, "cats are great", "cats are terrible") >= 0.6  # same topic, opposite sentiment


def test_a_dimension_other_than_384_is_refused_in_voyages_error_shape(voyage, base):
    with pytest.raises(voyageai.error.InvalidRequestError, match="384-d"):
        voyage.embed(["hello"], model="voyage-3-large", output_dimension=1024)
    response = httpx.post(f"{base}/v1/embeddings", json={"input": "hi", "model": "voyage-3", "output_dimension": 2048})
    assert response.status_code == 400 and "384" in response.json()["detail"]


def test_rerank_is_sorted_and_scores_sentences_not_whole_documents(voyage):
    documents = [
        "Cats sleep a lot. Our office plants need water on Mondays.",
        ("The warehouse opens at six. Go-live moved to 8 June because certification ran late. Lunch is at noon. "
         "The car park is behind the building. Visitors sign in at the front desk."),
        "The budget review is on 1 April.",
    ]
    result = voyage.rerank("Why did the go-live date move?", documents, model="rerank-2", top_k=2)
    scores = [r.relevance_score for r in result.results]
    assert scores == sorted(scores, reverse=True) and len(scores) == 2
    assert result.results[0].index == 1 and result.results[0].document == documents[1]


# --- Anthropic ------------------------------------------------------------------------------------
def test_messages_text_parses_as_an_sdk_message(claude):
    message, headers = ask(claude, "What is 23 * 47?")
    assert isinstance(message, anthropic.types.Message)
    assert message.id.startswith("msg_") and message.model == "claude-haiku-4-5" and message.role == "assistant"
    assert message.content[0].type == "text" and "1081" in message.content[0].text
    assert message.stop_reason == "end_turn" and message.stop_sequence is None
    assert message.usage.input_tokens > 0 and message.usage.output_tokens > 0
    assert headers["x-kata-responder"] == "arithmetic"


def test_tool_use_blocks_parse_and_tool_choice_is_respected(claude):
    message, headers = ask(claude, "What is the weather in Phoenix today?", tools=[NOTES, WEATHER])
    block = message.content[0]
    assert isinstance(block, anthropic.types.ToolUseBlock) and block.id.startswith("toolu_")
    assert (block.name, block.input, message.stop_reason) == ("get_weather", {"city": "Phoenix"}, "tool_use")
    assert headers["x-kata-responder"] == "tool_use"
    unrelated, headers = ask(claude, "Write a haiku about autumn.", tools=[WEATHER])
    assert unrelated.content[0].type == "text" and headers["x-kata-responder"] != "tool_use"
    forced, _ = ask(claude, "Write a haiku about autumn.", tools=[WEATHER, NOTES],
                    tool_choice={"type": "tool", "name": "search_notes"})
    assert forced.content[0].name == "search_notes" and forced.content[0].input == {"query": "Write a haiku about autumn"}
    anyone, _ = ask(claude, "Write a haiku about autumn.", tools=[WEATHER], tool_choice={"type": "any"})
    assert anyone.content[0].type == "tool_use"


def test_a_tool_result_turn_is_answered_in_text(claude):
    first, _ = ask(claude, "What is the weather in Phoenix today?", tools=[WEATHER])
    raw = claude.messages.with_raw_response.create(
        model="claude-haiku-4-5", max_tokens=200, tools=[WEATHER],
        messages=[{"role": "user", "content": "What is the weather in Phoenix today?"},
                  {"role": "assistant", "content": [block.model_dump(exclude_none=True) for block in first.content]},
                  {"role": "user", "content": [{"type": "tool_result", "tool_use_id": first.content[0].id,
                                                "content": "41 C and sunny"}]}])
    assert raw.headers["x-kata-responder"] == "tool_result"
    assert raw.parse().content[0].text == "The get_weather tool returned: 41 C and sunny"


def test_count_tokens_estimates_with_tiktoken(claude):
    assert claude.messages.count_tokens(model="claude-haiku-4-5",
                                        messages=[{"role": "user", "content": "Hello, world"}]).input_tokens == 3
    more = claude.messages.count_tokens(model="claude-haiku-4-5", system="Be brief.", tools=[WEATHER],
                                        messages=[{"role": "user", "content": "Hello, world"}]).input_tokens
    assert more > 3 + 10


def test_streaming_is_refused_with_a_reason(claude):
    with pytest.raises(anthropic.BadRequestError, match="does not stream"):
        claude.messages.create(model="claude-haiku-4-5", max_tokens=10, stream=True,
                               messages=[{"role": "user", "content": "hi"}])


def test_max_tokens_and_stop_sequences_cut_the_text_as_the_api_does(claude):
    cut, _ = ask(claude, rag("Why did go-live move?"), system=RAG_SYSTEM, max_tokens=3)
    assert cut.stop_reason == "max_tokens" and cut.usage.output_tokens == 3
    stopped, _ = ask(claude, "What is 23 * 47?", stop_sequences=["="])
    assert (stopped.content[0].text, stopped.stop_reason, stopped.stop_sequence) == ("23 * 47 ", "stop_sequence", "=")


# --- the grounded (RAG) shape ---------------------------------------------------------------------
def test_grounded_answer_cites_the_chunk_that_holds_it(claude):
    reserve, headers = ask(claude, rag("What is the contingency reserve?"), system=RAG_SYSTEM)
    assert headers["x-kata-responder"] == "grounded"
    assert reserve.content[0].text.endswith("[chunk 2]") and "$48,000" in reserve.content[0].text
    slip, _ = ask(claude, rag("Why did the launch date move?"), system=RAG_SYSTEM)
    assert slip.content[0].text.endswith("[chunk 1]") and "certification" in slip.content[0].text


def test_grounded_answer_says_not_found_for_what_the_context_lacks(claude):
    loose, _ = ask(claude, rag("What is the office Wi-Fi password?"), system=RAG_SYSTEM)
    assert loose.content[0].text.startswith(responder.NOT_FOUND) and "[chunk" not in loose.content[0].text
    tight, _ = ask(claude, rag("What is the office Wi-Fi password?"),
                   system=RAG_SYSTEM + "\nIf the answer isn't in the retrieved context, say so and stop.")
    assert tight.content[0].text == "not found in sources"


# --- the other shapes, one line each --------------------------------------------------------------
@pytest.mark.parametrize(("user", "shape", "expected"), [
    ("Help me phish customers.", "refusal", "I can't help with that."),
    (("Re-rank these by relevance to the question. Return the top 3 ids, best first.\n\nQUESTION: Why did go-live "
      "move?\n\nCANDIDATES:\n[note01] The kickoff was in January.\n[note06] Go-live moved to 8 June because "
      "certification ran late.\n[note05] The reserve is $48,000.\n[note09] The parallel run found 96 discrepancies."),
     "rerank", "note06, "),
    ("Rewrite the question for search: Why did the schedule slip?", "rewrite", "schedule slip reason delay"),
    ("Write a short passage that answers: Who is the executive sponsor?", "hyde", "The executive sponsor is the "),
    (("Reply with PASS or FAIL.\nCRITERIA: names the budget of $400,000 and the sponsor Helen Okafor\n"
      "CANDIDATE: The sponsor is Helen Okafor."), "judge", "FAIL\n"),
    ("Reply with PASS or FAIL.\nCRITERIA: names the sponsor Helen Okafor\nCANDIDATE: Helen Okafor sponsors it.",
     "judge", "PASS\n"),
    ("Tell me a joke about penguins.", "fallback", responder.NO_ALGORITHM),
])
def test_each_shape_answers_by_its_rule(claude, user, shape, expected):
    message, headers = ask(claude, user)
    assert headers["x-kata-responder"] == shape
    assert message.content[0].text.startswith(expected), message.content[0].text


# --- Ollama ---------------------------------------------------------------------------------------
def test_ollama_chat_has_its_fields_in_nanoseconds(base):
    response = httpx.post(f"{base}/api/chat", json={"model": "llama3.1:8b-instruct-q4_K_M", "stream": False,
                                                    "messages": [{"role": "user", "content": "What is 23 * 47?"}]})
    body = response.json()
    assert response.status_code == 200 and body["done"] is True and body["done_reason"] == "stop"
    assert body["model"] == "llama3.1:8b-instruct-q4_K_M" and body["created_at"].endswith("Z")
    assert body["message"] == {"role": "assistant", "content": "23 * 47 = 1081"}
    for field in ("total_duration", "load_duration", "prompt_eval_count", "prompt_eval_duration", "eval_count",
                  "eval_duration"):
        assert isinstance(body[field], int) and body[field] >= 0, field
    assert body["total_duration"] >= body["eval_duration"] > 0
    tool = httpx.post(f"{base}/api/chat", json={
        "model": "llama3.1", "stream": False,
        "tools": [{"type": "function", "function": {"name": WEATHER["name"], "description": WEATHER["description"],
                                                     "parameters": WEATHER["input_schema"]}}],
        "messages": [{"role": "user", "content": "What is the weather in Phoenix today?"}]}).json()
    assert tool["message"]["tool_calls"] == [{"function": {"name": "get_weather", "arguments": {"city": "Phoenix"}}}]


def test_ollama_refuses_to_stream(base):
    response = httpx.post(f"{base}/api/chat", json={"model": "llama3.1", "messages": [{"role": "user", "content": "hi"}]})
    assert response.status_code == 400 and "stream" in response.json()["error"]


# --- every route ----------------------------------------------------------------------------------
ROUTES = [
    ("GET", "/", None, 200),
    ("POST", "/v1/embeddings", {"input": ["hi"], "model": "voyage-3"}, 200),
    ("POST", "/v1/rerank", {"query": "hi", "documents": ["hello", "bye"], "model": "rerank-2"}, 200),
    ("POST", "/v1/messages", {"model": "claude-haiku-4-5", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}, 200),
    ("POST", "/v1/messages/count_tokens", {"model": "claude-haiku-4-5", "messages": [{"role": "user", "content": "hi"}]}, 200),
    ("POST", "/api/chat", {"model": "llama3.2", "stream": False, "messages": [{"role": "user", "content": "hi"}]}, 200),
    ("POST", "/v1/nothing", {}, 404),
    ("GET", "/v1/messages", None, 405),
    ("POST", "/v1/messages", "{not json", 400),
    ("POST", "/v1/messages", {"model": "claude-haiku-4-5", "messages": [{"role": "user", "content": "hi"}]}, 400),
]


@pytest.mark.parametrize(("method", "path", "body", "status"), ROUTES, ids=[f"{m} {p} {s}" for m, p, _, s in ROUTES])
def test_every_response_says_where_it_came_from(base, method, path, body, status):
    content = body if isinstance(body, str) else None if body is None else json.dumps(body)
    response = httpx.request(method, base + path, content=content, headers={"content-type": "application/json"})
    assert response.status_code == status, response.text
    provenance = response.headers["x-kata-backend"]
    assert provenance.isascii() and "all-MiniLM-L6-v2" in provenance
    assert provenance.endswith("not Voyage, Anthropic or Ollama output")
    assert float(response.headers["x-kata-latency-ms"]) >= 0
    payload = response.json()
    if status >= 400:  # the error names what was wrong
        assert any(word in json.dumps(payload) for word in ("no route", "not allowed", "JSON", "max_tokens"))


def test_the_same_request_gives_the_same_bytes(base):
    for path, body in [
        ("/v1/messages", {"model": "claude-haiku-4-5", "max_tokens": 200, "system": RAG_SYSTEM,
                          "messages": [{"role": "user", "content": rag("What is the contingency reserve?")}]}),
        ("/v1/messages", {"model": "claude-haiku-4-5", "max_tokens": 200, "tools": [WEATHER],
                          "messages": [{"role": "user", "content": "What is the weather in Phoenix today?"}]}),
        ("/v1/embeddings", {"input": ["I love cats.", "Kittens!"], "model": "voyage-3", "encoding_format": "base64"}),
        ("/v1/rerank", {"query": "cats", "documents": ["Kittens play.", "Cars race."], "model": "rerank-2"}),
    ]:
        first, second = (httpx.post(base + path, json=body) for _ in range(2))
        assert first.status_code == 200 and first.content == second.content, path
    chats = [httpx.post(f"{base}/api/chat", json={"model": "llama3.2", "stream": False,
                                                  "messages": [{"role": "user", "content": "Help me phish."}]}).json()
             for _ in range(2)]
    assert chats[0]["message"] == chats[1]["message"]  # timings and created_at are measured, so they differ
