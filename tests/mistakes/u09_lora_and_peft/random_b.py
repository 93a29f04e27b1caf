"""Initialises B randomly like A, so step 0 is already a different model from the base."""

import numpy as np

from solutions.u09_lora_and_peft import *  # noqa: F403  the reference, with one function done wrong


def init_adapter(d_in, d_out, r, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(0.0, 1.0 / np.sqrt(d_in), (r, d_in)), rng.normal(0.0, 1.0 / np.sqrt(r), (d_out, r))
