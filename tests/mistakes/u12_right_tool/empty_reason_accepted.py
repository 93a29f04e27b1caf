"""Accepts "Rejected distill:" with nothing after it: the line is there, so the reason must be."""

from solutions.u12_right_tool import *  # noqa: F403  the reference, with one function done wrong
from solutions.u12_right_tool import validate_decision_doc as _reference


def validate_decision_doc(text):
    return [p for p in _reference(text) if not p.endswith(" is empty")]
