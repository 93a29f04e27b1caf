"""U06 · RAG — the basics — a compiled citation pattern read with finditer, plain comprehensions.

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


def chunk_notes(notes) -> list[dict]:
    chunks = []
    for note in notes:
        for number, paragraph in enumerate(note.paragraphs, 1):
            chunks.append(
                {"id": f"{note.id}-p{number}", "note": note.id, "source": note.source, "text": paragraph}
            )
    return chunks


def build_chunk_index(chunks: list[dict]) -> list[dict]:
    chunks = list(chunks)
    vectors = embed([chunk["text"] for chunk in chunks])
    return [{**chunk, "vector": vector} for chunk, vector in zip(chunks, vectors)]


def retrieve(index: list[dict], question: str, k: int = 3) -> list[dict]:
    query_vector = embed([question])[0]
    ids = top_k(index, query_vector, k)
    by_id = {entry["id"]: entry for entry in index}
    return [by_id[entry_id] for entry_id in ids]


def build_prompt(chunks: list[dict], question: str) -> str:
    context = "\n\n".join(
        CHUNK_LINE.format(i=i, text=chunk["text"], source=chunk["source"])
        for i, chunk in enumerate(chunks, 1)
    )
    return USER_TEMPLATE.format(context=context, question=question)


CITATION = re.compile(r"\[\s*chunk\b([^\[\]]*)\]", re.IGNORECASE)


def parse_citations(reply: str, n_chunks: int) -> tuple[list[int], list[int]]:
    cited: list[int] = []
    flagged: list[int] = []
    if not isinstance(reply, str):
        return cited, flagged
    for match in CITATION.finditer(reply):
        for digits in re.findall(r"\d+", match.group(1)):
            number = _long_int(digits)
            target = cited if 1 <= number <= n_chunks else flagged
            if number not in target:
                target.append(number)
    return cited, flagged


def ask_claude(system: str, user: str) -> str:
    message = anthropic.Anthropic().messages.create(
        model=CLAUDE,
        max_tokens=MAX_TOKENS,
        system=system,
        messages=[{"role": "user", "content": user}],
    )
    return "".join(block.text for block in message.content if block.type == "text")


def answer(question: str, index: list[dict], system: str = SYSTEM, k: int = 3) -> dict:
    chunks = retrieve(index, question, k)
    return answer_from(chunks, question, system)


def answer_from(chunks: list[dict], question: str, system: str = SYSTEM) -> dict:
    chunks = list(chunks)
    reply = ask_claude(system, build_prompt(chunks, question))
    cited, flagged = parse_citations(reply, len(chunks))
    return {
        "text": reply,
        "chunks": chunks,
        "cited_notes": [chunks[n - 1]["note"] for n in cited],
        "cited_ids": [chunks[n - 1]["id"] for n in cited],
        "flagged": flagged,
        "not_found": reply.lower().startswith(NOT_FOUND),
    }
