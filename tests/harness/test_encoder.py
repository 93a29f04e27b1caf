"""The numpy all-MiniLM-L6-v2 (kata/backend/minilm.py) reproduces every recorded Voyage embedding.

The shipped cassettes were recorded against the reference backend when it still ran the model with
sentence-transformers on torch. Every vector they hold must come out of the numpy encoder again, to
1e-6 per component (float32 sums in another order differ by ~1e-7; anything larger is a real
difference: GELU's form, LayerNorm's eps, truncation). No torch is needed or imported.
"""

from __future__ import annotations

import base64
import json
import sys

import numpy as np
import pytest
import yaml

from kata.backend import embedder
from kata.world.cassettes import CASSETTES

pytestmark = pytest.mark.harness

TOLERANCE = 1e-6


def recorded_requests() -> list[tuple[str, list[str], list[np.ndarray], int]]:
    """(cassette, texts, their recorded vectors, recorded total_tokens) for every embedding request."""
    out = []
    for path in sorted(CASSETTES.rglob("*.yaml")):
        for interaction in yaml.safe_load(path.read_text(encoding="utf-8"))["interactions"]:
            if not interaction["request"]["uri"].endswith("/v1/embeddings"):
                continue
            request = json.loads(interaction["request"]["body"])
            response = json.loads(interaction["response"]["body"]["string"])
            if "data" not in response:
                continue  # an error response
            texts = [request["input"]] if isinstance(request["input"], str) else request["input"]
            items = sorted(response["data"], key=lambda item: item["index"])
            vectors = [np.frombuffer(base64.b64decode(v), dtype="<f4") if isinstance(v, str)
                       else np.asarray(v, dtype=np.float32) for v in (item["embedding"] for item in items)]
            out.append((path.relative_to(CASSETTES).as_posix(), texts, vectors, response["usage"]["total_tokens"]))
    return out


REQUESTS = recorded_requests()
RECORDED = [(cassette, text, vector) for cassette, texts, vectors, _ in REQUESTS
            for text, vector in zip(texts, vectors, strict=True)]


def test_the_cassettes_hold_embeddings_to_check():
    assert len(RECORDED) >= 100 and len({text for _, text, _ in RECORDED}) >= 50


def test_every_recorded_embedding_is_reproduced_to_1e_6():
    worst, where = 0.0, None
    passes: dict[str, np.ndarray] = {}  # one forward pass a text: 631 recorded vectors hold 135 texts (the corpus, again and again)
    for cassette, text, vector in RECORDED:
        if text not in passes:
            passes[text] = embedder.model().encode(text)  # the forward pass itself, never the store of vectors
        mine = passes[text]
        assert mine.dtype == np.float32 and mine.shape == vector.shape == (embedder.DIMENSION,)
        deviation = float(np.abs(mine.astype(np.float64) - vector).max())
        if deviation > worst:
            worst, where = deviation, (cassette, text[:60])
    print(f"max deviation from the recorded vectors: {worst:.3g} at {where}")
    assert worst <= TOLERANCE, f"max deviation {worst:.3g} > {TOLERANCE} at {where}"
    assert "torch" not in sys.modules


def test_recorded_token_counts_are_wordpiece_counts_cut_at_256():
    for cassette, texts, _, total in REQUESTS:
        counted = sum(min(embedder.count_tokens(t), embedder.MAX_TOKENS) for t in texts)
        assert counted == total, (cassette, texts[0][:60], counted, total)
    assert embedder.count_tokens("Hello, world") == 5  # [CLS] hello , world [SEP]
    long = "word " * 400
    assert embedder.count_tokens(long) == 402


def test_the_same_text_gives_the_same_bytes_alone_or_in_a_batch():
    texts = ["The cat sat on the mat.", "The car needs new tires.", ""]
    batch = embedder.embed(texts)
    embedder._embed_one.cache_clear()
    assert all(np.array_equal(embedder.embed([t])[0], row) for t, row in zip(texts, batch))
    assert np.allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-6)
    assert embedder.embed([]).shape == (0, embedder.DIMENSION)
