"""Edge rules that need more than the `edge` section: the edge fits the cluster, and Emissary gets a
namespace of its own."""

from __future__ import annotations

from typing import TYPE_CHECKING

from components.config.base import Problems
from components.edges.config import EDGE_CLUSTERS

if TYPE_CHECKING:  # the root model sits in the stack layer above; a type-only import makes no cycle
    from components.stack.model import StackConfig


def edge_fits_cluster(config: StackConfig) -> Problems:
    """The chosen edge runs on the chosen cluster kind (the ALB on EKS, the static IP on AKS, ...)."""
    edge, cluster = config.edge.kind, config.cluster.kind
    if cluster not in EDGE_CLUSTERS[edge]:
        return [
            (
                "edge.kind",
                f'the "{edge}" edge needs cluster.kind {", ".join(EDGE_CLUSTERS[edge])}; the cluster is "{cluster}"',
            )
        ]
    return []


def emissary_namespace(config: StackConfig) -> Problems:
    """Emissary's namespace is used by neither Istio nor the apps."""
    emissary = config.edge.emissary
    taken = (config.istio.namespace, config.istio.ingress_gateway.namespace, *config.namespaces)
    if emissary and emissary.namespace in taken:
        return [
            (
                "edge.emissary.namespace",
                f'"{emissary.namespace}" is already used by Istio or the apps; Emissary '
                "gets a namespace of its own (its pods carry a sidecar that intercepts "
                "nothing)",
            )
        ]
    return []
