"""Feeds BM25 the raw words, text.split(): capitals and punctuation stay, so "inc-20931?" matches nothing."""

from rank_bm25 import BM25Okapi

from solutions.u07_production_rag import *  # noqa: F403  the reference, with one function done wrong


def bm25_search(index, query, k=30):
    bm25 = BM25Okapi([entry["text"].split() for entry in index])
    scores = bm25.get_scores(query.split())
    order = sorted(range(len(index)), key=lambda i: -scores[i])
    return [(index[i]["id"], float(scores[i])) for i in order[:k]]
