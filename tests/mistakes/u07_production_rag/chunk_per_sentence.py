"""Makes every sentence a chunk of its own: within the limit, never mid-sentence, but paragraphs torn apart."""

import re

from solutions.u07_production_rag import *  # noqa: F403  the reference, with one function done wrong
from solutions.u07_production_rag import MAX_CHUNK_TOKENS


def semantic_chunks(text, max_tokens=MAX_CHUNK_TOKENS):
    pieces, start = [], 0
    for match in re.finditer(r"(?<=[.!?])\s+", text):
        pieces.append(text[start:match.end()])
        start = match.end()
    return pieces + ([text[start:]] if start < len(text) else [])
