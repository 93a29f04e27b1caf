"""U12 · The right tool for the job.

The course's decision table, as data. First the table itself: `first_move` climbs it from the top
and stops at the first row that fits, and `cheaper_faster_next` walks its cheaper/faster ladder in
order. Then a checker for decision docs, and your own decision doc for one real use case, written in
this plain-text format (one "Key: value" per line, nothing else):

    Task: <the task, in one sentence>
    Row: <the row of DECISION_TABLE you are in: its "problem looks like" text, verbatim>
    Chosen: <exactly one of APPROACHES>
    Rejected <approach>: <one line: why not>   (one such line for each approach after Chosen)
"""

from __future__ import annotations

import re

# The decision tree of the unit, top to bottom: (problem looks like, first move). Order matters.
DECISION_TABLE = (
    ("Generic output, no domain knowledge", "A better prompt. Role + Format + Constraint."),
    ("Model doesn’t know about our docs", "RAG. Embed and retrieve. Or LLM Wiki if compounding matters."),
    ("Model needs current info", "Web search tool. Don’t fine-tune for recency."),
    ("Inconsistent voice across runs", "Persona pattern with samples. Low temperature."),
    ("Need structured output reliably", "Force tool use as the response format."),
    ("Need to run cheaper / faster", "Prompt caching → quantization → distillation. In that order."),
    ("Same task, millions of times, structured output", "LoRA fine-tune on an open-weight model. Maybe."),
    ("Frontier capability matters most", "Stick with Claude / GPT-4-class. Don’t fine-tune."),
    ("Privacy / sovereignty matters", "Local quantized model. See NanoClaw practice."),
)

# Just the "problem looks like" column, in table order.
ROWS = tuple(row for row, _ in DECISION_TABLE)

# The lab's ladder of approaches, simplest first: "prompt → RAG → fine-tune → distill → classical".
APPROACHES = ("prompt", "RAG", "fine-tune", "distill", "classical")

# Which approaches each row's move belongs to. A web-search tool is retrieval (the course's "prompt →
# retrieve → ..."); sticking with a frontier model or a local one means prompting it; the
# cheaper/faster row starts with caching (prompt work) and ends in distillation. No row sends you to
# "classical": the table never gets that far.
ROW_APPROACHES = {
    "Generic output, no domain knowledge": ("prompt",),
    "Model doesn’t know about our docs": ("RAG",),
    "Model needs current info": ("RAG",),
    "Inconsistent voice across runs": ("prompt",),
    "Need structured output reliably": ("prompt",),
    "Need to run cheaper / faster": ("prompt", "distill"),
    "Same task, millions of times, structured output": ("fine-tune",),
    "Frontier capability matters most": ("prompt",),
    "Privacy / sovereignty matters": ("prompt",),
}

# "Need to run cheaper / faster": "Prompt caching → quantization → distillation. In that order."
CHEAPER_FASTER = ("prompt caching", "quantization", "distillation")

# A 76 mm Post-it holds about 60 handwritten words. Words are counted as text.split() counts them, so
# "Rejected fine-tune:" is two. If the why does not fit, the decision is not clear yet.
POST_IT_MAX_WORDS = 60

# For the Stretch: the U01 GLOSSARY names of the mechanisms each row's first move uses. The first and
# the frontier rows name none that U01 knows ("a better prompt", "stick with Claude").
TABLE_MECHANISMS = {
    "Generic output, no domain knowledge": (),
    "Model doesn’t know about our docs": ("RAG", "structured wiki", "embeddings"),
    "Model needs current info": ("web-search tool",),
    "Inconsistent voice across runs": ("persona pattern",),
    "Need structured output reliably": ("structured output",),
    "Need to run cheaper / faster": ("prompt caching", "quantization", "distillation"),
    "Same task, millions of times, structured output": ("LoRA", "fine-tuning"),
    "Frontier capability matters most": (),
    "Privacy / sovereignty matters": ("quantization",),
}


def first_move(problem: set[str]) -> str:
    """The first move for a problem, described as the set of rows (from ROWS) that apply to it."""
    if not problem:
        raise ValueError("empty problem: which rows of the table apply?")
    top = min(problem, key=ROWS.index)  # ROWS.index raises ValueError for a row not in the table
    return dict(DECISION_TABLE)[top]


def cheaper_faster_next(already_done: set[str]) -> str | None:
    """The next step of the cheaper/faster ladder, given the steps already done."""
    return next((step for step in CHEAPER_FASTER if step not in already_done), None)


_CANON = lambda text: " ".join(text.replace("’", "'").lower().split())  # noqa: E731
_ROWS_BY_TEXT = {_CANON(row): row for row in ROWS}
_APPROACH_BY_TEXT = {approach.lower(): approach for approach in APPROACHES}


def _parse(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(key, value) pairs in order, keys canonical ("Task", "Row", "Chosen", "Rejected <approach>"),
    and the keys whose line runs on to the next one (plus stray lines with no key before them)."""
    pairs, run_on = [], []
    for line in filter(str.strip, text.splitlines()):
        head, colon, value = line.partition(":")
        words = head.split()
        first = words[0].lower() if words else ""
        if colon and len(words) == 1 and first in ("task", "row", "chosen"):
            pairs.append((first.capitalize(), value.strip()))
        elif colon and len(words) >= 2 and first == "rejected":
            name = " ".join(words[1:])
            pairs.append(("Rejected " + _APPROACH_BY_TEXT.get(name.lower(), name), value.strip()))
        elif pairs:
            run_on.append(pairs[-1][0])
        else:
            run_on.append(f"line {line.strip()!r} (no key)")
    return pairs, list(dict.fromkeys(run_on))


def validate_decision_doc(text: str) -> list[str]:
    """Everything wrong with a decision doc (the format is in the module docstring), in plain words."""
    pairs, run_on = _parse(text)
    values = lambda key: [v for k, v in pairs if k == key]  # noqa: E731
    problems = [f"{key}: its line runs on to the next line; the reason must fit on one line" for key in run_on]

    tasks, rows, chosens = values("Task"), values("Row"), values("Chosen")
    if len(tasks) != 1 or not tasks[0]:
        problems.append("Task: the doc needs exactly one non-empty Task line" + f" (found {len(tasks)})")

    chosen = _APPROACH_BY_TEXT.get(_CANON(chosens[0])) if len(chosens) == 1 else None
    if len(chosens) != 1:
        problems.append(f"Chosen: the doc needs exactly one Chosen line (found {len(chosens)})")
    elif chosen is None:
        problems.append(f"Chosen: {chosens[0]!r} must be exactly one of: {', '.join(APPROACHES)}")

    if len(rows) != 1:
        problems.append(f"Row: the doc needs exactly one Row line (found {len(rows)})")
    elif _CANON(rows[0]) not in _ROWS_BY_TEXT:
        problems.append(f"Row: {rows[0]!r} is not a row of DECISION_TABLE, verbatim")
    elif chosen and chosen not in ROW_APPROACHES[_ROWS_BY_TEXT[_CANON(rows[0])]]:
        problems.append(f"Row: {rows[0]!r} does not send you to {chosen!r}")

    if chosen:
        owed = APPROACHES[APPROACHES.index(chosen) + 1:]
        problems += [f"Rejected {a}: no line says why not {a}" for a in owed if not values("Rejected " + a)]
        problems += [f"Rejected {a}: the reason is empty" for a in owed
                     if values("Rejected " + a) and not any(values("Rejected " + a))]

    if len(text.split()) > POST_IT_MAX_WORDS:
        problems.append(f"too long: {len(text.split())} words, a Post-it holds {POST_IT_MAX_WORDS}")
    return problems


def my_decision_doc() -> str:
    """Your decision doc for one AI use case you own, in the format of the module docstring."""
    lines = [
        "Task: Tell support agents what changed in our product this week.",
        "Row: Model needs current info",
        "Chosen: RAG",
        "Rejected fine-tune: Weekly changes would need weekly retraining; search is fresh.",
        "Rejected distill: Twenty agents ask a few times a day; cost is not the issue.",
        "Rejected classical: Release notes are prose; no fixed rules capture them.",
    ]
    return "\n".join(lines)


def upgraded_replies() -> dict[str, str]:
    """Stretch: your U01 replies, with every paragraph that sounds vague upgraded by the table."""
    from .u01_vocabulary import replies

    better = {
        "fine-tune on our docs": "Fine-tuning teaches style, not facts. The table row for a model that does not "
                                 "know our docs says RAG first: embed the docs and retrieve passages per question.",
        "we need a vector database": "Maybe later. The first move for our docs is RAG with embeddings kept in a "
                                     "plain file; a database only earns its place when the corpus outgrows memory.",
        "the model is making things up": "It is guessing because context is missing. Give it our docs with RAG, and "
                                         "give it a web search tool for anything that changed after training.",
        "make it faster / cheaper": "Climb the ladder in order: prompt caching for the shared prefix, then "
                                    "quantization of a local model, and distillation only for a narrow, high-volume task.",
        "we should build our own model": "Rarely. Frontier capability means staying with Claude; a huge volume of "
                                         "one structured task might justify LoRA on an open-weight model, nothing more.",
    }
    fallback = ("Walk the decision table top down and stop at the first row that fits: usually RAG for our docs, "
                "or prompt caching before any quantization or distillation when cost is the complaint.")
    return {heading: better.get(heading, fallback) for heading in replies()}
