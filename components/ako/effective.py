"""AKO's settings after defaults are filled in from the other sections (cluster, Avi edge, controller).

One place decides each default, so the chart values, the preview rules and the cleanup
resource can never disagree about, say, AKO's cluster name or whether it syncs routes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from components.ako.config import AkoConfig

if TYPE_CHECKING:  # the Avi edge is a sibling domain; a type-only import makes no package edge
    from components.avi.controller import AviControllerConfig
    from components.edges.avi.config import AviEdgeConfig

MANAGERS = ("pulumi", "ako")
"""Who builds the Avi edge's L7 layout: the program's dynamic provider, or AKO from Ingresses."""


def edge_manager(edge: AviEdgeConfig | None) -> str | None:
    """`edge.avi.manager` of an Avi edge (`pulumi` when the key is absent), None for other edges."""
    if edge is None:
        return None
    return edge.manager or "pulumi"


def edge_route_plans(edge: AviEdgeConfig | None) -> list[tuple[str, int, str, str]]:
    """The static routes the program writes for the Avi edge, as (node, index, prefix, next hop); none elsewhere."""
    return edge.route_plans() if edge is not None else []


def default_cluster_name(cluster: str) -> str:
    """AKO's default clusterName: the cluster's name with `-ako`, so its `<name>--` prefix is not the edge's."""
    return f"{cluster}-ako"


@dataclass(frozen=True)
class EffectiveAko:
    """AKO's settings with every default resolved."""

    cluster_name: str
    cloud: str
    service_engine_group: str
    tenant: str
    controller_version: str
    vrf: str
    manager: str | None
    """`pulumi` or `ako` with an Avi edge; None when another edge fronts the mesh."""
    program_owns_routes: bool
    """The program writes static routes to the pod networks (edge.avi static routes, or the ako manager)."""
    disable_static_route_sync: bool
    shard_size: str
    passthrough_shard_size: str
    node_port_selector: tuple[str, str] | None
    """(key, value) of the node label AKO's NodePort pools select, or None for every node."""
    vip_networks: tuple[tuple[str, str], ...]
    """(network name, CIDR) AKO allocates VIPs from."""
    serves_ingresses: bool
    """AKO is the default ingress controller (the ako manager only; elsewhere Ingresses must name avi-lb)."""

    @property
    def created_by(self) -> str:
        """The `created_by` AKO writes on its objects."""
        return f"ako-{self.cluster_name}"

    @property
    def name_prefix(self) -> str:
        """The prefix of every AKO object name, and what AKO's VsVip discovery searches for."""
        return f"{self.cluster_name}--"


def resolve(cluster: str, ako: AkoConfig, avi: AviControllerConfig | None, edge: AviEdgeConfig | None) -> EffectiveAko:
    """Fill AKO's defaults from the cluster name, the controller connection and the Avi edge (or None)."""
    manager = edge_manager(edge)
    owns_routes = manager == "ako" or bool(edge_route_plans(edge))
    selector = ako.node_port_selector or (edge.node_port_selector if edge is not None else None)
    vip_networks = tuple((net.network_name, net.cidr) for net in ako.vip_networks)
    if not vip_networks and edge is not None and edge.vip_network and edge.vip_network_name:
        vip_networks = ((edge.vip_network_name, edge.vip_network),)
    if ako.disable_static_route_sync is not None:
        disable_sync = ako.disable_static_route_sync
    else:
        disable_sync = owns_routes or ako.service_type != "ClusterIP"
    return EffectiveAko(
        cluster_name=ako.cluster_name or default_cluster_name(cluster),
        cloud=ako.cloud if ako.cloud is not None else (edge.cloud if edge is not None else "Default-Cloud"),
        service_engine_group=(
            ako.service_engine_group
            if ako.service_engine_group is not None
            else (edge.service_engine_group if edge is not None else "Default-Group")
        ),
        tenant=ako.tenant if ako.tenant is not None else (avi.tenant if avi is not None else "admin"),
        controller_version=ako.controller_version or (avi.version if avi is not None else ""),
        # The ako manager's layout lives in the edge's VRF; elsewhere AKO keeps to its cloud's own.
        vrf=ako.vrf_name if ako.vrf_name is not None else (edge.vrf if manager == "ako" and edge is not None else ""),
        manager=manager,
        program_owns_routes=owns_routes,
        disable_static_route_sync=disable_sync,
        shard_size=ako.shard_size or (edge.shard_size if edge is not None else "LARGE"),
        passthrough_shard_size=ako.passthrough_shard_size
        or (edge.passthrough_shard_size if edge is not None else "SMALL"),
        node_port_selector=(selector.key, selector.value) if selector is not None else None,
        vip_networks=vip_networks,
        serves_ingresses=manager == "ako",
    )
