"""Reads the Chosen lines into a dict, so the last one wins: two Chosen lines pass as one choice."""

from solutions.u12_right_tool import *  # noqa: F403  the reference, with one function done wrong
from solutions.u12_right_tool import validate_decision_doc as _reference


def validate_decision_doc(text):
    lines = text.splitlines()
    chosen = [i for i, line in enumerate(lines) if line.startswith("Chosen:")]
    return _reference("\n".join(line for i, line in enumerate(lines) if i not in chosen[:-1]))
