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
    """The first move for a problem, described as the set of rows (from ROWS) that apply to it.

    Climb the table from the top and stop at the first answer that fits: return the first move (a
    str, DECISION_TABLE's second column) of the HIGHEST row of the table that is in `problem`,
    however many lower rows also apply; a lower row never changes the answer. An empty problem, or
    a row that is not in the table, raises ValueError.
    """
    raise NotImplementedError('U12 · first_move() is not written yet: write it here, then run `uv run kata next 12` (stuck? `uv run kata hint 12`)')


def cheaper_faster_next(already_done: set[str]) -> str | None:
    """The next step of the cheaper/faster ladder, given the steps (from CHEAPER_FASTER) already done.

    "In that order": return the earliest step of CHEAPER_FASTER that is not done yet, even when a
    later step was done out of order. Return None when every step is done.
    Leave `already_done` as it is: naming the next step does not do it.
    """
    raise NotImplementedError('U12 · cheaper_faster_next() is not written yet: write it here, then run `uv run kata next 12` (stuck? `uv run kata hint 12`)')


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
    - no other line (the format is one "Key: value" per line, nothing else): a line whose key is none
      of Task, Row, Chosen and Rejected, such as "Owner: Dana", is a problem, read as a run-on or as a
      key of its own;
    - at most POST_IT_MAX_WORDS (60) words in all, counted as text.split() counts them: it fits on a Post-it.
    """
    raise NotImplementedError('U12 · validate_decision_doc() is not written yet: write it here, then run `uv run kata next 12` (stuck? `uv run kata hint 12`)')


def my_decision_doc() -> str:
    """Your decision doc for one AI use case you own, in the format of the module docstring.

    Walk it down the table, stop at the first row that fits, choose one approach, and say in one
    line each why every approach after it in APPROACHES is unnecessary. validate_decision_doc must
    return [] for it.
    """
    raise NotImplementedError('U12 · my_decision_doc() is not written yet: write it here, then run `uv run kata next 12` (stuck? `uv run kata hint 12`)')


def upgraded_replies() -> dict[str, str]:
    """Stretch: your U01 replies, with every paragraph that sounds vague upgraded by the table.

    Return a dict with the same headings as U01's `replies()` (import it inside this function:
    `from .u01_vocabulary import replies`). Rewrite at least one paragraph; afterwards every
    paragraph is one paragraph of 20 words or more that names the first move of a decision-table
    row, by a mechanism of TABLE_MECHANISMS that U01's mechanisms_named finds in it. The row must be
    the conversation's own: made-up answers fall in the docs row or the current-info row, "faster /
    cheaper" in the cheaper / faster row; a move of another row does not fit.
    """
    raise NotImplementedError('U12 · upgraded_replies() is not written yet: write it here, then run `uv run kata next 12` (stuck? `uv run kata hint 12`)')
