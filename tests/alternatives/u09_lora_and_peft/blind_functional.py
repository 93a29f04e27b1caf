"""U09 · LoRA & PEFT.

Two halves. First the fine-tune-or-not gate as code: a UseCase holds what you measured at Gate 1 (a
better prompt + 5 examples + a structured output) and at Gate 2 (a smaller model, same prompt), and
gate() names the gate where the use case stopped, in one line backed by those numbers. Then LoRA itself,
in numpy: a frozen linear layer W with a low-rank adapter B·A beside it, trained by hand-written gradient
descent while W never moves, then merged back into W. Stretch: the use cases that never needed training.

Run `kata check 9` after each step; `kata hint 9` when you are stuck.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# The unit's table: approach -> (parameters trained, cost, reach for it).
PEFT_APPROACHES = {
    "Full fine-tune": ("100%", "$$$$", "Almost never as a team app developer."),
    "LoRA": ("~0.5–2%", "$$", "The default when you do fine-tune."),
    "QLoRA": ("~0.5–2% (on 4-bit quantized base)", "$", "Running on a single consumer GPU."),
    "Prompt-tuning": ("<0.1% (soft prompts only)", "$", "Research-grade. Rare in production."),
}

# Gate 3's entry ticket: labelled examples it takes to move a model (U08's "1,000+" row).
ENOUGH_LABELS = 1_000

# The share of a layer's parameters that a LoRA adapter trains, per the table: ~0.5–2%.
LORA_SHARE = (0.005, 0.02)


@dataclass(frozen=True)
class UseCase:
    """What you measured on one use case, gate by gate.

    A pass rate is the share of your eval cases that passed (0.0 to 1.0), or None when that gate's
    test has not been run yet.
    """

    name: str
    bar: float  # the pass rate that counts as fixed
    gate1_pass_rate: float | None  # your model with a better prompt + 5 examples + a structured (tool-use) output
    gate2_pass_rate: float | None  # a smaller model with that same prompt
    labelled_examples: int  # hand-labelled input -> output pairs in hand
    single_consumer_gpu: bool  # the fine-tune has to run on one consumer GPU, not a rented cluster


_GATE_WORK = {1: "a structured output", 2: "a smaller model"}


def _rate(use_case: UseCase, number: int) -> float | None:
    return (use_case.gate1_pass_rate, use_case.gate2_pass_rate)[number - 1]


def _settled(use_case: UseCase, number: int) -> bool:
    rate = _rate(use_case, number)
    return rate is None or rate >= use_case.bar


def gate(use_case: UseCase) -> tuple[int, str]:
    """Walk the gates in order; return (gate, one line why)."""
    number = next((n for n in (1, 2) if _settled(use_case, n)), 3)
    if number < 3:
        rate = _rate(use_case, number)
        if rate is None:
            return number, (f"Gate {number} hasn't been run: without a measured pass rate against the "
                            f"{round(use_case.bar * 100)}% bar, anything beyond it is a guess")
        return number, (f"solved at Gate {number} with {_GATE_WORK[number]} — "
                        f"{round(rate * 100)}% vs a {round(use_case.bar * 100)}% bar")
    n = use_case.labelled_examples
    if n < ENOUGH_LABELS:
        return 3, (f"Gate 3 not reached for training: {n:,} labels, fewer than {ENOUGH_LABELS:,} — "
                   "collect labels and grow the eval first")
    method = "QLoRA on a 4-bit base" if use_case.single_consumer_gpu else "LoRA"
    return 3, f"passes Gate 3 — {n:,} labels, {method}"


def solved_before_training(use_cases: list[UseCase]) -> list[str]:
    """Stretch: names of use cases solved at Gate 1 or 2, in order."""
    return [uc.name for uc in use_cases if (n := gate(uc)[0]) < 3 and _rate(uc, n) is not None]


def lora_params(d_in: int, d_out: int, r: int) -> int:
    """Numbers held by A (r x d_in) and B (d_out x r)."""
    return int(sum(np.prod(shape) for shape in ((r, d_in), (d_out, r))))


def init_adapter(d_in: int, d_out: int, r: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A small random, B zeros."""
    A = np.random.default_rng(seed).standard_normal((r, d_in)) / np.sqrt(d_in)
    return A, np.zeros((d_out, r))


def forward(W: np.ndarray, A: np.ndarray, B: np.ndarray, X: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """X W^T + scale X A^T B^T, via einsum."""
    return np.einsum("ni,oi->no", X, W) + scale * np.einsum("nr,or->no", np.einsum("ni,ri->nr", X, A), B)


def lora_gradients(W: np.ndarray, A: np.ndarray, B: np.ndarray, X: np.ndarray, Y: np.ndarray,
                   scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Chain rule, einsum style."""
    E = forward(W, A, B, X, scale) - Y
    G = (2.0 / E.size) * E                       # dL/dOut, n x d_out
    dB = scale * np.einsum("no,nr->or", G, np.einsum("ni,ri->nr", X, A))
    dA = scale * np.einsum("no,or,ni->ri", G, B, X)
    return dA, dB


def train_adapter(W: np.ndarray, X: np.ndarray, Y: np.ndarray, r: int, alpha: float, steps: int, lr: float,
                  seed: int = 0) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """Gradient descent; W only read."""
    A, B = init_adapter(W.shape[1], W.shape[0], r, seed)
    scale = alpha / r
    loss = lambda a, b: float(((forward(W, a, b, X, scale) - Y) ** 2).mean())
    losses = [loss(A, B)]
    for _ in range(steps):
        A, B = (p - lr * g for p, g in zip((A, B), lora_gradients(W, A, B, X, Y, scale)))
        losses.append(loss(A, B))
    return A, B, losses


def merge(W: np.ndarray, A: np.ndarray, B: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """A new array; W untouched."""
    return np.add(W, scale * np.einsum("or,ri->oi", B, A))
