"""Rejects a doc of exactly POST_IT_MAX_WORDS words: `>=` where the limit itself still fits."""

from solutions.u12_right_tool import *  # noqa: F403  the reference, with one function done wrong
from solutions.u12_right_tool import validate_decision_doc as _reference


def validate_decision_doc(text):
    problems = _reference(text)
    if len(text.split()) == POST_IT_MAX_WORDS:  # noqa: F405
        problems.append(f"Post-it: {POST_IT_MAX_WORDS} words is too many")  # noqa: F405
    return problems
