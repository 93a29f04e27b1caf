"""Trusts the column the row was put in and never asks phase(): a quantization row filed under Training passes."""

from solutions.u02_training_vs_inference import *  # noqa: F403  the reference, with one function done wrong


def audit(sheet):
    if not sheet:
        return ["The sheet is empty."]
    problems = []
    for row in sheet:
        if row.column == "training" and not row.justification.strip():
            problems.append(f"{row.activity!r} has no justification.")
        if row.column == "training" and not row.measurement.strip():
            problems.append(f"{row.activity!r} has no measurement.")
    training = sum(row.column == "training" for row in sheet)
    inference = sum(row.column == "inference" for row in sheet)
    if inference <= training:
        problems.append("The Inference count is not higher than the Training count.")
    return problems
