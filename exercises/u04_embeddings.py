"""U04 · Embeddings.

An embedding turns a text into a list of numbers, and texts that mean similar things land close
together. First get the numbers: one API call that embeds several sentences at once. Then write
cosine similarity yourself, and watch meaning turn into geometry: the cat and kitten sentences point
the same way, the car sentence does not.

Run `uv run kata check 4` after each step; `uv run kata hint 4` when you are stuck.
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


def embed(texts: list[str]) -> list[list[float]]:
    """Embed `texts`, a list of str; return one embedding (a list of floats) per text, in their order.

    `texts` holds at least one text, and may hold the same text twice (it gets its vector twice).
    All the vectors have the same length. Make exactly one API call for the whole list,
    `voyageai.Client().embed(texts, model=EMBEDDING_MODEL)`: the course's call, which sets no other
    option (input_type and the rest are yours to add or leave out). EMBEDDING_MODEL comes from
    kata.models ("voyage-3"). Return the vectors themselves, not the SDK's result object.
    """
    raise NotImplementedError('U04 · embed() is not written yet: write it here, then run `uv run kata next 4` (stuck? `uv run kata hint 4`)')


def cosine(a: list[float], b: list[float]) -> float:
    """Return the cosine similarity of vectors `a` and `b` (lists of numbers), a float.

    The cosine of the angle between them, as the course's step 3 defines it: 1 for the same direction,
    0 for a right angle, -1 for opposite; always in [-1, 1], even where rounding would overshoot (clamp
    it), and the same number both ways round, to the last bit. It depends on direction only: scaling
    either vector by a positive number leaves it unchanged (up to rounding, for numbers of everyday
    size: squaring 1e200 overflows a float, and you need not guard against that). The numbers may be
    ints or floats.
    Leave `a` and `b` as they are.
    Raise ValueError, with a message that says which problem it is, when the vectors have different
    lengths (give both numbers) or either of them is all zeros (say "zero": a zero vector has no
    direction); when both hold, either message will do.
    """
    raise NotImplementedError('U04 · cosine() is not written yet: write it here, then run `uv run kata next 4` (stuck? `uv run kata hint 4`)')
