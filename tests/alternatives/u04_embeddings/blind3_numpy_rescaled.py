"""U04 · Embeddings.

An embedding turns a text into a list of numbers, and texts that mean similar things land close
together. First get the numbers: one API call that embeds several sentences at once. Then write
cosine similarity yourself, and watch meaning turn into geometry: the cat and kitten sentences point
the same way, the car sentence does not.

Alternative 2: numpy (float64 throughout) for the cosine; the embed result is returned as the SDK gives it.
"""

from __future__ import annotations

import functools
import math

import voyageai
import numpy as np

from kata.models import EMBEDDING_MODEL

# Step 1 of the course: three sentences, (1) about cats, (2) about kittens, (3) about cars.
CATS = "My cat likes to sleep in the sun."
KITTENS = "My kitten likes to nap in the sun."
CARS = "My car needs new tires."

# The Stretch's adversarial pair: same topic, opposite sentiment.
GREAT = "cats are great"
TERRIBLE = "cats are terrible"


def embed(texts: list[str]) -> list[list[float]]:
    """Embed `texts`, a list of str; return one embedding (a list of floats) per text, in their order.

    All the vectors have the same length. Make exactly one API call for the whole list,
    `voyageai.Client().embed(texts, model=EMBEDDING_MODEL)`: the course's call, which sets no other
    option (input_type and the rest are yours to add or leave out). EMBEDDING_MODEL comes from
    kata.models ("voyage-3"). Return the vectors themselves, not the SDK's result object.
    """
    client = voyageai.Client()
    response = client.embed(texts, model=EMBEDDING_MODEL)
    vectors = response.embeddings
    return vectors


def cosine(a: list[float], b: list[float]) -> float:
    """Return the cosine similarity of vectors `a` and `b` (lists of numbers), a float.

    The cosine of the angle between them, as the course's step 3 defines it: 1 for the same direction,
    0 for a right angle, -1 for opposite; always in [-1, 1], and the same both ways round. It depends
    on direction only: scaling either vector by a positive number leaves it unchanged.
    Raise ValueError, with a message that says which problem it is, when the vectors have different
    lengths (give both) or either of them is all zeros (a zero vector has no direction).
    """
    va = np.asarray(a, dtype=np.float64)
    vb = np.asarray(b, dtype=np.float64)
    if va.shape != vb.shape:
        msg = f"different lengths: len(a) = {va.size}, len(b) = {vb.size}"
        zeros = [n for n, v in (("a", va), ("b", vb)) if not np.any(v)]
        if zeros:
            msg += "; also all zeros (no direction): " + ", ".join(zeros)
        raise ValueError(msg)
    for n, v in (("a", va), ("b", vb)):
        if not np.any(v):
            raise ValueError(f"{n} is a zero vector: all zeros, so it has no direction")
    # Scale each by its largest magnitude first: direction is unchanged, overflow/underflow avoided.
    va = va / np.max(np.abs(va))
    vb = vb / np.max(np.abs(vb))
    value = float(np.dot(va, vb) / (np.linalg.norm(va) * np.linalg.norm(vb)))
    return float(np.clip(value, -1.0, 1.0))
