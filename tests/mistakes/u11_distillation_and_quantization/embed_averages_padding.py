"""Pads the batch to its longest text and averages over every position: [PAD] rows are mixed into short texts."""

import numpy as np

from solutions.u11_distillation_and_quantization import *  # noqa: F403  the reference, with one function done wrong


def static_embed(texts, tokenizer, embeddings, scales=None):
    encodings = [tokenizer.encode(text).ids for text in texts]
    longest = max((len(ids) for ids in encodings), default=0)
    padded = np.array([ids + [0] * (longest - len(ids)) for ids in encodings], dtype=np.int64)  # 0 is [PAD]
    rows = embeddings[padded].astype(np.float32)  # (texts, longest, dims): one lookup for the whole batch
    if scales is not None:
        rows = rows * scales[padded][..., None]
    mean = rows.mean(axis=1)
    norms = np.linalg.norm(mean, axis=1, keepdims=True)
    return (mean / np.where(norms > 0, norms, 1.0)).astype(np.float32)
