"""Mistake: matches every alias case-insensitively, so an all-capitals acronym like RAG is found in 'wipe it with a rag'.

U01 · Why the vocabulary matters.

Four conversations you have probably been in already. A reply helps only when it names a concrete
mechanism (RAG, prompt caching, quantization, ...) rather than "use AI better". So first write a
detector that finds the mechanisms a text names, then write your four replies and let it check them.

Run `kata check 1` after each step; `kata hint 1` when you are stuck.
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
    """Return the set of mechanisms `text` names, each under its canonical name (a key of GLOSSARY)."""
    found = set()
    for mechanism, aliases in GLOSSARY.items():
        for alias in aliases:
            if re.search(r"\b" + re.escape(alias) + r"\b", text, re.IGNORECASE):
                found.add(mechanism)
                break
    return found


def replies() -> dict[str, str]:
    """Your one-paragraph reply to each conversation; return {heading: reply}."""
    return {
        CONVERSATIONS[0]: (
            "Before we fine-tune anything, let us try RAG: retrieve the relevant pages of our docs at question "
            "time and paste them into the prompt. It is cheaper, we can update the docs any day, and we can "
            "iterate on it in an afternoon."
        ),
        CONVERSATIONS[1]: (
            "Maybe, but a corpus of a few hundred pages fits in a structured wiki or even plain embeddings in "
            "memory; if we outgrow that, pgvector in the Postgres we already run is enough before a dedicated "
            "vector database."
        ),
        CONVERSATIONS[2]: (
            "That is hallucination, and the cause is usually missing context rather than bad weights: ground "
            "the answers with RAG over our sources, ask for citations, and build evals that catch made-up "
            "answers before users do."
        ),
        CONVERSATIONS[3]: (
            "There are three real answers in different lanes: prompt caching for the long fixed prefix we "
            "resend on every call, distillation into a smaller model for a narrow task, and quantization if "
            "we host the model ourselves."
        ),
        BUILD_OUR_OWN: (
            "Training a foundation model costs millions and months, and our problems sit at inference time: "
            "better prompts, RAG over our data, and evals first; at most a LoRA fine-tuning of an open model "
            "once a measurement proves it beats a well-prompted base model."
        ),
    }
