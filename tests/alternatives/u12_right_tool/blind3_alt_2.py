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


_KEY_LINE = re.compile(r"^\s*(task|row|chosen|rejected\s+(?P<approach>[^:]*?))\s*:(?P<value>.*)$", re.IGNORECASE)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text.replace("’", "'")).lower()


_MECHANISMS = {name for names in TABLE_MECHANISMS.values() for name in names}

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
    rows = set(problem)
    if len(rows) == 0:
        raise ValueError("first_move needs at least one row")
    for row in rows:
        if row not in ROWS:
            raise ValueError(f"{row!r} is not a row of DECISION_TABLE")
    highest = min(ROWS.index(row) for row in rows)
    return DECISION_TABLE[highest][1]


def cheaper_faster_next(already_done: set[str]) -> str | None:
    """The next step of the cheaper/faster ladder, given the steps (from CHEAPER_FASTER) already done.

    "In that order": return the earliest step of CHEAPER_FASTER that is not done yet, even when a
    later step was done out of order. Return None when every step is done.
    """
    remaining = [step for step in CHEAPER_FASTER if step not in already_done]
    return remaining[0] if remaining else None


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
    records = []   # [key, approach or None, value, runs_on]
    problems = []
    for raw in text.split("\n"):
        if raw.strip() == "":
            continue
        m = _KEY_LINE.match(raw)
        if m:
            key = m.group(1).split()[0].lower()
            records.append([key, m.group("approach"), m.group("value").strip(), False])
        elif records:
            records[-1][3] = True
        else:
            problems.append(f"a line before any key is not \"Key: value\": {raw.strip()}")

    def named(key):
        return [r for r in records if r[0] == key]

    by_lower = {a.lower(): a for a in APPROACHES}
    for key, label in (("task", "Task"), ("row", "Row"), ("chosen", "Chosen")):
        found = named(key)
        if len(found) != 1:
            problems.append(f"{label} line: expected exactly one, got {len(found)}")
        elif found[0][3]:
            problems.append(f"{label} line runs on past its line")

    task = named("task")
    if len(task) == 1 and not task[0][2]:
        problems.append("Task line is empty")

    choice = None
    chosen = named("chosen")
    if len(chosen) == 1:
        choice = by_lower.get(chosen[0][2].lower())
        if choice is None:
            problems.append(f"Chosen line must be exactly one of {APPROACHES}, not {chosen[0][2]!r}")

    row_lines = named("row")
    if len(row_lines) == 1:
        matches = [row for row in ROWS if _squash(row) == _squash(row_lines[0][2])]
        if not matches:
            problems.append(f"Row line does not cite a row of the table: {row_lines[0][2]!r}")
        elif choice and choice not in ROW_APPROACHES[matches[0]]:
            problems.append(f"Row line: {matches[0]!r} is not a row for the Chosen approach {choice}")

    rejections = {}
    for key, approach, value, runs_on in named("rejected"):
        canonical = by_lower.get(" ".join(approach.split()).lower())
        if canonical is None:
            problems.append(f"Rejected line names no approach of {APPROACHES}: {approach!r}")
            continue
        rejections.setdefault(canonical, []).append((value, runs_on))
    if choice:
        if choice in rejections:
            problems.append(f"{choice} is both Chosen and Rejected")
        for later in APPROACHES[APPROACHES.index(choice) + 1:]:
            if later not in rejections:
                problems.append(f"missing a Rejected {later} line")
                continue
            for value, runs_on in rejections[later]:
                if not value:
                    problems.append(f"Rejected {later}: the reason is empty")
                if runs_on:
                    problems.append(f"Rejected {later}: the reason does not fit on its line")

    count = len(text.split())
    if count > POST_IT_MAX_WORDS:
        problems.append(f"{count} words: more than the Post-it's {POST_IT_MAX_WORDS}")
    return problems


def my_decision_doc() -> str:
    """Your decision doc for one AI use case you own, in the format of the module docstring.

    Walk it down the table, stop at the first row that fits, choose one approach, and say in one
    line each why every approach after it in APPROACHES is unnecessary. validate_decision_doc must
    return [] for it.
    """
    doc = """
    Task: Pull the same twelve fields from one contract type, two million times a month.
    Row: Same task, millions of times, structured output
    Chosen: fine-tune
    Rejected distill: A LoRA adapter on a small open model is already cheap.
    Rejected classical: Contract wording varies too much for regexes.
    """
    return doc.strip() + "\n"


def upgraded_replies() -> dict[str, str]:
    """Stretch: your U01 replies, with every paragraph that sounds vague upgraded by the table.

    Return a dict with the same headings as U01's `replies()` (import it inside this function:
    `from .u01_vocabulary import replies`). Rewrite at least one paragraph; afterwards every
    paragraph is one paragraph of 20 words or more that names the first move of a decision-table
    row, by a mechanism of TABLE_MECHANISMS that U01's mechanisms_named finds in it.
    """
    from .u01_vocabulary import mechanisms_named, replies

    def fine(paragraph: str) -> bool:
        return ("\n\n" not in paragraph.strip() and len(paragraph.split()) >= 20
                and bool(mechanisms_named(paragraph) & _MECHANISMS))

    original = replies()
    upgraded = {}
    rewrote = False
    for heading, paragraph in original.items():
        if fine(paragraph):
            upgraded[heading] = paragraph
        else:
            upgraded[heading] = _UPGRADES.get(heading, _GENERIC_UPGRADE)
            rewrote = True
    if not rewrote and upgraded:
        first = next(iter(upgraded))
        upgraded[first] = _UPGRADES.get(first, _GENERIC_UPGRADE)
    return upgraded
