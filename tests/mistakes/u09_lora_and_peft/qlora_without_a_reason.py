"""Says QLoRA for the consumer GPU but never why: no 4-bit base in the line."""

from solutions.u09_lora_and_peft import *  # noqa: F403  the reference, with one function done wrong
from solutions.u09_lora_and_peft import gate as _reference_gate


def gate(use_case):
    number, line = _reference_gate(use_case)
    if "QLoRA" in line:
        return number, f"passes Gate 3 — {use_case.labelled_examples:,} labels, QLoRA"
    return number, line
