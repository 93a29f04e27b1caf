"""Quantizes with one scale for the whole matrix: rows of small numbers fall on a grid sized for the largest one."""

import numpy as np

from solutions.u11_distillation_and_quantization import *  # noqa: F403  the reference, with one function done wrong


def row_scales(matrix, bits):
    matrix = np.asarray(matrix, dtype=np.float32)
    largest = float(np.abs(matrix).max()) if matrix.size else 0.0
    scale = largest / (2 ** (bits - 1) - 1) if largest > 0 else 1.0
    return np.full(matrix.shape[0], scale, dtype=np.float32)
