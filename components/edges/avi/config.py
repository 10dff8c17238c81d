"""The `edge.avi` section: Avi objects in front of the mesh.

Rules that need only this section live here (node names, addresses, pod CIDRs, VIPs,
the node selector). Rules that also need the apps or the cluster name (certificates per
host, Avi's name-length limit) live in `components/edges/avi/validation.py`. The `avi`
controller section, the shard sizes and Avi's name type are shared with AKO and live in
`components/avi/`.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any

from pydantic import Discriminator, Tag, model_validator

from components.avi.fields import AviName
from components.avi.plan import AVI_SHARD_SIZES
from components.config.base import ConfigModel, check
from components.config.types import Expect, IpAddress, OneOf, Text, cidr_reason, is_cidr, is_hostname

AVI_EDGE_MANAGERS = ("pulumi", "ako")
"""Who lays out the edge's Avi objects: this program's dynamic provider, or AKO from Ingresses."""

RouteCidr = Annotated[str, Text("a CIDR such as 10.244.1.0/24", is_cidr, r"^[0-9a-fA-F:.]+/\d{1,3}$", cidr_reason)]
VipCidr = Annotated[str, Text("a CIDR", is_cidr, r"^[0-9a-fA-F:.]+/\d{1,3}$", cidr_reason)]
NodeName = Annotated[
    str,
    Text(
        "a Kubernetes node name such as worker-1",
        lambda v: is_hostname(v, allow_wildcard=False),
        r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$",
    ),
]
LabelText = Annotated[str, Text("a string")]


def _node_name_for(address: str) -> str:
    return "node-" + address.replace(".", "-").replace(":", "-").strip("-")


class AviNode(ConfigModel):
    """A cluster node the edge can send traffic to (its gateway node ports) and route pod traffic through."""

    name: NodeName
    address: IpAddress
    pod_cidr: RouteCidr | None = None
    labels: dict[LabelText, LabelText] = {}


class NodePortSelector(ConfigModel):
    """Which nodes serve as pool members: those whose label `key` has `value` (AKO's nodePortSelector)."""

    key: AviName
    value: LabelText = ""


class AviStaticRoute(ConfigModel):
    """An explicit static route: a pod CIDR and the declared node (its address) that carries it."""

    prefix: RouteCidr
    next_hop: IpAddress


def _with_node_addresses(schema: dict[str, Any]) -> None:
    schema.setdefault("properties", {})["nodeAddresses"] = {
        "type": "array",
        "items": {"type": "string", "description": "an IP address"},
        "description": "older form of `nodes`: each address becomes a node named after it",
    }


def _routes_form(value: Any) -> str | None:
    if isinstance(value, bool):
        return "asked"
    if isinstance(value, (list, tuple)):
        return ""  # an empty tag keeps key paths such as staticRoutes[0].prefix
    return None


StaticRoutes = Annotated[
    Annotated[bool, Tag("asked")] | Annotated[tuple[AviStaticRoute, ...], Tag("")],
    Discriminator(
        _routes_form,
        custom_error_type="invalid_value",
        custom_error_message="expected true (one route per node with a podCidr), false, or a list of {prefix, nextHop}",
    ),
    Expect("true, false, or a list of {prefix, nextHop}"),
]


AviEdgeManager = Annotated[str, OneOf(AVI_EDGE_MANAGERS)]
ShardSize = Annotated[str, OneOf(AVI_SHARD_SIZES)]


class AviEdgeConfig(ConfigModel, json_schema_extra=_with_node_addresses):
    """Avi virtual services in front of the NodePort gateway, laid out as AKO would (on-prem)."""

    manager: AviEdgeManager = "pulumi"
    cloud: AviName = "Default-Cloud"
    vrf: AviName = "global"
    service_engine_group: AviName = "Default-Group"
    vip_network: VipCidr | None = None
    vip_network_name: AviName | None = None
    vip_address: IpAddress | None = None
    nodes: tuple[AviNode, ...] = ()
    node_port_selector: NodePortSelector | None = None
    static_routes: StaticRoutes = False
    shard_size: ShardSize = "SMALL"
    passthrough_shard_size: ShardSize = "SMALL"

    @model_validator(mode="before")
    @classmethod
    def _node_addresses(cls, data: Any) -> Any:
        """The older `nodeAddresses: [ip]` form: each address becomes a node named after it."""
        if not isinstance(data, dict):
            return data
        key = next((k for k in ("nodeAddresses", "node_addresses") if k in data), None)
        if key is None:
            return data
        data = dict(data)
        addresses = data.pop(key)
        if "nodes" in data:
            check([(key, "give either nodes or its older form nodeAddresses, not both")])
        if isinstance(addresses, (list, tuple)):
            data["nodes"] = [{"name": _node_name_for(a), "address": a} if isinstance(a, str) else a for a in addresses]
        else:
            data["nodes"] = addresses
        return data

    @model_validator(mode="after")
    def _vips_and_nodes(self) -> AviEdgeConfig:
        check([*self._vip_problems(), *self._node_problems(), *self._route_problems()])
        return self

    def _vip_problems(self) -> list[tuple[str, str]]:
        problems = []
        if self.vip_address and self.shard_size != "SMALL":
            problems.append(
                (
                    "vipAddress",
                    "one fixed VIP serves one shard; use shardSize SMALL, or leave vipAddress "
                    "out and let the controller allocate VIPs from vipNetwork",
                )
            )
        if not self.vip_address and not self.vip_network:
            problems.append(("", "expected vipAddress or vipNetwork (where the controller allocates VIPs)"))
        if not self.vip_address and self.vip_network and not self.vip_network_name:
            problems.append(
                (
                    "vipNetworkName",
                    f"required to allocate VIPs from {self.vip_network}: the name of the "
                    "Avi network object holding that subnet (sent as network_ref)",
                )
            )
        if (
            self.vip_address
            and self.vip_network
            and ipaddress.ip_address(self.vip_address) not in ipaddress.ip_network(self.vip_network)
        ):
            problems.append(
                (
                    "vipAddress",
                    f"{self.vip_address} is outside vipNetwork {self.vip_network}; expected an address inside it",
                )
            )
        return problems

    def _node_problems(self) -> list[tuple[str, str]]:
        problems = []
        if not self.nodes:
            problems.append(
                (
                    "nodes",
                    "expected at least one node {name, address}: the pools send traffic to the "
                    "ingress gateway's node ports there",
                )
            )
        for attribute, key in (("name", "name"), ("address", "address")):
            seen: dict[str, int] = {}
            for index, node in enumerate(self.nodes):
                value = getattr(node, attribute)
                if value in seen:
                    problems.append(
                        (
                            f"nodes[{index}].{key}",
                            f'{key} "{value}" is already used by '
                            f"nodes[{seen[value]}] ({self.nodes[seen[value]].name}); "
                            f"each node needs its own {key}",
                        )
                    )
                seen.setdefault(value, index)
        if self.node_port_selector and self.nodes and not self.serving_nodes:
            selector = self.node_port_selector
            problems.append(
                (
                    "nodePortSelector",
                    f'no node has label {selector.key}="{selector.value}" '
                    f"(nodes: {', '.join(n.name for n in self.nodes)}); expected a "
                    "selector at least one node matches",
                )
            )
        return problems

    def _route_problems(self) -> list[tuple[str, str]]:
        problems = []
        if isinstance(self.static_routes, tuple):
            addresses = {node.address: node.name for node in self.nodes}
            for index, route in enumerate(self.static_routes):
                if route.next_hop not in addresses:
                    problems.append(
                        (
                            f"staticRoutes[{index}].nextHop",
                            f"{route.next_hop} is not a declared node's address; expected one of "
                            f"{', '.join(addresses) or 'the addresses under nodes'}",
                        )
                    )
        elif self.static_routes and not any(node.pod_cidr for node in self.nodes):
            problems.append(
                (
                    "staticRoutes",
                    "true asks for one route per node with a podCidr, but no node has "
                    "one; give the nodes their podCidr",
                )
            )
        routes = self.route_plans()
        for i, (node_a, _, prefix_a, _) in enumerate(routes):
            for node_b, _, prefix_b, _ in routes[i + 1 :]:
                if ipaddress.ip_network(prefix_a).overlaps(ipaddress.ip_network(prefix_b)):
                    problems.append(
                        (
                            "staticRoutes" if isinstance(self.static_routes, tuple) else "nodes",
                            f"pod CIDR {prefix_b} of node {node_b} overlaps {prefix_a} of node {node_a}; "
                            "each node's pod network must be its own",
                        )
                    )
        return problems

    @property
    def serving_nodes(self) -> tuple[AviNode, ...]:
        """The nodes that are pool members: all, or those the node selector picks."""
        selector = self.node_port_selector
        if selector is None:
            return self.nodes
        return tuple(n for n in self.nodes if n.labels.get(selector.key) == selector.value)

    def route_plans(self) -> list[tuple[str, int, str, str]]:
        """(node name, index within the node, prefix, next hop) of every static route asked for."""
        if isinstance(self.static_routes, tuple):
            by_address = {node.address: node.name for node in self.nodes}
            counts: dict[str, int] = {}
            plans: list[tuple[str, int, str, str]] = []
            for route in self.static_routes:
                node = by_address.get(route.next_hop)
                if node is None:
                    continue
                plans.append((node, counts.get(node, 0), route.prefix, route.next_hop))
                counts[node] = counts.get(node, 0) + 1
            return plans
        if not self.static_routes:
            return []
        return [(node.name, 0, node.pod_cidr, node.address) for node in self.nodes if node.pod_cidr]
