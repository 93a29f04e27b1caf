"""U02 · Training vs inference.

One test sorts every AI thing your team does: are weights being updated (Training) or frozen
(Inference)? First write `phase`, which applies that test to a short description; then `audit`, which
checks a two-column sheet the way the Verify line does; then fill in `my_stack` with your own team's
sheet and let the audit pass it. Stretch: a `verdict` that calls a zero-Training sheet healthy.

Alternative 3: one compiled alternation for phase (any match is enough, so overlaps do not matter);
audit is table-driven: (predicate, message-template) pairs applied to every row.
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


# Longest terms first; the lookarounds make every alternative a whole word or phrase.
_ANY_TERM = re.compile(
    r"(?<![^\W_])(?:"
    + "|".join(re.escape(t) for t in sorted(WEIGHT_UPDATING, key=len, reverse=True))
    + r")(?![^\W_])",
    re.IGNORECASE,
)


def phase(activity: str) -> str:
    """Return TRAINING ("training") or INFERENCE ("inference") for one activity, by the unit's test.

    "training" when `activity` names a way of updating weights: any term of WEIGHT_UPDATING, standing
    as a whole word or phrase ("constraints" does not contain the word "train", nor "pretrained" the
    word "pretrain"), in any case ("LoRA", "lora"). "inference" otherwise: weights frozen is the
    default, because most things are.
    """
    return TRAINING if _ANY_TERM.search(activity) else INFERENCE


# Each rule: (does the row have this problem?, how to say it). The activity is passed as an
# argument to a function, never spliced into a format string, so braces or % in it are harmless.
_ROW_RULES = (
    (lambda r: r.column != phase(r.activity),
     lambda r: "Row " + r.activity + " sits in column " + r.column + " but belongs in " + phase(r.activity) + "."),
    (lambda r: r.column == TRAINING and not r.justification.strip(),
     lambda r: "Row " + r.activity + " is Training but gives no justification."),
    (lambda r: r.column == TRAINING and not r.measurement.strip(),
     lambda r: "Row " + r.activity + " is Training but names no measurement."),
)


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
    problems = [say(row) for row in sheet for has, say in _ROW_RULES if has(row)]
    if not sheet:
        problems.insert(0, "The sheet has no rows.")
    columns = [row.column for row in sheet]
    training, inference = columns.count(TRAINING), columns.count(INFERENCE)
    if inference <= training:
        problems.append(f"Only {inference} Inference rows against {training} Training rows: Inference must be higher.")
    return problems


def my_stack() -> list[Row]:
    """Your team's sheet: every AI thing it does (or plans to), each in its column.

    Write your own. Most rows should be inference-only; zero Training rows is fine. Give each Training
    row the reason you would train at all and the one measurement that would prove the trained model
    beats a well-prompted base model. `audit(my_stack())` must return [].
    """
    inference = [
        "Chatbot answering HR policy questions from retrieved policy pages",
        "Meeting transcript summaries with a persona prompt",
        "Quantized local model for offline note search",
        "Re-rank search results with Claude",
        "Extract invoice fields with tool use as the response format",
    ]
    rows = [Row(a, INFERENCE) for a in inference]
    rows.append(Row(
        "Distill a routing classifier from Claude's labels",
        TRAINING,
        justification="Routing runs a million times a day; a small student is 50x cheaper per call.",
        measurement="Routing accuracy on 1,000 held-out tickets against Claude with the routing prompt.",
    ))
    rows.append(Row(
        "Fine-tune a small model on our SQL dialect",
        TRAINING,
        justification="The base models keep producing Postgres syntax our in-house engine rejects.",
        measurement="Share of 300 held-out questions whose generated query runs and returns the right rows.",
    ))
    return rows


def verdict(sheet: list[Row]) -> str:
    """Stretch: one sentence (a str) on a sheet that passes `audit`.

    With zero Training rows, say in the course's words that it is the expected, healthy result and
    that your problems are RAG, prompts, and evals (the words "healthy", "RAG", "prompts" and "evals"
    appear). Otherwise give the number of Training rows in digits ("2") and say that each needs its
    justification and measurement; never use the word "zero" then.
    """
    count = [row.column for row in sheet].count(TRAINING)
    if count:
        return f"{count} Training rows: each needs its justification and measurement, so keep both filled in."
    return "With zero Training rows this is the expected, healthy result; your problems are RAG, prompts, and evals."
