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


_TERMS = sorted(WEIGHT_UPDATING, key=len, reverse=True)
_WEIGHT_RE = re.compile(
    r"(?<![^\W_])(?:" + "|".join(re.escape(t) for t in _TERMS) + r")(?![^\W_])", re.IGNORECASE
)


def phase(activity: str) -> str:
    """Return TRAINING ("training") or INFERENCE ("inference") for one activity, by the unit's test."""
    return TRAINING if _WEIGHT_RE.search(activity) else INFERENCE


def _text(value) -> str:
    return "" if value is None else str(value)


def audit(sheet: list[Row]) -> list[str]:
    """Return the sheet's problems as a list of plain-language strings; [] means it passes the Verify line."""
    rows = list(sheet or [])
    problems = ["the sheet is empty"] if not rows else []
    for row in rows:
        activity = _text(getattr(row, "activity", ""))
        column = getattr(row, "column", None)
        should = phase(activity)
        if column != should:
            problems.append(f"{activity}: put in {column!r}, but its weights say {should}")
        if column == TRAINING:
            problems += [
                f"{activity}: Training row with a blank {field}"
                for field in ("justification", "measurement")
                if not _text(getattr(row, field, "")).strip()
            ]
    columns = [getattr(row, "column", None) for row in rows]
    n_training = sum(1 for c in columns if c == TRAINING)
    n_inference = sum(1 for c in columns if c == INFERENCE)
    if n_inference <= n_training:
        problems.append(f"Inference rows ({n_inference}) must outnumber Training rows ({n_training})")
    return problems


def my_stack() -> list[Row]:
    """Your team's sheet: every AI thing it does (or plans to), each in its column."""
    activities = [
        "Draft release notes from merged pull requests with Claude",
        "Search the engineering wiki with hybrid retrieval and a re-ranker",
        "Classify incoming bug reports with a few-shot prompt",
        "Quantized local model for offline code completion",
    ]
    return [Row(activity, INFERENCE) for activity in activities]


def verdict(sheet: list[Row]) -> str:
    """Stretch: one sentence (a str) on a sheet that passes `audit`."""
    count = len([row for row in sheet if row.column == TRAINING])
    if not count:
        return ("No Training rows, which is the expected, healthy result: your problems are RAG, prompts, "
                "and evals.")
    return f"{count} Training rows, and each needs a written justification and a named measurement."
