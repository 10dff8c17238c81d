"""Emulator behaviours the provider relies on, checked at the HTTP level."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support.avi_support import PASSWORD, REPO, USER, RawClient
from tools.avi_emulator import Emulator, EmulatorConfig


def test_errors_use_the_controllers_wording(raw):
    assert raw("POST", "/api/pool", {"name": "dup"}).status_code == 201
    dup = raw("POST", "/api/pool", {"name": "dup"})
    assert dup.status_code == 409
    assert dup.json() == {"error": "Pool with this Name, Tenant ref and Cloud ref already exists."}
    missing = raw("GET", "/api/vsvip/vsvip-0000")
    assert missing.status_code == 404 and missing.json() == {"error": "VsVip object not found!"}
    dangling = raw("POST", "/api/virtualservice", {"name": "v", "pool_ref": "/api/pool?name=nope"})
    assert dangling.status_code == 400 and "Pool object not found" in dangling.json()["error"]
    old = RawClient(raw.url, version="18.2.8")("POST", "/api/pool", {"name": "m", "markers": []})
    assert old.json() == {
        "error": "Incoming request (v18_2_8) has field (markers) introduced in later versions(v20_1_5)."
    }
    gone = raw(
        "DELETE",
        "/api/vrfcontext/" + raw("GET", "/api/vrfcontext", params={"name": "global"}).json()["results"][0]["uuid"],
    )
    assert gone.status_code == 403 and "system default" in gone.json()["error"]


def test_pagination_filters_and_fields(raw):
    for i in range(5):
        raw("POST", "/api/pool", {"name": f"page-{i}", "created_by": "me" if i % 2 else "x"})
    first = raw("GET", "/api/pool/", params={"page_size": 2, "name.contains": "page-"}).json()
    assert first["count"] == 5 and len(first["results"]) == 2 and "page=2" in first["next"]
    last = raw("GET", "/api/pool", params={"page_size": 2, "page": 3, "name.contains": "page-"}).json()
    assert len(last["results"]) == 1 and "next" not in last
    mine = raw("GET", "/api/pool", params={"created_by": "me", "fields": "created_by"}).json()
    assert mine["count"] == 2 and set(mine["results"][0]) == {"url", "uuid", "name", "created_by"}
    named = raw("GET", "/api/pool", params={"name": "page-1", "include_name": ""}).json()
    assert named["results"][0]["tenant_ref"].endswith("/api/tenant/admin#admin")
    plain = raw("GET", "/api/pool", params={"name": "page-1"}).json()
    assert "#" not in plain["results"][0]["tenant_ref"]


def test_patch_and_stale_vrf_update(raw):
    pool = raw("POST", "/api/pool", {"name": "patched", "servers": [{"ip": {"addr": "10.0.0.1", "type": "V4"}}]}).json()
    added = raw(
        "PATCH", f"/api/pool/{pool['uuid']}", {"add": {"servers": [{"ip": {"addr": "10.0.0.2", "type": "V4"}}]}}
    ).json()
    assert [s["ip"]["addr"] for s in added["servers"]] == ["10.0.0.1", "10.0.0.2"]
    removed = raw(
        "PATCH", f"/api/pool/{pool['uuid']}", {"delete": {"servers": [{"ip": {"addr": "10.0.0.1", "type": "V4"}}]}}
    ).json()
    assert [s["ip"]["addr"] for s in removed["servers"]] == ["10.0.0.2"]
    vrf = raw("GET", "/api/vrfcontext", params={"name": "global"}).json()["results"][0]
    assert raw("PUT", f"/api/vrfcontext/{vrf['uuid']}", vrf).status_code == 200
    stale = raw("PUT", f"/api/vrfcontext/{vrf['uuid']}", vrf)
    assert stale.status_code == 412 and "Need to reload object data VrfContext" in stale.text


def test_tenants_are_isolated(raw):
    tenant = raw("POST", "/api/tenant", {"name": "team-a"}).json()
    raw("POST", "/api/pool", {"name": "a-pool"}, **{"X-Avi-Tenant": "team-a"})
    assert raw("GET", "/api/pool", params={"name": "a-pool"}).json()["count"] == 0
    by_uuid = raw(
        "GET", "/api/pool", params={"name": "a-pool"}, **{"X-Avi-Tenant-UUID": tenant["uuid"], "X-Avi-Tenant": ""}
    ).json()
    assert by_uuid["count"] == 1
    assert raw("GET", "/api/pool", params={"name": "a-pool"}, **{"X-Avi-Tenant": "*"}).json()["count"] == 1


@pytest.mark.emulator
def test_state_survives_restart(tmp_path):
    state = str(tmp_path / "avi.json")
    with Emulator(EmulatorConfig(username=USER, password=PASSWORD, state=state)) as emu:
        uuid = RawClient(emu.url)("POST", "/api/pool", {"name": "kept"}).json()["uuid"]
    with Emulator(EmulatorConfig(username=USER, password=PASSWORD, state=state)) as emu:
        assert RawClient(emu.url)("GET", f"/api/pool/{uuid}").json()["name"] == "kept"


@pytest.mark.emulator
def test_command_line_prints_its_url():
    proc = subprocess.Popen(
        [sys.executable, "-m", "tools.avi_emulator", "--port", "0", "--username", USER, "--password", PASSWORD],
        cwd=str(REPO),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        assert RawClient(url)("GET", "/api/tenant").json()["count"] == 1
    finally:
        proc.terminate()
        proc.wait(timeout=10)
