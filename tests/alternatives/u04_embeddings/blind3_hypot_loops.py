"""U04 · Embeddings.

An embedding turns a text into a list of numbers, and texts that mean similar things land close
together. First get the numbers: one API call that embeds several sentences at once. Then write
cosine similarity yourself, and watch meaning turn into geometry: the cat and kitten sentences point
the same way, the car sentence does not.

Alternative 3: validation in a helper, math.hypot for the norms (no overflow), a reduce for the dot product.
"""

from __future__ import annotations

import functools
import math

import voyageai

from kata.models import EMBEDDING_MODEL

# Step 1 of the course: three sentences, (1) about cats, (2) about kittens, (3) about cars.
CATS = "My cat likes to sleep in the sun."
KITTENS = "My kitten likes to nap in the sun."
CARS = "My car needs new tires."

# The Stretch's adversarial pair: same topic, opposite sentiment.
GREAT = "cats are great"
TERRIBLE = "cats are terrible"


def _check(a: list[float], b: list[float]) -> None:
    errors = []
    if len(a) != len(b):
        errors.append("length mismatch: a has %d numbers, b has %d" % (len(a), len(b)))
    if not any(a):
        errors.append("a is a zero vector (all zeros): no direction to compare")
    if not any(b):
        errors.append("b is a zero vector (all zeros): no direction to compare")
    if errors:
        raise ValueError(" and ".join(errors))


def _norm(v: list[float]) -> float:
    # math.hypot with many arguments (3.8+) is exact-ish and cannot overflow or underflow midway.
    return math.hypot(*v)


def embed(texts: list[str]) -> list[list[float]]:
    """Embed `texts`, a list of str; return one embedding (a list of floats) per text, in their order.

    All the vectors have the same length. Make exactly one API call for the whole list,
    `voyageai.Client().embed(texts, model=EMBEDDING_MODEL)`: the course's call, which sets no other
    option (input_type and the rest are yours to add or leave out). EMBEDDING_MODEL comes from
    kata.models ("voyage-3"). Return the vectors themselves, not the SDK's result object.
    """
    client = voyageai.Client()
    embeddings = client.embed(texts, model=EMBEDDING_MODEL).embeddings
    return [[float(x) for x in vec] for vec in embeddings]


def cosine(a: list[float], b: list[float]) -> float:
    """Return the cosine similarity of vectors `a` and `b` (lists of numbers), a float.

    The cosine of the angle between them, as the course's step 3 defines it: 1 for the same direction,
    0 for a right angle, -1 for opposite; always in [-1, 1], and the same both ways round. It depends
    on direction only: scaling either vector by a positive number leaves it unchanged.
    Raise ValueError, with a message that says which problem it is, when the vectors have different
    lengths (give both) or either of them is all zeros (a zero vector has no direction).
    """
    _check(a, b)
    norm_a, norm_b = _norm(a), _norm(b)
    dot = functools.reduce(lambda acc, pair: acc + (pair[0] / norm_a) * (pair[1] / norm_b), zip(a, b), 0.0)
    if dot > 1.0:
        return 1.0
    if dot < -1.0:
        return -1.0
    return float(dot)
