"""AKO (Avi Kubernetes Operator) installed inside the Istio mesh (seed 000).

The chart is a `helm.v4.Chart` rather than the `helm.v3.Release` the other upstream
charts use: released AKO charts render a StatefulSet that mounts an undeclared
`istio-certs` volume, and only client-side rendering lets the program repair that
object (a `transforms` hook) before the API server sees it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import pulumi
import pulumi_kubernetes as k8s

from components.ako import model as ako_model
from components.ako.config import AkoConfig
from components.edges.avi.config import AviControllerConfig, AviEdgeConfig


@dataclass
class AkoArgs:
    """Inputs of the `Ako` component."""

    cluster_name: str
    """AKO's clusterName: prefixes every Avi object AKO creates."""
    ako: AkoConfig
    """The validated `ako` section."""
    avi: AviControllerConfig
    """Controller address and credentials (the password is a secret)."""
    edge: Optional[AviEdgeConfig]
    """The Avi edge settings, for cloud and service-engine group; None with another edge."""
    provider: k8s.Provider
    """The cluster's Kubernetes provider."""
    depends_on: list[pulumi.Resource] = field(default_factory=list)
    """Resources that must be ready first (istiod: AKO's pod needs sidecar injection)."""


def _repair_statefulset(args: pulumi.ResourceTransformArgs) -> Optional[pulumi.ResourceTransformResult]:
    if not args.type_.startswith("kubernetes:apps/v1:StatefulSet"):
        return None
    props = ako_model.add_istio_certs_volume("StatefulSet", dict(args.props))
    return pulumi.ResourceTransformResult(props, args.opts) if props is not None else None


class Ako(pulumi.ComponentResource):
    """AKO in its own namespace, with sidecar injection, its credentials secret and mesh identity."""

    mesh_principal: pulumi.Output[str]
    """AKO's SPIFFE principal, to allow in the apps' AuthorizationPolicies."""
    namespace: pulumi.Output[str]
    """The namespace AKO runs in."""

    def __init__(self, name: str, args: AkoArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("mesh-platform:ako:Ako", name, None, opts)
        k8s_opts = pulumi.ResourceOptions(parent=self, provider=args.provider)
        ns_name = args.ako.namespace
        namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=ns_name, labels={"istio-injection": "enabled"}),
            opts=pulumi.ResourceOptions.merge(k8s_opts, pulumi.ResourceOptions(depends_on=args.depends_on)),
        )
        credentials = k8s.core.v1.Secret(
            f"{name}-credentials",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=ako_model.CREDENTIALS_SECRET, namespace=ns_name),
            type="Opaque",
            string_data={"username": args.avi.username, "password": args.avi.password},
            opts=pulumi.ResourceOptions.merge(k8s_opts, pulumi.ResourceOptions(depends_on=[namespace])),
        )
        chart = args.ako.chart
        k8s.helm.v4.Chart(
            f"{name}-chart",
            chart=f"{chart.repository}/{chart.chart}",
            version=chart.version,
            namespace=ns_name,
            values=ako_model.ako_values(args.cluster_name, args.ako, args.avi, args.edge),
            opts=pulumi.ResourceOptions.merge(k8s_opts, pulumi.ResourceOptions(
                depends_on=[namespace, credentials, *args.depends_on],
                transforms=[_repair_statefulset])),
        )
        self.namespace = pulumi.Output.from_input(ns_name)
        self.mesh_principal = pulumi.Output.from_input(ako_model.mesh_principal(ns_name))
        self.register_outputs({"namespace": self.namespace, "mesh_principal": self.mesh_principal})
