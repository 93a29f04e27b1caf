"""Takes max() of the budget dict, which compares the part names, not their token counts."""

from solutions.u03_tokens_and_attention import *  # noqa: F403  the reference, with one function done wrong


def largest_part(budget):
    return max(budget)
