"""AKO's preview checks: each asserts its key path and message; several mistakes are reported together."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from components.ako.ingresses import IngressPlan, caveats
from components.config.errors import ConfigError
from components.stack.loader import load_stack_config

PORTAL = {
    "virtualName": "portal",
    "name": "portal-web",
    "port": 8080,
    "namespaces": [{"name": "portal", "hosts": ["portal.corp.example.net"]}],
}
PAY = {
    "virtualName": "payments-api",
    "name": "payments",
    "port": 9000,
    "prefixes": ["/api"],
    "namespaces": [
        {"name": "payments", "hosts": ["pay.corp.example.net"], "tls": {"certificate": {"issuer": "pulumi-tls"}}}
    ],
}
BASE = {
    "cluster": {"kind": "existing", "name": "onprem", "kubernetesVersion": "1.34"},  # inside AKO's stated support
    "namespaces": ["portal", "payments"],
    "istio": {"outboundTrafficPolicy": "REGISTRY_ONLY"},
    "apps": [PORTAL, PAY],
    "edge": {
        "kind": "avi",
        "avi": {
            "vipNetwork": "10.50.0.0/24",
            "vipNetworkName": "vip-net",
            "staticRoutes": True,
            "nodes": [
                {"name": "w1", "address": "10.60.0.11", "podCidr": "10.244.0.0/24", "labels": {"edge": "true"}},
                {"name": "w2", "address": "10.60.0.12", "podCidr": "10.244.1.0/24"},
            ],
        },
    },
    "avi": {"controller": "https://avi.corp.example.net"},
    "ako": {"enabled": True},
}


class Source:
    """Stack config as plain dicts; the one secret the Avi sections need is set."""

    stack = "test"

    def __init__(self, values: dict[str, Any]):
        self.values = values

    def value(self, key: str) -> Any:
        return copy.deepcopy(self.values.get(key))

    def secret(self, key: str):
        return "secret:pw" if key == "aviPassword" else None

    def keys(self) -> list[str]:
        return [f"mesh-platform:{k}" for k in (*self.values, "aviPassword")]

    def provider_setting(self, full_key: str) -> str | None:
        return None

    def is_stored_secret(self, key: str) -> bool:
        return True


def stack(ako: dict | None = None, edge: dict | None = None, **top: Any) -> dict[str, Any]:
    values = copy.deepcopy(BASE)
    values["ako"].update(ako or {})
    values["edge"]["avi"].update(edge or {})
    values.update(top)
    return values


def ako_manager(ako: dict | None = None, edge: dict | None = None, **top: Any) -> dict[str, Any]:
    return stack({"serviceType": "ClusterIP", **(ako or {})}, {"manager": "ako", **(edge or {})}, **top)


def problems(values: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_stack_config(Source(values))
    return [str(p) for p in caught.value.problems]


def test_both_managers_load():
    assert load_stack_config(Source(stack())).edge.avi.manager == "pulumi"
    assert load_stack_config(Source(ako_manager())).edge.avi.manager == "ako"


@pytest.mark.parametrize(
    "key,value,expected",
    [
        (
            "shardSize",
            "HUGE",
            'mesh-platform:ako.shardSize: expected one of LARGE, MEDIUM, SMALL, DEDICATED; got "HUGE"',
        ),
        (
            "passthroughShardSize",
            "DEDICATED",
            'mesh-platform:ako.passthroughShardSize: expected one of LARGE, MEDIUM, SMALL; got "DEDICATED"',
        ),
        (
            "serviceType",
            "LoadBalancer",
            'mesh-platform:ako.serviceType: expected one of NodePort, ClusterIP, NodePortLocal; got "LoadBalancer"',
        ),
        (
            "controllerVersion",
            "latest",
            'mesh-platform:ako.controllerVersion: expected an Avi Controller version such as "22.1.3"; got "latest"',
        ),
        ("cloud", " ", 'mesh-platform:ako.cloud: expected a non-empty name; got " "'),
        ("serviceEngineGroup", "", 'mesh-platform:ako.serviceEngineGroup: expected a non-empty name; got ""'),
        (
            "clusterName",
            "onprem.ako",
            "mesh-platform:ako.clusterName: expected a name of letters, digits, '-' and '_' (AKO's clusterName); "
            'got "onprem.ako"',
        ),
    ],
)
def test_value_checks(key, value, expected):
    assert problems(stack({key: value})) == [expected]


def test_controller_version_of_the_connection_is_checked_too():
    found = problems(stack(avi={"controller": "https://avi.corp.example.net", "version": "twenty-two"}))
    assert found == ['mesh-platform:avi.version: expected an Avi API version such as "22.1.3"; got "twenty-two"']


def test_nodeport_mode_needs_a_node_the_selector_matches():
    found = problems(stack({"nodePortSelector": {"key": "zone", "value": "dmz"}}))
    assert found == [
        "mesh-platform:ako.nodePortSelector: AKO is in NodePort mode and no node in edge.avi.nodes has "
        'label zone="dmz" (nodes: w1, w2); its pools would have no members; expected a selector one '
        "node matches"
    ]


def test_node_selector_only_in_nodeport_mode():
    found = problems(stack({"serviceType": "ClusterIP", "nodePortSelector": {"key": "edge", "value": "true"}}))
    assert found == [
        "mesh-platform:ako.nodePortSelector: applies only with serviceType NodePort; serviceType is "
        '"ClusterIP" (the chart would ignore it)'
    ]


# ----- coexistence with the pulumi manager ------------------------------------------------------------


def test_akos_cluster_name_must_not_be_the_edges_prefix():
    found = problems(stack({"clusterName": "onprem", "shardSize": "LARGE"}))
    assert len(found) == 1
    assert found[0].startswith(
        'mesh-platform:ako.clusterName: "onprem" is also the Avi edge\'s object prefix: AKO '
        "and the program would both write onprem--Shared-L7-<n>"
    )
    assert "disagree on the shard count (AKO LARGE, the edge SMALL)" in found[0]
    assert found[0].endswith("choose another clusterName or leave it out (default onprem-ako)")


def test_akos_vsvip_discovery_must_not_match_edge_names():
    found = problems(stack({"clusterName": "prem"}))
    assert len(found) == 1
    assert found[0].startswith(
        'mesh-platform:ako.clusterName: AKO finds its VsVips by names containing "prem--", '
        "which would take the edge's onprem--"
    )


def test_layer7_only_is_refused_with_the_pulumi_manager():
    assert problems(stack({"layer7Only": True})) == [
        "mesh-platform:ako.layer7Only: with edge.avi.manager pulumi the program's edge serves every app host; AKO "
        "there serves LoadBalancer Services only, so layer7Only would leave it nothing to do (use "
        "edge.avi.manager: ako to let AKO serve L7)"
    ]


def test_one_writer_for_static_routes():
    found = problems(stack({"serviceType": "ClusterIP", "disableStaticRouteSync": False}))
    assert found == [
        "mesh-platform:ako.disableStaticRouteSync: the program writes the static routes to the pod "
        "networks (edge.avi); AKO's own route sync would rewrite the same VRF routes: leave "
        "disableStaticRouteSync out or set it to true"
    ]
    # Without program routes AKO may sync them itself.
    assert load_stack_config(
        Source(stack({"serviceType": "ClusterIP", "disableStaticRouteSync": False}, {"staticRoutes": False}))
    )


def test_controller_is_not_an_external_host_too():
    found = problems(stack(externalHosts=[{"host": "avi.corp.example.net"}]))
    assert found == [
        'mesh-platform:externalHosts: "avi.corp.example.net" is the Avi Controller AKO talks to; the '
        "program already declares its ServiceEntry and egress route for AKO's namespace, remove it here"
    ]


# ----- the ako manager ------------------------------------------------------------------------------


def test_ako_manager_needs_ako():
    assert problems(ako_manager({"enabled": False})) == [
        "mesh-platform:edge.avi.manager: the ako manager lets AKO build the Avi layout; set ako.enabled: true (or "
        "edge.avi.manager: pulumi)"
    ]


def test_ako_manager_refuses_akos_cluster_name_equal_to_the_route_label():
    assert problems(ako_manager({"clusterName": "onprem"})) == [
        'mesh-platform:ako.clusterName: "onprem" is also the name the program labels its static routes with '
        "(clustername=onprem): AKO's deleteConfig and the cleanup would take those routes for AKO's own and remove "
        "them; choose another clusterName or leave it out (default onprem-ako)"
    ]
    assert load_stack_config(Source(ako_manager({"clusterName": "onprem-l7"}))).ako.cluster_name == "onprem-l7"


def test_ako_manager_takes_the_layout_from_the_edge():
    found = problems(ako_manager({"shardSize": "LARGE"}))
    assert found == [
        "mesh-platform:ako.shardSize: with edge.avi.manager ako, AKO builds the edge's layout from "
        "edge.avi.shardSize (SMALL); ako.shardSize (LARGE) contradicts it: leave it out"
    ]


def test_ako_manager_sends_to_cluster_ip_services_over_program_routes():
    assert problems(ako_manager({"serviceType": "NodePort"})) == [
        "mesh-platform:ako.serviceType: the ako manager points each Ingress at the app's ClusterIP Service, which "
        "AKO's NodePort mode skips (its pools would stay empty); expected ClusterIP or NodePortLocal"
    ]
    assert problems(ako_manager(edge={"staticRoutes": False})) == [
        "mesh-platform:edge.avi.staticRoutes: AKO in ClusterIP mode sends to pod IPs; with the ako manager the "
        "program writes the routes to the pod networks (AKO's sync is off): set staticRoutes: true with each "
        "node's podCidr"
    ]


def test_ako_manager_refuses_passthrough_hosts():
    ledger = {
        "virtualName": "ledger",
        "name": "ledger",
        "port": 8443,
        "namespaces": [{"name": "payments", "hosts": ["ledger.corp.example.net"], "tls": {"mode": "passthrough"}}],
    }
    assert problems(ako_manager(apps=[PORTAL, PAY, ledger])) == [
        "mesh-platform:apps[2].namespaces[0].tls.mode: AKO passes TLS through only for OpenShift Routes, not for "
        "the Ingress the ako manager declares for ledger.corp.example.net; expected terminate (or "
        "edge.avi.manager: pulumi)"
    ]


def test_ako_manager_reports_ingress_caveats_naming_the_ingresses():
    twin = {**PORTAL, "virtualName": "portal-v2", "name": "portal-web-v2"}
    found = problems(ako_manager(apps=[PORTAL, PAY, twin]))
    assert (
        'mesh-platform:apps[2].namespaces[0].hosts: "portal.corp.example.net/" is bound to service '
        "portal/portal-web by Ingress portal/portal-portal-corp-example-net and to portal/portal-web-v2 by "
        "Ingress portal/portal-v2-portal-corp-example-net; AKO would pick one"
    ) in found


def plan(app: str, namespace: str, host: str, service: str, paths=("/",), source=None, index=0) -> IngressPlan:
    return IngressPlan(
        index, 0, app, namespace, host, service, 80, tuple(paths), f"{host}-tls" if source else None, source
    )


def test_each_faq_caveat_names_the_ingresses():
    found = dict(
        caveats(
            [
                plan("a", "one", "a.example.com", "web", index=0),
                plan("b", "two", "a.example.com", "api", index=1),
                plan("c", "one", "c.example.com", "web", paths=("/x", "/x"), index=2),
                plan("d", "one", "d.example.com", "web", source="edgeCertificates entry d", index=3),
                plan("d2", "two", "d.example.com", "web", paths=("/two",), source="issuer pulumi-tls", index=4),
                plan("e", "one", "e.example.com", "web", index=5),
                plan("f", "lb", "f.example.com", "gateway", index=6),
            ],
            secure_hosts={"e.example.com"},
            load_balancer_services={("lb", "gateway")},
        ).__iter__()
    )
    assert found["apps[1].namespaces[0].hosts"] == (
        '"a.example.com/" is bound to service one/web by Ingress one/a-a-example-com and to two/api by Ingress '
        "two/b-a-example-com; AKO would pick one"
    )
    assert found["apps[2].namespaces[0].hosts"] == (
        'Ingress one/c-c-example-com lists the backend web:80 twice for "c.example.com/x"; AKO would build the '
        "same pool twice"
    )
    assert found["apps[4].namespaces[0].hosts"] == (
        'SNI host "d.example.com" has the certificate of edgeCertificates entry d in Ingress one/d-d-example-com '
        "and of issuer pulumi-tls in Ingress two/d2-d-example-com; AKO would serve one of them for both"
    )
    assert found["apps[5].namespaces[0].hosts"] == (
        'host "e.example.com" is secure but Ingress one/e-e-example-com has no certificate Secret; AKO would serve '
        "it over HTTP only"
    )
    assert found["apps[6].namespaces[0].hosts"] == (
        "Ingress lb/f-f-example-com is aimed at lb/gateway, a LoadBalancer Service; AKO already gives it an L4 "
        "virtual service, point the Ingress at a ClusterIP Service"
    )


def test_every_problem_is_reported_at_once():
    found = problems(
        stack(
            {
                "shardSize": "HUGE",
                "serviceType": "ClusterIP",
                "disableStaticRouteSync": False,
                "clusterName": "onprem",
                "layer7Only": True,
                "cloud": "",
            }
        )
    )
    paths = sorted(p.split(":", 2)[1].split(" ")[0] for p in found)
    # Every value error of the section together, and the cross-section rules on the rest of it.
    assert paths == ["ako.cloud", "ako.clusterName", "ako.disableStaticRouteSync", "ako.layer7Only", "ako.shardSize"]
    found = problems(
        stack(
            {"serviceType": "ClusterIP", "disableStaticRouteSync": False, "clusterName": "onprem", "layer7Only": True},
            externalHosts=[{"host": "avi.corp.example.net"}],
        )
    )
    assert sorted(p.split(":", 2)[1].split(" ")[0] for p in found) == [
        "ako.clusterName",
        "ako.disableStaticRouteSync",
        "ako.layer7Only",
        "externalHosts",
    ]


def test_akos_istio_objects_must_not_take_the_edges_names():
    found = problems(stack({"clusterName": "onprem-istio", "namespace": "ingress"}))
    assert found == [
        "mesh-platform:ako.clusterName: AKO's Istio objects istio-pki-onprem-istio-ingress, "
        "istio-workload-onprem-istio-ingress have the names of the edge's own; choose another clusterName "
        "or ako.namespace"
    ]


def test_akos_defaults_come_from_the_edge():
    from components.ako.effective import resolve

    config = load_stack_config(
        Source(stack(edge={"shardSize": "MEDIUM", "nodePortSelector": {"key": "edge", "value": "true"}}))
    )
    settings = resolve(config.cluster.name, config.ako, config.avi, config.edge.avi)
    assert (settings.cluster_name, settings.shard_size, settings.node_port_selector, settings.vip_networks) == (
        "onprem-ako",
        "MEDIUM",
        ("edge", "true"),
        (("vip-net", "10.50.0.0/24"),),
    )
    assert (settings.program_owns_routes, settings.disable_static_route_sync, settings.vrf) == (True, True, "")
    assert settings.created_by == "ako-onprem-ako"
