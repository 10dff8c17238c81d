"""AKO's settings after defaults are filled in from the other sections (cluster, Avi edge, controller).

One place decides each default, so the chart values, the preview rules and the cleanup
resource can never disagree about, say, AKO's cluster name or whether it syncs routes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from components.ako.config import AkoConfig

MANAGERS = ("pulumi", "ako")
"""Who builds the Avi edge's L7 layout: the program's dynamic provider, or AKO from Ingresses."""


def edge_manager(edge: Any) -> Optional[str]:
    """`edge.avi.manager` of an Avi edge (`pulumi` when the key is absent), None for other edges."""
    if edge is None:
        return None
    return getattr(edge, "manager", None) or "pulumi"


def edge_static_routes(edge: Any) -> tuple:
    """The static routes the program writes for the Avi edge (none for other edges)."""
    if edge is None:
        return ()
    return tuple(getattr(edge, "static_routes", ()) or ())


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
    manager: Optional[str]
    """`pulumi` or `ako` with an Avi edge; None when another edge fronts the mesh."""
    program_owns_routes: bool
    """The program writes static routes to the pod networks (edge.avi static routes, or the ako manager)."""
    disable_static_route_sync: bool
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


def resolve(cluster: str, ako: AkoConfig, avi: Any, edge: Any) -> EffectiveAko:
    """Fill AKO's defaults from the cluster name, the controller connection and the Avi edge (or None)."""
    manager = edge_manager(edge)
    owns_routes = manager == "ako" or bool(edge_static_routes(edge))
    if ako.disable_static_route_sync is not None:
        disable_sync = ako.disable_static_route_sync
    else:
        disable_sync = owns_routes or ako.service_type != "ClusterIP"
    return EffectiveAko(
        cluster_name=ako.cluster_name or default_cluster_name(cluster),
        cloud=ako.cloud if ako.cloud is not None else (edge.cloud if edge is not None else "Default-Cloud"),
        service_engine_group=(ako.service_engine_group if ako.service_engine_group is not None
                              else (edge.service_engine_group if edge is not None else "Default-Group")),
        tenant=ako.tenant if ako.tenant is not None else (avi.tenant if avi is not None else "admin"),
        controller_version=ako.controller_version or (avi.version if avi is not None else ""),
        vrf=ako.vrf_name or "",
        manager=manager,
        program_owns_routes=owns_routes,
        disable_static_route_sync=disable_sync,
        serves_ingresses=manager == "ako",
    )
