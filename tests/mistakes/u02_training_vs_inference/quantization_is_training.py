"""Counts quantization as training, because it "changes the model": the same weights stored smaller are not a gradient step."""

import re

from solutions.u02_training_vs_inference import *  # noqa: F403  the reference, with one function done wrong

_TERMS = WEIGHT_UPDATING + ("quantize", "quantization", "quantise", "quantisation")  # noqa: F405


def phase(activity):
    for term in _TERMS:
        if re.search(r"\b" + re.escape(term) + r"\b", activity, re.IGNORECASE):
            return "training"
    return "inference"
