"""Addresses are unique per VRF, one listener per IP:port, and VIPs do not change in place
(tools/avi_emulator/rules.py)."""

from __future__ import annotations


def _fixed(addr: str, vip_id: str = "0") -> dict:
    return {"vip_id": vip_id, "ip_address": {"addr": addr, "type": "V4"}}


def _vsvip(raw, name: str, addr: str, **extra):
    return raw("POST", "/api/vsvip", {"name": name, "vip": [_fixed(addr)], **extra})


def _vs(raw, name: str, vip: str, *ports: int):
    return raw(
        "POST",
        "/api/virtualservice",
        {"name": name, "vsvip_ref": f"/api/vsvip?name={vip}", "services": [{"port": p} for p in ports]},
    )


def test_a_second_vsvip_on_an_address_is_refused_within_a_vrf(raw):
    assert _vsvip(raw, "a", "10.1.0.5").status_code == 201
    second = _vsvip(raw, "b", "10.1.0.5")
    assert second.status_code == 400
    assert second.json()["error"].startswith("VsVip b: address 10.1.0.5 is already the VIP of VsVip a in VRF global")
    assert raw("POST", "/api/vrfcontext", {"name": "blue"}).status_code == 201
    other_vrf = _vsvip(raw, "c", "10.1.0.5", vrf_context_ref="/api/vrfcontext?name=blue")
    assert other_vrf.status_code == 201, other_vrf.text


def test_two_virtual_services_on_one_ip_and_port_are_refused(raw):
    assert _vsvip(raw, "shared", "10.1.0.6").status_code == 201
    assert _vs(raw, "web", "shared", 80, 443).status_code == 201
    clash = _vs(raw, "tls", "shared", 443)
    assert clash.status_code == 400
    assert clash.json()["error"] == (
        "Virtual service tls: 10.1.0.6:443 is already served by virtual service web; "
        "two virtual services cannot listen on one IP and port"
    )
    assert _vs(raw, "ssh", "shared", 22).status_code == 201  # another port on the shared VIP is fine
    ranged = raw(
        "POST",
        "/api/virtualservice",
        {"name": "range", "vsvip_ref": "/api/vsvip?name=shared", "services": [{"port": 20, "port_range_end": 30}]},
    )
    assert ranged.status_code == 400 and "10.1.0.6:22" in ranged.json()["error"]


def test_an_address_or_vip_id_cannot_change_in_place(raw):
    made = _vsvip(raw, "a", "10.1.0.7").json()
    moved = raw("PUT", f"/api/vsvip/{made['uuid']}", {"name": "a", "vip": [_fixed("10.1.0.8")]})
    assert moved.status_code == 400
    assert moved.json() == {"error": "If a new preferred IP is needed, please recreate the VIP"}
    renumbered = raw("PUT", f"/api/vsvip/{made['uuid']}", {"name": "a", "vip": [_fixed("10.1.0.7", "1")]})
    assert renumbered.status_code == 400
    assert renumbered.json() == {"error": "Changing an existing VIP's vip_id is not supported"}
    same = raw(
        "PUT",
        f"/api/vsvip/{made['uuid']}",
        {"name": "a", "vip": [_fixed("10.1.0.7")], "dns_info": [{"fqdn": "a.example.com"}]},
    )
    assert same.status_code == 200, same.text
    added = raw(
        "PUT", f"/api/vsvip/{made['uuid']}", {"name": "a", "vip": [_fixed("10.1.0.7"), _fixed("10.1.0.9", "1")]}
    )
    assert added.status_code == 200, added.text  # a new VIP next to the kept one is not a change
    assert [v["ip_address"]["addr"] for v in raw("GET", f"/api/vsvip/{made['uuid']}").json()["vip"]] == [
        "10.1.0.7",
        "10.1.0.9",
    ]
