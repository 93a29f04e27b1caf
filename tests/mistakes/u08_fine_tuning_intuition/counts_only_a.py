"""Stretch: counts one low-rank matrix per projection (d_model x rank) and forgets B (rank x d_model)."""

from solutions.u08_fine_tuning_intuition import *  # noqa: F403  the reference, with one function done wrong


def adapter_size_mb(n_layers, d_model, rank, bytes_per_param=2):
    return n_layers * 2 * d_model * rank * bytes_per_param / 1e6
