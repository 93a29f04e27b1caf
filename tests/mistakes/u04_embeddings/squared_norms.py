"""Divides by the squared lengths (sum of squares) and forgets the square roots."""

from solutions.u04_embeddings import *  # noqa: F403  the reference, with one function done wrong


def cosine(a, b):
    if len(a) != len(b):
        raise ValueError(f"different dimensions ({len(a)} and {len(b)})")
    dot = sum(x * y for x, y in zip(a, b))
    norm_a, norm_b = sum(x * x for x in a), sum(y * y for y in b)  # no math.sqrt
    if norm_a == 0 or norm_b == 0:
        raise ValueError("a zero vector has no direction")
    return dot / (norm_a * norm_b)
