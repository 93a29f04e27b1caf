"""U11 · Distillation & quantization (alternative: vectorised numpy and comprehensions)."""

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
    request = dict(model=model, max_tokens=MAX_TOKENS, system=SYSTEM, tools=TOOLS,
                   messages=[{"role": "user", "content": case["input"]}])
    raw = anthropic.Anthropic().messages.with_raw_response.create(**request)
    return {**read_reply(raw.parse()), "latency_ms": float(raw.headers.get("x-kata-latency-ms"))}


def run_ollama(case: dict, model: str = LOCAL_MODEL) -> dict:
    """Run one eval case on a local model through Ollama's HTTP API; return the same dict as run_claude."""
    host = os.environ.get("OLLAMA_HOST") or OLLAMA_DEFAULT_HOST
    host = host if host.startswith(("http://", "https://")) else f"http://{host}"
    reply = requests.post(
        f"{host.rstrip('/')}/api/chat",
        json={"model": model,
              "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": case["input"]}],
              "tools": OLLAMA_TOOLS, "stream": False},
    ).json()
    message = reply.get("message", {})
    call = next(iter(message.get("tool_calls") or []), None)
    return {
        "text": message.get("content") or "",
        "tool": call["function"]["name"] if call else None,
        "args": call["function"]["arguments"] if call else None,
        "stop_reason": "tool_use" if call else reply.get("done_reason"),
        "usage": {"input_tokens": reply.get("prompt_eval_count", 0), "output_tokens": reply.get("eval_count", 0)},
        "latency_ms": reply.get("total_duration", 0) / 1e6,
    }


def cost_usd(model: str, usage: dict) -> float:
    """Dollars for one call (a float): its input and its output tokens, each at the model's price."""
    prices = PRICES_PER_MTOK[model]
    tokens = (usage["input_tokens"], usage["output_tokens"])
    return float(sum(t * p for t, p in zip(tokens, prices)) / 1e6)


def model_row(model: str, cases: list[dict]) -> dict:
    """Run every case on `model` once, in order, and return the model's row of the table."""
    runner = globals()["run_ollama" if model == LOCAL_MODEL else "run_claude"]
    results = [runner(case, model) for case in cases]
    verdicts = [grade(case, result)[0] for case, result in zip(cases, results)]
    return {
        "model": model,
        "latency_ms": statistics.median(r["latency_ms"] for r in results),
        "cost_usd": statistics.fmean(cost_usd(model, r["usage"]) for r in results),
        "pass_rate": sum(map(bool, verdicts)) / len(verdicts),
    }


def three_model_table(cases: list[dict]) -> list[dict]:
    """The 3×3 table: model_row(model, cases) for each model of MODELS, in that order."""
    return [model_row(model, cases) for model in MODELS]


def cheapest_passing(table: list[dict], bar: float) -> dict | None:
    """The row to circle: the cheapest row of `table` whose pass_rate clears the bar; None when none does."""
    return min((row for row in table if row["pass_rate"] >= bar),
               key=lambda row: (row["cost_usd"], row["latency_ms"]), default=None)


# --- Part 2: the lab — distil, quantize, measure (a real model, no API) --------------------------

TEACHER_BYTES = 90_868_376  # its weights on disk: model.safetensors, 22.7 M float32 numbers
TEACHER_MS_PER_TEXT = 36.5  # CPU ms per text, one at a time on one thread, on the maintainers' 2-core machine

LAB_MODELS = ("teacher", "student float16", "student int8", "student int4")

def load_student(folder=STUDENT_DIR) -> tuple[Tokenizer, np.ndarray]:
    """Return the student as (tokenizer, embeddings), read from `folder`."""
    from pathlib import Path
    folder = Path(folder)
    return Tokenizer.from_file(str(folder / "tokenizer.json")), np.load(folder / "embeddings.npy")


def static_embed(texts: list[str], tokenizer: Tokenizer, embeddings: np.ndarray, scales=None) -> np.ndarray:
    """Embed each text with the static student; float32 array (len(texts), embeddings.shape[1]).

    Design: a bag-of-tokens count matrix times the (dequantized) rows the batch uses.
    """
    id_lists = [tokenizer.encode(text).ids for text in texts]
    used = np.unique(np.concatenate([np.asarray(ids, dtype=np.int64) for ids in id_lists] + [np.zeros(0, np.int64)]))
    if scales is None:
        table = embeddings[used].astype(np.float32)
    else:
        table = dequantize(embeddings[used], np.asarray(scales)[used])
    counts = np.zeros((len(texts), len(used)), dtype=np.float32)
    for i, ids in enumerate(id_lists):
        np.add.at(counts[i], np.searchsorted(used, ids), 1.0)
    lengths = counts.sum(axis=1, keepdims=True)
    means = (counts @ table) / np.maximum(lengths, 1.0)
    norms = np.linalg.norm(means, axis=1, keepdims=True)
    return np.divide(means, norms, out=np.zeros_like(means), where=norms > 0).astype(np.float32)


def row_scales(matrix: np.ndarray, bits: int) -> np.ndarray:
    """One scale per row for symmetric quantization to signed `bits`-bit integers; float32, shape (rows,)."""
    peak = np.abs(matrix.astype(np.float32)).max(axis=1)
    return np.where(peak > 0, peak / (2 ** (bits - 1) - 1), 1.0).astype(np.float32)


def quantize(matrix: np.ndarray, scales: np.ndarray, bits: int) -> np.ndarray:
    """Codes for `matrix`, one row at a time: np.int8 array of the matrix's shape."""
    scaled = matrix.astype(np.float32) / np.asarray(scales, dtype=np.float32)[:, None]
    return np.clip(np.round(scaled), -(2 ** (bits - 1)), 2 ** (bits - 1) - 1).astype(np.int8)


def dequantize(codes: np.ndarray, scales: np.ndarray) -> np.ndarray:
    """Back to numbers: each row's codes times its scale, as float32."""
    return (codes.astype(np.float32) * np.asarray(scales, dtype=np.float32)[:, None]).astype(np.float32)


def stored_bytes(codes: np.ndarray, scales: np.ndarray, bits: int) -> int:
    """Bytes to store a quantized matrix: `bits` bits per code rounded up, plus the scales' bytes."""
    return -(-codes.size * bits // 8) + np.asarray(scales).nbytes


def _unit_rows(vectors) -> np.ndarray:
    matrix = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)


def retrieval_pass_rate(question_vectors, note_vectors, answers: list[int]) -> float:
    """The share of questions whose answering note ranks FIRST by cosine (top-1)."""
    if len(answers) == 0:
        return 0.0
    top = np.argmax(_unit_rows(question_vectors) @ _unit_rows(note_vectors).T, axis=1)
    return float(np.mean(top == np.asarray(answers)))


def _timed(function, *args):
    start = time.perf_counter()
    value = function(*args)
    return value, (time.perf_counter() - start) * 1000


def lab_table(tokenizer: Tokenizer, embeddings: np.ndarray, questions: list[dict], notes) -> list[dict]:
    """The lab's table: one row per LAB_MODELS entry, in order, {"model", "bytes", "ms_per_text", "pass_rate"}."""
    position = {note.id: i for i, note in enumerate(notes)}
    texts = [q["question"] for q in questions] + [note.text for note in notes]
    answers = [position[q["note"]] for q in questions]
    split = len(questions)

    def rate(vectors):
        vectors = np.asarray(vectors)
        return retrieval_pass_rate(vectors[:split], vectors[split:], answers)

    rows = [{"model": LAB_MODELS[0], "bytes": TEACHER_BYTES, "ms_per_text": TEACHER_MS_PER_TEXT,
             "pass_rate": rate(embed(texts))}]
    vectors, ms = _timed(static_embed, texts, tokenizer, embeddings)
    rows.append({"model": LAB_MODELS[1], "bytes": embeddings.nbytes, "ms_per_text": ms / len(texts),
                 "pass_rate": rate(vectors)})
    for name, bits in zip(LAB_MODELS[2:], (8, 4)):
        scales = row_scales(embeddings, bits)
        codes = quantize(embeddings, scales, bits)
        vectors, ms = _timed(static_embed, texts, tokenizer, codes, scales)
        rows.append({"model": name, "bytes": stored_bytes(codes, scales, bits), "ms_per_text": ms / len(texts),
                     "pass_rate": rate(vectors)})
    return rows


# --- Stretch: let the table pick production's model, and notice when it is out of date ---


def production_model(table: list[dict], bar: float, current: str = CLAUDE) -> str:
    """The model of cheapest_passing(table, bar), or `current` when no row clears the bar."""
    return (cheapest_passing(table, bar) or {"model": current})["model"]


def needs_rerun(table: list[dict], models=MODELS) -> list[str]:
    """The models of `models` that have no row in `table`, in the order of `models`."""
    seen = {row["model"] for row in table}
    return [model for model in models if model not in seen]
