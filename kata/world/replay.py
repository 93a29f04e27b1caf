"""Replay that answers whatever a learner sends: the cassette first, then the reference backend.

A request a cassette holds replays from it (vcrpy, as recorded). A request to one of the course's
APIs that no cassette holds (another prompt wording, another batching, a request sent twice) is
answered by the reference backend in process (`kata.backend.handle`: the numpy MiniLM and the
responder; no server, no torch, no network), deterministically, with its provenance headers plus
`x-kata-replay` saying it was computed, not recorded. A request the real API would refuse gets the
real API's status and error body, so the SDK raises its own exception, as live.

Three things keep today's behaviour (only recorded requests, a body diff for any other):
  - `--strict-replay` (pytest, and every kata command that runs tests), so `kata verify` can prove
    every recording is still the request the solution sends;
  - `kata record` (KATA_RECORDING set): a recording must come from the backend or the live API;
  - a cassette recorded live (a response without x-kata-backend, or Voyage vectors that are not
    the reference's 384-d): computed answers would not share the recorded answers' space, so a miss
    there keeps its diff, plus one line saying why (`refusal`).

How: vcrpy's stubs (httpx, requests, aiohttp) all ask `Cassette.can_play_response_for` and then call
`Cassette.play_response`; `install()` wraps both, so nothing per client library is patched.
"""

from __future__ import annotations

import base64
import contextlib
import http
import json
import os
from urllib.parse import urlsplit

from kata.world.offline import RECORDING_ENV
from kata.units import cache_folder

REPLAY_HEADER = "x-kata-replay"
COMPUTED = "computed offline by the reference backend (no recording matched)"

_state = {"strict": False}


_clock = [contextlib.nullcontext]  # the worker child's clock pause, registered by kata/judge/child.py; nothing outside it


def kata_time():
    """The worker child's clock pause (registered from above by kata.judge.child), or nothing outside the worker."""
    return _clock[0]()


def pause_clock_with(pause) -> None:
    """Called by the worker's child: `pause()` is a context manager that stops the test's clock meanwhile."""
    _clock[0] = pause


def configure(strict: bool) -> None:
    """Called from the plugin's pytest_configure (once per session, so a warm worker never keeps a stale value)."""
    _state["strict"] = bool(strict)
    install()
    hand_the_backend_its_folders()


def hand_the_backend_its_folders() -> None:
    """The reference backend keeps its vectors beside the result cache, seeded from the cassettes: replay starts it
    in process, so replay says where (the backend itself knows neither folder)."""
    from kata.backend import vectors
    from kata.world.cassettes import CASSETTES

    vectors.use(cache_folder, CASSETTES)


def strict() -> bool:
    return _state["strict"]


def refusal(cassette) -> str | None:
    """Why a request this cassette does not hold cannot be computed offline; None when it can."""
    cached = getattr(cassette, "_kata_refusal", False)
    if cached is not False:
        return cached
    reason = None
    for response in getattr(cassette, "responses", []):
        headers = {str(k).lower(): v for k, v in (response.get("headers") or {}).items()}
        if "x-kata-backend" not in headers:
            reason = ("This cassette was recorded live, so a request it does not hold cannot be computed "
                      "offline: the reference backend's answers (384-d MiniLM vectors) would not mix with "
                      "the recorded ones.")
            break
        dimension = _voyage_dimension(response)
        if dimension is not None and dimension != _reference_dimension():
            reason = (f"This cassette holds {dimension}-d vectors, so a request it does not hold cannot be "
                      f"computed offline: the reference backend's {_reference_dimension()}-d vectors would "
                      f"not mix with them.")
            break
    try:
        cassette._kata_refusal = reason
    except AttributeError:  # pragma: no cover - a cassette stand-in with slots
        pass
    return reason


def explain_miss(miss, unit_number: int | None = None) -> str:
    """cassettes.explain_miss, and outside --strict-replay the line that says why this cassette's miss was not
    computed (it was recorded live, or holds vectors of another size)."""
    from kata.world.cassettes import explain_miss as the_diff, is_api_request

    text = the_diff(miss, unit_number)
    why = None if strict() or not is_api_request(miss.failed_request.uri) else refusal(miss.cassette)
    return f"{text}\n{why}" if why else text


def computes_for(cassette, request) -> bool:
    """Whether a request this cassette cannot play is answered by the reference backend instead."""
    from kata.world.cassettes import is_api_request

    return (not _state["strict"] and not os.environ.get(RECORDING_ENV) and cassette.write_protected
            and is_api_request(request.uri) and refusal(cassette) is None)


def computed_response(request) -> dict:
    """A vcrpy response dict for `request`, answered by the reference backend in process."""
    from kata import backend
    from kata.world.cassettes import api_uri, parsed_body

    path = urlsplit(api_uri(request.uri)).path
    body = parsed_body(request)
    with kata_time():  # the backend's own computing is not the learner's code: it never counts against a test's limit
        status, headers, payload = backend.handle(request.method.upper(), path, body)
    headers = {name: [str(value)] for name, value in headers.items()}
    headers[REPLAY_HEADER] = [COMPUTED]
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:  # pragma: no cover - the backend only answers standard statuses
        phrase = ""
    return {"status": {"code": status, "message": phrase}, "headers": headers,
            "body": {"string": json.dumps(payload, ensure_ascii=False).encode("utf-8")}}


def install() -> None:
    """Wrap vcrpy's Cassette so a request no cassette holds is computed where `computes_for` says so."""
    from vcr.cassette import Cassette
    from vcr.errors import UnhandledHTTPRequestError

    if getattr(Cassette.can_play_response_for, "kata_replay", False):
        return
    their_can_play, their_play = Cassette.can_play_response_for, Cassette.play_response

    def can_play_response_for(self, request):
        return their_can_play(self, request) or computes_for(self, request)

    def play_response(self, request):
        try:
            return their_play(self, request)
        except UnhandledHTTPRequestError:
            if not computes_for(self, request):
                raise
            return computed_response(request)

    can_play_response_for.kata_replay = play_response.kata_replay = True
    Cassette.can_play_response_for, Cassette.play_response = can_play_response_for, play_response


def _reference_dimension() -> int:
    from kata.backend import embedder

    return embedder.DIMENSION


def _voyage_dimension(response) -> int | None:
    """The length of the first embedding in a Voyage embeddings response; None for any other response."""
    raw = (response.get("body") or {}).get("string")
    if not raw:
        return None
    try:
        payload = json.loads(raw)
        data = payload.get("data") if isinstance(payload, dict) else None
        vector = data[0].get("embedding") if isinstance(data, list) and data and isinstance(data[0], dict) else None
    except (ValueError, TypeError, AttributeError):
        return None
    if isinstance(vector, str):
        try:
            return len(base64.b64decode(vector)) // 4
        except ValueError:
            return None
    return len(vector) if isinstance(vector, list) else None
