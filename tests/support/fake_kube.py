"""A stand-in Kubernetes API server on 127.0.0.1 for the AKO cleanup tests (importable as ``fake_kube``).

`FakeAko` is AKO's StatefulSet and ConfigMap as the API server shows them, reacting to
deleteConfig; `serve` answers for it over HTTP, or over HTTPS requiring a client certificate
(`TlsMaterial`), and can hold the cleanup mid-call (`FakeAko.hold`) so a test can stop the
process that runs it.
"""

from __future__ import annotations

import base64
import json
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from providers.avi.ako_cleanup import kube
from tests.support.avi_support import self_signed

HOLD_LIMIT_SECONDS = 60.0
"""A held request is answered after this long at the latest, so no test can hang on it."""


@dataclass
class FakeAko:
    """AKO's StatefulSet and ConfigMap as the API server shows them; AKO reacts to deleteConfig."""

    style: str = "annotation"
    finishes_after: int = 2
    present: bool = True
    ready: int = 1
    cluster: str = "onprem-ako"
    answer_status: int | None = None  # answer every request with this status, echoing the request
    hold: bool = False  # hold the first StatefulSet read after the PATCH until `release` is set
    config: dict[str, str] = field(default_factory=dict)
    reads_since_patch: int | None = None
    requests: list[tuple[str, str, str]] = field(default_factory=list)
    peers: list[str] = field(default_factory=list)  # client certificate common names seen
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.config = self.config or {"deleteConfig": "false", "clusterName": self.cluster}

    def statefulset(self) -> dict[str, Any]:
        sts: dict[str, Any] = {"metadata": {"name": "ako", "annotations": {}}, "status": {"readyReplicas": self.ready}}
        if self.reads_since_patch is None:
            return sts
        verdict = "Done" if self.reads_since_patch >= self.finishes_after else "Started"
        if self.style == "annotation":
            sts["metadata"]["annotations"][kube.DELETION_ANNOTATION] = verdict
        else:
            sts["status"]["conditions"] = [
                {"type": kube.LEGACY_CONDITION, "reason": verdict, "status": "False" if verdict == "Done" else "True"}
            ]
        return sts


@dataclass
class TlsMaterial:
    """A CA, a server certificate for 127.0.0.1 and a client certificate, all PEM."""

    ca_pem: str
    server_pem: str
    server_key: str
    client_pem: str
    client_key: str
    client_name: str

    @classmethod
    def make(cls, client_name: str = "ako-cleanup-test-client") -> TlsMaterial:
        ca_pem, _, ca, ca_key = self_signed("fake-kube-ca", is_ca=True)
        server_pem, server_key, _, _ = self_signed("127.0.0.1", ca=(ca, ca_key), san_ip="127.0.0.1")
        client_pem, client_key, _, _ = self_signed(client_name, ca=(ca, ca_key))
        return cls(ca_pem, server_pem, server_key, client_pem, client_key, client_name)

    def server_context(self, directory: Path) -> ssl.SSLContext:
        """Serves `server_pem` and requires a client certificate the CA signed (files kept in `directory`)."""
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "server.crt").write_text(self.server_pem)
        (directory / "server.key").write_text(self.server_key)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(directory / "server.crt", directory / "server.key")
        context.load_verify_locations(cadata=self.ca_pem)
        context.verify_mode = ssl.CERT_REQUIRED
        return context


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def kubeconfig(url: str, user: dict[str, Any] | None = None, cluster: dict[str, Any] | None = None) -> str:
    """One context `c` for `url`, with the given user entry (a token by default) and cluster fields."""
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "current-context": "c",
            "contexts": [{"name": "c", "context": {"cluster": "k", "user": "u"}}],
            "clusters": [{"name": "k", "cluster": {"server": url, **(cluster or {})}}],
            "users": [{"name": "u", "user": user if user is not None else {"token": "sa-token"}}],
        }
    )


def tls_kubeconfig(url: str, tls: TlsMaterial, **user: Any) -> str:
    """`url` trusted through the embedded CA, the client certificate and key embedded (plus `user` fields)."""
    return kubeconfig(
        url,
        {"client-certificate-data": b64(tls.client_pem), "client-key-data": b64(tls.client_key), **user},
        {"certificate-authority-data": b64(tls.ca_pem)},
    )


def serve(fake: FakeAko, tls: ssl.SSLContext | None = None) -> ThreadingHTTPServer:
    """Answer for `fake` on 127.0.0.1 (HTTPS with `tls`); the caller shuts the server down."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _seen(self, method: str, detail: str) -> bool:
            fake.requests.append((method, self.path, detail))
            if tls is not None:
                subject = dict(pair[0] for pair in self.connection.getpeercert().get("subject", ()))
                fake.peers.append(subject.get("commonName", ""))
            if fake.answer_status is not None:  # as a misbehaving proxy would: the request mirrored back
                self._answer(fake.answer_status, {"kind": "Status", "message": f"denied: {dict(self.headers)}"})
                return False
            return True

        def do_GET(self) -> None:
            if not self._seen("GET", self.headers.get("Authorization", "")):
                return
            if not fake.present:
                return self._answer(404, {"kind": "Status", "code": 404})
            if self.path.endswith("/configmaps/avi-k8s-config"):
                return self._answer(200, {"data": fake.config})
            if fake.reads_since_patch is not None:
                if fake.hold and not fake.held.is_set():
                    fake.held.set()
                    fake.release.wait(HOLD_LIMIT_SECONDS)
                fake.reads_since_patch += 1
            self._answer(200, fake.statefulset())

        def do_PATCH(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if not self._seen("PATCH", self.headers["Content-Type"]):
                return
            fake.config.update(body["data"])
            fake.reads_since_patch = 0
            self._answer(200, {"data": fake.config})

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    # a 10 ms poll so that the caller's shutdown() returns at once, not after the default 0.5 s
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
    return server


def url_of(server: ThreadingHTTPServer, tls: bool = False) -> str:
    return f"{'https' if tls else 'http'}://127.0.0.1:{server.server_port}"


def record_pulumi_log(monkeypatch: Any) -> list[str]:
    """Every pulumi.log line from now on, whether or not an engine (or an earlier test's mocks) is attached."""
    import pulumi

    lines: list[str] = []
    for level in ("debug", "info", "warn", "error"):
        monkeypatch.setattr(pulumi.log, level, lambda msg, *a, _level=level, **k: lines.append(f"{_level}: {msg}"))
    return lines
