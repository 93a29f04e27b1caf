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


_LINE = re.compile(r"^\s*([A-Za-z][A-Za-z\- ]*?)\s*:\s*(.*?)\s*$")
_APOS = str.maketrans({"\u2019": "'", "\u2018": "'"})


class _Entry:
    def __init__(self, key: str, value: str):
        self.key = key
        self.value = value
        self.extra: list[str] = []


def _canon_approach(word: str) -> str | None:
    table = {a.lower(): a for a in APPROACHES}
    return table.get(" ".join(word.split()).lower())


def _canon_row(text: str) -> str | None:
    def key(s: str) -> str:
        return " ".join(s.translate(_APOS).split()).lower()
    table = {key(r): r for r in ROWS}
    return table.get(key(text))


def first_move(problem: set[str]) -> str:
    """The first move for a problem, described as the set of rows (from ROWS) that apply to it.

    Climb the table from the top and stop at the first answer that fits: return the first move (a
    str, DECISION_TABLE's second column) of the HIGHEST row of the table that is in `problem`,
    however many lower rows also apply; a lower row never changes the answer. An empty problem, or
    a row that is not in the table, raises ValueError.
    """
    rows = set(problem)
    if not rows:
        raise ValueError("an empty problem has no first move")
    if not rows <= set(ROWS):
        raise ValueError(f"rows not in the table: {sorted(rows - set(ROWS))}")
    highest = min(rows, key=ROWS.index)
    return DECISION_TABLE[ROWS.index(highest)][1]


def cheaper_faster_next(already_done: set[str]) -> str | None:
    """The next step of the cheaper/faster ladder, given the steps (from CHEAPER_FASTER) already done.

    "In that order": return the earliest step of CHEAPER_FASTER that is not done yet, even when a
    later step was done out of order. Return None when every step is done.
    """
    return next((step for step in CHEAPER_FASTER if step not in already_done), None)


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
    out: list[str] = []
    entries: list[_Entry] = []
    lines = [ln for ln in text.splitlines() if ln.strip()]
    for ln in lines:
        m = _LINE.match(ln)
        if m is None:
            if entries:
                entries[-1].extra.append(ln.strip())
            else:
                out.append(f"Stray line {ln.strip()!r}: not 'Key: value' and no key line above it.")
            continue
        entries.append(_Entry(" ".join(m.group(1).split()), m.group(2)))

    tasks, rows, chosens, rejected = [], [], [], []
    for e in entries:
        k = e.key.lower()
        if k == "task":
            tasks.append(e)
        elif k == "row":
            rows.append(e)
        elif k == "chosen":
            chosens.append(e)
        elif k.startswith("rejected "):
            rejected.append(e)
        else:
            out.append(f"{e.key}: not a key of a decision doc (Task, Row, Chosen, Rejected <approach>).")
            if e.extra:
                out.append(f"{e.key}: runs on over more than one line.")

    for name, group in (("Task", tasks), ("Row", rows), ("Chosen", chosens)):
        if not group:
            out.append(f"{name}: the {name} line is missing.")
        elif len(group) > 1:
            out.append(f"{name}: {len(group)} {name} lines, exactly one expected.")
        for e in group:
            if e.extra:
                out.append(f"{name}: runs on over {1 + len(e.extra)} lines; one line only.")

    if len(tasks) == 1 and not tasks[0].value:
        out.append("Task: the task sentence is empty.")

    choice = None
    if len(chosens) == 1:
        choice = _canon_approach(chosens[0].value)
        if choice is None:
            out.append(f"Chosen: {chosens[0].value!r} is not exactly one approach of {APPROACHES}.")

    row = None
    if len(rows) == 1:
        row = _canon_row(rows[0].value)
        if row is None:
            out.append(f"Row: {rows[0].value!r} does not cite a row of DECISION_TABLE verbatim.")
        elif choice is not None and choice not in ROW_APPROACHES[row]:
            out.append(f"Row: the row {row!r} leads to {ROW_APPROACHES[row]}, not to Chosen {choice!r}.")

    count: dict[str, int] = {}
    for e in rejected:
        raw = e.key.split(None, 1)[1]
        a = _canon_approach(raw)
        if a is None:
            out.append(f"Rejected {raw}: unknown approach {raw!r}.")
            continue
        count[a] = count.get(a, 0) + 1
        if not e.value:
            out.append(f"Rejected {a}: no reason given.")
        if e.extra:
            out.append(f"Rejected {a}: the reason does not fit on one line.")
        if a == choice:
            out.append(f"Rejected {a}: rejects the Chosen approach.")
    for a in APPROACHES:
        if count.get(a, 0) > 1:
            out.append(f"Rejected {a}: {count[a]} lines for one approach.")
    if choice is not None:
        for a in APPROACHES[APPROACHES.index(choice) + 1:]:
            if a not in count:
                out.append(f"Rejected {a}: missing.")

    n = len(text.split())
    if n > POST_IT_MAX_WORDS:
        out.append(f"Post-it: {n} words is more than {POST_IT_MAX_WORDS}.")
    return out


def my_decision_doc() -> str:
    """Your decision doc for one AI use case you own, in the format of the module docstring.

    Walk it down the table, stop at the first row that fits, choose one approach, and say in one
    line each why every approach after it in APPROACHES is unnecessary. validate_decision_doc must
    return [] for it.
    """
    doc = """Task: Turn a support ticket into a draft reply in our house style.
    Row: Generic output, no domain knowledge
    Chosen: prompt

    Rejected RAG: the ticket carries all the context needed.
    Rejected fine-tune: a role, format and constraint prompt passes our evals.
    Rejected distill: forty tickets a day; cost is no problem.
    Rejected classical: replies are prose, not labels.
    """
    # the literal is indented with the code: strip the indentation off every line
    return "\n".join(line.strip() for line in doc.splitlines()) + "\n"


def upgraded_replies() -> dict[str, str]:
    """Stretch: your U01 replies, with every paragraph that sounds vague upgraded by the table.

    Return a dict with the same headings as U01's `replies()` (import it inside this function:
    `from .u01_vocabulary import replies`). Rewrite at least one paragraph; afterwards every
    paragraph is one paragraph of 20 words or more that names the first move of a decision-table
    row, by a mechanism of TABLE_MECHANISMS that U01's mechanisms_named finds in it. The row must be
    the conversation's own: made-up answers fall in the docs row or the current-info row, "faster /
    cheaper" in the cheaper / faster row; a move of another row does not fit.
    """
    from .u01_vocabulary import mechanisms_named, replies

    DOCS, CURRENT, CHEAPER = ROWS[1], ROWS[2], ROWS[5]
    own_rows = {
        "fine-tune on our docs": (DOCS,),
        "we need a vector database": (DOCS,),
        "the model is making things up": (DOCS, CURRENT),
        "make it faster / cheaper": (CHEAPER,),
        "we should build our own model": (ROWS[6], ROWS[8]),
    }
    upgrade = {
        "fine-tune on our docs":
            " Upgrade from the decision table: the docs row's first move is RAG, embed and retrieve, or a "
            "structured wiki when knowledge compounds.",
        "we need a vector database":
            " Upgrade from the decision table: what the docs row needs is embeddings and retrieval, RAG, "
            "whatever store holds them.",
        "the model is making things up":
            " Upgrade from the decision table: ground it with RAG over our docs, or a web-search tool for "
            "current facts.",
        "make it faster / cheaper":
            " Upgrade from the decision table: prompt caching, then quantization, then distillation, in "
            "that order.",
        "we should build our own model":
            " Upgrade from the decision table: at millions of identical calls, a LoRA fine-tune on an "
            "open-weight model; for privacy, a local quantized model.",
    }

    def fits(heading: str, paragraph: str) -> bool:
        wanted = {m for row in own_rows[heading] for m in TABLE_MECHANISMS[row]}
        return bool(mechanisms_named(paragraph) & wanted)

    def ok(paragraph: str) -> bool:
        return len(paragraph.split()) >= 20 and all(line.strip() for line in paragraph.split("\n"))

    original = replies()
    result: dict[str, str] = {}
    for heading, paragraph in original.items():
        if fits(heading, paragraph) and ok(paragraph):
            result[heading] = paragraph
        else:
            result[heading] = paragraph.rstrip() + upgrade[heading]
    if result == original:                  # nothing sounded vague: still sharpen one paragraph
        first = next(iter(result))
        result[first] = result[first].rstrip() + upgrade[first]
    return result
