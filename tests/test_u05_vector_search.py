"""U05 · Vector search: a list of {id, text, vector}, ranked by your own cosine; then the same as matrix math."""

import itertools
import types
import math

import numpy as np
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

import voyageai

from kata.corpus import load_notes
from kata.judge.spy import never_called, spy
from kata.judge.testing import Did, InWords, RowsRefused, Seen, Sent, as_list, expect, load_unit

u05 = load_unit("u05_vector_search")

SPONSOR = ("Who is the executive sponsor?", "note01")
RESERVE = ("What is the contingency reserve?", "note05")

# Rounding may reorder two scores that differ in the last few bits; anything more is a wrong order.
ROUNDING = 1e-9


def cos(a, b):
    """The test's own cosine, so the checks do not depend on the code under test."""
    dot = sum(x * y for x, y in zip(a, b))
    return dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))


def index_of(vectors):
    return [{"id": f"doc{i}", "text": f"document {i}", "vector": list(v)} for i, v in enumerate(vectors)]


# A compass of 2-d vectors, not all of length 1. By cosine with the query (2, 1): northeast 0.95,
# east 0.89, far-east 0.79, north 0.45, west -0.89. By dot product alone, far-east (9) would win.
COMPASS = [
    {"id": "east", "text": "east", "vector": [1.0, 0.0]},
    {"id": "north", "text": "north", "vector": [0.0, 1.0]},
    {"id": "west", "text": "west", "vector": [-1.0, 0.0]},
    {"id": "northeast", "text": "northeast", "vector": [1.0, 1.0]},
    {"id": "far-east", "text": "far-east", "vector": [5.0, -1.0]},
]


@pytest.mark.verify
@pytest.mark.parametrize(("k", "best"), [(3, ["northeast", "east", "far-east"]), (1, ["northeast"]),
                                         (5, ["northeast", "east", "far-east", "north", "west"])])
def test_top_k_ranks_by_cosine_best_first(k, best):
    """Return the ids of the k entries of `index` most similar to `query_vector`, best first

    First the ranking, with no API: top_k returns the k ids with the highest cosine, most similar first.
    """
    got = u05.top_k(COMPASS, [2.0, 1.0], k)
    shown = {entry["id"]: entry["vector"] for entry in COMPASS}
    expect(got == best, call=f"top_k(index, [2.0, 1.0], k={k}) on an index with the vectors {shown}", returned=got, expected=f"{best} (ids, best first)",
           hint="score each entry's vector against the query with your cosine, rank from highest to lowest, keep the ids of the first k")


@pytest.mark.verify
def test_top_k_without_k_returns_the_top_3():
    """Return the ids of the k entries of `index` most similar to `query_vector`, best first

    k defaults to 3, as the signature says: top_k(index, query_vector) with no k is the top 3.
    """
    got = u05.top_k(COMPASS, [2.0, 1.0])
    expect(got == ["northeast", "east", "far-east"], call="top_k(index, [2.0, 1.0]) with no k, on the compass index",
           returned=got, expected="['northeast', 'east', 'far-east']: the top 3, best first",
           hint="keep the signature's default: k is 3 when the caller does not give it")


VECTOR = st.lists(st.integers(-9, 9), min_size=4, max_size=4).filter(any)  # no zero vectors: they have no direction


@pytest.mark.verify
@settings(max_examples=50)  # small indexes: 50 cover the cases, and the unit stays quick
@given(vectors=st.lists(VECTOR, min_size=1, max_size=12), query=VECTOR, k=st.integers(1, 12))
def test_top_k_keeps_the_k_most_similar(vectors, query, k):
    """The result holds min(k, len(index)) different ids in order of falling cosine, and no entry left out scores higher than one kept (equal scores may go either way).

    Property: for any index, top_k returns min(k, n) distinct ids of the index, in order of falling
    cosine, and nothing it leaves out scores higher than what it keeps (ties may go either way).
    """
    index = index_of(vectors)
    got = u05.top_k(index, query, k)
    call = f"top_k(index, {query}, k={k}) with vectors {vectors}"
    ids = [entry["id"] for entry in index]
    expect(isinstance(got, list) and len(got) == min(k, len(index)) and len(set(got)) == len(got)
           and all(doc_id in ids for doc_id in got),
           call=call, returned=got, expected=f"a list of {min(k, len(index))} different ids of the index",
           hint="return the ids (strings) of the first k entries after sorting, no more, no fewer")
    score = {entry["id"]: cos(query, entry["vector"]) for entry in index}
    kept = [score[doc_id] for doc_id in got]
    left_out = [score[doc_id] for doc_id in ids if doc_id not in got]
    in_order = all(a >= b - ROUNDING for a, b in itertools.pairwise(kept))
    best_kept = not left_out or min(kept) >= max(left_out) - ROUNDING
    expect(in_order and best_kept, call=call, returned={doc_id: round(score[doc_id], 4) for doc_id in got},
           expected=f"the {min(k, len(index))} highest cosines, highest first (all scores: "
                    f"{ {doc_id: round(s, 4) for doc_id, s in score.items()} })",
           hint="rank from the highest cosine to the lowest, then keep the first k")


def _cut(text, at: int = 70) -> str:
    return repr(text) if not isinstance(text, str) or len(text) <= at else repr(text[:at]) + f" … ({len(text)} characters)"


def one_call_sending(want: list[str], call: str, hint: str):
    """A spy check: the calls so far are one, and it sends exactly `want`; fails as soon as they are not."""

    def check(calls):
        sent = [c.argument(0, "texts") for c in calls]
        shown = [f"{len(t)} text(s)" if isinstance(t, list) else repr(t) for t in sent]
        said, expected, why = f"{shown[-1]} in call {len(calls)}", "", hint
        last = sent[-1] if sent else None
        if len(sent) == 1 and isinstance(last, list) and len(last) == len(want) and last != want:  # the texts themselves
            n = next(i for i, (a, b) in enumerate(zip(last, want)) if a != b)
            said += f", text {n + 1} of them {_cut(last[n])}"
            expected, why = f"; text {n + 1} is {_cut(want[n])}", "send each text as it is given, whole: nothing cut off or added"
        expect(sent == [want][:len(sent)], call=call, returned=Sent(said),
               expected=f"one call sending {len(want)} text(s): {'the notes, in order' if len(want) > 1 else want}"
                        + expected, hint=why)

    return check


@pytest.mark.verify
@pytest.mark.vcr
def test_build_index_embeds_the_corpus_in_one_request():
    """Embed all the texts with ONE call to your U04 `embed`, in the notes' order: the corpus is embedded once, here.

    The corpus is embedded once, in one request: build_index sends the ten notes' texts, in order,
    in ONE call to voyageai.Client().embed (through your embed from U04).
    """
    notes = load_notes()
    check = one_call_sending([n.text for n in notes], "build_index(load_notes())",
                             "one call to your embed with every note's text for the whole corpus, not one call per note")
    with spy(voyageai.Client, "embed", check=check) as calls:
        u05.build_index(notes)
    expect(calls, call="build_index(load_notes())", returned=calls,
           expected=never_called(voyageai.Client, "embed", "build_index ran"),
           hint="build_index sends the notes' texts to your U04 embed: all of them in one call, in order")


@pytest.mark.verify
@pytest.mark.vcr
def test_search_embeds_only_the_query():
    """For at least 4 of 5 queries the correct document is in the returned top 3

    The documents were embedded once, by build_index: search sends ONE request holding only the
    query, and ranks the stored vectors.
    """
    index = u05.build_index(load_notes())
    question = SPONSOR[0]
    check = one_call_sending([question], f"search(index, {question!r})",
                             "embed the query alone, then rank the stored vectors against it: the index already holds the notes' vectors")
    with spy(voyageai.Client, "embed", check=check) as calls:
        u05.search(index, question)
    expect(calls, call=f"search(index, {question!r})", returned=calls,
           expected=never_called(voyageai.Client, "embed", "search ran"),
           hint="search embeds the query with your U04 embed: one call, holding the query alone")


@pytest.mark.verify
@pytest.mark.vcr
def test_index_holds_one_entry_per_note():
    """Embed every note once; return the index: a list of one dict per note, in the notes' order.

    build_index embeds the ten notes (in one call) and stores {id, text, vector} for each, in order.
    """
    notes = load_notes()
    index = u05.build_index(notes)
    entries = [sorted(e) if isinstance(e, dict) else type(e).__name__ for e in index]
    expect(all(isinstance(keys, list) and {"id", "text", "vector"} <= set(keys) for keys in entries)
           and len(index) == len(notes), call="build_index(load_notes())", returned=entries,
           expected=f"{len(notes)} dicts, each with the keys 'id', 'text' and 'vector' (more are fine; shown: the keys of each entry)",
           hint="one dict per note, holding its id, its text and the vector your embed returned for it")
    got = [(e["id"], e["text"] == n.text) for e, n in zip(index, notes)]
    expect(got == [(n.id, True) for n in notes], call="build_index(load_notes())", returned=got,
           expected="each note's id with its own text, in the notes' order (shown: id, and whether the text is the note's)",
           hint="embed returns the vectors in the order of the texts: the first vector belongs to the first note, and so on")
    lengths = sorted({len(e["vector"]) for e in index})
    expect(len(lengths) == 1 and lengths[0] > 0, call="build_index(load_notes())", returned=lengths,
           expected="vectors of one and the same length (shown: the lengths found)",
           hint="store the vector your embed returned for each note, unchanged")


@pytest.mark.verify
@pytest.mark.vcr
def test_sponsor_and_reserve_questions_find_their_notes():
    """e.g. note01 ranks in the top 3 for the sponsor question, note05 for the reserve question.

    The course's two queries, through search(): the query is embedded (once), the notes are not re-embedded.
    """
    index = u05.build_index(load_notes())
    for question, note in (SPONSOR, RESERVE):
        got = u05.search(index, question)
        expect(isinstance(got, list) and len(got) == 3 and note in got, call=f"search(index, {question!r})",
               returned=got, expected=f"3 note ids, {note!r} among them",
               hint="embed the query, then rank the index by cosine against it; if the answer comes last, check the sort order")


@pytest.mark.verify
@pytest.mark.vcr
def test_at_least_4_of_5_queries_find_the_right_note():
    """For at least 4 of 5 queries the correct document is in the returned top 3 — e.g. note01 ranks in the top 3 for the sponsor question, note05 for the reserve question.

    run_queries reports, per question, the top 3 and whether the expected note is in it.
    """
    queries = u05.QUERIES
    note_ids = [note.id for note in load_notes()]
    expect(len(queries) == 5 and SPONSOR in queries and RESERVE in queries and all(
               isinstance(pair, tuple) and len(pair) == 2 and pair[1] in note_ids for pair in queries),
           call="QUERIES", returned=queries,
           expected=f"five (question, note id) pairs, the sponsor and reserve questions among them, each id one of "
                    f"the sample notes' ({', '.join(note_ids)})",
           hint="keep QUERIES as given, or replace only the last three with questions whose note you know")
    rows = u05.run_queries(u05.build_index(load_notes()))
    found = [tuple(row.get(key) for key in ("question", "expected", "top", "hit")) if isinstance(row, dict) else row
             for row in rows]
    honest = all(isinstance(row, tuple) for row in found) and [row[:2] for row in found] == list(queries) and all(
        isinstance(top, list) and len(top) == 3 and hit == (e in top) for _, e, top, hit in found)
    expect(honest, call="run_queries(build_index(load_notes()))", returned=found,
           expected="one row per query, in order, with its top 3 ids and hit = (expected in top)",
           hint="for each query pair, search with its question and record whether its expected note is among the top results")
    hits = sum(hit for *_, hit in found)
    named = {e: e in top for q, e, top, _ in found if (q, e) in (SPONSOR, RESERVE)}
    expect(hits >= 4 and all(named.values()), call="run_queries(build_index(load_notes()))", returned=found,
           expected=f"at least 4 hits of 5 (got {hits}), including note01 for the sponsor and note05 for the reserve question",
           hint="a note that always shows up at the bottom means the sort is reversed; check top_k on its own first")


@pytest.mark.verify
@pytest.mark.vcr
@pytest.mark.parametrize("k", [1, 5])
def test_run_queries_searches_with_the_k_it_is_given(k):
    """For at least 4 of 5 queries the correct document is in the returned top 3

    run_queries passes its own k on to search: with k=1 each row's top holds one id, with k=5 five.
    """
    queries = (SPONSOR, RESERVE)
    rows = u05.run_queries(u05.build_index(load_notes()), queries, k=k)
    tops = [row.get("top") if isinstance(row, dict) else row for row in rows] if isinstance(rows, list) else rows
    expect(isinstance(tops, list) and len(tops) == 2 and all(isinstance(t, list) and len(t) == k for t in tops),
           call=f"run_queries(index, [sponsor, reserve], k={k})", returned=tops,
           expected=f"two rows whose top holds {k} id{'s' * (k > 1)}",
           hint="pass on to search the k that run_queries was given, not a fixed 3")


# --- Stretch: 1,000 documents as one matrix

DOCS, DIMENSIONS = 1000, 24


@pytest.mark.stretch
def test_to_matrix_gives_rows_of_length_one():
    """Each row keeps its vector's direction, scaled to length 1

    Normalised once, the rows turn every cosine into a dot product: (3, 4) becomes (0.6, 0.8).
    """
    got = u05.to_matrix([[3.0, 4.0], [0.0, 2.0], [-1.0, 0.0]])
    expected = np.array([[0.6, 0.8], [0.0, 1.0], [-1.0, 0.0]])
    ok = isinstance(got, np.ndarray) and got.shape == expected.shape and np.allclose(got, expected)
    expect(ok, call="to_matrix([[3.0, 4.0], [0.0, 2.0], [-1.0, 0.0]])", returned=got,
           expected="array([[0.6, 0.8], [0.0, 1.0], [-1.0, 0.0]]): each row divided by its own length",
           hint="divide each row by its own length (not by the whole matrix's)")


@pytest.mark.stretch
def test_to_matrix_leaves_the_callers_vectors_as_they_are():
    """Leave `vectors` as they are.

    to_matrix builds its array of unit rows beside the caller's lists: (3, 4) stays (3, 4) in the
    list it was given, the index's own vectors with it.
    """
    vectors = [[3.0, 4.0], [0.0, 2.0], [-1.0, 0.0]]
    before = [list(v) for v in vectors]
    u05.to_matrix(vectors)
    expect(vectors == before, call=f"to_matrix({before!r})",
           returned=Did(f"changed the caller's vectors in place: they are now {vectors!r}"),
           expected=f"the vectors as they were, {before!r}: the unit rows live in the array to_matrix returns",
           hint="scale the rows of the array you build, not the lists you were handed: the caller (and the index "
                "they came from) keeps its vectors as they were")


@pytest.mark.stretch
@settings(max_examples=25, phases=[Phase.explicit, Phase.generate])  # shrinking a seed teaches nothing, and costs seconds
@given(seed=st.integers(0, 2**32 - 1), k=st.integers(1, 10))
def test_matrix_search_equals_the_loop_on_1000_docs(seed, k):
    """Scale to 1000 docs and use numpy matrix math for similarity. Still no DB needed below ~100k docs.

    Property: on 1,000 random vectors of different lengths, search_matrix(to_matrix(vectors), query, k)
    returns the same documents, in the same order, as your loop version top_k.
    """
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(DOCS, DIMENSIONS)) * rng.uniform(0.1, 10.0, size=(DOCS, 1))  # lengths 0.1x to 10x
    query = rng.normal(size=DIMENSIONS).tolist()
    index = [{"id": str(i), "text": f"document {i}", "vector": row} for i, row in enumerate(vectors.tolist())]
    loop = [int(doc_id) for doc_id in u05.top_k(index, query, k)]
    got = u05.search_matrix(u05.to_matrix(vectors.tolist()), query, k)
    got = [int(i) for i in got] if isinstance(got, (list, tuple, np.ndarray)) else got
    scores = vectors @ query / np.linalg.norm(vectors, axis=1) / np.linalg.norm(query)
    same = got == loop or (isinstance(got, list) and len(got) == len(loop)
                           and all(abs(scores[a] - scores[b]) < 1e-6 for a, b in zip(got, loop)))  # only near-ties swapped
    loop_is_right = np.allclose(scores[loop], np.sort(scores)[::-1][:k], atol=1e-6)
    expect(same, call=f"search_matrix(to_matrix(vectors), query, k={k}) on {DOCS} random vectors (seed {seed})",
           returned={i: round(float(scores[i]), 4) for i in got} if isinstance(got, list) else got,
           expected=f"the loop's answer top_k(...) = { {i: round(float(scores[i]), 4) for i in loop} } (row: cosine)",
           hint="normalise each row once in to_matrix, and the query too; then one matrix product gives every cosine; keep the k largest, largest first"
           if loop_is_right else "your loop version top_k is not right on these vectors either: make the Verify tests pass first")


@pytest.mark.stretch
@pytest.mark.parametrize("k", [250, DOCS])
def test_search_matrix_stays_best_first_for_a_large_k(k):
    """Scale to 1000 docs and use numpy matrix math for similarity.

    The docstring's "best first" holds for any k, not only a small one: on 1,000 rows with k = 250 (or every row),
    each row returned scores at least as high as the one after it, and they are the k best rows.
    """
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(DOCS, DIMENSIONS))
    query = rng.normal(size=DIMENSIONS).tolist()
    got = u05.search_matrix(u05.to_matrix(vectors.tolist()), query, k)
    got = [int(i) for i in got] if isinstance(got, (list, tuple, np.ndarray)) else got
    scores = vectors @ query / np.linalg.norm(vectors, axis=1) / np.linalg.norm(query)
    best = sorted(range(DOCS), key=lambda i: -scores[i])[:k]
    out_of_order = next((n for n, (a, b) in enumerate(zip(got, got[1:])) if scores[a] < scores[b] - 1e-9), None) \
        if isinstance(got, list) else None
    ranked = isinstance(got, list) and len(got) == k and set(got) == set(best) and out_of_order is None
    expect(ranked, call=f"search_matrix(to_matrix(vectors), query, k={k}) on {DOCS} random vectors (seed 7)",
           returned=InWords(f"{len(got)} rows, first three {[(i, round(float(scores[i]), 4)) for i in got[:3]]}"
                            + (f", and the row in place {out_of_order + 1} scores below the one after it"
                               if out_of_order is not None else ""))
           if isinstance(got, list) else got,
           expected=f"the {k} best rows, best first: first three {[(i, round(float(scores[i]), 4)) for i in best[:3]]} (row, cosine)",
           hint="whatever picks the k best rows, their order still has to be by score, largest first")


@pytest.mark.stretch
def test_search_matrix_returns_a_list_of_python_ints():
    """Return the row numbers (ints) of the k rows of `matrix` most similar to `query_vector`, best first.

    The row numbers come back as a list of plain ints, as the docstring says: numpy's int64 values
    print like ints but fail json.dumps and `is int` checks further down a pipeline.
    """
    matrix = u05.to_matrix([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    got = u05.search_matrix(matrix, [1.0, 0.2], 2)
    ok = isinstance(got, list) and len(got) == 2 and all(type(i) is int for i in got)
    expect(ok, call="search_matrix(to_matrix([[1, 0], [0, 1], [1, 1]]), [1.0, 0.2], 2)",
           returned=InWords(f"a {type(got).__name__} of {[type(i).__name__ for i in got] if hasattr(got, '__iter__') else got}"),
           expected="a list of two Python ints, [0, 2]", hint="numpy's indices are numpy integers: convert them to plain Python ints before returning")


@pytest.mark.stretch
def test_search_matrix_without_k_returns_the_top_3():
    """Scale to 1000 docs and use numpy matrix math for similarity.

    k defaults to 3, as in top_k: search_matrix(matrix, query_vector) with no k gives the 3 best rows.
    """
    matrix = u05.to_matrix([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [-1.0, 0.0]])
    got = u05.search_matrix(matrix, [1.0, 0.2])
    got = [int(i) for i in got] if isinstance(got, (list, tuple, np.ndarray)) else got
    expect(got == [0, 2, 1], call="search_matrix(to_matrix([[1, 0], [0, 1], [1, 1], [-1, 0]]), [1.0, 0.2]) with no k",
           returned=got, expected="[0, 2, 1]: the 3 best of the 4 rows, best first",
           hint="keep the signature's default: k is 3 when the caller does not give it")


@pytest.mark.stretch
@pytest.mark.parametrize("k", [3, 5])
def test_search_matrix_with_k_at_least_the_rows_ranks_them_all(k):
    """Scale to 1000 docs and use numpy matrix math for similarity.

    As top_k does, a k as large as the matrix (or larger) gives every row, best first: never an error.
    """
    matrix = u05.to_matrix([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    got = u05.search_matrix(matrix, [1.0, 0.2], k)
    got = [int(i) for i in got] if isinstance(got, (list, tuple, np.ndarray)) else got
    expect(got == [0, 2, 1], call=f"search_matrix(to_matrix([[1, 0], [0, 1], [1, 1]]), [1.0, 0.2], {k})", returned=got,
           expected="[0, 2, 1]: all three rows, best first", hint="when k is larger than the number of rows, return every row: cap k at the row count")


# --- The contract, clause by clause, with Voyage replaced by a stand-in (no API): tests/contracts/u05_vector_search.md


def stand_in_voyage(monkeypatch, vector_of):
    """Replace the SDK's embed (whatever route your U04 embed takes to it) by `vector_of(text)` per text; the
    list of calls it gets (each the list of texts sent) is returned."""
    calls = []

    def fake_embed(self, texts, *args, **kwargs):
        calls.append(list(texts) if isinstance(texts, (list, tuple)) else texts)
        return types.SimpleNamespace(embeddings=[vector_of(text) for text in texts])

    monkeypatch.setattr(voyageai.Client, "embed", fake_embed)
    return calls


# The clause a check quotes in place of its test's opening line when that clause is the one broken (start, clause, hint).
ORDER_CLAUSES = (("build_index", "a list of one dict per note, in the notes' order", None),)


@pytest.mark.contract
def test_build_index_stores_each_notes_own_vector(monkeypatch):
    """Each entry has the keys "id" (the note's id), "text" (its text) and "vector" (the embedding of that text)

    With a stand-in that embeds each text as its own vector, every entry holds the vector of its own
    note's text: a shifted or reused vector, or notes embedded one per call, shows here.
    """
    notes = [types.SimpleNamespace(id=f"n{i}", text=f"note {i}: " + "word " * i) for i in (3, 1, 2)]
    calls = stand_in_voyage(monkeypatch, lambda text: [float(len(text)), 1.0])
    index = u05.build_index(notes)
    got = [(e.get("id"), e.get("text"), as_list(e.get("vector"))) if isinstance(e, dict) else e for e in index]
    want = [(n.id, n.text, [float(len(n.text)), 1.0]) for n in notes]
    reordered = got != want and sorted(map(repr, got)) == sorted(map(repr, want))  # each entry right, in another order
    quoted = ORDER_CLAUSES[0][1] if reordered else None  # the clause broken, when it is not the test's opening line
    expect(got == want and calls == [[n.text for n in notes]], call="build_index(<3 notes>)",
           returned=Seen({"entries (id, text, vector)": got, "embed calls": calls}),
           expected={"entries (id, text, vector)": want, "embed calls": [[n.text for n in notes]]},
           hint="each entry is right, in another order: keep the notes in the order they came (n3, n1, n2 here), "
                "without sorting them" if reordered else
                "embed every text in one call, then pair each note with the vector at its own position",
           clause=quoted)


@pytest.mark.contract
@pytest.mark.parametrize("k", [1, 2, 5])
def test_search_embeds_the_query_once_and_ranks_with_its_k(monkeypatch, k):
    """Rank as `top_k` does. Embed the query alone, with ONE call to your U04 `embed` on a list that holds just `query`.

    The stand-in embeds every query as (2, 1): over the compass, search gives top_k's answer for that
    vector, with the k it was given (not a fixed 3), after one call holding the query alone.
    """
    calls = stand_in_voyage(monkeypatch, lambda text: [2.0, 1.0])
    got = u05.search([dict(e) for e in COMPASS], "Which way is up?", k)
    want = ["northeast", "east", "far-east", "north", "west"][:k]
    expect(got == want and calls == [["Which way is up?"]], call=f"search(compass, 'Which way is up?', k={k})",
           returned=Seen({"ids": got, "embed calls": calls}), expected={"ids": want, "embed calls": [["Which way is up?"]]},
           hint="embed the query alone, in one call, then rank the stored vectors with your top_k and the k you were given")


@pytest.mark.contract
@pytest.mark.parametrize("query", ["  Which way is up?  ", "Which way\nis up?\n", "which WAY is up"],
                         ids=["spaces-at-its-ends", "line-breaks", "its-own-case"])
def test_search_embeds_the_query_as_it_is_given(monkeypatch, query):
    """Embed the query alone, with ONE call to your U04 `embed` on a list that holds just `query`.

    Just `query` is the query as the caller gave it: its spaces at either end, its line breaks and its case
    go to embed too. Whether they matter to the vector is the embedding model's business, not search's.
    """
    calls = stand_in_voyage(monkeypatch, lambda text: [2.0, 1.0])
    u05.search([dict(e) for e in COMPASS], query, 2)
    expect(calls == [[query]], call=f"search(compass, {query!r}, k=2)", returned=Sent(f"the embed calls {calls!r}"),
           expected=f"one embed call holding just the query as it was given: {[[query]]!r}",
           hint="send the query to embed exactly as it came, character for character: nothing trimmed, joined or "
                "lower-cased on the way")


@pytest.mark.contract
def test_run_queries_hit_is_membership_anywhere_in_top(monkeypatch):
    """"hit" (the bool True when the expected id is in top, else False)

    Every question is embedded as (2, 1), so the compass ranks northeast, east, far-east: a hit at
    rank 2 or 3 is a hit, an id outside the top is not, and hit is the bool itself, not 1 or 0.
    """
    stand_in_voyage(monkeypatch, lambda text: [2.0, 1.0])
    queries = (("first?", "east"), ("second?", "west"), ("third?", "far-east"), ("fourth?", "northeast"))
    rows = u05.run_queries([dict(e) for e in COMPASS], queries, k=3)
    got = [tuple(row.get(key) for key in ("question", "expected", "top", "hit")) if isinstance(row, dict) else row
           for row in rows]
    top = ["northeast", "east", "far-east"]
    want = [(q, e, top, e in top) for q, e in queries]
    asked = [row[:2] if isinstance(row, tuple) else row for row in got]
    reordered = sorted(asked, key=repr) == sorted(queries, key=repr)  # the caller's queries, every one, in another order
    expect(asked == [(q, e) for q, e in queries], call="run_queries(compass, queries, k=3) with four queries of its own",
           returned=Seen({"(question, expected), row by row": asked}),
           expected=f"one row per query handed in, in order: {[(q, e) for q, e in queries]!r}",
           hint="each row is there, in another order: the report lists the questions in the order `queries` holds "
                "them, the first question's row first" if reordered else
                "search the questions of the `queries` argument, the caller's: QUERIES is only what it holds when the "
                "caller gives none", clause="Search for each (question, expected id) of `queries`, in order")
    kind = lambda v: type(v).__name__ if type(v).__module__ == "builtins" else f"{type(v).__module__}.{type(v).__name__}"  # noqa: E731
    right = got == want  # (numpy's True == True: the values are right, their kind may not be)
    expect(got == want and all(type(row[3]) is bool for row in got), call="run_queries(compass, queries, k=3)",
           returned=Seen({"(expected, hit, the kind of hit), row by row":
                          [(row[1], row[3], kind(row[3])) if isinstance(row, tuple) and len(row) == 4 else row
                           for row in got]}),
           expected="(expected, hit, its kind): east True, west False, far-east True, northeast True, each a Python bool",
           hint="store a Python bool as hit: numpy's bool reads like one and is another kind of value" if right else
           "a hit is the expected id anywhere in the top, not only first; store the comparison's own True or False")


@pytest.mark.contract
def test_top_k_leaves_the_index_as_it_was():
    """`index` is left as it was: not reordered, not changed.

    The caller's index keeps its order and its entries after top_k ranks it: sorting the list in place
    would reorder the notes under build_index's "in the notes' order".
    """
    vectors = {"east": [1.0, 0.0], "north": [0.0, 1.0], "west": [-1.0, 0.0], "northeast": [1.0, 1.0], "far-east": [5.0, -1.0]}
    index = [{"id": name, "text": name, "vector": list(vector)} for name, vector in vectors.items()]  # not in cosine order
    before = [dict(e, vector=list(e["vector"])) for e in index]
    entries = list(index)
    got = u05.top_k(index, [2.0, 1.0], 3)
    same = index == before and len(index) == len(entries) and all(a is b for a, b in zip(index, entries))
    changes = _changes_to(before, index, entries)
    expect(same, call=f"top_k(index, [2.0, 1.0], 3) on the index {vectors} (id: vector)",
           returned=Did(f"returned {got!r}, and changed the index: {'; '.join(changes)}"),  # what the call did to it
           expected=f"the index as it was given: {vectors}, each entry holding 'id', 'text' and 'vector' only",
           hint="rank in a new list of your own, each id beside its score; leave the caller's list and its dicts alone")


def _changes_to(before, index, entries):
    """What a call did to the caller's index, in words: entries reordered, keys added, removed or rewritten, an entry
    replaced by a copy of itself."""
    if not all(isinstance(e, dict) for e in index):
        return [f"it now holds {index!r}"]
    changes = []
    if [e.get("id") for e in index] != [e["id"] for e in before]:
        changes.append(f"its ids are now in the order {[e.get('id') for e in index]!r}")
    by_id, seen = {e.get("id"): e for e in index}, {}
    for was in before:
        now = by_id.get(was["id"], was)
        for key in sorted(set(now) | set(was), key=str):
            what = ("gained the key" if key not in was else "lost the key" if key not in now else
                    "had its value changed under" if now[key] != was[key] else "")
            if what:
                seen.setdefault((what, key), []).append(was["id"])
    changes += [f"{'every entry' if len(ids) == len(before) else 'the entries ' + ', '.join(map(repr, ids))} {what} {key!r}"
                for (what, key), ids in seen.items()]
    if not changes and not all(a is b for a, b in zip(index, entries)):
        changes.append("its entries are copies now, no longer the caller's own dicts")
    return changes or [f"it now holds {index!r}"]


@pytest.mark.stretch
def test_search_matrix_scores_rows_without_a_python_loop():
    """Score every row with numpy matrix math, not a Python loop over rows.

    A matrix that refuses to hand out its rows one at a time still gives its best rows: the scores
    come from one matrix product, not from a loop over the rows.
    """
    matrix = u05.to_matrix([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [-1.0, 0.0]]).view(RowsRefused)
    try:
        got = u05.search_matrix(matrix, [1.0, 0.2], 2)
    except AssertionError as refused:
        got = str(refused)
    got = [int(i) for i in got] if isinstance(got, (list, tuple, np.ndarray)) else got
    expect(got == [0, 2], call="search_matrix(to_matrix([[1, 0], [0, 1], [1, 1], [-1, 0]]), [1.0, 0.2], 2)",
           returned=got, expected="[0, 2], scored without taking the rows one at a time",
           hint="one matrix product (the matrix times the query) gives every row's score at once")


@pytest.mark.stretch
def test_to_matrix_gives_floats_from_int_vectors():
    """Stack n vectors of d numbers into an (n, d) float numpy array whose rows all have length 1.

    Vectors of ints give a float array all the same: (3, 4) becomes (0.6, 0.8), not (0, 0).
    """
    got = u05.to_matrix([[3, 4], [0, 2], [5, 0]])
    ok = isinstance(got, np.ndarray) and got.dtype.kind == "f" and got.shape == (3, 2) \
        and np.allclose(got, [[0.6, 0.8], [0.0, 1.0], [1.0, 0.0]])
    expect(ok, call="to_matrix([[3, 4], [0, 2], [5, 0]])", returned=repr(got),
           expected="array([[0.6, 0.8], [0.0, 1.0], [1.0, 0.0]]) of floats",
           hint="make the array of floats first, then divide each row by its own length")
