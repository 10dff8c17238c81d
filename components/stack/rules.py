"""Rules that span more than one section of the stack, checked before anything is declared.

Each rule reads the validated root model and returns `(key path, message)` pairs;
the root model's validator reports them all. `secrets` holds the secret keys the
stack sets (their values never reach validation).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Optional

from components.ako.rules import ako_rules
from components.config.version_rules import version_rules
from components.edges.avi.validation import avi_edge_rules
from components.edges.config import EDGE_CLUSTERS
from components.observability.config import KIALI_OPERATOR_NAMESPACE
from components.routes.config import app_rules
from project import PROJECT

Problems = list[tuple[str, str]]


CLUSTER_NAMESPACES = ("kube-system", "kube-public", "kube-node-lease")
"""Namespaces Kubernetes itself runs in: never app namespaces."""


def stack_rules(config: Any, secrets: set[str], today: Optional[date] = None) -> Problems:
    """Every cross-section problem of the (otherwise valid) root model `config`, judged on `today`."""
    return [*_edge_fits_cluster(config), *_namespaces_are_apps_only(config), *app_rules(config.apps),
            *_emissary_namespace(config), *_avi_connection(config, secrets), *avi_edge_rules(config, secrets),
            *_observability_passwords(config, secrets),
            *_existing_cluster_source(config, secrets), *version_rules(config, today or date.today()),
            *_adopted_namespaces_are_listed(config), *_gateway_replicas(config), *_trace_store(config),
            *ako_rules(config)]


def _edge_fits_cluster(config: Any) -> Problems:
    edge, cluster = config.edge.kind, config.cluster.kind
    if cluster not in EDGE_CLUSTERS[edge]:
        return [("edge.kind", f'the "{edge}" edge needs cluster.kind {", ".join(EDGE_CLUSTERS[edge])}; '
                              f'the cluster is "{cluster}"')]
    return []


def reserved_namespaces(config: Any) -> dict[str, str]:
    """Namespaces no app may use, each with whose it is."""
    reserved = {ns: "a namespace Kubernetes itself runs in" for ns in CLUSTER_NAMESPACES}
    reserved[config.istio.ingress_gateway.namespace] = "the Istio ingress gateway's namespace"
    reserved[config.istio.namespace] = "the Istio namespace"
    if config.ako.enabled:
        reserved[config.ako.namespace] = "AKO's namespace"
    if config.observability.kiali.addon:
        reserved[KIALI_OPERATOR_NAMESPACE] = "the Kiali operator's namespace"
    return reserved


def _namespaces_are_apps_only(config: Any) -> Problems:
    reserved = reserved_namespaces(config)
    return [(f"namespaces[{index}]", f'"{ns}" is {reserved[ns]}, not an app namespace; list only namespaces '
                                     "that hold apps")
            for index, ns in enumerate(config.namespaces) if ns in reserved]


def _adopted_namespaces_are_listed(config: Any) -> Problems:
    return [(f"namespacePolicy.existing[{index}]", f'"{ns}" is not in mesh-platform:namespaces; list it there too')
            for index, ns in enumerate(config.namespace_policy.existing) if ns not in config.namespaces]


def _gateway_replicas(config: Any) -> Problems:
    if config.cluster.kind == "existing":
        return []  # local clusters (kind, minikube) may run single gateways
    gateways = [("istio.ingressGateway.replicas", config.istio.ingress_gateway.replicas)]
    if config.istio.egress_gateway_enabled:
        gateways.append(("istio.egressGateway.replicas", config.istio.egress_gateway.replicas))
    return [(path, f"expected at least 2 on an {config.cluster.kind.upper()} cluster, so a node drain or a "
                   f"zone outage never takes the gateway away (a PodDisruptionBudget keeps one running); got {count}")
            for path, count in gateways if count < 2]


def _emissary_namespace(config: Any) -> Problems:
    emissary = config.edge.emissary
    taken = (config.istio.namespace, config.istio.ingress_gateway.namespace, *config.namespaces)
    if emissary and emissary.namespace in taken:
        return [("edge.emissary.namespace", f'"{emissary.namespace}" is already used by Istio or the apps; Emissary '
                                            "gets a namespace of its own (its pods carry a sidecar that intercepts "
                                            "nothing)")]
    return []


def _avi_connection(config: Any, secrets: set[str]) -> Problems:
    users = [what for what, used in (("the avi edge", config.edge.kind == "avi"), ("AKO", config.ako.enabled)) if used]
    problems: Problems = []
    if users:
        needed_by = " and ".join(users)
        if config.avi is None:
            problems.append(("avi", f"required for {needed_by}; expected an object with controller, username, "
                                    "tenant, version"))
        elif "aviPassword" not in secrets:
            problems.append(("aviPassword", f"required for {needed_by}; set it with "
                                            "`pulumi config set --secret aviPassword ...`"))
    if config.ako.enabled and config.ako.namespace == config.istio.namespace:
        problems.append(("ako.namespace", f'"{config.ako.namespace}" is already used; AKO gets a namespace of its '
                                          "own"))
    return problems


def _observability_passwords(config: Any, secrets: set[str]) -> Problems:
    if config.observability.grafana.addon and "grafanaPassword" not in secrets:
        return [("grafanaPassword", "required when observability.grafana.addon is true; set it with "
                                    "`pulumi config set --secret grafanaPassword ...`")]
    return []


def _trace_store(config: Any) -> Problems:
    tracing = config.istio.tracing
    if config.observability.tracing.query_url and (not tracing.enabled or tracing.zipkin_address is None):
        return [("observability.tracing.queryUrl", "only for an existing collector: set istio.tracing.enabled and "
                                                   "istio.tracing.zipkinAddress (the stack's own collector is "
                                                   "queried without it)")]
    return []


def _existing_cluster_source(config: Any, secrets: set[str]) -> Problems:
    existing = config.cluster.existing
    if not existing or not existing.kubeconfig_path:
        return []
    problems: Problems = []
    if not Path(existing.kubeconfig_path).expanduser().is_file():
        problems.append(("cluster.existing.kubeconfigPath",
                         f'no kubeconfig file at "{existing.kubeconfig_path}"; expected a readable file, or set '
                         f"{PROJECT}:kubeconfig as a secret instead"))
    if "kubeconfig" in secrets:
        problems.append(("cluster.existing.kubeconfigPath",
                         f"give either {PROJECT}:kubeconfig (secret) or cluster.existing.kubeconfigPath, not both"))
    return problems
