"""Breaks audit() 'a problem for each' (a Training row with blank justification AND blank measurement): an elif reports only the missing justification.

U02 · Training vs inference.

One test sorts every AI thing your team does: are weights being updated (Training) or frozen
(Inference)? First write `phase`, which applies that test to a short description; then `audit`, which
checks a two-column sheet the way the Verify line does; then fill in `my_stack` with your own team's
sheet and let the audit pass it. Stretch: a `verdict` that calls a zero-Training sheet healthy.

"""

from __future__ import annotations

import re
from dataclasses import dataclass

TRAINING = "training"
INFERENCE = "inference"

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
    well-prompted base model (`measurement`). Left out, `justification` and `measurement` are blank ("").
    """

    activity: str
    column: str
    justification: str = ""
    measurement: str = ""


_TERM_PATTERNS = tuple(
    re.compile(r"(?<![^\W_])" + re.escape(term) + r"(?![^\W_])", re.IGNORECASE)
    for term in WEIGHT_UPDATING
)


def phase(activity: str) -> str:
    """Return TRAINING ("training") or INFERENCE ("inference") for one activity, by the unit's test.

    "training" when `activity` names a way of updating weights: any term of WEIGHT_UPDATING, standing
    as a whole word or phrase ("constraints" does not contain the word "train", nor "pretrained" the
    word "pretrain"), in any case ("LoRA", "lora"). "inference" otherwise: weights frozen is the
    default, because most things are.
    """
    if any(p.search(activity) for p in _TERM_PATTERNS):
        return TRAINING
    return INFERENCE


def _blank(value: str) -> bool:
    return value.strip() == ""


def audit(sheet: list[Row]) -> list[str]:
    """Return the sheet's problems as a list of plain-language strings; [] means it passes the Verify line.

    A problem for each of these, and the problem about a row contains that row's `activity` as written:
    - the sheet is empty;
    - a row whose `column` is not the one `phase` gives for its activity;
    - a Training row whose justification is blank (empty or whitespace only);
    - a Training row whose measurement is blank (empty or whitespace only);
    - the Inference count is not higher than the Training count (strictly: a tie fails).
    Never raise, whatever text the rows' fields hold (each is a str, as `Row` says).
    """
    problems: list[str] = []
    if not sheet:
        problems.append("The sheet is empty: list every AI thing the team does.")
    for row in sheet:
        expected = phase(row.activity)
        if row.column != expected:
            problems.append(f'"{row.activity}" is in the "{row.column}" column, but the test puts it in "{expected}".')
        if row.column == TRAINING:
            if _blank(row.justification):
                problems.append(f'Training row "{row.activity}" has no justification.')
            elif _blank(row.measurement):
                problems.append(f'Training row "{row.activity}" has no measurement.')
    n_training = sum(1 for row in sheet if row.column == TRAINING)
    n_inference = sum(1 for row in sheet if row.column == INFERENCE)
    if not n_inference > n_training:
        problems.append(
            f"The Inference count ({n_inference}) is not higher than the Training count ({n_training})."
        )
    return problems


def my_stack() -> list[Row]:
    """Your team's sheet: every AI thing it does (or plans to), each in its column.

    Write your own. Most rows should be inference-only; zero Training rows is fine. Give each Training
    row the reason you would train at all and the one measurement that would prove the trained model
    beats a well-prompted base model. `audit(my_stack())` must return [].
    """
    return [
        Row("Answer support questions with RAG over the product docs", INFERENCE),
        Row("Summarise incident tickets with Claude and a summary prompt", INFERENCE),
        Row("Embed help-centre articles with a pretrained embedding model", INFERENCE),
        Row("Cache the long system prompt and tool definitions", INFERENCE),
        Row("Classify inbound emails by routing intent with a few-shot prompt", INFERENCE),
        Row(
            "LoRA adapter on an open-weight model for contract field extraction",
            TRAINING,
            justification="2M extractions a month on a cheap model; the prompt drifts on edge cases "
                          "and we have 5,000 hand-labelled contracts.",
            measurement="Field-level exact-match accuracy on a 500-contract held-out set versus the "
                        "best few-shot prompt on the same base model.",
        ),
    ]


def verdict(sheet: list[Row]) -> str:
    """Stretch: one sentence (a str) on a sheet that passes `audit`.

    With zero Training rows, say in the course's words that it is the expected, healthy result and
    that your problems are RAG, prompts, and evals (the words "healthy", "RAG", "prompts" and "evals"
    appear). Otherwise give the number of Training rows in digits ("2") and say that each needs its
    justification and measurement; never use the word "zero" then.
    """
    n = sum(1 for row in sheet if row.column == TRAINING)
    if n == 0:
        return ("Zero Training rows is the expected, healthy result: your problems are RAG, prompts, "
                "and evals.")
    rows = "row" if n == 1 else "rows"
    return f"The sheet has {n} Training {rows}, and each needs its justification and measurement."
