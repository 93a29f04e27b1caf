"""Skips a case the API answered with an error, so the total shrinks to "19 / 19 passed" instead of failing it."""

import anthropic

from solutions.u10_eval_datasets import *  # noqa: F403  the reference, with one function done wrong


def run_eval(cases, model=CLAUDE):  # noqa: F405
    rows = []
    for case in cases:
        try:
            result = run_case(case, model)  # noqa: F405
        except anthropic.APIStatusError:
            continue
        passed, reason = grade(case, result)  # noqa: F405
        rows.append({"id": case["id"], "passed": passed, "reason": reason, "result": result})
    return rows
