"""Checks that the cited row is in the table, not that it leads to the chosen approach."""

from solutions.u12_right_tool import *  # noqa: F403  the reference, with one function done wrong
from solutions.u12_right_tool import validate_decision_doc as _reference


def validate_decision_doc(text):
    return [p for p in _reference(text) if not (p.startswith("Row:") and " leads to " in p)]
