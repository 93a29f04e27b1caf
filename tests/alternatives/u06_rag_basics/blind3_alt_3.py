"""U06 · RAG — the basics — every bracket found first, then kept when it opens with the word chunk.

U06 · RAG — the basics.

Retrieve the relevant chunks, paste them into the prompt, ask the model to answer using only those
chunks, and make it cite them. Cut the ten sample notes into paragraphs, embed them once with your
U04 `embed`, retrieve the top 3 for a question with your U05 `top_k`, build the course's prompt, ask
Claude, and read the [chunk N] citations back to the notes they came from. An unanswerable question
must come back as "not found in sources", with nothing cited.

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


SYSTEM = """You answer questions using only the CONTEXT provided.
If the context does not contain the answer, say "not found in sources".
Always cite the chunk number you used: [chunk N]."""

TIGHT_SYSTEM = SYSTEM + "\nIf the answer isn't in the retrieved context, say so and stop."

NOT_FOUND = "not found in sources"

CHUNK_LINE = "[chunk {i}] {text}  (source: {source})"
USER_TEMPLATE = "CONTEXT:\n\n{context}\n\nQUESTION: {question}"

MAX_TOKENS = 1024

QUESTIONS = (
    ("Why did the go-live date slip?", "note06"),
    ("Who is the executive sponsor?", "note01"),
    ("What is the contingency reserve?", "note05"),
    ("What went wrong with customer ZIP codes?", "note07"),
    ("What is the office Wi-Fi password?", None),
)

_BRACKET = re.compile(r"\[([^\[\]]*)\]")
_OPENS_WITH_CHUNK = re.compile(r"^\s*chunk\b", re.IGNORECASE)
_NUMBER = re.compile(r"\d+")


def chunk_notes(notes) -> list[dict]:
    out = []
    for note in notes:
        paragraphs = list(note.paragraphs)
        for i in range(len(paragraphs)):
            out.append(dict(id=note.id + "-p" + str(i + 1), note=note.id, source=note.source, text=paragraphs[i]))
    return out


def build_chunk_index(chunks: list[dict]) -> list[dict]:
    chunks = list(chunks)
    vectors = embed([c["text"] for c in chunks])
    index = []
    for i, chunk in enumerate(chunks):
        entry = chunk.copy()
        entry["vector"] = vectors[i]
        index.append(entry)
    return index


def retrieve(index: list[dict], question: str, k: int = 3) -> list[dict]:
    vector = embed([question])[0]
    result = []
    for entry_id in top_k(index, vector, k):
        for entry in index:
            if entry["id"] == entry_id:
                result.append(entry)
                break
    return result


def build_prompt(chunks: list[dict], question: str) -> str:
    context = ""
    for i, chunk in enumerate(chunks):
        if i:
            context += "\n\n"
        context += CHUNK_LINE.format(i=i + 1, text=chunk["text"], source=chunk["source"])
    return USER_TEMPLATE.format(context=context, question=question)


def parse_citations(reply: str, n_chunks: int) -> tuple[list[int], list[int]]:
    if not isinstance(reply, str):
        return [], []
    seen: dict[int, None] = {}
    for inside in _BRACKET.findall(reply):
        if _OPENS_WITH_CHUNK.match(inside):
            for digits in _NUMBER.findall(inside):
                seen.setdefault(_long_int(digits), None)
    numbers = list(seen)
    cited = [n for n in numbers if 1 <= n <= n_chunks]
    flagged = [n for n in numbers if not 1 <= n <= n_chunks]
    return cited, flagged


def ask_claude(system: str, user: str) -> str:
    reply = anthropic.Anthropic().messages.create(
        max_tokens=MAX_TOKENS,
        model=CLAUDE,
        messages=[dict(role="user", content=user)],
        system=system,
    )
    return "".join([b.text for b in reply.content if b.type == "text"])


def answer(question: str, index: list[dict], system: str = SYSTEM, k: int = 3) -> dict:
    top = retrieve(index, question, k)
    return answer_from(top, question, system)


def answer_from(chunks: list[dict], question: str, system: str = SYSTEM) -> dict:
    chunks = list(chunks)
    user = build_prompt(chunks, question)
    text = ask_claude(system, user)
    cited, flagged = parse_citations(text, len(chunks))
    result = dict(text=text, chunks=chunks, cited_notes=[], cited_ids=[], flagged=flagged)
    for n in cited:
        result["cited_notes"].append(chunks[n - 1]["note"])
        result["cited_ids"].append(chunks[n - 1]["id"])
    result["not_found"] = text.lower().startswith(NOT_FOUND.lower())
    return result
