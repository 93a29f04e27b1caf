"""Truncates toward zero instead of rounding to the nearest code: up to a whole step of error, not half."""

import numpy as np

from solutions.u11_distillation_and_quantization import *  # noqa: F403  the reference, with one function done wrong


def quantize(matrix, scales, bits):
    codes = np.asarray(matrix, dtype=np.float32) / np.asarray(scales, dtype=np.float32)[:, None]
    return np.clip(codes, -(2 ** (bits - 1)), 2 ** (bits - 1) - 1).astype(np.int8)  # astype cuts the fraction off
