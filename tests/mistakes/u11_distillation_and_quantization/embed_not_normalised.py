"""Sums the token rows and never normalises: a longer text gets a longer vector, and dot products stop being cosines."""

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
            vectors[i] = rows.sum(axis=0)
    return vectors
