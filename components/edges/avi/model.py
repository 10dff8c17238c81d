"""What the Avi edge should contain, as plain data (no Pulumi, no HTTP).

Every public host of the apps is placed on a shard (AKO's hostname sharding); each
shard is one shared virtual service with its VsVip and one HTTP policy set that
switches host+prefix to a pool. Pools send traffic to the Istio ingress gateway's
HTTP node port on the cluster nodes, so Istio still does the in-mesh routing.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from components.edges.avi.config import AVI_SHARD_SIZES, AviEdgeConfig
from components.routes.config import AppConfig
from components.edges.avi import naming

INTERNAL_SUFFIX = ".svc.cluster.local"


@dataclass(frozen=True)
class PoolPlan:
    """One Avi pool: a host+prefix of one app in one namespace."""

    name: str
    host: str
    prefix: str
    namespace: str
    app: str


@dataclass
class ShardPlan:
    """One shared virtual service and everything that hangs off it."""

    index: int
    name: str
    pools: list[PoolPlan] = field(default_factory=list)

    @property
    def hosts(self) -> list[str]:
        return sorted({p.host for p in self.pools})


def public_hosts(app: AppConfig):
    """(namespace, host) pairs an edge must serve: internal cluster names stay in the mesh."""
    for ns in app.namespaces:
        for host in ns.hosts:
            if not host.endswith(INTERNAL_SUFFIX):
                yield ns.name, host


def plan_shards(cluster: str, apps: tuple[AppConfig, ...], shard_size: str) -> list[ShardPlan]:
    """Group every public host+prefix of the apps into shards, in a stable order."""
    count = AVI_SHARD_SIZES[shard_size]
    shards: dict[int, ShardPlan] = {}
    for app in apps:
        for namespace, host in public_hosts(app):
            index = naming.shard_index(host, count)
            shard = shards.setdefault(index, ShardPlan(index, naming.shard_vs_name(cluster, index)))
            for prefix in app.prefixes:
                shard.pools.append(PoolPlan(naming.pool_name(cluster, host, prefix, namespace, app.virtual_name),
                                            host, prefix, namespace, app.virtual_name))
    return [shards[i] for i in sorted(shards)]


def _ip(addr: str) -> dict:
    return {"addr": addr, "type": "V6" if ipaddress.ip_address(addr).version == 6 else "V4"}


def pool_body(plan: PoolPlan, edge: AviEdgeConfig, node_port: int) -> dict:
    """The pool's fields: the gateway's node port on every node, health-checked over HTTP."""
    return {
        "name": plan.name,
        "cloud_ref": f"/api/cloud?name={edge.cloud}",
        "default_server_port": node_port,
        "servers": [{"ip": _ip(node.address), "port": node_port} for node in edge.serving_nodes],
        "health_monitor_refs": ["/api/healthmonitor?name=System-HTTP"],
        "lb_algorithm": "LB_ALGORITHM_LEAST_CONNECTIONS",
        # Istio routes on the Host header, so keep the client's.
        "rewrite_host_header_to_server_name": False,
    }


def vsvip_body(name: str, edge: AviEdgeConfig) -> dict:
    """A fixed VIP, or one the controller allocates from the VIP network."""
    if edge.vip_address:
        vip = {"vip_id": "0", "ip_address": _ip(edge.vip_address)}
    else:
        network = ipaddress.ip_network(edge.vip_network)
        vip = {"vip_id": "0", "auto_allocate_ip": True, "ipam_network_subnet": {"subnet": {
            "ip_addr": _ip(str(network.network_address)), "mask": network.prefixlen}}}
    return {
        "name": name,
        "cloud_ref": f"/api/cloud?name={edge.cloud}",
        "vrf_context_ref": f"/api/vrfcontext?name={edge.vrf}",
        "vip": [vip],
    }


def http_policy_body(shard: ShardPlan, pool_refs: dict[str, str]) -> dict:
    """One switching rule per host+prefix; longer prefixes first so `/api` wins over `/`."""
    ordered = sorted(shard.pools, key=lambda p: (p.host, -len(p.prefix), p.prefix))
    rules = []
    for index, plan in enumerate(ordered):
        rules.append({
            "name": f"{shard.name}-{index}",
            "index": index + 1,
            "enable": True,
            "match": {
                "host_hdr": {"match_criteria": "HDR_EQUALS", "value": [plan.host]},
                "path": {"match_criteria": "BEGINS_WITH", "match_str": [plan.prefix]},
            },
            "switching_action": {"action": "HTTP_SWITCHING_SELECT_POOL", "pool_ref": pool_refs[plan.name]},
        })
    return {"name": shard.name, "http_request_policy": {"rules": rules}}


def virtual_service_body(shard: ShardPlan, edge: AviEdgeConfig, vsvip_ref: str, policy_ref: str,
                         certificate_ref: str) -> dict:
    """The shared virtual service: HTTP on 80, HTTPS on 443 with the edge certificate."""
    return {
        "name": shard.name,
        "cloud_ref": f"/api/cloud?name={edge.cloud}",
        "se_group_ref": f"/api/serviceenginegroup?name={edge.service_engine_group}",
        "vrf_context_ref": f"/api/vrfcontext?name={edge.vrf}",
        "vsvip_ref": vsvip_ref,
        "application_profile_ref": "/api/applicationprofile?name=System-Secure-HTTP",
        "services": [{"port": 80, "enable_ssl": False}, {"port": 443, "enable_ssl": True}],
        "ssl_key_and_certificate_refs": [certificate_ref],
        "http_policies": [{"index": 11, "http_policy_set_ref": policy_ref}],
    }


def static_route_body(cluster: str, node: str, index: int, prefix: str, next_hop: str, edge: AviEdgeConfig) -> dict:
    """A route to a node's pod network, so Avi can reach pods behind that node."""
    network = ipaddress.ip_network(prefix)
    return {
        "cloud": edge.cloud,
        "vrf": edge.vrf,
        "route_id": naming.static_route_id(cluster, node, index),
        "prefix": {"ip_addr": _ip(str(network.network_address)), "mask": network.prefixlen},
        "next_hop": _ip(next_hop),
    }
