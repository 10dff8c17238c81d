"""A VsVip's address, network or vip_id cannot change in place on a real controller ("If a new
preferred IP is needed, please recreate the VIP", "Changing an existing VIP's vip_id is not
supported", AKO internal/lib/constants.go:129-130), and the emulator refuses it the same way.
The provider's diff plans such a change as a replacement, deleting the old VsVip first (names
are unique per tenant), and names the VIP fields that force it; a virtual service follows its
VsVip's replacement, so the VsVip is never deleted while it is still referred to."""

from __future__ import annotations

import pytest
from pulumi.output import Unknown
from pulumi.runtime import rpc

from tests.support.avi_support import add_vip_network


def _vip(addr: str, vip_id: str = "0") -> dict:
    return {"name": "moving-vip", "vip": [{"vip_id": vip_id, "ip_address": {"addr": addr, "type": "V4"}}]}


def _allocated(network: str, cidr: str) -> dict:
    base, mask = cidr.split("/")
    return {
        "name": "moving-vip",
        "vip": [
            {
                "vip_id": "0",
                "auto_allocate_ip": True,
                "ipam_network_subnet": {
                    "network_ref": f"/api/network?name={network}",
                    "subnet": {"ip_addr": {"addr": base, "type": "V4"}, "mask": int(mask)},
                },
            }
        ],
    }


def _checked(provider, news: dict, olds: dict | None = None) -> dict:
    result = provider.check(olds or {}, news)
    assert not result.failures, result.failures
    return result.inputs


@pytest.mark.parametrize(
    "changed, paths",
    [
        (_vip("10.3.0.101"), ["vip[0].ip_address"]),
        (_vip("10.3.0.100", vip_id="1"), ["vip[0].vip_id"]),
    ],
    ids=["address", "vip_id"],
)
def test_a_vip_address_or_id_change_replaces_the_vsvip(provider_for, raw, changed, paths):
    provider = provider_for("vsvip")
    created = provider.create(_checked(provider, _vip("10.3.0.100")))
    news = _checked(provider, changed, created.outs)
    diff = provider.diff(created.id, created.outs, news)
    assert diff.changes and diff.replaces == ["vip", *paths], diff.replaces
    assert diff.delete_before_replace is True  # the replacement keeps the name
    in_place = raw("PUT", f"/api/vsvip/{created.id}", changed)
    assert in_place.status_code == 400  # what an update would meet


def test_a_vip_network_change_replaces_the_vsvip(provider_for, raw):
    add_vip_network(raw, "vip-net-a", "10.51.0.0/24")
    add_vip_network(raw, "vip-net-b", "10.52.0.0/24")
    provider = provider_for("vsvip")
    created = provider.create(_checked(provider, _allocated("vip-net-a", "10.51.0.0/24")))
    assert (
        provider.diff(
            created.id, created.outs, _checked(provider, _allocated("vip-net-a", "10.51.0.0/24"), created.outs)
        ).changes
        is False
    )
    moved = _checked(provider, _allocated("vip-net-b", "10.52.0.0/24"), created.outs)
    diff = provider.diff(created.id, created.outs, moved)
    assert diff.replaces == ["vip", "vip[0].ipam_network_subnet"], diff.replaces
    live = raw("GET", f"/api/vsvip/{created.id}").json()
    live["vip"] = moved["vip"]
    assert raw("PUT", f"/api/vsvip/{created.id}", live).status_code == 400  # not in place


def test_switching_between_a_fixed_and_an_allocated_address_replaces_the_vsvip(provider_for, raw):
    add_vip_network(raw, "vip-net-a", "10.51.0.0/24")
    provider = provider_for("vsvip")
    fixed = provider.create(_checked(provider, _vip("10.51.0.7")))
    to_allocated = provider.diff(
        fixed.id, fixed.outs, _checked(provider, _allocated("vip-net-a", "10.51.0.0/24"), fixed.outs)
    )
    assert to_allocated.replaces == ["vip", "vip[0].auto_allocate_ip", "vip[0].ipam_network_subnet"]
    provider.delete(fixed.id, fixed.outs)
    allocated = provider.create(_checked(provider, _allocated("vip-net-a", "10.51.0.0/24")))
    to_fixed = provider.diff(allocated.id, allocated.outs, _checked(provider, _vip("10.51.0.7"), allocated.outs))
    assert to_fixed.replaces == ["vip", "vip[0].ip_address"], to_fixed.replaces


def test_vsvip_changes_a_controller_applies_in_place_stay_updates(provider_for, raw):
    provider = provider_for("vsvip")
    created = provider.create(_checked(provider, _vip("10.3.0.100")))
    named = _checked(provider, {**_vip("10.3.0.100"), "dns_info": [{"fqdn": "a.example.com"}]}, created.outs)
    assert provider.diff(created.id, created.outs, named).replaces == []
    second = _vip("10.3.0.100")
    second["vip"].append({"vip_id": "1", "ip_address": {"addr": "10.3.0.102", "type": "V4"}})
    added = provider.diff(created.id, created.outs, _checked(provider, second, created.outs))
    assert added.changes and added.replaces == []  # a new VIP next to the kept one
    assert (
        raw(
            "PUT", f"/api/vsvip/{created.id}", {**raw("GET", f"/api/vsvip/{created.id}").json(), "vip": second["vip"]}
        ).status_code
        == 200
    )
    disabled = _vip("10.3.0.100")
    disabled["vip"][0]["enabled"] = False
    assert provider.diff(created.id, created.outs, _checked(provider, disabled, created.outs)).replaces == []


def test_vip_fields_unknown_during_preview_plan_a_replacement(provider_for):
    provider = provider_for("vsvip")
    old = {**_vip("10.3.0.100"), "uuid": "vsvip-x", "url": "https://c/api/vsvip/vsvip-x"}
    unknown_list = provider.diff("vsvip-x", old, {"name": "moving-vip", "vip": rpc.UNKNOWN})
    assert unknown_list.replaces == ["vip"]
    unknown_addr = provider.diff(
        "vsvip-x",
        old,
        {"name": "moving-vip", "vip": [{"vip_id": "0", "ip_address": {"addr": rpc.UNKNOWN, "type": "V4"}}]},
    )
    assert unknown_addr.replaces == ["vip", "vip[0].ip_address"]


def test_a_virtual_service_follows_the_replacement_of_its_vsvip_or_parent(provider_for):
    """The engine asks a dependent's diff with the reference to a resource it deletes first set
    to unknown: a virtual service then answers "replace" so it goes before its VsVip (or its VH
    parent); a known new reference is an ordinary update."""
    provider = provider_for("virtualservice")
    old = {
        "name": "vs",
        "services": [{"port": 80}],
        "vsvip_ref": "https://c/api/vsvip/vsvip-1",
        "uuid": "virtualservice-1",
        "url": "https://c/api/virtualservice/virtualservice-1",
    }
    inputs = {k: v for k, v in old.items() if k not in ("uuid", "url")}
    followed = provider.diff("virtualservice-1", old, {**inputs, "vsvip_ref": rpc.UNKNOWN})
    assert followed.replaces == ["vsvip_ref"] and followed.delete_before_replace is True
    over_grpc = provider.diff("virtualservice-1", old, {**inputs, "vsvip_ref": Unknown()})  # as the server hands it
    assert over_grpc.replaces == ["vsvip_ref"]
    moved = provider.diff("virtualservice-1", old, {**inputs, "vsvip_ref": "https://c/api/vsvip/vsvip-2"})
    assert moved.changes and moved.replaces == []
    child = {
        "name": "child",
        "type": "VS_TYPE_VH_CHILD",
        "vh_domain_name": ["a.example.com"],
        "vh_parent_vs_ref": "https://c/api/virtualservice/virtualservice-1",
    }
    orphaned = provider.diff("virtualservice-2", child, {**child, "vh_parent_vs_ref": rpc.UNKNOWN})
    assert orphaned.replaces == ["vh_parent_vs_ref"]
    fresh = provider.diff(
        "virtualservice-3", {k: v for k, v in inputs.items() if k != "vsvip_ref"}, {**inputs, "vsvip_ref": rpc.UNKNOWN}
    )
    assert fresh.changes and fresh.replaces == []  # a reference the VS never had: nothing to follow


# -- through the engine path: the program's own resources, `python -m pulumi.dynamic` ---------

ONPREM_KINDS = ("vsvip", "virtualservice")


def _run_onprem(**edge_changes):
    import copy
    import json

    from tests.support.avi_support import self_signed
    from tools.mockrun import PROJECT_DIR, Secret, run_stack_file
    from tools.stack_files import read_mapping

    config = read_mapping(PROJECT_DIR / "Pulumi.onprem.yaml")["config"]
    edge = copy.deepcopy(config["mesh-platform:edge"])
    edge["avi"].update(edge_changes)
    cert, key, _, _ = self_signed("pay.corp.example.net")
    return run_stack_file(
        PROJECT_DIR / "Pulumi.onprem.yaml",
        overrides={
            "mesh-platform:edge": edge,
            "mesh-platform:edgeCertificates": Secret(json.dumps({"pay": {"certificate": cert, "key": key}})),
        },
    )


def _live(raw, kind: str) -> dict[str, dict]:
    return {o["name"]: o for o in raw("GET", f"/api/{kind}").json()["results"] if o["name"].startswith("onprem--")}


def test_a_vip_network_change_replaces_the_vsvips_and_their_virtual_services_in_one_deploy(emulator, raw):
    from tests.support.avi_engine import Engine, dynamic_provider_server

    add_vip_network(raw, "vip-net-onprem", "10.50.0.0/24")
    add_vip_network(raw, "vip-net-moved", "10.70.0.0/24")
    with dynamic_provider_server() as stub:
        engine = Engine(stub, emulator.url)
        engine.deploy(_run_onprem())
        before = {kind: _live(raw, kind) for kind in ONPREM_KINDS}
        assert before["vsvip"] and all(
            v["vip"][0]["ip_address"]["addr"].startswith("10.50.0.") for v in before["vsvip"].values()
        )

        moved = _run_onprem(vipNetwork="10.70.0.0/24", vipNetworkName="vip-net-moved")
        changes = engine.deploy(moved)
        after = {kind: _live(raw, kind) for kind in ONPREM_KINDS}
        vsvips = {n for n in changes.replaced if "vsvip" in n}
        assert vsvips and all(changes.replace_keys[n] == ["vip", "vip[0].ipam_network_subnet"] for n in vsvips)
        # every virtual service went with its VsVip (or its VH parent) before the VsVip was deleted
        assert {n for n, keys in changes.replace_keys.items() if keys == ["vsvip_ref"]}
        assert {n for n, keys in changes.replace_keys.items() if keys == ["vh_parent_vs_ref"]}
        assert not changes.deleted and set(after["vsvip"]) == set(before["vsvip"])
        assert set(after["virtualservice"]) == set(before["virtualservice"])  # same names, new objects
        for name, vsvip in after["vsvip"].items():
            assert vsvip["uuid"] != before["vsvip"][name]["uuid"]
            assert vsvip["vip"][0]["ip_address"]["addr"].startswith("10.70.0."), name
        uuids = {v["uuid"] for v in after["vsvip"].values()}
        parents = {vs["uuid"] for vs in after["virtualservice"].values()}
        for name, vs in after["virtualservice"].items():
            if vs.get("type") == "VS_TYPE_VH_CHILD":
                assert vs["vh_parent_vs_ref"].split("#")[0].rsplit("/", 1)[-1] in parents, name
            else:
                assert vs["vsvip_ref"].split("#")[0].rsplit("/", 1)[-1] in uuids, name
        assert engine.deploy(moved).none  # converged in that one deploy
        engine.destroy()
    assert not any(_live(raw, kind) for kind in ONPREM_KINDS)


def test_a_fixed_vip_address_change_moves_the_virtual_service_in_one_deploy(emulator, raw):
    import copy

    from tests.support.avi_engine import Engine, dynamic_provider_server
    from tools.mockrun import PROJECT_DIR, run_stack_file
    from tools.stack_files import read_mapping

    edge = read_mapping(PROJECT_DIR / "Pulumi.dev.yaml")["config"]["mesh-platform:edge"]

    def dev(address: str):
        changed = copy.deepcopy(edge)
        changed["avi"]["vipAddress"] = address
        return run_stack_file(PROJECT_DIR / "Pulumi.dev.yaml", overrides={"mesh-platform:edge": changed})

    with dynamic_provider_server() as stub:
        engine = Engine(stub, emulator.url)
        engine.deploy(dev("10.10.10.50"))
        changes = engine.deploy(dev("10.10.10.51"))
        assert {tuple(keys) for keys in changes.replace_keys.values()} == {("vip", "vip[0].ip_address"), ("vsvip_ref",)}
        vsvips = raw("GET", "/api/vsvip").json()["results"]
        assert [v["vip"][0]["ip_address"]["addr"] for v in vsvips] == ["10.10.10.51"]
        services = [vs for vs in raw("GET", "/api/virtualservice").json()["results"] if vs.get("vsvip_ref")]
        assert services and all(vs["vsvip_ref"].split("#")[0].endswith(vsvips[0]["uuid"]) for vs in services)
        engine.destroy()
