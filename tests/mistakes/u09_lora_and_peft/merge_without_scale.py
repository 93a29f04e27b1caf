"""Merges B @ A without alpha / r: the merged layer is not the layer that was trained."""

from solutions.u09_lora_and_peft import *  # noqa: F403  the reference, with one function done wrong


def merge(W, A, B, scale=1.0):
    return W + B @ A
