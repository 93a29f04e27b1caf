"""What green means: when a unit turns green, a few lines from the learner's own results tied to its lesson.

Computed in the worker's child, after the unit's tests, from the learner's code only (never the
reference), the way `kata show` runs a unit (kata/commands/show.py): the API calls go to the kata's reference
backend on a loopback port. The lines are cached with the unit's result and shown under "done".
A lesson that cannot be computed (an earlier unit still a stub, an error) is simply left out.
"""

from __future__ import annotations

import re
import signal

import numpy as np

from kata.corpus import ASSISTANT_EVAL, load_notes, load_questions

LESSON_TIME_LIMIT = 30  # seconds for one unit's lesson: past it, the lesson is left out


def u01(u) -> list[str]:
    replies = u.replies()
    lines = ["Your replies each name a concrete mechanism, not “use AI better” (mechanisms_named on your own text):"]
    for heading in [h for h in u.CONVERSATIONS if h in replies]:  # the four, in the course's order, whatever the dict's
        lines.append(f"  “{heading}” → {', '.join(sorted(u.mechanisms_named(replies[heading]))) or 'none'}")
    return lines


def u02(u) -> list[str]:
    sheet = u.my_stack()
    training = sum(row.column == u.TRAINING for row in sheet)
    inference = len(sheet) - training
    return [f"Your sheet: {inference} Inference rows against {training} Training row(s): the Verify asks for more "
            f"Inference than Training, and most teams never train.",
            f"phase() put each row by one question, do the weights move? Your verdict: {u.verdict(sheet)}"]


def u03(u) -> list[str]:
    chunks = [(note.source, note.text) for note in load_notes()]
    question, reply = u.QUESTIONS[0], "A one-line answer [chunk 1]."
    before = u.token_budget(u.prompt_parts(chunks, question, reply))
    cut = u.cut_context(chunks)
    after = u.token_budget(u.prompt_parts(cut, question, reply))
    kept = sum(any(fact in text for _, text in cut) for fact in u.FACTS)
    largest = u.largest_part(before)
    return [f"Your cut: {sum(before.values()):,} → {sum(after.values()):,} tokens in all, {u.saving(before, after):.0%} "
            f"less (the Verify's bar: 15%).",
            f"The largest part was {largest!r}, {before[largest]:,} of the {sum(before.values()):,} tokens: "
            f"the place a cut pays.",
            f"{kept} of the {len(u.FACTS)} facts the answers need survived the cut: fewer tokens, same answers."]


def u04(u) -> list[str]:
    cats, kittens, cars, great, terrible = u.embed([u.CATS, u.KITTENS, u.CARS, u.GREAT, u.TERRIBLE])
    close, far, polar = u.cosine(cats, kittens), u.cosine(cats, cars), u.cosine(great, terrible)
    return [f"Your cos(cats, kittens) = {close:.2f}, against the course's ≥ 0.6 for a close pair.",
            f"Your cos(cats, cars) = {far:.2f}, against ≤ 0.4 for a far pair: the gap of {close - far:.2f} is what "
            f"search ranks on.",
            f"“cats are great” vs “cats are terrible”: {polar:.2f}, {'high' if polar >= 0.6 else 'not that high'}: "
            f"same topic, opposite sentiment; embeddings encode topic, not polarity."]


def u05(u) -> list[str]:
    rows = u.run_queries(u.build_index(load_notes()))
    hits = sum(bool(r["hit"]) for r in rows)
    lines = [f"Your search put the right note in the top 3 for {hits} of {len(rows)} questions (the Verify asks 4 of 5):"]
    for row in sorted(rows, key=lambda r: bool(r["hit"]))[:3]:  # the misses first
        mark = "✔" if row["hit"] else "✘"
        lines.append(f"  {mark} {row['question']} → {', '.join(row['top'])} (expected {row['expected']})")
    return lines


def u06(u) -> list[str]:
    index = u.build_chunk_index(u.chunk_notes(load_notes()))
    answers = [(question, expected, u.answer(question, index)) for question, expected in u.QUESTIONS]
    answerable = [(q, e, a) for q, e, a in answers if e]
    right = [(q, e, a) for q, e, a in answerable if e in (a.get("cited_notes") or [])]
    lines = [f"{len(right)} of your {len(answerable)} answerable questions cite the right note, e.g. "
             f"“{right[0][0]}” cites {right[0][1]}." if right else
             f"None of your {len(answerable)} answerable questions cites the right note yet."]
    for question, _, reply in [(q, e, a) for q, e, a in answers if not e][:1]:
        lines.append(f"The unanswerable “{question}”: not found = {reply.get('not_found')}; a grounded system "
                     f"says so instead of inventing.")
    return lines


def u07(u) -> list[str]:
    index = u.note_index(load_notes())
    rows = [u.compare(index, question, expected) for question, expected in u.QUESTIONS]
    changed, better = [r for r in rows if r["changed"]], [r for r in rows if r["better"]]
    lines = [f"Re-ranking changed your top 3 on {len(changed)} of {len(rows)} questions and gave a better-cited "
             f"answer on {len(better)} (the Verify asks at least 1)."]
    for row in better[:2]:
        lines.append(f"  Rescued: “{row['question']}”: cosine {', '.join(row['cosine_top3'])} → re-ranked "
                     f"{', '.join(row['reranked_top3'])} (the answer is in {row['expected']})")
    if rows and len(changed) == len(rows):
        lines.append("It changed the order on every question: the Stretch reads that as an embedding model "
                     "mismatched to the task.")
    return lines


def u08(u) -> list[str]:
    routes = {name: u.route(scenario) for name, scenario in u.scenarios().items()}
    lines = [f"  {name} → {r.move} ({r.row})" for name, r in routes.items()]
    trained = [name for name, r in routes.items() if "fine-tune" in r.move]
    return ["Your router, on the lab's three requests:", *lines,
            f"Only {', '.join(trained) or 'none'} trains: new weights for a narrow, high-volume task with 1,000+ "
            f"labels; knowledge is retrieved, voice is prompted."]


def u09(u) -> list[str]:
    d, r = 4096, 16
    params = u.lora_params(d, d, r)
    rng = np.random.default_rng(0)
    W = rng.normal(0, 0.3, (6, 8))
    X = rng.normal(0, 1, (40, 8))
    Y = X @ (W + rng.normal(0, 0.3, (6, 2)) @ rng.normal(0, 0.3, (2, 8))).T  # a rank-2 change to learn
    W_before = W.copy()
    _, _, losses = u.train_adapter(W, X, Y, r=2, alpha=4.0, steps=200, lr=0.05)
    return [f"A rank-{r} adapter on a {d}×{d} layer trains {params:,} numbers: {params / (d * d):.2%} of the "
            f"layer's {d * d:,} (the course's 0.5–2%).",
            f"Your train_adapter on a small task: loss {losses[0]:.3g} → {losses[-1]:.3g} in {len(losses) - 1} "
            f"steps, W {'untouched' if np.array_equal(W, W_before) else 'CHANGED'}: the base stays shared.",
            "That is the Gate 3 move; your gate() stops sooner whenever a prompt or a smaller model clears the bar."]


def u10(u) -> list[str]:
    cases = u.load_eval(ASSISTANT_EVAL)
    rows = u.run_eval(cases)
    passed = sum(bool(r["passed"]) for r in rows)
    lines = [f"Your harness: {passed} / {len(rows)} passed on the kata's eval ({ASSISTANT_EVAL.name})."]
    by_id = {case["id"]: case for case in cases}
    flip = next((r for r in rows if r["passed"] and "expected_tool" in by_id[r["id"]]), None)
    if flip:
        broken = {**by_id[flip["id"]], "expected_tool": by_id[flip["id"]]["expected_tool"] + "_broken"}
        still, _ = u.grade(broken, flip["result"])
        lines.append(f"Break {flip['id']}'s expected tool and your grade() says {'PASS: it does not grade' if still else 'FAIL'}: "
                     f"{'' if still else 'proof the eval actually grades.'}")
    return lines


def u11(u) -> list[str]:
    tokenizer, embeddings = u.load_student()
    questions = [q for q in load_questions() if q["note"]]
    table = {row["model"]: row for row in u.lab_table(tokenizer, embeddings, questions, load_notes())}
    full = next((row for name, row in table.items() if "float16" in name), None)
    lines = []
    if full:
        for name, row in table.items():
            if name.startswith("student int"):
                lines.append(f"{name}: {row['bytes'] / full['bytes']:.0%} of float16's bytes, pass-rate "
                             f"{row['pass_rate']:.1%} against {full['pass_rate']:.1%}: a tax of "
                             f"{(full['pass_rate'] - row['pass_rate']) * 100:.1f} points.")
    teacher = next((row for name, row in table.items() if name == "teacher"), None)
    if teacher and full:
        lines.append(f"Distilled: the float16 student is {full['bytes'] / teacher['bytes']:.0%} of the teacher's size "
                     f"at {full['pass_rate']:.1%} against {teacher['pass_rate']:.1%}.")
    taxes = [full["pass_rate"] - row["pass_rate"] for name, row in table.items() if full and name.startswith("student int")]
    if taxes:  # the course's "quantization tax", in the learner's own numbers
        worst = max(taxes) * 100
        lines.append(f"The quantization tax made concrete: {worst:.1f} points at most, for a fraction of the size."
                     if worst > 0 else "The quantization tax made concrete: none here, at a fraction of the size.")
    return lines


def u12(u) -> list[str]:
    doc = u.my_decision_doc()
    chosen = re.search(r"^\s*Chosen\s*:\s*(.+)$", doc, re.M | re.I)
    row = re.search(r"^\s*Row\s*:\s*(.+)$", doc, re.M | re.I)
    rejected = len(re.findall(r"^\s*Rejected\b", doc, re.M | re.I))
    return [f"Your decision doc chooses {chosen[1].strip() if chosen else '?'}, citing the row "
            f"“{row[1].strip() if row else '?'}”.",
            f"It rejects {rejected} lower approach(es) in one line each, in {len(doc.split())} words (a Post-it holds "
            f"{u.POST_IT_MAX_WORDS}).",
            "The table read top-down: the first row that fits wins, and every cheaper move is ruled out in writing."]


LESSONS = {"u01_vocabulary": u01, "u02_training_vs_inference": u02, "u03_tokens_and_attention": u03,
           "u04_embeddings": u04, "u05_vector_search": u05, "u06_rag_basics": u06, "u07_production_rag": u07,
           "u08_fine_tuning_intuition": u08, "u09_lora_and_peft": u09, "u10_eval_datasets": u10,
           "u11_distillation_and_quantization": u11, "u12_right_tool": u12}


class _TooLong(Exception):
    pass


def compute(slugs: list[str], tree: str, send) -> None:
    """In the worker's child, after the tests: each green unit's lesson, sent as `send(slug, lines)`.

    Learner code runs here as in `kata show`: the network blocked but for the local reference backend,
    and a time limit per lesson (past it, or on any error, that lesson is left out)."""
    import os
    import sys

    from kata.learner import impl
    from kata.world import offline
    from kata.commands import recording, show
    from kata.judge import testing, wall

    slugs = [s for s in slugs if s in LESSONS]
    if not slugs:
        return
    target = impl.target(tree)
    impl.forget(target.package)  # fresh modules: a client made under the tests' recordings would reach for the network
    testing.set_current(target)
    offline.loopback_only()
    server, base = recording.start_backend()
    show._point_sdks_at(base)
    wall.raise_wall(target.learner_files)  # the learner's code in a process of its own, as in the tests

    def stop(signum, frame):
        raise _TooLong

    previous = signal.signal(signal.SIGALRM, stop)
    try:
        for slug in slugs:
            signal.alarm(LESSON_TIME_LIMIT)
            try:
                lines = LESSONS[slug](testing.load_unit(slug))
            except BaseException:  # noqa: BLE001 - a lesson never fails a unit: it is only left out
                lines = []
            finally:
                signal.alarm(0)
            send(slug, [str(line) for line in lines][:6])
            sys.stdout.flush()
    finally:
        signal.signal(signal.SIGALRM, previous)
        wall.WALL.stop()
        server.shutdown()
        os.environ.pop("ANTHROPIC_BASE_URL", None)
