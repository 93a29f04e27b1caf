"""Matches whole words but case-sensitively: "FINE-TUNE" and "a lora adapter" read as inference."""

import re

from solutions.u02_training_vs_inference import *  # noqa: F403  the reference, with one function done wrong


def phase(activity):
    found = any(re.search(r"\b" + re.escape(term) + r"\b", activity) for term in WEIGHT_UPDATING)  # noqa: F405
    return "training" if found else "inference"
