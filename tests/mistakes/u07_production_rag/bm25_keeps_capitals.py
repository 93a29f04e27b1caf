"""Tokenizes for BM25 without lower-casing, so "inc-20931" never meets "INC-20931"."""

import re

from solutions.u07_production_rag import *  # noqa: F403  the reference, with one function done wrong


def tokenize(text):
    return re.findall(r"[A-Za-z0-9]+", text)  # punctuation gone, but "Stockline" and "stockline" differ
