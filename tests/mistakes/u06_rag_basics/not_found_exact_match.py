"""Takes "not found" to mean the reply is exactly "not found in sources", so the reply that adds the closest passage counts as an answer."""

from solutions.u06_rag_basics import *  # noqa: F403  the reference, with one function done wrong


def answer(question, index, system=SYSTEM, k=3):  # noqa: F405
    chunks = retrieve(index, question, k)  # noqa: F405
    reply = ask_claude(system, build_prompt(chunks, question))  # noqa: F405
    cited, flagged = parse_citations(reply, len(chunks))  # noqa: F405
    return {"text": reply, "chunks": chunks, "cited_notes": [chunks[n - 1]["note"] for n in cited],
            "flagged": flagged, "not_found": reply.strip().lower().rstrip(".") == "not found in sources"}
