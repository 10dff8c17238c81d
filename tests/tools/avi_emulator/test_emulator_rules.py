"""The emulator refuses what a real controller refuses across objects (tools/avi_emulator/rules.py)."""

from __future__ import annotations

from tests.support.avi_support import self_signed

PARENT = {
    "name": "parent",
    "type": "VS_TYPE_VH_PARENT",
    "vsvip_ref": "/api/vsvip?name=vip",
    "services": [{"port": 80}, {"port": 443, "enable_ssl": True}],
}


def _vip(raw, name="vip", addr="10.9.0.10", **extra):
    body = {"name": name, "vip": [{"vip_id": "0", "ip_address": {"addr": addr, "type": "V4"}}], **extra}
    assert raw("POST", "/api/vsvip", body).status_code == 201


def _child(name: str, parent: str = "parent", domains=("a.example.com",), **extra) -> dict:
    return {
        "name": name,
        "type": "VS_TYPE_VH_CHILD",
        "vh_parent_vs_ref": f"/api/virtualservice?name={parent}",
        "vh_domain_name": list(domains),
        **extra,
    }


def test_sni_child_needs_an_ssl_enabled_vh_parent(raw):
    _vip(raw)
    _vip(raw, "vip-plain", "10.9.0.11")
    _vip(raw, "vip-normal", "10.9.0.12")
    plain = {**PARENT, "name": "plain", "services": [{"port": 80}], "vsvip_ref": "/api/vsvip?name=vip-plain"}
    assert raw("POST", "/api/virtualservice", plain).status_code == 201
    refused = raw("POST", "/api/virtualservice", _child("c1", parent="plain"))
    assert refused.status_code == 400
    assert "no SSL-enabled service" in refused.json()["error"]
    normal = {
        "name": "normal",
        "services": [{"port": 443, "enable_ssl": True}],
        "vsvip_ref": "/api/vsvip?name=vip-normal",
    }
    assert raw("POST", "/api/virtualservice", normal).status_code == 201
    refused = raw("POST", "/api/virtualservice", _child("c2", parent="normal"))
    assert refused.status_code == 400 and "is not a VH parent" in refused.json()["error"]
    assert raw("POST", "/api/virtualservice", PARENT).status_code == 201
    assert raw("POST", "/api/virtualservice", _child("c3")).status_code == 201


def test_sni_child_has_no_networking_of_its_own(raw):
    _vip(raw)
    assert raw("POST", "/api/virtualservice", PARENT).status_code == 201
    refused = raw("POST", "/api/virtualservice", _child("c1", services=[{"port": 443, "enable_ssl": True}]))
    assert refused.status_code == 400 and "takes its VIP and services from its parent" in refused.json()["error"]
    refused = raw("POST", "/api/virtualservice", {**_child("c1"), "vh_domain_name": []})
    assert refused.status_code == 400 and "needs at least one vh_domain_name" in refused.json()["error"]


def test_one_owner_per_domain_name_under_a_parent(raw):
    _vip(raw)
    _vip(raw, "vip2", "10.9.0.11")
    assert raw("POST", "/api/virtualservice", PARENT).status_code == 201
    assert (
        raw(
            "POST", "/api/virtualservice", {**PARENT, "name": "parent2", "vsvip_ref": "/api/vsvip?name=vip2"}
        ).status_code
        == 201
    )
    assert raw("POST", "/api/virtualservice", _child("c1", domains=["a.example.com"])).status_code == 201
    refused = raw("POST", "/api/virtualservice", _child("c2", domains=["b.example.com", "a.example.com"]))
    assert refused.status_code == 400
    assert refused.json()["error"] == (
        "Virtual service c2: domain name(s) a.example.com already served by c1 under parent parent"
    )
    # the same name under another parent (another VIP) is fine
    assert raw("POST", "/api/virtualservice", _child("c3", parent="parent2")).status_code == 201


def test_virtual_service_and_its_pools_share_one_vrf(raw):
    _vip(raw)
    assert (
        raw("POST", "/api/pool", {"name": "mgmt-pool", "vrf_ref": "/api/vrfcontext?name=management"}).status_code == 201
    )
    assert raw("POST", "/api/pool", {"name": "global-pool"}).status_code == 201
    refused = raw(
        "POST",
        "/api/virtualservice",
        {
            "name": "vs",
            "vsvip_ref": "/api/vsvip?name=vip",
            "services": [{"port": 80}],
            "pool_ref": "/api/pool?name=mgmt-pool",
        },
    )
    assert refused.status_code == 400
    assert refused.json()["error"] == (
        "Virtual service vs and pool mgmt-pool are in different VRFs (global and management)"
    )
    policy = {
        "name": "switch",
        "http_request_policy": {
            "rules": [
                {
                    "name": "r",
                    "index": 1,
                    "switching_action": {
                        "action": "HTTP_SWITCHING_SELECT_POOL",
                        "pool_ref": "/api/pool?name=global-pool",
                    },
                }
            ]
        },
    }
    created = raw("POST", "/api/httppolicyset", policy)
    assert created.status_code == 201
    vs = {
        "name": "vs",
        "vsvip_ref": "/api/vsvip?name=vip",
        "services": [{"port": 80}],
        "http_policies": [{"index": 11, "http_policy_set_ref": "/api/httppolicyset?name=switch"}],
    }
    assert raw("POST", "/api/virtualservice", vs).status_code == 201
    # repointing the attached policy at the other VRF's pool is refused too
    policy["http_request_policy"]["rules"][0]["switching_action"]["pool_ref"] = "/api/pool?name=mgmt-pool"
    refused = raw("PUT", f"/api/httppolicyset/{created.json()['uuid']}", policy)
    assert refused.status_code == 400 and "different VRFs" in refused.json()["error"]


def test_health_monitor_fields(raw):
    """Enforced by the model table on every write (see tools/avi_emulator/rules.py)."""
    base = {
        "name": "m",
        "type": "HEALTH_MONITOR_HTTP",
        "send_interval": 5,
        "receive_timeout": 5,
        "http_monitor": {"http_request": "GET /healthz/ready HTTP/1.1", "http_response_code": ["HTTP_2XX"]},
    }
    refused = raw("POST", "/api/healthmonitor", base)
    assert refused.status_code == 400
    assert "must be less than send_interval (5)" in refused.json()["error"]
    refused = raw(
        "POST",
        "/api/healthmonitor",
        {**base, "receive_timeout": 4, "http_monitor": {"http_request": "GET / HTTP/1.1", "http_response_code": []}},
    )
    assert refused.status_code == 400 and "http_response_code: at least 1 item" in refused.json()["error"]
    refused = raw("POST", "/api/healthmonitor", {**base, "receive_timeout": 4, "failed_checks": 51})
    assert refused.status_code == 400 and "failed_checks" in refused.json()["error"]
    assert raw("POST", "/api/healthmonitor", {**base, "receive_timeout": 4}).status_code == 201


def test_real_certificates_still_pass_on_sni_children(raw):
    cert, key, _, _ = self_signed("a.example.com")
    assert (
        raw(
            "POST", "/api/sslkeyandcertificate", {"name": "a", "certificate": {"certificate": cert}, "key": key}
        ).status_code
        == 201
    )
    _vip(raw)
    assert raw("POST", "/api/virtualservice", PARENT).status_code == 201
    child = _child("c1", ssl_key_and_certificate_refs=["/api/sslkeyandcertificate?name=a"])
    assert raw("POST", "/api/virtualservice", child).status_code == 201
    # the parent cannot go while its child refers to it
    parent = raw("GET", "/api/virtualservice", params={"name": "parent"}).json()["results"][0]
    assert raw("DELETE", f"/api/virtualservice/{parent['uuid']}").status_code == 403
