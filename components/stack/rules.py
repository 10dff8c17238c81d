"""Rules that span more than one section of the stack, checked before anything is declared.

Each rule reads the validated root model and returns `(key path, message)` pairs;
the root model's validator reports them all. `secrets` holds the secret keys the
stack sets (their values never reach validation); `providers` the other namespaces' plain
values the rules compare with (`aws:region`, `azure-native:location`). Each domain exports the rules it
owns over the root model (`components/<domain>/rules.py`); this module collects them
and keeps the rules that belong to no one domain (app namespaces, the Avi connection).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING

from components.ako.rules import ako_rules
from components.cluster.rules import cluster_in_provider_region, existing_cluster_source
from components.config.base import Problems
from components.edges.avi.validation import avi_edge_rules
from components.edges.rules import edge_fits_cluster, emissary_namespace
from components.mesh.label_policy import label_policy_rules
from components.mesh.rules import gateway_replicas, revision_rules
from components.observability.config import KIALI_OPERATOR_NAMESPACE
from components.observability.rules import kiali_links, observability_passwords, trace_store
from components.routes.config import app_rules
from components.stack.version_rules import version_rules
from project import PROJECT

if TYPE_CHECKING:  # model.py imports this module for its validator
    from components.stack.model import StackConfig


CLUSTER_NAMESPACES = ("kube-system", "kube-public", "kube-node-lease")
"""Namespaces Kubernetes itself runs in: never app namespaces."""


def stack_rules(
    config: StackConfig, secrets: set[str], today: date | None = None, providers: Mapping[str, str] | None = None
) -> Problems:
    """Every cross-section problem of the (otherwise valid) root model `config`, judged on `today`."""
    return [
        *edge_fits_cluster(config),
        *_namespaces_listed_once(config),
        *_namespaces_are_apps_only(config),
        *app_rules(config.apps),
        *emissary_namespace(config),
        *_avi_connection(config, secrets),
        *avi_edge_rules(config, secrets),
        *observability_passwords(config, secrets),
        *existing_cluster_source(config, secrets),
        *cluster_in_provider_region(config, providers or {}),
        *version_rules(config, today or date.today()),
        *_adopted_namespaces_are_listed(config),
        *gateway_replicas(config),
        *revision_rules(config),
        *trace_store(config),
        *kiali_links(config),
        *label_policy_rules(config),
        *ako_rules(config),
    ]


def reserved_namespaces(config: StackConfig) -> dict[str, str]:
    """Namespaces no app may use, each with whose it is."""
    reserved = {ns: "a namespace Kubernetes itself runs in" for ns in CLUSTER_NAMESPACES}
    reserved[config.istio.ingress_gateway.namespace] = "the Istio ingress gateway's namespace"
    reserved[config.istio.namespace] = "the Istio namespace"
    if config.ako.enabled:
        reserved[config.ako.namespace] = "AKO's namespace"
    if config.observability.kiali.addon:
        reserved[KIALI_OPERATOR_NAMESPACE] = "the Kiali operator's namespace"
    return reserved


def _namespaces_listed_once(config: StackConfig) -> Problems:
    """Each namespace is one Namespace resource: listed twice, two resources would share a name,
    which the Pulumi engine refuses (`Duplicate resource URN`)."""
    first: dict[str, int] = {}
    problems: Problems = []
    for index, ns in enumerate(config.namespaces):
        if ns in first:
            problems.append(
                (f"namespaces[{index}]", f'"{ns}" is listed twice (first at namespaces[{first[ns]}]); list it once')
            )
        first.setdefault(ns, index)
    return problems


def stack_warnings(config: StackConfig) -> list[str]:
    """What is allowed but probably not meant, said at preview without refusing it."""
    if not config.apps:
        return [
            f"{PROJECT}:apps lists no app, so the ingress gateway routes nothing; add apps (docs/configuration.md) "
            "unless this stack is meant to run the platform only"
        ]
    return []


def _namespaces_are_apps_only(config: StackConfig) -> Problems:
    reserved = reserved_namespaces(config)
    return [
        (f"namespaces[{index}]", f'"{ns}" is {reserved[ns]}, not an app namespace; list only namespaces that hold apps')
        for index, ns in enumerate(config.namespaces)
        if ns in reserved
    ]


def _adopted_namespaces_are_listed(config: StackConfig) -> Problems:
    return [
        (f"namespacePolicy.existing[{index}]", f'"{ns}" is not in mesh-platform:namespaces; list it there too')
        for index, ns in enumerate(config.namespace_policy.existing)
        if ns not in config.namespaces
    ]


def _avi_connection(config: StackConfig, secrets: set[str]) -> Problems:
    users = [what for what, used in (("the avi edge", config.edge.kind == "avi"), ("AKO", config.ako.enabled)) if used]
    problems: Problems = []
    if users:
        needed_by = " and ".join(users)
        if config.avi is None:
            problems.append(
                ("avi", f"required for {needed_by}; expected an object with controller, username, tenant, version")
            )
        elif "aviPassword" not in secrets:
            problems.append(
                ("aviPassword", f"required for {needed_by}; set it with `pulumi config set --secret aviPassword ...`")
            )
    if config.ako.enabled and config.ako.namespace == config.istio.namespace:
        problems.append(("ako.namespace", f'"{config.ako.namespace}" is already used; AKO gets a namespace of its own'))
    return problems
