"""Matches "chunk N" without the brackets, so "not found in sources (the closest passage, chunk 3, …)" reads as citing chunk 3."""

import re

from solutions.u06_rag_basics import *  # noqa: F403  the reference, with one function done wrong


def parse_citations(reply, n_chunks):
    numbers = list(dict.fromkeys(int(n) for n in re.findall(r"chunk\s+(\d+)", reply, re.IGNORECASE)))
    return [n for n in numbers if 1 <= n <= n_chunks], [n for n in numbers if not 1 <= n <= n_chunks]
