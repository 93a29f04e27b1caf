"""Reads "contract type" in C as documents to retrieve, so C is tagged domain knowledge and routed to RAG."""

from solutions.u08_fine_tuning_intuition import *  # noqa: F403  the reference, with one function done wrong
from solutions.u08_fine_tuning_intuition import scenarios as _reference_scenarios


def scenarios():
    read = _reference_scenarios()
    read["C"].needs = {"domain knowledge", "narrow task"}  # "it has contracts, so it's a documents problem"
    return read
