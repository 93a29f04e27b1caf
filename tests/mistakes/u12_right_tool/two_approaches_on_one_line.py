"""Reads the Chosen line as "contains an approach": "Chosen: RAG and fine-tune" passes as RAG."""

import re

from solutions.u12_right_tool import *  # noqa: F403  the reference, with one function done wrong
from solutions.u12_right_tool import validate_decision_doc as _reference


def validate_decision_doc(text):
    def first_found(match):
        found = [a for a in APPROACHES if a.lower() in match.group(1).lower()]  # noqa: F405
        return f"Chosen: {found[0]}" if found else match.group(0)

    return _reference(re.sub(r"Chosen:(.*)", first_found, text))
