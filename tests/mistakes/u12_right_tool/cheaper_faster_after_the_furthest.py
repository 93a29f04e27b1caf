"""Goes on after the furthest step done: quantization done first means distillation next, caching skipped."""

from solutions.u12_right_tool import *  # noqa: F403  the reference, with one function done wrong


def cheaper_faster_next(already_done):
    done = [CHEAPER_FASTER.index(step) for step in already_done]  # noqa: F405
    after = max(done, default=-1) + 1
    return CHEAPER_FASTER[after] if after < len(CHEAPER_FASTER) else None  # noqa: F405
