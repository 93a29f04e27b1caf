"""U07 · RAG — what actually works (char-scan tokenizer, heapq top-k, token-based id reading, long paragraphs chunked apart).
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



import heapq  # noqa: E402

# --- 1. Hybrid retrieval --------------------------------------------------------------------------


def tokenize(text: str) -> list[str]:
    """Scan character by character: ASCII letters/digits build a term, anything else ends it."""
    terms, current = [], []
    for ch in text:
        if ch.isascii() and ch.isalnum():
            current.append(ch.lower())
        elif current:
            terms.append("".join(current))
            current = []
    if current:
        terms.append("".join(current))
    return terms


def bm25_search(index: list[dict], query: str, k: int = DEPTH) -> list[tuple[str, float]]:
    """heapq.nlargest over the BM25 scores (stable: equal scores keep index order)."""
    if not index or k <= 0:
        return []
    if not any(tokenize(entry["text"]) for entry in index):  # no term anywhere: BM25 has nothing to count (added 2026-12-07 with the clause)
        return [(entry["id"], 0.0) for entry in index[:max(k, 0)]]
    scores = BM25Okapi([tokenize(e["text"]) for e in index]).get_scores(tokenize(query))
    best = heapq.nlargest(k, range(len(index)), key=lambda i: scores[i])
    return [(index[i]["id"], float(scores[i])) for i in best]


def vector_search(index: list[dict], query_vector: list[float], k: int = DEPTH) -> list[tuple[str, float]]:
    """heapq.nlargest over the cosines."""
    if k <= 0:
        return []
    scored = [(e["id"], float(cosine(query_vector, e["vector"]))) for e in index]
    return heapq.nlargest(k, scored, key=lambda pair: pair[1])


def fuse(rankings: list[list[tuple[str, float]]], k: int = RRF_K) -> list[str]:
    """RRF; equal fused scores go to the id with the better single rank, then the first seen."""
    total: dict[str, float] = {}
    best_rank: dict[str, int] = {}
    for ranking in rankings:
        for position, (doc_id, _) in enumerate(ranking):
            rank = position + 1
            total[doc_id] = total.get(doc_id, 0.0) + 1.0 / (k + rank)
            best_rank[doc_id] = min(best_rank.get(doc_id, rank), rank)
    first_seen = {doc_id: i for i, doc_id in enumerate(total)}
    return sorted(total, key=lambda d: (-total[d], best_rank[d], first_seen[d]))


def hybrid_search(index: list[dict], query: str, k: int = TOP_N, depth: int = DEPTH) -> list[dict]:
    """Fused vectors + BM25; the index's own dicts."""
    vector = embed([query])[0]
    rankings = [vector_search(index, vector, depth), bm25_search(index, query, depth)]
    wanted = fuse(rankings)[:k]
    position = {doc_id: i for i, doc_id in enumerate(wanted)}
    chosen = [e for e in index if e["id"] in position]
    return sorted(chosen, key=lambda e: position[e["id"]])


# --- 2. Re-ranking --------------------------------------------------------------------------------


def rerank_prompt(question: str, candidates: list[dict], n: int = TOP_N) -> str:
    """RERANK_TEMPLATE, filled."""
    body = ""
    for i, c in enumerate(candidates):
        body += ("\n" if i else "") + "[" + str(c["id"]) + "] " + str(c["text"])
    return RERANK_TEMPLATE.format(n=n, question=question, candidates=body)


def read_ranking(reply: str, ids: list[str], n: int = TOP_N) -> list[str]:
    """Cut the reply into id-shaped tokens (letters, digits, _ and -) and keep the ones we sent."""
    try:
        tokens = re.findall(r"[\w-]+", str(reply)) if reply is not None else []
    except Exception:
        tokens = []
    wanted = set(ids)
    result: list[str] = []
    for token in tokens:
        if token in wanted and token not in result:
            result.append(token)
    for doc_id in ids:
        if doc_id not in result:
            result.append(doc_id)
    limit = min(n, len(ids))
    return result[:limit] if limit > 0 else []


def rerank(question: str, candidates: list[dict], n: int = TOP_N) -> list[dict]:
    """One Claude call; the candidates re-ordered."""
    prompt = rerank_prompt(question, candidates, n)
    reply = ask_claude(RERANK_SYSTEM, prompt)
    lookup = {c["id"]: c for c in candidates}
    return [lookup[i] for i in read_ranking(reply, list(lookup), n)]


def voyage_rerank(question: str, candidates: list[dict], n: int = TOP_N) -> list[dict]:
    """Voyage cross-encoder."""
    client = voyageai.Client()
    response = client.rerank(question, [c["text"] for c in candidates], model=RERANK_MODEL, top_k=n)
    return [candidates[item.index] for item in response.results]


# --- 3. Semantic chunking -------------------------------------------------------------------------


def _cut_after(pattern: re.Pattern, text: str) -> list[str]:
    pieces, start = [], 0
    for m in pattern.finditer(text):
        pieces.append(text[start:m.end()])
        start = m.end()
    pieces.append(text[start:])
    return [p for p in pieces if p]


def _pack(pieces: list[str], max_tokens: int) -> list[str]:
    out: list[str] = []
    for piece in pieces:
        if out and count_tokens(out[-1] + piece) <= max_tokens:
            out[-1] = out[-1] + piece
        else:
            out.append(piece)
    return out


def semantic_chunks(text: str, max_tokens: int = MAX_CHUNK_TOKENS) -> list[str]:
    """A paragraph too long alone is packed sentence by sentence on its own (its chunks share with no
    other paragraph); runs of paragraphs that fit are packed together between such long paragraphs."""
    chunks: list[str] = []
    run: list[str] = []
    for paragraph in _cut_after(PARAGRAPH_END, text):
        if count_tokens(paragraph) <= max_tokens:
            run.append(paragraph)
            continue
        chunks += _pack(run, max_tokens)
        run = []
        chunks += _pack(_cut_after(SENTENCE_END, paragraph), max_tokens)
    chunks += _pack(run, max_tokens)
    return chunks


def semantic_chunk_notes(notes, max_tokens: int = MAX_CHUNK_TOKENS) -> list[dict]:
    """Chunk dicts "<note>-c<n>"."""
    out = []
    for note in notes:
        for n, chunk in enumerate(semantic_chunks(note.text, max_tokens), 1):
            out.append(dict(id=note.id + "-c" + str(n), note=note.id, source=note.source, text=chunk.strip()))
    return out


# --- 4. Query rewriting and HyDE ------------------------------------------------------------------


def _helper(template: str, question: str) -> str:
    return ask_claude(HELPER_SYSTEM, template.format(question=question)).strip()


def rewrite_query(question: str) -> str:
    """Rewritten query."""
    return _helper(REWRITE_TEMPLATE, question)


def hyde_passage(question: str) -> str:
    """Hypothetical answer passage."""
    return _helper(HYDE_TEMPLATE, question)


# --- The measurement ------------------------------------------------------------------------------


def note_index(notes) -> list[dict]:
    """Whole notes, embedded once."""
    return build_chunk_index([dict(id=n.id, note=n.id, source=n.source, text=n.text) for n in notes])


def _right(answer: dict, expected: str | None) -> bool:
    if expected is None:
        return answer["not_found"] is True or answer["text"].strip().lower().startswith("not found in sources")
    return expected in answer["cited_notes"]


def compare(index: list[dict], question: str, expected: str | None) -> dict:
    """Answer from cosine top 3 first, then re-rank and answer again."""
    [vector] = embed([question])
    ids = [doc_id for doc_id, _ in vector_search(index, vector, RERANK_DEPTH)]
    entries = [next(e for e in index if e["id"] == doc_id) for doc_id in ids]
    cosine_answer = answer_from(entries[:TOP_N], question)
    reranked = rerank(question, entries)
    reranked_answer = answer_from(reranked, question)
    cosine_ids = ids[:TOP_N]
    reranked_ids = [e["id"] for e in reranked]
    return dict(
        question=question,
        expected=expected,
        candidates=ids,
        cosine_top3=cosine_ids,
        reranked_top3=reranked_ids,
        changed=tuple(cosine_ids) != tuple(reranked_ids),
        cosine_answer=cosine_answer,
        reranked_answer=reranked_answer,
        better=_right(reranked_answer, expected) and not _right(cosine_answer, expected),
    )


def rerank_table(index: list[dict], questions=QUESTIONS) -> list[dict]:
    """All rows."""
    return list(map(lambda qe: compare(index, *qe), questions))


def print_table(rows: list[dict]) -> None:
    """Markdown-ish table."""
    print("| question | cosine top 3 | re-ranked top 3 | better? |")
    print("|---|---|---|---|")
    for r in rows:
        print(f"| {r['question']} | {', '.join(r['cosine_top3'])} | {', '.join(r['reranked_top3'])} | "
              f"{'yes' if r['better'] else 'no'} |")
    changed = len([r for r in rows if r["changed"]])
    better = len([r for r in rows if r["better"]])
    print(f"Top 3 changed on {changed} row(s); better-cited answer on {better} row(s).")


def embedding_mismatch(rows: list[dict]) -> bool:
    """Alarm on when no row was left unchanged (and rows exist)."""
    return len(rows) > 0 and not any(not r["changed"] for r in rows)


# --- Everything at once ---------------------------------------------------------------------------


def production_answer(question: str, index: list[dict], k: int = FINAL_K) -> dict:
    """Production pipeline."""
    rewritten = rewrite_query(question)
    pool = hybrid_search(index, rewritten, k=DEPTH, depth=DEPTH)
    best = rerank(question, pool, n=k)
    out = dict(answer_from(best, question))
    out["query"] = rewritten
    return out
