"""What crossing the wall costs a big value, the process boundary left out: its encoding and decoding alone.

    uv run python benchmarks/codec.py

U05's property test hands `top_k` an index of 1,000 notes of 24 floats, and `to_matrix` the same vectors as a
list of lists. The judge encodes each, the learner's side decodes it (noting every object it made: values.Snapshot),
then after the call sees whether the call changed it (kata/learner/process.py's echo): by those objects' identity,
where it used to encode it again and compare (the last column, for the record). The median of 20 of each, in ms. No
target of its own: the wall's are in wall.py; this one shows where a big call's time goes.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kata.learner.values import Codec  # noqa: E402

RUNS = 20


def median_ms(step) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def crossing(value) -> tuple[float, float, float, float]:
    """(encode, decode, seen unchanged, encode again) for `value` as one argument of a call, in ms."""
    judge, learner = Codec(None, None, True, judge=True), Codec(None, None, True)

    def encode():
        judge.attached, judge.track = {}, []
        return judge.encode_arguments([value])

    data, attached = encode(), judge.attached

    def decode():
        learner.track, learner.arrived, learner.snapshots = [], attached, {}
        return learner.decode(data)

    args = decode()
    snapshot = learner.snapshots[id(args[0])]
    assert snapshot.holds(args[0])

    def encode_again():  # as the learner's side does after the call, to compare
        learner.attached, learner.came = {}, attached
        return learner.encode(args[0], "argument 1") != data[0]

    return median_ms(encode), median_ms(decode), median_ms(lambda: snapshot.holds(args[0])), median_ms(encode_again)


if __name__ == "__main__":
    vectors = np.random.default_rng(1).normal(size=(1000, 24)).tolist()
    index = [{"id": str(i), "text": f"document {i}", "vector": row} for i, row in enumerate(vectors)]
    for label, value in (("U05's index, 1,000 dicts of 24 floats", index), ("the same vectors as a list of lists", vectors)):
        encode, decode, seen, again = crossing(value)
        print(f"{label}: encode {encode:.2f}, decode {decode:.2f}, seen unchanged {seen:.2f} "
              f"(encoded again instead: {again:.2f}) ms")
