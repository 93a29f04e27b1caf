"""U06 · RAG — the basics: comprehensions, finditer, dict.fromkeys for first-seen order.

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

_BRACKET = re.compile(r"\[\s*chunks?\b(?P<body>[^\[\]]*)\]", re.IGNORECASE)


def chunk_notes(notes) -> list[dict]:
    return [
        {"id": f"{note.id}-p{n}", "note": note.id, "source": note.source, "text": para}
        for note in notes
        for n, para in enumerate(note.paragraphs, 1)
    ]


def build_chunk_index(chunks: list[dict]) -> list[dict]:
    chunks = list(chunks)
    vectors = embed([c["text"] for c in chunks])
    return [{**c, "vector": v} for c, v in zip(chunks, vectors)]


def retrieve(index: list[dict], question: str, k: int = 3) -> list[dict]:
    (query_vector,) = embed([question])
    wanted = top_k(index, query_vector, k)
    lookup = {entry["id"]: entry for entry in index}
    return [lookup[i] for i in wanted]


def build_prompt(chunks: list[dict], question: str) -> str:
    context = "\n\n".join(
        CHUNK_LINE.format(i=i, text=c["text"], source=c["source"]) for i, c in enumerate(chunks, 1)
    )
    return USER_TEMPLATE.format(context=context, question=question)


def parse_citations(reply: str, n_chunks: int) -> tuple[list[int], list[int]]:
    try:
        numbers = [
            _long_int(d) for m in _BRACKET.finditer(str(reply)) for d in re.findall(r"[0-9]+", m.group("body"))
        ]
    except Exception:  # never raise on a reply
        numbers = []
    unique = list(dict.fromkeys(numbers))
    return [n for n in unique if 1 <= n <= n_chunks], [n for n in unique if not 1 <= n <= n_chunks]


def ask_claude(system: str, user: str) -> str:
    message = anthropic.Anthropic().messages.create(
        model=CLAUDE,
        max_tokens=MAX_TOKENS,
        system=system,
        messages=[{"role": "user", "content": user}],
    )
    return "".join(getattr(b, "text", "") for b in message.content if getattr(b, "type", None) == "text")


def answer(question: str, index: list[dict], system: str = SYSTEM, k: int = 3) -> dict:
    return answer_from(retrieve(index, question, k=k), question, system=system)


def answer_from(chunks: list[dict], question: str, system: str = SYSTEM) -> dict:
    chunks = list(chunks)
    reply = ask_claude(system, build_prompt(chunks, question))
    cited, flagged = parse_citations(reply, len(chunks))
    picked = [chunks[n - 1] for n in cited]
    return {
        "text": reply,
        "chunks": chunks,
        "cited_notes": [c["note"] for c in picked],
        "cited_ids": [c["id"] for c in picked],
        "flagged": flagged,
        "not_found": reply.lstrip().casefold().startswith(NOT_FOUND.casefold()),
    }
