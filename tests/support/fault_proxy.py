"""A fault-injecting HTTP proxy on 127.0.0.1, in front of the emulator, for the provider's tests.

It injects the real controller's faults that the emulator of this branch does not: a 500 before
forwarding, a 429 with ``Retry-After``, a 500 after the request was forwarded (and committed),
a connection dropped after forwarding, and an answer held back beyond the client's timeout.
Faults are chosen per method and path, either by rules (the next ``times`` matching requests)
or at random with a seeded rate; every injection is counted, and every request is recorded
with its tenant header and the status the client saw.
"""

from __future__ import annotations

import http.client
import random
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection", "te", "trailer", "upgrade"}
)
_OWN = frozenset({"server", "date"})  # the proxy's own send_response writes these


class Fault(Enum):
    """What the proxy does to one request."""

    ERROR_BEFORE = "500-before"  # answer 500, nothing forwarded
    THROTTLE = "429"  # answer 429 with Retry-After, nothing forwarded
    ERROR_AFTER = "500-after"  # forward (the controller commits), then answer 500
    DROP_AFTER = "drop-after"  # forward, then close the connection without an answer
    SLOW_AFTER = "slow-after"  # forward, then hold the answer past the client's timeout


@dataclass
class Rule:
    """Inject ``fault`` into the next ``times`` requests whose method is ``method`` (``*`` for
    any) and whose path matches the regular expression ``path``."""

    fault: Fault
    method: str = "*"
    path: str = r"^/api/"
    times: int = 1

    def matches(self, method: str, path: str) -> bool:
        return (self.method in ("*", method)) and re.search(self.path, path) is not None


@dataclass(frozen=True)
class Seen:
    """One request as the proxy saw it."""

    method: str
    path: str
    tenant: str | None
    status: int | None  # None: the client got no answer
    fault: Fault | None


@dataclass
class FaultProxy:
    """Forwards to ``upstream`` (an http:// URL); ``start()`` binds a loopback port."""

    upstream: str
    retry_after: str = "1"  # the Retry-After header of an injected 429
    slow_seconds: float = 1.5  # how long a SLOW_AFTER answer is held, then dropped
    rate: float = 0.0  # random faults: probability per /api/ request
    kinds: tuple[Fault, ...] = tuple(Fault)
    random_methods: frozenset[str] = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
    seed: int = 18
    after_forward: Callable[[str, str, int], None] | None = None  # (method, path, status)
    rules: list[Rule] = field(default_factory=list)
    injected: Counter = field(default_factory=Counter)  # (fault, method) -> count
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(self.seed)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        parts = urlsplit(self.upstream)
        assert parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")
        self._target = (parts.hostname, parts.port)

    @property
    def url(self) -> str:
        assert self._server is not None, "proxy not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def add(self, fault: Fault, method: str = "*", path: str = r"^/api/", times: int = 1) -> None:
        with self._lock:
            self.rules.append(Rule(fault, method, path, times))

    def count(self, fault: Fault, method: str | None = None) -> int:
        with self._lock:
            return sum(n for (f, m), n in self.injected.items() if f is fault and method in (None, m))

    def requests(self, method: str, path: str = r"^/api/") -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if s.method == method and re.search(path, s.path)]

    def decide(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for rule in self.rules:
                if rule.times > 0 and rule.matches(method, path):
                    rule.times -= 1
                    self.injected[(rule.fault, method)] += 1
                    return rule.fault
            if (
                self.rate > 0
                and path.startswith("/api/")
                and method in self.random_methods
                and self._rng.random() < self.rate
            ):
                fault = self._rng.choice(self.kinds)
                self.injected[(fault, method)] += 1
                return fault
            return None

    def record(self, seen: Seen) -> None:
        with self._lock:
            if len(self.seen) < 100_000:  # bounded, whatever a test sends
                self.seen.append(seen)

    def start(self) -> FaultProxy:
        proxy = self

        class Handler(_Handler):
            owner = proxy

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    owner: FaultProxy

    def log_message(self, format, *args):  # noqa: A002 - quiet by design
        pass

    def _relay(self) -> None:
        proxy = self.owner
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = urlsplit(self.path).path
        tenant = self.headers.get("X-Avi-Tenant")
        fault = proxy.decide(self.command, path)
        if fault in (Fault.ERROR_BEFORE, Fault.THROTTLE):
            status = 500 if fault is Fault.ERROR_BEFORE else 429
            extra = {"Retry-After": proxy.retry_after} if status == 429 else {}
            self._answer(
                status,
                [("Content-Type", "application/json"), *extra.items()],
                b'{"error": "injected by the test proxy"}',
            )
            proxy.record(Seen(self.command, path, tenant, status, fault))
            return
        status, headers, answer = self._forward(body)
        if proxy.after_forward is not None:
            proxy.after_forward(self.command, path, status)
        if fault is Fault.ERROR_AFTER:
            self._answer(500, [("Content-Type", "application/json")], b'{"error": "injected after the commit"}')
            proxy.record(Seen(self.command, path, tenant, 500, fault))
            return
        if fault in (Fault.DROP_AFTER, Fault.SLOW_AFTER):
            # recorded first: a client that timed out carries on while the answer is held
            proxy.record(Seen(self.command, path, tenant, None, fault))
            if fault is Fault.SLOW_AFTER:
                time.sleep(proxy.slow_seconds)
            self._drop()
            return
        self._answer(status, headers, answer)
        proxy.record(Seen(self.command, path, tenant, status, None))

    def _forward(self, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        host, port = self.owner._target
        conn = http.client.HTTPConnection(host, port, timeout=30)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
            conn.request(self.command, self.path, body=body or None, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            kept = [(k, v) for k, v in resp.getheaders() if k.lower() not in _HOP_BY_HOP | _OWN]
            return resp.status, kept, data
        finally:
            conn.close()

    def _answer(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _drop(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _relay
