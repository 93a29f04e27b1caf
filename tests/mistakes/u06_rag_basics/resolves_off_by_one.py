"""Resolves [chunk N] to chunks[N] instead of chunks[N - 1]: the citation points at the next chunk's note."""

from solutions.u06_rag_basics import *  # noqa: F403  the reference, with one function done wrong


def answer(question, index, system=SYSTEM, k=3):  # noqa: F405
    chunks = retrieve(index, question, k)  # noqa: F405
    reply = ask_claude(system, build_prompt(chunks, question))  # noqa: F405
    cited, flagged = parse_citations(reply, len(chunks))  # noqa: F405
    return {"text": reply, "chunks": chunks, "cited_notes": [chunks[n]["note"] for n in cited if n < len(chunks)],
            "flagged": flagged, "not_found": reply.strip().lower().startswith("not found in sources")}
