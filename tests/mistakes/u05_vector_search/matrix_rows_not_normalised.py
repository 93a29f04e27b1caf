"""to_matrix stacks the vectors but forgets to normalise the rows, so long vectors win every search."""

import numpy as np

from solutions.u05_vector_search import *  # noqa: F403  the reference, with one function done wrong


def to_matrix(vectors):
    return np.asarray(vectors, dtype=float)
