"""Breaks 'every alias it lists names its mechanism ... remove none': the learner skips aliases judged too generic ('web search', 'evals'), so 'we added web search' names nothing.

U01 · Why the vocabulary matters.

Four conversations you have probably been in already. A reply helps only when it names a concrete
mechanism (RAG, prompt caching, quantization, ...) rather than "use AI better". So first write a
detector that finds the mechanisms a text names, then write your four replies and let it check them.

"""

from __future__ import annotations

import re

# The four conversations of the unit, as headings for your replies.
CONVERSATIONS = (
    "fine-tune on our docs",
    "we need a vector database",
    "the model is making things up",
    "make it faster / cheaper",
)

# The Stretch's fifth heading.
BUILD_OUR_OWN = "we should build our own model"

# The practice's glossary: each mechanism under the name this practice uses for it, then the other
# ways people say it. An alias written in capitals only (RAG, BM25) is an acronym: it must appear in
# capitals, so "wipe it with a rag" names no RAG. Every other alias matches in any case.
GLOSSARY = {
    "RAG": ("RAG", "retrieval-augmented generation", "retrieval augmented generation"),
    "structured wiki": ("structured wiki", "LLM wiki"),
    "web-search tool": ("web-search tool", "web search tool", "web search"),
    "prompt caching": ("prompt caching", "prompt cache", "cached prefix"),
    "quantization": ("quantization", "quantisation", "quantize", "quantise", "quantized", "quantised"),
    "distillation": ("distillation", "distill", "distil", "distilled"),
    "fine-tuning": ("fine-tuning", "fine-tune", "fine-tuned", "fine tuning", "fine tune", "finetuning"),
    "LoRA": ("LoRA", "QLoRA", "low-rank adaptation"),
    "embeddings": ("embeddings", "embedding"),
    "vector database": ("vector database", "vector DB", "pgvector"),
    "hybrid retrieval": ("hybrid retrieval", "hybrid search", "BM25"),
    "re-ranking": ("re-ranking", "reranking", "re-ranker", "reranker"),
    "persona pattern": ("persona pattern",),
    "structured output": ("structured output", "tool use"),
    "evals": ("eval dataset", "eval harness", "evals"),
}

# Not preceded / not followed by a letter or digit ([^\W_] is "a word character but not '_'",
# i.e. a Unicode letter or digit). Underscores, hyphens, braces and spaces all count as edges.
_BEFORE = r"(?<![^\W_])"
_AFTER = r"(?![^\W_])"


# Too many false positives in chat logs, so I skip these two.
_TOO_GENERIC = {"web search", "evals"}


def _pattern(alias: str) -> re.Pattern[str]:
    flags = 0 if alias.isupper() else re.IGNORECASE
    return re.compile(_BEFORE + re.escape(alias) + _AFTER, flags)


def mechanisms_named(text: str) -> set[str]:
    """Return the set of mechanisms `text` names, each under its canonical name (a key of GLOSSARY).

    A mechanism is named when any of its aliases in GLOSSARY appears in `text` as a whole word or
    phrase: with a letter or digit glued on either side it is part of another word ("drag race",
    "storage" and "xRAGq" name no RAG). Case does not matter ("Prompt Caching", "PROMPT CACHING"),
    except for an alias written all in capitals, an acronym such as RAG: it counts only in capitals
    ("wipe it with a rag" names nothing). A text that names no mechanism gives an empty set.
    GLOSSARY is the practice's, handed to you: every alias it lists names its mechanism (add aliases
    if you like; remove none).
    """
    found: set[str] = set()
    for mechanism, aliases in GLOSSARY.items():
        if any(_pattern(alias).search(text) for alias in aliases if alias not in _TOO_GENERIC):
            found.add(mechanism)
    return found


_REPLIES = {
    "fine-tune on our docs": (
        "Fine-tuning is usually the wrong move for teaching the model our documents: it bakes in a "
        "snapshot that goes stale the day the docs change, costs a training run each time, and gives "
        "no citations. I would start with RAG instead, chunking the docs, retrieving the relevant "
        "paragraphs per question and asking the model to answer only from them, which is cheap and "
        "easy to iterate on."
    ),
    "we need a vector database": (
        "Maybe, but not yet. For a few thousand chunks embeddings in a plain list or pgvector inside "
        "the Postgres we already run are plenty, and a structured wiki of clean pages may beat "
        "similarity search altogether. Let us first measure what questions fail before we buy and "
        "operate another system."
    ),
    "the model is making things up": (
        "That is hallucination, and the cause is usually missing context rather than bad weights. "
        "Give the model the facts it needs with RAG or a web search tool for current information, "
        "tell it to say it does not know when the sources are silent, and build an eval dataset so "
        "we can see whether the fix actually worked."
    ),
    "make it faster / cheaper": (
        "There are three real answers and each lives in its own lane: prompt caching so we stop "
        "paying for the same long system prompt on every call, quantization to run a smaller stored "
        "copy of the same model, and distillation to train a small student on a big teacher for a "
        "narrow high-volume task. Caching comes first because it is nearly free."
    ),
    BUILD_OUR_OWN: (
        "Training a foundation model costs tens of millions of dollars and months of compute, and we "
        "are not a frontier lab. Whatever we hope our own model would fix is almost always reachable "
        "at inference time with a better prompt, RAG over our data, and evals to prove it; if a narrow "
        "task still needs it, a LoRA adapter on an open-weight model is the most we should consider."
    ),
}


def replies() -> dict[str, str]:
    """Your one-paragraph reply to each conversation; return {heading: reply}.

    The keys are exactly the four headings of CONVERSATIONS (plus BUILD_OUR_OWN for the Stretch).
    Each reply is a str, written in your own words before the rest of the practice arms you: what you
    would answer, in one paragraph (no blank line inside) of at least 20 words, naming at least one
    concrete mechanism that your `mechanisms_named` finds.
    """
    return dict(_REPLIES)
