"""Reads "1,000+" as more than 1,000 (`> 1000`): exactly 1,000 labelled examples is turned away."""

from solutions.u08_fine_tuning_intuition import *  # noqa: F403  the reference, with one function done wrong
from solutions.u08_fine_tuning_intuition import _row


def route(scenario):
    needs = scenario.needs
    if "recent news" in needs:
        return Route("web search", _row("Recent news"), "Events after the cutoff come from a web search tool.")  # noqa: F405
    if "domain knowledge" in needs:
        return Route("RAG", _row("Domain knowledge"), "Knowledge of our products belongs in retrieval.")  # noqa: F405
    can_train = scenario.labelled_examples > 1000 and scenario.prompt_tried and not scenario.changes_often
    if can_train and "narrow task" in needs and scenario.monthly_volume >= AT_SCALE:  # noqa: F405
        return Route("fine-tune (LoRA)", _row("Extreme consistency"), "A narrow task at scale earns a LoRA adapter.")  # noqa: F405
    if can_train and "specialized format" in needs:
        return Route("fine-tune (LoRA)", _row("Specialized format"), "The base model fights this output shape.")  # noqa: F405
    if can_train and "smaller model" in needs:
        return Route("distillation", _row("You need to ship"), "Distill into a smaller, cheaper model.")  # noqa: F405
    if "tone of voice" in needs:
        return Route("prompting", _row("Tone of voice"), "Voice is a persona pattern in the prompt.")  # noqa: F405
    if "one-off behavior" in needs:
        return Route("prompting", _row("One-off behaviors"), "A one-off rule is a Format + Constraint pattern.")  # noqa: F405
    return Route("prompting", _row("Most other things"), "Nothing here needs new weights: write a better prompt.")  # noqa: F405
