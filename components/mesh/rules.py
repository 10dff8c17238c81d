"""Mesh rules checked at preview: gateway replicas on a cloud cluster; revisions, tag and injection mode."""

from __future__ import annotations

from typing import TYPE_CHECKING

from components.config.base import Problems
from components.mesh.config import DEFAULT_REVISION

if TYPE_CHECKING:  # the root model sits in the stack layer above; a type-only import makes no cycle
    from components.stack.model import StackConfig


def gateway_replicas(config: StackConfig) -> Problems:
    """At least two replicas of each gateway on EKS/AKS, so a drain never takes the gateway away."""
    if config.cluster.kind == "existing":
        return []  # local clusters (kind, minikube) may run single gateways
    gateways = [("istio.ingressGateway.replicas", config.istio.ingress_gateway.replicas)]
    if config.istio.egress_gateway_enabled:
        gateways.append(("istio.egressGateway.replicas", config.istio.egress_gateway.replicas))
    return [
        (
            path,
            f"expected at least 2 on an {config.cluster.kind.upper()} cluster, so a node drain or a "
            f"zone outage never takes the gateway away (a PodDisruptionBudget keeps one running); got {count}",
        )
        for path, count in gateways
        if count < 2
    ]


def revision_rules(config: StackConfig) -> Problems:
    """The revisions, the tag and the injection mode make sense together, so no namespace is ever
    labelled for a control plane the stack does not install."""
    istio = config.istio
    installed = [istio.revision] + ([istio.canary.revision] if istio.canary else [])
    shown = " or ".join(f'"{revision}"' for revision in installed)
    problems: Problems = []
    if istio.canary is not None and istio.canary.revision == istio.revision:
        problems.append(
            (
                "istio.canary.revision",
                f'must differ from istio.revision ("{istio.revision}"): the canary is a second control plane '
                "installed beside it",
            )
        )
    if istio.injection == "legacy":
        return problems + _legacy_rules(config)
    if istio.tag_revision is not None and istio.tag_revision not in installed:
        # istioctl refuses the same: "cannot find MutatingWebhookConfiguration or Service with revision"
        # (istioctl/pkg/tag/generate.go).
        problems.append(
            (
                "istio.tagRevision",
                f'"{istio.tag_revision}" is not an installed revision, so the namespaces labelled with the tag '
                f"would have no control plane; expected {shown}",
            )
        )
    if istio.tag in installed:
        # "cannot create revision tag ...: found existing control plane revision with same name"
        # (istioctl/pkg/tag/generate.go).
        problems.append(("istio.tag", f'"{istio.tag}" is the name of an installed revision; name the tag differently'))
    elif istio.tag == DEFAULT_REVISION:
        problems.append(
            (
                "istio.tag",
                '"default" is Istio\'s tag for istio-injection=enabled namespaces; name the tag differently, or '
                "use istio.injection: legacy",
            )
        )
    return problems


def _legacy_rules(config: StackConfig) -> Problems:
    istio = config.istio
    problems: Problems = []
    if istio.revision != DEFAULT_REVISION:
        problems.append(
            (
                "istio.injection",
                "legacy labels namespaces istio-injection=enabled, which only the default (non-revisioned) "
                f'control plane serves, but istio.revision is "{istio.revision}"; set istio.revision: default, or '
                "istio.injection: revision",
            )
        )
    if istio.canary is not None:
        problems.append(
            (
                "istio.canary",
                "a canary upgrade moves namespaces with the revision tag, which legacy injection has none of; set "
                "istio.injection: revision (legacy upgrades in place)",
            )
        )
    if istio.tag_revision is not None:
        problems.append(
            ("istio.tagRevision", "legacy injection has no revision tag; remove it or use injection: revision")
        )
    return problems
