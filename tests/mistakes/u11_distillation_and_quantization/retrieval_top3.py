"""Counts a question as passed when its note is anywhere in the top 3, as U05's search did: with ten notes, a third of the corpus."""

import numpy as np

from solutions.u11_distillation_and_quantization import *  # noqa: F403  the reference, with one function done wrong


def retrieval_pass_rate(question_vectors, note_vectors, answers):
    q = np.asarray(question_vectors, dtype=np.float64)
    n = np.asarray(note_vectors, dtype=np.float64)
    scores = (q / np.linalg.norm(q, axis=1, keepdims=True)) @ (n / np.linalg.norm(n, axis=1, keepdims=True)).T
    top3 = np.argsort(-scores, axis=1)[:, :3]
    return float(np.mean([answer in row for answer, row in zip(answers, top3)]))
