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
    """Walk the use case through the gates in order; return (the gate it stopped at, one line saying why).

    Stop at the first rule that fits:
      1. gate1_pass_rate is None        -> (1, a line saying Gate 1 was not run yet).
         gate1_pass_rate >= bar         -> (1, "solved at Gate 1 with a structured output — 95% vs a 90% bar").
      2. gate2_pass_rate is None        -> (2, a line saying Gate 2 was not run yet).
         gate2_pass_rate >= bar         -> (2, "solved at Gate 2 with a smaller model — 91% vs a 90% bar").
      3. labelled_examples < ENOUGH_LABELS -> (3, "stopped at Gate 3 — 400 labels, short of 1,000: collect
                                               labels and grow the eval").
         single_consumer_gpu            -> (3, "passes Gate 3 — 1,400 labels, QLoRA on a 4-bit base for a
                                               single consumer GPU").
         otherwise                      -> (3, "passes Gate 3 — 1,400 labels, LoRA").
    The line is a single line that names its gate ("Gate 2") and the number that backs it: the pass
    rate that solved it as a whole percent, f"{rate:.0%}", or at Gate 3 the label count with a thousands
    comma, f"{n:,}". A gate not run is never "solved" and never "passes": it was not tested, so it is a
    guess. Short of labels, say where the work goes instead: collect labels, grow the eval. Name LoRA or
    QLoRA only when it is the answer, and a QLoRA line says why: a 4-bit base.
    """
    raise NotImplementedError('U09 · gate() is not written yet: write it here, then run `kata check 9` (stuck? `kata hint 9`)')


def solved_before_training(use_cases: list[UseCase]) -> list[str]:
    """Stretch: the names of the use cases that were solved at Gate 1 or Gate 2, in the order given.

    These are the wins: no training, and the hours go to data quality and evals (U10). A use case that
    stopped at Gate 1 or 2 because that gate was never run is not solved: it is still a guess.
    """
    raise NotImplementedError('U09 · solved_before_training() is not written yet: write it here, then run `kata check 9` (stuck? `kata hint 9`)')


# --- LoRA in numpy. A linear layer maps a batch X (n x d_in, one input per row) to X @ W.T (n x d_out),
# W being d_out x d_in. LoRA freezes W and learns B (d_out x r) and A (r x d_in) so that the layer
# becomes W + scale * B @ A, where scale = alpha / r and r is far smaller than d_in and d_out.


def lora_params(d_in: int, d_out: int, r: int) -> int:
    """The number of parameters a rank-r LoRA adapter trains on one d_out x d_in linear layer.

    The adapter is two matrices, A (r x d_in) and B (d_out x r). Their product B @ A has W's shape,
    but it is never trained as such; and W's own d_out * d_in numbers are frozen, so they do not count.
    """
    raise NotImplementedError('U09 · lora_params() is not written yet: write it here, then run `kata check 9` (stuck? `kata hint 9`)')


def init_adapter(d_in: int, d_out: int, r: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A fresh adapter (A, B) for a d_out x d_in layer.

    A is r x d_in, small random numbers (a standard deviation of at most 2 / sqrt(d_in)) drawn from
    np.random.default_rng(seed), e.g. `.normal(0, 1 / np.sqrt(d_in), (r, d_in))`: the same seed gives the
    same A, and a big A makes training blow up.
    B is d_out x r, all zeros, so B @ A = 0 and the adapted layer starts exactly equal to the base.
    """
    raise NotImplementedError('U09 · init_adapter() is not written yet: write it here, then run `kata check 9` (stuck? `kata hint 9`)')


def forward(W: np.ndarray, A: np.ndarray, B: np.ndarray, X: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """The adapted layer on a batch X (n x d_in): X @ W.T + scale * (X @ A.T) @ B.T, an n x d_out array.

    Go through A first (n x r), then B: the adapter's path never needs B @ A, which is as big as W.
    """
    raise NotImplementedError('U09 · forward() is not written yet: write it here, then run `kata check 9` (stuck? `kata hint 9`)')


def lora_gradients(W: np.ndarray, A: np.ndarray, B: np.ndarray, X: np.ndarray, Y: np.ndarray,
                   scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """The gradients (dA, dB) of the loss with respect to A and B; none for W, which is frozen.

    The loss is the mean squared error over every number of the output:
    mean((forward(W, A, B, X, scale) - Y) ** 2), Y being n x d_out. dA has A's shape (r x d_in), dB has
    B's shape (d_out x r). Work it out with the chain rule from the output back: the adapter's part of
    the output is scale * H @ B.T, where H = X @ A.T.
    """
    raise NotImplementedError('U09 · lora_gradients() is not written yet: write it here, then run `kata check 9` (stuck? `kata hint 9`)')


def train_adapter(W: np.ndarray, X: np.ndarray, Y: np.ndarray, r: int, alpha: float, steps: int, lr: float,
                  seed: int = 0) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """Fit a rank-r adapter beside the frozen W so that forward(W, A, B, X, alpha / r) approaches Y.

    Start from init_adapter(d_in, d_out, r, seed) with scale = alpha / r, then take `steps` steps of
    plain gradient descent on A and B only: A -= lr * dA and B -= lr * dB, both from lora_gradients at
    the same point. Never write to W, not even in place: it is the base that every adapter shares.
    Return (A, B, losses), where losses[k] is the mean squared error after k steps: steps + 1 numbers,
    losses[0] being the base layer's own loss.
    """
    raise NotImplementedError('U09 · train_adapter() is not written yet: write it here, then run `kata check 9` (stuck? `kata hint 9`)')


def merge(W: np.ndarray, A: np.ndarray, B: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """Fold the adapter into a new weight matrix, W + scale * B @ A, to serve with no extra matmul.

    Return a new array and leave W as it was: rolling the adapter back is then just using W again.
    """
    raise NotImplementedError('U09 · merge() is not written yet: write it here, then run `kata check 9` (stuck? `kata hint 9`)')
