"""Re-embeds every document together with each query, instead of embedding only the query."""

from solutions.u05_vector_search import *  # noqa: F403  the reference, with one function done wrong
from solutions.u05_vector_search import cosine, embed


def search(index, query, k=3):
    *doc_vectors, query_vector = embed([entry["text"] for entry in index] + [query])  # the whole corpus, again
    scored = sorted(((cosine(query_vector, v), e["id"]) for e, v in zip(index, doc_vectors)), reverse=True)
    return [doc_id for _, doc_id in scored[:k]]
