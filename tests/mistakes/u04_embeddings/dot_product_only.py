"""Cosine without the norms: returns the dot product alone, which only looks right for unit-length vectors."""

from solutions.u04_embeddings import *  # noqa: F403  the reference, with one function done wrong


def cosine(a, b):
    if len(a) != len(b):
        raise ValueError(f"different dimensions ({len(a)} and {len(b)})")
    if not any(a) or not any(b):
        raise ValueError("a zero vector has no direction")
    return sum(x * y for x, y in zip(a, b))
