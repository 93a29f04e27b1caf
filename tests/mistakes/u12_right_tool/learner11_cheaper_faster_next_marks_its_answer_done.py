"""Mistake (a blind learner's): cheaper_faster_next adds the step it names to the caller's set, so asking twice skips a step.

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
        raise ValueError("an empty problem: name at least one row of the table")
    unknown = [row for row in problem if row not in ROWS]
    if unknown:
        raise ValueError(f"not a row of the decision table: {unknown!r}")
    for row, move in DECISION_TABLE:
        if row in problem:
            return move
    raise AssertionError("unreachable")


def cheaper_faster_next(already_done: set[str]) -> str | None:
    """The next step of the cheaper/faster ladder, given the steps (from CHEAPER_FASTER) already done.

    "In that order": return the earliest step of CHEAPER_FASTER that is not done yet, even when a
    later step was done out of order. Return None when every step is done.
    """
    for step in CHEAPER_FASTER:
        if step not in already_done:
            already_done.add(step)  # record it: we are doing it now
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
    entries: list[list] = []  # [key as written, value, run-on lines]
    for line in text.splitlines():
        if not line.strip():
            continue
        match = _KEY_LINE.match(line)
        if match:
            entries.append([" ".join(match.group(1).split()), match.group(2).strip(), 0])
        elif entries:
            entries[-1][2] += 1
        else:
            problems.append(f"a line that is not 'Key: value', before any key line: {line.strip()!r}")
    by_key: dict[str, list] = {}
    rejected: dict[str, list] = {}
    for key, value, runs in entries:
        lower = key.lower()
        if lower.startswith("rejected"):
            approach = key[len("rejected"):].strip()
            rejected.setdefault(approach.lower(), []).append((approach, value, runs))
        else:
            by_key.setdefault(lower, []).append((key, value, runs))
            if runs:
                problems.append(f"{key}: its value runs on over {runs + 1} lines; keep it on one line")
    for key in by_key:
        if key not in ("task", "row", "chosen"):
            problems.append(f"{by_key[key][0][0]}: not a key of a decision doc (Task, Row, Chosen, Rejected <approach>)")

    tasks = by_key.get("task", [])
    if len(tasks) != 1:
        problems.append(f"Task: expected exactly one Task line, found {len(tasks)}")
    elif not tasks[0][1]:
        problems.append("Task: the task is empty")

    chosen = None
    chosens = by_key.get("chosen", [])
    if len(chosens) != 1:
        problems.append(f"Chosen: expected exactly one Chosen line, found {len(chosens)}")
    else:
        chosen = _APPROACH.get(chosens[0][1].lower())
        if chosen is None:
            problems.append(f"Chosen: {chosens[0][1]!r} is not exactly one of {', '.join(APPROACHES)}")

    row = None
    rows = by_key.get("row", [])
    if len(rows) != 1:
        problems.append(f"Row: expected exactly one Row line, found {len(rows)}")
    else:
        row = _ROW.get(_row_key(rows[0][1]))
        if row is None:
            problems.append(f"Row: {rows[0][1]!r} is not a row of the decision table, verbatim")
        elif chosen is not None and chosen not in ROW_APPROACHES[row]:
            problems.append(f"Row: the row {row!r} does not lead to {chosen} (its move: "
                            f"{', '.join(ROW_APPROACHES[row])}); Chosen and Row disagree")

    for lower, found in rejected.items():
        name = found[0][0] or "(no approach)"
        if lower not in _APPROACH:
            problems.append(f"Rejected {name}: not an approach of {', '.join(APPROACHES)}")
        elif chosen is not None and _APPROACH[lower] == chosen:
            problems.append(f"Rejected {_APPROACH[lower]}: it is the chosen approach")
        elif len(found) > 1:
            problems.append(f"Rejected {_APPROACH[lower]}: rejected {len(found)} times")
    if chosen is not None:
        for approach in APPROACHES[APPROACHES.index(chosen) + 1:]:
            found = rejected.get(approach.lower())
            if not found:
                problems.append(f"Rejected {approach}: missing; say in one line why {approach} is not needed")
                continue
            _, value, runs = found[0]
            if not value:
                problems.append(f"Rejected {approach}: the reason is empty")
            if runs:
                problems.append(f"Rejected {approach}: the reason runs on over {runs + 1} lines; keep it on one line")

    words = len(text.split())
    if words > POST_IT_MAX_WORDS:
        problems.append(f"Post-it: {words} words, more than {POST_IT_MAX_WORDS}")
    return problems


_KEY_LINE = re.compile(r"^\s*(task|row|chosen|rejected(?:\s+[^:]*)?)\s*:(.*)$", re.IGNORECASE)
_APPROACH = {approach.lower(): approach for approach in APPROACHES}


def _row_key(text: str) -> str:
    return "".join(text.replace("\u2019", "'").lower().split())


_ROW = {_row_key(row): row for row in ROWS}


def my_decision_doc() -> str:
    """Your decision doc for one AI use case you own, in the format of the module docstring.

    Walk it down the table, stop at the first row that fits, choose one approach, and say in one
    line each why every approach after it in APPROACHES is unnecessary. validate_decision_doc must
    return [] for it.
    """
    return (
        "Task: Answer support agents' questions from our 400-page product manual.\n"
        "Row: Model doesn't know about our docs\n"
        "Chosen: RAG\n"
        "Rejected fine-tune: the manual changes weekly; weights would go stale.\n"
        "Rejected distill: volume is a few hundred questions a day.\n"
        "Rejected classical: keyword search misses paraphrased questions.\n"
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
    from .u01_vocabulary import replies

    upgraded = dict(replies())
    upgraded["the model is making things up"] = (
        "Made-up answers mean missing context, so climb the table: if the facts live in our docs, "
        "RAG grounds every answer in retrieved chunks it must cite; if they are about today, a web "
        "search tool fetches them, and we never fine-tune for recency."
    )
    upgraded["we need a vector database"] = (
        "Only if the docs row says so: the first move is RAG, and for a small curated corpus a "
        "structured wiki beats it; if we do retrieve, embeddings in pgvector inside the Postgres we "
        "already run are enough for a long while."
    )
    return upgraded
