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
    positions = sorted(ROWS.index(row) if row in ROWS else _unknown(row) for row in problem)
    if not positions:
        raise ValueError("no row given: describe the problem by the rows of DECISION_TABLE that apply")
    return DECISION_TABLE[positions[0]][1]


def _unknown(row):
    raise ValueError(f"not a row of the decision table: {row!r}")


def cheaper_faster_next(already_done: set[str]) -> str | None:
    """The next step of the cheaper/faster ladder, given the steps already done."""
    remaining = [step for step in CHEAPER_FASTER if step not in already_done]
    return remaining[0] if remaining else None


_KEY = re.compile(r"^\s*(?P<key>task|row|chosen|rejected\s+(?P<approach>[^:]*?))\s*:(?P<value>.*)$", re.I)


def _same(a: str, b: str) -> bool:
    def fold(text):
        return re.sub(r"\s+", " ", text.replace("’", "'").replace("‘", "'")).strip().casefold()
    return fold(a) == fold(b)


def validate_decision_doc(text: str) -> list[str]:
    """Everything wrong with a decision doc (the format is in the module docstring), in plain words.

    Design: a small state machine. Each keyed line opens an entry; a line with no key is appended to
    the open entry and marks it as broken over two lines.
    """
    entries = []  # dicts: {"key", "value", "broken"}
    problems = []
    for line in text.split("\n"):
        if line.strip() == "":
            continue
        found = _KEY.match(line)
        if found:
            approach = found.group("approach")
            if approach is None:
                key = found.group("key").strip().capitalize()
            else:
                canonical = [a for a in APPROACHES if _same(a, approach)]
                key = "Rejected " + (canonical[0] if canonical else approach.strip())
            entries.append({"key": key, "value": found.group("value").strip(), "broken": False})
        elif entries:
            entries[-1]["broken"] = True
            entries[-1]["value"] += " " + line.strip()
        else:
            problems.append(f"{line.strip()!r}: not a 'Key: value' line")

    by_key = {}
    for entry in entries:
        by_key.setdefault(entry["key"], []).append(entry)
        if entry["broken"]:
            problems.append(f"{entry['key']}: does not fit on its one line (the next line has no key)")

    def single(key):
        found = by_key.get(key, [])
        if len(found) != 1:
            problems.append(f"{key}: {len(found)} {key} lines, need exactly one")
            return None
        return found[0]

    task = single("Task")
    if task is not None and not task["value"]:
        problems.append("Task: empty")

    chosen = None
    chosen_entry = single("Chosen")
    if chosen_entry is not None:
        matches = [a for a in APPROACHES if _same(a, chosen_entry["value"])]
        if matches:
            chosen = matches[0]
        else:
            problems.append(f"Chosen: {chosen_entry['value']!r} is not one approach of {APPROACHES}")

    row_entry = single("Row")
    if row_entry is not None:
        cited = [row for row in ROWS if _same(row, row_entry["value"])]
        if not cited:
            problems.append(f"Row: {row_entry['value']!r} cites no row of the decision table")
        elif chosen is not None and chosen not in ROW_APPROACHES[cited[0]]:
            problems.append(f"Row: {cited[0]!r} leads to {', '.join(ROW_APPROACHES[cited[0]])}, not {chosen}")

    if chosen is not None:
        for approach in APPROACHES[APPROACHES.index(chosen) + 1:]:
            lines = by_key.get("Rejected " + approach, [])
            if not lines:
                problems.append(f"Rejected {approach}: missing (why is {approach} unnecessary?)")
            elif all(not e["value"] for e in lines):
                problems.append(f"Rejected {approach}: no reason given")

    count = len(text.split())
    if count > POST_IT_MAX_WORDS:
        problems.append(f"{count} words: more than the {POST_IT_MAX_WORDS} a Post-it holds")
    return problems


def my_decision_doc() -> str:
    """Your decision doc for one AI use case you own, in the format of the module docstring."""
    return """
Task: Turn support tickets into a fixed JSON summary for our dashboard.
Row: Need structured output reliably
Chosen: prompt
Rejected RAG: The ticket holds everything needed; nothing to retrieve.
Rejected fine-tune: Forced tool use already returns valid JSON.
Rejected distill: A few thousand tickets a month; cost is small.
Rejected classical: Tickets are free text; regexes break.
"""


def upgraded_replies() -> dict[str, str]:
    """Stretch: your U01 replies, with every paragraph that sounds vague upgraded by the table.

    Design: keep each original paragraph and append the decision table's concrete first move to it.
    """
    from .u01_vocabulary import replies

    addenda = {
        "fine-tune": "Per the decision table, when the model does not know our docs the first move is RAG: "
                     "embed the docs and retrieve the right passages for each question.",
        "vector": "Per the decision table, RAG comes first: keep the embeddings in memory and retrieve from them "
                  "before we buy and run any new database.",
        "making things up": "Per the decision table, give it context instead: RAG over our own docs, and a web "
                            "search tool for facts that changed after training.",
        "faster": "Per the decision table, climb the ladder in order: prompt caching first, then quantization of a "
                  "local model, and distillation only for a narrow task.",
        "own model": "Per the decision table, stay with a frontier model like Claude, or at most train a LoRA "
                     "adapter on an open-weight model for one huge task.",
    }
    default = ("Per the decision table, start at the top: RAG when the model lacks our docs, and prompt caching "
               "before anything heavier when the complaint is cost.")
    upgraded = {}
    for heading, paragraph in replies().items():
        extra = next((line for needle, line in addenda.items() if needle in heading.lower()), default)
        upgraded[heading] = " ".join(f"{paragraph} {extra}".split())
    return upgraded
