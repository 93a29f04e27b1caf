"""U06 · RAG — the basics — small helpers per step (one chunk, brackets, add once), a casefold not-found check.

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


def _paragraph_chunk(note, number: int, paragraph: str) -> dict:
    return {
        "id": "%s-p%d" % (note.id, number),
        "note": note.id,
        "source": note.source,
        "text": paragraph,
    }


def chunk_notes(notes) -> list[dict]:
    return [
        _paragraph_chunk(note, number, paragraph)
        for note in notes
        for number, paragraph in enumerate(note.paragraphs, start=1)
    ]


def build_chunk_index(chunks: list[dict]) -> list[dict]:
    texts = []
    entries = []
    for chunk in chunks:
        entries.append(dict(chunk))
        texts.append(chunk["text"])
    for entry, vector in zip(entries, embed(texts)):
        entry["vector"] = vector
    return entries


def retrieve(index: list[dict], question: str, k: int = 3) -> list[dict]:
    (query_vector,) = embed([question])
    wanted = top_k(index, query_vector, k=k)
    position = {}
    for i, entry in enumerate(index):
        position.setdefault(entry["id"], i)
    return [index[position[entry_id]] for entry_id in wanted]


def build_prompt(chunks: list[dict], question: str) -> str:
    lines = []
    for number, chunk in enumerate(chunks, start=1):
        lines.append(CHUNK_LINE.format(i=number, text=chunk["text"], source=chunk["source"]))
    return USER_TEMPLATE.format(context="\n\n".join(lines), question=question)


def _brackets(text: str):
    """Yield the inside of every [...] pair that holds no other bracket."""
    start = None
    for i, ch in enumerate(text):
        if ch == "[":
            start = i + 1
        elif ch == "]" and start is not None:
            yield text[start:i]
            start = None


def _add_once(numbers: list[int], number: int) -> None:
    if number not in numbers:
        numbers.append(number)


def parse_citations(reply: str, n_chunks: int) -> tuple[list[int], list[int]]:
    cited: list[int] = []
    flagged: list[int] = []
    try:
        text = str(reply) if reply is not None else ""
        for inside in _brackets(text):
            if not re.match(r"\s*chunk\b", inside, re.IGNORECASE):
                continue
            for number in map(_long_int, re.findall(r"[0-9]+", inside)):
                _add_once(cited if 0 < number <= n_chunks else flagged, number)
    except Exception:  # never raise on a reply
        pass
    return cited, flagged


def ask_claude(system: str, user: str) -> str:
    client = anthropic.Anthropic()
    response = client.messages.create(
        model=CLAUDE,
        max_tokens=MAX_TOKENS,
        system=system,
        messages=[{"role": "user", "content": [{"type": "text", "text": user}]}],
    )
    parts = []
    for block in response.content:
        if getattr(block, "type", None) == "text":
            parts.append(block.text)
    return "".join(parts)


def answer(question: str, index: list[dict], system: str = SYSTEM, k: int = 3) -> dict:
    return answer_from(retrieve(index, question, k=k), question, system=system)


def _is_not_found(reply: str) -> bool:
    return reply[: len(NOT_FOUND)].casefold() == NOT_FOUND.casefold()


def answer_from(chunks: list[dict], question: str, system: str = SYSTEM) -> dict:
    chunks = list(chunks)
    reply = ask_claude(system, build_prompt(chunks, question))
    cited, flagged = parse_citations(reply, len(chunks))
    cited_chunks = [chunks[number - 1] for number in cited]
    return {
        "text": reply,
        "chunks": chunks,
        "cited_notes": [chunk["note"] for chunk in cited_chunks],
        "cited_ids": [chunk["id"] for chunk in cited_chunks],
        "flagged": flagged,
        "not_found": _is_not_found(reply),
    }
