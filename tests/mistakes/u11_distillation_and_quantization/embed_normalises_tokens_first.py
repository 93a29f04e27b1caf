"""Normalises each token's row before averaging: every token weighs the same, and "the" counts as much as "sponsor"."""

import numpy as np

from solutions.u11_distillation_and_quantization import *  # noqa: F403  the reference, with one function done wrong


def static_embed(texts, tokenizer, embeddings, scales=None):
    vectors = np.zeros((len(texts), embeddings.shape[1]), dtype=np.float32)
    for i, text in enumerate(texts):
        ids = tokenizer.encode(text).ids
        if ids:
            rows = embeddings[ids].astype(np.float32)
            if scales is not None:
                rows = dequantize(rows, scales[ids])  # noqa: F405
            rows /= np.linalg.norm(rows, axis=1, keepdims=True)
            mean = rows.mean(axis=0)
            vectors[i] = mean / np.linalg.norm(mean)
    return vectors
