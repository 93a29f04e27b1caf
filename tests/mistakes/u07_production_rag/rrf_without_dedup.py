"""Reciprocal rank fusion without de-duplication: a chunk both retrievers found comes back twice, each share alone."""

from solutions.u07_production_rag import *  # noqa: F403  the reference, with one function done wrong


def fuse(rankings, k=60):
    shares = [(1 / (k + rank), doc_id) for ranking in rankings for rank, (doc_id, _) in enumerate(ranking, 1)]
    return [doc_id for _, doc_id in sorted(shares, key=lambda pair: -pair[0])]
