"""U06 · RAG — the basics: paragraph chunks, retrieve top 3, the course's prompt, citations read back to notes."""

import difflib
import re

import types

import anthropic
import pytest
import voyageai
from hypothesis import example, given, seed, settings
from hypothesis import strategies as st

from kata.corpus import load_notes
from kata.models import CLAUDE
from kata.judge.spy import never_called
from kata.judge.testing import Did, InWords, Raised, Seen, as_list, expect, load_unit, raised

u06 = load_unit("u06_rag_basics")

# The course's SYSTEM block and prompt shape, typed here from the course page so that the checks do
# not depend on the code under test.
COURSE_SYSTEM = """You answer questions using only the CONTEXT provided.
If the context does not contain the answer, say "not found in sources".
Always cite the chunk number you used: [chunk N]."""
STOP = "If the answer isn't in the retrieved context, say so and stop."

SPONSOR = ("Who is the executive sponsor?", "note01")
RESERVE = ("What is the contingency reserve?", "note05")
WIFI = ("What is the office Wi-Fi password?", None)


def course_prompt(chunks, question):
    """The course's user turn, from its own template."""
    context = "\n\n".join(f"[chunk {i}] {c['text']}  (source: {c['source']})" for i, c in enumerate(chunks, 1))
    return f"CONTEXT:\n\n{context}\n\nQUESTION: {question}"


def first_difference(got, want):
    """The lines where `got` first differs from `want`, as a short diff (yours: -, the course's: +)."""
    if not isinstance(got, str):
        return f"a str, not {type(got).__name__}"
    diff = [line.rstrip("\n") for line in difflib.ndiff(got.split("\n"), want.split("\n")) if line[:1] in "-+?"]
    return "\n".join(f"  {line}" if line.strip() not in "-+" else f"  {line[0]} (a blank line)" for line in diff[:6])


def citations(text):
    """The test's own reading of a reply's citations: every number inside a [chunk ...] bracket."""
    groups = re.findall(r"\[\s*chunks?\s*(\d[^\]]*)\]", text, re.IGNORECASE)
    return list(dict.fromkeys(int(n) for group in groups for n in re.findall(r"\d+", group)))


def said_only_not_found(text):
    return isinstance(text, str) and text.strip().lower().rstrip(".!").strip() == "not found in sources"


def chunk(note, paragraph, text):
    return {"id": f"{note}-p{paragraph}", "note": note, "source": f"{note}.txt", "text": text}


# Three retrieved chunks from three notes, short enough to read in a failure.
RETRIEVED = [
    chunk("note01", 2, "Helen Okafor, Chief Financial Officer, is the executive sponsor of Project Tern."),
    chunk("note05", 2, "The budget holds a contingency reserve of $48,000, 12% of the total budget."),
    chunk("note06", 1, "Go-live has moved from 20 April to 8 June because the certification is late."),
]


# The clauses a check quotes in place of its test's opening line when that clause is the one broken (start, clause, hint)
CITE_CLAUSES = (
    ("outside", 'Numbers outside such brackets are not citations ("$48,000", "chunk 2" in running text, "[2]")', None),
    ("order", "Both lists are in order of first appearance, each number once.", None),
    ("cited order", '"cited_notes": the note id of each cited chunk, in citation order ([chunk 1] is the first chunk)', None),
)


def cite_clause(key):
    """The clause of the row `key` of CITE_CLAUSES, for a check that quotes it only when it is the one broken."""
    return next(clause for start, clause, _ in CITE_CLAUSES if start == key)


def read_outside_brackets(got, reply):
    """parse_citations' result holds a number the reply never cites inside a [chunk ...] bracket."""
    return isinstance(got, tuple) and len(got) == 2 and all(isinstance(part, list) for part in got) \
        and any(n not in citations(reply) for n in got[0] + got[1])


OUTSIDE = ("a number counts only inside a square bracket that opens with the word chunk: 'chunk 2' in running text, "
           "with no bracket around it, is no citation, nor is a bare number in brackets")


# --- the prompt: the course's shape, character for character (no API)


@pytest.mark.verify
@pytest.mark.parametrize(("chunks", "question"), [
    (RETRIEVED, "Who is the executive sponsor?"),
    (RETRIEVED[2:], "Why did the go-live date slip?"),
], ids=["three-chunks", "one-chunk"])
def test_prompt_is_the_courses_shape(chunks, question):
    """The course's shape, character for character: USER_TEMPLATE, whose context is one CHUNK_LINE per chunk … numbered from 1

    The model can only cite what the prompt numbers: build_prompt must give the course's user turn
    exactly, "[chunk 1]" for the first chunk, two spaces before "(source: …)", blank lines between.
    """
    got = u06.build_prompt([dict(c) for c in chunks], question)
    want = course_prompt(chunks, question)
    expect(got == want, call=f"build_prompt(<{len(chunks)} chunks>, {question!r})", returned=got,
           expected=f"the course's prompt, exactly:\n{want}\nFirst difference (yours: -, the course's: +):\n"
                    f"{first_difference(got, want)}",
           hint="follow the course's prompt exactly: each chunk numbered from 1 in brackets with its source after it, a blank line between chunks, then the question; the failure shows the first difference")


# --- citations: every style a model writes, read back; a chunk that was not retrieved is flagged


@pytest.mark.verify
@pytest.mark.parametrize(("reply", "cited"), [
    ("Helen Okafor is the executive sponsor [chunk 1].", [1]),
    ("Go-live moved to 8 June [chunk 2, chunk 3].", [2, 3]),
    ("Go-live moved to 8 June [chunk 2][chunk 3].", [2, 3]),
    ("Go-live moved to 8 June [chunk 3] [chunk 1].", [3, 1]),
    ("As [Chunk 2] says, the reserve is $48,000.", [2]),
    ("The reserve is $48,000, 12% of $400,000 [chunk 2]. It needs approval [chunk 2].", [2]),
    ("The budget is $400,000 and go-live is on 8 June.", []),
    ('not found in sources (the closest passage, chunk 2, says: "Go-live has moved.")', []),
], ids=["single", "two-in-one-bracket", "side-by-side", "two-apart", "capital-C", "repeated", "no-citation",
        "unbracketed-remark"])
def test_parse_citations_reads_every_style(reply, cited):
    """Read every one, in all the ways models write them: "[chunk 2]", "[Chunk 2]", "[chunk 2, chunk 3]" (several in one bracket) and "[chunk 2][chunk 3]" (side by side).

    Models cite as "[chunk 2]", "[chunk 2, chunk 3]" or "[chunk 2][chunk 3]": read them all, in order of
    first appearance, each once. A number outside a [chunk …] bracket ($48,000, "chunk 2" in running
    text) is not a citation.
    """
    got = u06.parse_citations(reply, 3)
    capital = "[Chunk" in reply  # the case this reply tries: the word written as a sentence starts it
    read_all = isinstance(got, tuple) and len(got) == 2 and all(isinstance(part, list) for part in got) \
        and sorted(map(str, got[0] + got[1])) == sorted(map(str, cited))  # every number read, split the wrong way
    expect(got == (cited, []) or not (read_all and got[1]), call=f"parse_citations({reply!r}, 3)", returned=got,
           expected=f"({cited}, [])", clause="`cited` holds the numbers from 1 to `n_chunks` (the chunks that were in the prompt)",
           hint="every number was read, but one that was in the prompt went to flagged: a number from 1 to n_chunks, "
                "both ends included, is cited")
    # the numbers all read and none flagged, but sorted or repeated: the order's own clause
    order_only = isinstance(got, tuple) and len(got) == 2 and isinstance(got[0], list) and got[1] == [] \
        and got[0] != cited and sorted(set(map(str, got[0]))) == sorted(map(str, cited))
    expect(not order_only, call=f"parse_citations({reply!r}, 3)", returned=got, expected=f"({cited}, [])",
           clause="Both lists are in order of first appearance, each number once.",
           hint="keep each number once, in the order the reply first cites it: not sorted, no repeats")
    outside = read_outside_brackets(got, reply)
    quoted = cite_clause("outside") if outside else None  # the clause broken, when it is not the test's opening line
    expect(got == (cited, []), call=f"parse_citations({reply!r}, 3)", returned=got, expected=f"({cited}, [])",
           hint=OUTSIDE if outside else "'Chunk' and 'chunk' are the same word: match it in any case" if capital else
                "find every bracket that opens with 'chunk', not only the first one, take every number inside it, and drop repeats while keeping the first-seen order",
           clause=quoted)


@pytest.mark.verify
@pytest.mark.parametrize(("reply", "expected"), [
    ("The reserve is $48,000 [chunk 4].", ([], [4])),
    ("See [chunk 0] and [chunk 1].", ([1], [0])),
    ("Two sources [chunk 2, chunk 7][chunk 7] agree.", ([2], [7])),
], ids=["beyond-the-last", "zero", "repeated-beyond"])
def test_parse_citations_flags_chunks_that_were_not_retrieved(reply, expected):
    """`cited` holds the numbers from 1 to `n_chunks` (the chunks that were in the prompt)

    Only chunks 1 to 3 were in the prompt: a citation of any other number points at no note. It is
    flagged, not resolved and not a crash.
    """
    got = u06.parse_citations(reply, 3)
    expect(got == expected, call=f"parse_citations({reply!r}, 3)", returned=got,
           expected=f"{expected}: (cited within 1..3, flagged outside it)",
           hint="a number from 1 to n_chunks, both ends included, is cited; 0 and every number beyond n_chunks is flagged")


PROSE = st.sampled_from(["Go-live moved to 8 June", "The reserve is $48,000 (12%)", "Helen Okafor sponsors it",
                         "about 300 consignments a day", "", "see chunk 4 in the appendix"])
STYLE = st.sampled_from(["one bracket", "side by side"])
CHUNK_WORD = st.sampled_from(["chunk", "Chunk", "CHUNK"])


# Hypothesis seeds a test from its source: this pins the seed its examples came from before its clauses were added.
ANY_CITATIONS_SEED = 37786276033454983195067638056141491909200623373885015991568924383409246701288390896835385632482991755036349304440192


@pytest.mark.verify
@seed(ANY_CITATIONS_SEED)
@settings(max_examples=40)
@given(pick=st.data(), n_chunks=st.integers(1, 5))
def test_any_citations_in_any_style_are_read_back(pick, n_chunks):
    """Read the [chunk N] citations of a model's `reply`; return (cited, flagged).

    Property: whatever chunk numbers a reply cites, in whatever mix of the supported styles and prose,
    parse_citations returns exactly them: those in 1..n_chunks as cited, the rest as flagged, each
    once, in order of first appearance.
    """
    groups = pick.draw(st.lists(st.lists(st.integers(0, 7), min_size=1, max_size=3), max_size=4), label="citations")
    parts = []
    for numbers in groups:
        word = pick.draw(CHUNK_WORD, label="word")
        if pick.draw(STYLE, label="style") == "one bracket":
            citation = "[" + ", ".join(f"{word} {n}" for n in numbers) + "]"
        else:
            citation = "".join(f"[{word} {n}]" for n in numbers)
        parts += [pick.draw(PROSE, label="prose"), citation]
    reply = " ".join(parts + [pick.draw(PROSE, label="prose")]).strip() + "."
    order = list(dict.fromkeys(n for numbers in groups for n in numbers))
    want = ([n for n in order if 1 <= n <= n_chunks], [n for n in order if not 1 <= n <= n_chunks])
    got = u06.parse_citations(reply, n_chunks)
    outside = read_outside_brackets(got, reply)
    # every number read and each on its right side, but sorted or repeated: the order's own clause
    reordered = not outside and isinstance(got, tuple) and len(got) == 2 and got != want and all(
        isinstance(part, list) and sorted(set(map(str, part))) == sorted(map(str, wanted)) for part, wanted in zip(got, want))
    quoted = cite_clause("outside") if outside else cite_clause("order") if reordered else None
    expect(got == want, call=f"parse_citations({reply!r}, {n_chunks})", returned=got, expected=repr(want),
           hint=OUTSIDE if outside else
                "keep each number once, in the order the reply first cites it, in flagged as in cited: not sorted, no "
                "repeats" if reordered else
                "every bracket that opens with 'chunk' (any case), every number inside it, repeats dropped in first-seen order; numbers between 1 and n_chunks are cited, the others flagged",
           clause=quoted)


# --- chunks: one per paragraph, each with its note


@pytest.mark.verify
def test_chunks_are_paragraphs_of_their_notes():
    """Never one chunk per note: the course's number-one RAG mistake is retrieving the right document while the paragraph that answers is not in the prompt.

    chunk_notes cuts at paragraphs, never whole notes (the course's number-one RAG mistake), keeps
    every paragraph once, in order, and tags each with its note and source, so a citation resolves.
    """
    notes = load_notes()
    chunks = u06.chunk_notes(notes)
    keys = [sorted(c) if isinstance(c, dict) else type(c).__name__ for c in chunks]
    expect(isinstance(chunks, list) and all(isinstance(k, list) and {"id", "note", "source", "text"} <= set(k) for k in keys),
           call="chunk_notes(load_notes())", returned=keys[:3],
           expected="a list of dicts with the keys 'id', 'note', 'source' and 'text' (shown: the keys of the first three)",
           hint="one dict per paragraph, holding its own id, its note's id and source, and the paragraph's text")
    want = [(note.id, paragraph) for note in notes for paragraph in note.paragraphs]
    got = [(c["note"], c["text"]) for c in chunks]
    expect(len(chunks) != len(notes), call="chunk_notes(load_notes())", returned=InWords(f"{len(chunks)} chunks"),
           expected=f"{len(want)} chunks, one per paragraph: one chunk per note is document-level chunking",
           hint="loop over each note's paragraphs inside the loop over the notes")
    per_note = {note.id: sum(1 for c in chunks if c.get("note") == note.id) for note in notes}
    extra = next((f"{per_note[n.id]} chunks of {n.id}, which has {len(n.paragraphs)} paragraphs" for n in notes
                  if per_note[n.id] != len(n.paragraphs)), f"{len(chunks)} chunks in all")
    expect(len(chunks) == len(want), call="chunk_notes(load_notes())", returned=InWords(extra),
           expected=f"{len(want)} chunks, one per paragraph of each note's `.paragraphs`",
           hint="make the chunks from each note's .paragraphs as they are given (the title and date are not among them): "
                "no paragraph split or joined again", clause="`.paragraphs` (its body's paragraphs, title and date left out)")
    # the 'note' of each chunk first, then its text: each its own clause, and only the part that differs shown
    wrong = next(((i, g, w) for i, (g, w) in enumerate(zip(got, want)) if g[0] != w[0]), None)
    expect(wrong is None, call="chunk_notes(load_notes())",
           returned=InWords(f"chunk {wrong[0]} with 'note' {wrong[1][0]!r}") if wrong else None,
           expected=f"'note' {wrong[2][0]!r} there: the id of the note the paragraph comes from" if wrong else "",
           hint="'note' is the note's id, not its file name or title", clause='"note" (its note\'s id)')
    wrong = next(((i, g, w) for i, (g, w) in enumerate(zip(got, want)) if g != w), None)
    expect(got == want, call="chunk_notes(load_notes())",
           returned=InWords(f"{len(got)} chunks; first mismatch at position {wrong[0]}: {wrong[1]}" if wrong else f"{len(got)} chunks"),
           expected=f"{len(want)} chunks, one per paragraph, in order: (note id, paragraph text) = {wrong[2] if wrong else want[-1]}",
           hint="'text' is the paragraph exactly as the note gives it, every paragraph once and in order",
           clause='"text" (the paragraph exactly as `.paragraphs` gives it)')
    sources = {c["note"]: c["source"] for c in chunks}
    expect(all(sources[n.id] == n.source for n in notes), call="chunk_notes(load_notes())",
           returned=Seen({"sources": sources}), expected="each chunk's source is its note's file ('note06.txt')",
           hint="a chunk's source is its note's .source, as the note gives it", clause='"source" (its note\'s source)')
    ids = [c["id"] for c in chunks]
    expect(len(set(ids)) == len(ids), call="chunk_notes(load_notes())",
           returned=Seen({"repeated ids": sorted({i for i in ids if ids.count(i) > 1}, key=str)}),
           expected="every id different from every other chunk's",
           hint="paragraph numbers start again in every note, so an id made from the number alone repeats: make each id "
                "tell its note too, as the docstring's example does",
           clause='"id" (a str no other chunk has, e.g. "note06-p2")')


# --- answer(): the pieces put together, with Claude and retrieval replaced by stand-ins (no API)


def answer_with(monkeypatch, reply, question="Who is the executive sponsor?", **given):
    """Run the unit's answer() with the two SDKs replaced by stand-ins (whatever route the code takes
    to them): Voyage embeds every question as (1, 0), and the index is RETRIEVED with vectors that put
    it first to last, plus a far entry; Claude replies `reply`. Returns answer's result and the
    (system, user) of each call Claude got."""
    calls = []

    def fake_embed(self, texts, *args, **kwargs):
        return types.SimpleNamespace(embeddings=[[1.0, 0.0] for _ in texts])

    def fake_create(self, *args, **kwargs):
        system = kwargs.get("system")
        system = system if isinstance(system, str) else "".join(b.get("text", "") for b in system or [])
        content = (kwargs.get("messages") or [{}])[-1].get("content")
        user = content if isinstance(content, str) else "".join(b.get("text", "") for b in content or [])
        calls.append((system, user))
        return types.SimpleNamespace(content=[types.SimpleNamespace(type="text", text=reply)], stop_reason="end_turn")

    monkeypatch.setattr(voyageai.Client, "embed", fake_embed)
    monkeypatch.setattr(anthropic.resources.messages.Messages, "create", fake_create)
    vectors = [[1.0, 0.1], [1.0, 0.3], [1.0, 0.6]]  # cosines with (1, 0): 0.995, 0.958, 0.857, in RETRIEVED's order
    index = [dict(c, vector=v) for c, v in zip(RETRIEVED, vectors)] + [
        dict(chunk("note09", 1, "An unrelated note."), vector=[0.0, 1.0])]
    return u06.answer(question, index, **given), calls  # `given`: system= or k=, when a test passes them


def what_it_sent(prompts):
    """The prompts answer() sent Claude, in words: a failure shows them after "It returned", and answer's own
    return is a dict, so the words say what they are (how many calls, how many chunks each prompt held)."""
    if not prompts:
        return "its answer, without a call to Claude"
    held = [len(re.findall(r"^\[chunk \d+\]", prompt, re.M)) for prompt in prompts]
    if len(prompts) == 1:
        return f"its answer, after one call to Claude whose prompt held {held[0]} chunk{'s' * (held[0] != 1)}"
    return f"its answer, after {len(prompts)} calls to Claude whose prompts held {' and '.join(map(str, held))} chunks"


@pytest.mark.verify
@pytest.mark.parametrize(("reply", "cited_notes", "flagged"), [
    ("Helen Okafor is the sponsor [chunk 1].", ["note01"], []),
    ("It moved to 8 June [chunk 3], within the reserve [chunk 2].", ["note06", "note05"], []),
    ("Both [chunk 3, chunk 1].", ["note06", "note01"], []),
    ("The reserve is $48,000 [chunk 2][chunk 4].", ["note05"], [4]),
    ("Helen Okafor is the sponsor [chunk 1]; who deputises is not found in sources.", ["note01"], []),
], ids=["chunk-1", "two-apart", "two-in-one-bracket", "one-not-retrieved", "not-found-said-later"])
def test_answer_resolves_citations_to_their_notes(monkeypatch, reply, cited_notes, flagged):
    """For answerable questions the reply includes a [chunk N] citation pointing at the right note

    With Voyage and Claude replaced by stand-ins: answer() sends SYSTEM and the course's prompt of
    the retrieved chunks, and resolves [chunk N] to the note (and the id) of the N-th chunk ([chunk 1]
    is chunks[0]); a citation of a chunk it never sent is flagged.
    """
    got, calls = answer_with(monkeypatch, reply)
    sent = calls[0] if len(calls) == 1 else calls
    want = course_prompt(RETRIEVED, SPONSOR[0])
    expect(sent == (COURSE_SYSTEM, want), call=f"answer({SPONSOR[0]!r}, index)",
           returned=what_it_sent([user for _, user in calls]) + ("" if len(calls) != 1 or calls[0][0] == COURSE_SYSTEM
                                                                  else ", and another system prompt than SYSTEM"),
           expected="one call to Claude with the course's SYSTEM prompt and the prompt built from the retrieved chunks "
                    "and the question\nFirst difference in the prompt it sent (yours: -, the course's: +):\n"
                    f"{first_difference(calls[0][1] if calls else '', want) or '  (none: the prompt is right)'}",
           hint="retrieve the chunks first, then make one call with the course's system prompt and the prompt built from those chunks and the question")
    shown = {key: got.get(key) for key in ("cited_notes", "flagged", "not_found")} if isinstance(got, dict) else got
    wanted = {"cited_notes": cited_notes, "flagged": flagged, "not_found": False}
    citations_right = isinstance(got, dict) and all(shown[key] == wanted[key] for key in ("cited_notes", "flagged"))
    typed = citations_right and type(shown["not_found"]).__name__ not in ("bool", "bool_")
    notes_reordered = isinstance(got, dict) and isinstance(shown["cited_notes"], list) and shown["flagged"] == flagged \
        and shown["cited_notes"] != cited_notes and sorted(map(str, shown["cited_notes"])) == sorted(cited_notes)
    clause = '"not_found": True when the reply starts with NOT_FOUND' if citations_right else \
        cite_clause("cited order") if notes_reordered else None  # its own, not the citations'
    expect(shown == wanted,
           call=f"answer(...) when the reply is {reply!r} and the chunks come from {[c['note'] for c in RETRIEVED]}",
           returned=shown, expected=repr(wanted), clause=clause,
           hint=f"not_found is a bool, True or False, not a {type(shown['not_found']).__name__} that reads like one"
           if typed else
           "the citations are right, but this reply answers: it is not found only when it STARTS with 'not found in "
                "sources' (in any case), not when the words come later in an answer" if citations_right else
                "the right notes, in another order: list them in the order the reply cites them, the first cited first, "
                "not sorted nor in the chunks' order" if notes_reordered else
                "read the citations out of the reply with your parse_citations, then map each cited chunk number back to its chunk's note")
    ids = [next(c["id"] for c in RETRIEVED if c["note"] == note) for note in cited_notes]
    expect(got.get("cited_ids") == ids, call=f"answer(...) when the reply is {reply!r}",
           returned=got.get("cited_ids"), expected=f"cited_ids {ids}: the id of each cited chunk, in citation order",
           hint="list the ids of the cited chunks too, beside their notes: chunk N is the N-th retrieved chunk")
    chunks = [{k: v for k, v in c.items() if k != "vector"} if isinstance(c, dict) else c for c in got.get("chunks") or []]
    expect(got.get("text") == reply and chunks == RETRIEVED, call="answer(...)",
           returned=Seen({"text": got.get("text"), "chunks": chunks}),
           expected="'text': the reply as it came, 'chunks': the retrieved chunks in prompt order",
           hint="return the reply and the chunks you put in the prompt")


@pytest.mark.contract
def test_not_found_said_only_at_the_end_is_not_not_found(monkeypatch):
    """"not_found": True when the reply starts with NOT_FOUND, in any case and whatever follows it

    A reply that cites nothing and says the phrase only at its end does not start with it: not_found is
    False, citations or none.
    """
    reply = "The notes never say who deputises for the sponsor; not found in sources."
    got, _ = answer_with(monkeypatch, reply, question=WIFI[0])
    shown = {key: got.get(key) for key in ("not_found", "cited_notes", "flagged")} if isinstance(got, dict) else got
    expect(shown == {"not_found": False, "cited_notes": [], "flagged": []},
           call=f"answer({WIFI[0]!r}, index) when the reply is {reply!r}", returned=shown,
           expected="{'not_found': False, 'cited_notes': [], 'flagged': []}: the reply does not start with the phrase",
           hint="not_found is about how the reply STARTS ('not found in sources', in any case): the words later on, "
                "with a citation or without one, do not make it so")


@pytest.mark.verify
@pytest.mark.parametrize("reply", [
    "not found in sources",
    "Not found in sources.",
    'not found in sources (the closest passage, chunk 3, says: "Go-live has moved from 20 April to 8 June.")',
], ids=["bare", "capital-and-stop", "with-closest-passage"])
def test_answer_reads_not_found_as_no_citation(monkeypatch, reply):
    """For the unanswerable one it returns “not found in sources” instead of inventing an answer.

    Whatever follows "not found in sources" (a model may add the closest passage), the answer is not
    found and cites nothing: "chunk 3" in that remark is not a citation.
    """
    got, _ = answer_with(monkeypatch, reply, question=WIFI[0])
    shown = {key: got.get(key) for key in ("not_found", "cited_notes", "flagged")} if isinstance(got, dict) else got
    expect(shown == {"not_found": True, "cited_notes": [], "flagged": []},
           call=f"answer({WIFI[0]!r}, index) when the reply is {reply!r}", returned=shown,
           expected="{'not_found': True, 'cited_notes': [], 'flagged': []}",
           hint="a reply that starts with 'not found in sources' (in any case) is not found, whatever follows it; a chunk named in passing in that remark is not a citation")


@pytest.mark.contract
def test_ask_claude_returns_the_text_of_every_text_block(monkeypatch):
    """Return the reply's text (the text of its text blocks, in order, with nothing put between them; "" when it has none)

    A reply may come in several content blocks, not all of them text: the answer is the text blocks'
    text, whole and in order. Claude is a stand-in that replies in two text blocks around a
    thinking block.
    """
    blocks = [types.SimpleNamespace(type="text", text="Helen Okafor is the executive sponsor "),
              types.SimpleNamespace(type="thinking", thinking="The sponsor is in chunk 1."),
              types.SimpleNamespace(type="text", text="[chunk 1].")]

    def fake_create(self, *args, **kwargs):
        return types.SimpleNamespace(content=blocks, stop_reason="end_turn")

    monkeypatch.setattr(anthropic.resources.messages.Messages, "create", fake_create)
    got = u06.ask_claude(COURSE_SYSTEM, course_prompt(RETRIEVED, SPONSOR[0]))
    want = "Helen Okafor is the executive sponsor [chunk 1]."
    expect(got == want, call="ask_claude(SYSTEM, user) when the reply's content is a text block, a thinking "
                             "block and a text block", returned=got, expected=repr(want),
           hint="keep only the blocks whose type is 'text' and put their texts together in order, with nothing between them")


@pytest.mark.verify
def test_retrieve_returns_the_closest_entries_best_first(monkeypatch):
    """Return the k entries of `index` closest in meaning to `question`, best first: the index's own dicts.

    retrieve gives the k entries closest to the question by cosine, best first, as the index's own
    dicts: here Voyage is a stand-in that embeds every question as (2, 1), so northeast (0.95) comes
    before east (0.89) and far-east (0.79), wherever they sit in the index.
    """
    calls = []

    def fake_embed(self, texts, *args, **kwargs):  # the SDK's own method: whatever route your embed takes to it
        calls.append(list(texts))
        return types.SimpleNamespace(embeddings=[[2.0, 1.0] for _ in texts])

    monkeypatch.setattr(voyageai.Client, "embed", fake_embed)
    index = [dict(entry, note=entry["id"], source=f"{entry['id']}.txt") for entry in (
        {"id": "east", "text": "east", "vector": [1.0, 0.0]}, {"id": "north", "text": "north", "vector": [0.0, 1.0]},
        {"id": "far-east", "text": "far-east", "vector": [5.0, -1.0]}, {"id": "west", "text": "west", "vector": [-1.0, 0.0]},
        {"id": "northeast", "text": "northeast", "vector": [1.0, 1.0]})]
    got = u06.retrieve(index, "Which way is up?", 3)
    expect(calls, call="retrieve(index, 'Which way is up?', 3)", returned=got,
           expected=never_called(voyageai.Client, "embed", "retrieve ran"), hint="embed the question with your U04 embed")
    letters = calls == [list("Which way is up?")]  # a bare str where embed takes a list: every character a text
    expect(calls == [["Which way is up?"]], call="retrieve(index, 'Which way is up?', 3)",
           returned=Did(f"called embed {len(calls)} time(s), sending {calls}"),
           expected="one call holding just the question: [['Which way is up?']]",
           hint="embed takes a list of texts: a bare str is read as a list of its characters, one text each" if letters
           else "embed the question alone, once: the index already holds every chunk's vector",
           clause="with ONE call to your U04 `embed` on a list that holds just `question`")
    ids = [entry.get("id") for entry in got] if isinstance(got, list) and all(isinstance(e, dict) for e in got) else got
    own = isinstance(got, list) and all(any(e is i for i in index) for e in got)
    copies = ids == ["northeast", "east", "far-east"] and not own  # the right entries, as new dicts
    expect(ids == ["northeast", "east", "far-east"] and own,
           call="retrieve(index, 'Which way is up?', 3) with the question embedded as (2, 1)",
           returned=InWords(f"the entries whose ids are {ids}" + (", as new dicts, not the index's own" if copies else ""))
           if ids is not got else got,
           expected="the entries whose ids are ['northeast', 'east', 'far-east']: the three closest by cosine, best "
                    "first, the index's own dicts",
           hint="return the dicts of `index` themselves, in ranked order: not copies, nor new dicts made from them"
           if copies else "rank with your U05 top_k, then return the index entries in that order")


@pytest.mark.contract
def test_retrieve_embeds_the_question_as_it_came(monkeypatch):
    """Embed the question alone, with ONE call to your U04 `embed` on a list that holds just `question`.

    A question may start or end with spaces or a line break (typed, or pasted from a file): it is embedded
    as it came, those characters included.
    """
    calls = stand_in_voyage(monkeypatch, lambda text: [2.0, 1.0])
    index = [dict(chunk(name, 1, name), vector=vector) for name, vector in
             (("east", [1.0, 0.0]), ("north", [0.0, 1.0]), ("northeast", [1.0, 1.0]))]
    question = "  Which way is up?\n"
    u06.retrieve(index, question, 2)
    expect(calls == [[question]], call=f"retrieve(index, {question!r}, 2)",
           returned=Did(f"called embed {len(calls)} time(s), sending {calls}"),
           expected=f"one call holding just the question, as it came: [[{question!r}]]",
           hint="embed the question exactly as it was given, its spaces and line breaks at the ends included: "
                "nothing is stripped or tidied on the way",
           clause="with ONE call to your U04 `embed` on a list that holds just `question`")


@pytest.mark.contract
def test_answer_keeps_the_reply_as_it_came(monkeypatch):
    """"text": the reply, as it came,

    A reply may start or end with spaces or line breaks: "text" is the reply with those characters kept.
    """
    reply = "\n  Helen Okafor is the sponsor [chunk 1].\n\n"
    got, _ = answer_with(monkeypatch, reply)
    text = got.get("text") if isinstance(got, dict) else got
    expect(text == reply, call=f"answer({SPONSOR[0]!r}, index) when the reply is {reply!r}",
           returned=Seen({"text": text}), expected=f"'text': {reply!r}, the reply as it came",
           hint="give back the reply's text just as Claude sent it, the spaces and line breaks at its ends included: "
                "tidying it is the caller's choice",
           clause='"text": the reply, as it came')


# --- the Verify line, through the recorded APIs: retrieve, answer, cite


def chunk_index():
    return u06.build_chunk_index(u06.chunk_notes(load_notes()))


def check_questions():
    questions = u06.QUESTIONS
    answerable = [(q, n) for q, n in questions if n is not None] if isinstance(questions, tuple) else []
    ok = (len(questions) == 5 and SPONSOR in questions and RESERVE in questions and WIFI in questions
          and len(answerable) == 4 and any(n == "note06" for _, n in answerable))
    expect(ok, call="QUESTIONS", returned=questions,
           expected="five (question, note id) pairs: a schedule-slip question (note06), the sponsor (note01), the "
                    "reserve (note05), one more, and the Wi-Fi password question (None)",
           hint="keep QUESTIONS as given: the recordings hold exactly these five")
    return answerable


@pytest.mark.verify
@pytest.mark.vcr
def test_paragraph_index_retrieves_each_answer_note():
    """For answerable questions the reply includes a [chunk N] citation pointing at the right note (e.g. the schedule slip traces to note06).

    Before any answer: the chunk index keeps each chunk and adds its vector, and for each answerable
    question the top 3 chunks hold a paragraph of the note that answers it.
    """
    answerable = check_questions()
    chunks = u06.chunk_notes(load_notes())
    index = u06.build_chunk_index(chunks)
    kept = [isinstance(e, dict) and {k: v for k, v in e.items() if k != "vector"} == c for e, c in zip(index, chunks)]
    lengths = sorted({len(e["vector"]) for e in index if isinstance(e, dict) and "vector" in e})
    expect(len(index) == len(chunks) and all(kept) and len(lengths) == 1 and lengths[0] > 0,
           call="build_chunk_index(chunk_notes(load_notes()))",
           returned=Seen({"entries": len(index), "chunks": len(chunks), "entries that keep their chunk": sum(kept),
                          "vector lengths": lengths}),
           expected="one entry per chunk, in order, each the chunk's dict plus a 'vector', all of one length",
           hint="embed every chunk's text in one call, then give each chunk its own vector, keeping its other keys")
    by_id = {e["id"]: e for e in index}
    rows = {}
    for question, note in answerable:
        top = u06.retrieve(index, question)
        ids = [c.get("id") if isinstance(c, dict) else c for c in top]
        expect(isinstance(top, list) and len(top) == 3 and all(isinstance(c, dict) and by_id.get(c.get("id")) == c for c in top),
               call=f"retrieve(index, {question!r})", returned=ids,
               expected="a list of 3 entries of the index (the dicts, not their ids)",
               hint="the ranking gives ids: return the index's own entries with those ids, in the ranked order")
        rows[question] = (note, [c["note"] for c in top])
    misses = {q: row for q, row in rows.items() if row[0] not in row[1]}
    expect(not misses, call="retrieve(index, question) for each answerable question", returned=misses,
           expected="each question's note among the notes of its top 3 chunks (shown: question: (note, top 3 chunks' notes))",
           hint="rank by cosine, highest first, with your U05 top_k; embed the question alone, once")


def cited_notes_hint(got, truth: list, one_along: list) -> str:
    """The hint for cited_notes that differ from `truth` (the notes the reply's citations point at): the mistake
    they look like, else the clause."""
    if got == list(dict.fromkeys(truth)):  # each note once
        return "one note id per citation: two cited chunks of the same note give that note twice, in citation order"
    if got == one_along:
        return "chunk numbers in the reply start at 1, list positions at 0: [chunk 1] is the first retrieved chunk"
    return "cited_notes holds the note id of each chunk the reply cites, in the order it cites them"


@pytest.mark.verify
@pytest.mark.vcr
def test_answerable_questions_cite_the_right_note():
    """For answerable questions the reply includes a [chunk N] citation pointing at the right note (e.g. the schedule slip traces to note06).

    Each answerable question of QUESTIONS, answered through Claude: the reply cites a [chunk N] whose
    chunk belongs to the expected note, and cited_notes reads the reply's citations correctly.
    """
    expect(u06.SYSTEM == COURSE_SYSTEM, call="SYSTEM", returned=u06.SYSTEM, expected=f"the course's block:\n{COURSE_SYSTEM}",
           hint="SYSTEM is given: keep it as the course wrote it")
    answerable = check_questions()
    index = chunk_index()
    report = {}
    for question, note in answerable:
        got = u06.answer(question, index)
        text, chunks = got["text"], got["chunks"]
        numbers = [n for n in citations(text) if 1 <= n <= len(chunks)]
        truth = [chunks[n - 1]["note"] for n in numbers]  # what the reply's own citations point at
        report[question] = {"the question's note": note, "reply": text, "cited_notes": got["cited_notes"], "citations point at": truth}
        expect(got["cited_notes"] == truth and got["flagged"] == [] and got["not_found"] is False,
               call=f"answer({question!r}, index)", returned=Seen(report[question]),  # the test's view, not a value
               expected=f"cited_notes {truth}: the notes of the chunks the reply cites ([chunk 1] is chunks[0]), "
                        "no flagged chunk, not_found False",
               hint=cited_notes_hint(got["cited_notes"], truth, [chunks[n]["note"] for n in numbers if n < len(chunks)]))
    wrong = {q: r for q, r in report.items() if r["the question's note"] not in r["cited_notes"]}
    expect(not wrong, call="answer(question, index) for each answerable question", returned=Seen(wrong),
           expected="every answerable reply citing a chunk of its expected note",
           hint="check your retrieve first (test_paragraph_index_retrieves_each_answer_note), then the prompt's numbering")


@pytest.mark.verify
@pytest.mark.vcr
def test_unanswerable_question_returns_not_found():
    """For the unanswerable one it returns “not found in sources” instead of inventing an answer.

    The Wi-Fi password is in no note: the reply starts with "not found in sources" (whatever follows),
    and nothing is cited.
    """
    got = u06.answer(WIFI[0], chunk_index())
    shown = {key: got.get(key) for key in ("text", "not_found", "cited_notes", "flagged")}
    ok = got["text"].strip().lower().startswith("not found in sources") and got["not_found"] is True \
        and got["cited_notes"] == [] and got["flagged"] == []
    expect(ok, call=f"answer({WIFI[0]!r}, index)", returned=shown,
           expected="a reply that starts with 'not found in sources', not_found True, no cited note, nothing flagged",
           hint="not_found: the reply starts with the phrase (ignore case and what follows); a remark like "
                "'the closest passage, chunk 3' is not a [chunk N] citation")


# --- Stretch: the tightened instruction


@pytest.mark.stretch
@pytest.mark.vcr
def test_tightened_instruction_says_not_found_and_stops():
    """Tighten the instruction to ‘If the answer isn’t in the retrieved context, say so and stop.’ Re-ask the unanswerable question — the hallucination should disappear entirely.

    With TIGHT_SYSTEM (SYSTEM plus that sentence), the Wi-Fi question's reply is the not-found
    statement and nothing else.
    """
    tight = u06.TIGHT_SYSTEM
    expect(isinstance(tight, str) and tight.startswith(COURSE_SYSTEM) and tight[len(COURSE_SYSTEM):].strip() == STOP,
           call="TIGHT_SYSTEM", returned=tight, expected=f"SYSTEM followed by {STOP!r} (a line break or a space between), and nothing else",
           hint="TIGHT_SYSTEM is the course's system prompt with the Stretch's sentence added on a line of its own")
    got = u06.answer(WIFI[0], chunk_index(), system=tight)
    shown = {key: got.get(key) for key in ("text", "not_found", "cited_notes")}
    expect(said_only_not_found(got["text"]) and got["not_found"] is True and got["cited_notes"] == [],
           call=f"answer({WIFI[0]!r}, index, system=TIGHT_SYSTEM)", returned=shown,
           expected="the reply 'not found in sources' and nothing more (case and a final full stop aside), not_found True",
           hint="pass the system prompt you were given on to your ask_claude: the default SYSTEM lets the model add the closest passage")


# --- The contract, clause by clause, with the SDKs replaced by stand-ins (no API): tests/contracts/u06_rag_basics.md


def stand_in_voyage(monkeypatch, vector_of):
    """Replace the SDK's embed by `vector_of(text)` per text; returns the list of calls (each the texts sent)."""
    calls = []

    def fake_embed(self, texts, *args, **kwargs):
        calls.append(list(texts) if isinstance(texts, (list, tuple)) else texts)
        return types.SimpleNamespace(embeddings=[vector_of(text) for text in texts])

    monkeypatch.setattr(voyageai.Client, "embed", fake_embed)
    return calls


@pytest.mark.contract
def test_chunk_text_is_the_paragraph_exactly():
    """"text" (the paragraph exactly as `.paragraphs` gives it)

    Notes whose paragraphs carry spaces at their ends, a tab and braces: each chunk's text is its
    paragraph, character for character, with its note, its source and an id no other chunk has.
    """
    notes = [types.SimpleNamespace(id="noteA", source="noteA.txt", paragraphs=["  Indented first.  ", "Second\twith {braces} "]),
             types.SimpleNamespace(id="noteB", source="noteB.txt", paragraphs=["Only one.\n"])]
    chunks = u06.chunk_notes(notes)
    got = [(c.get("note"), c.get("source"), c.get("text")) if isinstance(c, dict) else c for c in chunks]
    want = [(n.id, n.source, p) for n in notes for p in n.paragraphs]
    ids = [c.get("id") for c in chunks if isinstance(c, dict)]
    expect(got == want and len(set(ids)) == len(ids) == 3 and all(isinstance(i, str) for i in ids),
           call="chunk_notes(<two notes, three paragraphs>)", returned=Seen({"chunks": got, "ids": ids}),
           expected={"chunks (note, source, text)": want, "ids": "three different str"},
           hint="copy each paragraph as it is, spaces at its ends included; only the id is yours to make up")


@pytest.mark.contract
def test_build_chunk_index_embeds_once_into_new_dicts(monkeypatch):
    """Each entry holds every key of its chunk and one more, "vector", the embedding of its "text". Embed all the texts with ONE call to your U04 `embed`, in the chunks' order.

    With a stand-in that embeds each text as (its length, 1): one call holding every text in order,
    and each entry a new dict, the chunk's keys plus its own text's vector; the chunks are left alone.
    """
    chunks = [chunk("note01", 1, "Short."), chunk("note02", 1, "A longer paragraph."), chunk("note02", 2, "Mid one.")]
    before = [dict(c) for c in chunks]
    calls = stand_in_voyage(monkeypatch, lambda text: [float(len(text)), 1.0])
    index = u06.build_chunk_index(chunks)
    got = [({k: v for k, v in e.items() if k != "vector"}, as_list(e.get("vector"))) if isinstance(e, dict) else e
           for e in index]
    want = [(c, [float(len(c["text"])), 1.0]) for c in before]
    fresh = chunks == before and all(isinstance(e, dict) and e is not c for e, c in zip(index, chunks))
    only_fresh = got == want and calls == [[c["text"] for c in before]] and not fresh  # right entries, in the chunks
    quoted = 'one new dict per chunk, in order, its keys plus "vector"' if only_fresh else None
    expect(got == want and calls == [[c["text"] for c in before]] and fresh, call="build_chunk_index(<3 chunks>)",
           returned=Seen({"entries that are the chunk's own dict": [i for i, (e, c) in enumerate(zip(index, chunks)) if e is c],
                          "chunks after": chunks}) if only_fresh else
           Seen({"entries (keys, vector)": got, "embed calls": calls, "chunks after": chunks}),
           expected="each entry a new dict, and the chunks as they were" if only_fresh else
           {"entries (keys, vector)": want, "embed calls": [[c["text"] for c in before]], "chunks after": before},
           hint="one call with every chunk's text in order, then a new dict per chunk: its keys and its own vector, the chunk itself untouched",
           clause=quoted)


@pytest.mark.contract
def test_build_chunk_index_keeps_every_key_of_a_chunk(monkeypatch):
    """Each entry holds every key of its chunk and one more, "vector", the embedding of its "text".

    A chunk may hold keys beyond the four chunk_notes must give (its paragraph's number, a title, a
    date): its entry keeps each of them, as it is, beside the new "vector".
    """
    chunks = [dict(chunk("note01", 1, "Short."), paragraph=1, title="Kick-off", tags=["sponsor"]),
              dict(chunk("note02", 2, "A longer paragraph."), paragraph=2, date="2026-03-04")]
    before = [dict(c) for c in chunks]
    stand_in_voyage(monkeypatch, lambda text: [float(len(text)), 1.0])
    index = u06.build_chunk_index(chunks)
    got = [{k: v for k, v in e.items() if k != "vector"} if isinstance(e, dict) else e for e in index] \
        if isinstance(index, list) else index
    lost = [sorted(set(c) - set(e), key=str) if isinstance(e, dict) else "not a dict" for c, e in zip(before, got)] \
        if isinstance(got, list) else []
    expect(got == before, call="build_chunk_index(<2 chunks with keys beyond id, note, source and text>)",
           returned=Seen({"entries (without their vector)": got, "keys lost": lost}),
           expected={"entries (without their vector)": before},
           hint="an entry is the whole chunk and its vector: carry over every key the chunk has, whatever they are, "
                "not only the ones the docstring names",
           clause="Each entry holds every key of its chunk and one more")


@pytest.mark.contract
def test_prompt_keeps_braces_in_a_chunk_and_a_question():
    """The course's shape, character for character: USER_TEMPLATE, whose context is one CHUNK_LINE per chunk

    A paragraph or a question may hold braces ("{total}", "{}"), even the templates' own fields ("{question}",
    "{source}"): they are text, pasted as they are, never read as a template's fields.
    """
    chunks = [chunk("note05", 2, "The budget {total} holds a reserve {of 12%}."), chunk("note01", 1, "A set: {}."),
              chunk("note03", 1, "The form asks {question} and {context}; the line reads [chunk {i}] {text} ({source}).")]
    for question in ("What is {total}?", "Which {context} holds {question}, and {source}?"):
        pasted_as_it_is(chunks, question, "braces",
                        hint="fill the template's fields once, with the finished context and the question as values: "
                             "text pasted in is never filled again, even where it holds a field's name")


def pasted_as_it_is(chunks, question, holding, hint):
    """build_prompt on chunks and a question `holding` characters a template step may read (braces, backslashes):
    the course's prompt exactly, each text as it was; what it raised, said, where it raised."""
    try:
        got = u06.build_prompt([dict(c) for c in chunks], question)
    except Exception as error:  # noqa: BLE001 - a template filled twice raises KeyError, one filled with re.sub re.error
        got = f"{type(error).__name__}: {error}"
    want = course_prompt(chunks, question)
    expect(got == want, call=f"build_prompt(<{len(chunks)} chunks with {holding}>, {question!r})", returned=got,
           expected=f"the course's prompt, exactly:\n{want}\nFirst difference (yours: -, the course's: +):\n"
                    f"{first_difference(got, want)}", hint=hint)


@pytest.mark.contract
@pytest.mark.parametrize("k", [1, 2])
def test_answer_retrieves_with_the_k_it_is_given(monkeypatch, k):
    """Retrieve the k chunks closest to the question (as `retrieve` does), ask Claude once with `system` and the course's prompt of those chunks

    answer(..., k=1) puts one chunk in the prompt, k=2 two: the k it was given, not a fixed 3.
    """
    got, calls = answer_with(monkeypatch, "Helen Okafor [chunk 1].", k=k)
    want = course_prompt(RETRIEVED[:k], SPONSOR[0])
    sent = [user for _, user in calls]
    expect(sent == [want], call=f"answer({SPONSOR[0]!r}, index, k={k})", returned=what_it_sent(sent),
           expected=f"one call to Claude whose prompt holds the {k} closest chunk{'s' * (k > 1)}:\n{want}\n"
                    f"First difference in the prompt it sent (yours: -, the course's: +):\n"
                    f"{first_difference(sent[0] if sent else '', want) or '  (none: the prompt is right)'}",
           hint="pass the k that answer was given on to your retrieve")


@pytest.mark.contract
def test_answer_sends_the_system_it_is_given(monkeypatch):
    """ask Claude once with `system` and the course's prompt of those chunks

    answer(..., system=...) sends that system prompt, not SYSTEM: the Stretch's TIGHT_SYSTEM reaches Claude.
    """
    system = COURSE_SYSTEM + "\nAnswer in one sentence."
    _, calls = answer_with(monkeypatch, "Helen Okafor [chunk 1].", system=system)
    sent = [s for s, _ in calls]
    expect(sent == [system], call=f"answer({SPONSOR[0]!r}, index, system=<SYSTEM plus a sentence>)",
           returned=Did("made one call to Claude with the unit's SYSTEM, not the system prompt it was given")
           if sent == [COURSE_SYSTEM] else Did(f"made {len(sent)} call(s) to Claude with these system prompts: {sent}"),
           expected="one call whose system prompt is the one answer was given (SYSTEM plus 'Answer in one sentence.')",
           hint="hand the system prompt answer was given on to answer_from, and from there to Claude")


@pytest.mark.contract
def test_ask_claude_sends_the_courses_request(monkeypatch):
    """Make one `anthropic.Anthropic().messages.create(...)` call for model CLAUDE with max_tokens MAX_TOKENS, `system` as the system prompt, `user` as the content of the only message, a user turn

    The request itself, as the SDK receives it: one call, the model, the token limit, the system
    prompt, and one user message holding the prompt (a string or one text block).
    """
    requests = []

    def fake_create(self, *args, **kwargs):
        requests.append(kwargs)
        return types.SimpleNamespace(content=[types.SimpleNamespace(type="text", text="ok")], stop_reason="end_turn")

    monkeypatch.setattr(anthropic.resources.messages.Messages, "create", fake_create)
    user = course_prompt(RETRIEVED, SPONSOR[0])
    u06.ask_claude("Be brief.", user)

    def shape(kwargs):
        messages = kwargs.get("messages")
        content = messages[0].get("content") if isinstance(messages, list) and len(messages) == 1 else None
        text = content if isinstance(content, str) else (
            content[0].get("text") if isinstance(content, list) and len(content) == 1 and content[0].get("type") == "text" else content)
        system = kwargs.get("system")
        system = system[0].get("text") if isinstance(system, list) and len(system) == 1 else system
        return {"model": kwargs.get("model"), "max_tokens": kwargs.get("max_tokens"), "system": system,
                "messages": len(messages) if isinstance(messages, list) else messages,
                "role": messages[0].get("role") if isinstance(messages, list) and messages else None, "user": text == user}

    got = [shape(r) for r in requests]
    want = [{"model": CLAUDE, "max_tokens": u06.MAX_TOKENS, "system": "Be brief.", "messages": 1, "role": "user", "user": True}]
    expect(got == want, call="ask_claude('Be brief.', <the course's prompt>)", returned=got, expected=want,
           hint="one create call: the unit's model and token limit, the system prompt as system, and a single user message holding the prompt")


@pytest.mark.contract
def test_ask_claude_returns_an_empty_str_without_text_blocks(monkeypatch):
    """Return the reply's text (the text of its text blocks, in order, with nothing put between them; "" when it has none), not the SDK's object.

    A reply cut off before any text, or made only of a tool call, has no text block: its text is "".
    """
    def fake_create(self, *args, **kwargs):
        return types.SimpleNamespace(content=[types.SimpleNamespace(type="tool_use", name="search", input={})],
                                     stop_reason="tool_use")

    monkeypatch.setattr(anthropic.resources.messages.Messages, "create", fake_create)
    try:
        got = u06.ask_claude(COURSE_SYSTEM, "QUESTION: ?")
    except (IndexError, AttributeError, TypeError) as error:
        got = f"{type(error).__name__}: {error}"
    expect(got == "", call="ask_claude(SYSTEM, user) when the reply's only block is a tool call", returned=got,
           expected="'' (no text block, no text)", hint="join the texts of the text blocks, however many there are, none included")


@pytest.mark.contract
def test_prompt_keeps_backslashes_in_a_chunk_and_a_question():
    """The course's shape, character for character: USER_TEMPLATE, whose context is one CHUNK_LINE per chunk

    A paragraph or a question may hold backslashes (a Windows path, a regular expression): they are text,
    pasted as they are, never read as escapes or group references (a blind learner's re.sub turned them into
    line breaks and errors, and passed every other test).
    """
    chunks = [chunk("note05", 2, r"The export lives in C:\new\data\budget.csv."), chunk("note01", 1, r"Match \d+ or \1 here.")]
    pasted_as_it_is(chunks, r"Is \n in C:\temp a line break?", "backslashes",
                    hint="paste the chunks' text and the question in as plain text: a backslash in them is a character, "
                         "not an escape")


@pytest.mark.contract
def test_prompt_keeps_spaces_and_line_breaks_around_a_chunk_and_a_question():
    """The course's shape, character for character: USER_TEMPLATE, whose context is one CHUNK_LINE per chunk

    A paragraph or a question may start or end with spaces, a tab or a line break (a paragraph is pasted as
    `.paragraphs` gives it): they are characters of the text, pasted as they are, never stripped on the way in.
    """
    chunks = [chunk("note01", 2, "  Helen Okafor is the executive sponsor.  "),
              chunk("note05", 2, "\nThe budget holds a contingency reserve of $48,000.\n"),
              chunk("note06", 1, "\tGo-live has moved to 8 June. ")]
    pasted_as_it_is(chunks, "  Who is the executive sponsor?\n", "spaces and line breaks at their ends",
                    hint="paste each chunk's text and the question exactly as they came, the spaces, tabs and line "
                         "breaks at their ends included: nothing in the prompt is stripped or tidied")


# Hypothesis seeds a test from its source: this pins the seed its examples came from before its checks were split.
CITATIONS_SEED = 6233146037574257237836379514683565790239900544728893492697767389792462719113600099695479021106285342487375678011785


@pytest.mark.contract
@seed(CITATIONS_SEED)
@settings(max_examples=60)
# The generator's characters seldom spell a bracket that opens with the word, so a reader of only some of a
# bracket's numbers passed (a blind learner's, reading the first): these always run. Decorators leave the
# drawn examples as they were (hypothesis seeds a test from its source without them).
@example(reply="Both [chunk 2, chunk 3] say so.", n_chunks=3)
@example(reply="[Chunk 1, 3] and [chunk 4-2]", n_chunks=3)
@example(reply="Both [chunk 12] and [Chunk 3, 10] say so.", n_chunks=12)  # a run of digits is one number, 12 not 1 and 2
@example(reply="Two notes agree [chunk 1,\nchunk 2].", n_chunks=3)  # a bracket a model wrapped across a line (blind batch 8)
@given(reply=st.text(alphabet=st.sampled_from(list("[]chunkCHUNK ,0123456789-\n$.")), max_size=40), n_chunks=st.integers(0, 4))
def test_parse_citations_never_raises_and_reads_every_number_in_a_bracket(reply, n_chunks):
    """`reply` is a str: never raise on one, whatever it holds.

    Property: on any text of brackets, digits, the word and punctuation, parse_citations returns
    (cited, flagged): the distinct numbers of the [chunk …] brackets split at n_chunks, in first-seen order.
    """
    try:
        got = u06.parse_citations(reply, n_chunks)
    except Exception as error:  # noqa: BLE001 - the clause is "never raise"
        got = raised(error)
    def split(order):
        return [n for n in order if 1 <= n <= n_chunks], [n for n in order if not 1 <= n <= n_chunks]

    want = split(citations(reply))
    # Where the clause can be read two ways (tests/contracts/u06_rag_basics.md, ambiguities 1 and 3: "[ chunk 2]",
    # "[chunks 2]", "[chunk2]", "[chunk x 2]", a bracket inside a bracket), each reading is accepted.
    others = [split(dict.fromkeys(int(n) for inside in re.findall(pattern, reply, re.IGNORECASE) for n in re.findall(r"\d+", inside)))
              for pattern in (r"\[\s*chunks?([^\[\]]*)\]", r"\[\s*chunk\b([^\[\]]*)\]")]
    readings = [want] + [other for other in others if other != want]
    expect(not isinstance(got, Raised), call=f"parse_citations({reply!r}, {n_chunks})", returned=got,
           expected=" or ".join(repr(r) for r in readings), hint="whatever the text holds, return the two lists: never let odd text raise")
    expect(got in readings, call=f"parse_citations({reply!r}, {n_chunks})",
           returned=got, expected=" or ".join(repr(r) for r in readings),
           hint="read every bracket that opens with the word chunk, and in it every run of digits as one number, "
                "whatever stands between the runs (\"4-2\" is 4 and 2, not a range)",
           clause='every run of digits inside such a bracket is one chunk number ("[chunk 2, 3]" cites 2 and 3)')


@pytest.mark.contract
@pytest.mark.parametrize(("shown", "reply", "n_chunks", "want"), [
    ("'[chunk ' + '0' * 5000 + '2]'", "[chunk " + "0" * 5000 + "2]", 3, ([2], [])),
    ("'[chunk ' + '0' * 5000 + ']'", "[chunk " + "0" * 5000 + "]", 3, ([], [0])),
    ("'See [chunk 1, ' + '0' * 4400 + '3] and [chunk ' + '0' * 9000 + '7]'",
     "See [chunk 1, " + "0" * 4400 + "3] and [chunk " + "0" * 9000 + "7]", 3, ([1, 3], [7])),
    ("'[chunk ' + '0' * 3999 + '12]'", "[chunk " + "0" * 3999 + "12]", 3, ([], [12])),  # its digits across the 4000th
], ids=["5000 digits", "5000 zeros", "4400 and 9000 digits", "12 across the 4000th digit"])
def test_parse_citations_reads_a_run_of_thousands_of_digits(shown, reply, n_chunks, want):
    """`reply` is a str: never raise on one, whatever it holds.

    A run of digits of any length is one number, even past the 4300 digits Python's int() takes from a
    str. (The runs here are zeros in front of a small number: a number of more than 4300 digits cannot be
    handed back to the tests, whose messages between processes have that same limit.)
    """
    try:
        got = u06.parse_citations(reply, n_chunks)
    except Exception as error:  # noqa: BLE001 - the clause is "never raise"
        got = raised(error)
    expect(got == want, call=f"parse_citations({shown}, {n_chunks})", returned=got, expected=repr(want),
           hint="a run of digits in a reply can be longer than int() accepts from a str (4300 digits, Python's guard): "
                "read a long run a few thousand digits at a time, so no text makes parse_citations raise")
