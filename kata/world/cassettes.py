"""Cassettes: how API calls are recorded, matched on replay, and explained when they do not match.

Replay needs no server, no torch, no key. A request matches a recording when its method, path and
JSON body are equal (key order and host aside), so a cassette recorded against the local reference
backend replays for code that uses the SDKs' default hosts. A request that matches nothing is computed
by the reference backend in process (kata/world/replay.py); under --strict-replay, or where a cassette was
recorded live, it gets a diff of the two bodies instead of vcrpy's exception.
"""

from __future__ import annotations

import difflib
import json
import os
import time
import traceback
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from kata.world import causes, offline
from kata.world.bodydiff import body_differences
from kata.world.offline import RECORDING_ENV  # noqa: F401  set by `kata record`; read here and by kata.commands.recording
from kata.units import ROOT

CASSETTES = ROOT / "cassettes"

# The paths the course's APIs answer on, and where each API lives by default. A request whose path
# ends with one of these is that API's, whatever host or prefix it went to (ANTHROPIC_BASE_URL may
# hold a proxy with a path, OLLAMA_HOST any machine): recordings and replays then look alike.
API_PATHS = (
    ("/v1/messages/count_tokens", "https://api.anthropic.com"),
    ("/v1/messages", "https://api.anthropic.com"),
    ("/v1/embeddings", "https://api.voyageai.com"),
    ("/v1/multimodalembeddings", "https://api.voyageai.com"),
    ("/v1/contextualizedembeddings", "https://api.voyageai.com"),
    ("/v1/rerank", "https://api.voyageai.com"),
    ("/api/chat", "http://localhost:11434"),
    ("/api/generate", "http://localhost:11434"),
    ("/api/embed", "http://localhost:11434"),
    ("/api/embeddings", "http://localhost:11434"),
    ("/api/tags", "http://localhost:11434"),
    ("/api/show", "http://localhost:11434"),
)

SECRET_HEADERS = ("authorization", "x-api-key", "cookie", "set-cookie", "anthropic-organization-id",
                  "request-id", "x-request-id", "cf-ray")



def normalise_request(request):
    """Point a request at its API's default host and path, so recordings and replays look alike."""
    request.uri = api_uri(request.uri)
    request.method = request.method.upper()  # aiohttp records "post"
    # Only the content type matters; SDK versions, OS names and auth would make every recording differ.
    for name in [n for n in request.headers if n.lower() != "content-type"]:
        del request.headers[name]
    if os.environ.get(RECORDING_ENV):
        # vcrpy calls this as the request goes out, and again (on a copy) just before stamp_provenance:
        # keep the first time per request, so the recorded latency covers the real round trip.
        _sent_at["last"] = (request.method, request.uri, request.body)
        _sent_at.setdefault(_sent_at["last"], time.perf_counter())
    return request


def api_uri(uri: str) -> str:
    """`uri` at its API's default host, prefix dropped; unchanged when its path is no known API's."""
    parts = urlsplit(uri)
    path = parts.path.rstrip("/")
    for api_path, host in API_PATHS:
        if path.endswith(api_path):
            scheme, netloc = urlsplit(host)[:2]
            return urlunsplit((scheme, netloc, api_path, parts.query, ""))
    return uri


def is_api_request(uri: str) -> bool:
    return any(urlsplit(uri).path.rstrip("/").endswith(api_path) for api_path, _ in API_PATHS)


# While recording: (method, uri, body) -> when that request went out, and "last" -> the latest request
# normalised (vcrpy normalises a request just before it hands stamp_provenance the response). vcrpy
# stores no timing of its own.
_sent_at: dict = {}


def stamp_provenance(response):
    """Every recorded response says where it came from; the reference backend already says so itself.

    A live response also gets the latency measured while recording (U11 reads it), which the
    reference backend sends itself as x-kata-latency-ms.
    """
    headers = response.setdefault("headers", {})
    names = {k.lower() for k in headers}
    sent = _sent_at.pop(_sent_at.pop("last", None), None)  # the request this response answers
    if os.environ.get(RECORDING_ENV) == "live" and "x-kata-backend" not in names:
        headers["x-kata-provenance"] = [f"recorded live by `kata record --live` on {date.today().isoformat()}"]
        if "x-kata-latency-ms" not in names and sent is not None:
            headers["x-kata-latency-ms"] = [f"{(time.perf_counter() - sent) * 1000:.1f}"]
    for name in list(headers):
        if name.lower() in SECRET_HEADERS or name.lower() in ("date", "server"):  # secrets, and noise in diffs
            del headers[name]
    return response


def parsed_body(request):
    body = request.body
    if body is None or body == b"" or body == "":
        return None
    try:
        return json.loads(body)
    except (ValueError, TypeError):
        return body if isinstance(body, str) else body.decode("utf-8", "replace")


def documented_form(body):
    """A request body with the shapes an API documents as equal written one way.

    Anthropic's Messages API takes `system` and a message's `content` as a string or as a list of
    text blocks; a string is the same request as one block holding it. So both sides of a match are
    compared with every such string written as that one block (other block lists stay as sent).
    """
    if not isinstance(body, dict):
        return body
    as_blocks = lambda value: [{"type": "text", "text": value}] if isinstance(value, str) else value  # noqa: E731
    body = dict(body)
    if "system" in body:
        body["system"] = as_blocks(body["system"])
    if isinstance(body.get("messages"), list):
        body["messages"] = [dict(m, content=as_blocks(m["content"])) if isinstance(m, dict) and "content" in m else m
                            for m in body["messages"]]
    return body


def json_body(r1, r2) -> None:
    """vcrpy matcher: equal JSON bodies (key order and documented equivalent shapes aside); the
    AssertionError text is the diff."""
    differences = body_differences(documented_form(parsed_body(r1)), documented_form(parsed_body(r2)))
    if differences:
        raise AssertionError("\n".join(differences))


def vcr_config() -> dict:
    return {
        "match_on": ("method", "path", "json_body"),
        "filter_headers": [(h, None) for h in SECRET_HEADERS],
        "before_record_request": normalise_request,
        "before_record_response": stamp_provenance,
        "decode_compressed_response": True,
    }


def cassette_miss(error: BaseException):
    """The vcrpy no-match exception inside `error`, however an SDK or learner code wrapped it; or None."""
    from vcr.errors import CannotOverwriteExistingCassetteException

    miss = causes.find_cause(error, CannotOverwriteExistingCassetteException)
    return miss if getattr(miss, "failed_request", None) is not None else None


DIFFERENCES_SHOWN = 6  # lines of a body diff in a miss message; the rest are counted, not shown


def explain_miss(miss, unit_number: int | None = None) -> str:
    """The teaching message for a request that no cassette holds: short, and complete in itself.

    Outside --strict-replay a miss happens only where the reference backend may not answer (a cassette
    recorded live): replay.explain_miss adds the line that says why.
    """
    return _explain_miss(miss, unit_number)


def _explain_miss(miss, unit_number: int | None) -> str:
    request = miss.failed_request
    if not is_api_request(request.uri):  # not one of the course's APIs: somewhere on the internet
        parts = urlsplit(request.uri)
        return str(offline.NetworkBlocked(parts.hostname or request.uri, parts.port or _default_port(parts.scheme)))
    cassette = Path(miss.cassette._path)
    where = cassette.relative_to(ROOT) if cassette.is_relative_to(ROOT) else cassette
    route = f"{request.method.upper()} {urlsplit(api_uri(request.uri)).path}"
    lines = [f"Your code sent {route}, and no recording in {where} matches it."]
    if miss.reason == "cassette_not_found":
        record = f"`kata record u{unit_number:02d}`" if unit_number else "`kata record`"
        return "\n".join(lines + [f"That cassette does not exist yet. (Maintainers: {record} records it.)"])
    if miss.reason == "already_played":
        lines.append("The recorded request was already answered once in this test: your code sends it again.")
    recorded = closest_recording(miss)
    if recorded is None:
        held = sorted({f"{r.method.upper()} {urlsplit(api_uri(r.uri)).path}" for r in miss.cassette.requests})
        lines.append(f"Nothing recorded there is a {route}" + (f" (it holds {', '.join(held)})" if held else "")
                     + ": is it the API call this unit asks for?")
        return "\n".join(lines)
    differences = body_differences(parsed_body(request), parsed_body(recorded))
    if differences:
        lines.append("The closest recorded request differs like this (yours vs recorded):")
        lines += ["  " + line for difference in differences[:DIFFERENCES_SHOWN] for line in difference.splitlines()]
        if len(differences) > DIFFERENCES_SHOWN:
            lines.append(f"  … and {len(differences) - DIFFERENCES_SHOWN} more differences of the same kind.")
        lines.append("Send the request the unit asks for (the model name and prompt shape are in its docstring);"
                     " a cassette replays only the exact request that was recorded.")
    return "\n".join(lines)


def closest_recording(miss):
    """Of the cassette's recorded requests to the same method and path, the one whose body differs least.

    Fewest differing JSON values first; between equals, the most similar text. (vcrpy's own ranking
    counts matchers, which ties every request to the same path.)
    """
    request = miss.failed_request
    route = (request.method.upper(), urlsplit(api_uri(request.uri)).path)
    same_route = [r for r in miss.cassette.requests if (r.method.upper(), urlsplit(api_uri(r.uri)).path) == route]
    if not same_route:
        return None
    mine = parsed_body(request)
    counted = [(len(body_differences(mine, parsed_body(r))), r) for r in same_route]
    fewest = min(count for count, _ in counted)
    tied = [r for count, r in counted if count == fewest]
    if len(tied) == 1:
        return tied[0]
    text = _serialised(mine)
    return max(tied, key=lambda r: difflib.SequenceMatcher(None, text, _serialised(parsed_body(r))).ratio())


def _serialised(body) -> str:
    if isinstance(body, str):
        return body
    try:
        return json.dumps(body, sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(body)


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


def is_unreadable_cassette(error: BaseException) -> bool:
    import yaml

    return isinstance(error, (yaml.YAMLError, KeyError, TypeError)) and any(
        "vcr" in str(entry.filename) for entry in traceback.extract_tb(error.__traceback__))


def explain_unreadable(error: BaseException, unit, test_name: str) -> str:
    """A cassette that is not valid YAML or not vcrpy's layout: name the file and the line."""
    path = CASSETTES / (unit.slug if unit else "?") / f"{test_name}.yaml"
    mark = getattr(error, "problem_mark", None)
    line = f":{mark.line + 1}" if mark is not None else ""
    what = getattr(error, "problem", None) or f"{type(error).__name__}: {error}"
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    return (f"{shown}{line}: this cassette cannot be read ({what}).\n"
            f"Restore it with `git checkout -- {shown}`, or re-record it with `kata record {unit.slug if unit else ''}`.")


def stop_sdk_retries_on_a_miss() -> None:
    """The anthropic SDK retries a failed connection twice (1.5 s); a cassette miss or a blocked network
    call never heals, so fail at once."""
    try:
        from anthropic._base_client import BaseClient
    except ImportError:  # pragma: no cover - the SDK moved its internals: retries merely cost time
        return
    original = getattr(BaseClient, "_should_retry_exception", None)
    if original is None or getattr(original, "kata_shim", False):
        return

    def should_retry_exception(self, err):
        return (False, None) if cassette_miss(err) or offline.blocked_call(err) else original(self, err)

    should_retry_exception.kata_shim = True
    BaseClient._should_retry_exception = should_retry_exception
