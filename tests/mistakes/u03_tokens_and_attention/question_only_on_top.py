"""Forgets the question at the bottom: it is asked once, before the long context, then lost in it."""

from solutions.u03_tokens_and_attention import *  # noqa: F403  the reference, with one function done wrong


def long_context_prompt(context, question):
    return f"QUESTION: {question}\n\nCONTEXT:\n\n{context}"
