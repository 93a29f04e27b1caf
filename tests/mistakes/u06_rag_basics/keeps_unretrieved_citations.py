"""Keeps every cited number, flagging none: "[chunk 4]" of a 3-chunk prompt is passed on to be resolved."""

import re

from solutions.u06_rag_basics import *  # noqa: F403  the reference, with one function done wrong


def parse_citations(reply, n_chunks):
    groups = re.findall(r"\[\s*chunks?\s*(\d[^\]]*)\]", reply, re.IGNORECASE)
    return list(dict.fromkeys(int(n) for group in groups for n in re.findall(r"\d+", group))), []
