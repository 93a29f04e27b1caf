"""Returns the client's whole response object instead of its `.embeddings` list."""

import voyageai

from kata.models import EMBEDDING_MODEL
from solutions.u04_embeddings import *  # noqa: F403  the reference, with one function done wrong


def embed(texts):
    return voyageai.Client().embed(texts, model=EMBEDDING_MODEL)
