"""Trains W too: each step also does W -= lr * dW, so the "adapter" is a full fine-tune in disguise."""

from solutions.u09_lora_and_peft import *  # noqa: F403  the reference, with one function done wrong
from solutions.u09_lora_and_peft import _mse


def train_adapter(W, X, Y, r, alpha, steps, lr, seed=0):
    d_out, d_in = W.shape
    scale = alpha / r
    A, B = init_adapter(d_in, d_out, r, seed)  # noqa: F405
    losses = [_mse(forward(W, A, B, X, scale), Y)]  # noqa: F405
    for _ in range(steps):
        dA, dB = lora_gradients(W, A, B, X, Y, scale)  # noqa: F405
        E = forward(W, A, B, X, scale) - Y  # noqa: F405
        W -= lr * (2 * E / E.size).T @ X  # "the base can learn a bit too"
        A -= lr * dA
        B -= lr * dB
        losses.append(_mse(forward(W, A, B, X, scale), Y))  # noqa: F405
    return A, B, losses
