"""Breaks validate_decision_doc() 'keys and approaches are read in any case': it reads Task, Row and Chosen only as written so, and only Rejected in any case, so 'task:' and 'CHOSEN:' are not keys.

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
    """The first move for a problem, described as the set of rows (from ROWS) that apply to it.

    Climb the table from the top and stop at the first answer that fits: return the first move (a
    str, DECISION_TABLE's second column) of the HIGHEST row of the table that is in `problem`,
    however many lower rows also apply; a lower row never changes the answer. An empty problem, or
    a row that is not in the table, raises ValueError.
    """
    if not problem:
        raise ValueError("an empty problem has no row: name at least one row of the table")
    unknown = [row for row in problem if row not in ROWS]
    if unknown:
        raise ValueError(f"not a row of the decision table: {unknown[0]!r}")
    for row, move in DECISION_TABLE:
        if row in problem:
            return move
    raise ValueError("no row of the table applies")


def cheaper_faster_next(already_done: set[str]) -> str | None:
    """The next step of the cheaper/faster ladder, given the steps (from CHEAPER_FASTER) already done.

    "In that order": return the earliest step of CHEAPER_FASTER that is not done yet, even when a
    later step was done out of order. Return None when every step is done.
    Leave `already_done` as it is: naming the next step does not do it.
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
    entries = []  # (kind, approach or None, value, run_on: bool)
    current = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        m = _KEY_LINE.match(line)
        if m:
            key = " ".join(m.group(1).split())
            value = m.group(2).strip()
            head, _, rest = key.partition(" ")
            kind = head.lower()
            approach = rest if kind == "rejected" else None
            current = [kind, approach, value, False]
            entries.append(current)
        elif current is not None:
            current[3] = True
        else:
            problems.append(f"The line {line!r} is not a 'Key: value' line and has no key line before it.")

    def of(kind):
        return [e for e in entries if e[0] == kind]

    tasks = of("task")
    if len(tasks) != 1:
        problems.append(f"Task: expected exactly one Task line, found {len(tasks)}.")
    elif not tasks[0][2]:
        problems.append("Task: the Task line is empty.")
    elif tasks[0][3]:
        problems.append("Task: the task runs on past its line; keep it to one line.")

    chosen = None
    chosens = of("chosen")
    if len(chosens) != 1:
        problems.append(f"Chosen: expected exactly one Chosen line, found {len(chosens)}.")
    else:
        value = chosens[0][2]
        match = [a for a in APPROACHES if a.lower() == value.lower()]
        if not match:
            problems.append(f"Chosen: {value!r} is not exactly one of {', '.join(APPROACHES)}.")
        else:
            chosen = match[0]
        if chosens[0][3]:
            problems.append("Chosen: the Chosen line runs on past its line.")

    rows = of("row")
    if len(rows) != 1:
        problems.append(f"Row: expected exactly one Row line, found {len(rows)}.")
    else:
        wanted = _norm_row(rows[0][2])
        found = [r for r in ROWS if _norm_row(r) == wanted]
        if not found:
            problems.append(f"Row: {rows[0][2]!r} is not a row of the decision table, verbatim.")
        elif chosen is not None and chosen not in ROW_APPROACHES[found[0]]:
            problems.append(f"Row: the row {found[0]!r} does not lead to the chosen approach {chosen}.")
        if rows[0][3]:
            problems.append("Row: the Row line runs on past its line.")

    rejected: dict[str, list] = {}
    for e in of("rejected"):
        approach = next((a for a in APPROACHES if a.lower() == e[1].lower()), None)
        if approach is None:
            problems.append(f"Rejected {e[1]}: {e[1]!r} is not an approach of {', '.join(APPROACHES)}.")
            continue
        rejected.setdefault(approach, []).append(e)
    if chosen is not None:
        for approach in APPROACHES[APPROACHES.index(chosen) + 1:]:
            lines = rejected.get(approach, [])
            if not lines:
                problems.append(f"Rejected {approach}: missing the line that says why not {approach}.")
                continue
            if not any(e[2] for e in lines):
                problems.append(f"Rejected {approach}: the reason is empty.")
            if any(e[3] for e in lines):
                problems.append(f"Rejected {approach}: the reason runs on past its one line.")

    words = len(text.split())
    if words > POST_IT_MAX_WORDS:
        problems.append(f"The doc has {words} words, more than the {POST_IT_MAX_WORDS} a Post-it holds.")
    return problems


def my_decision_doc() -> str:
    """Your decision doc for one AI use case you own, in the format of the module docstring.

    Walk it down the table, stop at the first row that fits, choose one approach, and say in one
    line each why every approach after it in APPROACHES is unnecessary. validate_decision_doc must
    return [] for it.
    """
    return (
        "Task: Answer support agents' questions about our internal product manuals.\n"
        "Row: Model doesn’t know about our docs\n"
        "Chosen: RAG\n"
        "Rejected fine-tune: the manuals change monthly and retraining cannot keep up.\n"
        "Rejected distill: cost is fine, nothing to shrink yet.\n"
        "Rejected classical: free-text questions need language understanding.\n"
    )


def upgraded_replies() -> dict[str, str]:
    """Stretch: your U01 replies, with every paragraph that sounds vague upgraded by the table.

    Return a dict with the same headings as U01's `replies()` (import it inside this function:
    `from .u01_vocabulary import replies`). Rewrite at least one paragraph; afterwards every
    paragraph is one paragraph of 20 words or more that names the first move of a decision-table
    row, by a mechanism of TABLE_MECHANISMS that U01's mechanisms_named finds in it. The row must be
    the conversation's own: made-up answers fall in the docs row or the current-info row, "faster /
    cheaper" in the cheaper / faster row; a move of another row does not fit.
    """
    from .u01_vocabulary import BUILD_OUR_OWN, CONVERSATIONS, replies

    mine = replies()
    better = {
        CONVERSATIONS[0]: "Instead of training on the docs, put RAG in front of the model: embed and retrieve the "
                          "right paragraphs at question time, so answers cite sources and follow every edit of the docs.",
        CONVERSATIONS[1]: "Start from the docs row of the table: plain embeddings stored next to our data, or a "
                          "structured wiki if knowledge compounds, are enough before we buy any dedicated store.",
        CONVERSATIONS[2]: "Made-up answers usually mean missing context, so ground the model with RAG over our own "
                          "sources, and add a web-search tool when the questions need current information.",
        CONVERSATIONS[3]: "Climb the cheaper and faster ladder in order: prompt caching for the repeated prefix "
                          "first, then quantization of the model we serve, and distillation only if both fall short.",
        BUILD_OUR_OWN: "Building our own model is the wrong first move; if the same structured task really runs "
                       "millions of times, a LoRA adapter on an open-weight model is the most we should try.",
    }
    return {heading: better.get(heading, text) for heading, text in mine.items()}


# --- helpers ---
_KEY_LINE = re.compile(r"^(Task|Row|Chosen|(?i:rejected)\s+[^:]*?)\s*:(.*)$")


def _norm_row(s):
    return re.sub(r"\s+", "", s.replace("\u2019", "'").replace("\u2018", "'")).casefold()
