"""retrieval_pass_rate ranks notes by raw dot product instead of cosine, so vectors that are not unit length (an API's) rank by their length.

U11 · Distillation & quantization (otherwise the plain-loops version)."""

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

MODELS = (CLAUDE, CLAUDE_SMALL, LOCAL_MODEL)

CASE_IDS = ("weather-1", "weather-implicit", "math-1", "refuse-1", "over-refusal-phishing")

OLLAMA_DEFAULT_HOST = "http://localhost:11434"

OLLAMA_TOOLS = [
    {"type": "function",
     "function": {"name": tool["name"], "description": tool["description"], "parameters": tool["input_schema"]}}
    for tool in TOOLS
]


def run_claude(case: dict, model: str = CLAUDE) -> dict:
    """Run one eval case on a Claude model; return U10's result dict plus "latency_ms"."""
    raw = anthropic.Anthropic().messages.with_raw_response.create(
        model=model,
        max_tokens=MAX_TOKENS,
        system=SYSTEM,
        tools=TOOLS,
        messages=[{"role": "user", "content": case["input"]}],
    )
    message = raw.parse()
    result = read_reply(message)
    result["latency_ms"] = float(raw.headers["x-kata-latency-ms"])
    return result


def _ollama_host() -> str:
    host = os.environ.get("OLLAMA_HOST")
    if not host:
        return OLLAMA_DEFAULT_HOST
    if "://" not in host:
        host = "http://" + host
    return host.rstrip("/")


def run_ollama(case: dict, model: str = LOCAL_MODEL) -> dict:
    """Run one eval case on a local model through Ollama's HTTP API; return the same dict as run_claude."""
    body = {
        "model": model,
        "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": case["input"]}],
        "tools": OLLAMA_TOOLS,
        "stream": False,
    }
    response = requests.post(_ollama_host() + "/api/chat", json=body)
    response.raise_for_status()
    data = response.json()
    message = data.get("message") or {}
    text = message.get("content") or ""
    tool_calls = message.get("tool_calls") or []
    if tool_calls:
        function = tool_calls[0]["function"]
        tool, args = function["name"], function.get("arguments")
        stop_reason = "tool_use"
    else:
        tool, args = None, None
        stop_reason = data.get("done_reason")
    return {
        "text": text,
        "tool": tool,
        "args": args,
        "stop_reason": stop_reason,
        "usage": {"input_tokens": data.get("prompt_eval_count", 0), "output_tokens": data.get("eval_count", 0)},
        "latency_ms": data["total_duration"] / 1_000_000,
    }


def cost_usd(model: str, usage: dict) -> float:
    """Dollars for one call (a float): its input and its output tokens, each at the model's price."""
    price_in, price_out = PRICES_PER_MTOK[model]
    return (usage["input_tokens"] * price_in + usage["output_tokens"] * price_out) / 1_000_000


def model_row(model: str, cases: list[dict]) -> dict:
    """Run every case on `model` once, in order, and return the model's row of the table."""
    latencies = []
    total_cost = 0.0
    passed = 0
    for case in cases:
        if model == LOCAL_MODEL:
            result = run_ollama(case, model)
        else:
            result = run_claude(case, model)
        ok, _reason = grade(case, result)
        if ok:
            passed += 1
        latencies.append(result["latency_ms"])
        total_cost += cost_usd(model, result["usage"])
    return {
        "model": model,
        "latency_ms": statistics.median(latencies),
        "cost_usd": total_cost / len(cases),
        "pass_rate": passed / len(cases),
    }


def three_model_table(cases: list[dict]) -> list[dict]:
    """The 3×3 table: model_row(model, cases) for each model of MODELS, in that order."""
    table = []
    for model in MODELS:
        table.append(model_row(model, cases))
    return table


def cheapest_passing(table: list[dict], bar: float) -> dict | None:
    """The row to circle: the cheapest row of `table` whose pass_rate clears the bar; None when none does."""
    best = None
    for row in table:
        if row["pass_rate"] < bar:
            continue
        if best is None:
            best = row
        elif row["cost_usd"] < best["cost_usd"]:
            best = row
        elif row["cost_usd"] == best["cost_usd"] and row["latency_ms"] < best["latency_ms"]:
            best = row
    return best


# --- Part 2: the lab — distil, quantize, measure (a real model, no API) --------------------------

TEACHER_BYTES = 90_868_376  # its weights on disk: model.safetensors, 22.7 M float32 numbers
TEACHER_MS_PER_TEXT = 36.5  # CPU ms per text, one at a time on one thread, on the maintainers' 2-core machine

LAB_MODELS = ("teacher", "student float16", "student int8", "student int4")


def load_student(folder=STUDENT_DIR) -> tuple[Tokenizer, np.ndarray]:
    """Return the student as (tokenizer, embeddings), read from `folder`."""
    tokenizer = Tokenizer.from_file(os.path.join(str(folder), "tokenizer.json"))
    embeddings = np.load(os.path.join(str(folder), "embeddings.npy"))
    return tokenizer, embeddings


def static_embed(texts: list[str], tokenizer: Tokenizer, embeddings: np.ndarray, scales=None) -> np.ndarray:
    """Embed each text with the static student; float32 array (len(texts), embeddings.shape[1])."""
    out = np.zeros((len(texts), embeddings.shape[1]), dtype=np.float32)
    for i, text in enumerate(texts):
        ids = tokenizer.encode(text).ids
        if not ids:
            continue
        if scales is None:
            rows = embeddings[ids].astype(np.float32)
        else:
            rows = dequantize(embeddings[ids], np.asarray(scales)[ids])
        mean = rows.mean(axis=0)
        norm = float(np.linalg.norm(mean))
        if norm > 0:
            out[i] = mean / norm
    return out


def row_scales(matrix: np.ndarray, bits: int) -> np.ndarray:
    """One scale per row for symmetric quantization to signed `bits`-bit integers; float32, shape (rows,)."""
    top = 2 ** (bits - 1) - 1
    scales = np.ones(matrix.shape[0], dtype=np.float32)
    for i in range(matrix.shape[0]):
        biggest = float(np.max(np.abs(matrix[i].astype(np.float32)))) if matrix.shape[1] else 0.0
        if biggest > 0:
            scales[i] = biggest / top
    return scales


def quantize(matrix: np.ndarray, scales: np.ndarray, bits: int) -> np.ndarray:
    """Codes for `matrix`, one row at a time: np.int8 array of the matrix's shape."""
    low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    codes = np.zeros(matrix.shape, dtype=np.int8)
    for i in range(matrix.shape[0]):
        row = matrix[i].astype(np.float32) / np.float32(scales[i])
        codes[i] = np.clip(np.rint(row), low, high).astype(np.int8)
    return codes


def dequantize(codes: np.ndarray, scales: np.ndarray) -> np.ndarray:
    """Back to numbers: each row's codes times its scale, as float32."""
    out = np.empty(codes.shape, dtype=np.float32)
    for i in range(codes.shape[0]):
        out[i] = codes[i].astype(np.float32) * np.float32(scales[i])
    return out


def stored_bytes(codes: np.ndarray, scales: np.ndarray, bits: int) -> int:
    """Bytes to store a quantized matrix: `bits` bits per code rounded up, plus the scales' bytes."""
    return int(math.ceil(codes.size * bits / 8)) + int(np.asarray(scales).nbytes)


def retrieval_pass_rate(question_vectors, note_vectors, answers: list[int]) -> float:
    """The share of questions whose answering note ranks FIRST by cosine (top-1)."""
    questions = np.asarray(question_vectors, dtype=np.float64)
    notes = np.asarray(note_vectors, dtype=np.float64)
    if len(answers) == 0:
        return 0.0
    note_norms = np.linalg.norm(notes, axis=1)
    hits = 0
    for i, answer in enumerate(answers):
        q = questions[i]
        q_norm = np.linalg.norm(q)
        best, best_score = None, -math.inf
        for j in range(len(notes)):
            denom = q_norm * note_norms[j]
            score = float(q @ notes[j])
            if score > best_score:
                best, best_score = j, score
        if best == answer:
            hits += 1
    return hits / len(answers)


def lab_table(tokenizer: Tokenizer, embeddings: np.ndarray, questions: list[dict], notes) -> list[dict]:
    """The lab's table: one row per LAB_MODELS entry, in order, {"model", "bytes", "ms_per_text", "pass_rate"}."""
    note_ids = [note.id for note in notes]
    texts = [q["question"] for q in questions] + [note.text for note in notes]
    answers = [note_ids.index(q["note"]) for q in questions]
    nq = len(questions)

    rows = []
    teacher = np.asarray(embed(texts), dtype=np.float32)
    rows.append({"model": "teacher", "bytes": TEACHER_BYTES, "ms_per_text": TEACHER_MS_PER_TEXT,
                 "pass_rate": retrieval_pass_rate(teacher[:nq], teacher[nq:], answers)})

    start = time.perf_counter()
    vectors = static_embed(texts, tokenizer, embeddings)
    ms = (time.perf_counter() - start) * 1000 / len(texts)
    rows.append({"model": "student float16", "bytes": int(embeddings.nbytes), "ms_per_text": ms,
                 "pass_rate": retrieval_pass_rate(vectors[:nq], vectors[nq:], answers)})

    for name, bits in (("student int8", 8), ("student int4", 4)):
        scales = row_scales(embeddings, bits)
        codes = quantize(embeddings, scales, bits)
        start = time.perf_counter()
        vectors = static_embed(texts, tokenizer, codes, scales)
        ms = (time.perf_counter() - start) * 1000 / len(texts)
        rows.append({"model": name, "bytes": stored_bytes(codes, scales, bits), "ms_per_text": ms,
                     "pass_rate": retrieval_pass_rate(vectors[:nq], vectors[nq:], answers)})
    return rows


# --- Stretch: let the table pick production's model, and notice when it is out of date ---


def production_model(table: list[dict], bar: float, current: str = CLAUDE) -> str:
    """The model of cheapest_passing(table, bar), or `current` when no row clears the bar."""
    row = cheapest_passing(table, bar)
    if row is None:
        return current
    return row["model"]


def needs_rerun(table: list[dict], models=MODELS) -> list[str]:
    """The models of `models` that have no row in `table`, in the order of `models`."""
    present = []
    for row in table:
        present.append(row["model"])
    missing = []
    for model in models:
        if model not in present:
            missing.append(model)
    return missing
