"""U05 · Vector search — a small ranker class collecting (score, id) pairs, ids and texts gathered in one loop.

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

from operator import itemgetter


class _Ranker:
    """A tiny helper: keeps (score, id) pairs and hands back the best k ids."""

    def __init__(self):
        self.pairs = []

    def add(self, score: float, entry_id: str) -> None:
        self.pairs.append((score, entry_id))

    def best(self, k: int) -> list[str]:
        ranked = sorted(self.pairs, key=itemgetter(0), reverse=True)
        return [entry_id for _, entry_id in ranked][:k] if k > 0 else []


def build_index(notes) -> list[dict]:
    ids, texts = [], []
    for note in notes:
        ids.append(note.id)
        texts.append(note.text)
    vectors = embed(texts)
    return [dict(id=i, text=t, vector=v) for i, t, v in zip(ids, texts, vectors)]


def top_k(index: list[dict], query_vector: list[float], k: int = 3) -> list[str]:
    ranker = _Ranker()
    for entry in index:
        ranker.add(cosine(entry["vector"], query_vector), entry["id"])
    return ranker.best(k)


def search(index: list[dict], query: str, k: int = 3) -> list[str]:
    vectors = embed([query])
    return top_k(index, vectors[0], k)


def run_queries(index: list[dict], queries=QUERIES, k: int = 3) -> list[dict]:
    report = []
    for question, expected in queries:
        ids = search(index, question, k)
        hit = False
        for found in ids:
            if found == expected:
                hit = True
        report.append(dict(question=question, expected=expected, top=ids, hit=hit))
    return report


def to_matrix(vectors: list[list[float]]) -> np.ndarray:
    m = np.asarray(vectors, dtype=float).copy()
    lengths = np.sqrt((m * m).sum(axis=1))
    return m / lengths[:, None]


def search_matrix(matrix: np.ndarray, query_vector: list[float], k: int = 3) -> list[int]:
    q = np.asarray(query_vector, dtype=float)
    scores = np.einsum("nd,d->n", matrix, q) / np.linalg.norm(q)
    ranked = sorted(range(scores.shape[0]), key=lambda r: -scores[r])
    return [int(r) for r in ranked[: max(k, 0)]]
