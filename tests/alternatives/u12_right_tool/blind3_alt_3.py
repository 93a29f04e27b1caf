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


_APPENDIX = {
    "fine-tune on our docs": "Per the decision table, docs the model does not know call for RAG: embed and retrieve.",
    "we need a vector database": "Per the decision table, the first move for our docs is RAG over embeddings, or a structured wiki.",
    "the model is making things up": "Per the decision table, missing docs mean RAG and missing news means a web search tool.",
    "make it faster / cheaper": "Per the decision table: prompt caching, then quantization, then distillation, in that order.",
    "we should build our own model": "Per the decision table, privacy means a local quantized model and scale means LoRA, never a new model.",
}
_APPENDIX_DEFAULT = "Per the decision table, start with the first row that fits: RAG for our docs, prompt caching for cost."


def _canon_row(value: str):
    want = " ".join(value.replace("’", "'").lower().split())
    for row in ROWS:
        if " ".join(row.replace("’", "'").lower().split()) == want:
            return row
    return None


def first_move(problem: set[str]) -> str:
    """The first move for a problem, described as the set of rows (from ROWS) that apply to it.

    Climb the table from the top and stop at the first answer that fits: return the first move (a
    str, DECISION_TABLE's second column) of the HIGHEST row of the table that is in `problem`,
    however many lower rows also apply; a lower row never changes the answer. An empty problem, or
    a row that is not in the table, raises ValueError.
    """
    if not isinstance(problem, (set, frozenset)) or not problem:
        raise ValueError("problem must be a non-empty set of rows")
    strangers = problem.difference(ROWS)
    if strangers:
        raise ValueError("unknown row(s): " + "; ".join(sorted(strangers)))
    return next(move for row, move in DECISION_TABLE if row in problem)


def cheaper_faster_next(already_done: set[str]) -> str | None:
    """The next step of the cheaper/faster ladder, given the steps (from CHEAPER_FASTER) already done.

    "In that order": return the earliest step of CHEAPER_FASTER that is not done yet, even when a
    later step was done out of order. Return None when every step is done.
    """
    done = set(already_done)
    return next((step for step in CHEAPER_FASTER if step not in done), None)


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
    out = []
    lower_to_approach = {a.lower(): a for a in APPROACHES}
    seen = {"Task": [], "Row": [], "Chosen": []}
    rejects = {}          # approach -> list of reasons
    runs_on = set()       # labels of key lines that ran on
    current = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        head, colon, tail = stripped.partition(":")
        head = " ".join(head.split())
        label = None
        if colon:
            low = head.lower()
            if low in ("task", "row", "chosen"):
                label = low.capitalize()
                seen[label].append(tail.strip())
            elif low.split(" ", 1)[0] == "rejected" and " " in low:
                name = low.split(" ", 1)[1].strip()
                if name in lower_to_approach:
                    label = lower_to_approach[name]
                    rejects.setdefault(label, []).append(tail.strip())
                else:
                    out.append(f"Rejected {name}: {name!r} is not one of the approaches")
                    current = None
                    continue
        if label is None:
            if current is None:
                out.append(f"stray line, not Key: value: {stripped}")
            else:
                runs_on.add(current)
            continue
        current = label

    for label in ("Task", "Row", "Chosen"):
        if len(seen[label]) == 0:
            out.append(f"{label}: missing")
        elif len(seen[label]) > 1:
            out.append(f"{label}: {len(seen[label])} lines, exactly one allowed")
        if label in runs_on:
            out.append(f"{label}: runs on over more than one line")
    if len(seen["Task"]) == 1 and seen["Task"][0] == "":
        out.append("Task: empty")

    pick = None
    if len(seen["Chosen"]) == 1:
        pick = lower_to_approach.get(seen["Chosen"][0].lower())
        if pick is None:
            out.append(f"Chosen: {seen['Chosen'][0]!r} is not one approach of APPROACHES")
    if len(seen["Row"]) == 1:
        row = _canon_row(seen["Row"][0])
        if row is None:
            out.append(f"Row: {seen['Row'][0]!r} is not verbatim a row of DECISION_TABLE")
        elif pick is not None and pick not in ROW_APPROACHES[row]:
            out.append(f"Row: {row} does not allow the Chosen approach {pick}")

    if pick is not None:
        if pick in rejects:
            out.append(f"{pick}: both chosen and rejected")
        for approach in APPROACHES[APPROACHES.index(pick) + 1:]:
            reasons = rejects.get(approach, [])
            if not reasons:
                out.append(f"{approach}: Rejected line missing")
            if any(reason == "" for reason in reasons):
                out.append(f"{approach}: Rejected line has no reason")
            if approach in runs_on:
                out.append(f"{approach}: the reason runs on past its line")

    n_words = len(text.split())
    if n_words > POST_IT_MAX_WORDS:
        out.append(f"{n_words} words do not fit on a Post-it (max {POST_IT_MAX_WORDS})")
    return out


def my_decision_doc() -> str:
    """Your decision doc for one AI use case you own, in the format of the module docstring.

    Walk it down the table, stop at the first row that fits, choose one approach, and say in one
    line each why every approach after it in APPROACHES is unnecessary. validate_decision_doc must
    return [] for it.
    """
    lines = [
        ("Task", "Summarise each incoming support ticket in two lines for the triage queue."),
        ("Row", "Generic output, no domain knowledge"),
        ("Chosen", "prompt"),
        ("Rejected RAG", "The ticket itself is the only context needed."),
        ("Rejected fine-tune", "No labels, and a prompt already passes."),
        ("Rejected distill", "Volume is a few hundred a day."),
        ("Rejected classical", "Summaries need language, not rules."),
    ]
    return "\n".join(f"{key}: {value}" for key, value in lines)


def upgraded_replies() -> dict[str, str]:
    """Stretch: your U01 replies, with every paragraph that sounds vague upgraded by the table.

    Return a dict with the same headings as U01's `replies()` (import it inside this function:
    `from .u01_vocabulary import replies`). Rewrite at least one paragraph; afterwards every
    paragraph is one paragraph of 20 words or more that names the first move of a decision-table
    row, by a mechanism of TABLE_MECHANISMS that U01's mechanisms_named finds in it.
    """
    from .u01_vocabulary import replies

    result = {}
    for heading, paragraph in replies().items():
        body = " ".join(paragraph.split())
        result[heading] = f"{body} {_APPENDIX.get(heading, _APPENDIX_DEFAULT)}"
    return result
