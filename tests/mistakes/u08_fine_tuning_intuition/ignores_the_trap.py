"""Ignores the trap: fine-tunes C-shaped work before the prompt, retrieval and evals were ever pushed."""

from dataclasses import replace

from solutions.u08_fine_tuning_intuition import *  # noqa: F403  the reference, with one function done wrong
from solutions.u08_fine_tuning_intuition import route as _reference_route


def route(scenario):
    return _reference_route(replace(scenario, prompt_tried=True))
