"""U04 · Embeddings — plain loops, one cached client."""

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


@functools.cache
def _client() -> voyageai.Client:
    return voyageai.Client()


def embed(texts: list[str]) -> list[list[float]]:
    result = _client().embed(texts, model=EMBEDDING_MODEL)
    vectors = []
    for vector in result.embeddings:
        vectors.append(list(vector))
    return vectors


def cosine(a: list[float], b: list[float]) -> float:
    if len(a) != len(b):
        raise ValueError(f"cosine: dimensions {len(a)} and {len(b)} differ")
    dot = 0.0
    norm_a = 0.0
    norm_b = 0.0
    for x, y in zip(a, b):
        dot += x * y
        norm_a += x * x
        norm_b += y * y
    if norm_a == 0 or norm_b == 0:
        raise ValueError("cosine: a zero vector has no direction")
    value = dot / (math.sqrt(norm_a) * math.sqrt(norm_b))
    if value > 1.0:
        value = 1.0
    if value < -1.0:
        value = -1.0
    return value
