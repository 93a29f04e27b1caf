"""validate_decision_doc accepts a Chosen line that merely contains an approach ("RAG and fine-tune" passes as RAG) instead of one that is exactly one approach.

U12 · The right tool for the job.

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
        raise ValueError("an empty problem has no first move: name at least one row of the table")
    for row in problem:
        if row not in ROWS:
            raise ValueError(f"{row!r} is not a row of the decision table")
    for row, move in DECISION_TABLE:
        if row in problem:
            return move
    raise ValueError("no row of the table applies")  # unreachable


def cheaper_faster_next(already_done: set[str]) -> str | None:
    """The next step of the cheaper/faster ladder, given the steps already done."""
    for step in CHEAPER_FASTER:
        if step not in already_done:
            return step
    return None


KEY_LINE = re.compile(r"\s*(Task|Row|Chosen|Rejected\s+([^:]+?))\s*:(.*)$", re.IGNORECASE)


def _norm(text: str) -> str:
    return " ".join(text.replace("\u2019", "'").lower().split())


def validate_decision_doc(text: str) -> list[str]:
    """Everything wrong with a decision doc (the format is in the module docstring), in plain words."""
    problems = []
    tasks, rows, chosens = [], [], []
    rejected = {}  # normalised approach -> list of reasons
    run_on_keys = []
    last_key = None
    for line in text.splitlines():
        if not line.strip():
            continue
        match = KEY_LINE.match(line)
        if match is None:
            if last_key is None:
                problems.append(f"the line {line.strip()!r} is not 'Key: value'")
            elif last_key not in run_on_keys:
                run_on_keys.append(last_key)
            continue
        key, approach, value = match.group(1), match.group(2), match.group(3).strip()
        word = key.split()[0].lower()
        if word == "task":
            tasks.append(value)
            last_key = "Task"
        elif word == "row":
            rows.append(value)
            last_key = "Row"
        elif word == "chosen":
            chosens.append(value)
            last_key = "Chosen"
        else:
            rejected.setdefault(_norm(approach), []).append(value)
            names = {a.lower(): a for a in APPROACHES}
            last_key = "Rejected " + names.get(_norm(approach), approach.strip())

    for key in run_on_keys:
        problems.append(f"{key}: the line runs on to the next line; it must fit on one line")

    if len(tasks) != 1:
        problems.append(f"Task: expected exactly one Task line, found {len(tasks)}")
    elif not tasks[0]:
        problems.append("Task: the Task line is empty")

    chosen = None
    if len(chosens) != 1:
        problems.append(f"Chosen: expected exactly one Chosen line, found {len(chosens)}")
    else:
        for approach in APPROACHES:
            if chosen is None and approach.lower() in _norm(chosens[0]).split():
                chosen = approach
        if chosen is None:
            problems.append(f"Chosen: {chosens[0]!r} is not exactly one of {', '.join(APPROACHES)}")

    if len(rows) != 1:
        problems.append(f"Row: expected exactly one Row line, found {len(rows)}")
    else:
        row = None
        for candidate in ROWS:
            if _norm(candidate) == _norm(rows[0]):
                row = candidate
        if row is None:
            problems.append(f"Row: {rows[0]!r} is not a row of the decision table, verbatim")
        elif chosen is not None and chosen not in ROW_APPROACHES[row]:
            problems.append(f"Row: the row {row!r} does not lead to {chosen}")

    if chosen is not None:
        for approach in APPROACHES[APPROACHES.index(chosen) + 1:]:
            key = "Rejected " + approach
            reasons = rejected.get(approach.lower(), [])
            if not reasons:
                problems.append(f"{key}: missing; say in one line why not {approach}")
            elif not any(reasons):
                problems.append(f"{key}: the reason for rejecting {approach} is empty")

    words = len(text.split())
    if words > POST_IT_MAX_WORDS:
        problems.append(f"the doc has {words} words, more than {POST_IT_MAX_WORDS}: it does not fit on a Post-it")
    return problems


def my_decision_doc() -> str:
    """Your decision doc for one AI use case you own, in the format of the module docstring."""
    return (
        "Task: Answer staff questions about our internal HR policy handbook.\n"
        "Row: Model doesn’t know about our docs\n"
        "Chosen: RAG\n"
        "Rejected fine-tune: The handbook changes monthly; retrieval stays current without retraining.\n"
        "Rejected distill: A few hundred questions a day; a smaller model saves little.\n"
        "Rejected classical: Questions are free text; keyword rules miss paraphrases.\n"
    )


UPGRADES = {
    "fine-tune on our docs": (
        "Before anyone says fine-tune, walk the decision table: the model does not know our docs, so the first "
        "move is RAG, embedding the docs and retrieving the right passages at question time, which stays current "
        "when the docs change."),
    "we need a vector database": (
        "A vector database is storage, not a plan. The table says the model lacks our docs, so the first move is "
        "RAG: compute embeddings for our notes, retrieve the closest ones and put them in the prompt before buying anything."),
    "the model is making things up": (
        "Made-up answers usually mean missing context, so the table points to RAG for our own documents and to a "
        "web search tool when the answer needs current information, never to fine-tuning for recency."),
    "make it faster / cheaper": (
        "The table's cheaper and faster row is an ordered ladder: turn on prompt caching for the repeated prefix "
        "first, then try quantization of an open model, and only then distillation into a smaller student."),
    "we should build our own model": (
        "Building our own model is the last rung; the table says frontier capability means sticking with Claude, "
        "and millions of identical structured calls justify a LoRA adapter on an open-weight model at most."),
}
GENERIC_UPGRADE = (
    "Walk the decision table from the top: if the model lacks our docs the first move is RAG, and if it only needs "
    "to run cheaper the ladder starts with prompt caching, then quantization, then distillation.")


def upgraded_replies() -> dict[str, str]:
    """Stretch: your U01 replies, with every paragraph that sounds vague upgraded by the table."""
    from .u01_vocabulary import replies

    upgraded = {}
    for heading in replies():
        upgraded[heading] = UPGRADES.get(heading, GENERIC_UPGRADE)
    return upgraded
