"""The learner process's HTTP: every request its SDKs send goes to the judge over the channel.

The SDKs are the real ones (anthropic on httpx2, voyageai on requests, ollama on httpx); only the last
step, putting bytes on a socket, is replaced by a question to the judge, who answers from its
cassettes, its reference backend or a test's stand-in, and counts what was asked. The learner process
has no network of its own, so nothing else could leave it anyway.
"""

from __future__ import annotations

import base64


class RequestRefused(BaseException):
    """The judge could not answer a request (a recording that does not match, a blocked address): the
    judge reports why. A BaseException, so no SDK retries it and no `except Exception` hides it."""


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
    try:
        import requests.adapters

        requests.adapters.HTTPAdapter.send = _requests_send
    except ImportError:  # pragma: no cover
        pass


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
