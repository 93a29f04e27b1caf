"""U04 · Embeddings — numpy for the maths, a fresh client per call."""

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

import numpy as np


def embed(texts: list[str]) -> list[list[float]]:
    client = voyageai.Client()
    return [[float(x) for x in v] for v in client.embed(texts, model=EMBEDDING_MODEL).embeddings]


def cosine(a: list[float], b: list[float]) -> float:
    va = np.asarray(a, dtype=float)
    vb = np.asarray(b, dtype=float)
    if va.shape != vb.shape:
        raise ValueError(f"cosine: vectors have different lengths, {va.size} and {vb.size}")
    na, nb = np.linalg.norm(va), np.linalg.norm(vb)
    if na == 0.0 or nb == 0.0:
        raise ValueError("cosine: zero vector (all zeros) has no direction")
    return float(np.clip(va @ vb / (na * nb), -1.0, 1.0))
