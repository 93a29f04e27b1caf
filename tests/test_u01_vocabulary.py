"""U01 · Why the vocabulary matters: a mechanism detector, then four replies that each name one."""

import re

import pytest
from hypothesis import assume, given, seed
from hypothesis import strategies as st

from kata.judge.testing import InWords, Problems, Seen, expect, load_unit

u01 = load_unit("u01_vocabulary")

NO_MECHANISM = "an empty set()"

# The course's headings, as its Steps and Stretch quote them (not read back from the unit).
HEADINGS = ("fine-tune on our docs", "we need a vector database", "the model is making things up", "make it faster / cheaper")
FIFTH_HEADING = "we should build our own model"

# The practice's glossary as the exercise hands it to you: every alias, and the mechanism it names.
PRACTICE_GLOSSARY = {
    "RAG": ("RAG", "retrieval-augmented generation", "retrieval augmented generation"),
    "structured wiki": ("structured wiki", "LLM wiki"),
    "web-search tool": ("web-search tool", "web search tool", "web search"),
    "prompt caching": ("prompt caching", "prompt cache", "cached prefix"),
    "quantization": ("quantization", "quantisation", "quantize", "quantise", "quantized", "quantised"),
    "distillation": ("distillation", "distill", "distil", "distilled"),
    "fine-tuning": ("fine-tuning", "fine-tune", "fine-tuned", "fine tuning", "fine tune", "finetuning"),
    "LoRA": ("LoRA", "QLoRA", "low-rank adaptation"),
    "embeddings": ("embeddings", "embedding"),
    "vector database": ("vector database", "vector DB", "pgvector"),
    "hybrid retrieval": ("hybrid retrieval", "hybrid search", "BM25"),
    "re-ranking": ("re-ranking", "reranking", "re-ranker", "reranker"),
    "persona pattern": ("persona pattern",),
    "structured output": ("structured output", "tool use"),
    "evals": ("eval dataset", "eval harness", "evals"),
}


def named(text):
    got = u01.mechanisms_named(text)
    return got, f"mechanisms_named({text!r})"


@pytest.mark.verify
@pytest.mark.parametrize(
    ("text", "mechanisms"),
    [
        ("We should try RAG before anything else.", {"RAG"}),
        ("Prompt caching first, then quantization, then distillation.", {"prompt caching", "quantization", "distillation"}),
        ("A structured wiki might beat a vector database here.", {"structured wiki", "vector database"}),
        ("Give the agent a web-search tool for recent news.", {"web-search tool"}),
    ],
)
def test_names_each_mechanism_it_mentions(text, mechanisms):
    """Each names a concrete mechanism from this page (e.g. RAG, prompt caching, quantization, distillation, web-search tool, structured wiki)

    Your replies are checked by your own detector, so it must find every mechanism a text names.
    """
    got, call = named(text)
    expect(isinstance(got, (set, frozenset)), call=call, returned=got, expected=f"a set: exactly {mechanisms!r}",
           hint=f"a {type(got).__name__} of names is not a set, even holding the right names: the docstring asks for a set "
                "(no order, each name once), which is what the tests compare with",
           clause="Return the set of mechanisms `text` names, each under its canonical name (a key of GLOSSARY).")
    # a mechanism missed whose alias stands in the text in another case than the glossary's ("Prompt caching")
    other_case = any(a.lower() in text.lower() and a not in text and not a.isupper()
                     for m in mechanisms - got for a in PRACTICE_GLOSSARY[m])
    expect(got == mechanisms, call=call, returned=got, expected=f"exactly {mechanisms!r}",
           hint="an alias written in another case than the glossary's still names its mechanism (only an all-capital "
                "acronym such as RAG counts in capitals alone)" if other_case else
                "loop over GLOSSARY; add the canonical name (the key) when any of its aliases appears")


@pytest.mark.verify
@pytest.mark.parametrize(
    ("text", "mechanisms"),
    [
        ("Retrieval-augmented generation is the answer.", {"RAG"}),
        ("Serve a quantised model, distilled from the big one.", {"quantization", "distillation"}),
        ("Could a QLoRA adapter do it?", {"LoRA"}),
        ("Put pgvector in front of it.", {"vector database"}),
    ],
)
def test_finds_mechanisms_by_their_aliases(text, mechanisms):
    """Each names a concrete mechanism from this page

    People rarely say the canonical name: "retrieval-augmented generation" is RAG too.
    """
    got, call = named(text)
    expect(got == mechanisms, call=call, returned=got, expected=f"{mechanisms!r}, found through an alias",
           hint="a mechanism has several aliases in GLOSSARY: look for each of them, not only its name")


@pytest.mark.contract
@pytest.mark.parametrize(("name", "alias"), [(name, alias) for name, aliases in PRACTICE_GLOSSARY.items() for alias in aliases])
def test_every_alias_of_the_practice_glossary_names_its_mechanism(name, alias):
    """GLOSSARY is the practice's, handed to you: every alias it lists names its mechanism (add aliases if you like; remove none).

    The detector's vocabulary is the practice's, word for word: "quantised" is quantization, "BM25"
    is hybrid retrieval, and each is reported under the name the practice uses for it.
    """
    text = f"Next week we look at {alias} for the support bot."
    got, call = named(text)
    expect(isinstance(got, set) and name in got, call=call, returned=got,
           expected=f"a set containing {name!r}: {alias!r} is one of its aliases in the practice's glossary",
           hint="keep GLOSSARY as the exercise gives it (add aliases if you like, remove none) and check every alias")


@pytest.mark.verify
@pytest.mark.parametrize(
    ("text", "mechanisms"),
    [
        ("PROMPT CACHING would halve the bill.", {"prompt caching"}),
        ("Fine-Tuning is not the first move.", {"fine-tuning"}),
        ("we could try lora later", {"LoRA"}),
    ],
)
def test_ignores_case_except_for_acronyms(text, mechanisms):
    """Each names a concrete mechanism from this page

    "Prompt Caching", "PROMPT CACHING" and "prompt caching" are one mechanism.
    """
    got, call = named(text)
    expect(got == mechanisms, call=call, returned=got, expected=repr(mechanisms),
           hint="compare without regard to case, except for all-capital acronyms such as RAG")


@pytest.mark.verify
@pytest.mark.parametrize(
    "text",
    [
        "We watched a drag race on Friday.",
        "The DRAGNET query timed out.",
        "Storage costs went up.",
        "Wipe the screen with a rag.",
        "The firmware is embedded in the device.",
        "Let's evaluate the options.",
    ],
)
def test_names_nothing_inside_other_words(text):
    """Each names a concrete mechanism from this page (e.g. RAG, …) — not just “use AI better.”

    "drag race" and "storage" contain the letters of RAG, not the word; "a rag" is a cloth.
    """
    got, call = named(text)
    expect(got == set() or text not in IN_LOWER_CASE, call=call, returned=got, expected=NO_MECHANISM,
           hint="RAG is written all in capitals, so it is an acronym: it counts only in capitals, and a lower-case "
                "'rag' is a cloth, not RAG (only the aliases with a lower-case letter match in any case)",
           clause="an acronym such as RAG or BM25 (every letter a capital): it counts only in capitals")
    expect(got == set(), call=call, returned=got, expected=NO_MECHANISM,
           hint="an alias counts only as a whole word, with no letter or digit right before or after it; keep "
                "acronyms such as RAG case-sensitive",
           clause="with a letter or digit glued on either side, in any alphabet, it is part of another word")


IN_LOWER_CASE = ("Wipe the screen with a rag.",)  # no letter glued on: only the acronym's case makes it no RAG


WORDS = st.sampled_from(["the", "team", "wants", "to", "ship", "it", "by", "friday", "because", "customers", "asked"])


@pytest.mark.verify
@given(
    before=st.lists(WORDS, max_size=6),
    after=st.lists(WORDS, max_size=6),
    pick=st.data(),
)
def test_any_alias_between_plain_words_is_found(before, after, pick):
    """Each names a concrete mechanism from this page

    Property: whatever the sentence around it, an alias standing as its own word names its mechanism.
    """
    glossary = u01.GLOSSARY
    name = pick.draw(st.sampled_from(sorted(glossary)), label="mechanism")
    alias = pick.draw(st.sampled_from(glossary[name]), label="alias")
    text = " ".join(before + [alias] + after) + "."
    got, call = named(text)
    expect(name in got, call=call, returned=got, expected=f"a set containing {name!r} (alias {alias!r})",
           hint="every alias of every mechanism must be found, wherever it stands in the sentence")


# Hypothesis seeds a test from its source: these pin the seeds their examples came from before their checks quoted
# the docstring's clause on glued letters, so the catalogued mistakes they catch stay caught.
GLUED_INSIDE_SEED = 36742161649033951117631486466054877625777257148762083515830220619996069432678426617087699616791466725052083368339654
GLUED_ONE_SIDE_SEED = 37323745818466697918323027326459780572388088423557794408807093275343562012748193043919325372777947004453636924032097


@pytest.mark.verify
@seed(GLUED_INSIDE_SEED)
@given(pick=st.data(), prefix=st.text("xyzq", min_size=1, max_size=3), suffix=st.text("xyzq", min_size=1, max_size=3))
def test_an_alias_glued_inside_a_longer_word_names_nothing(pick, prefix, suffix):
    """Each names a concrete mechanism from this page … — not just “use AI better.”

    Property: "xRAGq" is not RAG; letters on both sides make it a different word.
    """
    glossary = u01.GLOSSARY
    name = pick.draw(st.sampled_from(sorted(glossary)), label="mechanism")
    alias = pick.draw(st.sampled_from(glossary[name]), label="alias")
    assume(alias[0].isalnum() and alias[-1].isalnum())
    text = f"we discussed {prefix}{alias}{suffix} today"
    got, call = named(text)
    expect(got == set(), call=call, returned=got, expected=NO_MECHANISM,
           hint="an alias only counts at word boundaries on both sides",
           clause="with a letter or digit glued on either side, in any alphabet, it is part of another word")


@pytest.mark.verify
@seed(GLUED_ONE_SIDE_SEED)
@given(pick=st.data(), glue=st.text("xyz", min_size=1, max_size=3), side=st.sampled_from(["before", "after"]))
def test_letters_glued_on_one_side_only_still_make_another_word(pick, glue, side):
    """Each names a concrete mechanism from this page … — not just “use AI better.”

    Property: "xRAG" and "RAGq" are not RAG either: a word boundary is needed on each side.
    """
    glossary = u01.GLOSSARY
    name = pick.draw(st.sampled_from(sorted(glossary)), label="mechanism")
    alias = pick.draw(st.sampled_from(glossary[name]), label="alias")
    assume(alias[0].isalnum() and alias[-1].isalnum())
    word = glue + alias if side == "before" else alias + glue
    standing = [a for aliases in glossary.values() for a in aliases  # "web search toolx" still holds "web search"
                if re.search(rf"(?<![A-Za-z0-9]){re.escape(a)}(?![A-Za-z0-9])", word, re.IGNORECASE)]
    assume(not standing)
    got, call = named(f"we discussed {word} today")
    expect(got == set(), call=call, returned=got, expected=NO_MECHANISM,
           hint="check the boundary on both sides of the alias, not only one",
           clause="with a letter or digit glued on either side, in any alphabet, it is part of another word")


@pytest.mark.verify
@given(pick=st.data(), prefix=st.text("xyz", min_size=1, max_size=3))
def test_an_alias_is_found_after_a_glued_occurrence_of_it(pick, prefix):
    """Each names a concrete mechanism from this page

    Property: "xRAG went badly, so RAG" names RAG: a glued first occurrence must not hide a real one later.
    """
    glossary = u01.GLOSSARY
    name = pick.draw(st.sampled_from(sorted(glossary)), label="mechanism")
    alias = pick.draw(st.sampled_from(glossary[name]), label="alias")
    assume(alias[0].isalnum())
    got, call = named(f"{prefix}{alias} went badly, so try {alias} instead")
    expect(name in got, call=call, returned=got, expected=f"a set containing {name!r}",
           hint="look at every occurrence of the alias, not only the first one the search finds")


def _paragraph_problems(heading, paragraph):
    """What is wrong with one reply, in words; empty when it is a real one-paragraph answer."""
    if not isinstance(paragraph, str) or len(paragraph.split()) < 20:
        count = f"has {len(paragraph.split())} word{'' if len(paragraph.split()) == 1 else 's'}, so it " \
            if isinstance(paragraph, str) else ""
        return [f"{count}is not a paragraph (write at least 20 words: what you'd say back, and why)"]
    problems = []
    if re.search(r"\n[^\S\n]*\n", paragraph.strip()):  # a blank line, even one holding spaces
        problems.append("is more than one paragraph (no blank lines inside a reply)")
    if not u01.mechanisms_named(paragraph):
        problems.append("names no mechanism from the glossary: that reads as 'use AI better'")
    return problems


# The clause a reply's form breaks, quoted in place of the test's opening line (the problem's words, clause, hint).
PARAGRAPH_CLAUSES = (
    ("not a paragraph", "of at least 20 words (words as whitespace separates them)",
     "a reply is what you would say back, and why, in one paragraph of 20 words or more"),
    ("more than one paragraph",
     "in one paragraph (no blank line inside, not even one holding only spaces; a single line break is fine)",
     "one paragraph per reply: join its sentences, no blank line inside"),
)


def _nudge(problems) -> tuple[str, str | None]:
    """The hint for the first kind of problem found, and the clause it breaks (None: the test's own line), so
    both are about the clause that failed."""
    for words, clause, hint in PARAGRAPH_CLAUSES:
        if any(words in p for p in problems):
            return hint, clause
    return "name the move you would make: RAG, a structured wiki, prompt caching, quantization, distillation...", None


@pytest.mark.verify
def test_four_replies_one_per_conversation():
    """Four paragraphs exist, one per conversation."""
    got = u01.replies()
    keyed = isinstance(got, dict)
    headings = set(got) - {FIFTH_HEADING} if keyed else got
    missing = [h for h in HEADINGS if keyed and h not in headings]
    strays = sorted(headings - set(HEADINGS), key=str) if keyed else []  # a key off by a character shows beside the one it missed
    expect(keyed and headings == set(HEADINGS) == set(u01.CONVERSATIONS), call="replies()",
           returned=InWords(f"a dict keyed by {sorted(got, key=str)!r}") if keyed else got,
           expected=f"a dict keyed by exactly the four headings of CONVERSATIONS, the course's {HEADINGS!r}"
                    + (f"; missing: {missing!r}" if missing else "") + (f"; not a heading: {strays!r}" if strays else ""),
           hint="use the strings in CONVERSATIONS as keys, one reply each")


@pytest.mark.verify
def test_each_reply_names_a_concrete_mechanism():
    """Each names a concrete mechanism from this page (e.g. RAG, prompt caching, quantization, distillation, web-search tool, structured wiki) — not just “use AI better.”"""
    got = u01.replies()
    problems = {h: _paragraph_problems(h, got.get(h)) for h in HEADINGS}
    problems = {h: p for h, p in problems.items() if p}
    nudge, clause = _nudge([p for found in problems.values() for p in found])
    clause = clause if all(isinstance(got.get(h), str) for h in problems) else None  # a missing reply: the Verify line
    expect(not problems, call="replies()",
           returned=Problems(f"the reply to {h!r} {p}" for h, found in problems.items() for p in found),
           expected="four single paragraphs of 20 words or more, each naming at least one mechanism",
           hint=nudge, clause=clause)


# What fits each conversation, from the course's own brackets beside the four quotes: fine-tuning on
# the docs is "usually the wrong move. RAG is cheaper"; a vector database, "maybe a structured wiki is
# better"; made-up answers are hallucination, whose "cause is usually missing context", so a grounding
# mechanism or evals that measure it; faster / cheaper has "three real answers: prompt caching,
# distillation, quantization". The names are GLOSSARY's keys.
FITS = {
    "fine-tune on our docs": {"RAG", "structured wiki"},
    "we need a vector database": {"structured wiki", "embeddings", "vector database"},
    "the model is making things up": {"RAG", "structured wiki", "web-search tool", "evals"},
    "make it faster / cheaper": {"prompt caching", "distillation", "quantization"},
}


@pytest.mark.contract
def test_each_reply_names_a_mechanism_that_fits_its_conversation():
    """The mechanism must also fit its conversation, as the course's bracketed hints say

    Form is not enough: "use quantization" names a mechanism, but not one that stops a model making
    things up. Each reply must name at least one of the moves the course gives for its conversation.
    """
    got = u01.replies()
    named = {h: u01.mechanisms_named(got[h]) if isinstance(got.get(h), str) else got.get(h) for h in HEADINGS}
    unfit = {h: sorted(found) if isinstance(found, set) else found for h, found in named.items()
             if not (isinstance(found, set) and found & FITS[h])}
    expect(not unfit, call="replies()", returned=Seen({f"the reply to {h!r} names": found for h, found in unfit.items()}),
           expected="each reply naming a move that the course's brackets give for its conversation",
           hint="re-read the course's brackets beside the four quotes: what is the usual cause, and which move addresses it?")


@pytest.mark.stretch
def test_fifth_reply_to_building_our_own_model():
    """Add a fifth heading: “we should build our own model.” Write the one-paragraph reply you’ll need the first time a stakeholder proposes it."""
    got = u01.replies()
    problems = _paragraph_problems(FIFTH_HEADING, got.get(FIFTH_HEADING))
    nudge, clause = _nudge(problems) if any("paragraph" in p for p in problems) else \
        ("training vs inference: what would you do instead of training, and what is the most you would train?", None)
    absent = isinstance(got, dict) and FIFTH_HEADING not in got  # no such key: nothing came back, nor None
    clause = clause if isinstance(got.get(FIFTH_HEADING), str) else None  # no reply at all: the Stretch line
    expect(not problems, call=f"replies()[{FIFTH_HEADING!r}]",
           returned=InWords(f"no reply: the dict has no such key (its keys: {sorted(got)!r})") if absent else got.get(FIFTH_HEADING),
           expected=f"one paragraph under the course's heading {FIFTH_HEADING!r} that names a mechanism; it {' and '.join(problems) or 'is fine'}",
           hint=nudge, clause=clause)


# --- issue 20: each clause met by an input that tells it from its nearest wrong reading ------------

GLUE = "xé2ñ7дq"  # letters of several alphabets and digits: each glues


def standing(alias, word):
    """True when `alias` stands whole in `word`: no letter or digit, of any alphabet, touches it."""
    flags = 0 if alias.isupper() else re.IGNORECASE
    return re.search(rf"(?<![^\W_]){re.escape(alias)}(?![^\W_])", word, flags) is not None


@pytest.mark.contract
@given(pick=st.data(), glue=st.text(GLUE, min_size=1, max_size=2), side=st.sampled_from(["before", "after", "both"]))
def test_a_letter_or_digit_of_any_alphabet_glues(pick, glue, side):
    """with a letter or digit glued on either side, in any alphabet, it is part of another word

    Property: "RAGé", "ñRAG", "RAG2" and "7BM25" are other words: any letter or digit glues, not only
    a to z, on one side as on both.
    """
    glossary = u01.GLOSSARY
    name = pick.draw(st.sampled_from(sorted(glossary)), label="mechanism")
    alias = pick.draw(st.sampled_from(glossary[name]), label="alias")
    assume(alias[0].isalnum() and alias[-1].isalnum())
    word = (glue if side != "after" else "") + alias + (glue if side != "before" else "")
    assume(not [a for aliases in glossary.values() for a in aliases if standing(a, word)])
    got, call = named(f"we discussed {word} today")
    expect(got == set(), call=call, returned=got, expected=NO_MECHANISM,
           hint="a letter of any alphabet, or a digit, right beside an alias makes it part of a longer word")


@pytest.mark.contract
@pytest.mark.parametrize("text", ["", " ", "\n", "We ship on Friday, after the review."])
def test_a_text_that_names_no_mechanism_gives_an_empty_set(text):
    """A text that names no mechanism gives an empty set.

    The empty text, a blank one and a sentence about something else name nothing, and still come back.
    """
    got, call = named(text)
    expect(got == set(), call=call, returned=got, expected=NO_MECHANISM,
           hint="start from an empty set and add a mechanism only when one of its aliases stands as a word; a text "
                "with no word at all (empty, or only spaces) is a text too")


@pytest.mark.contract
@pytest.mark.parametrize("text", ["we tuned the bm25 weights", "Bm25 is a ranking function", "a bM25 score"])
def test_an_acronym_with_digits_counts_only_in_capitals(text):
    """an acronym such as RAG or BM25 (every letter a capital): it counts only in capitals

    BM25's letters are all capitals, so it is an acronym: "bm25" names nothing.
    """
    got, call = named(text)
    expect(got == set(), call=call, returned=got, expected=NO_MECHANISM,
           hint="an alias whose every letter is a capital is an acronym, digits or not: match it in capitals only")


MIXED_CASE = [(name, alias) for name, aliases in PRACTICE_GLOSSARY.items() for alias in aliases
              if alias != alias.lower() and not alias.isupper()]  # LLM wiki, LoRA, QLoRA, vector DB


@pytest.mark.contract
@pytest.mark.parametrize("case", ["lower", "upper"])
@pytest.mark.parametrize(("name", "alias"), MIXED_CASE)
def test_an_alias_with_a_lower_case_letter_matches_in_any_case(name, alias, case):
    """Case does not matter ("Prompt Caching", "PROMPT CACHING"), except for an alias written all in capitals

    "LLM wiki" and "vector DB" hold a word in capitals, but the alias is not written all in capitals, so it
    is no acronym: "llm wiki", "vector db" and "VECTOR DB" name their mechanisms, as "lora" names LoRA.
    """
    written = alias.lower() if case == "lower" else alias.upper()
    got, call = named(f"Next week we look at {written} for the support bot.")
    expect(isinstance(got, set) and name in got, call=call, returned=got,
           expected=f"a set containing {name!r}: {written!r} is its alias {alias!r} in another case",
           hint="whether an alias is an acronym is decided for the alias as a whole: one whose every letter is a "
                "capital counts only in capitals; any other alias matches in any case, its words in capitals too")


def overlapping_pairs():
    """Two aliases of different mechanisms where the last word of one is the first word of the other."""
    aliases = [(name, a) for name, found in PRACTICE_GLOSSARY.items() for a in found]
    pairs = []
    for first_name, first in aliases:
        for second_name, second in aliases:
            last, head = first.split()[-1], second.split()[0]
            if first_name != second_name and " " in second and last.lower() == head.lower():
                pairs.append((first + second[len(head):], {first_name, second_name}))
    return pairs


@pytest.mark.contract
@pytest.mark.parametrize(
    ("text", "mechanisms"),
    [
        ("A RAG-based bot answers first.", {"RAG"}),
        ("We shipped the non-RAG baseline.", {"RAG"}),
        ("Check the LoRA's rank.", {"LoRA"}),
        ("Quantization/distillation come later.", {"quantization", "distillation"}),
    ],
)
def test_an_alias_beside_punctuation_is_its_own_word(text, mechanisms):
    """with a letter or digit glued on either side, in any alphabet, it is part of another word

    Only a letter or a digit glues: a hyphen, an apostrophe or a slash beside an alias leaves it a word of its own.
    """
    got, call = named(text)
    expect(got == mechanisms, call=call, returned=got, expected=repr(mechanisms),
           hint="only a letter or a digit beside an alias makes it part of another word: punctuation such as a hyphen "
                "or a slash is a boundary, as a space is")


@pytest.mark.contract
@pytest.mark.parametrize("where", ["alone", "last", "first"])
@pytest.mark.parametrize(("alias", "name"), [("RAG", "RAG"), ("web search", "web-search tool"), ("BM25", "hybrid retrieval"),
                                             ("quantised", "quantization"), ("evals", "evals")])
def test_an_alias_at_either_end_of_the_text_is_a_word(alias, name, where):
    """A mechanism is named when any of its aliases in GLOSSARY appears in `text` as a whole word or phrase

    The text's very start and very end are boundaries too: an alias that is the whole text, its last word
    (no full stop after it) or its first is a word of its own.
    """
    text = {"alone": alias, "last": f"We should try {alias}", "first": f"{alias} first, then the rest"}[where]
    got, call = named(text)
    expect(got == {name}, call=call, returned=got, expected=repr({name}),
           hint="the start and the end of the text are word boundaries: nothing stands there to glue to, so look "
                "beside an alias only where the text goes on")


@pytest.mark.contract
@pytest.mark.parametrize(("phrase", "mechanisms"), overlapping_pairs())
def test_aliases_that_share_a_word_are_both_found(phrase, mechanisms):
    """Aliases may overlap in a text: "web search tool use" names both the web-search tool and structured output.

    Two aliases sharing a word: finding the first must not use up the word the second needs.
    """
    got, call = named(f"the plan: {phrase} for the bot")
    expect(isinstance(got, set) and mechanisms <= got, call=call, returned=got, expected=f"a set holding {mechanisms!r}",
           hint="look for each alias on its own, over the whole text: one match must not hide another that shares its words")

