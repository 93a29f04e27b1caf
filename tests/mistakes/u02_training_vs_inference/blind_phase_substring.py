"""Mistake: phase() tests `term in activity.lower()` (substring), so 'constraints' or 'a pretrained embedding model' is read as training.

U02 · Training vs inference.

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


def phase(activity: str) -> str:
    """Return TRAINING ("training") or INFERENCE ("inference") for one activity, by the unit's test."""
    text = activity.lower()
    for term in WEIGHT_UPDATING:
        if term.lower() in text:
            return TRAINING
    return INFERENCE


def _blank(value) -> bool:
    return not isinstance(value, str) or not value.strip()


def audit(sheet: list[Row]) -> list[str]:
    """Return the sheet's problems as a list of plain-language strings; [] means it passes the Verify line."""
    if not sheet:
        return ["The sheet is empty: list every AI thing your team does."]
    problems = []
    training = inference = 0
    for row in sheet:
        name = str(row.activity)
        try:
            expected = phase(row.activity)
        except Exception:
            expected = phase(name)
        if row.column != expected:
            problems.append(f"Row '{name}' is in column {row.column!r} but belongs in {expected!r}.")
        if row.column == TRAINING:
            training += 1
            if _blank(row.justification):
                problems.append(f"Training row '{name}' has no justification.")
            if _blank(row.measurement):
                problems.append(f"Training row '{name}' has no measurement.")
        elif row.column == INFERENCE:
            inference += 1
    if not inference > training:
        problems.append(f"Inference count ({inference}) is not higher than Training count ({training}).")
    return problems


def my_stack() -> list[Row]:
    """Your team's sheet: every AI thing it does (or plans to), each in its column."""
    return [
        Row("Answer customer questions with RAG over the help-centre articles", INFERENCE),
        Row("Summarise support tickets with Claude for the weekly report", INFERENCE),
        Row("Embed tickets with voyage-3 to spot duplicates", INFERENCE),
        Row("Extract invoice fields as structured output", INFERENCE),
        Row("Prompt caching on the long system prompt of the agent", INFERENCE),
        Row(
            "Fine-tune a small classifier to route tickets to the right queue",
            TRAINING,
            justification="200k tickets a day: a small model is far cheaper per call than Claude with a long prompt.",
            measurement="Routing accuracy on a held-out set of 1,000 labelled tickets versus a well-prompted Claude.",
        ),
    ]


def verdict(sheet: list[Row]) -> str:
    """Stretch: one sentence (a str) on a sheet that passes `audit`."""
    n = sum(row.column == TRAINING for row in sheet)
    if n == 0:
        return "Zero Training rows: the expected, healthy result, since your problems are RAG, prompts, and evals."
    return f"{n} Training row{'s' if n != 1 else ''}: each needs its justification and measurement beside it."
