"""Merges into W in place (W += scale * B @ A): the shared base is gone and rollback is impossible."""

from solutions.u09_lora_and_peft import *  # noqa: F403  the reference, with one function done wrong


def merge(W, A, B, scale=1.0):
    W += scale * B @ A
    return W
