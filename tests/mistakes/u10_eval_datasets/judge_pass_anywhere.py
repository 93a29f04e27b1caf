"""Looks for "PASS" anywhere in the judge's reply: a FAIL whose rationale mentions a passport reads as a pass."""

from solutions.u10_eval_datasets import *  # noqa: F403  the reference, with one function done wrong
from solutions.u10_eval_datasets import _client


def judge(input, criteria, candidate):
    reply = _client().messages.create(
        model=CLAUDE, max_tokens=MAX_TOKENS,  # noqa: F405
        messages=[{"role": "user", "content": JUDGE_PROMPT.format(input=input, criteria=criteria, candidate=candidate)}],  # noqa: F405
    )
    text = "".join(block.text for block in reply.content if block.type == "text")
    return "PASS" in text.upper(), " ".join(text.split()[1:])
