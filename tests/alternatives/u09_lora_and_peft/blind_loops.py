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


def gate(use_case: UseCase) -> tuple[int, str]:
    """Walk the gates in order; return (gate, one line why)."""
    bar = f"{use_case.bar:.0%}"
    steps = [
        (1, use_case.gate1_pass_rate, "a better prompt + 5 examples + a structured output"),
        (2, use_case.gate2_pass_rate, "a smaller model, same prompt"),
    ]
    for number, rate, what in steps:
        if rate is None:
            return number, f"stopped at Gate {number} — {what} not run yet, so it is a guess (bar {bar})"
        if rate >= use_case.bar:
            return number, f"solved at Gate {number} with {what} — {rate:.0%} vs a {bar} bar"
    labels = f"{use_case.labelled_examples:,}"
    if use_case.labelled_examples >= ENOUGH_LABELS:
        if use_case.single_consumer_gpu:
            return 3, f"passes Gate 3 — {labels} labels, QLoRA on a 4-bit quantized base (one consumer GPU)"
        return 3, f"passes Gate 3 — {labels} labels, LoRA"
    return 3, (f"stuck at Gate 3 — only {labels} labels of the {ENOUGH_LABELS:,} needed: "
               f"collect labels and grow the eval before any training")


def solved_before_training(use_cases: list[UseCase]) -> list[str]:
    """Stretch: names of use cases solved at Gate 1 or 2, in order."""
    names = []
    for uc in use_cases:
        number, _ = gate(uc)
        if number == 1:
            rate = uc.gate1_pass_rate
        elif number == 2:
            rate = uc.gate2_pass_rate
        else:
            continue
        if rate is not None and rate >= uc.bar:
            names.append(uc.name)
    return names


def lora_params(d_in: int, d_out: int, r: int) -> int:
    """A is r x d_in, B is d_out x r."""
    return r * d_in + d_out * r


def init_adapter(d_in: int, d_out: int, r: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A small random, B zeros."""
    rng = np.random.default_rng(seed)
    A = rng.normal(0.0, 1.0 / np.sqrt(d_in), size=(r, d_in))
    B = np.zeros((d_out, r))
    return A, B


def forward(W: np.ndarray, A: np.ndarray, B: np.ndarray, X: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """Base output plus scaled low-rank path, through A first."""
    base = X @ W.T
    low = X @ A.T          # n x r
    return base + scale * (low @ B.T)


def lora_gradients(W: np.ndarray, A: np.ndarray, B: np.ndarray, X: np.ndarray, Y: np.ndarray,
                   scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Exact gradients of the MSE with respect to A and B."""
    E = forward(W, A, B, X, scale) - Y
    G = 2.0 * E / E.size
    H = X @ A.T
    dB = scale * G.T @ H
    dA = scale * (G @ B).T @ X
    return dA, dB


def _mse(W, A, B, X, Y, scale):
    return float(np.mean((forward(W, A, B, X, scale) - Y) ** 2))


def train_adapter(W: np.ndarray, X: np.ndarray, Y: np.ndarray, r: int, alpha: float, steps: int, lr: float,
                  seed: int = 0) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """Plain gradient descent on A and B only."""
    d_out, d_in = W.shape
    A, B = init_adapter(d_in, d_out, r, seed)
    scale = alpha / r
    losses = [_mse(W, A, B, X, Y, scale)]
    for _ in range(steps):
        dA, dB = lora_gradients(W, A, B, X, Y, scale)
        A = A - lr * dA
        B = B - lr * dB
        losses.append(_mse(W, A, B, X, Y, scale))
    return A, B, losses


def merge(W: np.ndarray, A: np.ndarray, B: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """A new W + scale * B @ A."""
    return W + scale * (B @ A)
