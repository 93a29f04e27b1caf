"""MISTAKE validate_decision_doc() clause 'keys and approaches are read in any case' / Chosen '(any case)': compares the Chosen value with APPROACHES exactly, so 'rag' or 'Prompt' is refused.

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


def _norm(text: str) -> str:
    """A row or approach as compared: straight apostrophes, any case, spacing collapsed."""
    return " ".join(text.replace("\u2019", "'").casefold().split())


# Upgraded paragraphs, one per U01 heading: each names the first move of a decision-table row.
_UPGRADES = {
    "fine-tune on our docs": (
        "Our docs are the row \"Model doesn’t know about our docs\", and its first move is RAG: chunk the docs, "
        "embed them, retrieve the best paragraphs at question time and cite them. Fine-tuning bakes in "
        "yesterday's docs and cannot cite; retrieval updates the moment a page changes."),
    "we need a vector database": (
        "Maybe. The row is \"Model doesn’t know about our docs\": RAG over embeddings kept in a plain numpy "
        "array or pgvector first, or a structured wiki if the knowledge compounds. A dedicated vector "
        "database only pays for itself past about a million chunks."),
    "the model is making things up": (
        "That is hallucination, and the cause is missing context, not bad weights. If it lacks our docs, the "
        "first move is RAG with citations; if it lacks recent facts, it is a web search tool. Either way we "
        "give it sources and tell it to say not found when they are silent."),
    "make it faster / cheaper": (
        "This is the row \"Need to run cheaper / faster\", and the order is fixed: prompt caching first (mark the "
        "system prompt and tool definitions), then quantization of a local model, and distillation into a "
        "smaller student only for a narrow, high-volume task, measured on our eval each step."),
    "we should build our own model": (
        "We should not. If frontier capability matters most we stick with Claude; if privacy matters we run a "
        "local quantized model; if one narrow task runs millions of times we consider LoRA on an open-weight "
        "model. Training a foundation model is none of these rows."),
}

_GENERIC_UPGRADE = (
    "Climb the decision table from the top and stop at the first row that fits: a better prompt first, then "
    "RAG for our docs, a web search tool for current facts, prompt caching and quantization for cost, and "
    "LoRA only for a narrow task at scale."
)


def first_move(problem: set[str]) -> str:
    """The first move for a problem, described as the set of rows (from ROWS) that apply to it.

    Climb the table from the top and stop at the first answer that fits: return the first move (a
    str, DECISION_TABLE's second column) of the HIGHEST row of the table that is in `problem`,
    however many lower rows also apply; a lower row never changes the answer. An empty problem, or
    a row that is not in the table, raises ValueError.
    """
    if not problem:
        raise ValueError("empty problem: name at least one row of the decision table")
    unknown = [row for row in problem if row not in ROWS]
    if unknown:
        raise ValueError(f"not rows of the decision table: {sorted(unknown)}")
    for row, move in DECISION_TABLE:
        if row in problem:
            return move


def cheaper_faster_next(already_done: set[str]) -> str | None:
    """The next step of the cheaper/faster ladder, given the steps (from CHEAPER_FASTER) already done.

    "In that order": return the earliest step of CHEAPER_FASTER that is not done yet, even when a
    later step was done out of order. Return None when every step is done.
    """
    for step in CHEAPER_FASTER:
        if step not in already_done:
            return step
    return None


def validate_decision_doc(text: str) -> list[str]:
    """Everything wrong with a decision doc (the format is in the module docstring), in plain words.

    Return a list of str: empty for a valid doc; otherwise one string per problem, each naming the
    line ("Task", "Row", "Chosen") or the approach it is about. Blank lines are ignored; keys and
    approaches are read in any case. A valid doc has:
    - exactly one non-empty Task line;
    - exactly one Chosen line, whose value IS exactly one approach of APPROACHES (any case): "RAG
      and fine-tune", or two Chosen lines, are not a choice;
    - exactly one Row line, citing a row of DECISION_TABLE verbatim (any case, any spacing, straight
      or curly apostrophe), and that row's ROW_APPROACHES contain the chosen approach;
    - a "Rejected <approach>: <reason>" line for EACH approach after the chosen one in APPROACHES,
      with a non-empty reason that fits on that one line: a line that is not "Key: value" runs on
      from the line before it, which is a problem with that line's key (with no key line before
      it, it is a problem of its own);
    - at most POST_IT_MAX_WORDS (60) words in all, counted as text.split() counts them: it fits on a Post-it.
    """
    problems: list[str] = []
    approach_of = {a.casefold(): a for a in APPROACHES}
    tasks, rows, chosen, rejected = [], [], [], {}
    last_key = None  # (kind, label) of the last key line, for run-on lines
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        key_n = " ".join(key.split()).casefold()
        value = value.strip()
        kind = None
        if sep:
            if key_n == "task":
                kind, label = "task", "Task"
            elif key_n == "row":
                kind, label = "row", "Row"
            elif key_n == "chosen":
                kind, label = "chosen", "Chosen"
            elif key_n.startswith("rejected "):
                kind, label = "rejected", key_n[len("rejected "):].strip()
        if kind is None:
            if last_key is None:
                problems.append(f"line {number} is not a \"Key: value\" line: {line.strip()!r}")
            else:
                problems.append(f"{last_key[1]}: the line runs on to a second line ({line.strip()!r}); keep it to one line")
            continue
        last_key = (kind, label)
        if kind == "task":
            tasks.append(value)
        elif kind == "row":
            rows.append(value)
        elif kind == "chosen":
            chosen.append(value)
        else:
            approach = approach_of.get(label)
            if approach is None:
                problems.append(f"Rejected {label}: not an approach of {', '.join(APPROACHES)}")
                continue
            last_key = (kind, approach)
            rejected.setdefault(approach, []).append(value)

    if len(tasks) != 1:
        problems.append(f"Task: needs exactly one Task line, found {len(tasks)}")
    elif not tasks[0]:
        problems.append("Task: the task is empty")

    choice = None
    if len(chosen) != 1:
        problems.append(f"Chosen: needs exactly one Chosen line, found {len(chosen)}")
    elif chosen[0] not in APPROACHES:
        problems.append(f"Chosen: {chosen[0]!r} is not exactly one of {', '.join(APPROACHES)}")
    else:
        choice = chosen[0]

    if len(rows) != 1:
        problems.append(f"Row: needs exactly one Row line, found {len(rows)}")
    else:
        table = {_norm(row): row for row in ROWS}
        row = table.get(_norm(rows[0]))
        if row is None:
            problems.append(f"Row: {rows[0]!r} is not a row of the decision table")
        elif choice is not None and choice not in ROW_APPROACHES[row]:
            problems.append(f"Row: the row {row!r} does not lead to {choice} (it leads to {', '.join(ROW_APPROACHES[row])})")

    if choice is not None:
        if choice in rejected:
            problems.append(f"{choice}: chosen and rejected at once")
        for approach in APPROACHES[APPROACHES.index(choice) + 1:]:
            reasons = rejected.get(approach)
            if not reasons:
                problems.append(f"{approach}: no \"Rejected {approach}: <reason>\" line")
            elif not all(reasons):
                problems.append(f"{approach}: the Rejected line gives no reason")

    words = len(text.split())
    if words > POST_IT_MAX_WORDS:
        problems.append(f"too long for a Post-it: {words} words, at most {POST_IT_MAX_WORDS}")
    return problems


def my_decision_doc() -> str:
    """Your decision doc for one AI use case you own, in the format of the module docstring.

    Walk it down the table, stop at the first row that fits, choose one approach, and say in one
    line each why every approach after it in APPROACHES is unnecessary. validate_decision_doc must
    return [] for it.
    """
    return "\n".join([
        "Task: Answer support questions about our 400-page product catalog, which changes monthly.",
        "Row: Model doesn’t know about our docs",
        "Chosen: RAG",
        "Rejected fine-tune: Monthly changes would need retraining; retrieval just re-embeds.",
        "Rejected distill: Cost is not our problem yet.",
        "Rejected classical: Free-text questions defeat keyword rules.",
    ]) + "\n"


def upgraded_replies() -> dict[str, str]:
    """Stretch: your U01 replies, with every paragraph that sounds vague upgraded by the table.

    Return a dict with the same headings as U01's `replies()` (import it inside this function:
    `from .u01_vocabulary import replies`). Rewrite at least one paragraph; afterwards every
    paragraph is one paragraph of 20 words or more that names the first move of a decision-table
    row, by a mechanism of TABLE_MECHANISMS that U01's mechanisms_named finds in it.
    """
    from .u01_vocabulary import replies

    return {heading: _UPGRADES.get(heading, _GENERIC_UPGRADE) for heading in replies()}
