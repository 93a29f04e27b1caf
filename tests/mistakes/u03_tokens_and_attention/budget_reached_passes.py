"""Stretch: lets a prompt exactly at the budget pass (total_tokens <= N instead of total_tokens < N)."""

from solutions.u03_tokens_and_attention import *  # noqa: F403  the reference, with one function done wrong


def assert_within_budget(parts, limit=TOKEN_BUDGET):  # noqa: F405
    budget = token_budget(parts)  # noqa: F405
    total_tokens = sum(budget.values())
    if total_tokens > limit:
        name = largest_part(budget)  # noqa: F405
        raise AssertionError(f"the prompt is {total_tokens} tokens, over the budget of {limit}: "
                             f"cut its largest part, {name!r} ({budget[name]} tokens)")
