"""Rounds to codes without clipping them: a value past the range wraps around (int8: 1000 becomes -24) or leaves -8..7."""

import numpy as np

from solutions.u11_distillation_and_quantization import *  # noqa: F403  the reference, with one function done wrong


def quantize(matrix, scales, bits):
    return np.rint(np.asarray(matrix, dtype=np.float32) / np.asarray(scales, dtype=np.float32)[:, None]).astype(np.int8)
