"""Raises the mismatch alarm when re-ranking changed ANY row, not every row."""

from solutions.u07_production_rag import *  # noqa: F403  the reference, with one function done wrong


def embedding_mismatch(rows):
    return any(row["changed"] for row in rows)
