"""Stretch: counts every use case that stopped at Gate 1 or 2 as a win, the ones nobody tested included."""

from solutions.u09_lora_and_peft import *  # noqa: F403  the reference, with one function done wrong


def solved_before_training(use_cases):
    return [u.name for u in use_cases if gate(u)[0] in (1, 2)]  # noqa: F405
