"""Embeds each sentence with its own API call instead of one call for the whole list."""

import voyageai

from kata.models import EMBEDDING_MODEL
from solutions.u04_embeddings import *  # noqa: F403  the reference, with one function done wrong


def embed(texts):
    client = voyageai.Client()
    return [client.embed([text], model=EMBEDDING_MODEL).embeddings[0] for text in texts]
