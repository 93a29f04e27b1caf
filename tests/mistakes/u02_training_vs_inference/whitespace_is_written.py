"""Treats a whitespace-only justification as written: `if not row.justification` lets "   " through."""

from solutions.u02_training_vs_inference import *  # noqa: F403  the reference, with one function done wrong


def audit(sheet):
    if not sheet:
        return ["The sheet is empty."]
    problems = []
    for row in sheet:
        if row.column != phase(row.activity):  # noqa: F405
            problems.append(f"{row.activity!r} is in the wrong column.")
        if row.column == "training" and not row.justification:
            problems.append(f"{row.activity!r} has no justification.")
        if row.column == "training" and not row.measurement:
            problems.append(f"{row.activity!r} has no measurement.")
    training = sum(row.column == "training" for row in sheet)
    inference = sum(row.column == "inference" for row in sheet)
    if inference <= training:
        problems.append("The Inference count is not higher than the Training count.")
    return problems
