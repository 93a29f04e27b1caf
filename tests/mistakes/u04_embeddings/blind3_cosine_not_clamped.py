"""Breaks cosine() 'always in [-1, 1]': no clamp after the division, so rounding gives 1.0000000000000002 for cosine([0.2, 0.8, 0.9], [0.2, 0.8, 0.9]).

U04 · Embeddings.

An embedding turns a text into a list of numbers, and texts that mean similar things land close
together. First get the numbers: one API call that embeds several sentences at once. Then write
cosine similarity yourself, and watch meaning turn into geometry: the cat and kitten sentences point
the same way, the car sentence does not.

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


def _unit(v: list[float]) -> list[float]:
    """v scaled to length 1; divided by its largest |x| first so huge or tiny numbers neither overflow nor vanish."""
    biggest = max(abs(x) for x in v)
    scaled = [x / biggest for x in v]
    length = math.sqrt(math.fsum(x * x for x in scaled))
    return [x / length for x in scaled]


def embed(texts: list[str]) -> list[list[float]]:
    """Embed `texts`, a list of str; return one embedding (a list of floats) per text, in their order.

    All the vectors have the same length. Make exactly one API call for the whole list,
    `voyageai.Client().embed(texts, model=EMBEDDING_MODEL)`: the course's call, which sets no other
    option (input_type and the rest are yours to add or leave out). EMBEDDING_MODEL comes from
    kata.models ("voyage-3"). Return the vectors themselves, not the SDK's result object.
    """
    result = voyageai.Client().embed(texts, model=EMBEDDING_MODEL)
    return [list(vector) for vector in result.embeddings]


def cosine(a: list[float], b: list[float]) -> float:
    """Return the cosine similarity of vectors `a` and `b` (lists of numbers), a float.

    The cosine of the angle between them, as the course's step 3 defines it: 1 for the same direction,
    0 for a right angle, -1 for opposite; always in [-1, 1], and the same both ways round. It depends
    on direction only: scaling either vector by a positive number leaves it unchanged.
    Raise ValueError, with a message that says which problem it is, when the vectors have different
    lengths (give both) or either of them is all zeros (a zero vector has no direction).
    """
    a, b = list(a), list(b)
    problems = []
    if len(a) != len(b):
        problems.append(f"the vectors have different lengths: {len(a)} and {len(b)}")
    for name, v in (("a", a), ("b", b)):
        if all(x == 0 for x in v):
            problems.append(f"vector {name} is all zeros (a zero vector has no direction)")
    if problems:
        raise ValueError("; ".join(problems))
    big_a = max(abs(x) for x in a)
    big_b = max(abs(x) for x in b)
    sa = [x / big_a for x in a]
    sb = [x / big_b for x in b]
    dot = sum(x * y for x, y in zip(sa, sb))
    return dot / (math.sqrt(sum(x * x for x in sa)) * math.sqrt(sum(y * y for y in sb)))
