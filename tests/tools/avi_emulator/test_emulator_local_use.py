"""The emulator for local use: sessions over plain http, HTTPS cookies, a busy port."""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests

from tests.support.avi_support import PASSWORD, REPO, USER, self_signed
from tools.avi_emulator import Emulator, EmulatorConfig


def _login(client: requests.Session, url: str, **kwargs) -> requests.Response:
    reply = client.post(f"{url}/login", json={"username": USER, "password": PASSWORD}, timeout=10, **kwargs)
    assert reply.status_code == 200
    return reply


def test_plain_http_keeps_an_ordinary_clients_session(emulator):
    client = requests.Session()
    reply = _login(client, emulator.url)
    for cookie in reply.raw.headers.getlist("Set-Cookie"):
        assert "secure" not in cookie.lower(), cookie
    headers = {"X-Avi-Version": "22.1.3", "X-CSRFToken": client.cookies["csrftoken"]}
    # No Cookie header by hand: the client's own jar carries the session.
    listed = client.get(f"{emulator.url}/api/pool", headers=headers, timeout=10)
    assert listed.status_code == 200, listed.text
    created = client.post(f"{emulator.url}/api/pool", json={"name": "jar"}, headers=headers, timeout=10)
    assert created.status_code == 201, created.text
    assert requests.get(f"{emulator.url}/api/pool", headers=headers, timeout=10).status_code == 401


@pytest.mark.emulator
def test_https_cookies_stay_secure(tmp_path):
    cert_pem, key_pem, _, _ = self_signed("127.0.0.1")
    (tmp_path / "cert.pem").write_text(cert_pem)
    (tmp_path / "key.pem").write_text(key_pem)
    config = EmulatorConfig(
        username=USER, password=PASSWORD, tls_cert=str(tmp_path / "cert.pem"), tls_key=str(tmp_path / "key.pem")
    )
    with Emulator(config) as emu:
        reply = _login(requests.Session(), emu.url, verify=False)
        cookies = reply.raw.headers.getlist("Set-Cookie")
        assert cookies and all(cookie.endswith("; Secure") for cookie in cookies)


def test_a_busy_port_is_a_one_line_error(emulator):
    port = emulator.url.rsplit(":", 1)[1]
    result = subprocess.run(
        [sys.executable, "-m", "tools.avi_emulator", "--port", port, "--password", "x"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"cannot listen on 127.0.0.1:{port}" in lines[0], result.stderr
