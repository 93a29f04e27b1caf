"""Parses citations with re.search, which finds only the first: "[chunk 2][chunk 3]" reads as [2]."""

import re

from solutions.u06_rag_basics import *  # noqa: F403  the reference, with one function done wrong


def parse_citations(reply, n_chunks):
    match = re.search(r"\[chunk (\d+)\]", reply, re.IGNORECASE)
    if not match:
        return [], []
    n = int(match.group(1))
    return ([n], []) if 1 <= n <= n_chunks else ([], [n])
