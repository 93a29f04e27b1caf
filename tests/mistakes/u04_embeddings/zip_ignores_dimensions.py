"""No dimension check: zip() silently drops the extra numbers of the longer vector."""

import math

from solutions.u04_embeddings import *  # noqa: F403  the reference, with one function done wrong


def cosine(a, b):
    pairs = list(zip(a, b))
    dot = sum(x * y for x, y in pairs)
    norm_a = math.sqrt(sum(x * x for x, _ in pairs))
    norm_b = math.sqrt(sum(y * y for _, y in pairs))
    if norm_a == 0 or norm_b == 0:
        raise ValueError("a zero vector has no direction")
    return dot / (norm_a * norm_b)
