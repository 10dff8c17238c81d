"""Preview checks for AKO that need other sections: the Avi edge, the mesh, the apps.

The coexistence rule: AKO and the program's Avi edge must never write the same objects.
AKO names everything `<clusterName>--...`, marks it `created_by: ako-<clusterName>`, finds
its VsVips again by `name.contains=<clusterName>--`, and (in ClusterIP mode) rewrites the
VRF's static routes for the pod networks. With the `pulumi` manager the edge names its
objects `<edge prefix>--...`; a stack where AKO's discovery would match those names, where
both would build the same shards, or where both would route the same pod networks, is
refused with the reason.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from components.ako.effective import EffectiveAko, resolve
from components.ako.ingresses import caveats, plan_ingresses
from components.edges.avi import naming
from components.edges.avi.model import plan_shards

Problems = list[tuple[str, str]]


def edge_prefix(config: Any) -> str:
    """The name the Avi edge prefixes its objects with (`<prefix>--...`)."""
    edge = config.edge.avi
    return getattr(edge, "object_prefix", None) or config.cluster.name


def _edge_object_names(config: Any, prefix: str) -> list[str]:
    edge = config.edge.avi
    names = [naming.certificate_name(prefix)]
    for shard in plan_shards(prefix, config.apps, edge.shard_size):
        names += [shard.name, *(pool.name for pool in shard.pools)]
    return names


def _settings_problems(settings: EffectiveAko) -> Problems:
    problems: Problems = []
    if not settings.cloud.strip():
        problems.append(("ako.cloud", "the cloud name is empty (from edge.avi.cloud); expected the Avi cloud AKO "
                                      "works in, such as Default-Cloud"))
    if not settings.service_engine_group.strip():
        problems.append(("ako.serviceEngineGroup", "the service-engine group name is empty (from "
                                                   "edge.avi.serviceEngineGroup); expected a group such as "
                                                   "Default-Group"))
    return problems


def _coexistence(config: Any, settings: EffectiveAko) -> Problems:
    ako, edge = config.ako, config.edge.avi
    problems: Problems = []
    if settings.manager == "ako":
        return problems
    prefix = edge_prefix(config)
    if settings.cluster_name == prefix:
        sizes = (f"; they would also disagree on the shard count (AKO {ako.shard_size}, the edge "
                 f"{edge.shard_size})" if ako.shard_size != edge.shard_size else "")
        problems.append(("ako.clusterName", f'"{settings.cluster_name}" is also the Avi edge\'s object prefix: AKO '
                                            f"and the program would both write {prefix}--Shared-L7-<n> and the "
                                            f"other's VsVips would answer 409{sizes}; choose another clusterName "
                                            f"or leave it out (default {config.cluster.name}-ako)"))
    else:
        marker = settings.name_prefix
        adopted = [name for name in _edge_object_names(config, prefix) if marker in name]
        if adopted:
            problems.append(("ako.clusterName", f'AKO finds its VsVips by names containing "{marker}", which would '
                                                f"take the edge's {', '.join(sorted(adopted)[:3])} into its cache; "
                                                "choose a clusterName that no edge object name contains"))
    if ako.layer7_only:
        problems.append(("ako.layer7Only", "with edge.avi.manager pulumi the program's edge serves every app host; "
                                           "AKO there serves LoadBalancer Services only, so layer7Only would leave "
                                           "it nothing to do (use edge.avi.manager: ako to let AKO serve L7)"))
    return problems


def _routes(config: Any, settings: EffectiveAko) -> Problems:
    if settings.program_owns_routes and not settings.disable_static_route_sync:
        return [("ako.disableStaticRouteSync", "the program writes the static routes to the pod networks "
                                               "(edge.avi); AKO's own route sync would rewrite the same VRF "
                                               "routes: leave disableStaticRouteSync out or set it to true")]
    return []


def _controller_route(config: Any) -> Problems:
    host = urlparse(config.avi.controller).hostname
    if any(external.host == host for external in config.external_hosts):
        return [("externalHosts", f'"{host}" is the Avi Controller AKO talks to; the program already declares '
                                  "its ServiceEntry and egress route for AKO's namespace, remove it here")]
    return []


def ako_rules(config: Any) -> Problems:
    """Every AKO problem that needs more than the `ako` section."""
    edge = config.edge.avi
    manager = getattr(edge, "manager", None) if edge is not None else None
    if not config.ako.enabled:
        if manager == "ako":
            return [("edge.avi.manager", "the ako manager lets AKO build the Avi layout; set ako.enabled: true "
                                         "(or edge.avi.manager: pulumi)")]
        return []
    if config.avi is None:
        return []  # reported by the Avi connection rule
    settings = resolve(config.cluster.name, config.ako, config.avi, edge)
    problems = [*_settings_problems(settings), *_routes(config, settings), *_controller_route(config)]
    if edge is not None:
        problems += _coexistence(config, settings)
    if settings.manager == "ako":
        problems += caveats(plan_ingresses(config.apps))
    return problems
