"""The Avi objects of the edge as request bodies (no Pulumi, no HTTP), shaped as AKO sends them.

References to other objects are passed in (a resource's `url` output, or a name reference);
everything else comes from the validated `edge.avi` section and the plan.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi

from components.avi import naming
from components.avi.plan import PassthroughPlan, PoolPlan, ShardPlan, SniChildPlan
from components.edges.avi.config import AviEdgeConfig
from components.mesh.model import READINESS_PATH

Ref = pulumi.Input[str]
"""The URL of another Avi object (`/api/pool/pool-...`): an output of that object's resource."""

REDIRECT_STATUS = "HTTP_REDIRECT_STATUS_CODE_302"
"""AKO's status for HTTP -> HTTPS redirects."""
POLICY_INDEX = 11
"""AKO attaches its HTTP policy sets from index 11 up."""


def _ip(addr: str) -> dict[str, Any]:
    return {"addr": addr, "type": "V6" if ipaddress.ip_address(addr).version == 6 else "V4"}


def _placement(edge: AviEdgeConfig) -> dict[str, Any]:
    return {
        "cloud_ref": f"/api/cloud?name={edge.cloud}",
        "se_group_ref": f"/api/serviceenginegroup?name={edge.service_engine_group}",
        "vrf_context_ref": f"/api/vrfcontext?name={edge.vrf}",
    }


def health_monitor_body(cluster: str, status_node_port: int) -> dict[str, Any]:
    """HTTP/1.1 GET of the gateway's readiness endpoint on its status node port.

    The node port answers only while a gateway pod on that node is ready (the gateway
    Service keeps node-local traffic), so a member is up exactly when its node's gateway is.
    """
    return {
        "name": naming.health_monitor_name(cluster),
        "type": "HEALTH_MONITOR_HTTP",
        "monitor_port": status_node_port,
        "send_interval": 5,
        "receive_timeout": 4,
        "successful_checks": 2,
        "failed_checks": 2,
        "http_monitor": {"http_request": f"GET {READINESS_PATH} HTTP/1.1", "http_response_code": ["HTTP_2XX"]},
    }


def pool_body(
    name: str,
    edge: AviEdgeConfig,
    node_port: int,
    monitor_ref: Ref,
    pki_profile_ref: Ref | None = None,
    client_cert_ref: Ref | None = None,
) -> dict[str, Any]:
    """A pool of the gateway's node port on every serving node, in the VS's VRF, health-checked.

    With a PKI profile and a client certificate the pool speaks TLS to the gateway, verifies it
    against the mesh CA and presents the client certificate (as AKO does for Istio).
    """
    body = {
        "name": name,
        "cloud_ref": f"/api/cloud?name={edge.cloud}",
        "vrf_ref": f"/api/vrfcontext?name={edge.vrf}",
        "default_server_port": node_port,
        "servers": [{"ip": _ip(node.address), "port": node_port} for node in edge.serving_nodes],
        "health_monitor_refs": [monitor_ref],
        "lb_algorithm": "LB_ALGORITHM_LEAST_CONNECTIONS",
        # Istio routes on the Host header, so keep the client's.
        "rewrite_host_header_to_server_name": False,
        "sni_enabled": False,
    }
    if pki_profile_ref and client_cert_ref:
        body.update(
            {
                "pki_profile_ref": pki_profile_ref,
                "ssl_key_and_certificate_ref": client_cert_ref,
                "ssl_profile_ref": "/api/sslprofile?name=System-Standard",
            }
        )
    return body


def vsvip_body(name: str, edge: AviEdgeConfig) -> dict[str, Any]:
    """A fixed VIP, or one the controller allocates from the VIP network (with its network_ref)."""
    vip: dict[str, Any]
    if edge.vip_address:
        vip = {"vip_id": "0", "ip_address": _ip(edge.vip_address)}
    elif edge.vip_network:
        network = ipaddress.ip_network(edge.vip_network)
        vip = {
            "vip_id": "0",
            "auto_allocate_ip": True,
            "ipam_network_subnet": {
                "network_ref": f"/api/network?name={edge.vip_network_name}",
                "subnet": {"ip_addr": _ip(str(network.network_address)), "mask": network.prefixlen},
            },
        }
    else:
        raise ValueError("an Avi edge needs vipAddress or vipNetwork")  # AviEdgeConfig refuses neither
    return {
        "name": name,
        "cloud_ref": f"/api/cloud?name={edge.cloud}",
        "vrf_context_ref": f"/api/vrfcontext?name={edge.vrf}",
        "vip": [vip],
    }


def _redirect_rule(name: str, index: int, hosts: list[str]) -> dict[str, Any]:
    return {
        "name": name,
        "index": index,
        "enable": True,
        "match": {
            "host_hdr": {"match_criteria": "HDR_EQUALS", "value": hosts},
            "vs_port": {"match_criteria": "IS_IN", "ports": [80]},
        },
        "redirect_action": {"protocol": "HTTPS", "port": 443, "status_code": REDIRECT_STATUS},
    }


def _switching_rules(
    name: str, pools: list[PoolPlan], pool_refs: Mapping[str, Ref], start: int, match_host: bool
) -> list[dict[str, Any]]:
    ordered = sorted(pools, key=lambda p: (p.host, -len(p.prefix), p.prefix))
    rules = []
    for offset, plan in enumerate(ordered):
        match: dict[str, Any] = {
            "path": {"match_criteria": "BEGINS_WITH", "match_case": "SENSITIVE", "match_str": [plan.prefix]}
        }
        if match_host:
            match["host_hdr"] = {"match_criteria": "HDR_EQUALS", "value": [plan.host]}
        rules.append(
            {
                "name": f"{name}-{start + offset - 1}",
                "index": start + offset,
                "enable": True,
                "match": match,
                "switching_action": {"action": "HTTP_SWITCHING_SELECT_POOL", "pool_ref": pool_refs[plan.name]},
            }
        )
    return rules


def shard_policy_body(shard: ShardPlan, pool_refs: Mapping[str, Ref]) -> dict[str, Any] | None:
    """The parent's policy set: redirects of secure hosts first, then one switching rule per insecure host+prefix.

    Longer prefixes come first so `/api` wins over `/`. None when the shard has nothing to switch.
    """
    rules = []
    if shard.redirect_hosts:
        rules.append(_redirect_rule(f"{shard.name}-redirect", 1, shard.redirect_hosts))
    rules += _switching_rules(shard.name, shard.pools, pool_refs, len(rules) + 1, match_host=True)
    if not rules:
        return None
    return {"name": shard.name, "http_request_policy": {"rules": rules}}


def sni_policy_body(cluster: str, child: SniChildPlan, namespace: str, pool_refs: Mapping[str, Ref]) -> dict[str, Any]:
    """One namespace's paths of a secure host (the child VS already matched the host by SNI)."""
    name = child.policy_name(cluster, namespace)
    pools = [p for p in child.pools if p.namespace == namespace]
    return {
        "name": name,
        "http_request_policy": {"rules": _switching_rules(name, pools, pool_refs, 1, match_host=False)},
    }


def parent_vs_body(
    shard: ShardPlan, edge: AviEdgeConfig, vsvip_ref: Ref, certificate_ref: Ref, policy_ref: Ref | None
) -> dict[str, Any]:
    """The shared parent: HTTP on 80, HTTPS on 443 for its SNI children (default certificate for the rest)."""
    body = {
        "name": shard.name,
        **_placement(edge),
        "type": "VS_TYPE_VH_PARENT",
        "vsvip_ref": vsvip_ref,
        "application_profile_ref": "/api/applicationprofile?name=System-HTTP",
        "network_profile_ref": "/api/networkprofile?name=System-TCP-Proxy",
        "services": [{"port": 80, "enable_ssl": False}, {"port": 443, "enable_ssl": True}],
        "ssl_key_and_certificate_refs": [certificate_ref],
    }
    if policy_ref:
        body["http_policies"] = [{"index": POLICY_INDEX, "http_policy_set_ref": policy_ref}]
    return body


def sni_child_body(
    child: SniChildPlan, edge: AviEdgeConfig, parent_ref: Ref, certificate_ref: Ref, policy_refs: Sequence[Ref]
) -> dict[str, Any]:
    """A secure host's SNI child: no VIP or services of its own, the host's certificate and policy sets."""
    return {
        "name": child.name,
        **_placement(edge),
        "type": "VS_TYPE_VH_CHILD",
        "vh_parent_vs_ref": parent_ref,
        "vh_domain_name": [child.host],
        "application_profile_ref": "/api/applicationprofile?name=System-Secure-HTTP",
        "network_profile_ref": "/api/networkprofile?name=System-TCP-Proxy",
        "ssl_key_and_certificate_refs": [certificate_ref],
        "http_policies": [{"index": POLICY_INDEX + i, "http_policy_set_ref": ref} for i, ref in enumerate(policy_refs)],
    }


def passthrough_vs_body(plan: PassthroughPlan, edge: AviEdgeConfig, vsvip_ref: Ref, pool_ref: Ref) -> dict[str, Any]:
    """Port 443 as plain TCP: TLS reaches the gateway untouched (it routes by SNI itself)."""
    return {
        "name": plan.name,
        **_placement(edge),
        "vsvip_ref": vsvip_ref,
        "application_profile_ref": "/api/applicationprofile?name=System-L4-Application",
        "network_profile_ref": "/api/networkprofile?name=System-TCP-Proxy",
        "services": [{"port": 443, "enable_ssl": False}],
        "pool_ref": pool_ref,
    }


def passthrough_redirect_body(plan: PassthroughPlan) -> dict[str, Any]:
    """The `-insecure` companion's policy: HTTP on 80 -> HTTPS for the hosts that ask for it."""
    return {
        "name": plan.insecure_name,
        "http_request_policy": {"rules": [_redirect_rule(f"{plan.insecure_name}-redirect", 1, plan.redirect_hosts)]},
    }


def passthrough_insecure_vs_body(
    plan: PassthroughPlan, edge: AviEdgeConfig, vsvip_ref: Ref, policy_ref: Ref
) -> dict[str, Any]:
    """Port 80 on the passthrough shard's VIP, redirecting to HTTPS."""
    return {
        "name": plan.insecure_name,
        **_placement(edge),
        "vsvip_ref": vsvip_ref,
        "application_profile_ref": "/api/applicationprofile?name=System-HTTP",
        "network_profile_ref": "/api/networkprofile?name=System-TCP-Proxy",
        "services": [{"port": 80, "enable_ssl": False}],
        "http_policies": [{"index": POLICY_INDEX, "http_policy_set_ref": policy_ref}],
    }


def static_route_body(
    cluster: str, node: str, index: int, prefix: str, next_hop: str, edge: AviEdgeConfig
) -> dict[str, Any]:
    """A route to a node's pod network, keyed by the node's name and labelled with the cluster (as AKO)."""
    network = ipaddress.ip_network(prefix)
    return {
        "cloud": edge.cloud,
        "vrf": edge.vrf,
        "route_id": naming.static_route_id(cluster, node, index),
        "prefix": {"ip_addr": _ip(str(network.network_address)), "mask": network.prefixlen},
        "next_hop": _ip(next_hop),
        "labels": [{"key": "clustername", "value": cluster}],
    }
