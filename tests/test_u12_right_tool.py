"""U12 · The right tool for the job: climb the decision table, then check a decision doc that says so."""

import pytest
from hypothesis import given, seed, settings
from hypothesis import strategies as st

from kata.judge.testing import InWords, Seen, expect, load_unit, raised

u12 = load_unit("u12_right_tool")
u01 = load_unit("u01_vocabulary")

# The space is small (9 rows, 5 approaches): a few dozen examples cover it and keep the unit fast.
DOC_EXAMPLES = 30
ROW_EXAMPLES = 60

VALID = "an empty list: the doc is valid"
PROBLEM = "a non-empty list of problems"


def rows():
    return [row for row, _ in u12.DECISION_TABLE]


def move(row):
    return dict(u12.DECISION_TABLE)[row]


def doc(task, row, chosen, reasons):
    """A decision doc in the unit's format; `reasons` maps each rejected approach to its line."""
    lines = [f"Task: {task}", f"Row: {row}", f"Chosen: {chosen}"]
    lines += [f"Rejected {approach}: {reason}" for approach, reason in reasons.items()]
    return "\n".join(lines) + "\n"


def norm(text):
    """Text as the checker compares it: any case, any spacing, straight or curly apostrophe."""
    return " ".join(text.replace("’", "'").lower().split())


def lower_than(approach):
    approaches = u12.APPROACHES
    return approaches[approaches.index(approach) + 1 :]


TASKS = ("Summarise support tickets for the weekly report.", "Tag incoming invoices by supplier.",
         "Answer staff questions about the travel policy.", "Write product descriptions from spec sheets.")
REASONS = ("overkill for a few hundred calls a day.", "no labelled data to train on.",
           "the docs change weekly.", "free text defeats rules.", "nothing to shrink yet.")


@st.composite
def valid_docs(draw):
    """A valid decision doc for any row of the table and any approach it leads to, and that approach."""
    row = draw(st.sampled_from(rows()), label="row")
    chosen = draw(st.sampled_from(u12.ROW_APPROACHES[row]), label="chosen")
    task = draw(st.sampled_from(TASKS), label="task")
    reasons = {a: draw(st.sampled_from(REASONS), label=f"reason {a}") for a in lower_than(chosen)}
    return doc(task, row, chosen, reasons), chosen


# A valid doc for each kind of choice, written as a learner would.
RAG_DOC = (
    "Task: Answer questions about our HR handbook.\n"
    "Row: Model doesn’t know about our docs\n"
    "Chosen: RAG\n"
    "Rejected fine-tune: the handbook changes every quarter.\n"
    "Rejected distill: a few hundred questions a week.\n"
    "Rejected classical: questions are free text.\n"
)
PROMPT_DOC = (
    "Task: Draft release notes from merged pull requests.\n"
    "Row: Generic output, no domain knowledge\n"
    "Chosen: prompt\n"
    "Rejected RAG: the PR titles are all the context it needs.\n"
    "Rejected fine-tune: no labelled data, no need.\n"
    "Rejected distill: ten runs a month.\n"
    "Rejected classical: summaries need language.\n"
)
FINE_TUNE_DOC = (
    "Task: Extract invoice fields from ten million scanned invoices a month.\n"
    "Row: Same task, millions of times, structured output\n"
    "Chosen: fine-tune\n"
    "Rejected distill: the LoRA model is already small.\n"
    "Rejected classical: layouts vary too much for templates.\n"
)


def problems_of(text):
    got = u12.validate_decision_doc(text)
    return got, f"validate_decision_doc({text!r})"


def expect_valid(text, hint, clause=None):
    try:
        got, call = problems_of(text)
    except Exception as error:  # said outside this block, or the failure would carry the raise as its context
        failed = error
    else:
        failed = None
    if failed is not None and clause is None:
        raise failed
    if failed is not None:  # a raise on a doc spelled another way: the clause of that spelling, not the test's line
        got, call = raised(failed), f"validate_decision_doc({text!r})"
    expect(got == [], call=call, returned=got, expected=VALID, hint=hint, clause=clause)


def expect_problem(text, naming, expected, hint):
    got, call = problems_of(text)
    ok = isinstance(got, list) and got and all(isinstance(p, str) for p in got) \
        and any(naming.lower() in p.lower() for p in got)
    expect(ok, call=call, returned=got, expected=f"{expected}, one of them naming {naming!r}", hint=hint)


# --- the table -------------------------------------------------------------------------------------


@pytest.mark.verify
@pytest.mark.parametrize(
    ("applies", "top"),
    [
        ((0,), 0),
        ((1, 6), 1),  # our docs, at volume: RAG before LoRA
        ((6, 1), 1),
        ((5, 8, 2), 2),  # cheaper, private, current: the web-search row is highest
        ((7, 4), 4),
        ((8,), 8),
    ],
    ids=["one-row", "docs-and-volume", "volume-and-docs", "cheaper-private-current", "frontier-structured", "private"],
)
def test_first_move_stops_at_the_highest_row(applies, top):
    """return the first move (a str, DECISION_TABLE's second column) of the HIGHEST row of the table that is in `problem`

    "Stop at the first answer that fits": the first move is that of the highest row that applies.
    """
    problem = {rows()[i] for i in applies}
    got = u12.first_move(problem)
    expect(got == move(rows()[top]), call=f"first_move({problem!r})", returned=got,
           expected=f"{move(rows()[top])!r}, the move of the highest applicable row {rows()[top]!r}",
           hint="walk DECISION_TABLE from the top and return the move of the first row that is in the problem")


@pytest.mark.contract
@pytest.mark.parametrize("problem", [set(), {"our model is slow"}, None], ids=["empty", "unknown-row", "unknown-beside-a-row"])
def test_first_move_refuses_an_empty_or_unknown_problem(problem):
    """An empty problem, or a row that is not in the table, raises ValueError.

    A problem the table cannot place has no first move: say so, never guess one.
    """
    problem = {"our model is slow", rows()[3]} if problem is None else problem
    try:
        got = u12.first_move(problem)
    except ValueError:
        return
    expect(False, call=f"first_move({problem!r})", returned=got, expected="a ValueError",
           hint="check every row of the problem against ROWS before answering, and refuse an empty set")


# The course's decision tree, typed here from the course text: (problem looks like, first move), top to bottom.
COURSE_TREE = (
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


@pytest.mark.verify  # ASCII ids: pytest escapes "’", and one run through the worker escaped it twice
@pytest.mark.parametrize(("row", "first"), COURSE_TREE, ids=[row.replace("’", "'") for row, _ in COURSE_TREE])
def test_each_row_of_the_course_table_gives_its_own_first_move(row, first):
    """return the first move (a str, DECISION_TABLE's second column) of the HIGHEST row of the table that is in `problem`

    The table is the course's, row for row: a problem that is just one row of it, written as the
    course writes it, gets the course's first move for that row.
    """
    got = u12.first_move({row})
    expect(got == first, call=f"first_move({{{row!r}}})", returned=got, expected=repr(first),
           hint="keep DECISION_TABLE as the course gives it, and return the move (second column) of the row")


@pytest.mark.verify
@settings(max_examples=ROW_EXAMPLES)
@given(picked=st.sets(st.integers(0, 8), min_size=1))
def test_first_move_is_the_top_most_row_of_any_problem(picked):
    """return the first move (a str, DECISION_TABLE's second column) of the HIGHEST row of the table that is in `problem`

    Property: for any set of applicable rows, the first move is the move of the top-most one.
    """
    problem = {rows()[i] for i in picked}
    got = u12.first_move(problem)
    want = move(rows()[min(picked)])
    expect(got == want, call=f"first_move({problem!r})", returned=got, expected=repr(want),
           hint="the row with the smallest position in DECISION_TABLE wins, not the last one and not a random one")


@pytest.mark.verify
@settings(max_examples=ROW_EXAMPLES)
@given(picked=st.sets(st.integers(0, 8), min_size=1), data=st.data())
def test_a_lower_row_never_changes_the_first_move(picked, data):
    """however many lower rows also apply; a lower row never changes the answer

    Property: noticing one more, lower, row of a problem never changes its first move.
    """
    top = min(picked)
    extra = data.draw(st.integers(top, 8), label="lower row")
    problem = {rows()[i] for i in picked}
    before, after = u12.first_move(problem), u12.first_move(problem | {rows()[extra]})
    expect(before == after, call=f"first_move({problem | {rows()[extra]}!r})", returned=after,
           expected=f"{before!r}, as without the lower row {rows()[extra]!r}",
           hint="a lower row can only matter when no higher row applies")


@pytest.mark.verify
@pytest.mark.parametrize(
    ("done", "next_step"),
    [
        (set(), "prompt caching"),
        ({"prompt caching"}, "quantization"),
        ({"prompt caching", "quantization"}, "distillation"),
        ({"prompt caching", "quantization", "distillation"}, None),
        ({"quantization"}, "prompt caching"),
        ({"distillation", "quantization"}, "prompt caching"),
        ({"prompt caching", "distillation"}, "quantization"),
    ],
)
def test_cheaper_faster_goes_in_that_order(done, next_step):
    """"In that order": return the earliest step of CHEAPER_FASTER that is not done yet, even when a later step was done out of order.

    "Need to run cheaper / faster": prompt caching → quantization → distillation. In that order,
    so a step skipped earlier comes before any later one.
    """
    got = u12.cheaper_faster_next(done)
    expect(got == next_step, call=f"cheaper_faster_next({done!r})", returned=got, expected=repr(next_step),
           hint="return the first step of CHEAPER_FASTER not yet done; None once all three are done")


@pytest.mark.contract
def test_cheaper_faster_next_leaves_what_is_done_alone():
    """Leave `already_done` as it is: naming the next step does not do it.

    A caller who asks twice gets the same answer: a blind learner's cheaper_faster_next added its
    answer to the caller's set, and the second call named the step after it.
    """
    done = {"prompt caching"}
    first, second = u12.cheaper_faster_next(done), u12.cheaper_faster_next(done)
    expect(done == {"prompt caching"} and first == second == "quantization",
           call="cheaper_faster_next(done) twice, done = {'prompt caching'}",
           returned=Seen({"done after the calls": done, "first answer": first, "second answer": second}),
           expected="done still {'prompt caching'}, and 'quantization' both times",
           hint="read the set, and add nothing to it: the caller decides when a step is done")


# --- the decision doc ------------------------------------------------------------------------------


@pytest.mark.verify
@pytest.mark.parametrize("text", [RAG_DOC, PROMPT_DOC, FINE_TUNE_DOC], ids=["RAG", "prompt", "fine-tune"])
def test_a_valid_doc_has_no_problems(text):
    """Your decision doc names exactly one chosen approach, cites the matching row of the table above, and gives a one-line reason each lower row was rejected.

    A doc that does all of that, in the unit's format, gets an empty list.
    """
    expect_valid(text, hint="a valid doc has one Task, one Row, one Chosen and a reason for each lower approach")


# Which clause of validate_decision_doc's docstring each spelling leans on: (the spelling, the clause, a hint).
SPELLING_CLAUSES = (
    ("row", "citing a row of DECISION_TABLE verbatim (any case, any spacing, straight or curly apostrophe)",
     "compare the row ignoring case, spacing (between its words too) and ’ vs '"),
    ("key", "keys and approaches are read in any case",
     "read every key in any case, Task, Row, Chosen and Rejected alike, and the approaches too: 'rag' is RAG, the "
     "approach as APPROACHES spells it, from there on"),
    ("blank", "Blank lines are ignored", "skip blank lines; a doc may end with or without a line break"),
    ("spaces", "Blank lines are ignored",
     "a line of nothing but spaces or tabs is blank too, as blank as an empty line: skip it, wherever it is"),
)


@pytest.mark.verify
@pytest.mark.parametrize(
    ("text", "why"),
    [
        (RAG_DOC.replace("Model doesn’t know about our docs", "model doesn't know about OUR docs"), "row"),
        (RAG_DOC.replace("Model doesn’t know about our docs", " Model  doesn’t   know about our\tdocs "), "row"),
        (RAG_DOC.replace("Chosen: RAG", "Chosen: rag"), "key"),
        (RAG_DOC.replace("Rejected fine-tune:", "REJECTED Fine-Tune:").replace("Rejected distill:", "rejected DISTILL :"),
         "key"),
        (RAG_DOC.replace("Task:", "task:").replace("Row:", "ROW:").replace("Chosen:", "chosen:"), "key"),
        (RAG_DOC.replace("\n", "\n\n"), "blank"),
        (RAG_DOC.rstrip("\n"), "blank"),
        (RAG_DOC.replace("\nRow:", "\n   \nRow:").replace("\nRejected distill:", "\n\t \nRejected distill:"), "spaces"),
        ("  \n" + RAG_DOC + " \n", "spaces"),
    ],
    ids=["row-any-case-straight-apostrophe", "row-any-spacing", "approach-any-case", "rejected-any-case",
         "keys-any-case", "blank-lines", "no-final-newline", "lines-of-spaces-between-rows",
         "lines-of-spaces-first-and-last"],
)
def test_a_valid_doc_in_other_spellings_has_no_problems(text, why):
    """cites the matching row of the table above

    The row is cited verbatim but in any case and any spacing, with a straight or a curly apostrophe;
    keys and approaches in any case ("REJECTED Fine-Tune:", "task:"); blank lines (a line of only spaces
    or tabs among them) and the final newline do not matter.
    """
    _, clause, hint = next(row for row in SPELLING_CLAUSES if row[0] == why)
    expect_valid(text, hint=hint, clause=clause)


@pytest.mark.verify
@pytest.mark.parametrize(
    "text",
    [
        RAG_DOC.replace("Chosen: RAG", "Chosen: RAG and fine-tune"),
        RAG_DOC.replace("Chosen: RAG", "Chosen: RAG, fine-tune"),
        RAG_DOC.replace("Chosen: RAG", "Chosen: RAG or prompt"),
        RAG_DOC.replace("Chosen: RAG", "Chosen: RAG\nChosen: fine-tune"),
        RAG_DOC.replace("Chosen: RAG\n", ""),
        RAG_DOC.replace("Chosen: RAG", "Chosen: a vector database"),
    ],
    ids=["and", "comma", "or", "two-lines", "none", "not-an-approach"],
)
def test_not_exactly_one_chosen_approach_is_a_problem(text):
    """Your decision doc names exactly one chosen approach

    Two approaches on the Chosen line, two Chosen lines, none, or something that is not an
    approach: each is a problem about "Chosen".
    """
    expect_problem(text, "Chosen", PROBLEM,
                   hint="exactly one Chosen line, and its value must BE one approach of APPROACHES, not contain one")


@pytest.mark.verify
@settings(max_examples=DOC_EXAMPLES)
@given(data=st.data())
def test_two_approaches_instead_of_one_are_always_rejected(data):
    """Your decision doc names exactly one chosen approach

    Property: take any valid doc and replace its one chosen approach by two approaches; it is
    rejected, however the two are joined.
    """
    text, chosen = data.draw(valid_docs(), label="valid doc")
    other = data.draw(st.sampled_from([a for a in u12.APPROACHES if a != chosen]), label="other approach")
    pair = data.draw(st.permutations([chosen, other]), label="order")
    sep = data.draw(st.sampled_from([" and ", ", ", " or ", "/", " + ", " then ", " "]), label="joined by")
    two = text.replace(f"Chosen: {chosen}\n", f"Chosen: {sep.join(pair)}\n")
    expect_problem(two, "Chosen", PROBLEM, hint="a Chosen line that names two approaches chooses neither")


@pytest.mark.verify
@pytest.mark.parametrize(
    "text",
    [
        RAG_DOC.replace("Row: Model doesn’t know about our docs", "Row: We need RAG"),
        RAG_DOC.replace("Row: Model doesn’t know about our docs", "Row: Model doesn’t know"),
        RAG_DOC.replace("Row: Model doesn’t know about our docs\n", ""),
        RAG_DOC.replace("Row: Model doesn’t know about our docs", "Row: Generic output, no domain knowledge"),
        FINE_TUNE_DOC.replace("Same task, millions of times, structured output", "Need structured output reliably"),
        PROMPT_DOC.replace("Generic output, no domain knowledge", "Same task, millions of times, structured output"),
        RAG_DOC.replace("Row: Model doesn’t know about our docs", "Row: Not model doesn’t know about our docs"),
        RAG_DOC.replace("Row: Model doesn’t know about our docs", "Row: Model doesn’t know about our docs (and cheap)"),
        RAG_DOC.replace("Row: Model doesn’t know about our docs",
                        "Row: RAG. Embed and retrieve. Or LLM Wiki if compounding matters."),
    ],
    ids=["not-a-row", "part-of-a-row", "no-row", "prompt-row-for-RAG", "prompt-row-for-fine-tune",
         "fine-tune-row-for-prompt", "a-row-with-words-before", "a-row-with-words-after", "the-first-move-column"],
)
def test_a_row_that_is_not_the_matching_row_is_a_problem(text):
    """cites the matching row of the table above

    The Row line must be a row of DECISION_TABLE, verbatim, and the row whose first move is the
    chosen approach (ROW_APPROACHES). Verbatim is the whole value: a row with words before or after
    it, or the row's first move (the other column), is no row.
    """
    expect_problem(text, "Row", PROBLEM,
                   hint="find the cited row in DECISION_TABLE, then check that the approaches of that row include the chosen one")


@pytest.mark.verify
@settings(max_examples=DOC_EXAMPLES)
@given(data=st.data())
def test_any_row_that_does_not_lead_to_the_chosen_approach_is_rejected(data):
    """cites the matching row of the table above

    Property: in a valid doc, citing any row whose move is not the chosen approach is a problem.
    """
    text, chosen = data.draw(valid_docs(), label="valid doc")
    cited = text.splitlines()[1].removeprefix("Row: ")
    wrong = data.draw(st.sampled_from([r for r in rows() if chosen not in u12.ROW_APPROACHES[r]]), label="wrong row")
    expect_problem(text.replace(f"Row: {cited}\n", f"Row: {wrong}\n"), "Row", PROBLEM,
                   hint="the cited row's ROW_APPROACHES must contain the chosen approach")


# "Need to run cheaper / faster" leads to two approaches (ROW_APPROACHES): a prompt (caching) and, last, distill.
CHEAPER_FASTER_DOCS = {
    "distill": ("Task: Answer tier-one support chats at a tenth of today's cost.\n"
                "Row: Need to run cheaper / faster\n"
                "Chosen: distill\n"
                "Rejected classical: the chats are free text.\n"),
    "prompt": ("Task: Answer tier-one support chats at a tenth of today's cost.\n"
               "Row: Need to run cheaper / faster\n"
               "Chosen: prompt\n"
               "Rejected RAG: no documents are missing.\n"
               "Rejected fine-tune: the prompt is not the cost.\n"
               "Rejected distill: prompt caching comes first.\n"
               "Rejected classical: the chats are free text.\n"),
}


@pytest.mark.contract
@pytest.mark.parametrize("chosen", ["distill", "prompt"])
def test_a_row_that_leads_to_two_approaches_fits_either(chosen):
    """and that row's ROW_APPROACHES contain the chosen approach

    The cheaper / faster row leads to a prompt (caching) and to distillation: a doc that chooses either
    of them and cites that row is valid, not only one that chooses the row's first approach.
    """
    expect_valid(CHEAPER_FASTER_DOCS[chosen],
                 hint="a row may lead to more than one approach: the chosen approach fits the row when it is any "
                      "of that row's approaches, the last as well as the first")


@pytest.mark.contract
@pytest.mark.parametrize(
    ("text", "row"),
    [
        (RAG_DOC.replace("Row: Model doesn’t know about our docs", "Row: Model doesn’t know about our docs."),
         "Model doesn’t know about our docs"),
        (RAG_DOC.replace("Row: Model doesn’t know about our docs", "Row: Model doesnt know about our docs"),
         "Model doesn’t know about our docs"),
        (RAG_DOC.replace("Row: Model doesn’t know about our docs", "Row: Model doesn-t know about our docs"),
         "Model doesn’t know about our docs"),
        (PROMPT_DOC.replace("Row: Generic output, no domain knowledge", "Row: Generic output no domain knowledge"),
         "Generic output, no domain knowledge"),
        (CHEAPER_FASTER_DOCS["prompt"].replace("Row: Need to run cheaper / faster", "Row: Need to run cheaper, faster"),
         "Need to run cheaper / faster"),
    ],
    ids=["a-full-stop-added", "the-apostrophe-dropped", "a-hyphen-for-the-apostrophe", "the-comma-dropped",
         "a-comma-for-the-slash"],
)
def test_a_row_with_its_punctuation_changed_is_a_problem(text, row):
    """citing a row of DECISION_TABLE verbatim (any case, any spacing, straight or curly apostrophe)

    Verbatim leaves three freedoms, no more: case, spacing, and which apostrophe. A full stop added, a comma
    dropped or a slash made a comma is another text, and the apostrophe may be straight or curly, not gone.
    """
    expect_problem(text, "Row", f"{PROBLEM} (the table's row is {row!r}, and this is not it verbatim)",
                   hint="compare the cited row with the table's letting only case, spacing and the kind of apostrophe "
                        "differ: every other character, punctuation included, must be the table's")


@pytest.mark.verify
@pytest.mark.parametrize(
    ("text", "approach"),
    [(RAG_DOC, a) for a in ("fine-tune", "distill", "classical")]
    + [(PROMPT_DOC, a) for a in ("RAG", "fine-tune", "distill", "classical")],
    ids=[f"RAG-doc-without-{a}" for a in ("fine-tune", "distill", "classical")]
    + [f"prompt-doc-without-{a}" for a in ("RAG", "fine-tune", "distill", "classical")],
)
def test_each_lower_approach_needs_its_reason(text, approach):
    """gives a one-line reason each lower row was rejected

    Remove the reason for any ONE approach below the chosen one and the doc is rejected, by a
    problem that names that approach.
    """
    line = next(line for line in text.splitlines() if line.startswith(f"Rejected {approach}:"))
    expect_problem(text.replace(line + "\n", ""), approach, f"a problem about the missing reason for {approach}",
                   hint="loop over every approach after the chosen one in APPROACHES and require its Rejected line")


@pytest.mark.verify
@pytest.mark.parametrize("approach", ["fine-tune", "distill", "classical"])
@pytest.mark.parametrize("reason", ["", "   "], ids=["empty", "spaces"])
def test_an_empty_reason_is_a_problem(approach, reason):
    """gives a one-line reason each lower row was rejected

    "Rejected distill:" with nothing after it gives no reason.
    """
    line = next(line for line in RAG_DOC.splitlines() if line.startswith(f"Rejected {approach}:"))
    text = RAG_DOC.replace(line, f"Rejected {approach}:{reason}")
    expect_problem(text, approach, f"a problem about the empty reason for {approach}",
                   hint="strip the reason; an empty one is no reason")


@pytest.mark.verify
@pytest.mark.parametrize("approach", ["fine-tune", "distill", "classical"])
def test_a_reason_on_two_lines_is_a_problem(approach):
    """gives a one-line reason each lower row was rejected

    A reason that runs onto a second line is not a one-line reason: the problem names the approach.
    """
    line = next(line for line in RAG_DOC.splitlines() if line.startswith(f"Rejected {approach}:"))
    text = RAG_DOC.replace(line, line + "\n  and there is more to say about it")
    expect_problem(text, approach, f"a problem about the reason for {approach} running past one line",
                   hint="a line that is not 'Key: value' continues the line before it; flag that line's key")


@pytest.mark.verify
@pytest.mark.parametrize("more", ["and fine-tune later, to be safe", "fine-tune"], ids=["and-more", "an-approach"])
def test_a_chosen_line_that_runs_on_is_a_problem(more):
    """Your decision doc names exactly one chosen approach

    A line with no key of its own under "Chosen: RAG" runs on from it: the choice is no longer one
    line, and may be two approaches. The problem names Chosen.
    """
    expect_problem(RAG_DOC.replace("Chosen: RAG\n", f"Chosen: RAG\n{more}\n"), "Chosen", PROBLEM,
                   hint="a line that is not 'Key: value' continues the line before it, whatever that line's key: "
                        "here the Chosen line")


@pytest.mark.contract
@pytest.mark.parametrize(("line", "key"), [("Task: Answer questions about our HR handbook.", "Task"),
                                           ("Row: Model doesn’t know about our docs", "Row")], ids=["Task", "Row"])
def test_a_task_or_row_line_that_runs_on_is_a_problem(line, key):
    """a line that is not "Key: value" runs on from the line before it, which is a problem with that line's key

    Not only after a Rejected line: a line with no key of its own under the Task or the Row line is a
    problem with that line, named by its key.
    """
    expect_problem(RAG_DOC.replace(line + "\n", line + "\n  and more about it, on a second line\n"), key, PROBLEM,
                   hint=f"a line that is not 'Key: value' continues the line before it, whatever that line's key: "
                        f"here the {key} line")


@pytest.mark.verify
def test_a_doc_without_its_task_is_a_problem():
    """Your decision doc names exactly one chosen approach, cites the matching row of the table above…

    The doc states the task it decides, in one Task line.
    """
    expect_problem(RAG_DOC.replace("Task: Answer questions about our HR handbook.\n", ""), "Task", PROBLEM,
                   hint="require exactly one non-empty Task line")


@pytest.mark.verify
@pytest.mark.parametrize(("line", "key"), [("Task: Answer questions about our HR handbook.", "Task"),
                                           ("Row: Model doesn’t know about our docs", "Row"), ("Chosen: RAG", "Chosen")])
def test_an_empty_task_row_or_chosen_line_is_a_problem(line, key):
    """Your decision doc names exactly one chosen approach, cites the matching row of the table above…

    A "Task:", "Row:" or "Chosen:" line with nothing after it states nothing: a problem naming it.
    """
    expect_problem(RAG_DOC.replace(line, f"{key}:   "), key, PROBLEM,
                   hint=f"a {key} line must have a value: strip it, and an empty one is a problem")


@pytest.mark.contract
@pytest.mark.parametrize(("line", "key"), [("Task: Answer questions about our HR handbook.", "Task"),
                                           ("Row: Model doesn’t know about our docs", "Row")])
def test_a_second_task_or_row_line_is_a_problem(line, key):
    """exactly one non-empty Task line … exactly one Row line

    The same line written twice is not one line: the doc is rejected by a problem naming that key.
    """
    expect_problem(RAG_DOC.replace(line + "\n", line + "\n" + line.replace("HR", "IT") + "\n"), key, PROBLEM,
                   hint=f"count the {key} lines: exactly one, not the last of several")


@pytest.mark.contract
def test_every_problem_of_a_doc_is_listed():
    """Everything wrong with a decision doc … one string per problem, each naming the line ("Task", "Row", "Chosen") or the approach it is about.

    A RAG doc with no Task line and none of its three Rejected lines has four problems: each is
    listed, by its own string, not only the first one found.
    """
    text = "Row: Model doesn’t know about our docs\nChosen: RAG\n"
    got, call = problems_of(text)
    named = {name: [p for p in got if isinstance(p, str) and name.lower() in p.lower()] for name in
             ("Task", "fine-tune", "distill", "classical")} if isinstance(got, list) else {}
    ok = isinstance(got, list) and len(got) >= 4 and all(named.get(n) for n in ("Task", "fine-tune", "distill", "classical"))
    expect(ok, call=call, returned=got,
           expected="at least four problems: one naming Task, and one naming each of fine-tune, distill and classical",
           hint="check every rule and keep every problem found: the doc's writer fixes them all in one pass")


@pytest.mark.contract
def test_a_line_before_any_key_is_a_problem():
    """a line that is not "Key: value" runs on from the line before it, which is a problem with that
    line's key (with no key line before it, it is a problem of its own)

    A title above the doc is not part of the format (one "Key: value" per line, nothing else).
    """
    got, call = problems_of("HR handbook assistant, decided in May\n" + RAG_DOC)
    expect(isinstance(got, list) and len(got) >= 1 and all(isinstance(p, str) for p in got), call=call, returned=got,
           expected=f"{PROBLEM}: the first line is not 'Key: value' and no key comes before it",
           hint="a line that is not 'Key: value' before any key line is a problem of its own, not something to skip")


@pytest.mark.contract
@pytest.mark.parametrize("line", ["Owner: Dana", "Decided by: the platform team", "Notes: revisit in Q3"])
@pytest.mark.parametrize("where", ["after-row", "last"])
def test_a_line_with_a_key_the_format_does_not_have_is_a_problem(line, where):
    """a line whose key is none of Task, Row, Chosen and Rejected, such as "Owner: Dana", is a problem

    The format is "one "Key: value" per line, nothing else", and its keys are Task, Row, Chosen and Rejected
    <approach>: a line under any other key is a problem, whether it is read as running on from the line before
    it or as a key of its own.
    """
    row = "Row: Model doesn’t know about our docs\n"
    text = RAG_DOC.replace(row, row + line + "\n") if where == "after-row" else RAG_DOC + line + "\n"
    got, call = problems_of(text)
    expect(isinstance(got, list) and len(got) >= 1 and all(isinstance(p, str) for p in got), call=call, returned=got,
           expected=f"{PROBLEM}: {line!r} is not a line of the format (Task, Row, Chosen, Rejected <approach>)",
           hint="a line under a key the format does not have is no part of a decision doc: report it, as a line that "
                "runs on from the one before or as a key of its own, never skip it")


# "at most POST_IT_MAX_WORDS (60) words in all": a 76 mm Post-it holds about 60 handwritten words.
POST_IT = 60


def padded(text, words):
    """`text` with filler words added to its Task line until it has exactly `words` words."""
    extra = words - len(text.split())
    assert extra >= 0, "the doc is already longer than that"
    first, rest = text.split("\n", 1)
    return first + " really" * extra + "\n" + rest


# Hypothesis seeds a test from its source: this pins the seed its examples came from before it told a miscount of
# the words from the limit itself, so the catalogued mistakes it catches stay caught.
POST_IT_SEED = 33932043953465956740124971573611989984267344279700976408096354449581167416171841941852536915257551573979188456141284


@pytest.mark.verify
@seed(POST_IT_SEED)
@settings(max_examples=DOC_EXAMPLES)
@given(data=st.data())
def test_a_doc_at_the_post_it_limit_fits(data):
    """The whole justification fits on a Post-it.

    Property: a valid doc of exactly POST_IT_MAX_WORDS (60) words (counted as text.split() counts
    them) still fits.
    """
    text, _ = data.draw(valid_docs(), label="valid doc")
    at_limit = padded(text, POST_IT)
    try:
        got, call = problems_of(at_limit)
    except Exception:  # noqa: BLE001 - a raise is shown as it always was
        got = None
    if got is None:
        expect_valid(at_limit, hint=BOUNDARY_SLIP)
        return
    expect(got == [], call=call, returned=got, expected=VALID, hint=None if got == [] else post_it_slip(text))


BOUNDARY_SLIP = ("exactly POST_IT_MAX_WORDS words is allowed: reject only docs with MORE words (a word being each run of "
                 "characters between whitespace)")


def post_it_slip(text):
    """The nudge for a doc of exactly POST_IT_MAX_WORDS words refused, told apart by one more check: the same doc one
    word shorter. Refused too, the learner's count is not the docstring's (it sees more words than the whitespace
    makes); accepted, the limit itself is the slip (only a doc with more words is too long)."""
    try:
        shorter = problems_of(padded(text, POST_IT - 1))[0]
    except Exception:  # noqa: BLE001 - a probe only picks the hint
        return BOUNDARY_SLIP
    if shorter:  # refused one word under the limit too: the words are counted another way
        return ("count the words as the docstring does: a word is each run of characters between whitespace, so a "
                "hyphenated word, or one with an apostrophe, is one word; this doc has exactly POST_IT_MAX_WORDS of "
                "them, which is allowed")
    return BOUNDARY_SLIP


@pytest.mark.verify
@settings(max_examples=DOC_EXAMPLES)
@given(data=st.data(), over=st.integers(1, 60))
def test_any_doc_over_the_post_it_limit_is_rejected(data, over):
    """The whole justification fits on a Post-it.

    Property: any otherwise valid doc longer than POST_IT_MAX_WORDS (60) words is rejected.
    """
    text, _ = data.draw(valid_docs(), label="valid doc")
    long = padded(text, POST_IT + over)
    got, call = problems_of(long)
    expect(bool(got), call=call, returned=got,
           expected=f"a problem: {len(long.split())} words do not fit on a Post-it of {POST_IT}",
           hint="count the words of the whole doc (split on whitespace) and compare with POST_IT_MAX_WORDS")


@pytest.mark.verify
def test_my_decision_doc_passes_the_checker():
    """Your decision doc names exactly one chosen approach, cites the matching row of the table above, and gives a one-line reason each lower row was rejected. The whole justification fits on a Post-it."""
    text = u12.my_decision_doc()
    got, call = problems_of(text)
    expect(got == [], call=f"validate_decision_doc(my_decision_doc()) with my_decision_doc() = {text!r}",
           returned=got, expected=VALID, hint="fix each problem it lists: they name the line or approach")


@pytest.mark.verify
def test_my_decision_doc_is_a_decision_doc():
    """Your decision doc names exactly one chosen approach, cites the matching row of the table above, and gives a one-line reason each lower row was rejected.

    Checked here too, not only by your checker: one Chosen approach, a row of the table that
    leads to it, one non-empty reason line per lower approach, at most POST_IT_MAX_WORDS words.
    """
    text = u12.my_decision_doc()
    lines = text.splitlines() if isinstance(text, str) else []

    def values(key):
        return [norm(line.split(":", 1)[1]) for line in lines if norm(line).startswith(f"{norm(key)}:")]

    chosen = [a for a in u12.APPROACHES if values("Chosen") == [norm(a)]]
    cited = [r for r in rows() if values("Row") == [norm(r)]]
    off = [] if len(values("Task")) == 1 else ["one Task line"]  # what the doc lacks, each said on its own
    off += [] if len(chosen) == 1 else ["one Chosen line naming one approach of APPROACHES"]
    off += [] if len(cited) == 1 else ["one Row line citing a row of DECISION_TABLE"]
    if len(chosen) == 1 and len(cited) == 1 and chosen[0] not in u12.ROW_APPROACHES[cited[0]]:
        off.append(f"a Row whose ROW_APPROACHES hold {chosen[0]!r} (the cited row leads to {u12.ROW_APPROACHES[cited[0]]})")
    off += [f"one 'Rejected {a}: <reason>' line" for a in (lower_than(chosen[0]) if len(chosen) == 1 else [])
            if not (len(values(f"Rejected {a}")) == 1 and values(f"Rejected {a}")[0])]
    words = len(text.split()) if isinstance(text, str) else 0
    off += [] if words <= POST_IT else [f"at most POST_IT_MAX_WORDS ({POST_IT}) words: it has {words}"]
    expect(not off, call="my_decision_doc()", returned=text,
           expected="Task, Row, Chosen lines, the row leading to the chosen approach, one 'Rejected <approach>: "
           "<reason>' line per lower approach, within POST_IT_MAX_WORDS words; not met: " + "; ".join(off),
           hint=f"cut it to {POST_IT} words or fewer, a word being each run of characters between whitespace" if words > POST_IT and len(off) == 1
           else "follow the format in the module docstring; cite the row whose ROW_APPROACHES has your choice")


# --- Stretch ---------------------------------------------------------------------------------------


# The U01 GLOSSARY names of the mechanisms the table's first moves use, read off the course's table
# ("RAG. Embed and retrieve. Or LLM Wiki", "Web search tool", "Persona pattern", "Force tool use as the
# response format", "Prompt caching → quantization → distillation", "LoRA fine-tune", "Local quantized model").
TABLE_MOVES = {"RAG", "structured wiki", "embeddings", "web-search tool", "persona pattern", "structured output",
               "prompt caching", "quantization", "distillation", "LoRA", "fine-tuning"}


@pytest.mark.stretch
def test_upgraded_replies_name_a_move_of_the_table():
    """Re-read the four-conversation doc you wrote back in U01’s lab. Upgrade any paragraph that now sounds vague using the decision table — that delta is the practice paying off.

    Same headings as your U01 replies; every paragraph one paragraph that names a first move of the
    table (a mechanism of TABLE_MECHANISMS, found by your U01 mechanisms_named); at least one changed.
    """
    after = u12.upgraded_replies()  # first, so an unstarted U12 points at its own stub
    before = u01.replies()
    moves = TABLE_MOVES
    # Each condition in turn, so a failure says which one is missed: the headings, a rewrite, every paragraph's form.
    expect(isinstance(after, dict) and set(after) == set(before), call="upgraded_replies()",
           returned=Seen({"headings missing": sorted(set(before) - set(after)),
                          "headings not in U01's": sorted(set(after) - set(before))}) if isinstance(after, dict) else after,
           expected=f"a dict with your U01 headings {sorted(before)!r}",
           hint="start from your U01 replies() and keep its headings: rewrite paragraphs, not keys",
           clause="Return a dict with the same headings as U01's `replies()`")
    changed = [h for h in before if after.get(h) != before[h]]
    expect(changed, call="upgraded_replies()", returned=InWords("your U01 replies as they were: no paragraph differs"),
           expected="at least one paragraph rewritten", clause="Rewrite at least one paragraph",
           hint="rewrite the vaguest paragraph around its row of the table and that row's move")
    vague = {
        heading: paragraph for heading, paragraph in after.items()
        if not isinstance(paragraph, str) or "\n\n" in paragraph.strip() or len(paragraph.split()) < 20
        or not u01.mechanisms_named(paragraph) & moves
    }
    expect(not vague, call="upgraded_replies()", returned=Seen(vague),
           expected=f"every paragraph one paragraph of 20 words or more naming a move of the table ({sorted(moves)!r}); "
                    "shown: the paragraphs that are not",
           hint="rewrite each paragraph shown around its row of the table and that row's move",
           clause="every paragraph is one paragraph of 20 words or more that names the first move of a decision-table "
                  "row, by a mechanism of TABLE_MECHANISMS that U01's mechanisms_named finds in it")


# The rows of the course's table that each U01 conversation falls in, and so the moves that fit it:
# docs the model lacks (RAG. Embed and retrieve. Or LLM Wiki), and for made-up answers current info
# too (Web search tool); cheaper / faster (Prompt caching → quantization → distillation).
ROWS_OF_CONVERSATION = {
    "fine-tune on our docs": {"RAG", "structured wiki", "embeddings"},
    "we need a vector database": {"RAG", "structured wiki", "embeddings"},
    "the model is making things up": {"RAG", "structured wiki", "embeddings", "web-search tool"},
    "make it faster / cheaper": {"prompt caching", "quantization", "distillation"},
}


@pytest.mark.stretch
def test_upgraded_replies_name_the_move_of_their_own_row():
    """Upgrade any paragraph that now sounds vague using the decision table

    Fit as well as form: a paragraph upgraded by the table names the first move of the row its
    conversation falls in ("the model is making things up" is the docs row or the current-info row,
    not "run cheaper"), as your U01 mechanisms_named finds it.
    """
    after = u12.upgraded_replies()
    named = {h: sorted(u01.mechanisms_named(after[h])) if isinstance(after, dict) and isinstance(after.get(h), str)
             else None for h in ROWS_OF_CONVERSATION}
    unfit = {h: found for h, found in named.items() if not (found and set(found) & ROWS_OF_CONVERSATION[h])}
    expect(not unfit, call="upgraded_replies()", returned=unfit,
           expected="each of the four paragraphs naming the first move of its own row of the table "
                    "(shown: what the unfit paragraphs name)",
           hint="for each conversation, find its row of the table first (what is missing: docs, current info, "
                "speed?), then name that row's move")

