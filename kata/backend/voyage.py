"""Voyage's wire format: POST /v1/embeddings and POST /v1/rerank.

Embeddings are all-MiniLM-L6-v2's (384-d, whatever the model name), as little-endian float32 in
base64 (what the voyageai SDK asks for) or as a list of floats. Re-ranking is the responder's
sentence-level relevance score. Token counts are MiniLM's WordPiece tokens.
"""

from __future__ import annotations

import base64

import numpy as np

import kata.backend.embedder as embedder
import kata.backend.responder as responder
from kata.backend.common import TOKENS_MINILM, ApiError, required_str
from kata.models import VOYAGE_EMBEDDING_MODELS, VOYAGE_RERANK_MODELS


def model_of(body: dict, offered) -> str:
    """The request's model, if Voyage offers it for this route; else the 400 the real API answers."""
    model = required_str(body, "model")
    if model not in offered:
        raise ApiError(400, f"Model {model} is not supported. Supported models are {list(offered)}.")
    return model

MAX_EMBED_INPUTS = 1000
EMBED_INPUT_TYPES = (None, "query", "document")


def embeddings(body: dict) -> tuple[dict, dict]:
    raw = body.get("input")
    texts = [raw] if isinstance(raw, str) else raw
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
        raise ApiError(400, "input: expected a string or a non-empty list of strings")
    if len(texts) > MAX_EMBED_INPUTS:
        raise ApiError(400, f"input: at most {MAX_EMBED_INPUTS} texts per request, got {len(texts)}")
    model = model_of(body, VOYAGE_EMBEDDING_MODELS)
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
    data = []
    for i, vector in enumerate(embedder.embed(texts)):
        if encoding == "base64":
            value = base64.b64encode(np.asarray(vector, dtype="<f4").tobytes()).decode("ascii")
        else:
            value = [float(x) for x in vector]
        data.append({"object": "embedding", "embedding": value, "index": i})
    usage = {"total_tokens": sum(min(n, embedder.MAX_TOKENS) for n in counts)}
    return {"object": "list", "data": data, "model": model, "usage": usage}, {"x-kata-tokens": TOKENS_MINILM}


def rerank(body: dict) -> tuple[dict, dict]:
    query = required_str(body, "query")
    documents = body.get("documents")
    if not isinstance(documents, list) or not documents or not all(isinstance(d, str) for d in documents):
        raise ApiError(400, "documents: expected a non-empty list of strings")
    model = model_of(body, VOYAGE_RERANK_MODELS)
    top_k = body.get("top_k")
    if top_k is not None and (not isinstance(top_k, int) or isinstance(top_k, bool) or top_k < 1):
        raise ApiError(400, f"top_k: expected null or a positive integer, got {top_k!r}")
    scores = responder.relevance(query, documents, embedder.embed)
    order = sorted(range(len(documents)), key=lambda i: (-scores[i], i))[:top_k]
    data = [{"relevance_score": scores[i], "index": i} for i in order]
    query_tokens = embedder.count_tokens(query)
    total = sum(query_tokens + embedder.count_tokens(d) for d in documents)
    return ({"object": "list", "data": data, "model": model, "usage": {"total_tokens": total}},
            {"x-kata-tokens": TOKENS_MINILM})


def error(status: int, message: str) -> dict:
    return {"detail": message}


ROUTES = {"/v1/embeddings": embeddings, "/v1/rerank": rerank}
