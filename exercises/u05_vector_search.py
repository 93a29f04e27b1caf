"""U05 · Vector search.

Embed the corpus once and store the vectors. Embed the query and find the k nearest. Return the
matching ids. That is search. Build the smallest index that works, a plain list of
{id, text, vector} over the ten sample notes, rank it with your own `embed` and `cosine` from U04,
and check that five questions find the note that answers them. Stretch: the same ranking over
1,000 vectors as one numpy matrix product.

Run `uv run kata check 5` after each step; `uv run kata hint 5` when you are stuck.
"""

from __future__ import annotations

import numpy as np

from .u04_embeddings import cosine, embed

# Five questions about the sample corpus (sample-corpus/questions.jsonl), each with the one note that
# answers it. The first two are the course's own.
QUERIES = (
    ("Who is the executive sponsor?", "note01"),
    ("What is the contingency reserve?", "note05"),
    ("When is the new go-live date?", "note06"),
    ("Why did thousands of items fail to load during the trial import?", "note07"),
    ("Where will the system be hosted?", "note08"),
)


def build_index(notes) -> list[dict]:
    """Embed every note once; return the index: a list of one dict per note, in the notes' order.

    `notes` is a list of the sample corpus's notes (`from kata.corpus import load_notes`), each with `.id`
    ("note01") and `.text` (the whole file). Each entry has the keys "id" (the note's id), "text" (its
    text) and "vector" (the embedding of that text); more keys are yours to add. Embed all the texts
    with ONE call to your U04 `embed`, in the notes' order: the corpus is embedded once, here.
    """
    raise NotImplementedError('U05 · build_index() is not written yet: write it here, then run `uv run kata next 5` (stuck? `uv run kata hint 5`)')


def top_k(index: list[dict], query_vector: list[float], k: int = 3) -> list[str]:
    """Return the ids of the k entries of `index` most similar to `query_vector`, best first; a list of str.

    Similarity is your U04 `cosine` between `query_vector` and an entry's "vector". The result holds
    min(k, len(index)) different ids in order of falling cosine, and no entry left out scores higher
    than one kept (equal scores may go either way). `k` is 1 or more. `index` is left as it was: not
    reordered, not changed. No API call here: the vectors are given.
    """
    raise NotImplementedError('U05 · top_k() is not written yet: write it here, then run `uv run kata next 5` (stuck? `uv run kata hint 5`)')


def search(index: list[dict], query: str, k: int = 3) -> list[str]:
    """Return the ids of the k notes in `index` closest in meaning to the text `query`, best first.

    Rank as `top_k` does. Embed the query alone, with ONE call to your U04 `embed` on a list that
    holds just `query`. The notes were embedded once, by build_index:
    do not embed them again here.
    """
    raise NotImplementedError('U05 · search() is not written yet: write it here, then run `uv run kata next 5` (stuck? `uv run kata hint 5`)')


def run_queries(index: list[dict], queries=QUERIES, k: int = 3) -> list[dict]:
    """Search for each (question, expected id) of `queries`, in order; return one report row per question.

    Each row is a dict with the keys "question", "expected", "top" (the ids `search` gives for the
    question, with this k) and "hit" (the bool True when the expected id is in top, else False). The Verify
    line wants a hit for at least 4 of the 5 QUERIES.
    """
    raise NotImplementedError('U05 · run_queries() is not written yet: write it here, then run `uv run kata next 5` (stuck? `uv run kata hint 5`)')


# --- Stretch: the same ranking as matrix math, for 1,000 documents and more ---


def to_matrix(vectors: list[list[float]]) -> np.ndarray:
    """Stack n vectors of d numbers into an (n, d) float numpy array whose rows all have length 1.

    Each row keeps its vector's direction, scaled to length 1 (no vector is all zeros: each has a
    direction; n is 1 or more). Done once, when the index is built,
    this turns every later cosine into a plain dot product. Leave `vectors` as they are.
    """
    raise NotImplementedError('U05 · to_matrix() is not written yet: write it here, then run `uv run kata next 5` (stuck? `uv run kata hint 5`)')


def search_matrix(matrix: np.ndarray, query_vector: list[float], k: int = 3) -> list[int]:
    """Return the row numbers (ints) of the k rows of `matrix` most similar to `query_vector`, best first.

    `matrix` comes from `to_matrix`, so its rows have length 1; the query need not (it is not all
    zeros), and `k` is 1 or more. Score
    every row with numpy matrix math, not a Python loop over rows. The answer is the same rows, in
    the same order, as `top_k` gives for the same vectors (near-equal scores aside).
    """
    raise NotImplementedError('U05 · search_matrix() is not written yet: write it here, then run `uv run kata next 5` (stuck? `uv run kata hint 5`)')
