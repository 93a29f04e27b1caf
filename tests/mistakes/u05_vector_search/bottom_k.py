"""Sorts the scores from lowest to highest, so it returns the k least similar documents (bottom-k)."""

from solutions.u05_vector_search import *  # noqa: F403  the reference, with one function done wrong
from solutions.u05_vector_search import cosine


def top_k(index, query_vector, k=3):
    scored = sorted((cosine(query_vector, entry["vector"]), entry["id"]) for entry in index)  # ascending
    return [doc_id for _, doc_id in scored[:k]]
