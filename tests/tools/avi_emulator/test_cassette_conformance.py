"""Replay the requests recorded from real Avi 20.1 controllers against the emulator and compare
status codes, version headers and the recorded response fields.

Recorded uuids are mapped to the emulator's as objects get created; fields that are runtime
state of a real controller (SE placement, redis, TLS ticket keys...) are not emulated.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest

from tests.support.avi_support import CASSETTES, PASSWORD, USER, RawClient

pytestmark = pytest.mark.skipif(not CASSETTES.is_dir(), reason=f"recordings not present at {CASSETTES}")

REPLAYED = [
    "test_basic_vs",
    "test_ssl_vs",
    "test_clone_vs",
    "test_force_uuid",
    "test_multiple_tenants",
    "test_session_reset",
    "test_retry_unauth_api",
    "test_timeout",
    "test_basic_auth",
    "test_context_sharing",
    "test_user_login",
]
RUNTIME_ONLY = {
    "vip_runtime",
    "redis_db",
    "redis_port",
    "tls_ticket_key",
    "version",
    "marked_for_delete",
    "self_se_election",
    "vs_refs",
    "text",
    "days_until_expire",
    "ui_property",
    "sslkeyandcertificate_refs",
    "sslprofile_ref",
    "public_key",
}
_UUID = re.compile(r"\b([a-z]+-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b")
_NAMED_REF = re.compile(r"https://avi-controller/api/([a-z]+)/([a-z]+-[0-9a-f-]{36})#([^\"]+)")
_REF_WITH_NAME = re.compile(r"https://avi-controller/api/([a-z]+)/[a-z]+-[0-9a-f-]{36}#([^\"]+)")


def _load(name: str) -> list[dict[str, Any]]:
    return json.loads((CASSETTES / f"{name}.json").read_text())["interactions"]


def _header(headers: dict[str, list[str]], name: str) -> str | None:
    for key, values in headers.items():
        if key.lower() == name.lower():
            return values[-1]
    return None


def _compare(recorded: Any, ours: Any, path: str, problems: list[str]) -> None:
    if isinstance(recorded, dict):
        if not isinstance(ours, dict):
            problems.append(f"{path}: expected an object, got {ours!r}")
            return
        for key, value in recorded.items():
            if key in RUNTIME_ONLY or key in ("uuid", "_last_modified", "url", "fingerprint"):
                continue
            if key not in ours:
                problems.append(f"{path}.{key}: missing")
            elif key.endswith("_ref") and isinstance(value, str):
                if value.partition("#")[2] != ours[key].partition("#")[2]:
                    problems.append(f"{path}.{key}: {ours[key]} vs recorded {value}")
            elif not key.endswith("_refs"):
                _compare(value, ours[key], f"{path}.{key}", problems)
    elif isinstance(recorded, list):
        if not isinstance(ours, list) or len(ours) != len(recorded):
            problems.append(f"{path}: {ours!r} vs recorded {recorded!r}")
            return
        for i, (r, o) in enumerate(zip(recorded, ours, strict=False)):
            _compare(r, o, f"{path}[{i}]", problems)
    elif recorded != ours:
        problems.append(f"{path}: {ours!r} vs recorded {recorded!r}")


class Replayer:
    """Sends recorded requests with the emulator's session and uuids."""

    def __init__(self, url: str):
        self.client = RawClient(url, version=None)
        self.url = url
        self.uuids: dict[str, str] = {"admin": "admin"}

    def _map(self, text: str) -> str:
        text = _REF_WITH_NAME.sub(lambda m: f"/api/{m[1]}?name={m[2]}", text)
        for recorded, ours in self.uuids.items():
            text = text.replace(recorded, ours)
        return text.replace("https://avi-controller", "")

    def send(self, req: dict[str, Any]):
        headers = req["headers"]
        path = self._map(req["uri"])
        extra: dict[str, str] = {}
        for name in ("X-Avi-Version", "X-Avi-Tenant", "Slug"):
            value = _header(headers, name)
            if value:
                extra[name] = value
        tenant_uuid = _header(headers, "X-Avi-Tenant-UUID")
        if tenant_uuid:
            extra["X-Avi-Tenant-UUID"] = self._map(tenant_uuid)
        if _header(headers, "X-CSRFToken") == "invalid":
            extra["X-CSRFToken"] = "invalid"
        if _header(headers, "Authorization"):
            extra["Authorization"] = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
            extra["Cookie"] = ""
        hdrs = self.client.headers(**extra)
        if "X-Avi-Version" not in extra:
            hdrs.pop("X-Avi-Version", None)
        if "X-Avi-Tenant" not in extra:
            hdrs.pop("X-Avi-Tenant", None)
        body = self._map(req["body"]) if req["body"] else None
        return self.client.http.request(req["method"], self.url + path, data=body, headers=hdrs, timeout=10)

    def learn_names(self, recorded_text: str) -> None:
        """Map the recording's uuids of objects named in ``#name`` refs to ours by name."""
        for type_, uuid, name in _NAMED_REF.findall(recorded_text):
            if uuid in self.uuids:
                continue
            found = self.client("GET", f"/api/{type_}", params={"name": name}).json()
            if found.get("count") == 1:
                self.uuids[uuid] = found["results"][0]["uuid"]

    def learn(self, recorded: Any, ours: Any) -> None:
        if isinstance(recorded, dict) and isinstance(ours, dict):
            if isinstance(recorded.get("uuid"), str) and isinstance(ours.get("uuid"), str):
                self.uuids.setdefault(recorded["uuid"], ours["uuid"])
            for key in ("results",):
                for r, o in zip(recorded.get(key) or [], ours.get(key) or [], strict=False):
                    self.learn(r, o)


@pytest.mark.parametrize("cassette", REPLAYED)
def test_replay_matches_recording(cassette, emulator):
    replay = Replayer(emulator.url)
    enable_basic = any(_header(i["request"]["headers"], "Authorization") for i in _load(cassette))
    if enable_basic:
        config = replay.client("GET", "/api/systemconfiguration").json()
        config["portal_configuration"]["allow_basic_authentication"] = True
        assert replay.client("PUT", "/api/systemconfiguration", config).status_code == 200
    problems: list[str] = []
    replayed = 0
    for n, interaction in enumerate(_load(cassette)):
        req, rec = interaction["request"], interaction["response"]
        if not req["uri"].startswith("https://avi-controller/api/") or "/api/useraccount" in req["uri"]:
            continue
        replay.learn_names(rec["body"]["string"] or "")
        if any(u not in replay.uuids for u in _UUID.findall(req["uri"])):
            continue  # refers to an object this replay never saw (e.g. a pre-existing cloud)
        if req["method"] in ("PUT", "POST") and not req["body"]:
            continue  # the recording kept no body for this write
        resp = replay.send(req)
        replayed += 1
        where = f"{cassette}#{n} {req['method']} {req['uri']}"
        if resp.status_code != rec["status"]["code"]:
            problems.append(f"{where}: status {resp.status_code} vs {rec['status']['code']} ({resp.text[:200]})")
            continue
        version = _header(rec["headers"], "AVI_API_VERSION")
        if version and resp.headers.get("AVI_API_VERSION") != version:
            problems.append(f"{where}: AVI_API_VERSION {resp.headers.get('AVI_API_VERSION')} vs {version}")
        text = rec["body"]["string"]
        try:
            recorded = json.loads(text) if text else None
        except ValueError:
            assert resp.text == text, where
            continue
        ours = resp.json() if resp.text else None
        if recorded is None:
            continue
        if isinstance(recorded, dict) and "url" in recorded and isinstance(ours, dict):
            assert ours["url"].partition("#")[2] == recorded["url"].partition("#")[2], where
            assert ours["uuid"].split("-")[0] == recorded["uuid"].split("-")[0], where
        replay.learn(recorded, ours)
        _compare(recorded, ours, where, problems)
    assert replayed > 0
    assert problems == [], "\n".join(problems)


def test_form_login_like_the_python_sdk(emulator):
    import requests

    resp = requests.post(f"{emulator.url}/login", data={"username": USER, "password": PASSWORD}, timeout=5)
    assert resp.status_code == 200
    assert resp.headers["AVI_API_VERSION"] == "16_4_2"
    cookies = resp.headers["Set-Cookie"]
    for name in ("csrftoken=", "avi-sessionid=", "sessionid="):
        assert name in cookies
    assert "Max-Age=31449600" in cookies and "HttpOnly; Max-Age=86400" in cookies
    assert resp.json()["session_cookie_name"] == "avi-sessionid"
    bad = requests.post(f"{emulator.url}/login", data={"username": USER, "password": "x"}, timeout=5)
    assert bad.status_code == 401 and bad.json() == {"error": "Invalid credentials"}
