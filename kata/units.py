"""The twelve units of Practice 06, in course order: the one place their metadata lives.

The board, `kata hint`, the test docstring check and the README's unit table all read this list.
Verify and Stretch texts are quoted from ../shared/course/practice-06-ai-engineering-foundations.txt.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def cache_folder() -> Path:
    """Where the kata keeps what it computed (unit results, the backend's vectors): .kata/cache/, or
    KATA_CACHE_DIR (the harness's own). Here, below every layer that hands it on (kata/layers.py)."""
    return Path(os.environ.get("KATA_CACHE_DIR") or ROOT / ".kata" / "cache")


@dataclass(frozen=True)
class Rung:
    """One rung of `kata hint N`: its text, and the unit's functions it is about (none: the whole unit)."""

    text: str
    about: str = ""  # function names, space-separated
    when: str = ""  # words of the clauses it helps with, "|"-separated: shown only under a failure quoting one of them

    def is_about(self, functions) -> bool:
        return bool(set(self.about.split()) & set(functions))

    def fits(self, quote: str) -> bool:
        """Whether it helps with a failure quoting `quote` (a rung about one clause of its function drifts elsewhere)."""
        return not self.when or any(words.lower() in quote.lower() for words in self.when.split("|"))

    @property
    def reads_as_code(self) -> bool:
        """Calls, indexing, operators or assignments: help for the last rungs, after the words."""
        return bool(CODE.search(self.text))


# What reads as code in a hint (the lead's scan of the tests' hint= strings uses the same expression); arithmetic
# counts when a number, a bracket or a name_with_underscores stands beside the operator ("caching / quantization" is words).
CODE = re.compile(r"\w\(|\s@\s|==|\w\[|\s=\s|lambda|\bfor\b.*\bin\b|\+=|\.\w+\(|\*\*|//|\bnp\.|\bre\.|(?:\d|\)|\w_\w+)\s[*/]\s|\s[*/]\s(?:\d|\(|\w+_)")


@dataclass(frozen=True)
class Unit:
    number: int
    slug: str  # the module name used in every folder: exercises/, solutions/, tests/, cassettes/
    title: str
    verify: str
    stretch: str
    hints: tuple[Rung, ...] = field(default=())  # progressive: a nudge first, the code on the last rungs
    # Which of the unit's functions call which: "caller: callee callee", an earlier unit's function
    # written "U10.grade", "show:" for what `kata show N` uses; tests/harness/test_feedback.py checks it
    # against solutions/. A failing test whose function depends on another failing test's is an echo.
    calls: tuple[str, ...] = field(default=())

    def ladder(self, functions=()) -> list[Rung]:
        """The hint rungs for a failure in `functions`: those about `functions`, the ones in words before the ones
        that read as code. A rung about other functions only is left out (its code would answer a test the learner
        has not reached), and so is the unit's general advice (three blind learners read it, mid-ladder, as noise
        beside the test they followed); with no rung about `functions`, every rung in words (none, when there is
        none), and with no function named at all (no failure to follow), every rung, the code last."""
        about = [r for r in self.hints if r.about and r.is_about(functions)]
        if about:
            chosen = about
        elif functions:  # a failure in a function no rung is about: words only, never another function's code
            chosen = [r for r in self.hints if not r.about or not r.reads_as_code]
        else:
            chosen = list(self.hints)
        return [r for r in chosen if not r.reads_as_code] + [r for r in chosen if r.reads_as_code]

    @property
    def code(self) -> str:
        return f"U{self.number:02d}"

    @property
    def exercise(self) -> str:
        return f"exercises/{self.slug}.py"

    @property
    def solution(self) -> str:
        return f"solutions/{self.slug}.py"

    @property
    def test_file(self) -> str:
        return f"tests/test_{self.slug}.py"

    def callees(self) -> dict[str, tuple[str, ...]]:
        """`calls` as {"U09.train_adapter": ("U09.init_adapter", ...)}: every name qualified by its unit."""
        table = {}
        for line in self.calls:
            caller, _, names = line.partition(":")
            table[self.qualify(caller.strip())] = tuple(self.qualify(n) for n in names.split())
        return table

    def qualify(self, name: str) -> str:
        return name if name[:1] == "U" and "." in name else f"{self.code}.{name}"

    @property
    def uses(self) -> dict[str, tuple[str, ...]]:
        """The earlier units' functions this unit uses, by unit code: {"U10": ("read_reply", "grade", ...)}."""
        found: dict[str, list[str]] = {}
        for names in self.callees().values():
            for name in names:
                code, _, function = name.partition(".")
                if code != self.code and function not in found.setdefault(code, []):
                    found[code].append(function)
        return {code: tuple(found[code]) for code in sorted(found)}

    @property
    def ready(self) -> bool:
        """A unit is playable once its tests exist; until then the board shows it as coming soon."""
        return (ROOT / self.test_file).is_file()


UNITS: tuple[Unit, ...] = (
    Unit(
        1,
        "u01_vocabulary",
        "Why the vocabulary matters",
        verify="Four paragraphs exist, one per conversation. Each names a concrete mechanism from this "
        "page (e.g. RAG, prompt caching, quantization, distillation, web-search tool, structured wiki) "
        "— not just “use AI better.”",
        stretch="Add a fifth heading: “we should build our own model.” Write the one-paragraph reply "
        "you’ll need the first time a stakeholder proposes it.",
        hints=(
            Rung("Start with mechanisms_named(): for each mechanism in GLOSSARY, ask whether any of its aliases appears "
                 "in the text as a whole word.", about='mechanisms_named'),
            Rung("`alias in text` is not enough: 'storage' holds the letters of 'rag'. A regular expression marks word "
                 "boundaries with \\b, and re.escape(alias) keeps the '-' and '/' in an alias literal.", about='mechanisms_named'),
            Rung("re.search(r'\\b' + re.escape(alias) + r'\\b', text, flags), with flags = 0 if alias.isupper() else "
                 "re.IGNORECASE, so 'a rag' is not RAG. Add the GLOSSARY key (not the alias) to the set, then go on to "
                 "the next mechanism.", about='mechanisms_named'),
            Rung("Write mechanisms_named first, then the four replies, and let your detector check them.", about='replies'),
            Rung("Each reply is one paragraph of 20+ words, no blank line inside, that names the move: RAG for the docs, "
                 "a structured wiki or pgvector, missing context (RAG, evals) for hallucination, prompt caching / "
                 "quantization / distillation.", about='replies'),
        ),
    ),
    Unit(
        2,
        "u02_training_vs_inference",
        "Training vs inference",
        verify="Count the columns: the Inference count is higher than the Training count. Every Training "
        "row has a written justification and a named measurement beside it; none is left blank.",
        stretch="Most teams never train. If your sheet has zero Training rows, that’s the expected, "
        "healthy result — your problems are RAG, prompts, and evals.",
        hints=(
            Rung("Start with phase(): the only question is whether weights move. Look for a WEIGHT_UPDATING term as a "
                 "whole word, in any case; anything else is inference by default.", about='phase'),
            Rung("Whole words, as in U01: re.search(r'\\b' + re.escape(term) + r'\\b', activity, re.IGNORECASE) for each "
                 "term; the first match makes it TRAINING.", about='phase'),
            Rung("Only Training rows owe a justification and a measurement, and a blank one counts as missing; the "
                 "Inference rows must outnumber the Training rows, strictly.", about='audit my_stack'),
            Rung("audit(): an empty sheet is one problem, returned at once. Otherwise walk the rows once: compare "
                 "row.column with phase(row.activity); blank means `not text.strip()`. Put row.activity as written in "
                 "each message, e.g. f\"Training row '{row.activity}' has no measurement\".", about='audit'),
            Rung("Then count each column with sum(r.column == INFERENCE for r in sheet) and add a problem unless "
                 "inference > training, strictly.", about='audit'),
            Rung("verdict(): count the Training rows; with 0, 'Zero Training rows: the expected, healthy result. Your "
                 "problems are RAG, prompts, and evals.'; else f'{n} Training row(s): each needs ...'.", about='verdict'),
        ),
        calls=(
            "audit: phase",
        ),
    ),
    Unit(
        3,
        "u03_tokens_and_attention",
        "Tokens & attention",
        verify="Your new total token count is at least 15% below the original number, and the outputs on "
        "the 3 inputs still pass your eyeball check.",
        stretch="Wrap the count in a unit test that asserts total_tokens < N and fails when a future "
        "prompt edit bloats past the budget.",
        hints=(
            Rung("count_tokens: count with tiktoken.get_encoding(ENCODING), never str.split().", about='count_tokens'),
            Rung("token_budget: a budget is {part: count_tokens(text)}.", about='token_budget'),
            Rung("estimate_tokens is math.ceil(len(text) / CHARS_PER_TOKEN).", about='estimate_tokens'),
            Rung("largest_part is max(budget, key=budget.get) (max(budget) alone compares the names).", about='largest_part'),
            Rung("saving is measured on the sum of all parts: 1 - sum(after.values()) / sum(before.values()).", about='saving'),
            Rung("long_context_prompt is LONG_CONTEXT_PROMPT.format(...).", about='long_context_prompt'),
            Rung("split_sentences: one re.split on a line break, or on whitespace just after . ! or ? (a lookbehind "
                 "keeps the mark): re.split(r'(?<=[.!?])\\s+|\\n+', text), then strip each piece and drop the empty "
                 "ones.", about='split_sentences'),
            Rung("context_block: '\\n\\n'.join(f'[chunk {i}] {text}  (source: {source})' for i, (source, text) in "
                 "enumerate(chunks, 1)).", about='context_block'),
            Rung("To cut: split every chunk into sentences, set aside those that contain a string of `keep`, and sort "
                 "the rest by count_tokens, longest first: each drop then saves the most. sorted() is stable, so ties "
                 "stay in reading order.", about='cut_context'),
            Rung("Drop them one by one, re-counting count_tokens(context_block(cut)) before each drop, and stop as soon "
                 "as it is <= (1 - fraction) x the original; rebuild each chunk as (source, '\\n'.join(its kept "
                 "sentences, in order)). (One cut among many that pass: the tests ask for its size and the sentences kept, not this order; the recorded Claude calls happen to use it.)", about='cut_context'),
            Rung("ask: client.messages.create(model=CLAUDE, max_tokens=MAX_TOKENS, system=system, messages=[{'role': "
                 "'user', 'content': user}]), then ''.join(b.text for b in reply.content if b.type == 'text').", about='ask'),
            Rung("anthropic_count_tokens: messages.count_tokens takes the same as ask's messages.create without "
                 "max_tokens and gives .input_tokens.", about='anthropic_count_tokens'),
            Rung("Stretch: if not total < limit: raise AssertionError(f'{total} tokens, over {limit}: cut "
                 "{largest_part(budget)!r}').", about='assert_within_budget'),
        ),
        calls=(
            "prompt_parts: context_block",
            "token_budget: count_tokens",
            "cut_context: split_sentences count_tokens context_block",
            "assert_within_budget: token_budget largest_part",
        ),
    ),
    Unit(
        4,
        "u04_embeddings",
        "Embeddings",
        verify="cos(cats, kittens) is meaningfully higher than cos(cats, cars) — typically the first is "
        "≥ 0.6 and the second ≤ 0.4. If the close pair doesn’t outscore the far pair, your similarity "
        "code or normalization is wrong.",
        stretch="Try adversarial: ‘cats are great’ vs ‘cats are terrible’. They embed close together — "
        "same topic, opposite sentiment. Verify the cosine is high (≥ 0.6) to prove embeddings don’t "
        "encode polarity.",
        hints=(
            Rung("Two steps: get the numbers with one API call, then compare directions. The vectors are in the "
                 "`.embeddings` of the client's result.", about='embed'),
            Rung("Make the client once and reuse it (functools.cache on a small helper): each new client loads its "
                 "certificates again.", about='embed'),
            Rung("cosine: the course's step 3 is dot(a, b) / (norm(a) * norm(b)).", about='cosine'),
            Rung("norm(v) = math.sqrt(sum(x * x for x in v)) and dot = sum(x * y for x, y in zip(a, b)). Check the "
                 "lengths first: zip() silently drops extra numbers.", about='cosine'),
            Rung("if len(a) != len(b): raise ValueError(f'cosine: dimensions {len(a)} and {len(b)} differ'); if norm_a "
                 "== 0 or norm_b == 0: raise ValueError('cosine: a zero vector has no direction'); return dot / (norm_a "
                 "* norm_b)", about='cosine'),
        ),
    ),
    Unit(
        5,
        "u05_vector_search",
        "Vector search",
        verify="For at least 4 of 5 queries the correct document is in the returned top 3 — e.g. note01 "
        "ranks in the top 3 for the sponsor question, note05 for the reserve question.",
        stretch="Scale to 1000 docs and use numpy matrix math for similarity. Still no DB needed below "
        "~100k docs.",
        hints=(
            Rung("Three steps: embed the notes once (build_index), embed the query (search), rank with your U04 cosine "
                 "(top_k). Write top_k first: it needs no API."),
            Rung("build_index: vectors = embed([note.text for note in notes]), then one {'id': note.id, 'text': "
                 "note.text, 'vector': vector} per (note, vector) in zip(notes, vectors).", about='build_index'),
            Rung("top_k: score each entry with cosine(query_vector, entry['vector']), sort highest first (reverse=True), "
                 "keep the first k ids.", about='top_k'),
            Rung("search = top_k(index, embed([query])[0], k).", about='search'),
            Rung("run_queries: for question, expected in queries: top = search(index, question, k); append {'question': "
                 "question, 'expected': expected, 'top': top, 'hit': expected in top}.", about='run_queries'),
            Rung("Stretch: to_matrix = m / np.linalg.norm(m, axis=1, keepdims=True).", about='to_matrix'),
            Rung("Stretch: search_matrix: scores = matrix @ (q / np.linalg.norm(q)); the indices of the k largest, largest "
                 "first: np.argsort(-scores)[:k].tolist(), or np.argpartition to avoid sorting all n, then sort just those "
                 "k.", about='search_matrix'),
        ),
        calls=(
            "build_index: U04.embed",
            "top_k: U04.cosine",
            "search: top_k U04.embed",
            "run_queries: search",
        ),
    ),
    Unit(
        6,
        "u06_rag_basics",
        "RAG — the basics",
        verify="For answerable questions the reply includes a [chunk N] citation pointing at the right "
        "note (e.g. the schedule slip traces to note06). For the unanswerable one it returns “not found "
        "in sources” instead of inventing an answer.",
        stretch="Tighten the instruction to ‘If the answer isn’t in the retrieved context, say so and "
        "stop.’ Re-ask the unanswerable question — the hallucination should disappear entirely.",
        hints=(
            Rung("build_prompt needs no API: copy the course's template character for character and number the chunks "
                 "as people count, from 1.", about='build_prompt'),
            Rung("build_prompt: '\\n\\n'.join(CHUNK_LINE.format(i=i, text=c['text'], source=c['source']) for i, c in "
                 "enumerate(chunks, 1)) is the context; USER_TEMPLATE.format(context=context, question=question) is the "
                 "turn.", about='build_prompt'),
            Rung("parse_citations: find every [chunk ...] bracket (any case), then every number inside it; drop repeats "
                 "keeping the first-seen order; a number from 1 to n_chunks, both ends included, is cited, any other "
                 "flagged.", about='parse_citations'),
            Rung("The brackets: re.findall(r'\\[\\s*chunks?\\s*(\\d[^\\]]*)\\]', reply, re.IGNORECASE) gives what "
                 "follows 'chunk' in each; re.findall(r'\\d+', group) gives its numbers.", about='parse_citations'),
            Rung("chunk_notes: one dict per note.paragraphs entry, id f'{note.id}-p{number}' with "
                 "enumerate(note.paragraphs, 1).", about='chunk_notes'),
            Rung("build_chunk_index: one embed([c['text'] for c in chunks]), then [{**c, 'vector': v} for c, v in "
                 "zip(chunks, vectors)].", about='build_chunk_index'),
            Rung("retrieve: top_k(index, embed([question])[0], k) gives ids; map them back to the index's dicts, in its "
                 "order.", about='retrieve'),
            Rung("answer is retrieve, then answer_from on the chunks it found; answer_from asks Claude once, then reads "
                 "the reply's citations and whether it says not found.", about='answer answer_from'),
            Rung("answer_from: reply = ask_claude(system, build_prompt(chunks, question)); cited, flagged = "
                 "parse_citations(reply, len(chunks)); cited_notes = [chunks[n - 1]['note'] for n in cited]; not_found = "
                 "reply.strip().lower().startswith(NOT_FOUND).", about='answer_from'),
            Rung("answer = answer_from(retrieve(index, question, k), question, system).", about='answer'),
            Rung("ask_claude is U03's ask with MAX_TOKENS.", about='ask_claude'),
        ),
        calls=(
            "build_chunk_index: U04.embed",
            "retrieve: U04.embed U05.top_k",
            "answer: answer_from retrieve",
            "answer_from: ask_claude parse_citations build_prompt",
        ),
    ),
    Unit(
        7,
        "u07_production_rag",
        "RAG — what actually works",
        verify="You have a 5-row table (question × cosine-top-3 vs reranked-top-3 vs better?). On at least "
        "1 of the 5, re-ranking changed the top 3 and produced a better-cited answer.",
        stretch="If re-ranking changes the order on every query, your embedding model is mismatched to "
        "the task — note that as a signal to swap embed models, not just to bolt on a re-ranker.",
        hints=(
            Rung("Build bottom-up and run `kata check 7` after each piece: tokenize, the two searches, fuse, hybrid_search; "
                 "then rerank_prompt, read_ranking, rerank; then semantic_chunks. The table and the pipeline only compose them."),
            Rung("Design notes before code: an id found by both retrievers is ONE result with both shares added; ranks are "
                 "comparable across retrievers, scores are not. A chunk is measured as a whole (count the joined text). A model's "
                 "ranking reply is text: trust only the ids you sent, once each."),
            Rung("tokenize is one re.findall over the lower-cased text.", about='tokenize'),
            Rung("bm25_search: BM25Okapi([tokenize(e['text']) for e in index]).get_scores(tokenize(query)), then sort the "
                 "indices by score, highest first (sorted() is stable: ties keep index order), and keep k (id, float(score)) "
                 "pairs.", about='bm25_search'),
            Rung("vector_search: score each entry with cosine, sort highest first (sorted() is stable: ties keep index "
                 "order), and keep k (id, score) pairs.", about='vector_search'),
            Rung("fuse keeps one dict of id -> sum of 1/(k + rank), ranks from enumerate(ranking, 1), never the raw scores; "
                 "sorted(fused, key=lambda i: -fused[i]) keeps ties in first-seen order.", about='fuse'),
            Rung("hybrid_search: fuse([vector_search(index, embed([query])[0], depth), bm25_search(index, query, depth)]), "
                 "vectors first.", about='hybrid_search'),
            Rung("read_ranking: for each id, re.search(rf'(?<![\\w-]){re.escape(i)}(?![\\w-])', reply) finds it as a whole id; "
                 "sort the found ids by match.start(), then add the other ids in retrieval order, and cut to n.", about='read_ranking'),
            Rung("rerank: ask_claude(RERANK_SYSTEM, rerank_prompt(...)), read_ranking(reply, [c['id'] for c in candidates], n), "
                 "map ids back.", about='rerank'),
            Rung("voyage_rerank: candidates[r.index] for r in result.results.", about='voyage_rerank'),
            Rung("semantic_chunks: cut the text into pieces that each END just after a PARAGRAPH_END match (finditer, slice up "
                 "to match.end()); add paragraphs while count_tokens(chunk + paragraph) <= max_tokens, else close the chunk; a "
                 "paragraph too long alone goes the same way sentence by sentence (SENTENCE_END), a sentence never split.", about='semantic_chunks'),
            Rung("compare: better = the re-ranked answer is right and the cosine answer not.", about='compare'),
            Rung("production_answer: query = rewrite_query(question); candidates = hybrid_search(index, query, k=DEPTH); "
                 "top = rerank(question, candidates, k); return {**answer_from(top, question), 'query': query}.", about='production_answer'),
        ),
        calls=(
            "bm25_search: tokenize",
            "vector_search: U04.cosine",
            "hybrid_search: fuse U04.embed vector_search bm25_search",
            "rerank: U06.ask_claude rerank_prompt read_ranking",
            "semantic_chunks: U03.count_tokens",
            "semantic_chunk_notes: semantic_chunks",
            "rewrite_query: U06.ask_claude",
            "hyde_passage: U06.ask_claude",
            "note_index: U06.build_chunk_index",
            "compare: rerank U06.answer_from U04.embed vector_search",
            "rerank_table: compare",
            "production_answer: rewrite_query hybrid_search rerank U06.answer_from",
        ),
    ),
    Unit(
        8,
        "u08_fine_tuning_intuition",
        "Fine-tuning intuition",
        verify="Your three answers match the tree: A = RAG (domain knowledge that changes → retrieve, "
        "don’t bake in), B = prompting (tone + one-off format → persona / Format patterns), C = "
        "fine-tune, LoRA (1,000+ labels + extreme consistency on a narrow, high-volume task). Any "
        "mismatch means re-read that table row.",
        stretch="Only worthwhile for Scenario-C-shaped work. […] Done when: the saved adapter is < 100MB "
        "and the tuned model gives a different output than the base model on 5 held-out examples.",
        hints=(
            Rung("Read each request for what it asks the model to know or do, not for what it mentions; then climb "
                 "the tables top-down: retrieve knowledge, prompt for voice and format, train last.", about='route scenarios'),
            Rung("route is a chain of ifs that returns at the first rule that fits. Check recent news, then domain knowledge, "
                 "first. Training needs ALL of: labelled_examples >= 1000, prompt_tried, not changes_often, and a narrow task "
                 "at AT_SCALE (or a specialized format; a smaller model means distillation). Then tone of voice, then one-off "
                 "behavior, then the fallback.", about='route'),
            Rung("Cite rows without retyping them: next(r for r in [*DONT_FINE_TUNE_FOR, *DO_CONSIDER_FINE_TUNING_WHEN] if "
                 "r.startswith('Recent news')).", about='route'),
            Rung("Stretch: each projection trains A (d_model x rank) and B (rank x d_model), so params = n_layers * 2 * "
                 "(2 * d_model * rank), and MB = params * bytes_per_param / 1e6.", about='adapter_size_mb'),
            Rung("A = {'domain knowledge'}, changes monthly -> RAG; B = {'tone of voice', 'one-off behavior'} -> "
                 "prompting; C = {'narrow task'}, 5_000 labels, 2_000_000/month, prompt tried -> fine-tune (LoRA).", about='scenarios'),
        ),
    ),
    Unit(
        9,
        "u09_lora_and_peft",
        "LoRA & PEFT",
        verify="You can state, in one line, the exact gate at which the use case stopped (“solved at "
        "Gate 1 with a structured output” / “passes Gate 3 — 1,400 labels, LoRA”) — backed by the prompt "
        "or test you actually ran, not a guess.",
        stretch="Most teams stop at Gate 1 or 2. If yours does, that’s the win — the hours you didn’t "
        "spend fine-tuning go to data quality and evals (U10).",
        hints=(
            Rung("Walk the gates in order and return at the first that settles it: a gate that was not run stops the "
                 "walk there (the line says it was not run), so ask whether it was run before comparing its rate with the "
                 "bar; a rate equal to the bar clears it; labels only matter once Gate 1 and Gate 2 were both run and "
                 "fell short.", about='gate solved_before_training'),
            Rung("The line names 'Gate N' and its evidence: the rate that cleared the bar as a whole percentage, and at "
                 "Gate 3 the number of labels written with thousands separators.", about='gate',
                 when="in one line|percent|labels"),
            Rung("LoRA: A is r x d_in (small, random), B is d_out x r (zeros); lora_params = r * (d_in + d_out).", about='lora_params'),
            Rung("init_adapter: A is r x d_in (small, random), B is d_out x r (zeros): rng = np.random.default_rng(seed); "
                 "A = rng.normal(0, 1 / np.sqrt(d_in), (r, d_in)); B = np.zeros((d_out, r)).", about='init_adapter'),
            Rung("forward: X @ W.T + scale * (X @ A.T) @ B.T, through A first (n x r), then B.", about='forward'),
            Rung("With E = forward(...) - Y, G = 2 * E / E.size and H = X @ A.T: dB = scale * G.T @ H, dA = scale * (G @ B).T @ X.",
                 about='lora_gradients'),
            Rung("Each step: dA, dB = lora_gradients(...) first, then A -= lr * dA and B -= lr * dB (never W); the k-th loss is "
                 "the mean of (forward(W, A, B, X, scale) - Y) ** 2 after k steps, with scale = alpha / r.", about='train_adapter'),
            Rung("merge returns a new array, W + scale * B @ A: never W += ..., the base is shared.", about='merge'),
        ),
        calls=(
            "solved_before_training: gate",
            "lora_gradients: forward",
            "train_adapter: init_adapter lora_gradients forward",
        ),
    ),
    Unit(
        10,
        "u10_eval_datasets",
        "Building eval datasets",
        verify="The harness prints a pass/fail line per case and an “X / 20 passed” total. Deliberately "
        "break one expected value, re-run, and confirm that case flips from pass to fail — proof the "
        "eval actually grades.",
        stretch="Grow the eval by 5 cases a month. After a year you have ~80 cases covering everything "
        "you’ve seen in production.",
        hints=(
            Rung("Start with load_eval, then grade: neither needs the API, so try them on hand-made files and results. A "
                 "loader that skips a bad line hides a case forever; a grader fooled by an empty reply passes nothing real."),
            Rung("load_eval: enumerate(lines, 1), json.loads each non-blank line, and raise ValueError(f'{path}:{n}: ...') "
                 "at the first bad one, checking in order: JSON, object, id/input, duplicate id, exactly one kind, its value, "
                 "expected_args, tags. Remember each id's line in a dict to name the first one in a duplicate's message.", about='load_eval'),
            Rung("grade's reason is for the person reading a failed row: one line, never empty, that names what the case "
                 "expected and what the reply did (its text, or its tool and arguments).", about='grade', when='reason'),
            Rung("grade: fail an empty reply first. Tool: same tool, and each expected arg present and equal (extra args are "
                 "fine). Substr: expected.lower() in text.lower(). Refusal: a REFUSAL_MARKERS phrase in "
                 "text.lower().replace('\u2019', \"'\") and no tool call.", about='grade'),
            Rung("run_case: one messages.create(model=model, max_tokens=MAX_TOKENS, system=SYSTEM, tools=TOOLS, messages=[{'role': "
                 "'user', 'content': case['input']}]).", about='run_case'),
            Rung("read_reply joins the .text of blocks whose .type == 'text' and takes .name and dict(.input) of the first "
                 "'tool_use'.", about='read_reply'),
            Rung("judge: words = text.split(); its first word, with the punctuation around it stripped (string.punctuation: commas, quotes and asterisks too), upper-cased, equals 'PASS'.", about='judge'),
            Rung("run_eval: try: result = run_case(case, model) except anthropic.APIStatusError as error: append {'id': ..., "
                 "'passed': False, 'reason': f'error: {error}', 'result': None}.", about='run_eval'),
            Rung("report: f\"{'PASS' if row['passed'] else 'FAIL'}  {row['id']}  {row['reason']}\" per row, then "
                 "f'{passed} / {len(rows)} passed'.", about='report'),
        ),
        calls=(
            "run_case: read_reply",
            "run_eval: grade run_case",
        ),
    ),
    Unit(
        11,
        "u11_distillation_and_quantization",
        "Distillation & quantization",
        verify="You have a filled 3×3 table (model × latency / cost / pass-rate) and can circle one row as "
        "“cheapest model that still clears my pass-rate bar.” The quantized model’s pass-rate is within "
        "a few points of its full-precision cousin — the quantization tax made concrete.",
        stretch="Make production default to the cheapest row that meets the bar, and re-run this table "
        "whenever a new model ships.",
        hints=(
            Rung("Part 1: run each case, grade it with U10's grade, then sum up per model; circling is a filter by the bar, "
                 "then a min. Part 2: a static model is a lookup table (one vector per token id); quantizing is divide by a "
                 "scale, round, clip."),
            Rung("Latency is recorded, not timed: in run_claude, with_raw_response.create(...) gives "
                 ".headers['x-kata-latency-ms'] and .parse().", about='run_claude'),
            Rung("Ollama's reply may leave things out (a count, the content, the tool calls): read each part with the "
                 "value the docstring gives for a missing one, never as if it were always there.", about='run_ollama'),
            Rung("Latency is recorded, not timed: Ollama's is total_duration / 1e6.", about='run_ollama'),
            Rung("Cost prices input AND output tokens: (in * price_in + out * price_out) / 1_000_000.", about='cost_usd'),
            Rung("row_scales is per row: np.abs(m).max(axis=1) / (2 ** (bits - 1) - 1).", about='row_scales'),
            Rung("model_row: statistics.median of the latencies, sum of costs / len(cases).", about='model_row'),
            Rung("cheapest_passing: min(rows that clear the bar, key=lambda r: (r['cost_usd'], r['latency_ms']), "
                 "default=None).", about='cheapest_passing'),
            Rung("retrieval_pass_rate: divide each row by its norm, then np.argmax(questions @ notes.T, axis=1) == answers.",
                 about='retrieval_pass_rate'),
            Rung("static_embed: embeddings[tokenizer.encode(t).ids].astype(np.float32).mean(axis=0), then divide by its norm "
                 "(zeros for ''); with scales, dequantize(codes[ids], scales[ids]) first.", about='static_embed'),
            Rung("quantize: np.clip(np.rint(m / scales[:, None]), -2**(bits-1), 2**(bits-1) - 1).astype(np.int8).", about='quantize'),
            Rung("stored_bytes: math.ceil(codes.size * bits / 8) + scales.nbytes.", about='stored_bytes'),
            Rung("lab_table times each static_embed with time.perf_counter().", about='lab_table'),
        ),
        calls=(
            "run_claude: U10.read_reply",
            "model_row: run_claude run_ollama U10.grade cost_usd",
            "three_model_table: model_row",
            "show: U10.load_eval",  # `kata show 11` runs the cases your U10 loads
            "static_embed: dequantize",
            "lab_table: U04.embed row_scales quantize static_embed retrieval_pass_rate stored_bytes",
            "production_model: cheapest_passing",
        ),
    ),
    Unit(
        12,
        "u12_right_tool",
        "The right tool for the job",
        verify="Your decision doc names exactly one chosen approach, cites the matching row of the table "
        "above, and gives a one-line reason each lower row was rejected. The whole justification fits "
        "on a Post-it.",
        stretch="Re-read the four-conversation doc you wrote back in U01’s lab. Upgrade any paragraph that "
        "now sounds vague using the decision table — that delta is the practice paying off.",
        hints=(
            Rung("Everything here is a walk down an ordered list: DECISION_TABLE for first_move, CHEAPER_FASTER for "
                 "the next cheaper step, APPROACHES for which reasons a decision doc owes.", about='first_move cheaper_faster_next validate_decision_doc'),
            Rung("first_move: the applicable row with the smallest ROWS.index wins (min(problem, key=ROWS.index) raises "
                 "ValueError for you on an empty set or an unknown row).", about='first_move'),
            Rung("cheaper_faster_next: the first step not in already_done.", about='cheaper_faster_next'),
            Rung("In validate_decision_doc, first split the doc into {key: [values]} (Task, Row, Chosen, 'Rejected X'), e.g. with "
                 "re.match(r'\\s*(Task|Row|Chosen|Rejected\\s+([^:]+?))\\s*:(.*)$', line, re.IGNORECASE); a line with no key runs on "
                 "from the line above. Compare texts as ' '.join(t.replace('’', \"'\").lower().split()).", about='validate_decision_doc'),
            Rung("Then check each rule and add a sentence naming its key. Chosen must EQUAL one approach, not contain one; the "
                 "row must be in ROWS with the choice in ROW_APPROACHES[row]; loop over APPROACHES[APPROACHES.index(chosen) + 1:] "
                 "for reasons; then len(text.split()) > POST_IT_MAX_WORDS.", about='validate_decision_doc'),
        ),
    ),
)

BY_SLUG = {unit.slug: unit for unit in UNITS}


def find(ref: str | int) -> Unit:
    """Accept 1, "1", "01", "u01", "U01" or a full slug; raise ValueError naming the choices otherwise."""
    text = str(ref).strip().lower()
    if text in BY_SLUG:
        return BY_SLUG[text]
    digits = text[1:] if text.startswith("u") else text
    if digits.isdigit() and 1 <= int(digits) <= len(UNITS):
        return UNITS[int(digits) - 1]
    raise ValueError(f"no unit {ref!r}: use a number 1-{len(UNITS)}, e.g. `kata check 1`, or a name such as u01_vocabulary")


@functools.cache
def depends_on(name: str, skipping: frozenset[str] = frozenset()) -> frozenset[str]:
    """Every function that `name` ("U09.train_adapter") calls, directly or not, across units; not itself, and
    neither `skipping` nor what only they call (a test's stand-ins: the learner's function of that name never ran)."""
    seen: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        unit = UNITS[int(current[1:3]) - 1] if current[1:3].isdigit() else None
        for callee in (unit.callees().get(current, ()) if unit else ()):
            if callee not in seen and callee != name and callee not in skipping:
                seen.add(callee)
                todo.append(callee)
    return frozenset(seen)


def unit_of_path(path: str | Path) -> Unit | None:
    """The unit a file belongs to, from its name: tests/test_u01_vocabulary.py -> U01."""
    stem = Path(path).stem.removeprefix("test_")
    return BY_SLUG.get(stem)
