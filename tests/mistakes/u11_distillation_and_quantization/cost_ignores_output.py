"""Costs a call by its input tokens only: output tokens, the dearer kind, are free."""

from solutions.u11_distillation_and_quantization import *  # noqa: F403  the reference, with one function done wrong


def cost_usd(model, usage):
    return usage["input_tokens"] * PRICES_PER_MTOK[model][0] / 1_000_000  # noqa: F405
