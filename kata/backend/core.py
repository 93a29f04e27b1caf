"""One in-process entry point for every route: `handle(method, path, body) -> (status, headers, body)`.

The HTTP server (server.py) calls it for `kata serve` and `kata record`; replay can call it directly,
with no server and no socket. Every response, an error included, carries `x-kata-backend` (what made
it: never Voyage, Anthropic or Ollama) and `x-kata-latency-ms` (the backend's own time). Messages and
chat add `x-kata-responder` (the prompt shape that answered); routes that count tokens add
`x-kata-tokens` (which tokenizer counted). Errors come in the shape of the provider whose route was
called, naming what was wrong.
"""

from __future__ import annotations

import sys
import time
import traceback

import kata.backend.anthropic as anthropic
import kata.backend.embedder as embedder
import kata.backend.ollama as ollama
import kata.backend.responder as responder
import kata.backend.voyage as voyage
from kata.backend.common import TOKENS_MINILM, TOKENS_TIKTOKEN, ApiError

__version__ = "1.0.0"
MODEL_PROVENANCE = "all-MiniLM-L6-v2 (384-d, numpy forward pass, CPU)"
PROVENANCE = (f"foundations-katas reference backend {__version__}; embeddings={MODEL_PROVENANCE}; "
              f"messages={responder.RESPONDER_NAME} {responder.RESPONDER_VERSION} (deterministic rules over MiniLM "
              f"embeddings, no language model); not Voyage, Anthropic or Ollama output")
assert PROVENANCE.isascii() and "\n" not in PROVENANCE

PROVIDERS = (voyage, anthropic, ollama)


def index(body) -> tuple[dict, dict]:
    """GET /: what this server is."""
    return ({
        "name": "foundations-katas reference backend",
        "version": __version__,
        "what": ("A local stand-in that speaks the Voyage, Anthropic and Ollama wire formats so the kata's "
                 "cassettes can be recorded offline. It is not Voyage, Anthropic or Ollama: embeddings come "
                 "from all-MiniLM-L6-v2 and messages from a deterministic rule-based responder."),
        "embeddings": embedder.version(),
        "responder": responder.describe(),
        "token_counts": {"anthropic_and_ollama": TOKENS_TIKTOKEN, "voyage": TOKENS_MINILM},
        "routes": [f"{method} {path}" for method, path in ROUTES],
    }, {})


ROUTES = {("GET", "/"): index} | {("POST", path): route for provider in PROVIDERS
                                  for path, route in provider.ROUTES.items()}


def handle(method: str, path: str, body: dict | None) -> tuple[int, dict, dict]:
    """Answer one request: (HTTP status, response headers, JSON body). Never raises."""
    start = time.perf_counter()
    path = path.rstrip("/") or "/"
    try:
        route = _route(method, path)
        if method == "POST" and not isinstance(body, dict):
            raise ApiError(400, f"the request body must be a JSON object, got {type(body).__name__}")
        status, (payload, headers) = 200, route(body)
        if (isinstance(body, dict) and isinstance(body.get("model"), str) and body["model"].isascii()
                and "x-kata-model" not in headers):  # a real model name (the route checked), unless the route said who answered
            headers = {**headers, "x-kata-model": f"{body['model']} (a real model name): answered by this "
                                                  f"reference backend, not by {body['model']}"}
    except ApiError as error:
        status, payload, headers = error.status, error_body(path, error.status, error.message), {}
    except Exception as error:  # noqa: BLE001 - a bug in the backend: say so, in the provider's shape
        traceback.print_exc(file=sys.stderr)
        status, headers = 500, {}
        payload = error_body(path, 500, f"kata reference backend error: {type(error).__name__}: {error}")
    return status, _stamp(headers, start), payload


def reject(method: str, path: str, message: str, status: int = 400) -> tuple[int, dict, dict]:
    """An error for a body the HTTP layer could not read (not JSON: 400; too large: 413), or a 404 or
    405 if the route itself is wrong."""
    start = time.perf_counter()
    path = path.rstrip("/") or "/"
    try:
        _route(method, path)
        error = ApiError(status, message)
    except ApiError as wrong_route:
        error = wrong_route
    return error.status, _stamp({}, start), error_body(path, error.status, error.message)


def _route(method: str, path: str):
    route = ROUTES.get((method, path))
    if route is None:
        allowed = [m for m, p in ROUTES if p == path]
        if allowed:
            raise ApiError(405, f"{method} {path} is not allowed; use {' or '.join(allowed)}")
        raise ApiError(404, f"no route {method} {path}; this server has: " + ", ".join(f"{m} {p}" for m, p in ROUTES))
    return route


def error_body(path: str, status: int, message: str) -> dict:
    """The error in the shape of the provider whose route was called (Anthropic's for unknown paths)."""
    if path.startswith("/api/"):
        return ollama.error(status, message)
    if path in voyage.ROUTES:
        return voyage.error(status, message)
    return anthropic.error(status, message)


def _stamp(headers: dict, start: float) -> dict:
    return {"Content-Type": "application/json", "x-kata-backend": PROVENANCE,
            "x-kata-latency-ms": f"{(time.perf_counter() - start) * 1000:.1f}", **headers}
