"""The learner process's HTTP: every request its SDKs send goes to the judge over the channel.

The SDKs are the real ones (anthropic on httpx2, voyageai on requests and its AsyncClient on aiohttp, ollama on
httpx); only the last step, putting bytes on a socket, is replaced by a question to the judge, who answers from
its cassettes, its reference backend or a test's stand-in, and counts what was asked. The learner process
has no network of its own, so nothing else could leave it anyway.
"""

from __future__ import annotations

import base64


class RequestRefused(BaseException):
    """The judge could not answer a request (a recording that does not match, a blocked address): the
    judge reports why. A BaseException, so no SDK retries it and no `except Exception` hides it."""


class NoNetwork(RuntimeError):
    """The learner's code reached for the network itself (not through an SDK). Not an OSError, so no HTTP
    library retries it; the judge reports it naming the host and port."""

    def __init__(self, host, port=None):
        self.host, self.port = str(host), port
        super().__init__(f"{host}:{port}" if port else str(host))


def no_network() -> None:
    """The learner process has no network of its own; reaching for one names what was reached for."""
    import socket

    def connect(self, address, *args, **kwargs):
        if self.family == socket.AF_UNIX:
            return _connect(self, address, *args, **kwargs)
        raise NoNetwork(*(address if isinstance(address, tuple) else (address,))[:2])

    def getaddrinfo(host, port, *args, **kwargs):
        raise NoNetwork(host.decode() if isinstance(host, bytes) else host, port)

    _connect = socket.socket.connect
    socket.socket.connect = connect
    socket.socket.connect_ex = connect
    socket.getaddrinfo = getaddrinfo


_ask = [None]  # set by install(): sends one request to the judge and returns its answer


def install(ask) -> None:
    _ask[0] = ask
    for name in ("httpx", "httpx2"):
        try:
            library = __import__(name)
        except ImportError:  # pragma: no cover - an SDK that is not installed sends nothing
            continue
        library.HTTPTransport.handle_request = _httpx_handler(library, name)
        library.AsyncHTTPTransport.handle_async_request = _httpx_async_handler(library, name)
        _one_tls_context(library)
    try:
        import requests.adapters

        requests.adapters.HTTPAdapter.send = _requests_send
    except ImportError:  # pragma: no cover
        pass
    try:
        import aiohttp  # voyageai's AsyncClient

        aiohttp.ClientSession._request = _aiohttp_request
    except ImportError:  # pragma: no cover
        pass


def _one_tls_context(library) -> None:
    """Every client the learner's code makes gets the same TLS context: this process never opens a TLS connection
    (its requests cross to the judge as values), and loading the certificates for each new client cost ~55 ms
    (`anthropic.Anthropic()` inside a function the tests call a hundred times: seconds a unit)."""
    transports = getattr(getattr(library, "_transports", None), "default", None)
    make = getattr(transports, "create_ssl_context", None)
    if make is None or getattr(make, "kata_made", None):  # pragma: no cover - another httpx layout: its own cost
        return
    made = {}

    def create_ssl_context(verify=True, cert=None, trust_env=True):
        if cert is not None or not isinstance(verify, bool):  # a context or a path of the learner's own: as asked
            return make(verify=verify, cert=cert, trust_env=trust_env)
        key = (verify, trust_env)
        if key not in made:
            made[key] = make(verify=verify, cert=cert, trust_env=trust_env)
        return made[key]

    create_ssl_context.kata_made = make
    transports.create_ssl_context = create_ssl_context


def _exchange(library: str, method: str, url: str, headers, body: bytes) -> dict:
    answer = _ask[0]({"kind": "http", "library": library, "method": method, "url": url,
                      "headers": [[str(k), str(v)] for k, v in headers], "body": base64.b64encode(body).decode()})
    if answer.get("refused"):
        raise RequestRefused(answer["refused"])
    return answer


def _httpx_handler(library, name):
    def handle_request(self, request):
        answer = _exchange(name, request.method, str(request.url), request.headers.multi_items(), request.read())
        if answer.get("unreachable"):
            raise library.ConnectError(answer["unreachable"], request=request)
        return library.Response(answer["status"], headers=answer["headers"], content=base64.b64decode(answer["body"]),
                                request=request)
    return handle_request


def _httpx_async_handler(library, name):
    async def handle_async_request(self, request):
        body = await request.aread()
        answer = _exchange(name, request.method, str(request.url), request.headers.multi_items(), body)
        if answer.get("unreachable"):
            raise library.ConnectError(answer["unreachable"], request=request)
        return library.Response(answer["status"], headers=answer["headers"], content=base64.b64decode(answer["body"]),
                                request=request)
    return handle_async_request


def _requests_send(self, request, **kwargs):
    import requests
    from requests.structures import CaseInsensitiveDict

    body = request.body or b""
    answer = _exchange("requests", request.method, request.url, request.headers.items(),
                       body.encode() if isinstance(body, str) else bytes(body))
    if answer.get("unreachable"):
        raise requests.exceptions.ConnectionError(answer["unreachable"], request=request)
    response = requests.Response()
    response.status_code = answer["status"]
    response.headers = CaseInsensitiveDict({k: v for k, v in answer["headers"]})
    response._content = base64.b64decode(answer["body"])
    response.url, response.request, response.encoding = request.url, request, "utf-8"
    response.reason = ""
    return response


async def _aiohttp_request(self, method, url, *, data=None, json=None, headers=None, **kwargs):
    """aiohttp's one way out (voyageai's AsyncClient): the request goes to the judge like the others, and its answer
    comes back as a response holding the whole body (read, text, json, status, headers, raise_for_status)."""
    import json as jsonlib

    import aiohttp
    from multidict import CIMultiDict

    sent = CIMultiDict(self.headers or {})
    sent.update(headers or {})
    body = jsonlib.dumps(json).encode() if json is not None else data or b""
    if json is not None:
        sent.setdefault("Content-Type", "application/json")
    answer = _exchange("aiohttp", method.upper(), str(url), sent.items(), body.encode() if isinstance(body, str) else bytes(body))
    if answer.get("unreachable"):
        raise aiohttp.ClientConnectionError(answer["unreachable"])
    return _AiohttpResponse(method.upper(), str(url), answer["status"], answer["headers"], base64.b64decode(answer["body"]))


class _AiohttpResponse:
    """What aiohttp's ClientResponse offers an SDK, over a body already here."""

    def __init__(self, method: str, url: str, status: int, headers, body: bytes):
        from multidict import CIMultiDict, CIMultiDictProxy
        from yarl import URL

        self.method, self.url, self.status, self.reason, self._body = method, URL(url), status, "", body
        self.headers = CIMultiDictProxy(CIMultiDict(headers))
        self.content_type = self.headers.get("Content-Type", "application/octet-stream").split(";")[0].strip()
        self.ok = status < 400

    async def read(self) -> bytes:
        return self._body

    async def text(self, encoding: str | None = None, errors: str = "strict") -> str:
        return self._body.decode(encoding or "utf-8", errors)

    async def json(self, *, loads=None, **kwargs):
        import json

        return (loads or json.loads)(self._body.decode("utf-8"))

    def raise_for_status(self) -> None:
        if not self.ok:
            import aiohttp

            raise aiohttp.ClientResponseError(None, (), status=self.status, message=self.reason, headers=self.headers)

    def release(self) -> None:
        pass

    def close(self) -> None:
        pass

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc) -> None:
        pass
