"""Breaks train_adapter() 'with scale = alpha / r': it takes the scale as alpha // r, rounded down to a whole number, so r=3 with alpha=8 trains at scale 2.0, not 2.67, and r=16 with alpha=8 at 0, where nothing moves (blind learner 30).

U09 · LoRA & PEFT.

Two halves. First the fine-tune-or-not gate as code: a UseCase holds what you measured at Gate 1 (a
better prompt + 5 examples + a structured output) and at Gate 2 (a smaller model, same prompt), and
gate() names the gate where the use case stopped, in one line backed by those numbers. Then LoRA itself,
in numpy: a frozen linear layer W with a low-rank adapter B·A beside it, trained by hand-written gradient
descent while W never moves, then merged back into W. Stretch: the use cases that never needed training.

Run `uv run kata check 9` after each step; `uv run kata hint 9` when you are stuck.
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

    Returns a tuple (1, 2 or 3, str). The gates, in order; the walk stops at the first that settles it:
      Gate 1  (a better prompt + 5 examples + a structured output): stops here when gate1_pass_rate
              was not run (None), or when it clears the bar (a rate equal to the bar clears it).
      Gate 2  (a smaller model, same prompt): the same with gate2_pass_rate.
      Gate 3  both cheap gates were run and fell short: LoRA only with labelled_examples >=
              ENOUGH_LABELS; QLoRA instead when single_consumer_gpu.
    The line is one line (no newline), names its gate as "Gate 1", "Gate 2" or "Gate 3" (it may
    mention the other gates too), and is backed by its number:
    - a gate that cleared the bar says "solved" and its pass rate as a whole percent, rounded to the
      nearest ("95%"; a rate exactly half-way may round either way); the bar may be named too;
    - a gate not run says so, in words that negate "run", "tested" or "tried" ("not run", "hasn't been
      run", "never tried", "untested"), needs no number, and never holds the words "solved" or
      "passes", not even as "not solved": an untested gate is a guess;
    - at Gate 3 the line names the label count with a thousands comma ("1,400"); with enough labels
      it says "passes" and names LoRA, or QLoRA and "4-bit" (the base it runs on); short of labels
      the letters "LoRA" appear nowhere in it (neither LoRA nor QLoRA), it never says "passes", and
      says where the work goes instead, both: collect (or gather) labels, and grow the eval (or the
      test set).
    E.g. "solved at Gate 1 with a structured output — 95% vs a 90% bar", "passes Gate 3 — 1,400
    labels, LoRA".
    """
    u = use_case
    # Gate 1, the cheapest fix. A gate you did not test is a guess, and a guess solves nothing.
    if u.gate1_pass_rate is None:
        return 1, "stopped at Gate 1 — not run yet: try a better prompt + 5 examples + a structured output"
    if u.gate1_pass_rate >= u.bar:
        return 1, f"solved at Gate 1 with a structured output — {u.gate1_pass_rate:.0%} vs a {u.bar:.0%} bar"
    # Gate 2: a smaller model with the same prompt, still no training.
    if u.gate2_pass_rate is None:
        return 2, f"stopped at Gate 2 — not run yet (Gate 1 got {u.gate1_pass_rate:.0%}): test a smaller model with that prompt"
    if u.gate2_pass_rate >= u.bar:
        return 2, f"solved at Gate 2 with a smaller model — {u.gate2_pass_rate:.0%} vs a {u.bar:.0%} bar"
    # Gate 3: both cheap gates failed. Training needs enough signal to move a model.
    measured = f"(Gate 1 {u.gate1_pass_rate:.0%}, Gate 2 {u.gate2_pass_rate:.0%}, bar {u.bar:.0%})"
    if u.labelled_examples < ENOUGH_LABELS:
        return 3, (f"stopped at Gate 3 — {u.labelled_examples:,} labels, short of {ENOUGH_LABELS:,}: "
                   f"collect labels and grow the eval {measured}")
    # QLoRA trains the same adapter over a 4-bit base, so the base fits on one consumer card.
    if u.single_consumer_gpu:
        return 3, (f"passes Gate 3 — {u.labelled_examples:,} labels, QLoRA on a 4-bit base for a single consumer "
                   f"GPU {measured}")
    return 3, f"passes Gate 3 — {u.labelled_examples:,} labels, LoRA {measured}"


def solved_before_training(use_cases: list[UseCase]) -> list[str]:
    """Stretch: the names of the use cases that were solved at Gate 1 or Gate 2, in the order given.

    These are the wins: no training, and the hours go to data quality and evals (U10). A use case that
    stopped at Gate 1 or 2 because that gate was never run is not solved: it is still a guess.
    """
    wins = []
    for u in use_cases:
        stop, _ = gate(u)
        # The gate where it stopped must have been run and cleared: a Gate 2 score after an unrun Gate 1 is no win.
        rate = {1: u.gate1_pass_rate, 2: u.gate2_pass_rate}.get(stop)
        if rate is not None and rate >= u.bar:
            wins.append(u.name)
    return wins


# --- LoRA in numpy. A linear layer maps a batch X (n x d_in, one input per row) to X @ W.T (n x d_out),
# W being d_out x d_in. LoRA freezes W and learns B (d_out x r) and A (r x d_in) so that the layer
# becomes W + scale * B @ A, where scale = alpha / r and r is far smaller than d_in and d_out.


def lora_params(d_in: int, d_out: int, r: int) -> int:
    """The number of parameters (an int) a rank-r LoRA adapter trains on one d_out x d_in linear layer.

    The adapter is the two low-rank matrices of the module's comment, A and B; count every number
    they hold. Their product has W's shape but is never trained as such, and W's own numbers are
    frozen, so neither counts.
    """
    # On a 4096 x 4096 attention projection: 0.39% of W at r=8, 0.78% at r=16, 1.56% at r=32, 3.1% at
    # r=64. The table's ~0.5–2% is the usual r of about 16 to 32 (exactly: 11 <= r <= 40).
    return r * d_in + d_out * r


def init_adapter(d_in: int, d_out: int, r: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A fresh adapter (A, B) for a d_out x d_in layer, as two numpy arrays.

    A: shape (r, d_in), small random numbers (a standard deviation of at most 2 / sqrt(d_in): a big
    A makes training blow up), drawn from np.random.default_rng(seed), so the same seed gives the
    same A and another seed another A, and numpy's global random state is left alone.
    B: shape (d_out, r), all zeros, so the adapted layer starts exactly equal to the base.
    """
    rng = np.random.default_rng(seed)
    A = rng.normal(0.0, 1.0 / np.sqrt(d_in), (r, d_in))
    # B = 0 makes step 0 the base model; A random makes B's first gradient non-zero, so training starts.
    B = np.zeros((d_out, r))
    return A, B


def forward(W: np.ndarray, A: np.ndarray, B: np.ndarray, X: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """The adapted layer on a batch X (n x d_in, one input per row); return an n x d_out array.

    The output is what the layer W + scale * B @ A gives for X (see the module's comment): the
    frozen base's output plus the scaled low-rank path. Compute the adapter's path without ever
    forming B @ A, which is as big as W: go through the rank-r bottleneck instead.
    """
    # Two thin matmuls through the rank-r bottleneck instead of one d_out x d_in matrix.
    return X @ W.T + scale * (X @ A.T) @ B.T


def _mse(Y_hat: np.ndarray, Y: np.ndarray) -> float:
    return float(np.mean((Y_hat - Y) ** 2))


def lora_gradients(W: np.ndarray, A: np.ndarray, B: np.ndarray, X: np.ndarray, Y: np.ndarray,
                   scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """The gradients (dA, dB) of the loss with respect to A and B; none for W, which is frozen.

    The loss is the mean squared error over every number of the output,
    mean((forward(W, A, B, X, scale) - Y) ** 2), Y being n x d_out. Return a tuple of two arrays,
    dA with A's shape (r x d_in) and dB with B's shape (d_out x r), exact (they must agree with
    finite differences). Work it out with the chain rule from the output back.
    """
    E = forward(W, A, B, X, scale) - Y
    G = 2 * E / E.size  # d loss / d output: the mean runs over every element, n * d_out of them
    H = X @ A.T  # the input squeezed through the rank-r bottleneck
    dB = scale * G.T @ H
    dA = scale * (G @ B).T @ X  # the gradient reaches A only through B: zero while B is still zero
    return dA, dB


def train_adapter(W: np.ndarray, X: np.ndarray, Y: np.ndarray, r: int, alpha: float, steps: int, lr: float,
                  seed: int = 0) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """Fit a rank-r adapter beside the frozen W so that forward(W, A, B, X, alpha / r) approaches Y.

    Start from init_adapter(d_in, d_out, r, seed), with scale = alpha / r, and take `steps` steps of
    plain gradient descent with learning rate `lr` on A and B only, both gradients taken at the same
    point. Never write to W, not even in place: it is the base that every adapter shares.
    Return (A, B, losses): losses is a list of steps + 1 floats, losses[k] the mean squared error
    after k steps, losses[0] the base layer's own loss, the last one that of W with the A and B
    returned.
    """
    d_out, d_in = W.shape
    scale = alpha // r
    A, B = init_adapter(d_in, d_out, r, seed)
    losses = [_mse(forward(W, A, B, X, scale), Y)]
    for _ in range(steps):
        dA, dB = lora_gradients(W, A, B, X, Y, scale)
        A -= lr * dA
        B -= lr * dB
        losses.append(_mse(forward(W, A, B, X, scale), Y))
    return A, B, losses


def merge(W: np.ndarray, A: np.ndarray, B: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """Fold the adapter into one weight matrix, to serve with no extra matmul; return it (d_out x d_in).

    X @ merged.T must equal forward(W, A, B, X, scale) for every X. Return a new array (never W
    itself, even when B is all zeros) and leave W as it was: rolling the adapter back is then just
    using W again.
    """
    # Not `W += ...`: the base stays shared, so another adapter can be merged into it tomorrow.
    return W + scale * B @ A
