"""U02 · Training vs inference.

One test sorts every AI thing your team does: are weights being updated (Training) or frozen
(Inference)? First write `phase`, which applies that test to a short description; then `audit`, which
checks a two-column sheet the way the Verify line does; then fill in `my_stack` with your own team's
sheet and let the audit pass it. Stretch: a `verdict` that calls a zero-Training sheet healthy.

Run `kata check 2` after each step; `kata hint 2` when you are stuck.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TRAINING = "training"
INFERENCE = "inference"

# The words for *updating weights*: verbs and nouns for the act of training. They are not the "-ed"
# words ("a pretrained embedding model", "our fine-tuned classifier"): those describe a model trained
# once and now used frozen. Quantizing, embedding, caching, prompting and retrieving update no weights,
# so they are not here. Keyword matching reads words, not meaning: "a chatbot for train timetables"
# would be read as training. It is a first pass over the sheet; you still read every row yourself.
WEIGHT_UPDATING = (
    "train", "training", "retrain", "retraining", "re-train", "re-training",
    "pretrain", "pretraining", "pre-train", "pre-training",
    "fine-tune", "fine-tuning", "fine tune", "fine tuning", "finetune", "finetuning",
    "LoRA", "QLoRA",
    "distil", "distill", "distillation",  # the student model is trained on the teacher's outputs
    "RLHF", "DPO", "gradient descent",
)


@dataclass
class Row:
    """One line of the sheet: an AI thing your team does, and the column you put it in.

    `column` is "training" or "inference". A Training row also carries why it is worth training
    (`justification`) and the one measurement that would prove the trained model beats a
    well-prompted base model (`measurement`).
    """

    activity: str
    column: str
    justification: str = ""
    measurement: str = ""


def _words(text: str) -> list[str]:
    """Lower-cased runs of letters/digits, keeping "-" between them (so "re-train" stays one piece)."""
    out, current = [], ""
    for ch in text.lower() + " ":
        if ch.isalnum():
            current += ch
        else:
            if current:
                out.append(current)
            current = ""
            out.append(ch)
    return out


def phase(activity: str) -> str:
    """Return TRAINING ("training") or INFERENCE ("inference") for one activity, by the unit's test."""
    pieces = _words(activity)
    for term in WEIGHT_UPDATING:
        target = _words(term)[:-1]  # drop the trailing " " sentinel
        n = len(target)
        for i in range(len(pieces) - n + 1):
            if pieces[i:i + n] == target:
                return TRAINING
    return INFERENCE


def _row_problems(row) -> list[str]:
    activity = row.activity if isinstance(row.activity, str) else str(row.activity)
    found = []
    if row.column != phase(activity):
        found.append(f"'{activity}' should be in the {phase(activity)} column, not {row.column!r}")
    if row.column == TRAINING:
        if not (isinstance(row.justification, str) and row.justification.strip()):
            found.append(f"'{activity}' is a Training row with no justification")
        if not (isinstance(row.measurement, str) and row.measurement.strip()):
            found.append(f"'{activity}' is a Training row with no measurement")
    return found


def audit(sheet: list[Row]) -> list[str]:
    """Return the sheet's problems as a list of plain-language strings; [] means it passes the Verify line."""
    if len(sheet) == 0:
        return ["Empty sheet: nothing to audit."]
    problems = [p for row in sheet for p in _row_problems(row)]
    training = sum(1 for row in sheet if row.column == TRAINING)
    inference = sum(1 for row in sheet if row.column == INFERENCE)
    if inference <= training:
        problems.append(f"{inference} Inference vs {training} Training: Inference must be strictly higher")
    return problems


def my_stack() -> list[Row]:
    """Your team's sheet: every AI thing it does (or plans to), each in its column."""
    return [
        Row("RAG chatbot over the HR policy handbook", INFERENCE),
        Row("Meeting-notes summaries with Claude", INFERENCE),
        Row("Agent that files Jira tickets through tool use", INFERENCE),
        Row("Evals on 50 golden questions for every prompt change", INFERENCE),
        Row("LoRA adapter for our legal clause style", TRAINING,
            "Clause wording must match house style that prompting could not hold across 40 examples.",
            "Blind reviewer preference rate against a well-prompted base model on 100 clauses."),
        Row("Distill the clause classifier into a small model for the intranet", TRAINING,
            "Latency: the intranet page needs answers in under 100 ms.",
            "F1 on the clause eval set within 2 points of the teacher, at a tenth of the latency."),
    ]


def verdict(sheet: list[Row]) -> str:
    """Stretch: one sentence (a str) on a sheet that passes `audit`."""
    training_rows = [row for row in sheet if row.column == TRAINING]
    if training_rows:
        return (f"{len(training_rows)} Training row(s) on this sheet: each needs its justification and "
                "its measurement against a well-prompted base model.")
    return "Zero Training rows is the expected, healthy result; your problems are RAG, prompts, and evals."
