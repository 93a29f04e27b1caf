"""Circles the cheapest row whatever its pass-rate: cheap and failing wins."""

from solutions.u11_distillation_and_quantization import *  # noqa: F403  the reference, with one function done wrong


def cheapest_passing(table, bar):
    return min(table, key=lambda row: (row["cost_usd"], row["latency_ms"]), default=None)
