"""Counts the product B @ A (d_out x d_in) as what is trained: as big as W, so 100% of it."""

from solutions.u09_lora_and_peft import *  # noqa: F403  the reference, with one function done wrong


def lora_params(d_in, d_out, r):
    return d_out * d_in
