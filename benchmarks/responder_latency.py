"""How long a learner's test waits for one RAG reply: cold and warm requests through kata.backend.handle.

    uv run python benchmarks/responder_latency.py [--empty-store]

One process: import the backend (timed), then send U06's RAG request (SYSTEM and build_prompt over the
top 3 paragraph chunks, as benchmarks/responder.py builds it) for a first question (cold: the model
loads, and every context sentence no earlier run embedded is run through MiniLM), the same request
again (warm, same texts), and a request for another question over other chunks (warm, new texts).
`--empty-store` points KATA_CACHE_DIR at a fresh temporary folder first, so no vector is on disk: a
machine's very first request (the store is then seeded from the cassettes, as on a fresh clone).

Measured on the 2-core build machine while 4 other jobs shared it (load average 5-6), v3:
  default store:  import 0.4-0.6 s; cold 0.3 s; warm, same request 0.003-0.007 s; warm, new question 0.09-0.10 s
  --empty-store:  cold 1.4 s; warm, new question 1.0 s (a dozen new sentences at ~0.08 s each)
  the same, final v3, with the load down to 2: import 0.3 s; cold 0.13 s (0.48 s empty store); warm 0.003 s,
  new question 0.04 s (0.42 s empty store)
v2, before the encoder ran on one BLAS thread, with an empty store: cold 13.7 s, a new question 14.2 s.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUESTIONS = ("Who chairs the monthly steering meeting?", "How many customer addresses were altered in the trial migration?")


def main() -> None:
    if "--empty-store" in sys.argv:
        os.environ["KATA_CACHE_DIR"] = tempfile.mkdtemp(prefix="kata-latency-")
    start = time.perf_counter()
    from kata.backend import embed, handle
    imported = time.perf_counter() - start

    import numpy as np

    from kata.corpus import load_notes
    from kata.models import CLAUDE
    from solutions.u06_rag_basics import MAX_TOKENS, SYSTEM, build_prompt, chunk_notes  # the SDKs: not timed

    index = chunk_notes(load_notes())
    texts = [c["text"] for c in index]

    def request(question: str) -> tuple[float, str]:
        vectors = np.asarray(embed(texts))  # retrieval is the learner's side: not timed
        scores = vectors @ embed([question])[0]
        chunks = [index[i] for i in sorted(range(len(index)), key=lambda i: (-scores[i], i))[:3]]
        body = {"model": CLAUDE, "max_tokens": MAX_TOKENS, "system": SYSTEM,
                "messages": [{"role": "user", "content": build_prompt(chunks, question)}]}
        began = time.perf_counter()
        status, _, reply = handle("POST", "/v1/messages", body)
        assert status == 200, reply
        return time.perf_counter() - began, reply["content"][0]["text"]

    cold, _ = request(QUESTIONS[0])
    warm, _ = request(QUESTIONS[0])
    new, _ = request(QUESTIONS[1])
    print(f"import kata.backend {imported:.2f} s; cold request {cold:.2f} s; warm, same request {warm:.3f} s; "
          f"warm, new question {new:.3f} s")


if __name__ == "__main__":
    main()
