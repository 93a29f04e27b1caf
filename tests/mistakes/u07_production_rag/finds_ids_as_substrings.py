"""Finds the ids in the reply with `in`, so "note10" is found inside "note100" and "n1" inside "n10"."""

from solutions.u07_production_rag import *  # noqa: F403  the reference, with one function done wrong


def read_ranking(reply, ids, n=3):
    named = sorted((reply.find(doc_id), doc_id) for doc_id in ids if doc_id in reply)
    ranked = [doc_id for _, doc_id in named]
    return (ranked + [doc_id for doc_id in ids if doc_id not in ranked])[:n]
