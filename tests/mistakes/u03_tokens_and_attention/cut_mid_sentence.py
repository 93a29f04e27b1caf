"""Cuts 30% by slicing each note's text short, so the last sentence of each is chopped mid-sentence."""

from solutions.u03_tokens_and_attention import *  # noqa: F403  the reference, with one function done wrong


def cut_context(chunks, keep=FACTS, fraction=CUT_FRACTION):  # noqa: F405
    return [(source, text[: int(len(text) * (1 - fraction))]) for source, text in chunks]
