"""U01 · Why the vocabulary matters.

Four conversations you have probably been in already. A reply helps only when it names a concrete
mechanism (RAG, prompt caching, quantization, ...) rather than "use AI better". So first write a
detector that finds the mechanisms a text names, then write your four replies and let it check them.

Alternative 3: tokenize text and aliases into maximal letter/digit runs and single other characters,
then look for each alias's token sequence in the text's token sequence. Whole words come for free.
"""

from __future__ import annotations

import re
from functools import lru_cache

CONVERSATIONS = (
    "fine-tune on our docs",
    "we need a vector database",
    "the model is making things up",
    "make it faster / cheaper",
)

BUILD_OUR_OWN = "we should build our own model"

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

# A token is a maximal run of letters/digits (any script), or any single other character.
_TOKEN = re.compile(r"[^\W_]+|[\W_]", re.DOTALL)


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


@lru_cache(maxsize=None)
def _alias_tokens(alias: str) -> tuple[tuple[str, ...], bool]:
    """The alias as tokens, and whether it must match case exactly (an all-capitals acronym)."""
    exact = alias.isupper()
    toks = tuple(_tokens(alias))
    return (toks if exact else tuple(t.lower() for t in toks)), exact


def _contains_run(haystack: list[str], needle: tuple[str, ...]) -> bool:
    n = len(needle)
    return any(tuple(haystack[i:i + n]) == needle for i in range(len(haystack) - n + 1))


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
    raw = _tokens(text)
    lowered = [t.lower() for t in raw]
    result = set()
    for canonical, aliases in GLOSSARY.items():
        for alias in aliases:
            needle, exact = _alias_tokens(alias)
            if _contains_run(raw if exact else lowered, needle):
                result.add(canonical)
                break
    return result


def replies() -> dict[str, str]:
    """Your one-paragraph reply to each conversation; return {heading: reply}.

    The keys are exactly the four headings of CONVERSATIONS (plus BUILD_OUR_OWN for the Stretch).
    Each reply is a str, written in your own words before the rest of the practice arms you: what you
    would answer, in one paragraph (no blank line inside) of at least 20 words, naming at least one
    concrete mechanism that your `mechanisms_named` finds.
    """
    out = {}
    out[CONVERSATIONS[0]] = (
        "Teaching the model our docs is a knowledge problem, not a behaviour problem, so I would not "
        "fine-tune. RAG keeps the docs outside the weights: we embed the pages, retrieve the few that "
        "match each question, and the answer can cite them; when a doc changes we re-index instead of "
        "re-training."
    )
    out[CONVERSATIONS[1]] = (
        "Possibly, but the first question is how big the corpus is and how it is organised. For a "
        "small curated set a structured wiki the model reads directly may be better, and for anything "
        "under a million chunks pgvector next to our data avoids running a new database."
    )
    out[CONVERSATIONS[2]] = (
        "The model invents answers when the context does not contain them; the weights are fine. Put "
        "the right facts in the prompt through RAG, require a citation for every claim, and let it "
        "answer that the sources do not say, then track the rate with evals."
    )
    out[CONVERSATIONS[3]] = (
        "Faster and cheaper has three separate answers. Prompt caching pays once for the long shared "
        "prefix; quantization stores the same weights in fewer bits for local serving; distillation "
        "trains a smaller student on a bigger teacher's outputs for one narrow task. Try them in that "
        "order."
    )
    out[BUILD_OUR_OWN] = (
        "We will not out-train a frontier lab with our budget, and training from scratch costs months "
        "and millions. Almost every reason people give for it is solved on the inference side with "
        "prompts, RAG and evals, and a LoRA adapter on an open model covers the rare narrow case."
    )
    return out
