"""States the gate but not the measurement behind it: "solved at Gate 1 with a structured output", no rate."""

from solutions.u09_lora_and_peft import *  # noqa: F403  the reference, with one function done wrong
from solutions.u09_lora_and_peft import gate as _reference_gate


def gate(use_case):
    number, line = _reference_gate(use_case)
    return number, line.split(" — ")[0]  # the claim without its evidence
