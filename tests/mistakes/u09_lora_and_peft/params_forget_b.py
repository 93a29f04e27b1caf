"""Counts only A (r x d_in) and forgets B (d_out x r)."""

from solutions.u09_lora_and_peft import *  # noqa: F403  the reference, with one function done wrong


def lora_params(d_in, d_out, r):
    return r * d_in
