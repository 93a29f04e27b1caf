"""Reads B's three-bullet ending as a specialized format instead of a one-off behaviour, and drops the voice."""

from solutions.u08_fine_tuning_intuition import *  # noqa: F403  the reference, with one function done wrong
from solutions.u08_fine_tuning_intuition import scenarios as _reference_scenarios


def scenarios():
    read = _reference_scenarios()
    read["B"].needs = {"specialized format"}
    return read
