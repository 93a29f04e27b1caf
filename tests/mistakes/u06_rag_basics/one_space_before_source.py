"""Writes the context line with one space before "(source: …)" and single newlines between chunks: not the course's shape."""

from solutions.u06_rag_basics import *  # noqa: F403  the reference, with one function done wrong


def build_prompt(chunks, question):
    context = "\n".join(f"[chunk {i}] {c['text']} (source: {c['source']})" for i, c in enumerate(chunks, 1))
    return f"CONTEXT:\n\n{context}\n\nQUESTION: {question}"
