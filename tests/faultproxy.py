"""A small real HTTP proxy on 127.0.0.1 that puts network faults between the kiosk and the hub.

Stdlib only, one thread per client connection, one request per connection (it answers with
`Connection: close`, so every kiosk request opens a fresh connection and sees the current mode).
The test switches the behaviour at run time:

    with FaultProxy(hub.url) as proxy:
        proxy.set_mode("refuse")            # hub down: every connection is reset at once
        proxy.fail_keys.add(action_id)      # 500 for requests whose Idempotency-Key is this
        proxy.blocked_keys[action_id] = 403 # a WAF's HTML page with that status, for this key
        proxy.set_mode("blocked", status=403, path="/api/v1/catalog")  # the same, by path
        proxy.set_mode("hang")              # accept, read the request, never answer
        proxy.set_mode("cut_after_forward", times=1, path="/api/v1/actions")
                                            # hub commits, the kiosk reads nothing
        proxy.set_mode("unauthorized")      # 401 for everything
        proxy.set_mode("unavailable", retry_after="30")  # 503 with Retry-After for everything
        proxy.set_mode("pass")

Bounded: at most `max_connections` at once, every socket has a timeout, hung connections are
released at `stop()`, and the proxy stops itself after `max_lifetime` seconds. The listening port
stays the proxy's from start to stop, even in "refuse" mode: closing and binding it again would
let another process on a busy machine take it meanwhile.
"""

from __future__ import annotations

import ipaddress
import json
import select
import socket
import struct
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlparse

MODES = ("pass", "refuse", "hang", "cut_after_forward", "unauthorized", "unavailable",
         "blocked")
_HEAD_LIMIT = 64 * 1024
_BODY_LIMIT = 8 * 1024 * 1024


@dataclass(frozen=True)
class Seen:
    """One request the proxy received, and what it did with it."""

    method: str
    path: str
    key: str | None
    outcome: str  # "forwarded", "failed_500", "hung", "cut", "unauthorized", "unavailable",
    #               "blocked"
    status: int | None = None  # the hub's status when the hub answered (forwarded or cut)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class FaultProxy:
    def __init__(self, upstream_url: str, *, max_connections: int = 32,
                 socket_timeout: float = 10.0, max_lifetime: float = 300.0):
        target = urlparse(upstream_url)
        if target.scheme != "http" or not _is_loopback(target.hostname or ""):
            raise ValueError(f"the fault proxy only fronts a loopback http hub, not {upstream_url}")
        self._upstream = (target.hostname, target.port or 80)
        self._max_connections = max_connections
        self._socket_timeout = socket_timeout
        self._max_lifetime = max_lifetime
        self._cond = threading.Condition()
        self._mode = "pass"
        self._mode_left: int | None = None  # requests left in a counted mode, then "pass"
        self._mode_path: str | None = None  # the mode applies to this path only; others pass
        self._retry_after: str | None = None  # Retry-After sent in "unavailable" mode
        self._blocked_status = 403  # status of the HTML page sent in "blocked" mode
        self._stopping = threading.Event()
        self._listener: socket.socket | None = None
        self._clients: set[socket.socket] = set()
        self._threads: set[threading.Thread] = set()
        self._accept_thread: threading.Thread | None = None
        self.port: int | None = None
        self.fail_keys: set[str] = set()  # 500 for these Idempotency-Keys, in any mode
        self.blocked_keys: dict[str, int] = {}  # key -> status of a WAF's HTML page, in any mode
        self.seen: list[Seen] = []

    # --- control ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def mode(self) -> str:
        with self._cond:
            return self._mode

    def start(self) -> "FaultProxy":
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sock.listen(self._max_connections)
        self._listener = sock
        self.port = sock.getsockname()[1]
        self._accept_thread = threading.Thread(target=self._accept_loop, name="faultproxy-accept",
                                               daemon=True)
        self._accept_thread.start()
        return self

    def set_mode(self, mode: str, *, times: int | None = None, path: str | None = None,
                 retry_after: str | None = None, status: int = 403) -> None:
        """Switch behaviour; with `times`, go back to "pass" after that many requests; with
        `path`, only requests for that path see the fault (not for "refuse"). `retry_after`
        goes with "unavailable", `status` with "blocked". Applies to the next request."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; expected one of {MODES}")
        if mode == "refuse" and (times is not None or path is not None):
            raise ValueError("a refused connection carries no request to count or filter")
        with self._cond:
            self._mode, self._mode_left, self._mode_path = mode, times, path
            self._retry_after = retry_after
            self._blocked_status = status
            if mode == "refuse":
                # A hub that goes down takes its open connections with it.
                for client in list(self._clients):
                    _shutdown(client)
            self._cond.notify_all()

    def wait_for(self, predicate, timeout: float = 10.0) -> bool:
        """Wait until predicate(list of Seen) is true; False at the deadline."""
        with self._cond:
            return self._cond.wait_for(lambda: predicate(self.seen), timeout)

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        with self._cond:
            for client in list(self._clients):
                _shutdown(client)  # its own thread closes it
            self._cond.notify_all()
        if self._accept_thread is not None:
            self._accept_thread.join(timeout)
        for thread in list(self._threads):
            thread.join(timeout)

    def __enter__(self) -> "FaultProxy":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- accepting --------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        deadline = time.monotonic() + self._max_lifetime
        try:
            while not self._stopping.is_set():
                if time.monotonic() > deadline:
                    self._stopping.set()  # forgotten by a test: stop by ourselves
                    break
                ready, _, _ = select.select([self._listener], [], [], 0.05)
                if not ready:
                    continue
                try:
                    client, _ = self._listener.accept()
                except OSError:
                    continue
                with self._cond:
                    refused = self._mode == "refuse"
                    full = len(self._clients) >= self._max_connections
                    if not (refused or full):
                        self._clients.add(client)
                if refused or full:
                    _reset(client)  # the kiosk sees a connection error at once
                    continue
                thread = threading.Thread(target=self._serve, args=(client,),
                                          name="faultproxy-conn", daemon=True)
                self._threads.add(thread)
                thread.start()
        finally:
            _close(self._listener)

    # --- one connection, one request --------------------------------------------------------

    def _take_mode(self, path: str, key: str | None) -> tuple[str, int | None]:
        """(mode, status of the page for "blocked") for this request."""
        with self._cond:
            if key is not None and key in self.fail_keys:
                return "fail_500", None
            if key is not None and key in self.blocked_keys:
                return "blocked", self.blocked_keys[key]
            if self._mode_path is not None and path.split("?")[0] != self._mode_path:
                return "pass", None
            mode, status = self._mode, self._blocked_status
            if self._mode_left is not None and mode != "pass":
                self._mode_left -= 1
                if self._mode_left <= 0:
                    self._mode, self._mode_left, self._mode_path = "pass", None, None
            return mode, status

    def _record(self, seen: Seen) -> None:
        with self._cond:
            self.seen.append(seen)
            self._cond.notify_all()

    def _serve(self, client: socket.socket) -> None:
        try:
            client.settimeout(self._socket_timeout)
            request = _read_request(client)
            if request is None:
                return
            head, body, method, path, key = request
            mode, blocked_status = self._take_mode(path, key)
            if mode == "fail_500":
                self._record(Seen(method, path, key, "failed_500"))
                _answer(client, 500, {"error": "injected", "detail": "fault proxy: 500"})
            elif mode == "unauthorized":
                self._record(Seen(method, path, key, "unauthorized"))
                _answer(client, 401, {"error": "unauthorized", "detail": "fault proxy: 401"})
            elif mode == "unavailable":
                self._record(Seen(method, path, key, "unavailable"))
                extra = {"Retry-After": self._retry_after} if self._retry_after else {}
                _answer(client, 503, {"error": "unavailable", "detail": "fault proxy: 503"},
                        extra)
            elif mode == "blocked":
                self._record(Seen(method, path, key, "blocked", blocked_status))
                _answer_html(client, blocked_status,
                             b"<html><body><h1>Request blocked</h1>"
                             b"<p>Your request was blocked by the security policy.</p>"
                             b"</body></html>")
            elif mode == "hang":
                self._record(Seen(method, path, key, "hung"))
                # Hold the connection, say nothing, until the kiosk gives up or we stop.
                while not self._stopping.is_set():
                    ready, _, _ = select.select([client], [], [], 0.05)
                    if ready and not client.recv(4096):
                        break
            elif mode == "refuse":
                # Arrived just before the switch: behave like a hub that died mid-request.
                self._record(Seen(method, path, key, "cut"))
                _reset(client)
            else:
                answer = self._forward(head, body)
                status = _status_of(answer)
                if mode == "cut_after_forward":
                    self._record(Seen(method, path, key, "cut", status))
                    _reset(client)  # the hub has committed; the kiosk never hears about it
                else:
                    client.sendall(answer)
                    self._record(Seen(method, path, key, "forwarded", status))
        except (OSError, ValueError):
            pass
        finally:
            with self._cond:
                self._clients.discard(client)
            _close(client)
            self._threads.discard(threading.current_thread())

    def _forward(self, head: bytes, body: bytes) -> bytes:
        """Send the request to the hub with `Connection: close`; return its whole answer."""
        lines = head.split(b"\r\n")
        kept = [line for line in lines[1:] if line and not line.lower().startswith(
            (b"connection:", b"keep-alive:", b"proxy-connection:"))]
        request = b"\r\n".join([lines[0], *kept, b"Connection: close", b"", b""]) + body
        with socket.create_connection(self._upstream, timeout=self._socket_timeout) as upstream:
            upstream.sendall(request)
            chunks = []
            while True:
                chunk = upstream.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        return b"".join(chunks)


def _read_request(client: socket.socket):
    """(head, body, method, path, idempotency key) of one request, or None if it never came."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = client.recv(65536)
        if not chunk:
            return None
        data += chunk
        if len(data) > _HEAD_LIMIT:
            _answer(client, 431, {"error": "too_large", "detail": "fault proxy: head too large"})
            return None
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, path = (lines[0].split(" ") + ["", ""])[:2]
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "chunked" in headers.get("transfer-encoding", "").lower():
        _answer(client, 501, {"error": "unsupported", "detail": "fault proxy: chunked body"})
        return None
    length = int(headers.get("content-length") or 0)
    if length > _BODY_LIMIT:
        _answer(client, 413, {"error": "too_large", "detail": "fault proxy: body too large"})
        return None
    while len(body) < length:
        chunk = client.recv(65536)
        if not chunk:
            return None
        body += chunk
    return head, body, method, path, headers.get("idempotency-key")


def _status_of(answer: bytes) -> int | None:
    try:
        return int(answer.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return None


def _answer(client: socket.socket, status: int, payload: dict,
            headers: dict | None = None) -> None:
    body = json.dumps(payload).encode()
    reasons = {401: "Unauthorized", 413: "Payload Too Large",
               431: "Request Header Fields Too Large", 500: "Internal Server Error",
               501: "Not Implemented", 503: "Service Unavailable"}
    extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
    head = (f"HTTP/1.1 {status} {reasons.get(status, 'Error')}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"{extra}Connection: close\r\n\r\n").encode()
    client.sendall(head + body)


def _answer_html(client: socket.socket, status: int, body: bytes) -> None:
    """An error page as a proxy or a WAF sends it: HTML, not the hub's {error, detail}."""
    head = (f"HTTP/1.1 {status} Blocked\r\nContent-Type: text/html; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
    client.sendall(head + body)


def _reset(sock: socket.socket) -> None:
    """Close with a TCP reset (SO_LINGER 0): the peer gets a connection error, not an EOF."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
    except OSError:
        pass


def _shutdown(sock: socket.socket) -> None:
    """Wake whoever is blocked on this socket; the owning thread then closes it."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _close(sock: socket.socket) -> None:
    _shutdown(sock)
    try:
        sock.close()
    except OSError:
        pass
