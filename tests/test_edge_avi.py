"""The Avi edge: AKO-compatible naming and sharding, payloads, and the declared graph."""

from __future__ import annotations

import pytest

from components.edges.avi.config import AviEdgeConfig
from components.routes.config import AppConfig, AppNamespaceConfig
from components.edges.avi import model
from components.edges.avi import naming
from tools.mockrun import Secret

EDGE = AviEdgeConfig(vip_network="10.10.10.0/24", vip_network_name="vip-net", node_addresses=("10.0.0.11", "10.0.0.12"))
APPS = (
    AppConfig(virtual_name="app1-virtual-svc", service="app1-service", port=8000, namespaces=(
        AppNamespaceConfig(name="prod", hosts=("app1.public.domain", "app1-service.prod.svc.cluster.local")),
        AppNamespaceConfig(name="pre-prod", hosts=("app1-pre.public.domain",)),
    ), prefixes=("/", "/api")),
)


@pytest.mark.parametrize("text, value", [("", 0x811C9DC5), ("a", 0xE40C292C), ("foobar", 0xBF9CF968)])
def test_fnv1a_32_known_vectors(text, value):
    assert naming.fnv1a_32(text) == value


def test_shard_index_masks_like_ako():
    assert naming.shard_index("foobar", 8) == 0xBF9CF968 & 7
    assert naming.shard_index("anything", 1) == 0
    with pytest.raises(ValueError):
        naming.shard_index("x", 3)


def test_names_follow_ako_formats():
    assert naming.shard_vs_name("dev-cluster", 4) == "dev-cluster--Shared-L7-4"
    assert naming.pool_name("dev-cluster", "app1.public.domain", "/api", "default", "app1") == \
        "dev-cluster--app1.public.domain_api-default-app1"


def test_internal_hosts_stay_in_the_mesh():
    shards = model.plan_shards("c", APPS, "SMALL")
    assert len(shards) == 1
    assert shards[0].hosts == ["app1-pre.public.domain", "app1.public.domain"]
    assert len(shards[0].pools) == 4  # two hosts x two prefixes


def test_large_shards_spread_hosts_by_hash():
    apps = tuple(AppConfig(virtual_name=f"a{i}", service=f"s{i}", port=80, namespaces=(AppNamespaceConfig(name="prod", hosts=(f"h{i}.example.com",)),))
                 for i in range(40))
    shards = model.plan_shards("c", apps, "LARGE")
    assert len(shards) > 1
    for shard in shards:
        for host in shard.hosts:
            assert naming.shard_index(host, 8) == shard.index


def test_policy_rules_put_longer_prefixes_first():
    shard = model.plan_shards("c", APPS, "SMALL")[0]
    body = model.http_policy_body(shard, {p.name: f"/api/pool?name={p.name}" for p in shard.pools})
    rules = body["http_request_policy"]["rules"]
    by_host = [(r["match"]["host_hdr"]["value"][0], r["match"]["path"]["match_str"][0]) for r in rules]
    assert by_host == [("app1-pre.public.domain", "/api"), ("app1-pre.public.domain", "/"),
                       ("app1.public.domain", "/api"), ("app1.public.domain", "/")]
    assert [r["index"] for r in rules] == [1, 2, 3, 4]


def test_pool_targets_the_gateway_node_port_on_every_node():
    plan = model.plan_shards("c", APPS, "SMALL")[0].pools[0]
    body = model.pool_body(plan, EDGE, 30080)
    assert body["servers"] == [{"ip": {"addr": "10.0.0.11", "type": "V4"}, "port": 30080},
                               {"ip": {"addr": "10.0.0.12", "type": "V4"}, "port": 30080}]
    assert body["default_server_port"] == 30080


def test_vsvip_fixed_or_allocated():
    assert model.vsvip_body("v", AviEdgeConfig(vip_address="10.10.10.5", node_addresses=("10.0.0.11",)))["vip"] == [
        {"vip_id": "0", "ip_address": {"addr": "10.10.10.5", "type": "V4"}}]
    allocated = model.vsvip_body("v", EDGE)["vip"][0]
    assert allocated["auto_allocate_ip"] is True
    assert allocated["ipam_network_subnet"]["subnet"] == {"ip_addr": {"addr": "10.10.10.0", "type": "V4"}, "mask": 24}


def test_static_route_body():
    body = model.static_route_body("onprem", "worker-3", 0, "10.244.2.0/24", "10.60.0.13", EDGE)
    assert body == {"cloud": "Default-Cloud", "vrf": "global", "route_id": "onprem-worker-3-0",
                    "prefix": {"ip_addr": {"addr": "10.244.2.0", "type": "V4"}, "mask": 24},
                    "next_hop": {"addr": "10.60.0.13", "type": "V4"}}


def test_onprem_graph(run_stack):
    run = run_stack("onprem")
    routes = run.of_type("pulumi-python:dynamic/avi:StaticRoute")
    assert sorted(r.inputs["route_id"] for r in routes) == ["onprem-worker-1-0", "onprem-worker-2-0", "onprem-worker-3-0"]
    pools = run.of_type("pulumi-python:dynamic/avi:Pool")
    assert {"onprem--pay.corp.example.net_api-payments-payments-api",
            "onprem--portal.corp.example.net_-portal-portal"} <= {p.inputs["name"] for p in pools}
    vs = run.of_type("pulumi-python:dynamic/avi:VirtualService")
    assert [v.inputs["name"] for v in vs] == ["onprem--Shared-L7-0"]
    vsvip = run.named("avi-edge-vsvip-0")
    policy = run.named("avi-edge-policy-0")
    cert = run.named("avi-edge-certificate")
    assert vs[0].inputs["vsvip_ref"].endswith(f"/vsvip/vsvip-{vsvip.name}")
    assert vs[0].inputs["http_policies"][0]["http_policy_set_ref"].endswith(f"/httppolicyset-{policy.name}")
    assert vs[0].inputs["ssl_key_and_certificate_refs"][0].endswith(f"sslkeyandcertificate-{cert.name}")
    # Pools wait for the static routes that make the nodes' networks reachable.
    for pool in pools:
        assert set(r.name for r in routes) <= set(pool.dependencies)


def test_private_key_is_secret_in_the_avi_certificate(run_stack):
    cert = run_stack("onprem").named("avi-edge-certificate")
    assert isinstance(cert.inputs["key"], Secret)
    assert not isinstance(cert.inputs["certificate"], Secret)


def test_every_avi_resource_carries_a_serialized_provider(run_stack):
    for r in run_stack("onprem").resources:
        if r.type.startswith("pulumi-python:dynamic/avi:"):
            assert isinstance(r.inputs["__provider"], Secret) and r.inputs["__provider"].value
