"""Bakes recent news into the weights: the news rule is checked after the training gate, not before."""

from solutions.u08_fine_tuning_intuition import *  # noqa: F403  the reference, with one function done wrong
from solutions.u08_fine_tuning_intuition import route as _reference_route


def route(scenario):
    if "recent news" in scenario.needs and scenario.labelled_examples >= 1000 and scenario.prompt_tried:
        return Route("fine-tune (LoRA)", "1,000+ high-quality labeled examples", "Train the news in while it is fresh.")  # noqa: F405
    return _reference_route(scenario)
