"""U05 · Vector search — plain loops and sorted()."""

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
    notes = list(notes)
    vectors = embed([note.text for note in notes])
    index = []
    for note, vector in zip(notes, vectors):
        index.append({"id": note.id, "text": note.text, "vector": vector})
    return index


def top_k(index: list[dict], query_vector: list[float], k: int = 3) -> list[str]:
    scored = []
    for entry in index:
        scored.append((cosine(query_vector, entry["vector"]), entry["id"]))
    scored.sort(key=lambda pair: pair[0], reverse=True)
    ids = []
    for score, entry_id in scored[: max(k, 0)]:
        ids.append(entry_id)
    return ids


def search(index: list[dict], query: str, k: int = 3) -> list[str]:
    query_vector = embed([query])[0]
    return top_k(index, query_vector, k)


def run_queries(index: list[dict], queries=QUERIES, k: int = 3) -> list[dict]:
    rows = []
    for question, expected in queries:
        top = search(index, question, k)
        rows.append({"question": question, "expected": expected, "top": top, "hit": expected in top})
    return rows


# --- Stretch: the same ranking as matrix math, for 1,000 documents and more ---


def to_matrix(vectors: list[list[float]]) -> np.ndarray:
    matrix = np.array(vectors, dtype=float)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / norms


def search_matrix(matrix: np.ndarray, query_vector: list[float], k: int = 3) -> list[int]:
    query = np.asarray(query_vector, dtype=float)
    scores = matrix @ (query / np.linalg.norm(query))
    return np.argsort(-scores, kind="stable")[: max(k, 0)].tolist()
