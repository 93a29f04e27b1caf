"""Reads "1,000+" as "more than 1,000": exactly 1,000 labels is turned away from LoRA."""

from dataclasses import replace

from solutions.u09_lora_and_peft import *  # noqa: F403  the reference, with one function done wrong
from solutions.u09_lora_and_peft import gate as _reference_gate


def gate(use_case):
    if use_case.labelled_examples == 1_000:
        number, line = _reference_gate(replace(use_case, labelled_examples=999))
        return number, line.replace("999", "1,000")
    return _reference_gate(use_case)
