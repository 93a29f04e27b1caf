"""Breaks audit() 'the counts and the blank checks go by what the sheet says, even in a misplaced row.': it counts a row only where its column and phase() agree, so a misplaced row counts for neither side, and an inference activity written in the Training column no longer ties one Inference row (blind learner 30).

U02 · Training vs inference.

One test sorts every AI thing your team does: are weights being updated (Training) or frozen
(Inference)? First write `phase`, which applies that test to a short description; then `audit`, which
checks a two-column sheet the way the Verify line does; then fill in `my_stack` with your own team's
sheet and let the audit pass it. Stretch: a `verdict` that calls a zero-Training sheet healthy.

Run `uv run kata check 2` after each step; `uv run kata hint 2` when you are stuck.
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
    well-prompted base model (`measurement`). Left out, `justification` and `measurement` are blank ("").
    """

    activity: str
    column: str
    justification: str = ""
    measurement: str = ""


def phase(activity: str) -> str:
    """Return TRAINING ("training") or INFERENCE ("inference") for one activity, by the unit's test.

    "training" when `activity` names a way of updating weights: any term of WEIGHT_UPDATING, standing
    as a whole word or phrase ("constraints" does not contain the word "train", nor "pretrained" the
    word "pretrain"), in any case ("LoRA", "lora", "rlhf"). A letter or digit glued on either side, in
    any alphabet, makes it part of another word ("trainé", "trains", "LoRA2" name no term); a space, a
    hyphen or a slash does not ("LoRA-based" is LoRA); whether an underscore glues is yours to decide.
    Only the forms listed count: "fine-tunes" is not one. "inference" otherwise: weights frozen is
    the default, because most things are.
    """
    for term in WEIGHT_UPDATING:
        # \b on both sides: the term must stand as its own word, not inside "constraints" or "pretrained".
        if re.search(r"\b" + re.escape(term) + r"\b", activity, re.IGNORECASE):
            return TRAINING
    return INFERENCE


def audit(sheet: list[Row]) -> list[str]:
    """Return the sheet's problems as a list of plain-language strings; [] means it passes the Verify line.

    One string for each of these, so a row with three of them gives three; the problem about a row
    contains that row's `activity` as written, character for character:
    - the sheet is empty (this one string may be all: a tie of 0 with 0 need not be said too);
    - a row whose `column` is not exactly the one `phase` gives for its activity ("Inference" is not);
    - a Training row whose justification is blank (empty or whitespace only);
    - a Training row whose measurement is blank (empty or whitespace only);
    - the Inference count is not higher than the Training count (strictly: a tie fails).
    A Training row is one whose `column` is "training", an Inference row one whose `column` is
    "inference": the counts and the blank checks go by what the sheet says, even in a misplaced row.
    Never raise, whatever text the rows' fields hold (each is a str, as `Row` says). Leave `sheet`
    and its rows as they are.
    """
    if not sheet:
        return ["The sheet is empty: list every AI thing your team does (or plans to)."]
    problems = []
    for row in sheet:
        belongs = phase(row.activity)
        if row.column != belongs:
            # The activity as written, not its repr: a repr would escape a line break or a quote.
            problems.append(f"'{row.activity}' is in the {row.column!r} column but belongs in {belongs!r}.")
        if row.column != TRAINING:
            continue  # only Training rows owe a justification and a measurement
        if not row.justification.strip():  # "   " is as blank as ""
            problems.append(f"Training row '{row.activity}' has no justification: why is a prompted base model not enough?")
        if not row.measurement.strip():
            problems.append(f"Training row '{row.activity}' has no measurement: which number proves it beats the base?")
    training = sum(row.column == TRAINING and phase(row.activity) == TRAINING for row in sheet)
    inference = sum(row.column == INFERENCE and phase(row.activity) == INFERENCE for row in sheet)
    if inference <= training:  # "higher" is strict: a tie fails
        problems.append(f"The Inference count ({inference}) is not higher than the Training count ({training}).")
    return problems


def my_stack() -> list[Row]:
    """Your team's sheet: every AI thing it does (or plans to), each in its column.

    Write your own. Most rows should be inference-only; zero Training rows is fine. Give each Training
    row the reason you would train at all and the one measurement that would prove the trained model
    beats a well-prompted base model. `audit(my_stack())` must return [].
    """
    return [
        Row("answer support questions with RAG over the help centre", INFERENCE),
        Row("embed our docs into a vector index", INFERENCE),
        Row("prompt caching for the system prompt and tool definitions", INFERENCE),
        Row("summarise each closed ticket for the weekly report", INFERENCE),
        Row("extract fields from invoices as structured output", INFERENCE),
        Row("quantize an open-weight model to 4-bit for local serving", INFERENCE),
        Row("run the eval set against every prompt change", INFERENCE),
        Row(
            "distil Sonnet into a small classifier that routes tickets",
            TRAINING,
            justification="Two million tickets a month: per-call cost and latency of the large model "
            "are the bottleneck, and the task is one narrow label.",
            measurement="Routing accuracy on the 500-ticket held-out eval set within 1 point of "
            "few-shot prompted Sonnet, at under a tenth of the cost per ticket.",
        ),
    ]


def verdict(sheet: list[Row]) -> str:
    """Stretch: one sentence (a str) on a sheet that passes `audit`.

    With zero Training rows, say in the course's words that it is the expected, healthy result and
    that your problems are RAG, prompts, and evals (the words "healthy", "RAG", "prompts" and "evals"
    appear, as words, in any case). Otherwise give the number of Training rows in digits ("2") and say
    that each needs its justification and measurement; never use the word "zero" then (in any case).
    """
    training = sum(row.column == TRAINING for row in sheet)
    if training == 0:
        return "Zero Training rows: the expected, healthy result. Your problems are RAG, prompts, and evals."
    return (f"{training} Training row(s): most teams never train, so each needs its written justification "
            "and a measurement against a well-prompted base model.")
