"""U02 · Training vs inference: sort each activity by whether weights move, then audit the sheet."""

import re

import pytest
from hypothesis import assume, given, seed, settings
from hypothesis import strategies as st

from kata.judge.testing import Did, expect, load_unit

u02 = load_unit("u02_training_vs_inference")

COLUMNS = ("training", "inference")
JUSTIFICATION = "Two million calls a month make the large model's cost the bottleneck."
MEASUREMENT = "Accuracy on the held-out eval set within 1 point of the prompted base model."

# Correctly placed rows for building sheets: inference activities, then well-written training rows.
INFERENCE_ACTIVITIES = (
    "answer support questions with RAG over the help centre",
    "embed our docs into a vector index",
    "prompt caching for the system prompt",
    "summarise each closed ticket",
    "web-search tool for recent news",
)
TRAINING_ACTIVITIES = (
    "distil Sonnet into a small classifier",
    "LoRA adapter for contract extraction",
    "retrain the ranking model nightly",
    "fine-tune a model on our support tickets",
)


def inference_row(i=0):
    return u02.Row(INFERENCE_ACTIVITIES[i % len(INFERENCE_ACTIVITIES)], "inference")


def training_row(i=0, justification=JUSTIFICATION, measurement=MEASUREMENT):
    return u02.Row(TRAINING_ACTIVITIES[i % len(TRAINING_ACTIVITIES)], "training", justification, measurement)


def sheet_of(n_training, n_inference):
    return [training_row(i) for i in range(n_training)] + [inference_row(i) for i in range(n_inference)]


def brief(row):
    """A Row as a short expression: written fields are elided, blank ones shown as they are."""
    fields = [repr(row.activity), repr(row.column)]
    for name in ("justification", "measurement"):
        value = getattr(row, name)
        if value:
            fields.append(f"{name}={value!r}" if not value.strip() or len(value) < 25 else f"{name}='…'")
    return f"Row({', '.join(fields)})"


def audited(sheet):
    call = f"audit([{', '.join(brief(row) for row in sheet)}])"  # as called: an audit that changes a row shows it unchanged
    return u02.audit(sheet), call


def names(problems, activity):
    """True when some problem mentions the row's activity, as the learner must."""
    return isinstance(problems, list) and any(isinstance(p, str) and activity in p for p in problems)


# --- phase: are weights updated or frozen? --------------------------------------------------------


@pytest.mark.verify
@pytest.mark.parametrize(
    "activity",
    [
        "distil Sonnet into a small classifier",
        "LoRA adapter for contract extraction",
        "retrain the ranking model nightly",
        "fine-tuning a model on our support tickets",
        "RLHF on our chat transcripts",
    ],
)
def test_weights_updated_is_training(activity):
    """Count the columns: the Inference count is higher than the Training count.

    Counting needs each row in the right column: weights updated by gradient descent is Training.
    """
    got = u02.phase(activity)
    expect(got == "training", call=f"phase({activity!r})", returned=got,
           expected="'training': this activity updates weights",
           hint="return 'training' when any term of WEIGHT_UPDATING appears in the activity as a whole word")


# One activity per way of saying "update the weights", each naming it alone (no other term stands in it).
EVERY_WAY_TO_TRAIN = [
    "train a classifier on our tickets",
    "training a reward model for the router",
    "retraining the ranker every night",
    "pretrain a small model on our logs",
    "pretraining from scratch on the wiki",
    "fine tune Llama on the help centre",
    "fine tuning a summariser for tone",
    "finetune Mistral for extraction",
    "finetuning the embedding model",
    "QLoRA on a single consumer GPU",
    "distill the big model into a router",
    "DPO on our preference pairs",
    "gradient descent on our own data",
]


@pytest.mark.verify
@pytest.mark.parametrize("activity", EVERY_WAY_TO_TRAIN)
def test_every_way_of_updating_weights_is_training(activity):
    """Count the columns: the Inference count is higher than the Training count.

    Each of these updates weights, whichever word it uses for it (a spelling, a prefix, a technique):
    pretraining, fine tuning without the hyphen, QLoRA, DPO and plain gradient descent are all Training.
    """
    got = u02.phase(activity)
    expect(got == "training", call=f"phase({activity!r})", returned=got,
           expected="'training': this activity updates weights",
           hint="keep every term of WEIGHT_UPDATING as the exercise gives it, and check each one as a whole word")


FROZEN = [
    ("quantize the model to 4-bit for local serving", "quantizing stores the same weights in fewer bits; no gradient step"),
    ("embed our docs into a vector index", "an embedding model runs frozen: input in, vectors out"),
    ("prompt caching for the system prompt", "caching reuses a prefix; the model does not change"),
    ("answer questions with RAG over the wiki", "retrieval puts facts in the prompt, not in the weights"),
    ("tune the temperature for the summariser", "a sampling setting, not a weight"),
]


@pytest.mark.verify
@pytest.mark.parametrize(("activity", "why"), FROZEN, ids=[activity for activity, _ in FROZEN])
def test_weights_frozen_is_inference(activity, why):
    """Count the columns: the Inference count is higher than the Training count.

    Anything that leaves the weights frozen is Inference, however technical it sounds.
    """
    got = u02.phase(activity)
    expect(got == "inference", call=f"phase({activity!r})", returned=got,
           expected=f"'inference': {why}",
           hint="only WEIGHT_UPDATING terms make a row Training; everything else is inference by default")


INSIDE = [
    ("validate extraction output against schema constraints", "'constraints' holds the letters of 'train', not the word"),
    ("exploratory analysis of support tickets with Claude", "'exploratory' holds the letters of 'lora', not the word"),
    ("serve the pretrained embedding model behind search", "'pretrained' is not the word 'pretrain': it names a model used frozen"),
]


@pytest.mark.verify
@pytest.mark.parametrize(("activity", "inside"), INSIDE, ids=[activity for activity, _ in INSIDE])
def test_a_term_inside_another_word_is_not_training(activity, inside):
    """any term of WEIGHT_UPDATING, standing as a whole word or phrase ("constraints" does not contain the word "train", nor "pretrained" the word "pretrain")

    Terms count as whole words only: "constraints" is not training. (The clause of phase's docstring quoted,
    not the Verify line phase serves: a blind learner read "Count the columns" under a whole-word failure.)
    """
    got = u02.phase(activity)
    expect(got == "inference", call=f"phase({activity!r})", returned=got,
           expected=f"'inference': {inside}",
           hint="a term counts only as a whole word, with no letter or digit glued to either side: a plain substring test finds it inside other words too")


@pytest.mark.contract
@pytest.mark.parametrize(
    "activity",
    ["FINE-TUNE Llama on our tickets", "a lora adapter for tone", "Distillation of the router", "Retrain weekly"],
)
def test_phase_ignores_case(activity):
    """any term of WEIGHT_UPDATING, standing as a whole word or phrase … in any case ("LoRA", "lora", "rlhf")

    "LoRA", "lora" and "LORA" are one technique. (The clause of phase's docstring quoted, not the Verify line
    phase serves: a blind learner read "Count the columns" under a failure about capitals.)
    """
    got = u02.phase(activity)
    expect(got == "training", call=f"phase({activity!r})", returned=got,
           expected="'training', whatever the capitals",
           hint="compare without regard to case: 'Fine-tune' and 'fine-tune' are the same term")


WORDS = st.sampled_from(["the", "team", "will", "nightly", "our", "model", "for", "tickets", "on", "a", "new"])


@pytest.mark.verify
@given(before=st.lists(WORDS, max_size=5), after=st.lists(WORDS, max_size=5), pick=st.data())
def test_any_weight_updating_term_makes_a_training_row(before, after, pick):
    """Count the columns: the Inference count is higher than the Training count.

    Property: whatever the words around it, a WEIGHT_UPDATING term standing as a word means Training.
    """
    term = pick.draw(st.sampled_from(u02.WEIGHT_UPDATING), label="term")
    activity = " ".join(before + [term] + after)
    got = u02.phase(activity)
    expect(got == "training", call=f"phase({activity!r})", returned=got,
           expected=f"'training' (it names {term!r})",
           hint="check every term of WEIGHT_UPDATING, wherever it stands in the text")


@pytest.mark.verify
@given(pick=st.data(), prefix=st.text("xyzq", min_size=1, max_size=3), suffix=st.text("xyzq", min_size=1, max_size=3))
def test_a_term_glued_inside_a_longer_word_is_inference(pick, prefix, suffix):
    """Count the columns: the Inference count is higher than the Training count.

    Property: "xtrainq" is not the word "train"; letters on both sides make it a different word.
    """
    term = pick.draw(st.sampled_from(u02.WEIGHT_UPDATING), label="term")
    activity = f"we discussed {prefix}{term}{suffix} today"
    got = u02.phase(activity)
    expect(got == "inference", call=f"phase({activity!r})", returned=got,
           expected="'inference': no term stands as a whole word",
           hint="a term only counts at word boundaries on both sides")


# --- audit: the Verify line, row by row -----------------------------------------------------------


@pytest.mark.verify
def test_a_sheet_that_meets_the_verify_line_passes():
    """Return the sheet's problems as a list of plain-language strings; [] means it passes the Verify line.

    Three inference rows and one justified, measured training row: no problems at all.
    """
    sheet = sheet_of(1, 3)
    got, call = audited(sheet)
    expect(got == [], call=call, returned=got, expected="[] (the sheet passes)",
           hint="report a problem only for what the Verify line forbids")


@pytest.mark.verify
@pytest.mark.parametrize(("n_training", "n_inference"), [(1, 1), (2, 2), (2, 1), (3, 0)])
def test_inference_count_must_be_higher(n_training, n_inference):
    """Count the columns: the Inference count is higher than the Training count.

    A tie is not "higher": 2 Training rows and 2 Inference rows fail.
    """
    sheet = sheet_of(n_training, n_inference)
    got, call = audited(sheet)
    expect(got != [], call=call, returned=got,
           expected=f"a problem: {n_inference} Inference row(s) is not more than {n_training} Training row(s)",
           hint="count the rows per column: the Inference rows must outnumber the Training rows, strictly")


@pytest.mark.verify
def test_an_empty_sheet_fails():
    """the sheet is empty (this one string may be all: a tie of 0 with 0 need not be said too);

    An empty sheet has nothing to count: it is a problem, not a pass. (The clause of audit's docstring
    quoted, not the Verify line's counts: a blind learner read a hint about 0 rows against 0 as a tie to fix.)
    """
    got, call = audited([])
    expect(isinstance(got, list) and got != [], call=call, returned=got,
           expected="a problem: the sheet is empty",
           hint="a sheet with no rows is not a pass: an empty sheet is itself a problem to report, in words of its own")


@pytest.mark.verify
@pytest.mark.parametrize("blank", ["", "   ", "\n\t"])
def test_a_training_row_without_justification_is_flagged(blank):
    """Every Training row has a written justification … beside it; none is left blank.

    A justification of only spaces is as blank as an empty one; the problem names the row.
    """
    row = training_row(0, justification=blank)
    sheet = [row] + [inference_row(i) for i in range(3)]
    got, call = audited(sheet)
    expect(names(got, row.activity), call=call, returned=got,
           expected=f"a problem that names {row.activity!r}: its justification is blank",
           hint="a justification of only spaces is still blank: flag a Training row whose justification has no visible text")


@pytest.mark.verify
@pytest.mark.parametrize("blank", ["", "  ", "\n"])
def test_a_training_row_without_measurement_is_flagged(blank):
    """Every Training row has a written justification and a named measurement beside it; none is left blank.

    A justification alone is not enough: the measurement must be there too.
    """
    row = training_row(1, measurement=blank)
    sheet = [row] + [inference_row(i) for i in range(3)]
    got, call = audited(sheet)
    expect(names(got, row.activity), call=call, returned=got,
           expected=f"a problem that names {row.activity!r}: its measurement is blank",
           hint="check the measurement of every Training row as well as its justification")


@pytest.mark.contract
@pytest.mark.parametrize("given", ["neither", "justification only", "measurement only"])
def test_a_training_row_written_without_its_fields_is_flagged(given):
    """Left out, `justification` and `measurement` are blank ("").

    A Training row built as Row(activity, "training"), with either field left out, owes what it
    left out: audit names the row.
    """
    activity = TRAINING_ACTIVITIES[1]
    fields = {"neither": {}, "justification only": {"justification": JUSTIFICATION},
              "measurement only": {"measurement": MEASUREMENT}}[given]
    row = u02.Row(activity, "training", **fields)
    sheet = [row] + [inference_row(i) for i in range(3)]
    got = u02.audit(sheet)
    shown = ", ".join([repr(activity), "'training'"] + [f"{k}='…'" for k in fields])
    expect(names(got, activity), call=f"audit([Row({shown}), <3 inference rows>])", returned=got,
           expected=f"a problem that names {activity!r}: a field left out is blank",
           hint="Row's justification and measurement default to \"\": a Training row must still be given both")


@pytest.mark.verify
@pytest.mark.parametrize(
    ("activity", "column"),
    [
        ("quantize the model to 4-bit for local serving", "training"),
        ("LoRA adapter for contract extraction", "inference"),
    ],
)
def test_a_row_in_the_wrong_column_is_flagged(activity, column):
    """Count the columns: the Inference count is higher than the Training count.

    The count means nothing if rows sit in the wrong column: audit checks each against phase().
    """
    placed = u02.Row(activity, column, JUSTIFICATION, MEASUREMENT)
    sheet = [placed] + [inference_row(i) for i in range(3)]
    got, call = audited(sheet)
    expect(names(got, activity), call=call, returned=got,
           expected=f"a problem that names {activity!r}: it does not belong in the {column!r} column",
           hint="compare the column each row was put in with the phase its activity belongs to (your phase function decides)")


@pytest.mark.contract
@pytest.mark.parametrize("column", ["Inference", "serving", ""])
def test_a_row_in_neither_column_counts_for_neither(column):
    """A Training row is one whose `column` is "training", an Inference row one whose `column` is "inference"

    A row whose column is anything else is one problem, and it is counted on neither side: with one
    Training row and one Inference row beside it, the counts still tie, which is a second problem.
    """
    stray = u02.Row(INFERENCE_ACTIVITIES[1], column)
    sheet = [training_row(0), inference_row(0), stray]
    got, call = audited(sheet)
    expect(isinstance(got, list) and len(got) == 2 and names(got, stray.activity), call=call, returned=got,
           expected=f"two problems: the row in column {column!r} (named), and the tie of 1 Training row with 1 Inference "
                    f"row, since a row in neither column counts for neither",
           hint="count a row as Inference only when its column says \"inference\": the rest of the sheet is not the Inference count")


@pytest.mark.contract
@pytest.mark.parametrize(("misplaced", "others", "problems"), [
    # an inference activity written in the Training column: it counts as Training, so 1 ties 1
    (("quantize the model to 4-bit for local serving", "training"), ("inference",), 2),
    # a training activity written in the Inference column: it counts as Inference, so 2 beat 1
    (("LoRA adapter for contract extraction", "inference"), ("training", "inference"), 1),
], ids=["an inference activity in the Training column", "a training activity in the Inference column"])
def test_a_misplaced_row_counts_in_the_column_it_is_written_in(misplaced, others, problems):
    """the counts and the blank checks go by what the sheet says, even in a misplaced row.

    A misplaced row is one problem, and it still counts on the side of the column it sits in, not on
    the side phase() would put it: here that decides whether the counts tie.
    """
    activity, column = misplaced
    row = u02.Row(activity, column, JUSTIFICATION, MEASUREMENT)
    sheet = [row] + [training_row(i) if side == "training" else inference_row(i) for i, side in enumerate(others)]
    got, call = audited(sheet)
    n_training = sum(r.column == "training" for r in sheet)
    n_inference = len(sheet) - n_training
    about = [p for p in got if isinstance(p, str) and activity in p] if isinstance(got, list) else []
    ok = isinstance(got, list) and len(got) == problems and len(about) == 1
    counted = f"the misplaced row counted in its {column!r} column"
    expected = (f"two problems: the misplaced row (named), and the tie of {n_training} Training row with {n_inference} "
                f"Inference row, {counted}" if problems == 2 else
                f"one problem, the misplaced row (named): {counted}, {n_inference} Inference rows beat {n_training} "
                f"Training row")
    expect(ok, call=call, returned=got, expected=expected,
           hint="a misplaced row is still counted in the column it was written in: phase() decides the misplaced-row "
                "problem, the column decides the counts")


@pytest.mark.verify
@settings(max_examples=50)  # sheets are bigger than words: fewer, richer examples keep the file fast
@given(n_training=st.integers(0, 4), n_inference=st.integers(0, 5), order=st.randoms(use_true_random=False))
def test_a_well_written_sheet_passes_exactly_when_inference_is_higher(n_training, n_inference, order):
    """Count the columns: the Inference count is higher than the Training count.

    Property: with every row placed and written well, the count alone decides, in any row order.
    """
    sheet = sheet_of(n_training, n_inference)
    order.shuffle(sheet)
    got, call = audited(sheet)
    passes = n_inference > n_training
    expect((got == []) == passes, call=call, returned=got,
           expected="[]" if passes else "a problem: the Inference count is not higher",
           hint="pass exactly when the Inference rows outnumber the Training rows, and the sheet is not empty")


@pytest.mark.verify
@settings(max_examples=50)  # sheets are bigger than words: fewer, richer examples keep the file fast
@given(
    before=st.lists(WORDS, max_size=3),
    term=st.sampled_from(["fine-tune", "retrain", "distil", "LoRA", "train"]),
    after=st.lists(WORDS, max_size=3),
    blank=st.text(" \t\n", max_size=3),
    measurement=st.sampled_from(["", MEASUREMENT]),
    n_inference=st.integers(0, 4),
)
def test_any_training_row_with_a_blank_justification_is_flagged(before, term, after, blank, measurement, n_inference):
    """Every Training row has a written justification … beside it; none is left blank.

    Property: whatever the row's text and the rest of the sheet, a blank justification is named.
    """
    activity = " ".join(before + [term] + after)
    sheet = [u02.Row(activity, "training", blank, measurement)] + [inference_row(i) for i in range(n_inference)]
    got, call = audited(sheet)
    expect(names(got, activity), call=call, returned=got,
           expected=f"a problem that names {activity!r}: its justification is blank",
           hint="every Training row, whatever it says, owes a non-blank justification")


ANY_ROW = st.builds(
    lambda activity, column, justification, measurement: (activity, column, justification, measurement),
    st.sampled_from(INFERENCE_ACTIVITIES + TRAINING_ACTIVITIES),
    st.sampled_from(COLUMNS),
    st.sampled_from(["", " ", JUSTIFICATION]),
    st.sampled_from(["", "\t", MEASUREMENT]),
)


@pytest.mark.verify
@settings(max_examples=50)  # sheets are bigger than words: fewer, richer examples keep the file fast
@given(rows=st.lists(ANY_ROW, max_size=6), i=st.integers(0, len(INFERENCE_ACTIVITIES) - 1))
def test_adding_an_inference_row_never_adds_a_problem(rows, i):
    """Count the columns: the Inference count is higher than the Training count.

    Property: a correctly placed Inference row can only help the count, never add a problem.
    """
    sheet = [u02.Row(*row) for row in rows]
    before = u02.audit(sheet)
    after, call = audited(sheet + [inference_row(i)])
    expect(len(after) <= len(before), call=call, returned=after,
           expected=f"no more problems than the sheet had without the new row ({len(before)}: {before!r})",
           hint="an Inference row owes no justification; it only raises the Inference count")


@pytest.mark.verify
@settings(max_examples=50)  # sheets are bigger than words: fewer, richer examples keep the file fast
@given(rows=st.lists(st.tuples(st.text(max_size=20), st.text(max_size=10), st.text(max_size=10), st.text(max_size=10)), max_size=5))
def test_audit_never_raises_and_returns_sentences(rows):
    """Count the columns: the Inference count is higher than the Training count.

    Property: on any list of Rows, whatever their text and columns, audit returns a list of strings.
    """
    sheet = [u02.Row(*row) for row in rows]
    got, call = audited(sheet)
    expect(isinstance(got, list) and all(isinstance(p, str) for p in got), call=call, returned=got,
           expected="a list of problems, each a string",
           hint="return a list of plain-language strings; never raise on odd text")


# --- your own sheet -------------------------------------------------------------------------------


@pytest.mark.verify
def test_my_stack_passes_the_audit():
    """Count the columns: the Inference count is higher than the Training count. Every Training row has a written justification and a named measurement beside it; none is left blank."""
    sheet = u02.my_stack()
    got, call = audited(sheet)
    expect(got == [], call="audit(my_stack())", returned=got, expected="[] (your sheet passes)",
           hint="list every AI thing your team does; most are inference; justify and measure each training row")


@pytest.mark.verify
def test_my_stack_counts_and_blanks():
    """Count the columns: the Inference count is higher than the Training count. Every Training row has a written justification and a named measurement beside it; none is left blank.

    The Verify line checked directly, without trusting audit(): the counts, placements and blanks.
    """
    sheet = u02.my_stack()
    # the rows counted as they are, even in a tuple: the counts said are the sheet's, and the type is said apart
    rows = [r for r in sheet if isinstance(r, u02.Row)] if isinstance(sheet, (list, tuple)) else []
    training = [r for r in rows if r.column == "training"]
    inference = [r for r in rows if r.column == "inference"]
    misplaced = [r.activity for r in rows if u02.phase(r.activity) != r.column]
    blank = [r.activity for r in training if not r.justification.strip() or not r.measurement.strip()]
    listed = isinstance(sheet, list)
    ok = listed and rows and len(rows) == len(sheet) and len(inference) > len(training) and not misplaced and not blank
    expect(ok, call="my_stack()", returned=sheet,
           expected=(f"a list of Rows{'' if listed else f' (not a {type(sheet).__name__})'} with more Inference rows "
                     f"than Training rows (got {len(inference)} vs {len(training)}), none misplaced (got {misplaced}), "
                     f"no blank training fields (got {blank})"),
           hint="one Row per AI thing your team does; column 'training' only where weights are updated")


# --- Stretch: zero Training rows is the healthy result --------------------------------------------


@pytest.mark.stretch
@pytest.mark.parametrize("n_inference", [1, 4])
def test_zero_training_rows_is_healthy(n_inference):
    """Most teams never train. If your sheet has zero Training rows, that’s the expected, healthy result — your problems are RAG, prompts, and evals."""
    sheet = sheet_of(0, n_inference)
    got = u02.verdict(sheet)
    text = got.lower() if isinstance(got, str) else ""
    missing = [w for w in ("healthy", "rag", "prompt", "eval") if w not in text]
    expect(not missing, call=f"verdict([{', '.join(brief(row) for row in sheet)}])", returned=got,
           expected=f"a sentence that calls the sheet healthy and names RAG, prompts and evals (missing: {missing})",
           hint="with zero Training rows: the expected, healthy result; the work is RAG, prompts, and evals")


@pytest.mark.stretch
@pytest.mark.parametrize(("n_training", "n_inference"), [(1, 3), (2, 5)])
def test_a_sheet_with_training_rows_says_how_many(n_training, n_inference):
    """If your sheet has zero Training rows, that’s the expected, healthy result

    A sheet with Training rows gets a different verdict: it gives their number and never says zero.
    """
    sheet = sheet_of(n_training, n_inference)
    got = u02.verdict(sheet)
    text = got.lower() if isinstance(got, str) else ""
    ok = bool(re.search(rf"\b{n_training}\b", text)) and "zero" not in text
    expect(ok, call=f"verdict([{', '.join(brief(row) for row in sheet)}])", returned=got,
           expected=f"a sentence that says there are {n_training} Training row(s), without claiming zero",
           hint="count the Training rows; only a count of 0 earns the healthy verdict")


# --- issue 20: each clause met by an input that tells it from its nearest wrong reading ------------

STANDING = r"(?<![^\W_]){}(?![^\W_])"  # a term with no letter or digit (any alphabet) glued on


def stands_in(term, text):
    return re.search(STANDING.format(re.escape(term)), text, re.IGNORECASE) is not None


# Hypothesis seeds a test from its source: this pins the seed its examples came from before it told a joiner's fault apart.
PUNCTUATION_SEED = 28441242879795063018480340177261103168387532734861351651097612628529816099141712676837379159411919476373696826369962


@pytest.mark.contract
@seed(PUNCTUATION_SEED)
@given(pick=st.data(), case=st.sampled_from(["upper", "lower", "swapcase", "title"]),
       joiner=st.sampled_from([" ", "-", "/", " (", ", "]))
def test_any_term_in_any_case_beside_any_punctuation_is_training(pick, case, joiner):
    """in any case ("LoRA", "lora", "rlhf").

    Property: every term of WEIGHT_UPDATING, in capitals, small letters or swapped case ("rlhf",
    "dpo", "qlora"), with a space, a hyphen, a slash or a bracket beside it, means Training.
    """
    term = getattr(pick.draw(st.sampled_from(u02.WEIGHT_UPDATING), label="term"), case)()
    activity = f"run{joiner}{term}{joiner}nightly"
    got = u02.phase(activity)
    if got != "training" and joiner in "-/" and u02.phase(f"run {term} nightly") == "training":  # the joiner, not the case
        expect(False, call=f"phase({activity!r})", returned=got, expected=f"'training' ({term!r} stands whole)",
               clause='a space, a hyphen or a slash does not ("LoRA-based" is LoRA)',
               hint=f"with spaces around it {term!r} counts; a hyphen or a slash beside a term does not glue it to the next word, only a letter or digit does")
    expect(got == "training", call=f"phase({activity!r})", returned=got, expected=f"'training' ({term!r} stands whole)",
           hint="every term counts whatever its capitals, acronyms too; a hyphen or a slash is not part of a word")


GLUE = "xé2ñßsдq"  # letters of several alphabets, a digit, and the plural s


@pytest.mark.contract
@given(pick=st.data(), glue=st.text(GLUE, min_size=1, max_size=2), side=st.sampled_from(["before", "after"]))
def test_a_term_glued_to_any_letter_or_digit_is_inference(pick, glue, side):
    """A letter or digit glued on either side, in any alphabet, makes it part of another word

    Property: "trainé", "ñlora", "LoRA2" and "trains" are other words: glued on one side is enough.
    """
    term = pick.draw(st.sampled_from(u02.WEIGHT_UPDATING), label="term")
    word = glue + term if side == "before" else term + glue
    assume(not [t for t in u02.WEIGHT_UPDATING if stands_in(t, word)])  # "re-trains" still holds "re-train"? no
    activity = f"we discussed {word} today"
    got = u02.phase(activity)
    expect(got == "inference", call=f"phase({activity!r})", returned=got,
           expected="'inference': a letter or digit of any alphabet glued on makes it another word",
           hint="a term stands whole only when no letter or digit, of any alphabet, touches it on either side")


def sheet_around(*rows, extra_inference=3):
    """`rows`, then enough well-placed Inference rows that the counts pass."""
    return list(rows) + [inference_row(i) for i in range(extra_inference)]


@pytest.mark.contract
@pytest.mark.parametrize(("row", "faults"), [
    (("fine-tune the router on tickets", "training", "", ""), 2),
    (("fine-tune the router on tickets", "training", "\t", "\r\n"), 2),
    (("chat with customers", "training", "", " "), 3),  # misplaced AND both fields blank
    (("chat with customers", "training", "because", "\n"), 2),
    (("LoRA the tone", "inference", "", ""), 1),  # misplaced; an Inference row owes no fields
])
def test_each_problem_of_a_row_is_its_own_string(row, faults):
    """One string for each of these, so a row with three of them gives three;

    A row with several problems gets one string for each (a misplaced Training row with neither field
    gets three); a Training row is one whose column says so, even when it is misplaced.
    """
    sheet = sheet_around(u02.Row(*row))
    got, call = audited(sheet)
    about = [p for p in got if isinstance(p, str) and row[0] in p] if isinstance(got, list) else got
    expect(isinstance(got, list) and len(got) == faults and len(about) == faults, call=call, returned=got,
           expected=f"{faults} problems, each naming {row[0]!r}",
           hint="check each condition separately for every row: one row can break several of them at once")


@pytest.mark.contract
@pytest.mark.parametrize("column", ["training", "Inference"])  # its blank fields' problems; then its column's alone
@pytest.mark.parametrize("activity", [
    "tune {model} on {0} tickets",
    "line one\nline two",
    "the 'quoted' and \"double\" back\\slash",
    "chat: {}",
    "  chat with customers\t",  # padded at both ends (blind learner 32 quoted it stripped)
])
def test_a_problem_holds_the_activity_character_for_character(activity, column):
    """the problem about a row contains that row's `activity` as written, character for character:

    Braces, quotes, a backslash, a line break or spaces at its ends in an activity: every problem about
    its row holds it exactly (a blank field's, a misplaced column's), and audit never raises on it.
    """
    sheet = sheet_around(u02.Row(activity, column, "", ""))  # every other row well placed: each problem is about it
    try:
        got, call = audited(sheet)
    except Exception as error:  # noqa: BLE001  the test reports whatever it was
        got, call = f"<raised {type(error).__name__}: {error}>", f"audit([Row({activity!r}, {column!r}, '', ''), ...])"
    ok = isinstance(got, list) and bool(got) and all(isinstance(p, str) and activity in p for p in got)
    expect(ok, call=call, returned=got, expected=f"problems that each contain {activity!r} exactly as written",
           hint="put the activity into the sentence as it is: no repr, no formatting step after it, no change of case, no trimming of its ends")


@pytest.mark.contract
@pytest.mark.parametrize("column", ["Inference", "INFERENCE", " inference", "infer", ""])
def test_a_column_not_exactly_the_phase_is_a_problem(column):
    """a row whose `column` is not exactly the one `phase` gives for its activity ("Inference" is not);

    A column spelled any other way than "inference" or "training" is a problem about its row.
    """
    activity = "summarise each closed ticket"
    got, call = audited(sheet_around(u02.Row(activity, column)))
    expect(names(got, activity), call=call, returned=got, expected=f"a problem naming {activity!r}",
           hint="compare the column with what phase gives, exactly: any other spelling is in no column")


@pytest.mark.contract
def test_an_empty_sheet_is_said_to_be_empty():
    """the sheet is empty (this one string may be all: a tie of 0 with 0 need not be said too);

    An empty sheet is a problem of its own: some string says the sheet is empty (or has no rows, or
    nothing on it); a count of 0 against 0 alone does not say it.
    """
    got, call = audited([])
    says = isinstance(got, list) and any(
        isinstance(p, str) and re.search(r"\bempty\b|\bno rows\b|\bnothing\b", p, re.IGNORECASE) for p in got)
    expect(says, call=call, returned=got, expected="a problem saying the sheet is empty",
           hint="an empty sheet is one of the problems listed: say so in words of its own, not only through the counts")


@pytest.mark.contract
def test_audit_leaves_the_sheet_alone():
    """Leave `sheet` and its rows as they are.

    The sheet is the caller's: audit reads it and returns problems; the rows keep their order and fields.
    """
    sheet = [inference_row(0), training_row(0, "", ""), inference_row(1), u02.Row("chat", "training"), inference_row(2)]
    before = [(r.activity, r.column, r.justification, r.measurement) for r in sheet]
    ids = [id(r) for r in sheet]
    got, call = audited(sheet)
    after = [(r.activity, r.column, r.justification, r.measurement) for r in sheet]
    expect(after == before and [id(r) for r in sheet] == ids, call=call, returned=after,
           expected=f"the sheet unchanged: {before}",
           hint="read the rows; build the problems in a new list; do not sort or edit the sheet")


@pytest.mark.contract
def test_audit_leaves_every_field_as_written_padding_included():
    """Leave `sheet` and its rows as they are.

    Spaces, tabs and line breaks in a row's fields are the caller's too: audit may look past them when it
    checks a field, but every field of every row (activity, column, justification, measurement) is the
    same after the call, character for character.
    """
    sheet = [
        u02.Row("  embed our docs into a vector index\n", "inference", "   ", "\n\t"),
        u02.Row("\tfine-tune a model on our support tickets  ", "training", "   ", "\n\t"),
        u02.Row(" distil Sonnet into a small classifier", "training", f"  {JUSTIFICATION}\n", f"\t{MEASUREMENT}  "),
        u02.Row("summarise each closed ticket \n", "inference"),
        u02.Row("\n\nprompt caching for the system prompt", "inference", " \t ", "  "),
    ]
    fields = ("activity", "column", "justification", "measurement")
    before = [tuple(getattr(r, f) for f in fields) for r in sheet]
    call = f"audit([{', '.join(brief(row) for row in sheet)}])"  # the sheet as it went in
    u02.audit(sheet)
    after = [tuple(getattr(r, f) for f in fields) for r in sheet]
    changed = [f"row {i}'s {f} from {b!r} to {a!r}" for i, (rb, ra) in enumerate(zip(before, after))
               for f, b, a in zip(fields, rb, ra) if a != b]
    expect(after == before, call=call,
           returned=Did("changed " + "; ".join(changed)) if changed else Did(f"left the sheet as {after}"),
           expected="every field of every row left exactly as it was, its spaces, tabs and line breaks included",
           hint="look past the padding in a copy of the text when you check a field; leave the row's own fields as they came")


@pytest.mark.stretch
@pytest.mark.parametrize("n_inference", [1, 3])
def test_zero_training_rows_names_each_word(n_inference):
    """the words "healthy", "RAG", "prompts" and "evals" appear, as words, in any case

    "evaluations" is not the word "evals", nor "prompting" the word "prompts".
    """
    sheet = sheet_of(0, n_inference)
    got = u02.verdict(sheet)
    text = got if isinstance(got, str) else ""
    missing = [w for w in ("healthy", "RAG", "prompts", "evals") if not re.search(rf"\b{w}\b", text, re.IGNORECASE)]
    expect(not missing, call=f"verdict(<{n_inference} Inference rows>)", returned=got,
           expected=f"a sentence with the words healthy, RAG, prompts and evals (missing as words: {missing})",
           hint="use the course's own words: the expected, healthy result; your problems are RAG, prompts, and evals")


@pytest.mark.stretch
@pytest.mark.parametrize(("n_training", "n_inference"), [(2, 3), (3, 4), (11, 12)])
def test_a_count_of_training_rows_in_digits_never_zero(n_training, n_inference):
    """give the number of Training rows in digits ("2") and say that each needs its justification and measurement; never use the word "zero" then (in any case).

    2, 3 or 11 Training rows: the number in digits, the word "zero" nowhere (not "Zero", not "zero blanks").
    """
    sheet = sheet_of(n_training, n_inference)
    got = u02.verdict(sheet)
    text = got if isinstance(got, str) else ""
    ok = bool(re.search(rf"(?<!\d){n_training}(?!\d)", text)) and not re.search(r"\bzero\b", text, re.IGNORECASE)
    expect(ok, call=f"verdict(<{n_training} Training rows, {n_inference} Inference rows>)", returned=got,
           expected=f"a sentence giving {n_training} in digits, without the word zero",
           hint="write the count as a number, and keep the word for zero out of this sentence")
