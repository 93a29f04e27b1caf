"""Numbers the context from 0 (enumerate(chunks)), so the first chunk is "[chunk 0]" and every citation is off by one."""

from solutions.u06_rag_basics import *  # noqa: F403  the reference, with one function done wrong


def build_prompt(chunks, question):
    context = "\n\n".join(f"[chunk {i}] {c['text']}  (source: {c['source']})" for i, c in enumerate(chunks))
    return f"CONTEXT:\n\n{context}\n\nQUESTION: {question}"
