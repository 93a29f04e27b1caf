"""U05 · Vector search — heapq.nlargest over positions, one helper per row.

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

import heapq


def _entry(note, vector) -> dict:
    return {"id": note.id, "text": note.text, "vector": list(vector)}


def build_index(notes) -> list[dict]:
    note_list = [note for note in notes]
    texts = [note.text for note in note_list]
    vectors = embed(texts)  # the one and only embedding call for the corpus
    index = []
    for i, note in enumerate(note_list):
        index.append(_entry(note, vectors[i]))
    return index


def _scores(index, query_vector):
    return [cosine(query_vector, entry["vector"]) for entry in index]


def top_k(index: list[dict], query_vector: list[float], k: int = 3) -> list[str]:
    if k <= 0 or not index:
        return []
    scores = _scores(index, query_vector)
    best = heapq.nlargest(k, range(len(index)), key=lambda i: scores[i])
    return [index[i]["id"] for i in best]


def search(index: list[dict], query: str, k: int = 3) -> list[str]:
    [query_vector] = embed([query])
    return top_k(index, query_vector, k=k)


def _row(index, question, expected, k):
    top = search(index, question, k=k)
    return {"question": question, "expected": expected, "top": top, "hit": bool(expected in top)}


def run_queries(index: list[dict], queries=QUERIES, k: int = 3) -> list[dict]:
    return [_row(index, question, expected, k) for question, expected in queries]


def to_matrix(vectors: list[list[float]]) -> np.ndarray:
    rows = []
    for vector in vectors:
        v = np.asarray(vector, dtype=np.float64)
        rows.append(v / np.sqrt(np.dot(v, v)))
    return np.vstack(rows)


def search_matrix(matrix: np.ndarray, query_vector: list[float], k: int = 3) -> list[int]:
    q = np.asarray(query_vector, dtype=np.float64)
    scores = matrix.dot(q) / np.linalg.norm(q)
    k = max(0, min(k, scores.shape[0]))
    if k == 0:
        return []
    part = np.argpartition(-scores, k - 1)[:k]
    part = part[np.argsort(-scores[part], kind="stable")]
    return part.tolist()
