"""Rules that span more than one section of the stack, checked before anything is declared.

Each rule reads the validated root model and returns `(key path, message)` pairs;
the root model's validator reports them all. `secrets` holds the secret keys the
stack sets (their values never reach validation).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from components.ako.rules import ako_rules
from components.edges.avi.validation import avi_edge_rules
from components.edges.config import EDGE_CLUSTERS
from components.routes.config import app_rules

PROJECT = "mesh-platform"

Problems = list[tuple[str, str]]


def stack_rules(config: Any, secrets: set[str]) -> Problems:
    """Every cross-section problem of the (otherwise valid) root model `config`."""
    return [*_edge_fits_cluster(config), *_namespaces_are_apps_only(config), *app_rules(config.apps),
            *_emissary_namespace(config), *_avi_connection(config, secrets), *avi_edge_rules(config, secrets),
            *_observability_passwords(config, secrets),
            *_existing_cluster_source(config, secrets), *ako_rules(config)]


def _edge_fits_cluster(config: Any) -> Problems:
    edge, cluster = config.edge.kind, config.cluster.kind
    if cluster not in EDGE_CLUSTERS[edge]:
        return [("edge.kind", f'the "{edge}" edge needs cluster.kind {", ".join(EDGE_CLUSTERS[edge])}; '
                              f'the cluster is "{cluster}"')]
    return []


def _namespaces_are_apps_only(config: Any) -> Problems:
    if config.istio.namespace in config.namespaces:
        return [("namespaces", f'"{config.istio.namespace}" is the Istio namespace, not an app namespace')]
    return []


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
    if config.ako.enabled and config.ako.namespace in (config.istio.namespace, *config.namespaces):
        problems.append(("ako.namespace", f'"{config.ako.namespace}" is already used; AKO gets a namespace of its '
                                          "own"))
    return problems


def _observability_passwords(config: Any, secrets: set[str]) -> Problems:
    if config.observability.grafana.addon and "grafanaPassword" not in secrets:
        return [("grafanaPassword", "required when observability.grafana.addon is true; set it with "
                                    "`pulumi config set --secret grafanaPassword ...`")]
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
