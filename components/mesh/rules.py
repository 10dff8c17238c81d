"""Mesh rules that need more than the `istio` section: gateway replicas on a cloud cluster."""

from __future__ import annotations

from typing import TYPE_CHECKING

from components.config.base import Problems

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
