"""Treats a gate that was never run as a failed one (rate or 0.0), so a guess walks on to LoRA."""

from dataclasses import replace

from solutions.u09_lora_and_peft import *  # noqa: F403  the reference, with one function done wrong
from solutions.u09_lora_and_peft import gate as _reference_gate


def gate(use_case):
    return _reference_gate(replace(use_case, gate1_pass_rate=use_case.gate1_pass_rate or 0.0,
                                   gate2_pass_rate=use_case.gate2_pass_rate or 0.0))
