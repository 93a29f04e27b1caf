"""Goes from a failed Gate 1 straight to the labels: the smaller model is never asked."""

from dataclasses import replace

from solutions.u09_lora_and_peft import *  # noqa: F403  the reference, with one function done wrong
from solutions.u09_lora_and_peft import gate as _reference_gate


def gate(use_case):
    if use_case.gate1_pass_rate is not None and use_case.gate1_pass_rate < use_case.bar:
        return _reference_gate(replace(use_case, gate2_pass_rate=0.0))
    return _reference_gate(use_case)
