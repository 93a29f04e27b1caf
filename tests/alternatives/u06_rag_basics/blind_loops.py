"""U06 · RAG — the basics: plain loops, regex for the citations, a cached client.

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
    chunks = []
    for note in notes:
        number = 0
        for paragraph in note.paragraphs:
            number += 1
            chunks.append({"id": f"{note.id}-p{number}", "note": note.id, "source": note.source, "text": paragraph})
    return chunks


def build_chunk_index(chunks: list[dict]) -> list[dict]:
    vectors = embed([chunk["text"] for chunk in chunks])
    index = []
    for chunk, vector in zip(chunks, vectors):
        entry = dict(chunk)
        entry["vector"] = vector
        index.append(entry)
    return index


def retrieve(index: list[dict], question: str, k: int = 3) -> list[dict]:
    ids = top_k(index, embed([question])[0], k)
    by_id = {}
    for entry in index:
        by_id[entry["id"]] = entry
    result = []
    for entry_id in ids:
        result.append(by_id[entry_id])
    return result


def build_prompt(chunks: list[dict], question: str) -> str:
    lines = []
    i = 1
    for chunk in chunks:
        lines.append(CHUNK_LINE.format(i=i, text=chunk["text"], source=chunk["source"]))
        i += 1
    return USER_TEMPLATE.format(context="\n\n".join(lines), question=question)


def parse_citations(reply: str, n_chunks: int) -> tuple[list[int], list[int]]:
    cited, flagged = [], []
    if not isinstance(reply, str):
        return cited, flagged
    for inside in re.findall(r"\[\s*chunks?\b([^\]]*)\]", reply, re.IGNORECASE):
        for digits in re.findall(r"\d+", inside):
            number = _long_int(digits)
            target = cited if 1 <= number <= n_chunks else flagged
            if number not in target:
                target.append(number)
    return cited, flagged


@functools.cache
def _client() -> anthropic.Anthropic:
    return anthropic.Anthropic()


def ask_claude(system: str, user: str) -> str:
    response = _client().messages.create(
        model=CLAUDE,
        max_tokens=MAX_TOKENS,
        system=system,
        messages=[{"role": "user", "content": user}],
    )
    text = ""
    for block in response.content:
        if block.type == "text":
            text += block.text
    return text


def answer(question: str, index: list[dict], system: str = SYSTEM, k: int = 3) -> dict:
    chunks = retrieve(index, question, k)
    return answer_from(chunks, question, system)


def answer_from(chunks: list[dict], question: str, system: str = SYSTEM) -> dict:
    reply = ask_claude(system, build_prompt(chunks, question))
    cited, flagged = parse_citations(reply, len(chunks))
    cited_notes = []
    cited_ids = []
    for number in cited:
        cited_notes.append(chunks[number - 1]["note"])
        cited_ids.append(chunks[number - 1]["id"])
    return {
        "text": reply,
        "chunks": list(chunks),
        "cited_notes": cited_notes,
        "cited_ids": cited_ids,
        "flagged": flagged,
        "not_found": reply.strip().lower().startswith(NOT_FOUND),
    }
