"""The reference backend's embeddings, kept on disk: a text is run through MiniLM once per machine.

The numpy forward pass costs about a second for a long note on a shared core, and every `kata show`,
`kata record` and (later) every unrecorded request would pay it again in a fresh process. So vectors
are stored by text in one SQLite file beside the result cache, and the store is first filled from
the cassettes the reference backend recorded: those vectors are this same model's (the numpy pass
reproduces every one of them to 1.3e-7, which tests/harness/test_encoder.py proves without this
store), so a text a cassette holds gets exactly the recorded vector, and one it does not is computed.
Live recordings (no `x-kata-backend` header, or not 384 numbers) never enter the store.

The backend knows neither the result cache nor the cassettes: whoever starts it hands it both folders
with `use` (replay for the tests, the worker before it forks, `kata serve`). Until then, and wherever the
folder cannot be written, every vector is computed, as it always could be.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
import threading

import numpy as np

from collections.abc import Callable
from pathlib import Path

from kata.backend.minilm import DIMENSION

FORMAT = f"all-MiniLM-L6-v2/{DIMENSION}/1"  # change it and every stored vector is ignored
_lock = threading.Lock()
_db: sqlite3.Connection | None = None
_folders: dict = {}  # "store": a callable naming the store's folder, "recordings": the cassettes' folder (see use)


def use(store: Callable[[], Path], recordings: Path) -> None:
    """Keep vectors in `store()`/minilm-vectors.sqlite, seeded from the reference backend's recordings under
    `recordings`. `store` is asked when the store opens, not now: a sandboxed child is shown it elsewhere."""
    _folders.update(store=store, recordings=Path(recordings))


def _key(text: str) -> str:
    return hashlib.sha256(f"{FORMAT}\0{text}".encode()).hexdigest()


def _connect() -> sqlite3.Connection | None:
    global _db
    if _db is None:
        if not _folders:  # no starter said where: compute every time
            return None
        folder = _folders["store"]
        try:
            folder().mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(folder() / "minilm-vectors.sqlite", timeout=30, check_same_thread=False)
            db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB)")
            db.execute("CREATE TABLE IF NOT EXISTS seeded (format TEXT PRIMARY KEY)")
            if not db.execute("SELECT 1 FROM seeded WHERE format = ?", (FORMAT,)).fetchone():
                db.executemany("INSERT OR IGNORE INTO vectors VALUES (?, ?)", _recorded())
                db.execute("INSERT OR IGNORE INTO seeded VALUES (?)", (FORMAT,))
            db.commit()
            _db = db
        except (sqlite3.Error, OSError):  # a read-only or locked folder (a sandbox): compute every time, as before
            return None
    return _db


def _recorded():
    """(key, vector bytes) for every text the reference backend embedded in a cassette."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for path in sorted(_folders["recordings"].rglob("*.yaml")):
        for item in (yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {}).get("interactions", []):
            request, response = item.get("request", {}), item.get("response", {})
            if not str(request.get("uri", "")).endswith("/v1/embeddings"):
                continue
            if "x-kata-backend" not in {k.lower() for k in response.get("headers", {})}:
                continue
            try:
                texts = json.loads(request["body"])["input"]
                data = json.loads(response["body"]["string"])["data"]
            except (KeyError, TypeError, ValueError):
                continue
            for text, row in zip(texts if isinstance(texts, list) else [texts], sorted(data, key=lambda d: d["index"])):
                vector = row["embedding"]
                vector = (np.frombuffer(base64.b64decode(vector), dtype="<f4") if isinstance(vector, str)
                          else np.asarray(vector, dtype="<f4"))
                if vector.shape == (DIMENSION,):
                    yield _key(text), vector.astype("<f4").tobytes()


def ensure() -> None:
    """Make the store (seeded from the cassettes) now, where it can be written, and close it: a child forked
    from here opens it afresh (a sandboxed one, read-only), never through a connection it inherited."""
    global _db
    if _connect() is not None:
        _db.close()
        _db = None


def get(text: str) -> bytes | None:
    db = _connect()
    if db is None:
        return None
    with _lock:
        try:
            row = db.execute("SELECT vector FROM vectors WHERE key = ?", (_key(text),)).fetchone()
        except sqlite3.Error:  # locked, or a writer's journal a read-only reader cannot roll back: compute it
            return None
    return row[0] if row else None


_unsaved: dict[str, bytes] = {}  # key -> vector, computed where the store could not be written
UNSAVED_MAX = 4096  # ~6 MB: more is computed again next time, as before


def put(text: str, vector: bytes) -> None:
    db = _connect()
    if db is None:
        return
    with _lock:
        try:
            db.execute("INSERT OR IGNORE INTO vectors VALUES (?, ?)", (_key(text), vector))
            db.commit()
        except sqlite3.Error:  # read-only (a sandboxed child): kept here until its parent takes them (unsaved)
            if len(_unsaved) < UNSAVED_MAX:
                _unsaved[_key(text)] = vector


def unsaved() -> list[list[str]]:
    """The vectors computed here that the store could not keep, as [key, base64 vector] pairs, each handed over
    once: a sandboxed child sends them to the parent that made the store, which keeps them (`keep`)."""
    rows = [[key, base64.b64encode(vector).decode()] for key, vector in _unsaved.items()]
    _unsaved.clear()
    return rows


def keep(rows) -> int:
    """Store the [key, base64 vector] pairs a child computed; anything but a sha256 key and DIMENSION float32s is
    left out. Returns how many were kept."""
    db = _connect()
    if db is None:
        return 0
    good = []
    for row in rows if isinstance(rows, list) else []:
        try:
            key, vector = row
            raw = base64.b64decode(vector, validate=True)
        except (TypeError, ValueError):
            continue
        if isinstance(key, str) and len(key) == 64 and all(c in "0123456789abcdef" for c in key) and \
                len(raw) == DIMENSION * 4 and np.isfinite(np.frombuffer(raw, dtype="<f4")).all():
            good.append((key, raw))
    with _lock:
        try:
            db.executemany("INSERT OR IGNORE INTO vectors VALUES (?, ?)", good)
            db.commit()
        except sqlite3.Error:
            return 0
    return len(good)
