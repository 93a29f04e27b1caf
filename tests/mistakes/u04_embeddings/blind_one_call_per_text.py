"""embed() makes one API call per text in a loop instead of a single call for the whole list.

U04 · Embeddings.
"""

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
    vectors = []
    for text in texts:
        vectors.append(list(_client().embed([text], model=EMBEDDING_MODEL).embeddings[0]))
    return vectors


def cosine(a: list[float], b: list[float]) -> float:
    if len(a) != len(b):
        raise ValueError(f"cosine: dimensions {len(a)} and {len(b)} differ")
    dot = sum(x * y for x, y in zip(a, b))
    norm_a = math.sqrt(sum(x * x for x in a))
    norm_b = math.sqrt(sum(y * y for y in b))
    if norm_a == 0 or norm_b == 0:
        raise ValueError("cosine: a zero vector has no direction")
    return max(-1.0, min(1.0, dot / (norm_a * norm_b)))

