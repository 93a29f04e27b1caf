"""U05 · Vector search — heapq.nlargest, comprehensions, argpartition for the stretch."""

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

import heapq


def build_index(notes) -> list[dict]:
    notes = list(notes)
    return [
        {"id": n.id, "text": n.text, "vector": v}
        for n, v in zip(notes, embed([n.text for n in notes]))
    ]


def top_k(index: list[dict], query_vector: list[float], k: int = 3) -> list[str]:
    if k <= 0:
        return []
    best = heapq.nlargest(k, index, key=lambda entry: cosine(query_vector, entry["vector"]))
    return [entry["id"] for entry in best]


def search(index: list[dict], query: str, k: int = 3) -> list[str]:
    (query_vector,) = embed([query])
    return top_k(index, query_vector, k=k)


def run_queries(index: list[dict], queries=QUERIES, k: int = 3) -> list[dict]:
    def row(question, expected):
        top = search(index, question, k=k)
        return {"question": question, "expected": expected, "top": top, "hit": expected in top}

    return [row(q, e) for q, e in queries]


# --- Stretch: the same ranking as matrix math, for 1,000 documents and more ---


def to_matrix(vectors: list[list[float]]) -> np.ndarray:
    m = np.asarray(vectors, dtype=np.float64)
    return m / np.sqrt(np.einsum("ij,ij->i", m, m))[:, None]


def search_matrix(matrix: np.ndarray, query_vector: list[float], k: int = 3) -> list[int]:
    n = matrix.shape[0]
    k = max(0, min(k, n))
    if k == 0:
        return []
    # Ordering does not change when the query is scaled, so its norm can be skipped.
    scores = matrix @ np.asarray(query_vector, dtype=np.float64)
    part = np.argpartition(-scores, k - 1)[:k]
    return [int(i) for i in part[np.argsort(-scores[part])]]
