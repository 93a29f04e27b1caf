"""Picks QLoRA whenever Gate 3 passes, "because it is the cheapest row", with no consumer GPU to fit on."""

from dataclasses import replace

from solutions.u09_lora_and_peft import *  # noqa: F403  the reference, with one function done wrong
from solutions.u09_lora_and_peft import gate as _reference_gate


def gate(use_case):
    return _reference_gate(replace(use_case, single_consumer_gpu=True))
