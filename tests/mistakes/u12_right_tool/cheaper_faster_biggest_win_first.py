"""Walks the cheaper/faster ladder in the wrong order: quantization (the biggest saving) before caching."""

from solutions.u12_right_tool import *  # noqa: F403  the reference, with one function done wrong


def cheaper_faster_next(already_done):
    for step in ("quantization", "prompt caching", "distillation"):
        if step not in already_done:
            return step
    return None
