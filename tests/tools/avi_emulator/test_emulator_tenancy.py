"""VRF contexts belong to their tenant, roles decide what a user may write, and labelled static
routes reach only SE groups with the label (tools/avi_emulator/store.py, roles.py, routing.py)."""

from __future__ import annotations

import requests

from tests.support.avi_support import RawClient


def _global_vrf(raw) -> dict:
    return raw("GET", "/api/vrfcontext", params={"name": "global"}).json()["results"][0]


def _route(route_id: str, prefix: str, hop: str, **label: str) -> dict:
    route = {
        "route_id": route_id,
        "prefix": {"ip_addr": {"addr": prefix, "type": "V4"}, "mask": 24},
        "next_hop": {"addr": hop, "type": "V4"},
    }
    if label:
        route["labels"] = [{"key": k, "value": v} for k, v in label.items()]
    return route


def test_a_vrf_is_written_only_from_the_tenant_that_owns_it(raw):
    assert raw("POST", "/api/tenant", {"name": "team-a"}).status_code == 201
    vrf = _global_vrf(raw)
    vrf["static_routes"] = [_route("r1", "10.244.0.0", "10.60.0.11")]
    refused = raw("PUT", f"/api/vrfcontext/{vrf['uuid']}", vrf, **{"X-Avi-Tenant": "team-a"})
    assert refused.status_code == 400
    assert refused.json()["error"].startswith("Cannot modify VrfContext")
    assert "belongs to tenant admin" in refused.json()["error"]
    patched = raw(
        "PATCH",
        f"/api/vrfcontext/{vrf['uuid']}",
        {"add": {"static_routes": vrf["static_routes"]}},
        **{"X-Avi-Tenant": "team-a"},
    )
    assert patched.status_code == 400 and patched.json()["error"].startswith("Cannot modify VrfContext")
    assert "static_routes" not in _global_vrf(raw) or not _global_vrf(raw)["static_routes"]
    assert raw("PUT", f"/api/vrfcontext/{vrf['uuid']}", vrf).status_code == 200  # from admin, its owner
    own = raw("POST", "/api/vrfcontext", {"name": "team-vrf"}, **{"X-Avi-Tenant": "team-a"}).json()
    own["static_routes"] = [_route("r2", "10.245.0.0", "10.60.0.12")]
    assert raw("PUT", f"/api/vrfcontext/{own['uuid']}", own, **{"X-Avi-Tenant": "team-a"}).status_code == 200


def _login_as(url: str, name: str, password: str) -> RawClient:
    client = RawClient.__new__(RawClient)
    client.url, client.tenant, client.version = url, "admin", "22.1.3"
    client.http = requests.Session()
    reply = client.http.post(f"{url}/login", json={"username": name, "password": password}, timeout=10)
    assert reply.status_code == 200, reply.text
    client.csrf, client.sid = reply.cookies["csrftoken"], reply.cookies["avi-sessionid"]
    return client


def test_an_application_admin_cannot_write_vrfs_or_se_groups(raw, emulator):
    role = raw("GET", "/api/role", params={"name": "Application-Admin"}).json()["results"][0]
    made = raw(
        "POST",
        "/api/user",
        {
            "name": "automation",
            "username": "automation",
            "password": "app-pass",
            "access": [{"role_ref": f"/api/role/{role['uuid']}", "tenant_ref": "/api/tenant/admin"}],
        },
    )
    assert made.status_code == 201, made.text
    assert "password" not in made.json() and "app-pass" not in made.text
    app = _login_as(emulator.url, "automation", "app-pass")
    assert app("POST", "/api/pool", {"name": "p"}).status_code == 201
    vrf = app("GET", "/api/vrfcontext", params={"name": "global"})
    assert vrf.status_code == 200  # read access
    denied = app("PUT", f"/api/vrfcontext/{vrf.json()['results'][0]['uuid']}", vrf.json()["results"][0])
    assert denied.status_code == 403
    assert denied.json() == {"detail": "You do not have permission to perform this action."}
    assert app("POST", "/api/serviceenginegroup", {"name": "g"}).status_code == 403
    assert app("GET", "/api/user").status_code == 403  # no access to users at all
    assert raw("POST", "/api/serviceenginegroup", {"name": "g"}).status_code == 201  # the System-Admin may


def test_configured_users_get_their_role(make_emulator):
    emu = make_emulator(users=(("app", "app-pass", "Application-Admin"),))
    app = _login_as(emu.url, "app", "app-pass")
    seg = app("GET", "/api/serviceenginegroup", params={"name": "Default-Group"}).json()["results"][0]
    assert app("PUT", f"/api/serviceenginegroup/{seg['uuid']}", seg).status_code == 403


def test_labelled_routes_reach_only_se_groups_with_the_label(raw):
    assert (
        raw(
            "POST",
            "/api/serviceenginegroup",
            {"name": "edge-group", "labels": [{"key": "clustername", "value": "onprem"}]},
        ).status_code
        == 201
    )
    vrf = _global_vrf(raw)
    vrf["static_routes"] = [
        _route("open", "10.1.0.0", "10.60.0.1"),
        _route("onprem-1", "10.244.0.0", "10.60.0.11", clustername="onprem"),
        _route("other-1", "10.245.0.0", "10.60.0.21", clustername="other"),
    ]
    assert raw("PUT", f"/api/vrfcontext/{vrf['uuid']}", vrf).status_code == 200
    listed = raw("GET", "/api/_emulator/serviceengine-routes").json()["results"]
    reach = {(r["se_group"], r["vrf"]): [x["route_id"] for x in r["routes"]] for r in listed}
    assert reach[("Default-Group", "global")] == ["open"]
    assert reach[("edge-group", "global")] == ["open", "onprem-1"]
    assert reach[("edge-group", "management")] == []
    edge = next(r for r in listed if r["se_group"] == "edge-group" and r["vrf"] == "global")
    assert edge["routes"][1] == {"route_id": "onprem-1", "prefix": "10.244.0.0/24", "next_hop": "10.60.0.11"}
    assert edge["labels"] == [{"key": "clustername", "value": "onprem"}]
    assert requests.get(f"{raw.url}/api/_emulator/serviceengine-routes", timeout=10).status_code == 401
