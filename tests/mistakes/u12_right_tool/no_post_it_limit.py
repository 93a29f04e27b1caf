"""Checks every line but never counts the words: a 200-word essay passes as a Post-it."""

from solutions.u12_right_tool import *  # noqa: F403  the reference, with one function done wrong
from solutions.u12_right_tool import validate_decision_doc as _reference


def validate_decision_doc(text):
    return [p for p in _reference(text) if not p.startswith("Post-it")]
