"""Treats "sound like our brand" as a narrow task worth training: tone of voice with enough labels is fine-tuned."""

from dataclasses import replace

from solutions.u08_fine_tuning_intuition import *  # noqa: F403  the reference, with one function done wrong
from solutions.u08_fine_tuning_intuition import route as _reference_route


def route(scenario):
    needs = set(scenario.needs)
    if "tone of voice" in needs:
        needs = (needs - {"tone of voice"}) | {"specialized format"}  # "our voice is a format the model fights"
    return _reference_route(replace(scenario, needs=needs))
