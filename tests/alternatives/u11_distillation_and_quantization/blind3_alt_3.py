"""U11 · Distillation & quantization.

Two ways to make a model cheaper, each measured. First the course's table: a few rows of your U10
eval on Sonnet, Haiku and a 4-bit local model under Ollama, with latency, cost and pass-rate per
model, and the cheapest row that clears your bar circled. (The course's local model is
llama3.1:8b-instruct-q4_K_M; the kata's is SmolLM2-135M-Instruct at 4 bits, kata.models.LOCAL_MODEL,
because those weights are really here: its recorded row is a real model's, not a stand-in's.) Then a lab on a real model, offline: a
static student distilled from all-MiniLM-L6-v2 that you run with numpy (tokenize, look up, mean,
normalise), quantize to int8 and int4 yourself, and measure against its teacher on the sample corpus.

Run `kata check 11` after each step; `kata hint 11` when you are stuck.
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


from urllib.parse import urlsplit

_ANTHROPIC = None


def _anthropic():
    global _ANTHROPIC
    if _ANTHROPIC is None:
        _ANTHROPIC = anthropic.Anthropic()
    return _ANTHROPIC


def _chat_url() -> str:
    host = os.environ.get("OLLAMA_HOST") or OLLAMA_DEFAULT_HOST
    if not urlsplit(host).scheme or "://" not in host:
        host = f"http://{host}"
    return host.rstrip("/") + "/api/chat"


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
        model=model,
        max_tokens=MAX_TOKENS,
        system=SYSTEM,
        tools=TOOLS,
        messages=[{"role": "user", "content": [{"type": "text", "text": case["input"]}]}],
    )
    latency = float(raw.headers["x-kata-latency-ms"])
    return {**read_reply(raw.parse()), "latency_ms": latency}


def run_ollama(case: dict, model: str = LOCAL_MODEL) -> dict:
    """Run one eval case on a local model through Ollama's HTTP API; return the same dict as run_claude.

    POST to "<host>/api/chat", host being the OLLAMA_HOST environment variable when set ("http://"
    put in front when it has no scheme, as Ollama does) and OLLAMA_DEFAULT_HOST otherwise, with
    exactly this JSON body: {"model": model, "messages": [{"role": "system", "content": SYSTEM},
    {"role": "user", "content": case["input"]}], "tools": OLLAMA_TOOLS, "stream": False}.
    From the reply's JSON:
      "text"          message.content ("" when missing);
      "tool", "args"  the function name and arguments of the first of message.tool_calls (None, None
                      when there is none);
      "stop_reason"   "tool_use" when there is a tool call, done_reason otherwise;
      "usage"         {"input_tokens": prompt_eval_count, "output_tokens": eval_count}, a count the reply
                      leaves out being 0 (older Ollama versions left prompt_eval_count out for a cached prompt);
      "latency_ms"    total_duration in milliseconds (Ollama measures it in nanoseconds).
    """
    r = requests.post(
        _chat_url(),
        json={"model": model,
              "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": case["input"]}],
              "tools": OLLAMA_TOOLS,
              "stream": False},
        timeout=600,
    )
    r.raise_for_status()
    data = r.json()
    message = data.get("message") or {}
    text = message.get("content")
    if text is None:
        text = ""
    tool_calls = message.get("tool_calls") or []
    if tool_calls:
        tool = tool_calls[0]["function"]["name"]
        args = tool_calls[0]["function"]["arguments"]
        stop = "tool_use"
    else:
        tool, args, stop = None, None, data.get("done_reason")
    usage = {"input_tokens": data.get("prompt_eval_count") or 0, "output_tokens": data.get("eval_count") or 0}
    return {"text": text, "tool": tool, "args": args, "stop_reason": stop, "usage": usage,
            "latency_ms": float(data["total_duration"]) / 1e6}


def cost_usd(model: str, usage: dict) -> float:
    """Dollars for one call (a float): its input and its output tokens, each at the model's price.

    PRICES_PER_MTOK[model] (kata.models, the one place prices live) is (input $, output $) per
    million tokens; `usage` is {"input_tokens": int, "output_tokens": int}.
    """
    prices = PRICES_PER_MTOK[model]
    total = 0.0
    for tokens, price in zip((usage["input_tokens"], usage["output_tokens"]), prices):
        total += tokens * price / 1e6
    return total


def model_row(model: str, cases: list[dict]) -> dict:
    """Run every case on `model` once, in order, and return the model's row of the table.

    Run each case with run_ollama(case, model) when model is LOCAL_MODEL and run_claude(case, model)
    otherwise (look them up by name when you call them), and grade it with U10's grade(case, result).
    Return {"model": model, "latency_ms": the median of the results' latency_ms, "cost_usd": the
    mean cost_usd per case, "pass_rate": the share of cases that passed (0.0 to 1.0)}.
    """
    latency, cost, ok = [], 0.0, 0
    for case in cases:
        if model == LOCAL_MODEL:
            result = run_ollama(case, model)
        else:
            result = run_claude(case, model)
        if grade(case, result)[0]:
            ok += 1
        latency.append(result["latency_ms"])
        cost += cost_usd(model, result["usage"])
    n = len(cases)
    return {"model": model, "latency_ms": statistics.median(latency), "cost_usd": cost / n, "pass_rate": ok / n}


def three_model_table(cases: list[dict]) -> list[dict]:
    """The 3×3 table: model_row(model, cases) for each model of MODELS, in that order.

    With the shipped cassettes (the reference backend ignores the model name) the three pass-rates
    are equal; recorded live they measure the three models.
    """
    return list(map(lambda model: model_row(model, cases), MODELS))


def cheapest_passing(table: list[dict], bar: float) -> dict | None:
    """The row to circle: the cheapest row of `table` whose pass_rate clears the bar; None when none does.

    Only rows with pass_rate >= bar count; of those, the lowest cost_usd wins, and the lower
    latency_ms breaks a tie in cost. Return that row (the dict itself).
    """
    best = None
    for row in table:
        if row["pass_rate"] < bar:
            continue
        if best is None or (row["cost_usd"], row["latency_ms"]) < (best["cost_usd"], best["latency_ms"]):
            best = row
    return best


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
    import pathlib
    base = pathlib.Path(folder)
    return Tokenizer.from_file(str(base / "tokenizer.json")), np.load(str(base / "embeddings.npy"))


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
    vectors = []
    scales_arr = None if scales is None else np.asarray(scales, dtype=np.float32)
    for text in texts:
        ids = np.asarray(tokenizer.encode(text).ids, dtype=np.int64)
        if ids.size == 0:
            vectors.append(np.zeros(embeddings.shape[1], dtype=np.float32))
            continue
        if scales_arr is None:
            rows = embeddings[ids].astype(np.float32)
        else:
            rows = dequantize(embeddings[ids], scales_arr[ids])
        v = rows.sum(axis=0, dtype=np.float64) / ids.size
        length = np.sqrt(np.dot(v, v))
        vectors.append((v / length if length > 0 else np.zeros_like(v)).astype(np.float32))
    return np.stack(vectors).astype(np.float32) if vectors else np.zeros((0, embeddings.shape[1]), dtype=np.float32)


def row_scales(matrix: np.ndarray, bits: int) -> np.ndarray:
    """One scale per row for symmetric quantization to signed `bits`-bit integers; float32, shape (rows,).

    A row's scale maps its largest absolute value onto the largest code, 2**(bits-1) - 1 (127 for
    int8, 7 for int4), so the row's extreme lands on the edge of the range. A row of zeros gets
    scale 1.0 (its codes are 0 whatever the scale).
    """
    biggest_code = 2 ** (bits - 1) - 1
    result = np.empty(matrix.shape[0], dtype=np.float32)
    for i, row in enumerate(np.asarray(matrix, dtype=np.float32)):
        extreme = float(np.max(np.abs(row))) if row.size else 0.0
        result[i] = extreme / biggest_code if extreme > 0 else 1.0
    return result


def quantize(matrix: np.ndarray, scales: np.ndarray, bits: int) -> np.ndarray:
    """Codes for `matrix`, one row at a time: np.int8 array of the matrix's shape.

    `scales` has one entry per row (from row_scales, or any other choice: a calibrated or shared
    scale). Each number becomes the integer nearest to it divided by its row's scale, clipped to the
    signed `bits`-bit range [-2**(bits-1), 2**(bits-1) - 1] (-128..127 for int8, -8..7 for int4).
    int4 codes are np.int8 too: two of them would share a byte on disk.
    """
    half = 2 ** (bits - 1)
    q = np.floor(np.asarray(matrix, dtype=np.float64) / np.asarray(scales, dtype=np.float64)[:, None] + 0.5)
    return np.clip(q, -half, half - 1).astype(np.int8)


def dequantize(codes: np.ndarray, scales: np.ndarray) -> np.ndarray:
    """Back to numbers: each row's codes times its scale, as float32 (the inverse of quantize, up
    to half a step of rounding).
    """
    return codes.astype(np.float32) * np.asarray(scales, dtype=np.float32)[:, np.newaxis]


def stored_bytes(codes: np.ndarray, scales: np.ndarray, bits: int) -> int:
    """Bytes (an int) to store a quantized matrix: `bits` bits per code, rounded up to whole bytes
    (two int4 codes share a byte), plus the bytes of the scales themselves.
    """
    total_bits = codes.size * bits
    code_bytes = total_bits // 8 + (1 if total_bits % 8 else 0)
    return int(code_bytes + np.asarray(scales).nbytes)


def retrieval_pass_rate(question_vectors, note_vectors, answers: list[int]) -> float:
    """The share of questions (a float, 0.0 to 1.0) whose answering note ranks FIRST by cosine (top-1).

    question_vectors: (q, d); note_vectors: (n, d); answers[i] is the row of note_vectors that
    answers question i. A question passes when the note with the highest cosine to it is its answer.
    Vectors from an API need not have length 1: compare by cosine, not by dot product. A vector of
    zeros (static_embed's empty text) has a cosine of 0 with every vector, never NaN. Top-1, not
    top-3: with ten notes, a top-3 hit accepts almost a third of the corpus and cannot tell two
    models apart.
    """
    passed = 0
    notes = [np.asarray(v, dtype=np.float64) for v in note_vectors]
    note_len = [float(np.linalg.norm(v)) for v in notes]
    for q_vec, answer in zip(question_vectors, answers):
        q_vec = np.asarray(q_vec, dtype=np.float64)
        q_len = float(np.linalg.norm(q_vec))
        cos = [float(q_vec @ v) / (q_len * l) if q_len > 0 and l > 0 else 0.0 for v, l in zip(notes, note_len)]
        if int(np.argmax(cos)) == answer:
            passed += 1
    return passed / len(answers)


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
    notes = list(notes)
    q_texts = [q["question"] for q in questions]
    n_texts = [n.text for n in notes]
    texts = q_texts + n_texts
    order = [n.id for n in notes]
    answers = [order.index(q["note"]) for q in questions]

    def score(vecs):
        vecs = np.asarray(vecs)
        return retrieval_pass_rate(vecs[: len(q_texts)], vecs[len(q_texts):], answers)

    rows = []
    for name in LAB_MODELS:
        if name == "teacher":
            rows.append({"model": name, "bytes": TEACHER_BYTES, "ms_per_text": TEACHER_MS_PER_TEXT,
                         "pass_rate": score(embed(texts))})
            continue
        if name == "student float16":
            matrix, scales, size = embeddings, None, embeddings.nbytes
        else:
            bits = 8 if name.endswith("int8") else 4
            scales = row_scales(embeddings, bits)
            matrix = quantize(embeddings, scales, bits)
            size = stored_bytes(matrix, scales, bits)
        started = time.perf_counter()
        vecs = static_embed(texts, tokenizer, matrix, scales)
        ms = (time.perf_counter() - started) * 1000.0 / len(texts)
        rows.append({"model": name, "bytes": int(size), "ms_per_text": ms, "pass_rate": score(vecs)})
    return rows


# --- Stretch: let the table pick production's model, and notice when it is out of date ---


def production_model(table: list[dict], bar: float, current: str = CLAUDE) -> str:
    """The model production should default to: the model of cheapest_passing(table, bar), or
    `current` when no row clears the bar (never switch to a model that fails it)."""
    chosen = cheapest_passing(table, bar)
    return chosen["model"] if chosen is not None else current


def needs_rerun(table: list[dict], models=MODELS) -> list[str]:
    """The models of `models` that have no row in `table`, in the order of `models`: models that
    shipped since the table was made. Re-run the table before trusting production_model."""
    missing = []
    for model in models:
        if not any(row["model"] == model for row in table):
            missing.append(model)
    return missing
