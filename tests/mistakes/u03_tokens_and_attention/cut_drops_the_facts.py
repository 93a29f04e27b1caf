"""Drops whole sentences longest first but never protects the facts: the reserve's sentence goes."""

from solutions.u03_tokens_and_attention import *  # noqa: F403  the reference, with one function done wrong
from solutions.u03_tokens_and_attention import cut_context as _reference_cut


def cut_context(chunks, keep=FACTS, fraction=CUT_FRACTION):  # noqa: F405
    return _reference_cut(chunks, (), fraction)
