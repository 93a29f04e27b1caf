"""rewrite_query breaks 'Return the reply without the whitespace at its ends' -- the reply is returned as it came.

U07 · RAG — what actually works.

Basic RAG works on a demo; production RAG needs four upgrades. Build each on top of your U06 RAG:
hybrid retrieval (BM25 beside your vectors, merged by reciprocal rank fusion), re-ranking (widen to
the top 10, let Claude pick the best 3), semantic chunking (cut where the meaning breaks, near a
token limit) and query rewriting (or HyDE). Then measure what re-ranking changes on five test
questions, print the table, and put every piece into one production pipeline.
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


# --- 1. Hybrid retrieval --------------------------------------------------------------------------

_TERM = re.compile(r"[A-Za-z0-9]+")


def tokenize(text: str) -> list[str]:
    return [term.lower() for term in _TERM.findall(text)]


def bm25_search(index: list[dict], query: str, k: int = DEPTH) -> list[tuple[str, float]]:
    if not index or k <= 0:
        return []
    if not any(tokenize(entry["text"]) for entry in index):  # no term anywhere: BM25 has nothing to count (added 2026-12-07 with the clause)
        return [(entry["id"], 0.0) for entry in index[:max(k, 0)]]
    bm25 = BM25Okapi([tokenize(entry["text"]) for entry in index])
    scores = bm25.get_scores(tokenize(query))
    order = sorted(range(len(index)), key=lambda i: scores[i], reverse=True)
    return [(index[i]["id"], float(scores[i])) for i in order[:k]]


def vector_search(index: list[dict], query_vector: list[float], k: int = DEPTH) -> list[tuple[str, float]]:
    scored = [(entry["id"], cosine(query_vector, entry["vector"])) for entry in index]
    scored.sort(key=lambda pair: pair[1], reverse=True)
    return scored[: max(k, 0)]


def fuse(rankings: list[list[tuple[str, float]]], k: int = RRF_K) -> list[str]:
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, (entry_id, _score) in enumerate(ranking, start=1):
            fused[entry_id] = fused.get(entry_id, 0.0) + 1.0 / (k + rank)
    return sorted(fused, key=lambda entry_id: fused[entry_id], reverse=True)


def _entries_by_id(entries: list[dict], ids: list[str]) -> list[dict]:
    by_id: dict[str, dict] = {}
    for entry in entries:
        by_id.setdefault(entry["id"], entry)
    return [by_id[entry_id] for entry_id in ids]


def hybrid_search(index: list[dict], query: str, k: int = TOP_N, depth: int = DEPTH) -> list[dict]:
    query_vector = embed([query])[0]
    by_vector = vector_search(index, query_vector, depth)
    by_keyword = bm25_search(index, query, depth)
    ids = fuse([by_vector, by_keyword])[: max(k, 0)]
    return _entries_by_id(index, ids)


# --- 2. Re-ranking ---------------------------------------------------------------------------------


def rerank_prompt(question: str, candidates: list[dict], n: int = TOP_N) -> str:
    lines = "\n".join(f"[{c['id']}] {c['text']}" for c in candidates)
    return RERANK_TEMPLATE.format(n=n, question=question, candidates=lines)


def read_ranking(reply: str, ids: list[str], n: int = TOP_N) -> list[str]:
    ids = list(ids)
    want = max(0, min(n, len(ids)))
    text = reply if isinstance(reply, str) else ""
    first_seen: dict[str, int] = {}
    for entry_id in dict.fromkeys(ids):
        if not isinstance(entry_id, str) or not entry_id:
            continue
        pattern = r"(?<![A-Za-z0-9_-])" + re.escape(entry_id) + r"(?![A-Za-z0-9_-])"
        match = re.search(pattern, text)
        if match:
            first_seen[entry_id] = match.start()
    named = sorted(first_seen, key=first_seen.get)
    kept = named[:want]
    for entry_id in ids:
        if len(kept) >= want:
            break
        if entry_id not in kept:
            kept.append(entry_id)
    return kept


def rerank(question: str, candidates: list[dict], n: int = TOP_N) -> list[dict]:
    reply = ask_claude(RERANK_SYSTEM, rerank_prompt(question, candidates, n))
    order = read_ranking(reply, [c["id"] for c in candidates], n)
    return _entries_by_id(candidates, order)


def voyage_rerank(question: str, candidates: list[dict], n: int = TOP_N) -> list[dict]:
    result = voyageai.Client().rerank(
        question, [c["text"] for c in candidates], model=RERANK_MODEL, top_k=n
    )
    return [candidates[item.index] for item in result.results]


# --- 3. Semantic chunking --------------------------------------------------------------------------


def _cut(text: str, pattern: re.Pattern) -> list[str]:
    """Cut text after every match of pattern; the whitespace stays with the piece before it."""
    pieces, start = [], 0
    for match in pattern.finditer(text):
        end = match.end()
        if start < end < len(text):
            pieces.append(text[start:end])
            start = end
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def semantic_chunks(text: str, max_tokens: int = MAX_CHUNK_TOKENS) -> list[str]:
    # Units: whole paragraphs when they fit, else the paragraph's sentences.
    units: list[str] = []
    for paragraph in _cut(text, PARAGRAPH_END):
        if count_tokens(paragraph) <= max_tokens:
            units.append(paragraph)
        else:
            units.extend(_cut(paragraph, SENTENCE_END))
    # Greedy packing: a unit joins the current chunk whenever the two together fit.
    chunks: list[str] = []
    current = ""
    for unit in units:
        if current and count_tokens(current + unit) <= max_tokens:
            current += unit
            continue
        if current:
            chunks.append(current)
        current = unit
        if count_tokens(unit) > max_tokens:  # a single over-long sentence: a chunk on its own
            chunks.append(current)
            current = ""
    if current:
        chunks.append(current)
    return chunks


def semantic_chunk_notes(notes, max_tokens: int = MAX_CHUNK_TOKENS) -> list[dict]:
    chunks = []
    for note in notes:
        for number, piece in enumerate(semantic_chunks(note.text, max_tokens), start=1):
            chunks.append(
                {"id": f"{note.id}-c{number}", "note": note.id, "source": note.source, "text": piece.strip()}
            )
    return chunks


# --- 4. Query rewriting and HyDE ---------------------------------------------------------------------


def rewrite_query(question: str) -> str:
    return ask_claude(HELPER_SYSTEM, REWRITE_TEMPLATE.format(question=question))


def hyde_passage(question: str) -> str:
    return ask_claude(HELPER_SYSTEM, HYDE_TEMPLATE.format(question=question)).strip()


# --- The measurement ---------------------------------------------------------------------------------


def note_index(notes) -> list[dict]:
    entries = [
        {"id": note.id, "note": note.id, "source": note.source, "text": note.text} for note in notes
    ]
    return build_chunk_index(entries)


def _is_right(result: dict, expected: str | None) -> bool:
    if expected is None:
        return bool(result["not_found"])
    return expected in result["cited_notes"]


def compare(index: list[dict], question: str, expected: str | None) -> dict:
    query_vector = embed([question])[0]
    candidate_ids = [entry_id for entry_id, _ in vector_search(index, query_vector, RERANK_DEPTH)]
    candidates = _entries_by_id(index, candidate_ids)
    cosine_top = candidates[:TOP_N]
    reranked = rerank(question, candidates, TOP_N)
    cosine_answer = answer_from(cosine_top, question)
    reranked_answer = answer_from(reranked, question)
    cosine_ids = [c["id"] for c in cosine_top]
    reranked_ids = [c["id"] for c in reranked]
    return {
        "question": question,
        "expected": expected,
        "candidates": candidate_ids,
        "cosine_top3": cosine_ids,
        "reranked_top3": reranked_ids,
        "changed": cosine_ids != reranked_ids,
        "cosine_answer": cosine_answer,
        "reranked_answer": reranked_answer,
        "better": _is_right(reranked_answer, expected) and not _is_right(cosine_answer, expected),
    }


def rerank_table(index: list[dict], questions=QUESTIONS) -> list[dict]:
    return [compare(index, question, expected) for question, expected in questions]


def print_table(rows: list[dict]) -> None:
    print("question | cosine top 3 | re-ranked top 3 | better?")
    for row in rows:
        print(
            f"{row['question']} | {', '.join(row['cosine_top3'])} | "
            f"{', '.join(row['reranked_top3'])} | {'yes' if row['better'] else 'no'}"
        )
    changed = sum(1 for row in rows if row["changed"])
    better = sum(1 for row in rows if row["better"])
    print(f"re-ranking changed the top 3 on {changed} of {len(rows)} questions, "
          f"and gave the better-cited answer on {better}")


def embedding_mismatch(rows: list[dict]) -> bool:
    return len(rows) > 0 and all(row["changed"] for row in rows)


# --- The production pipeline ---------------------------------------------------------------------------


def production_answer(question: str, index: list[dict], k: int = FINAL_K) -> dict:
    query = rewrite_query(question)
    candidates = hybrid_search(index, query, k=DEPTH, depth=DEPTH)
    best = rerank(question, candidates, k)
    result = answer_from(best, question)
    result["query"] = query
    return result
