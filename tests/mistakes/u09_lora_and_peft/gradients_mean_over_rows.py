"""Takes the mean over the n rows only, not over all n * d_out numbers: every gradient d_out times too big."""

from solutions.u09_lora_and_peft import *  # noqa: F403  the reference, with one function done wrong


def lora_gradients(W, A, B, X, Y, scale=1.0):
    E = forward(W, A, B, X, scale) - Y  # noqa: F405
    G = 2 * E / len(E)
    return scale * (G @ B).T @ X, scale * G.T @ (X @ A.T)
