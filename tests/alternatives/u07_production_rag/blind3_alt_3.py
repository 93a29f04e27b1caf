"""U07 · RAG — what actually works — cut points computed first, an RRF helper, a judge object for the table.

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

_NON_TERM = re.compile(r"[^A-Za-z0-9]+")
_ID_CHARS = r"A-Za-z0-9_\-"


def tokenize(text: str) -> list[str]:
    return [piece.lower() for piece in _NON_TERM.split(text) if piece]


def _best(scored: list[tuple[str, float]], k: int) -> list[tuple[str, float]]:
    order = sorted(range(len(scored)), key=lambda i: (-scored[i][1], i))
    return [scored[i] for i in order[: max(k, 0)]]


def bm25_search(index: list[dict], query: str, k: int = DEPTH) -> list[tuple[str, float]]:
    if not index:
        return []
    if not any(tokenize(entry["text"]) for entry in index):  # no term anywhere: BM25 has nothing to count (added 2026-12-07 with the clause)
        return [(entry["id"], 0.0) for entry in index[:max(k, 0)]]
    corpus = [tokenize(entry["text"]) for entry in index]
    scores = BM25Okapi(corpus).get_scores(tokenize(query))
    return _best([(entry["id"], float(score)) for entry, score in zip(index, scores)], k)


def vector_search(index: list[dict], query_vector: list[float], k: int = DEPTH) -> list[tuple[str, float]]:
    return _best([(entry["id"], cosine(query_vector, entry["vector"])) for entry in index], k)


def _rrf(rank: int, k: int) -> float:
    return 1.0 / (k + rank)


def fuse(rankings: list[list[tuple[str, float]]], k: int = RRF_K) -> list[str]:
    scores: dict[str, float] = {}
    for ranking in rankings:
        ids = [pair[0] for pair in ranking]
        for rank in range(1, len(ids) + 1):
            entry_id = ids[rank - 1]
            scores[entry_id] = scores.get(entry_id, 0.0) + _rrf(rank, k)
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    return [entry_id for entry_id, _ in ranked]


def hybrid_search(index: list[dict], query: str, k: int = TOP_N, depth: int = DEPTH) -> list[dict]:
    vectors = embed([query])
    vec_ranking = vector_search(index, vectors[0], depth)
    bm_ranking = bm25_search(index, query, depth)
    keep = fuse([vec_ranking, bm_ranking])[: max(k, 0)]
    position = {}
    for i, entry in enumerate(index):
        position.setdefault(entry["id"], i)
    return [index[position[entry_id]] for entry_id in keep]


# --- 2. Re-ranking ---------------------------------------------------------------------------------


def rerank_prompt(question: str, candidates: list[dict], n: int = TOP_N) -> str:
    listing = "\n".join("[{}] {}".format(c["id"], c["text"]) for c in candidates)
    return RERANK_TEMPLATE.format(n=n, question=question, candidates=listing)


def read_ranking(reply: str, ids: list[str], n: int = TOP_N) -> list[str]:
    ids = list(ids)
    limit = max(0, min(n, len(ids)))
    valid = [i for i in dict.fromkeys(ids) if isinstance(i, str) and i]
    named: list[str] = []
    if valid and isinstance(reply, str):
        # One alternation, longest ids first, each bounded by non-id characters; scanned in reply order.
        alternatives = "|".join(re.escape(i) for i in sorted(valid, key=len, reverse=True))
        pattern = re.compile(rf"(?<![{_ID_CHARS}])(?:{alternatives})(?![{_ID_CHARS}])")
        for match in pattern.finditer(reply):
            if match.group(0) not in named:
                named.append(match.group(0))
    result = named[:limit]
    result += [i for i in dict.fromkeys(ids) if i not in result][: limit - len(result)]
    return result


def rerank(question: str, candidates: list[dict], n: int = TOP_N) -> list[dict]:
    reply = ask_claude(RERANK_SYSTEM, rerank_prompt(question, candidates, n))
    keep = read_ranking(reply, [c["id"] for c in candidates], n)
    chosen = []
    for entry_id in keep:
        for c in candidates:
            if c["id"] == entry_id:
                chosen.append(c)
                break
    return chosen


def voyage_rerank(question: str, candidates: list[dict], n: int = TOP_N) -> list[dict]:
    texts = [c["text"] for c in candidates]
    response = voyageai.Client().rerank(question, texts, model=RERANK_MODEL, top_k=n)
    return [candidates[r.index] for r in response.results]


# --- 3. Semantic chunking --------------------------------------------------------------------------


def _cut_points(text: str, pattern: re.Pattern, lo: int, hi: int) -> list[int]:
    return [m.end() for m in pattern.finditer(text, lo, hi) if lo < m.end() < hi]


def semantic_chunks(text: str, max_tokens: int = MAX_CHUNK_TOKENS) -> list[str]:
    """Work on offsets: list the allowed cuts, then walk them greedily."""
    size = len(text)
    if size == 0:
        return []
    para_bounds = [0] + _cut_points(text, PARAGRAPH_END, 0, size) + [size]
    # Spans of text that must stay whole: fitting paragraphs, or sentences of long ones.
    spans: list[tuple[int, int]] = []
    for lo, hi in zip(para_bounds, para_bounds[1:]):
        if count_tokens(text[lo:hi]) <= max_tokens:
            spans.append((lo, hi))
        else:
            inner = [lo] + _cut_points(text, SENTENCE_END, lo, hi) + [hi]
            spans.extend(zip(inner, inner[1:]))
    chunks: list[str] = []
    start, end = spans[0]
    for lo, hi in spans[1:]:
        alone_too_long = count_tokens(text[start:end]) > max_tokens
        if not alone_too_long and count_tokens(text[start:hi]) <= max_tokens:
            end = hi
        else:
            chunks.append(text[start:end])
            start, end = lo, hi
    chunks.append(text[start:end])
    return chunks


def semantic_chunk_notes(notes, max_tokens: int = MAX_CHUNK_TOKENS) -> list[dict]:
    result = []
    for note in notes:
        count = 0
        for chunk in semantic_chunks(note.text, max_tokens):
            count += 1
            result.append({"id": note.id + "-c" + str(count), "note": note.id,
                           "source": note.source, "text": chunk.strip()})
    return result


# --- 4. Query rewriting and HyDE ---------------------------------------------------------------------


def rewrite_query(question: str) -> str:
    prompt = REWRITE_TEMPLATE.format(question=question)
    return ask_claude(HELPER_SYSTEM, prompt).strip()


def hyde_passage(question: str) -> str:
    prompt = HYDE_TEMPLATE.format(question=question)
    return ask_claude(HELPER_SYSTEM, prompt).strip()


# --- The measurement ---------------------------------------------------------------------------------


def note_index(notes) -> list[dict]:
    entries = []
    for note in notes:
        entries.append({"id": note.id, "note": note.id, "source": note.source, "text": note.text})
    return build_chunk_index(entries)


class _Judge:
    def __init__(self, expected):
        self.expected = expected

    def right(self, result: dict) -> bool:
        if self.expected is None:
            return result["not_found"] is True or bool(result["not_found"])
        return self.expected in result["cited_notes"]


def compare(index: list[dict], question: str, expected: str | None) -> dict:
    query_vector = embed([question])[0]
    ranked = vector_search(index, query_vector, RERANK_DEPTH)
    ids = [pair[0] for pair in ranked]
    lookup = {}
    for entry in index:
        lookup.setdefault(entry["id"], entry)
    entries = [lookup[i] for i in ids]
    reranked = rerank(question, entries, TOP_N)
    row = {
        "question": question,
        "expected": expected,
        "candidates": ids,
        "cosine_top3": ids[:TOP_N],
        "reranked_top3": [e["id"] for e in reranked],
    }
    row["changed"] = row["cosine_top3"] != row["reranked_top3"]
    row["cosine_answer"] = answer_from(entries[:TOP_N], question)
    row["reranked_answer"] = answer_from(reranked, question)
    judge = _Judge(expected)
    row["better"] = judge.right(row["reranked_answer"]) and not judge.right(row["cosine_answer"])
    return row


def rerank_table(index: list[dict], questions=QUESTIONS) -> list[dict]:
    return list(map(lambda qe: compare(index, qe[0], qe[1]), questions))


def print_table(rows: list[dict]) -> None:
    print("question | cosine top 3 | re-ranked top 3 | better?")
    changed = better = 0
    for row in rows:
        changed += bool(row["changed"])
        better += bool(row["better"])
        print(" | ".join([row["question"], ",".join(row["cosine_top3"]), ",".join(row["reranked_top3"]),
                          "yes" if row["better"] else "no"]))
    print(f"{changed} of {len(rows)} rows changed by re-ranking; {better} with a better-cited answer")


def embedding_mismatch(rows: list[dict]) -> bool:
    changed = [bool(row["changed"]) for row in rows]
    return bool(changed) and all(changed)


# --- The production pipeline ---------------------------------------------------------------------------


def production_answer(question: str, index: list[dict], k: int = FINAL_K) -> dict:
    query = rewrite_query(question)
    pool = hybrid_search(index, query, DEPTH, DEPTH)
    chosen = rerank(question, pool, k)
    out = answer_from(chosen, question)
    out["query"] = query
    return out
