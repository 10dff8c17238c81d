"""HTTP(S) transport for the emulated controller, with fault injection."""

from __future__ import annotations

import selectors
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from .api import EMULATOR_PREFIX, Controller, Reply, Request
from .auth import SessionTable
from .faults import NO_FAULT, FaultKind, FaultPlan, FaultRule
from .store import Store

MAX_BODY_BYTES = 8 * 1024 * 1024
"""Largest request body served (8 MiB); a larger one is answered 413 without being read. The
controller's own bound is not on record; 8 MiB holds a pool's 5,000 servers or a VRF's routes
many times over."""


def header_value(value: str) -> str:
    """A header value the wire can carry: HTTP headers are Latin-1, so anything else in it (a
    ``#name`` of a non-Latin-1 name in ``Location``) is percent-encoded as UTF-8. Sending it
    raw made the server fail after the change had committed and drop the connection."""
    try:
        value.encode("latin-1")
        return value
    except UnicodeEncodeError:
        return quote(value, safe="".join(chr(c) for c in range(0x21, 0x7F) if chr(c) != "%") + " ")


@dataclass
class EmulatorConfig:
    """Everything the command line can set."""

    host: str = "127.0.0.1"
    port: int = 0
    username: str = "admin"
    password: str = "admin"
    state: str | None = None
    fail_rate: float = 0.0
    latency_ms: int = 0
    session_ttl: float = 0.0  # idle seconds before a session expires; 0 = never
    expired_status: int = 401
    tls_cert: str | None = None
    tls_key: str | None = None
    seed: int | None = None
    unknown_fields: str = "ignore"  # fields a kind does not have: "ignore" (as recorded) or "reject"
    ignored_filters: tuple[str, ...] = ()  # list filters answered as if absent (api.LIST_FILTERS)
    faults: tuple[FaultRule, ...] = ()  # fault rules (faults.FaultRule), tried after fail_rate
    users: tuple[tuple[str, str, str], ...] = ()  # more users: (name, password, role name)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet by design
        pass

    def setup(self) -> None:
        super().setup()
        # headers and body leave in separate writes; without TCP_NODELAY, Nagle's algorithm and
        # the client's delayed ACK hold every answer back by about 40 ms
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def _dispatch(self) -> None:
        self.server.count()
        self.server.enter()
        try:
            self._serve()
        finally:
            self.server.leave()

    def _serve(self) -> None:
        body = self._read_body()
        if body is None:
            return
        split = urlsplit(self.path)
        host = self.headers.get("Host") or f"{self.server.server_address[0]}"
        req = Request(
            self.command,
            split.path,
            parse_qs(split.query, keep_blank_values=True),
            self.headers,
            body,
            f"{self.server.scheme}://{host}",
        )
        plan = self.server.faults
        if split.path.rstrip("/") == f"{EMULATOR_PREFIX}/faults" and self.command == "GET":
            self._send(Reply(200, plan.counts()))
            return
        plan.delay()
        faulted = split.path.startswith("/api/") and not split.path.startswith(EMULATOR_PREFIX)
        decision = plan.as_decision(plan.decide(self.command, split.path)) if faulted else NO_FAULT
        kind = decision.kind
        if kind in (FaultKind.ERROR_BEFORE, FaultKind.SERVER_ERROR):
            self._send(Reply(decision.status, {"error": "Service temporarily unavailable (injected)"}))
            return
        if kind is FaultKind.TOO_MANY:
            self._send(
                Reply(
                    decision.status,
                    {"error": "Too many requests (injected)"},
                    headers=[("Retry-After", f"{decision.retry_after:g}")],
                )
            )
            return
        try:
            reply = self.server.controller.handle(req)
        except Exception as exc:  # noqa: BLE001 - a bug must surface as a 500, not a hang-up
            reply = Reply(500, {"error": f"emulator internal error: {exc!r}"})
        if faulted:
            plan.record_commit(decision, reply.committed)
        if kind is FaultKind.DROP_AFTER:
            self._drop()
            return
        if kind is FaultKind.ERROR_AFTER:
            reply = Reply(decision.status, {"error": "Internal server error (injected after the change)"})
        elif kind is FaultKind.SLOW_AFTER:
            time.sleep(decision.delay_ms / 1000.0)
        self._send(reply)

    def _read_body(self) -> bytes | None:
        """The request body, or None when it was refused (answer sent, connection closed)."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            self._refuse(411, "A Content-Length is required (chunked bodies are not accepted)")
            return None
        text = self.headers.get("Content-Length") or "0"
        if not text.strip().isdigit():
            self._refuse(400, f"Content-Length {text!r} is not a byte count")
            return None
        length = int(text)
        if length > MAX_BODY_BYTES:
            self._refuse(413, f"Request body of {length} bytes is larger than {MAX_BODY_BYTES} bytes")
            return None
        return self.rfile.read(length) if length else b""

    def _refuse(self, status: int, message: str) -> None:
        self.close_connection = True  # the unread body must not be taken for the next request
        self._send(Reply(status, {"error": message}), close=True)

    def _drop(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _send(self, reply: Reply, close: bool = False) -> None:
        payload = reply.encode()
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in reply.headers:
            self.send_header(name, header_value(value))
        if close:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _dispatch


class _Server(ThreadingHTTPServer):
    """Serves until ``stop()``, which returns in milliseconds: the accept loop waits on the
    listening socket and a wake-up pair, not on ``serve_forever``'s 0.5 s poll, and open
    keep-alive connections are shut so their handler threads end too."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128
    controller: Controller
    faults: FaultPlan
    scheme: str
    server_address: tuple[str, int]  # IPv4 (the server binds AF_INET): host and port, never bytes
    requests_seen = 0
    inflight = 0
    peak_inflight = 0
    _count_lock = threading.Lock()

    def server_activate(self) -> None:
        super().server_activate()
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def serve_until_stopped(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self, selectors.EVENT_READ)
            selector.register(self._wake_reader, selectors.EVENT_READ)
            while not self._stopping.is_set():
                ready = selector.select()
                if self._stopping.is_set():
                    break
                if any(key.fileobj is self for key, _ in ready):
                    self._handle_request_noblock()  # type: ignore[attr-defined]  # socketserver's, not in typeshed

    def stop(self, serving: threading.Thread) -> None:
        self._stopping.set()
        self._wake_writer.send(b"\0")
        serving.join(timeout=5)
        with self._connections_lock:
            open_connections = list(self._connections)
        for connection in open_connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.server_close()
        self._wake_reader.close()
        self._wake_writer.close()

    def process_request(self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any) -> None:
        if isinstance(request, socket.socket):  # always: a TCP server's request is its socket
            with self._connections_lock:
                self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: socket.socket | tuple[bytes, socket.socket]) -> None:
        if isinstance(request, socket.socket):
            with self._connections_lock:
                self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any) -> None:
        if not self._stopping.is_set():  # a connection cut by stop() is not an error
            super().handle_error(request, client_address)

    def count(self) -> None:
        with self._count_lock:
            self.requests_seen += 1

    def enter(self) -> None:
        with self._count_lock:
            self.inflight += 1
            self.peak_inflight = max(self.peak_inflight, self.inflight)

    def leave(self) -> None:
        with self._count_lock:
            self.inflight -= 1


class Emulator:
    """A running emulator: ``start()`` binds and serves in a background thread."""

    def __init__(self, config: EmulatorConfig):
        self.config = config
        self.store = Store(config.state, config.unknown_fields)
        self.sessions = SessionTable(config.session_ttl, config.expired_status)
        self.faults = FaultPlan(config.fail_rate, config.latency_ms, config.seed, config.faults)
        self.controller = Controller(
            self.store, self.sessions, config.username, config.password, frozenset(config.ignored_filters)
        )
        for name, password, role in config.users:
            self.store.add_user(name, password, role)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def requests_seen(self) -> int:
        """HTTP requests received so far (all paths, including /login)."""
        return self._server.requests_seen if self._server else 0

    def take_peak_inflight(self) -> int:
        """Most requests handled at the same time since the last call (then reset)."""
        if self._server is None:
            return 0
        with self._server._count_lock:
            peak, self._server.peak_inflight = self._server.peak_inflight, self._server.inflight
        return peak

    @property
    def url(self) -> str:
        assert self._server is not None, "emulator not started"
        host, port = self._server.server_address[:2]
        return f"{self._server.scheme}://{host}:{port}"

    def start(self) -> Emulator:
        server = _Server((self.config.host, self.config.port), _Handler)
        server.controller = self.controller
        server.faults = self.faults
        server.scheme = "http"
        if self.config.tls_cert:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(self.config.tls_cert, self.config.tls_key)
            server.socket = ctx.wrap_socket(server.socket, server_side=True)
            server.scheme = "https"
        self._server = server
        self._thread = threading.Thread(target=server.serve_until_stopped, name="avi-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.stop(self._thread)
            self._server = None
            self._thread = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
