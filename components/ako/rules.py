"""Preview checks for AKO that need other sections: the Avi edge, the mesh, the apps.

The coexistence rule (`pulumi` manager): AKO and the program's Avi edge must never write
the same objects. AKO names everything `<clusterName>--...`, marks it `created_by:
ako-<clusterName>`, finds its VsVips again by `name.contains=<clusterName>--`, names its
Istio objects `istio-pki|istio-workload-<clusterName>-<namespace>`, and (in ClusterIP mode)
rewrites the VRF's static routes. A stack where AKO would write, adopt or reroute what the
edge declares is refused with the reason.

The `ako` manager: AKO builds the layout from the program's Ingresses, so the edge's
layout keys feed AKO and must not be contradicted, AKO must send to the apps' ClusterIP
Services (not node ports), the program's static routes must exist, and the FAQ's Ingress
caveats are checked (`components/ako/ingresses.py`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlparse

from components.ako.effective import EffectiveAko, resolve
from components.ako.ingresses import caveats, plan_ingresses, secure_hosts
from components.avi import naming
from components.avi.plan import plan_edge
from components.config.base import Problems
from components.mesh.model import gateway_service_type

if TYPE_CHECKING:  # the root model sits in the stack layer above; a type-only import makes no cycle
    from components.avi.controller import AviControllerConfig
    from components.edges.avi.config import AviEdgeConfig
    from components.stack.model import StackConfig


def edge_prefix(config: StackConfig) -> str:
    """The name the Avi edge prefixes its objects with (`<prefix>--...`): the cluster's name."""
    return config.cluster.name


def edge_object_names(config: StackConfig, edge: AviEdgeConfig) -> list[str]:
    """Every Avi object name the `pulumi` manager's edge (`edge`, the stack's `edge.avi`) declares."""
    prefix = edge_prefix(config)
    plan = plan_edge(prefix, config.apps, edge.shard_size, edge.passthrough_shard_size)
    names = [naming.certificate_name(prefix), naming.health_monitor_name(prefix)]
    for shard in plan.shards:
        names += [shard.name, *(p.name for p in shard.pools)]
        for child in shard.children:
            names += [
                child.name,
                *(p.name for p in child.pools),
                *(child.policy_name(prefix, ns) for ns in child.namespaces),
            ]
    for passthrough in plan.passthrough:
        names += [passthrough.name, passthrough.insecure_name]
    gateway_namespace = config.istio.ingress_gateway.namespace  # the edge verifies the gateway with these
    names += [
        naming.istio_pki_profile_name(prefix, gateway_namespace),
        naming.istio_workload_cert_name(prefix, gateway_namespace),
    ]
    return names


def _settings_problems(config: StackConfig, settings: EffectiveAko) -> Problems:
    problems: Problems = []
    edge, selector = config.edge.avi, settings.node_port_selector
    if config.ako.service_type == "NodePort" and selector and edge is not None and edge.nodes:
        key, value = selector
        if not any(node.labels.get(key) == value for node in edge.nodes):
            problems.append(
                (
                    "ako.nodePortSelector",
                    f"AKO is in NodePort mode and no node in edge.avi.nodes has "
                    f'label {key}="{value}" (nodes: '
                    f"{', '.join(n.name for n in edge.nodes)}); its pools would "
                    "have no members; expected a selector one node matches",
                )
            )
    return problems


def _coexistence(config: StackConfig, edge: AviEdgeConfig, settings: EffectiveAko) -> Problems:
    prefix = edge_prefix(config)
    problems: Problems = []
    if settings.cluster_name == prefix:
        sizes = (
            f"; they would also disagree on the shard count (AKO {settings.shard_size}, the edge {edge.shard_size})"
            if settings.shard_size != edge.shard_size
            else ""
        )
        problems.append(
            (
                "ako.clusterName",
                f'"{settings.cluster_name}" is also the Avi edge\'s object prefix: AKO '
                f"and the program would both write {prefix}--Shared-L7-<n>, AKO's "
                f"VRF sync would drop the edge's clustername={prefix} routes, and each "
                f"would answer 409 on the other's objects{sizes}; choose another "
                f"clusterName or leave it out (default {prefix}-ako)",
            )
        )
    else:
        problems += _adoption(config, edge, settings)
    if config.ako.layer7_only:
        problems.append(
            (
                "ako.layer7Only",
                "with edge.avi.manager pulumi the program's edge serves every app host; "
                "AKO there serves LoadBalancer Services only, so layer7Only would leave "
                "it nothing to do (use edge.avi.manager: ako to let AKO serve L7)",
            )
        )
    return problems


def _adoption(config: StackConfig, edge: AviEdgeConfig, settings: EffectiveAko) -> Problems:
    problems: Problems = []
    names = edge_object_names(config, edge)
    adopted = sorted(name for name in names if settings.name_prefix in name)
    if adopted:
        problems.append(
            (
                "ako.clusterName",
                f'AKO finds its VsVips by names containing "{settings.name_prefix}", '
                f"which would take the edge's {', '.join(adopted[:3])} into its cache; "
                "choose a clusterName that no edge object name contains",
            )
        )
    ako_istio = {
        naming.istio_pki_profile_name(settings.cluster_name, config.ako.namespace),
        naming.istio_workload_cert_name(settings.cluster_name, config.ako.namespace),
    }
    shared = sorted(ako_istio & set(names))
    if shared:
        problems.append(
            (
                "ako.clusterName",
                f"AKO's Istio objects {', '.join(shared)} have the names of the edge's "
                "own; choose another clusterName or ako.namespace",
            )
        )
    return problems


def _ako_manager(config: StackConfig, edge: AviEdgeConfig, settings: EffectiveAko) -> Problems:
    ako = config.ako
    problems: Problems = []
    prefix = edge_prefix(config)
    if settings.cluster_name == prefix:
        problems.append(
            (
                "ako.clusterName",
                f'"{prefix}" is also the name the program labels its static routes '
                f"with (clustername={prefix}): AKO's deleteConfig and the cleanup "
                "would take those routes for AKO's own and remove them; choose "
                f"another clusterName or leave it out (default {prefix}-ako)",
            )
        )
    for key, mine, theirs, edge_key in (
        ("shardSize", ako.shard_size, edge.shard_size, "shardSize"),
        ("passthroughShardSize", ako.passthrough_shard_size, edge.passthrough_shard_size, "passthroughShardSize"),
        (
            "nodePortSelector",
            ako.node_port_selector and (ako.node_port_selector.key, ako.node_port_selector.value),
            edge.node_port_selector and (edge.node_port_selector.key, edge.node_port_selector.value),
            "nodePortSelector",
        ),
    ):
        if mine is not None and mine != theirs:
            problems.append(
                (
                    f"ako.{key}",
                    f"with edge.avi.manager ako, AKO builds the edge's layout from "
                    f"edge.avi.{edge_key} ({theirs}); ako.{key} ({mine}) contradicts it: "
                    "leave it out",
                )
            )
    if ako.service_type == "NodePort":
        problems.append(
            (
                "ako.serviceType",
                "the ako manager points each Ingress at the app's ClusterIP Service, "
                "which AKO's NodePort mode skips (its pools would stay empty); expected "
                "ClusterIP or NodePortLocal",
            )
        )
    if ako.service_type == "ClusterIP" and not edge.route_plans():
        problems.append(
            (
                "edge.avi.staticRoutes",
                "AKO in ClusterIP mode sends to pod IPs; with the ako manager the "
                "program writes the routes to the pod networks (AKO's sync is "
                "off): set staticRoutes: true with each node's podCidr",
            )
        )
    for a, app in enumerate(config.apps):
        for n, ns in enumerate(app.namespaces):
            if ns.tls is not None and ns.tls.mode == "passthrough":
                problems.append(
                    (
                        f"apps[{a}].namespaces[{n}].tls.mode",
                        f"AKO passes TLS through only for OpenShift Routes, not for the Ingress the ako "
                        f"manager declares for {', '.join(ns.hosts)}; expected terminate (or "
                        "edge.avi.manager: pulumi)",
                    )
                )
    # Only Services the program declares have a known type, and with the Avi edge the one it
    # declares (the ingress gateway's) is a NodePort Service; apps' Services belong to their teams.
    gateway = config.istio.ingress_gateway
    load_balancers = (
        {(gateway.namespace, gateway.name)} if gateway_service_type(config.edge.kind) == "LoadBalancer" else set()
    )
    problems += caveats(
        plan_ingresses(config.apps), secure_hosts=secure_hosts(config.apps), load_balancer_services=load_balancers
    )
    return problems


def _routes(settings: EffectiveAko) -> Problems:
    if settings.program_owns_routes and not settings.disable_static_route_sync:
        return [
            (
                "ako.disableStaticRouteSync",
                "the program writes the static routes to the pod networks "
                "(edge.avi); AKO's own route sync would rewrite the same VRF "
                "routes: leave disableStaticRouteSync out or set it to true",
            )
        ]
    return []


def _controller_route(config: StackConfig, avi: AviControllerConfig) -> Problems:
    host = urlparse(avi.controller).hostname
    if any(external.host == host for external in config.external_hosts):
        return [
            (
                "externalHosts",
                f'"{host}" is the Avi Controller AKO talks to; the program already declares '
                "its ServiceEntry and egress route for AKO's namespace, remove it here",
            )
        ]
    return []


def ako_rules(config: StackConfig) -> Problems:
    """Every AKO problem that needs more than the `ako` section."""
    edge = config.edge.avi
    manager = edge.manager if edge is not None else None
    if not config.ako.enabled:
        if manager == "ako":
            return [
                (
                    "edge.avi.manager",
                    "the ako manager lets AKO build the Avi layout; set ako.enabled: true "
                    "(or edge.avi.manager: pulumi)",
                )
            ]
        return []
    if config.avi is None:
        return []  # reported by the Avi connection rule
    settings = resolve(config.cluster.name, config.ako, config.avi, edge)
    problems = [*_settings_problems(config, settings), *_routes(settings), *_controller_route(config, config.avi)]
    if edge is not None and manager == "pulumi":
        problems += _coexistence(config, edge, settings)
    elif edge is not None and manager == "ako":
        problems += _ako_manager(config, edge, settings)
    return problems
