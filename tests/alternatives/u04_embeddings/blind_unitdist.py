"""U04 · Embeddings — cosine via unit vectors: normalise both, then 1 - |u - v|² / 2."""

from __future__ import annotations

import functools
import math

import voyageai

from kata.models import EMBEDDING_MODEL

# Step 1 of the course: three sentences, (1) about cats, (2) about kittens, (3) about cars.
CATS = "My cat likes to sleep in the sun."
KITTENS = "My kitten likes to nap in the sun."
CARS = "My car needs new tires."

# The Stretch's adversarial pair: same topic, opposite sentiment.
GREAT = "cats are great"
TERRIBLE = "cats are terrible"


_client = None


def embed(texts: list[str]) -> list[list[float]]:
    global _client
    if _client is None:
        _client = voyageai.Client()
    response = _client.embed(texts, model=EMBEDDING_MODEL)
    return [list(map(float, v)) for v in response.embeddings]


def _unit(v: list[float], name: str) -> list[float]:
    length = math.hypot(*v) if v else 0.0
    if length == 0.0:
        raise ValueError(f"cosine: vector {name} is all zeros, so it has no direction")
    return [x / length for x in v]


def cosine(a: list[float], b: list[float]) -> float:
    if len(a) != len(b):
        raise ValueError(f"cosine: length mismatch, a has {len(a)} numbers and b has {len(b)}")
    u, v = _unit(a, "a"), _unit(b, "b")
    # For unit vectors |u - v|² = 2 - 2·cos, so cos = 1 - |u - v|² / 2 (symmetric by construction).
    squared_distance = math.fsum((x - y) ** 2 for x, y in zip(u, v))
    return max(-1.0, min(1.0, 1.0 - squared_distance / 2.0))
