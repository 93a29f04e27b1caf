"""Replies that say "use AI better" in many words and name no mechanism for one conversation."""

from solutions.u01_vocabulary import *  # noqa: F403  the reference, with one function done wrong
from solutions.u01_vocabulary import replies as _reference_replies


def replies():
    written = _reference_replies()
    written["the model is making things up"] = (
        "We should just use AI better: write clearer instructions, be more careful with the model, "
        "and keep an eye on it so that it stops making things up in front of customers."
    )
    return written
