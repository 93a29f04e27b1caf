"""Reads only the text blocks of the reply: a tool call comes back as tool None, so no tool case can pass."""

import anthropic

from solutions.u10_eval_datasets import *  # noqa: F403  the reference, with one function done wrong


def run_case(case, model=CLAUDE):  # noqa: F405
    reply = anthropic.Anthropic().messages.create(
        model=model, max_tokens=MAX_TOKENS, system=SYSTEM, tools=TOOLS,  # noqa: F405
        messages=[{"role": "user", "content": case["input"]}],
    )
    text = "".join(block.text for block in reply.content if block.type == "text")
    usage = {"input_tokens": reply.usage.input_tokens, "output_tokens": reply.usage.output_tokens}
    return {"text": text, "tool": None, "args": None, "stop_reason": reply.stop_reason, "usage": usage}
