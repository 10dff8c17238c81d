"""VIP auto-allocation needs the admin's IPAM objects, as on a real controller (tools/avi_emulator/ipam.py)."""

from __future__ import annotations

import pytest


def _auto(network: str | None = "vip-net-dev", subnet=("10.10.10.0", 24), **extra) -> dict:
    request: dict = {}
    if network:
        request["network_ref"] = f"/api/network?name={network}"
    if subnet:
        request["subnet"] = {"ip_addr": {"addr": subnet[0], "type": "V4"}, "mask": subnet[1]}
    return {"vip_id": "0", "auto_allocate_ip": True, "ipam_network_subnet": request, **extra}


def _network(raw, name: str, prefix: str, mask: int, ranges=()) -> dict:
    subnet = {
        "prefix": {"ip_addr": {"addr": prefix, "type": "V4"}, "mask": mask},
        "static_ip_ranges": [
            {"type": kind, "range": {"begin": {"addr": b, "type": "V4"}, "end": {"addr": e, "type": "V4"}}}
            for kind, b, e in ranges
        ],
    }
    made = raw("POST", "/api/network", {"name": name, "configured_subnets": [subnet]})
    assert made.status_code == 201, made.text
    return made.json()


def _use_network(raw, network_uuid: str) -> None:
    """The admin adds a network to the dev IPAM profile's usable networks."""
    profile = raw("GET", "/api/ipamdnsproviderprofile", params={"name": "dev-ipam"}).json()["results"][0]
    profile["internal_profile"]["usable_networks"].append({"nw_ref": f"/api/network/{network_uuid}"})
    assert raw("PUT", f"/api/ipamdnsproviderprofile/{profile['uuid']}", profile).status_code == 200


def _error(reply) -> str:
    assert reply.status_code == 400, reply.text
    return reply.json()["error"]


def test_the_seeded_dev_network_allocates_from_its_static_vip_range(raw):
    first = raw("POST", "/api/vsvip", {"name": "a", "vip": [_auto()]})
    assert first.status_code == 201, first.text
    assert first.json()["vip"][0]["ip_address"] == {"addr": "10.10.10.100", "type": "V4"}
    second = raw("POST", "/api/vsvip", {"name": "b", "vip": [_auto(network=None, subnet=None)]}).json()
    assert second["vip"][0]["ip_address"]["addr"] == "10.10.10.101"  # the first usable network
    cloud = raw("GET", "/api/cloud", params={"name": "Default-Cloud", "include_name": ""}).json()["results"][0]
    assert cloud["ipam_provider_ref"].endswith("#dev-ipam")


def test_no_ipam_profile_on_the_cloud_is_no_free_ip(raw):
    cloud = raw("GET", "/api/cloud", params={"name": "Default-Cloud"}).json()["results"][0]
    del cloud["ipam_provider_ref"]
    assert raw("PUT", f"/api/cloud/{cloud['uuid']}", cloud).status_code == 200
    assert _error(raw("POST", "/api/vsvip", {"name": "a", "vip": [_auto()]})) == (
        "No available free IPs: cloud Default-Cloud has no IPAM profile (ipam_provider_ref)"
    )
    fixed = {"name": "fixed", "vip": [{"vip_id": "0", "ip_address": {"addr": "10.10.10.50", "type": "V4"}}]}
    assert raw("POST", "/api/vsvip", fixed).status_code == 201  # a fixed address needs no IPAM


def test_a_network_the_ipam_profile_does_not_list_is_no_free_ip(raw):
    _network(raw, "other", "10.20.0.0", 24, [("STATIC_IPS_FOR_VIP", "10.20.0.10", "10.20.0.20")])
    assert _error(raw("POST", "/api/vsvip", {"name": "a", "vip": [_auto("other", ("10.20.0.0", 24))]})) == (
        "No available free IPs: network other is not a usable network of IPAM profile dev-ipam"
    )


@pytest.mark.parametrize(
    "ranges, reason",
    [
        ((), "network n has no static range for VIPs in 10.30.0.0/24"),
        (
            (("STATIC_IPS_FOR_SE", "10.30.0.10", "10.30.0.20"),),
            "network n has no static range for VIPs in 10.30.0.0/24",
        ),
    ],
)
def test_a_network_without_a_static_vip_range_is_no_free_ip(raw, ranges, reason):
    _use_network(raw, _network(raw, "n", "10.30.0.0", 24, ranges)["uuid"])
    assert _error(raw("POST", "/api/vsvip", {"name": "a", "vip": [_auto("n", ("10.30.0.0", 24))]})) == (
        f"No available free IPs: {reason}"
    )


def test_a_subnet_the_network_does_not_have_is_no_free_ip(raw):
    assert _error(raw("POST", "/api/vsvip", {"name": "a", "vip": [_auto(subnet=("10.99.0.0", 24))]})) == (
        "No available free IPs: network vip-net-dev has no configured subnet 10.99.0.0/24"
    )


def test_an_exhausted_range_is_no_free_ip_and_a_vip_keeps_its_address_on_update(raw):
    _use_network(
        raw,
        _network(
            raw,
            "small",
            "10.40.0.0",
            24,
            [("STATIC_IPS_FOR_VIP_AND_SE", "10.40.0.5", "10.40.0.6"), ("STATIC_IPS_FOR_SE", "10.40.0.7", "10.40.0.9")],
        )["uuid"],
    )
    vip = _auto("small", ("10.40.0.0", 24))
    a = raw("POST", "/api/vsvip", {"name": "a", "vip": [vip]}).json()
    b = raw("POST", "/api/vsvip", {"name": "b", "vip": [vip]}).json()
    assert [a["vip"][0]["ip_address"]["addr"], b["vip"][0]["ip_address"]["addr"]] == ["10.40.0.5", "10.40.0.6"]
    assert _error(raw("POST", "/api/vsvip", {"name": "c", "vip": [vip]})) == (
        "No available free IPs: every VIP address of network small is in use"
    )
    again = raw("PUT", f"/api/vsvip/{b['uuid']}", {"name": "b", "vip": [vip]})
    assert again.status_code == 200 and again.json()["vip"][0]["ip_address"]["addr"] == "10.40.0.6"
    assert raw("DELETE", f"/api/vsvip/{a['uuid']}").status_code == 204
    assert raw("POST", "/api/vsvip", {"name": "c", "vip": [vip]}).json()["vip"][0]["ip_address"]["addr"] == "10.40.0.5"


def test_moving_an_allocated_vip_to_another_network_is_refused(raw):
    _use_network(
        raw, _network(raw, "second", "10.50.0.0", 24, [("STATIC_IPS_FOR_VIP", "10.50.0.10", "10.50.0.20")])["uuid"]
    )
    made = raw("POST", "/api/vsvip", {"name": "a", "vip": [_auto()]}).json()
    moved = raw("PUT", f"/api/vsvip/{made['uuid']}", {"name": "a", "vip": [_auto("second", ("10.50.0.0", 24))]})
    assert _error(moved) == "If a new preferred IP is needed, please recreate the VIP"
    assert raw("GET", f"/api/vsvip/{made['uuid']}").json()["vip"][0]["ip_address"]["addr"] == "10.10.10.100"


def test_a_missing_network_is_the_controllers_not_found(raw):
    assert _error(raw("POST", "/api/vsvip", {"name": "a", "vip": [_auto("nope")]})) == "Network object not found"
