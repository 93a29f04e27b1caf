"""U06 · RAG — the basics, a different design: positional ranking, a hand-written citation scanner.

Maintainers' edit (blind learner 30, 2026-12): a run of digits is read by `_long_int`, where int() alone raised
on a run of more than 4300 digits; the rest is as it was written blind.
"""

from __future__ import annotations

import functools
import re

import anthropic

from kata.models import CLAUDE

from .u04_embeddings import embed
from .u05_vector_search import top_k


def _long_int(digits: str) -> int:
    # Maintainers' edit (blind learner 30): int() alone raises on a run of more than 4300 digits.
    number = 0
    for start in range(0, len(digits), 4000):
        piece = digits[start:start + 4000]
        number = number * 10 ** len(piece) + int(piece)
    return number


# The course's minimal RAG system block, verbatim: answer from the context, admit absence, cite.
SYSTEM = """You answer questions using only the CONTEXT provided.
If the context does not contain the answer, say "not found in sources".
Always cite the chunk number you used: [chunk N]."""

# The Stretch: the same block, tightened so that "not found" is the whole reply, with nothing after it.
TIGHT_SYSTEM = SYSTEM + "\nIf the answer isn't in the retrieved context, say so and stop."

# What the reply says when the context does not hold the answer (it may be followed by more text).
NOT_FOUND = "not found in sources"

# The course's prompt shape: one context line per retrieved chunk, numbered from 1, then the question.
CHUNK_LINE = "[chunk {i}] {text}  (source: {source})"
USER_TEMPLATE = "CONTEXT:\n\n{context}\n\nQUESTION: {question}"

# The most tokens a reply may have: an answer of a sentence or two with its citation needs far fewer.
MAX_TOKENS = 1024

# Five questions about the sample corpus, each with the note that answers it, and one the notes
# cannot answer (None). Keep them: the recordings hold these five. The schedule slip is asked in the
# notes' own word, "go-live": asked as "Why did the schedule slip?", note06's paragraphs rank 5th and
# lower with the reference embeddings, so no top 3 holds the answer. That miss is U07's subject.
QUESTIONS = (
    ("Why did the go-live date slip?", "note06"),
    ("Who is the executive sponsor?", "note01"),
    ("What is the contingency reserve?", "note05"),
    ("What went wrong with customer ZIP codes?", "note07"),
    ("What is the office Wi-Fi password?", None),
)


def chunk_notes(notes) -> list[dict]:
    # Ids are global and positional within the note ("note06#3"), with the paragraph number kept too.
    chunks = []
    for note in notes:
        for number, paragraph in enumerate(note.paragraphs, start=1):
            chunks.append(
                dict(id=f"{note.id}#{number}", note=note.id, source=note.source, paragraph=number, text=paragraph)
            )
    return chunks


def build_chunk_index(chunks: list[dict]) -> list[dict]:
    texts = [chunk["text"] for chunk in chunks]
    vectors = embed(texts) if texts else []
    return [dict(chunk, vector=vector) for chunk, vector in zip(chunks, vectors)]


def retrieve(index: list[dict], question: str, k: int = 3) -> list[dict]:
    # Rank positions, not ids: top_k works on any dicts with "id" and "vector", so give it positions.
    query_vector = embed([question])[0]
    positional = [{"id": pos, "vector": entry["vector"]} for pos, entry in enumerate(index)]
    return [index[pos] for pos in top_k(positional, query_vector, k)]


def build_prompt(chunks: list[dict], question: str) -> str:
    context = ""
    for i, chunk in enumerate(chunks, 1):
        if i > 1:
            context += "\n\n"
        context += CHUNK_LINE.format(i=i, text=chunk["text"], source=chunk["source"])
    return USER_TEMPLATE.format(context=context, question=question)


def _brackets(text: str):
    """Yield the inside of every [...] pair (innermost when nested), left to right."""
    start = None
    for pos, ch in enumerate(text):
        if ch == "[":
            start = pos + 1
        elif ch == "]" and start is not None:
            yield text[start:pos]
            start = None


def _numbers(text: str):
    digits = ""
    for ch in text + " ":
        if ch in "0123456789":
            digits += ch
        elif digits:
            yield _long_int(digits)
            digits = ""


def parse_citations(reply: str, n_chunks: int) -> tuple[list[int], list[int]]:
    cited, flagged, seen = [], [], set()
    for inside in _brackets(reply if isinstance(reply, str) else ""):
        head = inside.lstrip().lower()
        if not head.startswith("chunk") or head[5:6].isalpha() and head[5:6] != "s":
            continue
        for number in _numbers(head):
            if number in seen:
                continue
            seen.add(number)
            (cited if 1 <= number <= n_chunks else flagged).append(number)
    return cited, flagged


_CLIENT = None


def ask_claude(system: str, user: str) -> str:
    global _CLIENT
    if _CLIENT is None:
        _CLIENT = anthropic.Anthropic()
    reply = _CLIENT.messages.create(
        model=CLAUDE, max_tokens=MAX_TOKENS, system=system, messages=[{"role": "user", "content": user}]
    )
    return "".join(block.text for block in reply.content if block.type == "text")


def answer(question: str, index: list[dict], system: str = SYSTEM, k: int = 3) -> dict:
    retrieved = retrieve(index, question, k)
    return answer_from(retrieved, question, system)


def answer_from(chunks: list[dict], question: str, system: str = SYSTEM) -> dict:
    reply = ask_claude(system, build_prompt(chunks, question))
    cited, flagged = parse_citations(reply, len(chunks))
    result = {"text": reply, "chunks": list(chunks), "cited_notes": [], "cited_ids": [], "flagged": flagged}
    for number in cited:
        result["cited_notes"].append(chunks[number - 1]["note"])
        result["cited_ids"].append(chunks[number - 1]["id"])
    result["not_found"] = reply.strip()[: len(NOT_FOUND)].lower() == NOT_FOUND
    return result
