"""A reply that names a mechanism, but one that does not fit: quantization for a model making things up."""

from solutions.u01_vocabulary import *  # noqa: F403  the reference, with one function done wrong
from solutions.u01_vocabulary import replies as _reference_replies


def replies():
    written = _reference_replies()
    written["the model is making things up"] = (
        "That is hallucination. We should quantization-proof the stack: serve a quantized model so each "
        "answer is cheaper, and then we can afford to ask it twice and keep the answer it gives most often."
    )
    return written
