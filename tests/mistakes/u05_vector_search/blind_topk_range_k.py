"""top_k() loops range(k) over the ranking, so it raises IndexError when k is larger than the index instead of returning min(k, len(index)) ids.

U05 · Vector search.
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
    vectors = embed([note.text for note in notes])
    return [{"id": note.id, "text": note.text, "vector": vector} for note, vector in zip(notes, vectors)]


def top_k(index: list[dict], query_vector: list[float], k: int = 3) -> list[str]:
    scored = [(cosine(query_vector, entry["vector"]), entry["id"]) for entry in index]
    scored.sort(reverse=True)
    ids = []
    for i in range(k):
        ids.append(scored[i][1])
    return ids


def search(index: list[dict], query: str, k: int = 3) -> list[str]:
    return top_k(index, embed([query])[0], k)


def run_queries(index: list[dict], queries=QUERIES, k: int = 3) -> list[dict]:
    rows = []
    for question, expected in queries:
        top = search(index, question, k)
        rows.append({"question": question, "expected": expected, "top": top, "hit": expected in top})
    return rows


# --- Stretch: the same ranking as matrix math, for 1,000 documents and more ---


def to_matrix(vectors: list[list[float]]) -> np.ndarray:
    matrix = np.array(vectors, dtype=float)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def search_matrix(matrix: np.ndarray, query_vector: list[float], k: int = 3) -> list[int]:
    q = np.asarray(query_vector, dtype=float)
    scores = matrix @ (q / np.linalg.norm(q))
    return np.argsort(-scores)[:k].tolist()

