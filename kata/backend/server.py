"""The reference backend over HTTP, for `kata serve` and `kata record`: bytes in and out, nothing more.

    make_server(host="127.0.0.1", port=0) -> server   (not yet serving; port 0 picks a free port)
    serve(host="127.0.0.1", port=8765)                  prints how to point the SDKs here, serves until Ctrl-C

Every request goes to core.handle(method, path, body), which answers the same in process; the routes,
the provenance headers and the error shapes are all there. The request's API key is ignored and never
logged.
"""

from __future__ import annotations

import argparse
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import kata.backend.common as common
import kata.backend.core as core
import kata.backend.embedder as embedder
import kata.backend.vectors as vectors
from kata.backend.core import __version__

MAX_BODY = 32 * 1024 * 1024


class Handler(BaseHTTPRequestHandler):
    server_version = f"kata-reference-backend/{__version__}"
    protocol_version = "HTTP/1.1"

    def version_string(self) -> str:
        return self.server_version

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def do_PUT(self):
        self._handle("PUT")

    def do_DELETE(self):
        self._handle("DELETE")

    def do_PATCH(self):
        self._handle("PATCH")

    def _handle(self, method: str) -> None:
        path = urlsplit(self.path).path
        raw = self._read_body()
        if raw is None:
            status, headers, payload = core.reject(method, path, f"request body over {MAX_BODY} bytes", status=413)
        else:
            try:
                body = json.loads(raw.decode("utf-8")) if raw and method == "POST" else None
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                status, headers, payload = core.reject(method, path, f"the request body is not valid JSON: {error}")
            else:
                status, headers, payload = core.handle(method, path, body)
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.server.log(f"{method} {path} {status} {headers.get('x-kata-responder', '-')} "
                        f"{headers['x-kata-latency-ms']} ms")

    def _read_body(self) -> bytes | None:
        """The request body (chunked or not), or None when it is over MAX_BODY."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
                if sum(map(len, chunks)) > MAX_BODY:
                    return None
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return None
        return self.rfile.read(length) if length else b""

    def log_message(self, format, *args):
        pass  # one line per request goes through server.log instead (quiet by default)


class BackendServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, quiet: bool = True):
        super().__init__(address, Handler)
        self.quiet = quiet

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def log(self, line: str) -> None:
        if not self.quiet:
            print(line, file=sys.stderr, flush=True)


def make_server(host: str = "127.0.0.1", port: int = 0, quiet: bool = True) -> BackendServer:
    """A server bound to host:port (0: a free port, see `.url`), not yet serving.

    Run it with `serve_forever()` (in a thread, for tests) and stop it with `shutdown()`.
    """
    return BackendServer((host, port), quiet=quiet)


def how_to_point_the_sdks(url: str) -> str:
    """What `kata serve` prints: each SDK pointed here, as a learner would set it."""
    return f"""foundations-katas reference backend {__version__} on {url}
Point the SDKs at it (any API key works; none is needed or logged):
  Anthropic: export ANTHROPIC_BASE_URL={url} ANTHROPIC_API_KEY=any
  Ollama:    export OLLAMA_HOST={url}
  Voyage:    the voyageai SDK reads no base-URL variable; in Python:
               import voyageai
               vo = voyageai.Client(api_key="any", base_url="{url}/v1")
Not Voyage, Anthropic or Ollama output: every response says so in its x-kata-backend header.
Ctrl-C stops it."""


def serve(host: str = "127.0.0.1", port: int = 8765) -> None:
    """Load the model, print how to point the SDKs here, and serve until Ctrl-C."""
    server = make_server(host, port, quiet=False)
    print("loading all-MiniLM-L6-v2 (numpy, offline) ...", file=sys.stderr, flush=True)
    embedder.model()
    common.count_tiktoken("")
    print(how_to_point_the_sdks(server.url), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m kata.backend", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--vectors", type=Path, help="keep computed vectors in this folder (`kata serve`: .kata/cache)")
    parser.add_argument("--recordings", type=Path, help="seed that store from the cassettes in this folder")
    args = parser.parse_args(argv)
    if args.vectors and args.recordings:  # else every vector is computed: this package knows no cache and no cassette
        vectors.use(lambda: args.vectors, args.recordings)
    serve(args.host, args.port)


if __name__ == "__main__":
    main()
