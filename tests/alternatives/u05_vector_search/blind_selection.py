"""U05 · Vector search — a different design: scores kept in a dict, top k picked by repeated max()."""

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
    ids, texts = [], []
    for note in notes:
        ids.append(note.id)
        texts.append(note.text)
    vectors = embed(texts)
    return [dict(id=i, text=t, vector=v) for i, t, v in zip(ids, texts, vectors)]


def top_k(index: list[dict], query_vector: list[float], k: int = 3) -> list[str]:
    # Score each position once, then pick the best remaining one, k times (selection, no full sort).
    remaining = {pos: cosine(query_vector, entry["vector"]) for pos, entry in enumerate(index)}
    chosen = []
    while remaining and len(chosen) < k:
        pos = max(remaining, key=remaining.__getitem__)
        chosen.append(index[pos]["id"])
        del remaining[pos]
    return chosen


def search(index: list[dict], query: str, k: int = 3) -> list[str]:
    vectors = embed([query])
    return top_k(index, vectors[0], k)


def run_queries(index: list[dict], queries=QUERIES, k: int = 3) -> list[dict]:
    report = []
    for question, expected in queries:
        top = search(index, question, k)
        report.append(dict(question=question, expected=expected, top=top, hit=bool(expected in top)))
    return report


# --- Stretch: the same ranking as matrix math, for 1,000 documents and more ---


def to_matrix(vectors: list[list[float]]) -> np.ndarray:
    m = np.array(vectors, dtype=float)
    lengths = np.sqrt((m * m).sum(axis=1))
    return m / lengths.reshape(-1, 1)


def search_matrix(matrix: np.ndarray, query_vector: list[float], k: int = 3) -> list[int]:
    q = np.asarray(query_vector, dtype=float)
    q = q / np.linalg.norm(q)
    scores = np.dot(matrix, q)
    order = np.argsort(scores)[::-1]  # ascending, reversed: highest score first
    return [int(i) for i in order[: max(k, 0)]]
