"""An upgraded paragraph that names a move of the table, but of another row: quantization for made-up answers."""

from solutions.u12_right_tool import *  # noqa: F403  the reference, with one function done wrong
from solutions.u12_right_tool import upgraded_replies as _reference_upgraded_replies


def upgraded_replies():
    upgraded = _reference_upgraded_replies()
    upgraded["the model is making things up"] = (
        "Which row are we in? Running cheaper or faster: serve a quantized model, so each answer costs "
        "less and we can afford to ask twice and keep the answer the model gives most often."
    )
    return upgraded
