"""Is numpy enough below ~100k docs? U05's numpy top-k against faiss's exact index, on one machine.

    uv run --with faiss-cpu python benchmarks/vector_search.py [--queries N] [--threads N]

faiss-cpu is not a dependency of the kata: `--with faiss-cpu` adds it for this one run. Without it
the numpy rows are still measured and faiss is skipped with a message.

Data: random unit vectors (seeded), 384 dimensions like the reference backend's all-MiniLM-L6-v2,
10,000 and 100,000 documents, and a batch of random queries; top 10 for each query. Contenders:
- search_matrix: the Stretch's reference (solutions/u05_vector_search.py), float64 as it is written;
- numpy float32: the same math (one matrix-vector product, argpartition) on a float32 matrix;
- faiss IndexFlatIP: exact inner-product search (on unit vectors, cosine), float32.
"one at a time" times each query alone and reports the median milliseconds per query; "batched"
sends the whole batch in one call and reports its median time divided by the batch size. faiss
answers a batch smaller than its distance_compute_blas_threshold (128,000 queries in faiss 1.15)
one query at a time; "batched, BLAS" lowers the threshold so that faiss, like numpy, does the batch
as one matrix product. The
ratios (numpy / faiss) are computed from times measured in the same run: the machine is shared
and noisy, so the ratio means more than the milliseconds. Each contender runs its queries in a
phase of its own, and both run on --threads cores (default 1): OpenMP threads that spin-wait after
a faiss call steal the cores that numpy's BLAS needs next, which on a small machine decides the
result more than the search itself does.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

PARSER = argparse.ArgumentParser(description="U05's numpy top-k against faiss IndexFlatIP")
PARSER.add_argument("--queries", type=int, default=100, help="queries per size (default 100)")
PARSER.add_argument("--threads", type=int, default=1, help="cores for numpy's BLAS and for faiss (default 1)")
ARGS = PARSER.parse_args()
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # read once, when numpy loads
    os.environ[variable] = str(ARGS.threads)

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from solutions.u05_vector_search import search_matrix, to_matrix  # noqa: E402

DIMENSIONS, TOP = 384, 10
SIZES = (10_000, 100_000)
BATCH_REPEATS = 5

try:
    import faiss

    faiss.omp_set_num_threads(ARGS.threads)
except ImportError:
    faiss = None


def unit_rows(rng, n: int) -> np.ndarray:
    rows = rng.standard_normal((n, DIMENSIONS), dtype=np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def numpy32_top_k(matrix: np.ndarray, query: np.ndarray, k: int) -> np.ndarray:
    scores = matrix @ query
    best = np.argpartition(-scores, k - 1)[:k]
    return best[np.argsort(-scores[best])]


def numpy32_batch(matrix: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    scores = queries @ matrix.T  # (queries, documents): one matrix-matrix product
    best = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(scores, best, axis=1), axis=1)
    return np.take_along_axis(best, order, axis=1)


def median_ms_per_query(search, queries) -> tuple[float, list]:
    """Each query timed alone: the median in milliseconds, and the answers."""
    times, answers = [], []
    for query in queries:
        started = time.perf_counter()
        answers.append(search(query))
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, answers


def batched_ms_per_query(search_all, queries) -> float:
    """The whole batch in one call, BATCH_REPEATS times: the median, per query, in milliseconds."""
    times = []
    for _ in range(BATCH_REPEATS):
        started = time.perf_counter()
        search_all(queries)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000 / len(queries)


def agreement(a: list, b: list) -> float:
    """The share of queries whose top-k id sets are equal (float32 near-ties may differ)."""
    return sum(set(map(int, x)) == set(map(int, y)) for x, y in zip(a, b)) / len(a)


def ms(value: float | None) -> str:
    return f"{value:>10.3f} ms" if value is not None else f"{'-':>13}"


def ratio(numpy_ms: float | None, faiss_ms: float | None) -> str:
    return f"{numpy_ms / faiss_ms:>14.2f}x" if numpy_ms is not None and faiss_ms else f"{'-':>15}"


def measure(n: int, rng, queries: np.ndarray) -> None:
    """Time every contender on n documents, one after the other, and print two rows and a check."""
    rows = unit_rows(rng, n)
    matrix64 = to_matrix(rows)  # the Stretch's index: rows normalised once, float64 as it is written
    f64, f64_answers = median_ms_per_query(lambda q: search_matrix(matrix64, q, TOP), queries)
    f32, f32_answers = median_ms_per_query(lambda q: numpy32_top_k(rows, q, TOP), queries)
    f32_batch = batched_ms_per_query(lambda qs: numpy32_batch(rows, qs, TOP), queries)
    single = batch = blas = None
    if faiss is not None:
        flat = faiss.IndexFlatIP(DIMENSIONS)  # exact search: inner product, which is cosine on unit vectors
        flat.add(rows)
        single, faiss_answers = median_ms_per_query(lambda q: flat.search(q[None, :], TOP)[1][0], queries)
        batch = batched_ms_per_query(lambda qs: flat.search(qs, TOP), queries)
        default = faiss.cvar.distance_compute_blas_threshold
        faiss.cvar.distance_compute_blas_threshold = 1  # make this batch take faiss's matrix-product (BLAS) path
        blas = batched_ms_per_query(lambda qs: flat.search(qs, TOP), queries)
        faiss.cvar.distance_compute_blas_threshold = default
    print(f"{n:>9,} {'one at a time':<14} {ms(f64)} {ms(f32)} {ms(single)} {ratio(f64, single)} {ratio(f32, single)}")
    print(f"{n:>9,} {'batched':<14} {'-':>13} {ms(f32_batch)} {ms(batch)} {'-':>15} {ratio(f32_batch, batch)}")
    if faiss is not None:
        print(f"{n:>9,} {'batched, BLAS':<14} {'-':>13} {ms(f32_batch)} {ms(blas)} {'-':>15} {ratio(f32_batch, blas)}")
    if faiss is not None:
        print(f"{'':>9} same top {TOP} as faiss: search_matrix {agreement(f64_answers, faiss_answers):.0%}, "
              f"numpy float32 {agreement(f32_answers, faiss_answers):.0%} of queries")


def main() -> None:
    rng = np.random.default_rng(2026)
    print(f"{DIMENSIONS}-d unit vectors, top {TOP}, {ARGS.queries} queries per size, {ARGS.threads} of "
          f"{os.cpu_count()} CPU cores, numpy {np.__version__}, faiss {faiss.__version__ if faiss else 'not installed'}")
    if faiss is None:
        print("faiss: skipped (faiss-cpu is not installed). Run: uv run --with faiss-cpu python benchmarks/vector_search.py")
    print(f"{'documents':>9} {'mode':<14} {'search_matrix':>13} {'numpy float32':>13} {'faiss FlatIP':>13} "
          f"{'f64 / faiss':>15} {'f32 / faiss':>15}")
    for n in SIZES:
        measure(n, rng, unit_rows(rng, ARGS.queries))


if __name__ == "__main__":
    main()
