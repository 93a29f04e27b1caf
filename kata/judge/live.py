"""`kata check N --live` and `kata show N --live`: your own code against the real vendors, with your keys.

The kata command's process (the judge) runs a small HTTP endpoint on loopback for the length of the
run, and the worker's child points the three SDKs at it with placeholder keys: your keys never enter
the process that runs your code, the endpoint adds them to what it sends. For each request it:

- replays it from `.kata/live/<unit>/` when an earlier run kept the same request (method, path and
  JSON body, matched as cassettes are): free, and nothing leaves the machine;
- else, while under the cap (--max-requests), sends it to the vendor (ANTHROPIC_BASE_URL,
  KATA_VOYAGE_BASE_URL and OLLAMA_HOST say where, as for `kata record --live`), keeps a 2xx answer
  in `.kata/live/<unit>/`, and adds its tokens to the run's cost;
- past the cap, answers 429 without sending anything.

Every error it returns (the vendor's 401, 429 or 5xx, a host it could not reach, the cap) carries the
reason in words in an `x-kata-live-error` header: `explain()` finds it in whatever the SDK raised, so
the test fails with that sentence, not a traceback. The shipped cassettes are only read, for the
estimate printed before the first request.
"""

from __future__ import annotations

import contextlib
import hashlib
import http
import json
import os
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from kata.world import causes, cassettes
from kata.units import ROOT, Unit

LIVE_DIR = ROOT / ".kata" / "live"  # one folder per unit; `rm -r .kata/live/<unit>` forgets its requests
LIVE_ENV = "KATA_LIVE"  # set in the worker's child: the endpoint's URL
ERROR_HEADER = "x-kata-live-error"
PLACEHOLDER_KEY = "added-by-kata-live"  # what your code sees; the endpoint sends your real key
TIME_LIMIT = 300.0  # seconds a test may take live: a vendor answers in seconds, not milliseconds
SHOW_TIME_LIMIT = 900.0
# The child's pytest: no cassettes (the endpoint replays and records), and only loopback reachable.
PYTEST_ARGS = ("--disable-recording", r"--allowed-hosts=127\.0\.0\.1")
MEASUREMENT_MARK = "reference_measurement"
MEASUREMENT_NOTE = ("Run live: this test's example question is a measurement of the reference backend's MiniLM on "
                    "the sample corpus (docs/offline.md: \"after a live re-recording, those few tests may need other example "
                    "questions\"). With the real models another question may be the one it needs; this failure "
                    "alone does not prove your code wrong.")


@dataclass(frozen=True)
class Vendor:
    name: str
    host: str  # its default host, as in kata.world.cassettes.API_PATHS
    base_variable: str  # where a request really goes, when set
    key_variable: str | None
    key_page: str


VENDORS = (
    Vendor("Anthropic", "https://api.anthropic.com", "ANTHROPIC_BASE_URL", "ANTHROPIC_API_KEY",
           "https://console.anthropic.com/settings/keys"),
    Vendor("Voyage AI", "https://api.voyageai.com", "KATA_VOYAGE_BASE_URL", "VOYAGE_API_KEY",
           "https://dashboard.voyageai.com/ (API keys)"),
    Vendor("Ollama", "http://localhost:11434", "OLLAMA_HOST", None, "https://ollama.com/download"),
)


def vendor_of(uri: str) -> Vendor | None:
    """The vendor whose API a request's URI is (any host), or None."""
    if not cassettes.is_api_request(uri):
        return None
    host = "{0}://{1}".format(*urlsplit(cassettes.api_uri(uri))[:2])
    return next(v for v in VENDORS if v.host == host)


def upstream(vendor: Vendor, api_path: str, environ=os.environ) -> str:
    """Where the endpoint sends `api_path` of `vendor`: its variable's base when set, else its default host."""
    base = (environ.get(vendor.base_variable) or "").strip()
    if vendor.name == "Voyage AI":  # the variable ends in /v1, as the SDK's base_url does
        return (base.rstrip("/").removesuffix("/v1") if base else vendor.host) + api_path
    if vendor.name == "Ollama" and base and "://" not in base:  # Ollama's own rule: "host[:port]", http
        base = "http://" + base + ("" if ":" in base else ":11434")
    return (base.rstrip("/") or vendor.host) + api_path


# --- what a request costs: tokens from the response's usage, dollars from kata/models.py


def usage_of(path: str, request_body, response_text: str) -> tuple[str, int, int, float | None]:
    """(model, input tokens, output tokens, dollars; None when the model has no list price) of one answer."""
    from kata.models import PRICES_PER_MTOK

    model = str(request_body.get("model", "?")) if isinstance(request_body, dict) else "?"
    events = _events(response_text)
    if path.endswith("/count_tokens"):  # Anthropic counts tokens for free
        return model, 0, 0, 0.0
    if path.startswith("/api/"):  # Ollama: a model on your own machine costs no tokens
        return (model, max((e.get("prompt_eval_count") or 0 for e in events), default=0),
                max((e.get("eval_count") or 0 for e in events), default=0), 0.0)
    usages = [u for e in events for u in (e.get("usage"), (e.get("message") or {}).get("usage")) if isinstance(u, dict)]
    tokens_in = max((u.get("input_tokens") or u.get("total_tokens") or 0 for u in usages), default=0)
    tokens_out = max((u.get("output_tokens") or 0 for u in usages), default=0)
    price = PRICES_PER_MTOK.get(model)
    dollars = None if price is None else (tokens_in * price[0] + tokens_out * price[1]) / 1e6
    return model, int(tokens_in), int(tokens_out), dollars


def _events(text: str) -> list[dict]:
    """A JSON answer as one event, or a stream's events (Anthropic's SSE `data:` lines, Ollama's NDJSON)."""
    try:
        payload = json.loads(text)
        return [payload] if isinstance(payload, dict) else []
    except (ValueError, TypeError):
        pass
    events = []
    for line in (text or "").splitlines():
        line = line.removeprefix("data:").strip()
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict):
            events.append(event)
    return events


@dataclass
class Tally:
    """Requests and their cost, per vendor and model."""
    requests: int = 0
    dollars: float = 0.0
    by_model: dict = field(default_factory=dict)  # (vendor, model) -> [requests, tokens in, tokens out]
    unpriced: set = field(default_factory=set)

    def add(self, vendor: Vendor, path: str, request_body, response_text: str) -> None:
        model, tokens_in, tokens_out, dollars = usage_of(path, request_body, response_text)
        self.requests += 1
        row = self.by_model.setdefault((vendor.name, model), [0, 0, 0])
        row[0], row[1], row[2] = row[0] + 1, row[1] + tokens_in, row[2] + tokens_out
        if dollars is None:
            self.unpriced.add(model)
        else:
            self.dollars += dollars

    def words(self) -> str:
        parts = [f"{vendor} {model}: {n} request{'s' * (n != 1)}, {t_in:,} input" + (f" + {t_out:,} output" if t_out else "")
                 + " tokens" for (vendor, model), (n, t_in, t_out) in sorted(self.by_model.items())]
        unpriced = (f"; no list price in kata/models.py for {', '.join(sorted(self.unpriced))}, not counted"
                    if self.unpriced else "")
        dollars = f"${self.dollars:.4f}" if self.dollars >= 0.0001 or not self.dollars else "under $0.0001"
        return f"{dollars} ({'; '.join(parts) or 'no requests'}{unpriced})"


def recorded(slug: str) -> list[tuple[str, str, object, str]]:
    """(method, uri, body, response text) of every request the unit's shipped cassettes hold (read only)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    out = []
    for path in sorted((cassettes.CASSETTES / slug).glob("*.yaml")):
        for interaction in (yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {}).get("interactions", []):
            request, response = interaction["request"], interaction["response"]
            body = (response.get("body") or {}).get("string") or ""
            out.append((request["method"], request["uri"], _parsed(request.get("body")),
                        body.decode("utf-8", "replace") if isinstance(body, bytes) else body))
    return out


def _parsed(raw):
    if raw in (None, b"", ""):
        return None
    try:
        return json.loads(raw)
    except (ValueError, TypeError):
        return raw if isinstance(raw, str) else raw.decode("utf-8", "replace")


def estimate(slug: str) -> tuple[Tally, list[Vendor]]:
    """What the unit's tests cost as recorded: the shipped cassettes' requests × the list prices."""
    tally, vendors = Tally(), []
    for method, uri, body, text in recorded(slug):
        vendor = vendor_of(uri)
        if vendor is None:
            continue
        tally.add(vendor, urlsplit(cassettes.api_uri(uri)).path, body, text)
        vendors += [vendor] if vendor not in vendors else []
    return tally, vendors


# --- the endpoint: replay what `.kata/live/<unit>/` keeps, else send it with your key, under the cap


def kept_name(method: str, path: str, body) -> str:
    """The file a request is kept in: its route, and a hash of method, path and JSON body as cassettes match them."""
    canonical = json.dumps([method.upper(), path, cassettes.documented_form(body)], sort_keys=True, ensure_ascii=False)
    return f"{path.strip('/').replace('/', '-')}-{hashlib.sha256(canonical.encode()).hexdigest()[:16]}.json"


_HOP_BY_HOP = {"host", "content-length", "connection", "keep-alive", "transfer-encoding", "accept-encoding",
               "content-encoding", "authorization", "x-api-key", "proxy-authorization", "te", "upgrade"}


def _header_text(text: str) -> str:
    """An HTTP header value: one line, ASCII."""
    return " ".join(str(text).split()).encode("ascii", "replace").decode("ascii")


def _vendor_detail(text: str) -> str:
    """The vendor's own words from an error body (Anthropic's error.message, Voyage's detail, Ollama's error)."""
    events = _events(text)
    payload = events[0] if events else {}
    error = payload.get("error")
    detail = (error.get("message") if isinstance(error, dict) else error) or payload.get("detail") or text
    detail = " ".join(str(detail).split())
    return detail[:200] + ("..." if len(detail) > 200 else "")


def vendor_error(vendor: Vendor, status: int, detail: str, folder: str) -> str:
    """A vendor's error answer, in words: what it means and what to do."""
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = "Overloaded" if status == 529 else "error"
    said = f"{vendor.name} answered {status} {phrase}" + (f" ({detail})" if detail else "")
    if status in (401, 403) and vendor.key_variable:
        return (f"{said}: it refused your key. Check {vendor.key_variable} (a key from {vendor.key_page}), "
                f"export it again, and re-run.")
    if status == 429:
        return (f"{said}: your account's rate or spend limit. Wait a minute and run again; the requests already "
                f"answered are kept in {folder} and replay free.")
    if status >= 500:
        return f"{said}: a fault on {vendor.name}'s side, not in your code. Run again later."
    return f"{said}: {vendor.name} refused the request your code sent."


class Endpoint:
    """The loopback endpoint of one live run (a thread in the kata command's process)."""

    def __init__(self, unit: Unit, cap: int, folder: Path, keys: dict[str, str], environ=os.environ):
        from kata.backend.server import BackendServer, Handler

        class LiveHandler(Handler):  # the backend's request reading, a different answer
            server_version = "kata-live"

            def _handle(handler, method: str) -> None:
                raw = handler._read_body() or b""
                status, headers, data = self.answer(method, urlsplit(handler.path).path, dict(handler.headers), raw)
                handler.send_response(status)
                for name, value in headers.items():
                    handler.send_header(name, value)
                handler.send_header("Content-Length", str(len(data)))
                handler.end_headers()
                handler.wfile.write(data)

        self.unit, self.cap, self.folder, self.keys = unit, cap, folder, keys
        self.upstreams = {v.name: {p: upstream(v, p, environ) for p, h in cassettes.API_PATHS if h == v.host}
                          for v in VENDORS}
        self.environ = environ
        self.sent, self.out, self.replayed, self.refused, self.errors = Tally(), 0, 0, 0, []  # errors: their statuses
        self.lock = threading.Lock()
        self.server = BackendServer(("127.0.0.1", 0))
        self.server.RequestHandlerClass = LiveHandler
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return self.server.url

    def shown_folder(self) -> str:
        return (str(self.folder.relative_to(ROOT)) if self.folder.is_relative_to(ROOT) else str(self.folder)) + "/"

    def answer(self, method: str, path: str, headers: dict, raw: bytes) -> tuple[int, dict, bytes]:
        uri = cassettes.api_uri(f"http://127.0.0.1{path}")
        vendor = vendor_of(uri)
        if vendor is None:
            return self._refuse(404, f"kata --live: {method} {path} is none of the course's API calls; nothing was sent.")
        api_path = urlsplit(uri).path
        body = _parsed(raw)
        kept = self.folder / kept_name(method, api_path, body)
        if kept.is_file():
            record = json.loads(kept.read_text(encoding="utf-8"))["response"]
            with self.lock:
                self.replayed += 1
            return record["status"], {**record["headers"], "x-kata-live": "replayed"}, record["body"].encode("utf-8")
        with self.lock:
            if self.out >= self.cap:
                self.refused += 1
                return self._refuse(429, (
                    f"kata --live: this run reached its cap of {self.cap} live requests (--max-requests), so this "
                    f"{vendor.name} request was not sent. If your code really needs more, run again with a higher "
                    f"--max-requests; the answers so far are kept in {self.shown_folder()} and replay free."))
            self.out += 1  # counted as it goes out: requests in flight at once never pass the cap together
        try:
            status, answer_headers, data = self._send(vendor, method, api_path, headers, raw)
        except Exception as error:  # noqa: BLE001 - any failure to reach the vendor is said in words
            hint = ("is Ollama running (`ollama serve`)? OLLAMA_HOST says where it listens" if vendor.name == "Ollama"
                    else f"check your connection, or {vendor.base_variable} if you set it")
            with self.lock:
                self.errors.append(502)
            return self._refuse(502, (
                f"kata --live: {vendor.name} at {upstream(vendor, '', self.environ)} could not be reached "
                f"({type(error).__name__}: {_header_text(str(error))[:160]}): {hint}."))
        text = data.decode("utf-8", "replace")
        if status >= 400:
            with self.lock:
                self.errors.append(status)
            answer_headers[ERROR_HEADER] = _header_text(
                vendor_error(vendor, status, _vendor_detail(text), self.shown_folder()))
            return status, answer_headers, data
        with self.lock:
            self.sent.add(vendor, api_path, body, text)
        self.folder.mkdir(parents=True, exist_ok=True)
        record = {"request": {"method": method.upper(), "uri": uri, "body": body},
                  "response": {"status": status, "headers": answer_headers, "body": text},
                  "kept": f"answered live by {vendor.name} on {date.today().isoformat()}"}
        partial = kept.with_suffix(".partial")
        partial.write_text(json.dumps(record, indent=1, ensure_ascii=False), encoding="utf-8")
        os.replace(partial, kept)  # a run stopped halfway never leaves half a file to replay
        return status, {**answer_headers, "x-kata-live": "sent"}, data

    def _send(self, vendor: Vendor, method: str, api_path: str, headers: dict, raw: bytes) -> tuple[int, dict, bytes]:
        import requests

        out = {k: v for k, v in headers.items() if k.lower() not in _HOP_BY_HOP and not k.lower().startswith("x-kata")}
        if vendor.key_variable == "ANTHROPIC_API_KEY":
            out["x-api-key"] = self.keys[vendor.key_variable]
        elif vendor.key_variable:
            out["Authorization"] = f"Bearer {self.keys[vendor.key_variable]}"
        started = time.perf_counter()
        response = requests.request(method, self.upstreams[vendor.name][api_path], data=raw or None, headers=out,
                                    timeout=300)
        latency = (time.perf_counter() - started) * 1000
        kept = {k: v for k, v in response.headers.items()
                if k.lower() not in _HOP_BY_HOP and k.lower() not in cassettes.SECRET_HEADERS
                and k.lower() not in ("date", "server")}
        kept.setdefault("x-kata-latency-ms", f"{latency:.1f}")  # U11 reads it, as a recording's
        return response.status_code, kept, response.content

    def _refuse(self, status: int, message: str) -> tuple[int, dict, bytes]:
        """An answer of the kata's own, shaped as the vendors' errors are, that the SDKs do not retry."""
        body = {"type": "error", "error": {"type": "kata_live_error", "message": message}, "detail": message}
        return status, {"content-type": "application/json", ERROR_HEADER: _header_text(message),
                        "x-should-retry": "false"}, json.dumps(body).encode("utf-8")


# --- the command's side: keys checked, the estimate, the endpoint up for the run, the cost


def measurement_tests(unit: Unit) -> list[str]:
    """The unit's tests marked as resting on the reference backend's own measurements."""
    text = (ROOT / unit.test_file).read_text(encoding="utf-8")
    return re.findall(rf"@pytest\.mark\.{MEASUREMENT_MARK}\b[^\n]*(?:\n@[^\n]*)*\ndef (\w+)", text)


@contextlib.contextmanager
def session(unit: Unit, max_requests: int | None, command: str, environ=os.environ):
    """Check the keys, print the estimate, serve the endpoint for the run, then print what it cost."""
    from kata.world.offline import REPLAY_KEY

    if max_requests is not None and max_requests < 0:
        raise SystemExit(f"kata {command} --live: --max-requests {max_requests}: give a count of requests, 0 or more.")
    tally, vendors = estimate(unit.slug)
    if not vendors:
        raise SystemExit(f"kata {command} --live: {unit.code} {unit.title} sends no API request, so there is nothing "
                         f"to run live: `kata {command} {unit.number}` is the whole of it.")
    missing = [v for v in vendors if v.key_variable
               and environ.get(v.key_variable, "").strip() in ("", REPLAY_KEY, PLACEHOLDER_KEY)]
    if missing:
        raise SystemExit("\n".join(
            [f"kata {command} {unit.number} --live needs your own key{'s' * (len(missing) > 1)}, and nothing was run:"]
            + [f"  set {v.key_variable}: your {v.name} key, from {v.key_page}" for v in missing]
            + [f"(e.g. `export {missing[0].key_variable}=...` in this shell; the kata adds it to each request it "
               f"sends, your code never sees it)"]))
    keys = {v.key_variable: environ[v.key_variable].strip() for v in vendors if v.key_variable}
    cap = max_requests if max_requests is not None else 2 * tally.requests
    folder = LIVE_DIR / unit.slug
    endpoint = Endpoint(unit, cap, folder, keys, environ)
    kept = len(list(folder.glob("*.json"))) if folder.is_dir() else 0
    guide = "its tests" if command == "check" else "its tests (a show sends others; they are the nearest guide)"
    print(f"{unit.code} live: your code against {', '.join(v.name for v in vendors)}, with your keys.")
    print(f"  Estimate: the shipped recordings of {guide} hold {tally.requests} requests, about {tally.words()} "
          f"at the list prices in kata/models.py.")
    print(f"  Cap: {cap} live requests (--max-requests). {kept} kept in {endpoint.shown_folder()} from earlier runs "
          f"replay free.")
    if any(v.name == "Ollama" for v in vendors):
        print(f"  Ollama: {upstream(VENDORS[2], '', environ)} (OLLAMA_HOST), no key; pull the model first.")
    measured = measurement_tests(unit) if command == "check" else []
    if measured:
        print(f"  {len(measured)} of {unit.code}'s tests rest on the reference backend's own measurements "
              f"({', '.join(measured)}): with the real models they may need other example questions, and their "
              f"failures say so.")
    endpoint.thread.start()
    try:
        yield endpoint
    finally:
        endpoint.server.shutdown()
        endpoint.server.server_close()
        failed = endpoint.errors
        print(f"\nLive: {endpoint.sent.requests} requests answered by the vendors, {endpoint.replayed} replayed from "
              f"{endpoint.shown_folder()} (free)"
              + (f", {len(failed)} failed (status {', '.join(map(str, sorted(set(failed))))})" if failed else "")
              + (f", {endpoint.refused} not sent (the cap of {cap})" if endpoint.refused else "") + ".")
        print(f"  They cost {endpoint.sent.words()} at the list prices in kata/models.py. "
              f"`rm -r {endpoint.shown_folder()}` forgets them, and the next run asks the vendors again.")


# --- the child's side (the worker's process that runs your code)


def child_environment(environ, base: str) -> None:
    """Point the SDKs (and U11's Ollama calls) at the endpoint, with placeholders for the keys."""
    environ[LIVE_ENV] = base
    environ["ANTHROPIC_BASE_URL"] = environ["OLLAMA_HOST"] = base
    environ["KATA_VOYAGE_BASE_URL"] = f"{base}/v1"
    for vendor in VENDORS:
        if vendor.key_variable:
            environ[vendor.key_variable] = PLACEHOLDER_KEY
    environ.pop("ANTHROPIC_AUTH_TOKEN", None)


def point_voyage() -> None:
    """voyageai reads no base-URL variable: send its default-host requests where KATA_VOYAGE_BASE_URL says."""
    base = os.environ.get("KATA_VOYAGE_BASE_URL")
    if base:
        import voyageai._base

        voyageai._base.get_default_base_url = lambda api_key: base


def running_live() -> bool:
    return bool(os.environ.get(LIVE_ENV))


def explain(error: BaseException | None) -> str | None:
    """The endpoint's sentence for an error answer, found in whatever the SDK or learner code raised; or None."""
    found = causes.find_matching(error, lambda e: _error_header(e) is not None)
    return _error_header(found) if found is not None else None


def _error_header(error) -> str | None:
    for headers in (getattr(error, "headers", None), getattr(getattr(error, "response", None), "headers", None)):
        try:
            value = headers.get(ERROR_HEADER) if headers is not None else None
        except Exception:  # noqa: BLE001 - an exception's own `headers` that is no mapping
            value = None
        if value:
            return value
    return None
