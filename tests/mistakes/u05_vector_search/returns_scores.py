"""Returns (score, id) pairs instead of the ids alone."""

from solutions.u05_vector_search import *  # noqa: F403  the reference, with one function done wrong
from solutions.u05_vector_search import cosine


def top_k(index, query_vector, k=3):
    scored = sorted(((cosine(query_vector, e["vector"]), e["id"]) for e in index), reverse=True)
    return scored[:k]
