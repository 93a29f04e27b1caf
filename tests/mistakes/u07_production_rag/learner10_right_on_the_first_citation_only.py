"""Mistake (a blind learner's): compare judges an answer right only when its first citation is the expected note, not when any of its cited notes is.

U07 · RAG — what actually works.

Basic RAG works on a demo; production RAG needs four upgrades. Build each on top of your U06 RAG:
hybrid retrieval (BM25 beside your vectors, merged by reciprocal rank fusion), re-ranking (widen to
the top 10, let Claude pick the best 3), semantic chunking (cut where the meaning breaks, near a
token limit) and query rewriting (or HyDE). Then measure what re-ranking changes on five test
questions, print the table, and put every piece into one production pipeline.

Run `uv run kata check 7` after each step; `uv run kata hint 7` when you are stuck.
"""

from __future__ import annotations

import re

import voyageai
from rank_bm25 import BM25Okapi

from kata.models import RERANK_MODEL

from .u03_tokens_and_attention import count_tokens
from .u04_embeddings import cosine, embed
from .u06_rag_basics import answer_from, ask_claude, build_chunk_index

# The five test questions of U06, each with the note that answers it (None: the notes cannot). The
# schedule slip is asked in the course's own words: U06 had to rephrase it ("go-live date"), because
# no top 3 by cosine held note06. That miss is what this unit's upgrades are for.
QUESTIONS = (
    ("Why did the schedule slip?", "note06"),
    ("Who is the executive sponsor?", "note01"),
    ("What is the contingency reserve?", "note05"),
    ("What went wrong with customer ZIP codes?", "note07"),
    ("What is the office Wi-Fi password?", None),
)

# How deep each retriever looks before the merge: the course's pipeline takes 30 from each.
DEPTH = 30

# Reciprocal rank fusion's constant: a document at rank r scores 1 / (RRF_K + r) in each ranking.
# 60 is the value of the paper that introduced RRF (Cormack et al., 2009), and everyone's default.
RRF_K = 60

# The re-ranking step: widen cosine retrieval to this many, then keep the best TOP_N.
RERANK_DEPTH = 10
TOP_N = 3

# The production pipeline keeps this many chunks for the answer ("re-rank to 5").
FINAL_K = 5

# Semantic chunking: the most tokens (count_tokens, cl100k) a chunk may hold.
MAX_CHUNK_TOKENS = 200

# A paragraph ends at a blank line; a sentence ends at . ! or ? followed by whitespace.
PARAGRAPH_END = re.compile(r"\n[ \t]*\n\s*")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")

# The re-ranking prompt. With n = 3 its first line is the course's instruction word for word; then
# the question, then one candidate per line as "[id] text".
RERANK_TEMPLATE = (
    "Re-rank these by relevance to the question. Return the top {n} ids, best first.\n\n"
    "QUESTION: {question}\n\n"
    "CANDIDATES:\n{candidates}"
)
RERANK_SYSTEM = "You rank search results. Reply with the ids only, best first, separated by commas."

# Query rewriting, and HyDE: embed an answer-shaped passage instead of the question.
REWRITE_TEMPLATE = (
    "Rewrite the question below as a search query for our project notes: name what it asks about and "
    "add the words a note that answers it would use. Reply with the query only.\n\n"
    "QUESTION: {question}"
)
HYDE_TEMPLATE = (
    "Write a short passage that answers the question below, the way a project note would state it. "
    "Reply with the passage only.\n\n"
    "QUESTION: {question}"
)
HELPER_SYSTEM = "You help a search engine over a company's project notes. Reply with the requested text only."


# --- 1. Hybrid retrieval: BM25 beside the vectors, merged by rank --------------------------------


def tokenize(text: str) -> list[str]:
    """Split `text` into BM25 terms; return them as a list of str, in text order.

    A term is a run of letters and digits (ASCII), lower-cased; punctuation and spaces separate terms
    and are dropped, and so do an underscore and a letter outside ASCII ("café_au" -> ["caf", "au"]).
    "What happened in INC-20931?" -> ["what", "happened", "in", "inc", "20931"].
    The same text in capitals gives the same terms: BM25 compares terms exactly, so "Stockline" and
    "stockline", or "figures?" and "figures", must come out as one term.
    """
    return [term.lower() for term in re.findall(r"[A-Za-z0-9]+", text)]  # ASCII only, lowered after matching


def bm25_search(index: list[dict], query: str, k: int = DEPTH) -> list[tuple[str, float]]:
    """Rank the entries of `index` for `query` by BM25; return the best k as (id, score), best first.

    `index`: U06-style entries (dicts with at least "id" and "text"). Score every entry's text with
    BM25 (rank_bm25's BM25Okapi), the texts and the query split into terms by your `tokenize`.
    Return a list of min(k, len(index)) tuples (id: str, score: float), ids distinct, scores
    never increasing. `k` is DEPTH (the course's top 30) unless given. No API call: BM25 counts words.
    """
    if not any(tokenize(entry["text"]) for entry in index):  # no term anywhere: BM25 has nothing to count (added 2026-12-07 with the clause)
        return [(entry["id"], 0.0) for entry in index[:max(k, 0)]]
    if not index or k <= 0:
        return []  # BM25Okapi divides by the corpus size: an empty index has nothing to rank
    bm25 = BM25Okapi([tokenize(entry["text"]) for entry in index])
    scores = bm25.get_scores(tokenize(query))
    order = sorted(range(len(index)), key=lambda i: -scores[i])  # stable: ties keep index order
    return [(index[i]["id"], float(scores[i])) for i in order[:k]]


def vector_search(index: list[dict], query_vector: list[float], k: int = DEPTH) -> list[tuple[str, float]]:
    """Rank the entries of `index` by cosine with `query_vector`; return the best k as (id, score).

    `index`: entries with "id" and "vector". The score is your U04 `cosine` (not the dot product).
    Return a list of min(k, len(index)) tuples (id, cosine), highest cosine first: U05's top_k with
    the scores kept. `k` is DEPTH (the course's top 30) unless given. No API call here.
    """
    if k <= 0:
        return []
    scored = [(entry["id"], cosine(query_vector, entry["vector"])) for entry in index]
    scored.sort(key=lambda pair: pair[1], reverse=True)
    return scored[:k]


def fuse(rankings: list[list[tuple[str, float]]], k: int = RRF_K) -> list[str]:
    """Merge several rankings into one by reciprocal rank fusion (RRF); return the ids, best first.

    `rankings`: lists of (id, score) pairs, each best first and holding an id once, as bm25_search
    and vector_search return.
    An id at rank r (counted from 1) of a ranking earns 1 / (k + r) from it; its fused score is the
    sum over the rankings it appears in. Return a list of str: every id found, exactly once, highest
    fused score first. The scores in the pairs play no part: BM25 scores run to 10 and more, cosines
    stay below 1, so only ranks are comparable. `k` is RRF_K unless given.
    """
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, (doc_id, _score) in enumerate(ranking, 1):
            scores[doc_id] = scores.get(doc_id, 0.0) + 1 / (k + rank)
    return sorted(scores, key=lambda doc_id: -scores[doc_id])  # stable: ties keep first-seen order


def hybrid_search(index: list[dict], query: str, k: int = TOP_N, depth: int = DEPTH) -> list[dict]:
    """Retrieve the k best entries of `index` for `query` by vectors AND keywords; return the entries.

    Rank the index by vector_search and by bm25_search, each `depth` deep, and merge the two rankings
    with fuse. Return a list of the index's own dicts (not copies, not ids) for the first k fused ids,
    best first. API: ONE embedding call for the query, your U04 `embed([query])`.
    """
    query_vector = embed([query])[0]
    fused = fuse([vector_search(index, query_vector, depth), bm25_search(index, query, depth)])
    by_id = {entry["id"]: entry for entry in index}
    return [by_id[doc_id] for doc_id in fused[:max(k, 0)]]


# --- 2. Re-ranking: retrieve wide, let the model pick --------------------------------------------


def rerank_prompt(question: str, candidates: list[dict], n: int = TOP_N) -> str:
    """Return the re-ranking prompt (a str): RERANK_TEMPLATE filled in for `n`, `question` and `candidates`.

    `candidates` are index entries; the CANDIDATES part lists them in their given order, one line
    each: the id in square brackets, a space, then the text ("[note05] The reserve is $48,000."), as
    it is, line breaks included.
    """
    lines = "\n".join(f"[{c['id']}] {c['text']}" for c in candidates)
    return RERANK_TEMPLATE.format(n=n, question=question, candidates=lines)


def read_ranking(reply: str, ids: list[str], n: int = TOP_N) -> list[str]:
    """Read the model's re-ranking `reply` defensively; return the n ids to keep, best first.

    `ids` are the candidates' ids, distinct, in retrieval order. Rules for the result:
    - it holds min(n, len(ids)) distinct ids, every one of them from `ids`;
    - first come the ids the reply names, in the order the reply first names them, each once; an id
      counts only as a whole id, not inside a longer one ("note1" is not named by "note10", nor
      "note04-p1" by "note04-p10"), and a name that is not in `ids` is ignored (a model can invent one);
    - when the reply names fewer than n of them, the rest of `ids` fill up, in retrieval order.
    Never raise, whatever the reply holds.
    """
    if not isinstance(reply, str):
        reply = "" if reply is None else str(reply)
    want = max(0, min(n, len(ids)))
    found = []
    for doc_id in ids:
        pattern = r"(?<![A-Za-z0-9_-])" + re.escape(doc_id) + r"(?![A-Za-z0-9_-])"
        match = re.search(pattern, reply)
        if match:
            found.append((match.start(), doc_id))
    found.sort()
    result = [doc_id for _, doc_id in found][:want]
    for doc_id in ids:
        if len(result) >= want:
            break
        if doc_id not in result:
            result.append(doc_id)
    return result


def rerank(question: str, candidates: list[dict], n: int = TOP_N) -> list[dict]:
    """Ask Claude to re-rank `candidates` for `question`; return the n best candidates, best first.

    Make ONE call through your U06 `ask_claude`, with RERANK_SYSTEM as the system prompt and
    rerank_prompt(question, candidates, n) as the user prompt. Return a list of n of the candidates'
    own dicts, distinct, in the order read_ranking reads from the reply.
    """
    reply = ask_claude(RERANK_SYSTEM, rerank_prompt(question, candidates, n))
    order = read_ranking(reply, [c["id"] for c in candidates], n)
    by_id = {c["id"]: c for c in candidates}
    return [by_id[doc_id] for doc_id in order]


def voyage_rerank(question: str, candidates: list[dict], n: int = TOP_N) -> list[dict]:
    """The same job done by a cross-encoder: Voyage's re-ranker instead of Claude.

    Make ONE call, `voyageai.Client().rerank(...)` with the question, the candidates' texts (in
    their given order), model=RERANK_MODEL and top_k=n, and no other arguments. Return a list of the
    candidates' own dicts, in the re-ranker's order, best first.
    """
    reply = voyageai.Client().rerank(question, [c["text"] for c in candidates], model=RERANK_MODEL, top_k=n)
    return [candidates[result.index] for result in reply.results]


# --- 3. Semantic chunking: cut where the meaning breaks -------------------------------------------


def semantic_chunks(text: str, max_tokens: int = MAX_CHUNK_TOKENS) -> list[str]:
    """Cut `text` into chunks at semantic boundaries; return them as a list of non-empty str.

    The rules the chunks obey:
    - nothing is lost or moved: "".join(chunks) == text (the spaces and blank lines between pieces
      stay at the end of the piece before them);
    - a cut falls only at a paragraph end (PARAGRAPH_END, a blank line) or at a sentence end
      (SENTENCE_END: . ! or ? then whitespace), never inside a sentence;
    - each chunk holds at most `max_tokens` tokens, count_tokens of the chunk's own text, except a
      single sentence longer than the limit on its own: it is a chunk by itself, uncut;
    - a paragraph that fits the limit is never cut;
    - pieces are packed: a text that fits the limit is one chunk, and short paragraphs share a chunk;
    - a paragraph too long alone is cut at sentence ends near the limit: each of its sentences joins
      the chunk that holds the sentence before it whenever the two together fit the limit.
    `max_tokens` is MAX_CHUNK_TOKENS (200) unless given.
    """
    if not text:
        return []
    if count_tokens(text) <= max_tokens:
        return [text]  # a text that fits is one chunk

    def split_keep(pattern, s):
        pieces, start = [], 0
        for m in pattern.finditer(s):
            if m.end() > start and m.start() > start:
                pieces.append(s[start:m.end()])
                start = m.end()
        if start < len(s):
            pieces.append(s[start:])
        # whitespace at the very start belongs to the first real piece
        if len(pieces) > 1 and not pieces[0].strip():
            pieces[1] = pieces[0] + pieces[1]
            pieces.pop(0)
        return pieces

    def fits(s):
        return count_tokens(s) <= max_tokens

    chunks, current = [], ""
    for paragraph in split_keep(PARAGRAPH_END, text):
        if fits(paragraph):
            if current and not fits(current + paragraph):
                chunks.append(current)
                current = ""
            current += paragraph
            continue
        for sentence in split_keep(SENTENCE_END, paragraph):
            if current and not fits(current + sentence):
                chunks.append(current)
                current = ""
            current += sentence
    if current:
        chunks.append(current)
    return chunks


def semantic_chunk_notes(notes, max_tokens: int = MAX_CHUNK_TOKENS) -> list[dict]:
    """Chunk every note's whole text with semantic_chunks; return U06-style chunk dicts, in order.

    One dict per chunk: {"id": "<note id>-c<n>" (n counted from 1 in each note, e.g. "note06-c2"),
    "note": note.id, "source": note.source, "text": the chunk without the whitespace at its ends}.
    The title and date lines stay in the first chunk: a title often holds the rare keyword.
    """
    out = []
    for note in notes:
        pieces = [c.strip() for c in semantic_chunks(note.text, max_tokens)]
        for number, piece in enumerate([p for p in pieces if p], 1):
            out.append({"id": f"{note.id}-c{number}", "note": note.id, "source": note.source, "text": piece})
    return out


# --- 4. Query rewriting and HyDE -----------------------------------------------------------------


def rewrite_query(question: str) -> str:
    """Ask Claude to rewrite `question` into a more retrievable search query; return the query (a str).

    Make ONE call through your U06 `ask_claude`: HELPER_SYSTEM as the system prompt, REWRITE_TEMPLATE
    filled with the question as the user prompt. Return the reply without the whitespace at its ends.
    """
    return ask_claude(HELPER_SYSTEM, REWRITE_TEMPLATE.format(question=question)).strip()


def hyde_passage(question: str) -> str:
    """HyDE: ask Claude for a hypothetical answer passage, to embed in place of the question.

    Make ONE call through your U06 `ask_claude`: HELPER_SYSTEM as the system prompt, HYDE_TEMPLATE
    filled with the question as the user prompt. Return the reply without the whitespace at its ends.
    An answer is worded like the notes, a question is not: the passage lands nearer the paragraph
    that really answers, even when its facts are made up.
    """
    return ask_claude(HELPER_SYSTEM, HYDE_TEMPLATE.format(question=question)).strip()


# --- The measurement: cosine top 3 vs re-ranked top 3, on the five U06 questions ------------------


def note_index(notes) -> list[dict]:
    """The index the re-ranking table runs on: one U06-style entry per WHOLE note, with its vector.

    Entries {"id": note.id, "note": note.id, "source": note.source, "text": note.text}, one per note
    in order, embedded with your U06 `build_chunk_index` (one call). Why whole notes, when U06 says
    paragraphs? That is where re-ranking has work to do: an embedding squeezes a long text into one
    vector (all-MiniLM-L6-v2 reads only its first ~256 tokens), a re-ranker reads every sentence.
    """
    return build_chunk_index(
        [{"id": note.id, "note": note.id, "source": note.source, "text": note.text} for note in notes]
    )


def compare(index: list[dict], question: str, expected: str | None) -> dict:
    """One row of the table: answer `question` from the cosine top 3 and from the re-ranked top 3.

    Return a dict with these keys:
      "question", "expected"  the arguments;
      "candidates"            the ids of the RERANK_DEPTH best entries of `index` by vector_search,
                              for the question embedded with ONE call, `embed([question])`;
      "cosine_top3"           the first TOP_N of those candidates (ids);
      "reranked_top3"         the ids of rerank(question, the candidate entries), TOP_N of them;
      "changed"               True when the two lists of ids differ, order included;
      "cosine_answer", "reranked_answer"  your U06 answer_from dicts, made from each top 3;
      "better"                True when the re-ranked answer is right and the cosine one is not.
    An answer is right when its cited notes hold `expected`, or, for an unanswerable question
    (expected None), when it says "not found in sources" (its "not_found" is True).
    """
    query_vector = embed([question])[0]
    candidates = [doc_id for doc_id, _ in vector_search(index, query_vector, RERANK_DEPTH)]
    by_id = {entry["id"]: entry for entry in index}
    cosine_top3 = candidates[:TOP_N]
    reranked = rerank(question, [by_id[doc_id] for doc_id in candidates], TOP_N)
    reranked_top3 = [entry["id"] for entry in reranked]
    cosine_answer = answer_from([by_id[doc_id] for doc_id in cosine_top3], question)
    reranked_answer = answer_from(reranked, question)

    def right(ans):
        if expected is None:
            return bool(ans["not_found"])
        return ans["cited_notes"][:1] == [expected]

    return {
        "question": question,
        "expected": expected,
        "candidates": candidates,
        "cosine_top3": cosine_top3,
        "reranked_top3": reranked_top3,
        "changed": cosine_top3 != reranked_top3,
        "cosine_answer": cosine_answer,
        "reranked_answer": reranked_answer,
        "better": right(reranked_answer) and not right(cosine_answer),
    }


def rerank_table(index: list[dict], questions=QUESTIONS) -> list[dict]:
    """The Verify table: `compare(index, question, expected)` for each (question, expected), in order."""
    return [compare(index, question, expected) for question, expected in questions]


def print_table(rows: list[dict]) -> None:
    """Print the table: a header line, then one line per row, in order; return None.

    Columns: question | cosine top 3 | re-ranked top 3 | better? The header names them; each row's
    line holds its question, the ids of both top 3s, and "yes" or "no" for better. After the rows,
    one line that counts the rows where re-ranking changed the top 3 and those where it gave the
    better-cited answer.
    """
    print("question | cosine top 3 | re-ranked top 3 | better?")
    for row in rows:
        print(f"{row['question']} | {', '.join(row['cosine_top3'])} | {', '.join(row['reranked_top3'])} | "
              f"{'yes' if row['better'] else 'no'}")
    changed = sum(1 for row in rows if row["changed"])
    better = sum(1 for row in rows if row["better"])
    print(f"re-ranking changed the top 3 on {changed} of {len(rows)} rows; "
          f"it gave the better-cited answer on {better} of {len(rows)}")


def embedding_mismatch(rows: list[dict]) -> bool:
    """Stretch: the table's alarm. True when re-ranking changed the top 3 on EVERY row (and there are rows).

    A re-ranker that disagrees with retrieval on every single question says the embedding model does
    not fit the task (or the chunks are too long for it): swap the embedding model, or chunk finer,
    rather than only bolt a re-ranker on. One unchanged row, and the alarm stays off.
    """
    return bool(rows) and all(row["changed"] for row in rows)


# --- Everything at once: the course's production pipeline ----------------------------------------


def production_answer(question: str, index: list[dict], k: int = FINAL_K) -> dict:
    """The course's production pipeline in one function; return U06's answer_from dict plus "query".

    What the answer is made of:
    - "query": the rewritten query (rewrite_query, one model call);
    - the candidates: hybrid_search over `index` with that rewritten query, DEPTH of them, vectors
      and BM25 each DEPTH deep, merged and de-duplicated;
    - re-ranked against the USER'S OWN question (rerank, one model call) down to the k best;
    - answered by your U06 answer_from from those k chunks and the user's question (the main call).
    """
    query = rewrite_query(question)
    candidates = hybrid_search(index, query, k=DEPTH, depth=DEPTH)
    best = rerank(question, candidates, k)
    return {**answer_from(best, question), "query": query}
