"""Stretch: calls every sheet healthy, even one with Training rows in it."""

from solutions.u02_training_vs_inference import *  # noqa: F403  the reference, with one function done wrong


def verdict(sheet):
    return "Zero Training rows: the expected, healthy result. Your problems are RAG, prompts, and evals."
