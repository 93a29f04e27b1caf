"""Tests run offline: the SDKs start without keys, and learner code cannot reach the network.

pytest-recording decides, test by test, when the network is blocked (always, except while
`kata record` records an API test). The kata keeps that decision and changes what blocking means:
a DNS lookup is blocked as well as a connection (pytest-recording lets lookups through), and the
exception names the host and port and says what to do, in words, instead of "Network is disabled".
"""

from __future__ import annotations

import ipaddress
import os
import socket
import traceback
from pathlib import Path

from kata.world import causes

# Set by `kata record`: "backend" (the local reference backend) or "live" (the real APIs).
RECORDING_ENV = "KATA_RECORDING"

# The SDKs refuse to start without a key, even an empty one; replay needs none.
KEY_VARIABLES = ("ANTHROPIC_API_KEY", "VOYAGE_API_KEY")
REPLAY_KEY = "replay-needs-no-key"

# Names that resolve without leaving the machine: looking them up is not network access.
LOOPBACK_NAMES = ("localhost", "ip6-localhost", "ip6-loopback")


class NetworkBlocked(RuntimeError):
    """Learner code tried to reach the network under test. Not an OSError, so that no HTTP library
    retries it or takes it for a server that is merely down."""

    def __init__(self, host, port):
        self.host, self.port = _text(host), port
        where = f"{self.host}:{port}" if port not in (None, "", 0) else self.host
        doubled = (f" (a host named {self.host!r} is what a URL with two schemes gives, 'http://https://…')"
                   if self.host.lower() in ("http", "https") else "")
        super().__init__(
            f"Your code tried to reach {where} over the network{doubled}; the kata runs offline and answers the "
            "course's API calls from cassettes: reach the API the way the unit's docstring says.")


def configure(config) -> None:
    """Called once from the plugin's pytest_configure: replay's environment, and the network guard."""
    # No test ever reaches the network: pytest-recording blocks it, except while `kata record`
    # records a test marked @pytest.mark.vcr.
    config.option.block_network = True
    _guard_lookups_too()
    if os.environ.get(RECORDING_ENV) != "live":
        replay_environment(os.environ)


def replay_environment(environ) -> None:
    """Give every SDK key that is unset or empty a dummy value: replay sends it nowhere."""
    for name in KEY_VARIABLES:
        if not environ.get(name, "").strip():
            environ[name] = REPLAY_KEY


def blocked_call(error: BaseException | None) -> NetworkBlocked | None:
    """The blocked network call inside `error` (however an SDK or learner code wrapped it), or None."""
    return causes.find_cause(error, NetworkBlocked)


def explain_blocked(error: BaseException, folders, display_path=str) -> str | None:
    """The teaching message for a blocked network call inside `error`, with the learner's line; or None.
    `folders`: a callable giving the learner's folders (its tree, its swapped-in files' folders), asked only
    when a call was blocked; `display_path`: how a learner's file is named (the plugin hands impl's)."""
    blocked = blocked_call(error)
    if blocked is None:
        return None
    folders = set(folders())
    # the learner's frames: carried by an error that crossed the wall from the learner's process, else its own
    frames = [traceback.FrameSummary(f[0], f[1], f[2]) for f in getattr(blocked, "kata_frames", None) or
              getattr(error, "kata_frames", None) or []] or traceback.extract_tb(error.__traceback__)
    mine = [f for f in frames if Path(f.filename).parent in folders]
    where = f"\n(the call is at {display_path(Path(mine[-1].filename))}:{mine[-1].lineno})" if mine else ""
    return f"{blocked}{where}"


# --- the guard: installed where pytest-recording installs its own, removed where it removes it

_ORIGINAL = {
    "connect": socket.socket.connect,
    "connect_ex": socket.socket.connect_ex,
    "getaddrinfo": socket.getaddrinfo,
    "gethostbyname": socket.gethostbyname,
    "gethostbyname_ex": socket.gethostbyname_ex,
}


def loopback_only() -> None:
    """Outside pytest (`kata show`): block the network as under test, but let loopback through, where
    the reference backend listens."""
    from pytest_recording import network

    _guard_lookups_too()
    network.unblock_socket()
    network.block_socket(allowed_hosts=["127.0.0.1"])


def _guard_lookups_too() -> None:
    try:
        from pytest_recording import network
    except ImportError:  # pragma: no cover - pytest-recording absent: nothing blocks, as before
        return
    if getattr(network.block_socket, "kata_guard", False):
        return
    their_block, their_unblock = network.block_socket, network.unblock_socket

    def block_socket(allowed_hosts=None):
        their_block(allowed_hosts=allowed_hosts)  # keeps their socketpair exemption (asyncio's self-pipe)
        their_connect, their_connect_ex = socket.socket.connect, socket.socket.connect_ex
        socket.socket.connect = _connect_guard(their_connect, _ORIGINAL["connect"])
        socket.socket.connect_ex = _connect_guard(their_connect_ex, _ORIGINAL["connect_ex"])
        socket.getaddrinfo = _lookup_guard(_ORIGINAL["getaddrinfo"])
        socket.gethostbyname = _lookup_guard(_ORIGINAL["gethostbyname"])
        socket.gethostbyname_ex = _lookup_guard(_ORIGINAL["gethostbyname_ex"])

    def unblock_socket():
        their_unblock()
        for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex"):
            setattr(socket, name, _ORIGINAL[name])

    block_socket.kata_guard = True
    network.block_socket, network.unblock_socket = block_socket, unblock_socket


def _connect_guard(theirs, original):
    """Their guard, raising our exception instead of RuntimeError("Network is disabled for host ...")."""

    def connect(self, address, *args, **kwargs):
        if self.family == getattr(socket, "AF_UNIX", None):  # a file on this machine, not the network
            return original(self, address, *args, **kwargs)
        try:
            return theirs(self, address, *args, **kwargs)
        except RuntimeError as error:
            if "Network is disabled" not in str(error):
                raise
            host, port = (address[0], address[1]) if isinstance(address, tuple) and len(address) > 1 else (address, None)
            raise NetworkBlocked(host, port) from None

    return connect


def _lookup_guard(original):
    """A name lookup (DNS) leaves the machine unless the name is loopback's."""

    def lookup(host, *args, **kwargs):
        if host is None or _is_loopback(_text(host)):
            return original(host, *args, **kwargs)
        raise NetworkBlocked(host, args[0] if args else kwargs.get("port"))

    return lookup


def _is_loopback(name: str) -> bool:
    try:
        return ipaddress.ip_address(name.strip("[]")).is_loopback
    except ValueError:
        return name.lower().rstrip(".") in LOOPBACK_NAMES


def _text(host) -> str:
    return host.decode("utf-8", "replace") if isinstance(host, (bytes, bytearray)) else str(host)
