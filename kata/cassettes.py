"""Cassettes: how API calls are recorded, matched on replay, and explained when they do not match.

Replay needs nothing but vcrpy: no server, no torch, no key. A request matches a recording when its
method, path and JSON body are equal (key order and host aside), so a cassette recorded against the
local reference backend replays for code that uses the SDKs' default hosts, and a learner whose
prompt differs from the course's gets a diff of the two bodies instead of vcrpy's exception.
"""

from __future__ import annotations

import json
import os
import time
import traceback
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from kata.units import ROOT

CASSETTES = ROOT / "cassettes"

# Where each API lives by default, by the path its requests use.
DEFAULT_HOSTS = (
    ("/v1/embeddings", "https://api.voyageai.com"),
    ("/v1/rerank", "https://api.voyageai.com"),
    ("/v1/messages", "https://api.anthropic.com"),
    ("/api/", "http://localhost:11434"),
)

SECRET_HEADERS = ("authorization", "x-api-key", "cookie", "set-cookie", "anthropic-organization-id",
                  "request-id", "x-request-id", "cf-ray")

# Set by `kata record`: "backend" (the local reference backend) or "live" (the real APIs).
RECORDING_ENV = "KATA_RECORDING"


def normalise_request(request):
    """Point a request at its API's default host, so recordings and replays look alike."""
    parts = urlsplit(request.uri)
    for prefix, host in DEFAULT_HOSTS:
        if parts.path.startswith(prefix):
            scheme, netloc = urlsplit(host)[:2]
            request.uri = urlunsplit((scheme, netloc, parts.path, parts.query, ""))
            break
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


def body_differences(mine, recorded, where: str = "") -> list[str]:
    """Readable differences between two JSON values, at most one line per difference."""
    if isinstance(mine, dict) and isinstance(recorded, dict):
        lines = []
        for key in list(recorded) + [k for k in mine if k not in recorded]:
            path = f"{where}.{key}" if where else key
            if key not in mine:
                lines.append(f"{path}: missing in your request (recorded: {_short(recorded[key])})")
            elif key not in recorded:
                lines.append(f"{path}: {_short(mine[key])} in your request, absent from the recording")
            else:
                lines += body_differences(mine[key], recorded[key], path)
        return lines
    if isinstance(mine, list) and isinstance(recorded, list):
        if len(mine) != len(recorded):
            return [f"{where}: {len(mine)} items in your request, {len(recorded)} recorded"] + [
                line for i, (a, b) in enumerate(zip(mine, recorded)) for line in body_differences(a, b, f"{where}[{i}]")][:3]
        return [line for i, (a, b) in enumerate(zip(mine, recorded)) for line in body_differences(a, b, f"{where}[{i}]")]
    if mine == recorded:
        return []
    if isinstance(mine, str) and isinstance(recorded, str) and ("\n" in mine or "\n" in recorded or len(recorded) > 80):
        return [f"{where}: {_first_differing_line(mine, recorded)}"]
    return [f"{where}: {_short(mine)} in your request, {_short(recorded)} recorded"]


def _first_differing_line(mine: str, recorded: str) -> str:
    a, b = mine.splitlines(), recorded.splitlines()
    for number, (x, y) in enumerate(zip(a, b), 1):
        if x != y:
            return f"line {number} differs:\n      yours:    {x!r}\n      recorded: {y!r}"
    shorter, longer, who = (a, b, "the recording") if len(a) < len(b) else (b, a, "your request")
    return f"{who} has more lines; line {len(shorter) + 1} is {longer[len(shorter)]!r}"


def _short(value, limit: int = 80) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def json_body(r1, r2) -> None:
    """vcrpy matcher: equal JSON bodies (key order ignored); the AssertionError text is the diff."""
    differences = body_differences(parsed_body(r1), parsed_body(r2))
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
    """The vcrpy no-match exception inside an SDK's wrapping of it (anthropic: APIConnectionError), or None."""
    from vcr.errors import CannotOverwriteExistingCassetteException

    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, CannotOverwriteExistingCassetteException):
            return error
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None


def explain_miss(miss, unit_number: int | None = None) -> str:
    """The teaching message for a request that no cassette holds."""
    request = miss.failed_request
    cassette = Path(miss.cassette._path)
    where = cassette.relative_to(ROOT) if cassette.is_relative_to(ROOT) else cassette
    record = f"`kata record u{unit_number:02d}`" if unit_number else "`kata record`"
    lines = [f"Your code sent {request.method} {urlsplit(request.uri).path}, and no recording in {where} matches it."]
    if miss.reason == "cassette_not_found":
        lines.append(f"That cassette does not exist yet. (Maintainers: {record} records it.)")
    elif miss.reason == "already_played":
        lines.append("The recorded request was already answered once in this test: your code sends it again.")
    similar = miss.similar_requests[:1]
    if similar:
        recorded, _, failed = similar[0]
        lines.append("The closest recorded request differs like this (yours vs recorded):")
        for name, message in failed:
            text = str(message) if name == "json_body" else f"{name}: {request.method if name == 'method' else urlsplit(request.uri).path} vs {getattr(recorded, name, '?')}"
            lines += ["  " + line for line in text.splitlines()]
        lines.append("Send the request the unit asks for (the model name and prompt shape are in its docstring);"
                     " a cassette replays only the exact request that was recorded.")
    elif miss.reason != "cassette_not_found":
        lines.append("Nothing recorded there resembles it: is it the API call this unit asks for?")
    return "\n".join(lines)


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
    """The anthropic SDK retries a failed connection twice (1.5 s); a cassette miss never heals, so fail at once."""
    try:
        from anthropic._base_client import BaseClient
    except ImportError:  # pragma: no cover - the SDK moved its internals: retries merely cost time
        return
    original = getattr(BaseClient, "_should_retry_exception", None)
    if original is None or getattr(original, "kata_shim", False):
        return

    def should_retry_exception(self, err):
        return (False, None) if cassette_miss(err) else original(self, err)

    should_retry_exception.kata_shim = True
    BaseClient._should_retry_exception = should_retry_exception
