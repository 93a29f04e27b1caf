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

# Ollama (https://ollama.com/library/llama3.1)
LOCAL_MODEL = "llama3.1:8b-instruct-q4_K_M"  # U11's 4-bit quantized local model

# Dollars per million tokens: (input, output). A local model costs electricity, not tokens.
PRICES_PER_MTOK = {
    CLAUDE: (3.00, 15.00),
    CLAUDE_SMALL: (1.00, 5.00),
    EMBEDDING_MODEL: (0.06, 0.0),
    LOCAL_MODEL: (0.0, 0.0),
}

# What the tests may assume about a model's behaviour, stated once. The course's own thresholds;
# they hold for the reference backend's all-MiniLM-L6-v2 and for voyage-3.
CLOSE_PAIR_AT_LEAST = 0.6
FAR_PAIR_AT_MOST = 0.4

# U11's student: all-MiniLM-L6-v2 distilled into a static embedding model, shipped in the repository
# (models/minilm-static/README.md says how it was made). Found from here, never from a learner's file.
STUDENT_DIR = ROOT / "models" / "minilm-static"
