"""U02 · Training vs inference.

One test sorts every AI thing your team does: are weights being updated (Training) or frozen
(Inference)? First write `phase`, which applies that test to a short description; then `audit`, which
checks a two-column sheet the way the Verify line does; then fill in `my_stack` with your own team's
sheet and let the audit pass it. Stretch: a `verdict` that calls a zero-Training sheet healthy.

Alternative 2: phase scans every occurrence by hand (str.find on lower-cased text, isalnum edges);
audit collects its problems from small rule functions; Counter for the column counts.
"""

from __future__ import annotations

import re
from collections import Counter
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


def _whole_word_at(text: str, term: str) -> bool:
    n = len(term)
    for i in range(len(text) - n + 1):
        # Compare a slice of the original text, lower-cased, so indexes stay aligned.
        if text[i:i + n].lower() != term:
            continue
        before_ok = i == 0 or not text[i - 1].isalnum()
        after_ok = i + n == len(text) or not text[i + n].isalnum()
        if before_ok and after_ok:
            return True
    return False


_TERMS_LOWER = tuple(t.lower() for t in WEIGHT_UPDATING)


def phase(activity: str) -> str:
    """Return TRAINING ("training") or INFERENCE ("inference") for one activity, by the unit's test.

    "training" when `activity` names a way of updating weights: any term of WEIGHT_UPDATING, standing
    as a whole word or phrase ("constraints" does not contain the word "train", nor "pretrained" the
    word "pretrain"), in any case ("LoRA", "lora"). "inference" otherwise: weights frozen is the
    default, because most things are.
    """
    for term in _TERMS_LOWER:
        if _whole_word_at(activity, term):
            return TRAINING
    return INFERENCE


def _is_blank(s: str) -> bool:
    return not s or s.isspace()


def _row_problems(row: Row) -> list[str]:
    out = []
    want = phase(row.activity)
    if row.column != want:
        out.append("Wrong column for " + row.activity + ": it says " + repr(row.column)
                   + " but weights are " + ("updated" if want == TRAINING else "frozen")
                   + ", so it belongs under " + want + ".")
    if row.column == TRAINING:
        if _is_blank(row.justification):
            out.append("Missing justification for the Training row " + row.activity + ".")
        if _is_blank(row.measurement):
            out.append("Missing measurement for the Training row " + row.activity + ".")
    return out


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
    problems = []
    if len(sheet) == 0:
        problems.append("Empty sheet: there is nothing to audit.")
    for row in sheet:
        problems.extend(_row_problems(row))
    counts = Counter(row.column for row in sheet)
    if counts[INFERENCE] <= counts[TRAINING]:
        problems.append("Inference rows (%d) must outnumber Training rows (%d)."
                        % (counts[INFERENCE], counts[TRAINING]))
    return problems


def my_stack() -> list[Row]:
    """Your team's sheet: every AI thing it does (or plans to), each in its column.

    Write your own. Most rows should be inference-only; zero Training rows is fine. Give each Training
    row the reason you would train at all and the one measurement that would prove the trained model
    beats a well-prompted base model. `audit(my_stack())` must return [].
    """
    sheet = [
        Row("Code review comments from Claude on every pull request", INFERENCE),
        Row("Semantic search over the engineering wiki with embeddings", INFERENCE),
        Row("Draft release notes from merged commit messages", INFERENCE),
        Row("Triage bug reports into components with a structured output tool", INFERENCE),
    ]
    return sheet


def verdict(sheet: list[Row]) -> str:
    """Stretch: one sentence (a str) on a sheet that passes `audit`.

    With zero Training rows, say in the course's words that it is the expected, healthy result and
    that your problems are RAG, prompts, and evals (the words "healthy", "RAG", "prompts" and "evals"
    appear). Otherwise give the number of Training rows in digits ("2") and say that each needs its
    justification and measurement; never use the word "zero" then.
    """
    training_rows = [row for row in sheet if row.column == TRAINING]
    if not training_rows:
        return ("No Training rows: that is the expected, healthy result, and our problems are RAG, "
                "prompts, and evals.")
    return (str(len(training_rows)) + " Training row(s) on this sheet, each of which needs its "
            "justification and measurement written beside it.")
