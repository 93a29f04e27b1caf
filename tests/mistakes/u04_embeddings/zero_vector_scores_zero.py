"""Returns 0.0 for a zero vector instead of raising: a missing embedding then looks merely unrelated."""

import numpy as np

from solutions.u04_embeddings import *  # noqa: F403  the reference, with one function done wrong


def cosine(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"different dimensions ({a.shape} and {b.shape})")
    norms = np.linalg.norm(a) * np.linalg.norm(b)
    return float(a @ b / norms) if norms else 0.0
