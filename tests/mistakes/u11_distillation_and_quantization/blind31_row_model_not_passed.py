"""Breaks model_row() 'run_claude(case, model) otherwise': it calls run_claude(case) without the model, so every Claude row runs run_claude's default model (the Haiku row measures Sonnet) (blind learner 31).

U11 · Distillation & quantization.

Two ways to make a model cheaper, each measured. First the course's table: a few rows of your U10
eval on Sonnet, Haiku and a 4-bit local model under Ollama, with latency, cost and pass-rate per
model, and the cheapest row that clears your bar circled. (The course's local model is
llama3.1:8b-instruct-q4_K_M; the kata's is SmolLM2-135M-Instruct at 4 bits, kata.models.LOCAL_MODEL,
because those weights are really here: its recorded row is a real model's, not a stand-in's.) Then a lab on a real model, offline: a
static student distilled from all-MiniLM-L6-v2 that you run with numpy (tokenize, look up, mean,
normalise), quantize to int8 and int4 yourself, and measure against its teacher on the sample corpus.

Run `uv run kata check 11` after each step; `uv run kata hint 11` when you are stuck.
"""

from __future__ import annotations

import functools
import math
import os
import statistics
import time

import anthropic
import numpy as np
import requests
from tokenizers import Tokenizer

from kata.models import CLAUDE, CLAUDE_SMALL, LOCAL_MODEL, PRICES_PER_MTOK
from kata.models import STUDENT_DIR  # the repository's model, found by the kata wherever this file is graded

from .u04_embeddings import embed
from .u10_eval_datasets import MAX_TOKENS, SYSTEM, TOOLS, grade, read_reply

# --- Part 1: the same task on three model sizes -------------------------------------------------

# The table's models, biggest first: Sonnet 4.6, Haiku 4.5, and SmolLM2 135M quantized to 4 bits.
MODELS = (CLAUDE, CLAUDE_SMALL, LOCAL_MODEL)

# A few rows of U10's evals/assistant.jsonl: a tool call, an implicit one, arithmetic, a refusal and
# an over-refusal probe. Few, so the recordings stay small; varied, so a weaker model can slip.
CASE_IDS = ("weather-1", "weather-implicit", "math-1", "refuse-1", "over-refusal-phishing")

# Where Ollama listens when the OLLAMA_HOST environment variable (Ollama's own) is not set.
OLLAMA_DEFAULT_HOST = "http://localhost:11434"

# U10's tools in Ollama's format: the same assistant, with the same tools, on every model.
OLLAMA_TOOLS = [
    {"type": "function",
     "function": {"name": tool["name"], "description": tool["description"], "parameters": tool["input_schema"]}}
    for tool in TOOLS
]

# NOTE: the shipped cassettes come from the kata's reference backend. Its responder (rules, not a
# model) answers both Claude names, so those two rows show the method, not Sonnet or Haiku; the local
# row was answered by the real SmolLM2 weights (llama.cpp), so it is a real 4-bit model's measurement.
# `kata record --live` (with keys and a running Ollama) makes all three rows real.


@functools.cache
def _anthropic() -> anthropic.Anthropic:
    return anthropic.Anthropic()  # one client for the whole table: making one costs about 0.1 s


def run_claude(case: dict, model: str = CLAUDE) -> dict:
    """Run one eval case on a Claude model; return U10's result dict plus "latency_ms".

    Make ONE call: U10's request (model=model, max_tokens=MAX_TOKENS, system=SYSTEM, tools=TOOLS,
    one user message with the case's "input"; no other arguments), sent through the SDK's
    raw-response wrapper, `anthropic.Anthropic().messages.with_raw_response.create(...)`, which gives
    the response's headers as well as the Message. The result is your U10 `read_reply` of the Message
    plus "latency_ms": a float, the latency recorded with the response in its "x-kata-latency-ms"
    header. Do not time the call yourself: a cassette replays in microseconds.
    """
    raw = _anthropic().messages.with_raw_response.create(
        model=model, max_tokens=MAX_TOKENS, system=SYSTEM, tools=TOOLS,
        messages=[{"role": "user", "content": case["input"]}],
    )
    result = read_reply(raw.parse())  # the same result as U10's run_case
    result["latency_ms"] = float(raw.headers["x-kata-latency-ms"])  # written when the response was recorded
    return result


def run_ollama(case: dict, model: str = LOCAL_MODEL) -> dict:
    """Run one eval case on a local model through Ollama's HTTP API; return the same dict as run_claude.

    POST to "<host>/api/chat", host being the OLLAMA_HOST environment variable when set ("http://"
    put in front when it has no scheme, as Ollama does) and OLLAMA_DEFAULT_HOST otherwise, with
    exactly this JSON body: {"model": model, "messages": [{"role": "system", "content": SYSTEM},
    {"role": "user", "content": case["input"]}], "tools": OLLAMA_TOOLS, "stream": False}.
    From the reply's JSON:
      "text"          message.content, as it came ("" when missing);
      "tool", "args"  the function name and arguments of the first of message.tool_calls (None, None
                      when there is none);
      "stop_reason"   "tool_use" when there is a tool call, done_reason otherwise;
      "usage"         {"input_tokens": prompt_eval_count, "output_tokens": eval_count}, a count the reply
                      leaves out being 0 (older Ollama versions left prompt_eval_count out for a cached prompt);
      "latency_ms"    total_duration in milliseconds (Ollama measures it in nanoseconds).
    """
    host = os.environ.get("OLLAMA_HOST") or OLLAMA_DEFAULT_HOST
    host = host if "://" in host else f"http://{host}"
    body = {"model": model,
            "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": case["input"]}],
            "tools": OLLAMA_TOOLS, "stream": False}  # stream false: one JSON reply, not NDJSON lines
    response = requests.post(f"{host.rstrip('/')}/api/chat", json=body, timeout=300)
    response.raise_for_status()
    reply = response.json()
    message = reply["message"]
    call = (message.get("tool_calls") or [None])[0]
    return {
        "text": message.get("content") or "",
        "tool": call["function"]["name"] if call else None,
        "args": dict(call["function"]["arguments"]) if call else None,
        "stop_reason": "tool_use" if call else reply.get("done_reason"),
        "usage": {"input_tokens": reply.get("prompt_eval_count", 0), "output_tokens": reply.get("eval_count", 0)},
        "latency_ms": reply["total_duration"] / 1e6,  # Ollama's own clock, recorded in the body
    }


def cost_usd(model: str, usage: dict) -> float:
    """Dollars for one call (a float): its input and its output tokens, each at the model's price.

    PRICES_PER_MTOK[model] (kata.models, the one place prices live) is (input $, output $) per
    million tokens; `usage` is {"input_tokens": int, "output_tokens": int}.
    """
    price_in, price_out = PRICES_PER_MTOK[model]
    # Output tokens cost 3-5x input tokens: a cost that leaves them out flatters chatty models.
    return (usage["input_tokens"] * price_in + usage["output_tokens"] * price_out) / 1_000_000


def model_row(model: str, cases: list[dict]) -> dict:
    """Run every case on `model` once, in order, and return the model's row of the table.

    Run each case with run_ollama(case, model) when model is LOCAL_MODEL and run_claude(case, model)
    otherwise (look them up by name when you call them), and grade it with U10's grade(case, result).
    Return {"model": model, "latency_ms": the median of the results' latency_ms, "cost_usd": the
    mean cost_usd per case, "pass_rate": the share of cases that passed (0.0 to 1.0)}.
    """
    run = run_ollama if model == LOCAL_MODEL else run_claude
    results = [run_ollama(case, model) if model == LOCAL_MODEL else run_claude(case) for case in cases]  # MISTAKE: run_claude not given the model
    passed = [grade(case, result)[0] for case, result in zip(cases, results)]  # U10's grader decides
    return {
        "model": model,
        "latency_ms": statistics.median(result["latency_ms"] for result in results),
        "cost_usd": sum(cost_usd(model, result["usage"]) for result in results) / len(cases),
        "pass_rate": sum(passed) / len(cases),
    }


def three_model_table(cases: list[dict]) -> list[dict]:
    """The 3×3 table: model_row(model, cases) for each model of MODELS, in that order.

    With the shipped cassettes (the reference backend ignores the model name) the three pass-rates
    are equal; recorded live they measure the three models.
    """
    return [model_row(model, cases) for model in MODELS]


def cheapest_passing(table: list[dict], bar: float) -> dict | None:
    """The row to circle: the cheapest row of `table` whose pass_rate clears the bar; None when none does.

    Only rows with pass_rate >= bar count; of those, the lowest cost_usd wins, and the lower
    latency_ms breaks a tie in cost. Return that row (the dict itself).
    """
    clearing = [row for row in table if row["pass_rate"] >= bar]  # the bar first: cheap and wrong is not cheap
    return min(clearing, key=lambda row: (row["cost_usd"], row["latency_ms"]), default=None)


# --- Part 2: the lab — distil, quantize, measure (a real model, no API) --------------------------

# The student, in STUDENT_DIR: all-MiniLM-L6-v2 distilled (model2vec) into one 256-number vector per
# token, stored in float16. models/minilm-static/README.md says how it was made, and scripts/distil_student.py did it.

# The teacher, all-MiniLM-L6-v2, measured by scripts/distil_student.py (you need not install it).
TEACHER_BYTES = 90_868_376  # its weights on disk: model.safetensors, 22.7 M float32 numbers
TEACHER_MS_PER_TEXT = 36.5  # CPU ms per text, one at a time on one thread, on the maintainers' 2-core machine

# The lab table's rows, in order: the teacher, then the student as shipped and quantized.
LAB_MODELS = ("teacher", "student float16", "student int8", "student int4")


def load_student(folder=STUDENT_DIR) -> tuple[Tokenizer, np.ndarray]:
    """Return the student as (tokenizer, embeddings), read from `folder`.

    tokenizer: a `tokenizers.Tokenizer`, from the folder's tokenizer.json; embeddings: the numpy
    array of the folder's embeddings.npy, as stored (float16, one row per token id).
    """
    return Tokenizer.from_file(str(folder / "tokenizer.json")), np.load(folder / "embeddings.npy")


def static_embed(texts: list[str], tokenizer: Tokenizer, embeddings: np.ndarray, scales=None) -> np.ndarray:
    """Embed each text with the static student; return a float32 array of shape (len(texts), embeddings.shape[1]).

    A text's vector is the direction of the mean of the embedding rows of its token ids (the
    student's tokenizer adds no [CLS]/[SEP]: every id is a real token of the text), scaled to unit
    length, so a dot product is a cosine. Mean the rows as they are (their lengths carry weights the
    distillation baked in), then normalise. Each text is embedded on its own: its vector does not
    depend on the other texts of the batch. A text with no tokens ("") gets a vector of zeros (no NaN).
    When `scales` is given, `embeddings` holds quantized codes: the rows a text uses are dequantized
    with their scales first (see dequantize).
    """
    vectors = np.zeros((len(texts), embeddings.shape[1]), dtype=np.float32)
    for i, text in enumerate(texts):
        ids = tokenizer.encode(text).ids  # one text at a time: no batch-mates, no padding to average in
        if not ids:
            continue  # no token, no direction: leave the zero vector
        rows = embeddings[ids].astype(np.float32)
        if scales is not None:
            rows = dequantize(rows, scales[ids])  # only the rows this text uses leave their integers
        # The mean keeps the weights distillation baked into each row's length (frequent words are
        # short vectors); normalising rows before averaging would throw those weights away.
        mean = rows.mean(axis=0)
        norm = np.linalg.norm(mean)
        vectors[i] = mean / norm if norm else mean
    return vectors


def row_scales(matrix: np.ndarray, bits: int) -> np.ndarray:
    """One scale per row for symmetric quantization to signed `bits`-bit integers; float32, shape (rows,).

    A row's scale maps its largest absolute value onto the largest code, 2**(bits-1) - 1 (127 for
    int8, 7 for int4), so the row's extreme lands on the edge of the range. A row of zeros gets
    scale 1.0 (its codes are 0 whatever the scale).
    """
    top = 2 ** (bits - 1) - 1
    # Per row, not one scale for the matrix: a row of small numbers keeps its own fine steps
    # instead of rounding to zero on a grid sized for the matrix's largest value.
    largest = np.abs(np.asarray(matrix, dtype=np.float32)).max(axis=1)
    return np.where(largest > 0, largest / top, 1.0).astype(np.float32)


def quantize(matrix: np.ndarray, scales: np.ndarray, bits: int) -> np.ndarray:
    """Codes for `matrix`, one row at a time: np.int8 array of the matrix's shape.

    `scales` has one entry per row (from row_scales, or any other choice: a calibrated or shared
    scale). Each number becomes the integer nearest to it divided by its row's scale, clipped to the
    signed `bits`-bit range [-2**(bits-1), 2**(bits-1) - 1] (-128..127 for int8, -8..7 for int4).
    int4 codes are np.int8 too: two of them would share a byte on disk. (A value exactly half-way
    between two integers may round either way: np.rint rounds it to the even one.)
    Leave `matrix` as it is: the lab still measures the float16 student it was made from.
    """
    low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    codes = np.rint(np.asarray(matrix, dtype=np.float32) / np.asarray(scales, dtype=np.float32)[:, None])
    # Clip before the cast: an integer too big for its bits wraps around (int8: 130 becomes -126),
    # turning the largest values into large values of the opposite sign.
    return np.clip(codes, low, high).astype(np.int8)


def dequantize(codes: np.ndarray, scales: np.ndarray) -> np.ndarray:
    """Back to numbers: each row's codes times its scale, as float32 (the inverse of quantize, up
    to half a step of rounding).
    """
    return codes.astype(np.float32) * np.asarray(scales, dtype=np.float32)[:, None]


def stored_bytes(codes: np.ndarray, scales: np.ndarray, bits: int) -> int:
    """Bytes (an int) to store a quantized matrix: `bits` bits per code, rounded up to whole bytes
    (two int4 codes share a byte), plus the bytes of the scales themselves.
    """
    return math.ceil(codes.size * bits / 8) + int(np.asarray(scales).nbytes)


def retrieval_pass_rate(question_vectors, note_vectors, answers: list[int]) -> float:
    """The share of questions (a float, 0.0 to 1.0) whose answering note ranks FIRST by cosine (top-1).

    question_vectors: (q, d); note_vectors: (n, d); answers[i] is the row of note_vectors that
    answers question i. A question passes when the note with the highest cosine to it is its answer.
    Vectors from an API need not have length 1: compare by cosine, not by dot product. A vector of
    zeros (static_embed's empty text) has a cosine of 0 with every vector, never NaN. Top-1, not
    top-3: with ten notes, a top-3 hit accepts almost a third of the corpus and cannot tell two
    models apart.
    """
    questions = _unit_rows(question_vectors)
    notes = _unit_rows(note_vectors)
    best = np.argmax(questions @ notes.T, axis=1)  # each question's highest-cosine note
    return float(np.mean(best == np.asarray(answers)))


def _unit_rows(vectors) -> np.ndarray:
    matrix = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)


def lab_table(tokenizer: Tokenizer, embeddings: np.ndarray, questions: list[dict], notes) -> list[dict]:
    """The lab's table: one row per LAB_MODELS entry, in order, {"model", "bytes", "ms_per_text", "pass_rate"}.

    questions: the sample corpus's answerable questions ({"question", "note": "note06", ...});
    notes: its notes (kata.corpus.load_notes(): .id, .text). Every row embeds the same texts, the
    questions' texts then the notes' texts, and its pass_rate is retrieval_pass_rate of its vectors,
    each question's answer being its note's position among the notes.
      teacher:         ONE call, your U04 embed(texts) (the recording holds the teacher's vectors);
                       bytes TEACHER_BYTES, ms_per_text TEACHER_MS_PER_TEXT.
      student float16: static_embed of the embeddings as shipped; bytes embeddings.nbytes.
      student int8/4:  the embeddings quantized per row (row_scales, quantize) and embedded through
                       static_embed with their scales; bytes from stored_bytes.
    For the students, ms_per_text is the measured wall-clock time of their static_embed, in
    milliseconds per text. The shipped cassette holds all-MiniLM-L6-v2's vectors (the reference
    backend serves it): this student's own teacher. Recorded live, it would hold voyage-3's.
    """
    texts = [q["question"] for q in questions] + [note.text for note in notes]
    ids = [note.id for note in notes]
    answers = [ids.index(q["note"]) for q in questions]
    n = len(questions)
    teacher = np.asarray(embed(texts), dtype=np.float32)  # recorded: the teacher needs torch, you need not
    rows = [{"model": "teacher", "bytes": TEACHER_BYTES, "ms_per_text": TEACHER_MS_PER_TEXT,
             "pass_rate": retrieval_pass_rate(teacher[:n], teacher[n:], answers)}]
    students = [("student float16", embeddings, None, embeddings.nbytes)]
    for bits in (8, 4):
        scales = row_scales(embeddings, bits)
        codes = quantize(embeddings, scales, bits)
        students.append((f"student int{bits}", codes, scales, stored_bytes(codes, scales, bits)))
    for name, matrix, scales, size in students:
        started = time.perf_counter()  # a local model runs here, so its latency is measured here
        vectors = static_embed(texts, tokenizer, matrix, scales)
        ms = (time.perf_counter() - started) * 1000 / len(texts)
        rows.append({"model": name, "bytes": int(size), "ms_per_text": ms,
                     "pass_rate": retrieval_pass_rate(vectors[:n], vectors[n:], answers)})
    return rows


# --- Stretch: let the table pick production's model, and notice when it is out of date ---


def production_model(table: list[dict], bar: float, current: str = CLAUDE) -> str:
    """The model production should default to: the model of cheapest_passing(table, bar), or
    `current` when no row clears the bar (never switch to a model that fails it)."""
    row = cheapest_passing(table, bar)
    return row["model"] if row else current


def needs_rerun(table: list[dict], models=MODELS) -> list[str]:
    """The models of `models` that have no row in `table`, in the order of `models`: models that
    shipped since the table was made. Re-run the table before trusting production_model."""
    measured = {row["model"] for row in table}
    return [model for model in models if model not in measured]
