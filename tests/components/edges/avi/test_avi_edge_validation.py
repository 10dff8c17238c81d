"""Every preview-time rule of the Avi edge, each with its message naming the hosts, apps or nodes involved."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from components.config.errors import ConfigError
from components.stack.loader import load_stack_config
from tests.components.stack.test_config import DictSource

NODES = [
    {"name": "worker-1", "address": "10.60.0.11", "podCidr": "10.244.0.0/24"},
    {"name": "worker-2", "address": "10.60.0.12", "podCidr": "10.244.1.0/24"},
]
AVI_EDGE = {"vipNetwork": "10.50.0.0/24", "vipNetworkName": "vip-net", "nodes": NODES}
BASE = {
    "cluster": {"kind": "existing", "name": "onprem"},
    "namespaces": ["prod", "pre"],
    "edge": {"kind": "avi", "avi": AVI_EDGE},
    "avi": {"controller": "https://avi.example.com"},
    "apps": [
        {
            "virtualName": "app1",
            "name": "app1",
            "port": 8000,
            "namespaces": [{"name": "prod", "hosts": ["app1.example.com"]}],
        }
    ],
}
SECRETS = {"aviPassword": "pw"}


def load(changes: dict[str, Any], secrets: dict[str, str] = SECRETS):
    return load_stack_config(DictSource({**copy.deepcopy(BASE), **changes}, secrets))


def problems(changes: dict[str, Any], secrets: dict[str, str] = SECRETS) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load(changes, secrets)
    return [str(p) for p in caught.value.problems]


def edge(**changes) -> dict:
    return {"edge": {"kind": "avi", "avi": {**copy.deepcopy(AVI_EDGE), **changes}}}


def app(name: str, namespace: str, hosts: list[str], tls: Any = None, prefixes=("/",), port=8000) -> dict:
    ns = {"name": namespace, "hosts": hosts, **({"tls": tls} if tls is not None else {})}
    return {"virtualName": name, "name": name, "port": port, "namespaces": [ns], "prefixes": list(prefixes)}


def test_the_base_stack_is_valid():
    config = load({})
    assert config.edge.avi.manager == "pulumi"
    assert [n.name for n in config.edge.avi.serving_nodes] == ["worker-1", "worker-2"]


def test_host_and_path_bound_to_two_backends():
    found = problems({"apps": [app("app1", "prod", ["shop.example.com"]), app("app2", "pre", ["shop.example.com"])]})
    assert found == [
        'mesh-platform:apps[1].namespaces[0].hosts: host "shop.example.com" with prefix "/" is already '
        "routed by app1 in prod; each host+prefix must belong to one app"
    ]


def test_one_sni_host_with_different_certificates_across_namespaces():
    found = problems(
        {
            "apps": [
                app("app1", "prod", ["shop.example.com"], {"certificate": {"secret": "shop"}}, prefixes=["/a"]),
                app("app2", "pre", ["shop.example.com"], {"certificate": {"issuer": "pulumi-tls"}}, prefixes=["/b"]),
            ]
        },
        secrets={**SECRETS, "edgeCertificates": "{}"},
    )
    assert found == [
        'mesh-platform:apps[1].namespaces[0].tls: host "shop.example.com" is served terminated with '
        "certificate from issuer pulumi-tls by app2 in pre but terminated with certificate from secret "
        "shop by app1 in prod; one SNI host has one certificate and one TLS mode, so declare the same "
        "tls everywhere it appears"
    ]


def test_secure_host_without_a_certificate():
    found = problems({"apps": [app("app1", "prod", ["shop.example.com"], {"mode": "terminate"})]})
    assert found == [
        "mesh-platform:apps[0].namespaces[0].tls.certificate: a terminated (secure) host needs a "
        "certificate: {secret: <entry of edgeCertificates>} or {issuer: pulumi-tls}"
    ]


def test_certificate_from_the_secret_needs_the_secret():
    found = problems({"apps": [app("app1", "prod", ["shop.example.com"], {"certificate": {"secret": "shop"}})]})
    assert found == [
        "mesh-platform:edgeCertificates: required for the certificates of shop.example.com (shop); set "
        "it with `pulumi config set --secret edgeCertificates '<JSON: name -> {certificate, key}>'`"
    ]


def test_passthrough_host_takes_no_certificate_and_no_paths():
    found = problems(
        {
            "apps": [
                app(
                    "app1",
                    "prod",
                    ["tls.example.com"],
                    {"mode": "passthrough", "certificate": {"issuer": "pulumi-tls"}},
                )
            ]
        }
    )
    assert found == [
        "mesh-platform:apps[0].namespaces[0].tls.certificate: passthrough hosts keep TLS to the mesh; "
        "the edge holds no certificate for them, so leave certificate out"
    ]
    found = problems({"apps": [app("app1", "prod", ["tls.example.com"], {"mode": "passthrough"}, prefixes=["/a"])]})
    assert found == [
        "mesh-platform:apps[0].prefixes: app1 in prod serves tls.example.com as passthrough, where the "
        'edge and the gateway see no paths; expected prefixes ["/"] (or leave them out)'
    ]


def test_route_listing_the_same_backend_twice():
    twice = {
        "virtualName": "app1",
        "name": "app1",
        "port": 8000,
        "namespaces": [{"name": "prod", "hosts": ["a.example.com"]}, {"name": "prod", "hosts": ["b.example.com"]}],
    }
    found = problems({"apps": [twice]})
    assert (
        'mesh-platform:apps[0].namespaces: app app1 lists namespace "prod" more than once, so its route would '
        "name the backend app1.prod twice; list each namespace once" in found
    )


def test_duplicate_node_names_and_addresses():
    nodes = [*NODES, {"name": "worker-1", "address": "10.60.0.12"}]
    assert problems(edge(nodes=nodes)) == [
        'mesh-platform:edge.avi.nodes[2].name: name "worker-1" is already used by nodes[0] (worker-1); each node '
        "needs its own name",
        'mesh-platform:edge.avi.nodes[2].address: address "10.60.0.12" is already used by nodes[1] (worker-2); each '
        "node needs its own address",
    ]


def test_overlapping_pod_cidrs():
    nodes = [NODES[0], {**NODES[1], "podCidr": "10.244.0.0/16"}]
    assert problems(edge(nodes=nodes, staticRoutes=True)) == [
        "mesh-platform:edge.avi.nodes: pod CIDR 10.244.0.0/16 of node worker-2 overlaps 10.244.0.0/24 of node "
        "worker-1; each node's pod network must be its own"
    ]


def test_next_hop_that_is_not_a_node():
    routes = [{"prefix": "10.244.0.0/24", "nextHop": "10.60.0.11"}, {"prefix": "10.244.9.0/24", "nextHop": "10.9.9.9"}]
    assert problems(edge(staticRoutes=routes)) == [
        "mesh-platform:edge.avi.staticRoutes[1].nextHop: 10.9.9.9 is not a declared node's address; expected one of "
        "10.60.0.11, 10.60.0.12"
    ]


def test_static_routes_asked_for_without_pod_cidrs():
    nodes = [{"name": "worker-1", "address": "10.60.0.11"}]
    assert problems(edge(nodes=nodes, staticRoutes=True)) == [
        "mesh-platform:edge.avi.staticRoutes: true asks for one route per node with a podCidr, but no node has one; "
        "give the nodes their podCidr"
    ]


def test_static_routes_value_of_the_wrong_shape():
    assert problems(edge(staticRoutes="yes")) == [
        "mesh-platform:edge.avi.staticRoutes: expected true (one route per node with a podCidr), false, or a list of "
        "{prefix, nextHop}"
    ]


def test_vip_outside_its_network():
    assert problems(edge(vipAddress="10.99.0.5")) == [
        "mesh-platform:edge.avi.vipAddress: 10.99.0.5 is outside vipNetwork 10.50.0.0/24; expected an address inside it"
    ]


def test_allocated_vips_need_the_network_name():
    avi = {k: v for k, v in AVI_EDGE.items() if k != "vipNetworkName"}
    assert problems({"edge": {"kind": "avi", "avi": avi}}) == [
        "mesh-platform:edge.avi.vipNetworkName: required to allocate VIPs from 10.50.0.0/24: the name of the Avi "
        "network object holding that subnet (sent as network_ref)"
    ]


@pytest.mark.parametrize("key", ["cloud", "serviceEngineGroup", "vrf"])
def test_empty_cloud_se_group_or_vrf(key):
    assert problems(edge(**{key: ""})) == [f'mesh-platform:edge.avi.{key}: expected a non-empty name; got ""']


def test_node_selector_matching_no_node():
    assert problems(edge(nodePortSelector={"key": "edge", "value": "true"})) == [
        'mesh-platform:edge.avi.nodePortSelector: no node has label edge="true" (nodes: worker-1, worker-2); '
        "expected a selector at least one node matches"
    ]


def test_object_names_over_avis_limit():
    host = ".".join(["a" * 60] * 4)  # 243 characters, a valid DNS name
    found = problems({"apps": [app("app1", "prod", [host], prefixes=["/long-prefix"])]})
    assert len(found) == 1
    assert found[0].startswith(
        f'mesh-platform:apps[0].namespaces[0].hosts: host "{host}" of app app1 in prod makes '
        "the Avi object name onprem--"
    )
    assert found[0].endswith("characters); Avi allows 255, so shorten the host, prefix or cluster name")


def test_every_problem_at_once():
    found = problems(
        {
            **edge(vipAddress="10.99.0.5", nodes=[*NODES, {"name": "worker-1", "address": "10.60.0.13"}]),
            "apps": [app("app1", "prod", ["s.example.com"], {"mode": "terminate"})],
        }
    )
    assert [f.split(":")[1] for f in found] == [
        "apps[0].namespaces[0].tls.certificate",
        "edge.avi.vipAddress",
        "edge.avi.nodes[2].name",
    ]


def test_older_node_addresses_still_load():
    avi = {**{k: v for k, v in AVI_EDGE.items() if k != "nodes"}, "nodeAddresses": ["10.60.0.11"]}
    config = load({"edge": {"kind": "avi", "avi": avi}})
    assert [(n.name, n.address) for n in config.edge.avi.nodes] == [("node-10-60-0-11", "10.60.0.11")]
