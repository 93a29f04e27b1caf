"""Rounds the label count: 999 labels is "about 1,000", so it gets LoRA."""

from dataclasses import replace

from solutions.u09_lora_and_peft import *  # noqa: F403  the reference, with one function done wrong
from solutions.u09_lora_and_peft import gate as _reference_gate


def gate(use_case):
    if use_case.labelled_examples >= 950:  # "close enough to 1,000"
        number, line = _reference_gate(replace(use_case, labelled_examples=max(1_000, use_case.labelled_examples)))
        return number, line.replace("1,000 labels", f"{use_case.labelled_examples:,} labels")
    return _reference_gate(use_case)
