"""Breaks mechanisms_named() 'except for an alias written all in capitals, an acronym such as RAG or BM25 (every letter a capital)': each all-capital word inside an alias is matched case-sensitively, so "llm wiki" and "vector db" name nothing, though neither alias is written all in capitals (blind learner 30).

U01 · Why the vocabulary matters.

Four conversations you have probably been in already. A reply helps only when it names a concrete
mechanism (RAG, prompt caching, quantization, ...) rather than "use AI better". So first write a
detector that finds the mechanisms a text names, then write your four replies and let it check them.

Run `uv run kata check 1` after each step; `uv run kata hint 1` when you are stuck.
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


def mechanisms_named(text: str) -> set[str]:
    """Return the set of mechanisms `text` names, each under its canonical name (a key of GLOSSARY).

    A mechanism is named when any of its aliases in GLOSSARY appears in `text` as a whole word or
    phrase: with a letter or digit glued on either side, in any alphabet, it is part of another word
    ("drag race", "storage", "xRAGq", "RAGé" and "RAG2" name no RAG); whether an underscore glues is
    yours to decide. Aliases may overlap in a text: "web search tool use" names both the web-search
    tool and structured output. Case does not matter ("Prompt Caching", "PROMPT CACHING"), except
    for an alias written all in capitals, an acronym such as RAG or BM25 (every letter a capital): it
    counts only in capitals ("wipe it with a rag" and "bm25" name nothing). A text that names no
    mechanism gives an empty set.
    GLOSSARY is the practice's, handed to you: every alias it lists names its mechanism (add aliases
    if you like; remove none).
    """
    found = set()
    for name, aliases in GLOSSARY.items():
        for alias in aliases:
            # \b on both sides: the alias must start and end at a word boundary, not inside a word.
            # capital-only words inside an alias (RAG, LLM, DB) are acronyms: keep them case-sensitive
            words = [f"(?-i:{re.escape(w)})" if w.isupper() else re.escape(w) for w in alias.split(" ")]
            pattern = r"\b" + r"\ ".join(words) + r"\b"
            if re.search(pattern, text, re.IGNORECASE):
                found.add(name)
                break
    return found


def replies() -> dict[str, str]:
    """Your one-paragraph reply to each conversation; return {heading: reply}.

    The keys are exactly the four headings of CONVERSATIONS (plus BUILD_OUR_OWN for the Stretch).
    Each reply is a str, written in your own words before the rest of the practice arms you: what you
    would answer, in one paragraph (no blank line inside, not even one holding only spaces; a single
    line break is fine) of at least 20 words (words as whitespace separates them), naming at least one
    concrete mechanism that your `mechanisms_named` finds. The mechanism must also fit its conversation,
    as the course's bracketed hints say: RAG or a structured wiki instead of fine-tuning on the docs;
    a structured wiki, embeddings or a vector database (pgvector) for the vector database; for made-up
    answers, missing context, so a grounding mechanism (RAG, a structured wiki, a web-search tool) or
    evals that measure it; prompt caching, distillation or quantization to make it faster or cheaper.
    """
    return {
        "fine-tune on our docs": (
            "Fine-tuning bakes knowledge into weights that go stale the day our docs change, and it "
            "costs weeks to iterate. What we want is RAG: chunk the docs, embed them, retrieve the few "
            "relevant chunks per question and make the model cite them. It is cheaper, we can update "
            "it daily, and wrong answers are traceable to a chunk."
        ),
        "we need a vector database": (
            "Maybe. If the corpus is small and curated, a structured wiki the model reads directly may "
            "beat retrieval. If we do need search, pgvector in the Postgres we already run covers "
            "anything under a million chunks before a dedicated vector database pays for itself."
        ),
        "the model is making things up": (
            "That is hallucination, and the cause is usually missing context, not bad weights. Give it "
            "the facts with RAG, tell it to answer only from the context and to say it does not know "
            "otherwise, and measure the rate with a small eval dataset before and after."
        ),
        "make it faster / cheaper": (
            "Three different lanes, in this order: prompt caching for the repeated system prompt and "
            "tool definitions, then quantization to serve the same model in fewer bits, then "
            "distillation into a smaller model if one narrow task runs at high volume."
        ),
        BUILD_OUR_OWN: (
            "Training a foundation model costs tens of millions and months; nothing we ship needs it. "
            "Everything we control happens at inference: prompts, RAG, tools and evals. If one narrow "
            "task still fails after all of that, a LoRA adapter on an open-weight model is the most we "
            "would train."
        ),
    }
