"""U11 · Distillation & quantization (alternative design: batched tokenizing, segment sums, sort-based selection)."""

from __future__ import annotations

import functools
import math
import os
import re
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
    client = anthropic.Anthropic()
    raw = client.messages.with_raw_response.create(
        model=model, max_tokens=MAX_TOKENS, system=SYSTEM, tools=TOOLS,
        messages=[{"role": "user", "content": case["input"]}],
    )
    headers = raw.headers
    latency = float(headers["x-kata-latency-ms"])
    result = dict(read_reply(raw.parse()))
    result.update(latency_ms=latency)
    return result


def _chat_url() -> str:
    host = os.environ.get("OLLAMA_HOST", "").strip()
    if not host:
        host = OLLAMA_DEFAULT_HOST
    elif not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", host):
        host = "http://" + host
    return host.rstrip("/") + "/api/chat"


def run_ollama(case: dict, model: str = LOCAL_MODEL) -> dict:
    """Run one eval case on a local model through Ollama's HTTP API; return the same dict as run_claude."""
    payload = {
        "model": model,
        "messages": [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": case["input"]},
        ],
        "tools": OLLAMA_TOOLS,
        "stream": False,
    }
    data = requests.post(_chat_url(), json=payload).json()
    message = data["message"] if isinstance(data.get("message"), dict) else {}
    result = {"text": message.get("content") or "", "tool": None, "args": None,
              "stop_reason": data.get("done_reason")}
    for call in message.get("tool_calls") or []:
        result.update(tool=call["function"]["name"], args=call["function"]["arguments"], stop_reason="tool_use")
        break
    result["usage"] = {"input_tokens": int(data.get("prompt_eval_count") or 0),
                       "output_tokens": int(data.get("eval_count") or 0)}
    result["latency_ms"] = float(data["total_duration"]) / 1e6
    return result


def cost_usd(model: str, usage: dict) -> float:
    """Dollars for one call (a float): its input and its output tokens, each at the model's price."""
    input_price, output_price = PRICES_PER_MTOK[model]
    return usage["input_tokens"] / 1e6 * input_price + usage["output_tokens"] / 1e6 * output_price


def model_row(model: str, cases: list[dict]) -> dict:
    """Run every case on `model` once, in order, and return the model's row of the table."""
    stats = {"latency": [], "cost": [], "passed": []}
    for case in cases:
        result = (run_ollama if model == LOCAL_MODEL else run_claude)(case, model)
        stats["latency"].append(result["latency_ms"])
        stats["cost"].append(cost_usd(model, result["usage"]))
        stats["passed"].append(1.0 if grade(case, result)[0] else 0.0)
    return {"model": model,
            "latency_ms": float(np.median(stats["latency"])),
            "cost_usd": math.fsum(stats["cost"]) / len(cases),
            "pass_rate": math.fsum(stats["passed"]) / len(cases)}


def three_model_table(cases: list[dict]) -> list[dict]:
    """The 3×3 table: model_row(model, cases) for each model of MODELS, in that order."""
    return list(map(lambda model: model_row(model, cases), MODELS))


def cheapest_passing(table: list[dict], bar: float) -> dict | None:
    """The row to circle: the cheapest row of `table` whose pass_rate clears the bar; None when none does."""
    candidates = sorted((row for row in table if row["pass_rate"] >= bar),
                        key=lambda row: (row["cost_usd"], row["latency_ms"]))
    return candidates[0] if candidates else None


# --- Part 2: the lab — distil, quantize, measure (a real model, no API) --------------------------

TEACHER_BYTES = 90_868_376  # its weights on disk: model.safetensors, 22.7 M float32 numbers
TEACHER_MS_PER_TEXT = 36.5  # CPU ms per text, one at a time on one thread, on the maintainers' 2-core machine

LAB_MODELS = ("teacher", "student float16", "student int8", "student int4")

def load_student(folder=STUDENT_DIR) -> tuple[Tokenizer, np.ndarray]:
    """Return the student as (tokenizer, embeddings), read from `folder`."""
    folder = str(folder)
    with open(os.path.join(folder, "embeddings.npy"), "rb") as handle:
        embeddings = np.load(handle)
    with open(os.path.join(folder, "tokenizer.json"), encoding="utf-8") as handle:
        tokenizer = Tokenizer.from_str(handle.read())
    return tokenizer, embeddings


def static_embed(texts: list[str], tokenizer: Tokenizer, embeddings: np.ndarray, scales=None) -> np.ndarray:
    """Embed each text with the static student; float32 array (len(texts), embeddings.shape[1]).

    Design: encode the batch at once, gather every token's row into one flat array, and sum each
    text's segment with np.add.reduceat (texts stay independent: each segment is its own).
    """
    dim = embeddings.shape[1]
    out = np.zeros((len(texts), dim), dtype=np.float32)
    if not texts:
        return out
    id_lists = [encoding.ids for encoding in tokenizer.encode_batch(list(texts))]
    lengths = np.array([len(ids) for ids in id_lists])
    nonempty = np.flatnonzero(lengths)
    if nonempty.size == 0:
        return out
    flat = np.concatenate([np.asarray(id_lists[i], dtype=np.int64) for i in nonempty])
    if scales is None:
        rows = embeddings[flat].astype(np.float32)
    else:
        rows = dequantize(embeddings[flat], np.asarray(scales)[flat])
    starts = np.concatenate([[0], np.cumsum(lengths[nonempty])[:-1]])
    means = np.add.reduceat(rows, starts, axis=0) / lengths[nonempty][:, None]
    norms = np.linalg.norm(means, axis=1, keepdims=True)
    out[nonempty] = np.where(norms > 0, means / np.where(norms > 0, norms, 1.0), 0.0)
    return out


def row_scales(matrix: np.ndarray, bits: int) -> np.ndarray:
    """One scale per row for symmetric quantization to signed `bits`-bit integers; float32, shape (rows,)."""
    largest_code = float((1 << (bits - 1)) - 1)
    peaks = np.max(np.abs(np.asarray(matrix, dtype=np.float32)), axis=1)
    scales = peaks / largest_code
    scales[peaks == 0] = 1.0
    return scales.astype(np.float32)


def quantize(matrix: np.ndarray, scales: np.ndarray, bits: int) -> np.ndarray:
    """Codes for `matrix`, one row at a time: np.int8 array of the matrix's shape."""
    info = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1)
    codes = np.rint(np.asarray(matrix, dtype=np.float32) / np.reshape(scales, (-1, 1)).astype(np.float32))
    np.clip(codes, *info, out=codes)
    return codes.astype(np.int8)


def dequantize(codes: np.ndarray, scales: np.ndarray) -> np.ndarray:
    """Back to numbers: each row's codes times its scale, as float32."""
    return np.multiply(codes, np.reshape(scales, (-1, 1)), dtype=np.float32)


def stored_bytes(codes: np.ndarray, scales: np.ndarray, bits: int) -> int:
    """Bytes to store a quantized matrix: `bits` bits per code rounded up, plus the scales' bytes."""
    code_bits = int(np.prod(codes.shape)) * bits
    return code_bits // 8 + (1 if code_bits % 8 else 0) + int(np.asarray(scales).size * np.asarray(scales).itemsize)


def retrieval_pass_rate(question_vectors, note_vectors, answers: list[int]) -> float:
    """The share of questions whose answering note ranks FIRST by cosine (top-1)."""
    q = np.atleast_2d(np.asarray(question_vectors, dtype=np.float64))
    n = np.atleast_2d(np.asarray(note_vectors, dtype=np.float64))
    if not len(answers):
        return 0.0
    q_norm = np.linalg.norm(q, axis=1)
    n_norm = np.linalg.norm(n, axis=1)
    denom = np.outer(q_norm, n_norm)
    cosines = np.where(denom > 0, (q @ n.T) / np.where(denom > 0, denom, 1.0), 0.0)
    ranking = np.argsort(-cosines, axis=1, kind="stable")
    return sum(int(ranking[i, 0] == answer) for i, answer in enumerate(answers)) / len(answers)


def lab_table(tokenizer: Tokenizer, embeddings: np.ndarray, questions: list[dict], notes) -> list[dict]:
    """The lab's table: one row per LAB_MODELS entry, in order, {"model", "bytes", "ms_per_text", "pass_rate"}."""
    notes = list(notes)
    texts = [q["question"] for q in questions] + [note.text for note in notes]
    answers = [next(i for i, note in enumerate(notes) if note.id == q["note"]) for q in questions]
    nq = len(questions)

    teacher = np.array(embed(texts))
    table = {"teacher": (TEACHER_BYTES, TEACHER_MS_PER_TEXT, teacher)}

    variants = {"student float16": (embeddings, None, embeddings.nbytes)}
    for bits in (8, 4):
        scales = row_scales(embeddings, bits)
        codes = quantize(embeddings, scales, bits)
        variants[f"student int{bits}"] = (codes, scales, stored_bytes(codes, scales, bits))
    for name, (matrix, scales, size) in variants.items():
        started = time.perf_counter()
        vectors = static_embed(texts, tokenizer, matrix, scales)
        elapsed_ms = (time.perf_counter() - started) * 1000.0
        table[name] = (size, elapsed_ms / len(texts), vectors)

    return [{"model": name, "bytes": int(table[name][0]), "ms_per_text": float(table[name][1]),
             "pass_rate": retrieval_pass_rate(table[name][2][:nq], table[name][2][nq:], answers)}
            for name in LAB_MODELS]


# --- Stretch: let the table pick production's model, and notice when it is out of date ---


def production_model(table: list[dict], bar: float, current: str = CLAUDE) -> str:
    """The model of cheapest_passing(table, bar), or `current` when no row clears the bar."""
    chosen = cheapest_passing(table, bar)
    return current if chosen is None else chosen["model"]


def needs_rerun(table: list[dict], models=MODELS) -> list[str]:
    """The models of `models` that have no row in `table`, in the order of `models`."""
    return [model for model in models if all(row.get("model") != model for row in table)]
