"""Reports the notes of all retrieved chunks as cited, whatever the reply cites: the Wi-Fi answer "cites" three notes."""

from solutions.u06_rag_basics import *  # noqa: F403  the reference, with one function done wrong


def answer(question, index, system=SYSTEM, k=3):  # noqa: F405
    chunks = retrieve(index, question, k)  # noqa: F405
    reply = ask_claude(system, build_prompt(chunks, question))  # noqa: F405
    _, flagged = parse_citations(reply, len(chunks))  # noqa: F405
    return {"text": reply, "chunks": chunks, "cited_notes": [c["note"] for c in chunks],
            "flagged": flagged, "not_found": reply.strip().lower().startswith("not found in sources")}
