"""Checks that each Training row has a justification but never looks at its measurement."""

from solutions.u02_training_vs_inference import *  # noqa: F403  the reference, with one function done wrong


def audit(sheet):
    if not sheet:
        return ["The sheet is empty."]
    problems = []
    for row in sheet:
        if row.column != phase(row.activity):  # noqa: F405
            problems.append(f"{row.activity!r} is in the wrong column.")
        if row.column == "training" and not row.justification.strip():
            problems.append(f"{row.activity!r} has no justification.")
    training = sum(row.column == "training" for row in sheet)
    inference = sum(row.column == "inference" for row in sheet)
    if inference <= training:
        problems.append("The Inference count is not higher than the Training count.")
    return problems
