"""Off by one: slices [1:k+1], skipping the best match as if it were the query itself."""

from solutions.u05_vector_search import *  # noqa: F403  the reference, with one function done wrong
from solutions.u05_vector_search import cosine


def top_k(index, query_vector, k=3):
    scored = sorted(((cosine(query_vector, e["vector"]), e["id"]) for e in index), reverse=True)
    return [doc_id for _, doc_id in scored[1 : k + 1]]  # "the first hit is always the query itself"
