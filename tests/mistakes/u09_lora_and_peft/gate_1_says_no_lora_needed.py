"""Stretch: a line that stops at Gate 1 or 2 still talks about the adapter it did not need ("no LoRA needed")."""

from solutions.u09_lora_and_peft import *  # noqa: F403  the reference, with one function done wrong
from solutions.u09_lora_and_peft import gate as _reference_gate


def gate(use_case):
    number, line = _reference_gate(use_case)
    if "solved" in line and use_case.labelled_examples >= 1_000:
        return number, line + "; LoRA not needed"
    return number, line
