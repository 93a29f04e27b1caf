"""top_k breaks 'Similarity is your U04 cosine' -- it ranks by the raw dot product, which agrees only when all vectors have length 1.

U05 · Vector search.

Embed the corpus once and store the vectors. Embed the query and find the k nearest. Return the
matching ids. That is search. Build the smallest index that works, a plain list of
{id, text, vector} over the ten sample notes, rank it with your own `embed` and `cosine` from U04,
and check that five questions find the note that answers them. Stretch: the same ranking over
1,000 vectors as one numpy matrix product.
"""

from __future__ import annotations

import numpy as np

from .u04_embeddings import cosine, embed

QUERIES = (
    ("Who is the executive sponsor?", "note01"),
    ("What is the contingency reserve?", "note05"),
    ("When is the new go-live date?", "note06"),
    ("Why did thousands of items fail to load during the trial import?", "note07"),
    ("Where will the system be hosted?", "note08"),
)


def build_index(notes) -> list[dict]:
    """Embed every note once; return the index: one {id, text, vector} dict per note, in order."""
    notes = list(notes)
    vectors = embed([note.text for note in notes])
    return [
        {"id": note.id, "text": note.text, "vector": vector}
        for note, vector in zip(notes, vectors)
    ]


def top_k(index: list[dict], query_vector: list[float], k: int = 3) -> list[str]:
    """Ids of the k entries most similar to query_vector by cosine, best first."""
    scored = [(sum(a * b for a, b in zip(query_vector, entry["vector"])), position) for position, entry in enumerate(index)]
    scored.sort(key=lambda pair: pair[0], reverse=True)
    return [index[position]["id"] for _, position in scored[: max(k, 0)]]


def search(index: list[dict], query: str, k: int = 3) -> list[str]:
    """Embed the query alone (one call) and rank the index as top_k does."""
    query_vector = embed([query])[0]
    return top_k(index, query_vector, k)


def run_queries(index: list[dict], queries=QUERIES, k: int = 3) -> list[dict]:
    """One report row per (question, expected id), in order."""
    rows = []
    for question, expected in queries:
        top = search(index, question, k)
        rows.append({"question": question, "expected": expected, "top": top, "hit": expected in top})
    return rows


def to_matrix(vectors: list[list[float]]) -> np.ndarray:
    """(n, d) float array, every row scaled to length 1."""
    matrix = np.array(vectors, dtype=float)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / norms


def search_matrix(matrix: np.ndarray, query_vector: list[float], k: int = 3) -> list[int]:
    """Row numbers of the k rows most similar to query_vector, best first."""
    query = np.asarray(query_vector, dtype=float)
    scores = matrix @ (query / np.linalg.norm(query))
    order = np.argsort(-scores, kind="stable")[: max(k, 0)]
    return [int(row) for row in order]
