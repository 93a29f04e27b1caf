"""Matches terms as substrings: "schema constraints" contains "train", so it is read as training."""

from solutions.u02_training_vs_inference import *  # noqa: F403  the reference, with one function done wrong


def phase(activity):
    lowered = activity.lower()
    return "training" if any(term.lower() in lowered for term in WEIGHT_UPDATING) else "inference"  # noqa: F405
