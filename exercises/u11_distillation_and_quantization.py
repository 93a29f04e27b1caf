"""U11 · Distillation & quantization.

Two ways to make a model cheaper, each measured. First the course's table: a few rows of your U10
eval on Sonnet, Haiku and the 4-bit llama3.1 under Ollama, with latency, cost and pass-rate per
model, and the cheapest row that clears your bar circled. Then a lab on a real model, offline: a
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

# The table's models, biggest first: Sonnet 4.6, Haiku 4.5, and llama3.1 8B quantized to 4 bits.
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

# NOTE: the shipped cassettes come from the kata's reference backend, whose responder ignores the
# model name: all three rows get the same answers, so the same pass-rate. They show the method, not
# a measurement of those models; `kata record --live` (with keys and a running Ollama) makes them real.


def run_claude(case: dict, model: str = CLAUDE) -> dict:
    """Run one eval case on a Claude model; return U10's result dict plus its recorded latency.

    Make ONE call, U10's request through the SDK's raw-response wrapper (which also gives headers):
        anthropic.Anthropic().messages.with_raw_response.create(model=model, max_tokens=MAX_TOKENS,
            system=SYSTEM, tools=TOOLS, messages=[{"role": "user", "content": case["input"]}])
    with MAX_TOKENS, SYSTEM and TOOLS from U10 and no other arguments. `raw.parse()` is the Message:
    turn it into U10's result with your U10 `read_reply`, and add "latency_ms":
    float(raw.headers["x-kata-latency-ms"]), the latency recorded with the response. Do not time the call yourself: a cassette replays in microseconds.
    """
    raise NotImplementedError('U11 · run_claude() is not written yet: write it here, then run `kata check 11` (stuck? `kata hint 11`)')


def run_ollama(case: dict, model: str = LOCAL_MODEL) -> dict:
    """Run one eval case on a local model through Ollama's HTTP API; return the same dict as run_claude.

    POST to f"{host}/api/chat", where host is os.environ["OLLAMA_HOST"] when set (put "http://" in
    front when it has no scheme, as Ollama does) and OLLAMA_DEFAULT_HOST otherwise, with exactly
    this JSON body: {"model": model, "messages": [{"role": "system", "content": SYSTEM},
    {"role": "user", "content": case["input"]}], "tools": OLLAMA_TOOLS, "stream": False}
    (e.g. requests.post(url, json=body)). From the reply's JSON: "text" is message.content,
    "tool"/"args" are the function name and arguments of the first of message.tool_calls (None when
    there is none), "stop_reason" is "tool_use" when there is a tool call and done_reason otherwise,
    "usage" is {"input_tokens": prompt_eval_count, "output_tokens": eval_count}, and "latency_ms"
    is total_duration / 1e6 (Ollama measures it in nanoseconds).
    """
    raise NotImplementedError('U11 · run_ollama() is not written yet: write it here, then run `kata check 11` (stuck? `kata hint 11`)')


def cost_usd(model: str, usage: dict) -> float:
    """Dollars for one call: its input and output tokens at the model's prices.

    PRICES_PER_MTOK[model] (kata.models, the one place prices live) is (input $, output $) per
    million tokens. Return (input_tokens * input price + output_tokens * output price) / 1_000_000.
    """
    raise NotImplementedError('U11 · cost_usd() is not written yet: write it here, then run `kata check 11` (stuck? `kata hint 11`)')


def model_row(model: str, cases: list[dict]) -> dict:
    """Run every case on `model` once, in order, and return the model's row of the table.

    Run each case with run_ollama(case, model) when model is LOCAL_MODEL, run_claude(case, model)
    otherwise, and grade it with U10's grade(case, result). Return {"model": model,
    "latency_ms": the median of the results' latency_ms, "cost_usd": the mean of cost_usd(model,
    result["usage"]) over the cases (dollars per case), "pass_rate": passed cases / len(cases)}.
    """
    raise NotImplementedError('U11 · model_row() is not written yet: write it here, then run `kata check 11` (stuck? `kata hint 11`)')


def three_model_table(cases: list[dict]) -> list[dict]:
    """The 3×3 table: model_row(model, cases) for each model of MODELS, in that order.

    With the shipped cassettes (the reference backend ignores the model name) the three pass-rates
    are equal; recorded live they measure the three models.
    """
    raise NotImplementedError('U11 · three_model_table() is not written yet: write it here, then run `kata check 11` (stuck? `kata hint 11`)')


def cheapest_passing(table: list[dict], bar: float) -> dict | None:
    """The row to circle: the cheapest row of `table` whose pass_rate clears the bar.

    Consider only rows with pass_rate >= bar; of those, return the one with the lowest cost_usd,
    the lower latency_ms breaking a tie in cost. Return None when no row clears the bar.
    """
    raise NotImplementedError('U11 · cheapest_passing() is not written yet: write it here, then run `kata check 11` (stuck? `kata hint 11`)')


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

    tokenizer: Tokenizer.from_file(str(folder / "tokenizer.json")) (the `tokenizers` package);
    embeddings: np.load(folder / "embeddings.npy"), float16, one row per token id.
    """
    raise NotImplementedError('U11 · load_student() is not written yet: write it here, then run `kata check 11` (stuck? `kata hint 11`)')


def static_embed(texts: list[str], tokenizer: Tokenizer, embeddings: np.ndarray, scales=None) -> np.ndarray:
    """Embed each text with the static student: tokenize, look up, mean, normalise.

    For each text, on its own: ids = tokenizer.encode(text).ids (the student's tokenizer adds no
    [CLS]/[SEP] and no padding: every id is a real token of the text); look up those rows of
    `embeddings` as float32; when `scales` is given, `embeddings` holds quantized codes, so
    dequantize just the rows you looked up (dequantize(codes[ids], scales[ids])). The text's
    vector is the mean of its rows divided by the mean's L2 norm (unit length: a dot product is
    then a cosine). A text with no tokens ("") gets a vector of zeros. Return a float32 array of
    shape (len(texts), embeddings.shape[1]).
    """
    raise NotImplementedError('U11 · static_embed() is not written yet: write it here, then run `kata check 11` (stuck? `kata hint 11`)')


def row_scales(matrix: np.ndarray, bits: int) -> np.ndarray:
    """One scale per row for symmetric quantization to signed `bits`-bit integers.

    A row's scale is its largest absolute value divided by the largest code, 2**(bits-1) - 1
    (127 for int8, 7 for int4), so the row's extreme lands on the edge of the range. A row of zeros
    gets scale 1.0 (its codes are 0 whatever the scale). Return float32, shape (rows,).
    """
    raise NotImplementedError('U11 · row_scales() is not written yet: write it here, then run `kata check 11` (stuck? `kata hint 11`)')


def quantize(matrix: np.ndarray, scales: np.ndarray, bits: int) -> np.ndarray:
    """Codes for `matrix`: round(matrix / scale of its row), clipped to the signed `bits`-bit range.

    scales has one entry per row (from row_scales, or any other choice: a calibrated or shared
    scale). Divide each row by its scale, round to the nearest integer, clip to
    [-2**(bits-1), 2**(bits-1) - 1] (-128..127 for int8, -8..7 for int4), and return np.int8 codes
    (int4 codes too: two of them would share a byte on disk).
    """
    raise NotImplementedError('U11 · quantize() is not written yet: write it here, then run `kata check 11` (stuck? `kata hint 11`)')


def dequantize(codes: np.ndarray, scales: np.ndarray) -> np.ndarray:
    """Back to numbers: each row's codes times its scale, as float32 (the inverse of quantize, up
    to half a step of rounding)."""
    raise NotImplementedError('U11 · dequantize() is not written yet: write it here, then run `kata check 11` (stuck? `kata hint 11`)')


def stored_bytes(codes: np.ndarray, scales: np.ndarray, bits: int) -> int:
    """Bytes to store a quantized matrix: `bits` bits per code, rounded up to whole bytes (two int4
    codes share a byte), plus the bytes of the scales themselves (scales.nbytes)."""
    raise NotImplementedError('U11 · stored_bytes() is not written yet: write it here, then run `kata check 11` (stuck? `kata hint 11`)')


def retrieval_pass_rate(question_vectors, note_vectors, answers: list[int]) -> float:
    """The share of questions whose answering note ranks FIRST by cosine (top-1).

    question_vectors: (q, d); note_vectors: (n, d); answers[i] is the row of note_vectors that
    answers question i. Score every question against every note by cosine (normalise the rows of
    both, then one matrix product; vectors from an API need not have length 1); a question passes
    when its highest-scoring note is its answer. Top-1, not top-3: with ten notes, a top-3 hit
    accepts almost a third of the corpus and cannot tell two models apart.
    """
    raise NotImplementedError('U11 · retrieval_pass_rate() is not written yet: write it here, then run `kata check 11` (stuck? `kata hint 11`)')


def lab_table(tokenizer: Tokenizer, embeddings: np.ndarray, questions: list[dict], notes) -> list[dict]:
    """The lab's table: one row per LAB_MODELS entry, {"model", "bytes", "ms_per_text", "pass_rate"}.

    questions: the sample corpus's answerable questions ({"question", "note": "note06", ...});
    notes: its notes (kata.corpus.load_notes(): .id, .text). texts = the questions' texts, then the
    notes' texts; answers = for each question, the position of its note's id among the notes.
      teacher:         ONE call, embed(texts) (U04's, which records the teacher's vectors), split
                       into questions and notes; bytes TEACHER_BYTES; ms_per_text TEACHER_MS_PER_TEXT.
      student float16: static_embed(texts, tokenizer, embeddings); bytes embeddings.nbytes.
      student int8/4:  scales = row_scales(embeddings, bits), codes = quantize(embeddings, scales,
                       bits); static_embed(texts, tokenizer, codes, scales);
                       bytes stored_bytes(codes, scales, bits).
    For the students, ms_per_text is the wall-clock time of that static_embed call (time.perf_counter)
    in milliseconds divided by len(texts). pass_rate is retrieval_pass_rate for every row.
    The shipped cassette holds all-MiniLM-L6-v2's vectors (the reference backend serves it): this
    student's own teacher. Recorded live, the teacher row would hold voyage-3's instead.
    """
    raise NotImplementedError('U11 · lab_table() is not written yet: write it here, then run `kata check 11` (stuck? `kata hint 11`)')


# --- Stretch: let the table pick production's model, and notice when it is out of date ---


def production_model(table: list[dict], bar: float, current: str = CLAUDE) -> str:
    """The model production should default to: the model of cheapest_passing(table, bar), or
    `current` when no row clears the bar (never switch to a model that fails it)."""
    raise NotImplementedError('U11 · production_model() is not written yet: write it here, then run `kata check 11` (stuck? `kata hint 11`)')


def needs_rerun(table: list[dict], models=MODELS) -> list[str]:
    """The models of `models` that have no row in `table`, in the order of `models`: models that
    shipped since the table was made. Re-run the table before trusting production_model."""
    raise NotImplementedError('U11 · needs_rerun() is not written yet: write it here, then run `kata check 11` (stuck? `kata hint 11`)')
