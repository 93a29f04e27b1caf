"""Ignores case everywhere, acronyms included: "wipe the screen with a rag" names RAG."""

import re

from solutions.u01_vocabulary import *  # noqa: F403  the reference, with one function done wrong


def mechanisms_named(text):
    return {
        name
        for name, aliases in GLOSSARY.items()  # noqa: F405
        if any(re.search(r"\b" + re.escape(a) + r"\b", text, re.IGNORECASE) for a in aliases)
    }
