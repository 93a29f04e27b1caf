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
    """Walk the gates in order; return (gate, one line why). Table-driven: the first gate that settles it."""
    checks = (
        ("Gate 1", use_case.gate1_pass_rate, "a better prompt, 5 examples and a structured output"),
        ("Gate 2", use_case.gate2_pass_rate, "a smaller model on the same prompt"),
    )
    for number, (name, rate, how) in enumerate(checks, start=1):
        if rate is None:
            return number, f"{name} not run — {how} is untested, a guess against the {use_case.bar:.0%} bar; run it first"
        if rate >= use_case.bar:
            return number, f"solved at {name} with {how} — {rate:.0%} vs a {use_case.bar:.0%} bar"
    n = use_case.labelled_examples
    enough = n >= ENOUGH_LABELS
    if not enough:
        line = (f"Gate 3: both cheap gates fell short but {n:,} labels is under {ENOUGH_LABELS:,} — "
                "collect labels and grow the eval, no training yet")
    elif use_case.single_consumer_gpu:
        line = f"passes Gate 3 — {n:,} labels, QLoRA (4-bit quantized base, one consumer GPU)"
    else:
        line = f"passes Gate 3 — {n:,} labels, LoRA"
    return 3, line


def solved_before_training(use_cases: list[UseCase]) -> list[str]:
    """Stretch: names of use cases solved at Gate 1 or 2, in order (a 'solved' line, not a not-run one)."""
    out = []
    for uc in use_cases:
        number, line = gate(uc)
        if number in (1, 2) and line.startswith("solved"):
            out.append(uc.name)
    return out


def lora_params(d_in: int, d_out: int, r: int) -> int:
    """Count A's and B's numbers by building their shapes."""
    A, B = np.empty((r, d_in)), np.empty((d_out, r))
    return int(A.size + B.size)


def init_adapter(d_in: int, d_out: int, r: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Kaiming-uniform-style A in [-1/sqrt(d_in), 1/sqrt(d_in)] (std 1/sqrt(3 d_in)), B zeros."""
    bound = 1.0 / np.sqrt(d_in)
    A = np.random.default_rng(seed).uniform(-bound, bound, size=(r, d_in))
    B = np.zeros((d_out, r), dtype=A.dtype)
    return A, B


def forward(W: np.ndarray, A: np.ndarray, B: np.ndarray, X: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """Base path plus adapter path (r-wide bottleneck)."""
    Z = X @ A.T
    out = X @ W.T
    out = out + (Z @ B.T) * scale
    return out


def lora_gradients(W: np.ndarray, A: np.ndarray, B: np.ndarray, X: np.ndarray, Y: np.ndarray,
                   scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Backprop through out = X W^T + s (X A^T) B^T."""
    Z = X @ A.T                                   # n x r
    out = X @ W.T + scale * Z @ B.T
    dout = 2.0 * (out - Y) / out.size             # n x d_out
    dZ = scale * dout @ B                         # n x r
    dB = scale * dout.T @ Z                       # d_out x r
    dA = dZ.T @ X                                 # r x d_in
    return dA, dB


def train_adapter(W: np.ndarray, X: np.ndarray, Y: np.ndarray, r: int, alpha: float, steps: int, lr: float,
                  seed: int = 0) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """Each step records the loss at the point it starts from, then the final loss after the loop."""
    d_out, d_in = W.shape
    A, B = init_adapter(d_in, d_out, r, seed)
    scale = alpha / r
    losses: list[float] = []
    step = 0
    while True:
        residual = forward(W, A, B, X, scale) - Y
        losses.append(float(np.mean(residual ** 2)))
        if step == steps:
            break
        dA, dB = lora_gradients(W, A, B, X, Y, scale)
        A, B = A - lr * dA, B - lr * dB
        step += 1
    return A, B, losses


def merge(W: np.ndarray, A: np.ndarray, B: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """Copy W, then add the scaled adapter into the copy."""
    merged = np.array(W, dtype=np.result_type(W, A, B, float), copy=True)
    merged += scale * (B @ A)
    return merged
