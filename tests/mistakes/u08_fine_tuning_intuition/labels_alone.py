"""Fine-tunes whenever there are 1,000+ labels, whatever the need: A with 5,000 FAQ logs gets fine-tuned."""

from solutions.u08_fine_tuning_intuition import *  # noqa: F403  the reference, with one function done wrong
from solutions.u08_fine_tuning_intuition import route as _reference_route


def route(scenario):
    if scenario.labelled_examples >= 1000:
        return Route("fine-tune (LoRA)", "1,000+ high-quality labeled examples", "We have the labels, so we train.")  # noqa: F405
    return _reference_route(scenario)
