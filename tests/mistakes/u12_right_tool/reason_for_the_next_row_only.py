"""Asks a reason only for the approach right below the chosen one, not for every lower one."""

from solutions.u12_right_tool import *  # noqa: F403  the reference, with one function done wrong
from solutions.u12_right_tool import validate_decision_doc as _reference


def validate_decision_doc(text):
    chosen = [line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("Chosen:")]
    below = APPROACHES[APPROACHES.index(chosen[0]) + 1 :] if chosen and chosen[0] in APPROACHES else ()  # noqa: F405
    ignored = [f"Rejected {a}: no reason" for a in below[1:]]  # only the next one down is checked
    return [p for p in _reference(text) if not p.startswith(tuple(ignored))]
