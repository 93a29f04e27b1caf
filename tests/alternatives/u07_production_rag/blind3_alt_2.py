"""U07 · RAG — what actually works — character-class scanners for terms and ids, a fits helper, chunks split keeping their whitespace.

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


from collections import defaultdict


# --- 1. Hybrid retrieval --------------------------------------------------------------------------


def _is_term_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def tokenize(text: str) -> list[str]:
    terms, current = [], []
    for ch in text:
        if _is_term_char(ch):
            current.append(ch.lower())
        elif current:
            terms.append("".join(current))
            current = []
    if current:
        terms.append("".join(current))
    return terms


def _ranked(pairs, k):
    """Sort (id, score) pairs by falling score (stable) and keep the first k."""
    return sorted(pairs, key=lambda pair: -pair[1])[: max(0, k)]


def bm25_search(index: list[dict], query: str, k: int = DEPTH) -> list[tuple[str, float]]:
    if len(index) == 0:
        return []
    if not any(tokenize(entry["text"]) for entry in index):  # no term anywhere: BM25 has nothing to count (added 2026-12-07 with the clause)
        return [(entry["id"], 0.0) for entry in index[:max(k, 0)]]
    model = BM25Okapi([tokenize(e["text"]) for e in index])
    scores = model.get_scores(tokenize(query))
    return _ranked([(e["id"], float(s)) for e, s in zip(index, scores)], k)


def vector_search(index: list[dict], query_vector: list[float], k: int = DEPTH) -> list[tuple[str, float]]:
    return _ranked([(e["id"], float(cosine(query_vector, e["vector"]))) for e in index], k)


def fuse(rankings: list[list[tuple[str, float]]], k: int = RRF_K) -> list[str]:
    total: defaultdict[str, float] = defaultdict(float)
    first: dict[str, int] = {}
    for ranking in rankings:
        for position, pair in enumerate(ranking):
            entry_id = pair[0]
            first.setdefault(entry_id, len(first))
            total[entry_id] += 1 / (k + position + 1)
    return sorted(total, key=lambda entry_id: (-total[entry_id], first[entry_id]))


def _pick(entries: list[dict], ids: list[str]) -> list[dict]:
    out = []
    for entry_id in ids:
        out.append(next(e for e in entries if e["id"] == entry_id))
    return out


def hybrid_search(index: list[dict], query: str, k: int = TOP_N, depth: int = DEPTH) -> list[dict]:
    [vector] = embed([query])
    rankings = [bm25_search(index, query, k=depth), vector_search(index, vector, k=depth)]
    fused = fuse(rankings)
    return _pick(index, fused[:k]) if k > 0 else []


# --- 2. Re-ranking ---------------------------------------------------------------------------------


def rerank_prompt(question: str, candidates: list[dict], n: int = TOP_N) -> str:
    block = []
    for candidate in candidates:
        block.append("[" + str(candidate["id"]) + "] " + str(candidate["text"]))
    return RERANK_TEMPLATE.format(n=n, question=question, candidates="\n".join(block))


def _id_char(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch in "-_")


def _first_whole(reply: str, entry_id: str) -> int:
    """Position of the first whole-id occurrence of entry_id in reply, or -1."""
    start = reply.find(entry_id)
    while start != -1:
        end = start + len(entry_id)
        before_ok = start == 0 or not _id_char(reply[start - 1])
        after_ok = end == len(reply) or not _id_char(reply[end])
        if before_ok and after_ok:
            return start
        start = reply.find(entry_id, start + 1)
    return -1


def read_ranking(reply: str, ids: list[str], n: int = TOP_N) -> list[str]:
    try:
        ids = [i for i in ids]
        limit = max(0, min(n, len(ids)))
        text = reply if isinstance(reply, str) else ""
        found = []
        for entry_id in ids:
            if not entry_id or entry_id in (f for _, f in found):
                continue
            where = _first_whole(text, entry_id)
            if where >= 0:
                found.append((where, entry_id))
        found.sort()
        result = [entry_id for _, entry_id in found][:limit]
        for entry_id in ids:
            if len(result) == limit:
                break
            if entry_id not in result:
                result.append(entry_id)
        return result
    except Exception:
        return list(dict.fromkeys(ids))[: max(0, n)]


def rerank(question: str, candidates: list[dict], n: int = TOP_N) -> list[dict]:
    user = rerank_prompt(question, candidates, n)
    reply = ask_claude(RERANK_SYSTEM, user)
    return _pick(candidates, read_ranking(reply, [c["id"] for c in candidates], n))


def voyage_rerank(question: str, candidates: list[dict], n: int = TOP_N) -> list[dict]:
    client = voyageai.Client()
    reranking = client.rerank(
        query=question,
        documents=[c["text"] for c in candidates],
        model=RERANK_MODEL,
        top_k=n,
    )
    return [candidates[r.index] for r in reranking.results]


# --- 3. Semantic chunking --------------------------------------------------------------------------


def _split_keep(text: str, pattern: re.Pattern) -> list[str]:
    ends = [m.end() for m in pattern.finditer(text) if 0 < m.end() < len(text)]
    bounds = [0] + ends + [len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:]) if b > a]


def _fits(pieces: list[str], max_tokens: int) -> bool:
    return count_tokens("".join(pieces)) <= max_tokens


def semantic_chunks(text: str, max_tokens: int = MAX_CHUNK_TOKENS) -> list[str]:
    if not text:
        return []
    groups: list[list[str]] = []  # each group: the pieces of one chunk
    for paragraph in _split_keep(text, PARAGRAPH_END):
        if _fits([paragraph], max_tokens):
            pieces = [paragraph]
        else:
            pieces = _split_keep(paragraph, SENTENCE_END)
        for piece in pieces:
            if groups and _fits(groups[-1], max_tokens) and _fits(groups[-1] + [piece], max_tokens):
                groups[-1].append(piece)
            else:
                groups.append([piece])
    return ["".join(group) for group in groups]


def semantic_chunk_notes(notes, max_tokens: int = MAX_CHUNK_TOKENS) -> list[dict]:
    out = []
    for note in notes:
        pieces = semantic_chunks(note.text, max_tokens=max_tokens)
        out.extend(
            dict(id="%s-c%d" % (note.id, i + 1), note=note.id, source=note.source, text=piece.strip())
            for i, piece in enumerate(pieces)
        )
    return out


# --- 4. Query rewriting and HyDE ---------------------------------------------------------------------


def _helper(template: str, question: str) -> str:
    reply = ask_claude(HELPER_SYSTEM, template.format(question=question))
    return reply.strip()


def rewrite_query(question: str) -> str:
    return _helper(REWRITE_TEMPLATE, question)


def hyde_passage(question: str) -> str:
    return _helper(HYDE_TEMPLATE, question)


# --- The measurement ---------------------------------------------------------------------------------


def note_index(notes) -> list[dict]:
    return build_chunk_index(
        [dict(id=n.id, note=n.id, source=n.source, text=n.text) for n in notes]
    )


def compare(index: list[dict], question: str, expected: str | None) -> dict:
    (vector,) = embed([question])
    ranked = vector_search(index, vector, k=RERANK_DEPTH)
    candidate_ids = [entry_id for entry_id, _ in ranked]
    candidate_entries = _pick(index, candidate_ids)
    cosine_top3 = candidate_ids[:TOP_N]
    reranked_entries = rerank(question, candidate_entries)
    reranked_top3 = [e["id"] for e in reranked_entries]
    cosine_answer = answer_from(candidate_entries[:TOP_N], question)
    reranked_answer = answer_from(reranked_entries, question)

    def right(result):
        return result["not_found"] if expected is None else expected in result["cited_notes"]

    return dict(
        question=question,
        expected=expected,
        candidates=candidate_ids,
        cosine_top3=cosine_top3,
        reranked_top3=reranked_top3,
        changed=cosine_top3 != reranked_top3,
        cosine_answer=cosine_answer,
        reranked_answer=reranked_answer,
        better=bool(right(reranked_answer)) and not right(cosine_answer),
    )


def rerank_table(index: list[dict], questions=QUESTIONS) -> list[dict]:
    table = []
    for question, expected in questions:
        table.append(compare(index, question, expected))
    return table


def print_table(rows: list[dict]) -> None:
    lines = ["%-50s | %-30s | %-30s | %s" % ("question", "cosine top 3", "re-ranked top 3", "better?")]
    for row in rows:
        lines.append("%-50s | %-30s | %-30s | %s" % (
            row["question"], " ".join(row["cosine_top3"]), " ".join(row["reranked_top3"]),
            "yes" if row["better"] else "no"))
    n_changed = len([r for r in rows if r["changed"]])
    n_better = len([r for r in rows if r["better"]])
    lines.append(f"changed: {n_changed}/{len(rows)} rows; better-cited answer: {n_better}/{len(rows)} rows")
    print("\n".join(lines))


def embedding_mismatch(rows: list[dict]) -> bool:
    if not rows:
        return False
    for row in rows:
        if not row["changed"]:
            return False
    return True


# --- The production pipeline ---------------------------------------------------------------------------


def production_answer(question: str, index: list[dict], k: int = FINAL_K) -> dict:
    rewritten = rewrite_query(question)
    candidates = hybrid_search(index, rewritten, k=DEPTH, depth=DEPTH)
    top = rerank(question, candidates, n=k)
    return {**answer_from(top, question), "query": rewritten}
