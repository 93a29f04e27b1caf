"""Matches aliases as substrings, in any case: "drag race" is read as naming RAG."""

from solutions.u01_vocabulary import *  # noqa: F403  the reference, with one function done wrong


def mechanisms_named(text):
    lowered = text.lower()
    return {name for name, aliases in GLOSSARY.items() if any(a.lower() in lowered for a in aliases)}  # noqa: F405
