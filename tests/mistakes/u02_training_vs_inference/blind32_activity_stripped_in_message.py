"""Breaks audit() 'the problem about a row contains that row's `activity` as written, character for character': the misplaced-row problem quotes row.activity.strip(), so an activity with spaces at its ends is not held as written (blind learner 32).

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
    import unicodedata
    def glue(ch: str) -> bool:
        # letters, digits and combining marks in any alphabet glue; underscore glues too (my choice)
        return ch == "_" or unicodedata.category(ch)[0] in "LNM"
    text = activity
    for term in WEIGHT_UPDATING:
        k = len(term)
        for i in range(len(text) - k + 1):
            if text[i:i + k].lower() != term.lower():
                continue
            before = text[i - 1] if i > 0 else " "
            after = text[i + k] if i + k < len(text) else " "
            if not glue(before) and not glue(after):
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
    problems: list[str] = []
    if not sheet:
        return ["The sheet is empty: list every AI thing your team does, each in its column."]
    n_training = 0
    n_inference = 0
    for row in sheet:
        expected = phase(row.activity)
        if row.column != expected:
            problems.append("Row «" + row.activity.strip() + f"» is in the {row.column!r} column; the unit's test puts it in {expected!r}.")
        if row.column == TRAINING:
            n_training += 1
            if not row.justification.strip():
                problems.append("Training row «" + row.activity + "» has no justification.")
            if not row.measurement.strip():
                problems.append("Training row «" + row.activity + "» has no measurement.")
        elif row.column == INFERENCE:
            n_inference += 1
    if not n_inference > n_training:
        problems.append(f"The Inference count ({n_inference}) is not higher than the Training count ({n_training}).")
    return problems


def my_stack() -> list[Row]:
    """Your team's sheet: every AI thing it does (or plans to), each in its column.

    Write your own. Most rows should be inference-only; zero Training rows is fine. Give each Training
    row the reason you would train at all and the one measurement that would prove the trained model
    beats a well-prompted base model. `audit(my_stack())` must return [].
    """
    return [
        Row("support chatbot answering with Claude and a system prompt", INFERENCE),
        Row("RAG over the internal wiki with voyage-3 embeddings", INFERENCE),
        Row("prompt caching for the long policy document", INFERENCE),
        Row("ticket classification with few-shot examples", INFERENCE),
        Row("LoRA adapter for our invoice extraction format", TRAINING,
            justification="prompting and a smaller model both missed the 95% bar; we hold 2,000 labelled invoices",
            measurement="field-level exact match on 200 held-out invoices vs the well-prompted base model"),
    ]


def verdict(sheet: list[Row]) -> str:
    """Stretch: one sentence (a str) on a sheet that passes `audit`.

    With zero Training rows, say in the course's words that it is the expected, healthy result and
    that your problems are RAG, prompts, and evals (the words "healthy", "RAG", "prompts" and "evals"
    appear, as words, in any case). Otherwise give the number of Training rows in digits ("2") and say
    that each needs its justification and measurement; never use the word "zero" then (in any case).
    """
    n = sum(1 for row in sheet if row.column == TRAINING)
    if n == 0:
        return "No Training rows: that is the expected, healthy result; your problems are RAG, prompts, and evals."
    return f"{n} Training rows: each needs its justification and measurement written beside it."
