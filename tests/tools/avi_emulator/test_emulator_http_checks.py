"""Referer over HTTPS, known API versions, `_last_modified` on every kind, a bounded body and any
Unicode name (tools/avi_emulator/auth.py, versions.py, store.py, server.py)."""

from __future__ import annotations

import socket
from urllib.parse import unquote, urlsplit

import pytest

from tests.support.avi_support import PASSWORD, USER, RawClient, self_signed
from tools.avi_emulator import Emulator, EmulatorConfig
from tools.avi_emulator.server import MAX_BODY_BYTES


@pytest.fixture
def https_emulator(tmp_path):
    cert_pem, key_pem, _, _ = self_signed("127.0.0.1", san_ip="127.0.0.1")
    (tmp_path / "cert.pem").write_text(cert_pem)
    (tmp_path / "key.pem").write_text(key_pem)
    with Emulator(
        EmulatorConfig(
            username=USER, password=PASSWORD, tls_cert=str(tmp_path / "cert.pem"), tls_key=str(tmp_path / "key.pem")
        )
    ) as emu:
        yield emu


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_https_writes_need_a_matching_referer(https_emulator):
    raw = RawClient(https_emulator.url)
    assert raw("POST", "/api/pool", {"name": "with-referer"}).status_code == 201
    cases = [
        ({"Referer": ""}, "Referer checking failed - no Referer."),
        ({"Referer": "nonsense"}, "Referer checking failed - Referer is malformed."),
        (
            {"Referer": raw.url.replace("https:", "http:")},
            "Referer checking failed - Referer is insecure while host is secure.",
        ),
        (
            {"Referer": "https://elsewhere.example"},
            "Referer checking failed - https://elsewhere.example does not match any trusted origins.",
        ),
    ]
    for n, (headers, reason) in enumerate(cases):
        refused = raw("POST", "/api/pool", {"name": f"p{n}"}, **headers)
        assert (refused.status_code, refused.text) == (401, reason)
    assert raw("GET", "/api/pool", Referer="").status_code == 200  # reads are not checked
    names = {p["name"] for p in raw("GET", "/api/pool").json()["results"]}
    assert names == {"with-referer"}


def test_plain_http_does_not_check_the_referer(raw):
    assert raw("POST", "/api/pool", {"name": "p"}, Referer="").status_code == 201


@pytest.mark.parametrize("version", ["99.1.1", "22.1.4", "23.1.1", "16.4.1", "22.1.3.x", "latest"])
def test_unknown_api_versions_are_refused(raw, version):
    refused = raw("GET", "/api/pool", **{"X-Avi-Version": version})
    assert refused.status_code == 400
    assert refused.json()["error"].startswith(f"Invalid version {version}")


@pytest.mark.parametrize("version", ["16.4.2", "18.2.8", "20.1.5", "22.1.3"])
def test_known_api_versions_are_served(raw, version):
    answer = raw("GET", "/api/pool", **{"X-Avi-Version": version})
    assert answer.status_code == 200 and answer.headers["AVI_API_VERSION"] == version


@pytest.mark.parametrize(
    "kind, body",
    [
        ("pool", {"name": "p"}),
        ("healthmonitor", {"name": "m", "type": "HEALTH_MONITOR_TCP"}),
        ("httppolicyset", {"name": "h"}),
        ("vsvip", {"name": "v", "vip": [{"vip_id": "0", "ip_address": {"addr": "10.2.0.1", "type": "V4"}}]}),
    ],
)
def test_a_stale_last_modified_is_refused_on_every_kind(raw, kind, body):
    made = raw("POST", f"/api/{kind}", body).json()
    assert raw("PUT", f"/api/{kind}/{made['uuid']}", made).status_code == 200
    stale = raw("PUT", f"/api/{kind}/{made['uuid']}", made)
    assert stale.status_code == 412 and "Need to reload object data" in stale.json()["error"]
    fresh = raw("GET", f"/api/{kind}/{made['uuid']}").json()
    assert raw("PUT", f"/api/{kind}/{made['uuid']}", fresh).status_code == 200
    without = {k: v for k, v in fresh.items() if k != "_last_modified"}
    assert raw("PUT", f"/api/{kind}/{made['uuid']}", without).status_code == 200  # nothing to compare


def _raw_request(url: str, head: str, body: bytes = b"") -> bytes:
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(head.encode() + body)
        chunks = []
        for _ in range(100):
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


def test_a_body_over_the_bound_is_refused_unread(raw):
    head = (
        f"POST /api/pool HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {MAX_BODY_BYTES + 1}\r\n\r\n"
    )
    answer = _raw_request(raw.url, head)
    assert answer.startswith(b"HTTP/1.1 413")
    assert f"larger than {MAX_BODY_BYTES} bytes".encode() in answer
    bad = _raw_request(raw.url, "POST /api/pool HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n")
    assert bad.startswith(b"HTTP/1.1 400")
    chunked = _raw_request(raw.url, "POST /api/pool HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
    assert chunked.startswith(b"HTTP/1.1 411")
    assert raw("GET", "/api/pool").json()["count"] == 0


@pytest.mark.parametrize("name", ["пул-платежей", "支付池", "pool-😀", "café"])
def test_any_unicode_name_is_stored_and_answered(raw, name):
    made = raw("POST", "/api/pool", {"name": name})
    assert made.status_code == 201, made.text
    assert made.json()["name"] == name
    assert unquote(made.headers["Location"]).endswith(f"#{name}") or made.headers["Location"].endswith(f"#{name}")
    found = raw("GET", "/api/pool", params={"name": name}).json()
    assert found["count"] == 1 and found["results"][0]["uuid"] == made.json()["uuid"]
    assert raw("POST", "/api/pool", {"name": name}).status_code == 409  # stored once, the answer was not lost


def test_a_utf8_tenant_header_names_its_tenant(raw):
    assert raw("POST", "/api/tenant", {"name": "équipe-ü"}).status_code == 201
    header = "équipe-ü".encode().decode("latin-1")  # the UTF-8 bytes as a Latin-1 header carries them
    assert raw("POST", "/api/pool", {"name": "p"}, **{"X-Avi-Tenant": header}).status_code == 201
    assert raw("GET", "/api/pool", params={"name": "p"}, **{"X-Avi-Tenant": header}).json()["count"] == 1
    assert raw("GET", "/api/pool", params={"name": "p"}).json()["count"] == 0
