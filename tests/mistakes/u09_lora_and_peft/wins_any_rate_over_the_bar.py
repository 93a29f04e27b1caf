"""Stretch: counts a win whenever either pass rate clears the bar, even a Gate 2 score after a Gate 1 never run."""

from solutions.u09_lora_and_peft import *  # noqa: F403  the reference, with one function done wrong


def solved_before_training(use_cases):
    return [u.name for u in use_cases
            if any(rate is not None and rate >= u.bar for rate in (u.gate1_pass_rate, u.gate2_pass_rate))]
