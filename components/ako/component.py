"""AKO (Avi Kubernetes Operator) installed inside the Istio mesh.

The chart is a `helm.v4.Chart` rather than the `helm.v3.Release` the other upstream
charts use: only client-side rendering lets the program repair objects before the API
server sees them (`transforms`): the StatefulSet gets the `istio-certs` volume released
charts forget, and the ClusterRole loses its cluster-wide Secret writes (a namespaced Role
grants them in AKO's own namespace).

`AkoCleanup` is declared after the chart and depends on it, so `pulumi destroy` deletes it
first, while AKO still runs: it asks AKO to delete its objects and sweeps the rest through
the Avi API (providers/avi/ako_cleanup).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.ako import mesh as ako_mesh
from components.ako import model as ako_model
from components.ako.config import AkoConfig
from components.ako.effective import EffectiveAko
from components.avi.controller import AviControllerConfig
from components.routes.model import GatewayRef
from providers.avi.ako_cleanup.provider import AkoCleanup


@dataclass
class AkoMesh:
    """What AKO needs to know about the mesh it runs in."""

    istiod: pulumi.Resource
    """The default revision's istiod: its webhook validates AKO's Istio resources."""
    injector: pulumi.Resource
    """AKO's pod needs sidecar injection, so the mesh's injector (istiod, the revision tag) comes first."""
    injection_labels: dict[str, str]
    """The label that puts AKO's namespace on the mesh (`istio.io/rev=<tag>` or `istio-injection`)."""
    mtls: str
    """The mesh-wide mTLS mode; AuthorizationPolicies only under STRICT."""
    served_namespaces: tuple[str, ...]
    """App namespaces AKO's service engines send traffic into."""
    mesh_namespaces: tuple[str, ...]
    """Namespaces whose workloads keep reaching the served ones (gateways, apps, Istio)."""
    namespace_resources: dict[str, pulumi.Resource] = field(default_factory=dict)
    """App namespaces by name, for ordering."""
    egress: GatewayRef | None = None
    """The egress gateway, when the mesh routes external traffic through it."""
    egress_gateway: pulumi.Resource | None = None


@dataclass
class AkoArgs:
    """Inputs of the `Ako` component."""

    settings: EffectiveAko
    """AKO's settings with every default resolved (cluster name, cloud, route sync, ...)."""
    ako: AkoConfig
    """The validated `ako` section."""
    avi: AviControllerConfig
    """Controller address and credentials (the password is a secret)."""
    mesh: AkoMesh
    """The mesh AKO runs in (istiod, namespaces, egress gateway)."""
    kubeconfig: pulumi.Input[str | None] = None
    """The cluster's kubeconfig (secret), for the cleanup on destroy."""
    context: str | None = None
    """The kubeconfig context the Kubernetes provider uses (None: the current context)."""
    ingresses: list[dict[str, Any]] = field(default_factory=list)
    """Ingress manifests AKO serves (the `ako` manager); none with the `pulumi` manager."""
    ingress_depends_on: list[pulumi.Resource] = field(default_factory=list)
    """What the Ingresses alone wait for (their TLS Secrets, the static routes to the pods); the
    rest of AKO need not, so this is not the component's `depends_on`."""


def _repair(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult | None:
    kind = args.type_.split(":")[-1]
    props = ako_model.add_istio_certs_volume(kind, dict(args.props)) or ako_model.narrow_secret_rules(
        kind, dict(args.props)
    )
    return pulumi.ResourceTransformResult(props, args.opts) if props is not None else None


class Ako(pulumi.ComponentResource):
    """AKO in its own injected namespace: credentials, controller egress, RBAC, mesh policy, Ingresses, cleanup.

    The cluster's Kubernetes provider comes in `opts` (`providers=[...]`); every child inherits it.
    """

    mesh_principal: pulumi.Output[str]
    """AKO's principal as the AuthorizationPolicies admit it."""
    namespace: pulumi.Output[str]
    """The namespace AKO runs in."""
    cluster_name: pulumi.Output[str]
    """AKO's clusterName (prefix and `created_by` of its Avi objects)."""

    def __init__(self, name: str, args: AkoArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mesh-platform:ako:Ako", name, None, opts)
        self._name = name
        ns_name = args.ako.namespace
        namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=ns_name, labels=args.mesh.injection_labels),
            opts=self._opts([args.mesh.injector]),
        )
        credentials = k8s.core.v1.Secret(
            f"{name}-credentials",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=ako_model.CREDENTIALS_SECRET, namespace=ns_name),
            type="Opaque",
            string_data={"username": args.avi.username, "password": args.avi.required_password},
            opts=self._opts([namespace]),
        )
        before_ako: list[pulumi.Resource] = [namespace, credentials]
        for manifest in ako_mesh.secrets_role(ns_name):
            cls = k8s.rbac.v1.Role if manifest["kind"] == "Role" else k8s.rbac.v1.RoleBinding
            extra = (
                {"rules": manifest["rules"]}
                if "rules" in manifest
                else {"role_ref": manifest["roleRef"], "subjects": manifest["subjects"]}
            )
            before_ako.append(
                cls(
                    f"{name}-{manifest['kind'].lower()}-secrets",
                    metadata=manifest["metadata"],
                    **extra,
                    opts=self._opts([namespace]),
                )
            )
        egress_deps = [args.mesh.egress_gateway] if args.mesh.egress_gateway else []
        for manifest in ako_mesh.controller_objects(args.avi.controller, ns_name, args.mesh.egress):
            depends = [namespace] if manifest["metadata"]["namespace"] == ns_name else egress_deps
            before_ako.append(self._custom(manifest, [args.mesh.istiod, *depends]))
        for manifest in ako_mesh.authorization_policies(
            ns_name, args.mesh.served_namespaces, args.mesh.mesh_namespaces, args.mesh.mtls
        ):
            served = args.mesh.namespace_resources.get(manifest["metadata"]["namespace"])
            self._custom(manifest, [args.mesh.istiod, *([served] if served else [])])

        chart = args.ako.chart
        release = k8s.helm.v4.Chart(
            f"{name}-chart",
            chart=chart.reference,
            repository_opts=None if chart.is_oci else k8s.helm.v4.RepositoryOptsArgs(repo=chart.classic_repository),
            version=chart.version,
            namespace=ns_name,
            values=ako_model.ako_values(args.settings, args.ako, args.avi.controller),
            opts=self._opts([*before_ako, args.mesh.injector], transforms=[_repair]),
        )
        ingresses = [
            self._ingress(manifest, [release, *args.ingress_depends_on], args.mesh.namespace_resources)
            for manifest in args.ingresses
        ]
        AkoCleanup(
            f"{name}-cleanup",
            cluster_name=args.settings.cluster_name,
            namespace=ns_name,
            timeout_seconds=args.ako.cleanup_timeout_seconds,
            kubeconfig=args.kubeconfig,
            context=args.context,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[release, *ingresses]),
        )
        self.namespace = pulumi.Output.from_input(ns_name)
        self.mesh_principal = pulumi.Output.from_input(ako_model.mesh_principal(ns_name))
        self.cluster_name = pulumi.Output.from_input(args.settings.cluster_name)
        self.register_outputs(
            {"namespace": self.namespace, "mesh_principal": self.mesh_principal, "cluster_name": self.cluster_name}
        )

    def _opts(self, depends_on: list[pulumi.Resource], **extra: Any) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, depends_on=depends_on, **extra)

    def _custom(self, manifest: dict[str, Any], depends_on: list[pulumi.Resource]) -> pulumi.Resource:
        meta = manifest["metadata"]
        return k8s.apiextensions.CustomResource(
            f"{self._name}-{manifest['kind'].lower()}-{meta['namespace']}-{meta['name']}",
            api_version=manifest["apiVersion"],
            kind=manifest["kind"],
            metadata=meta,
            spec=manifest["spec"],
            opts=self._opts(depends_on),
        )

    def _ingress(
        self, manifest: dict[str, Any], depends_on: list[pulumi.Resource], namespaces: dict[str, pulumi.Resource]
    ) -> pulumi.Resource:
        meta = manifest["metadata"]
        served = namespaces.get(meta["namespace"])
        return k8s.networking.v1.Ingress(
            f"{self._name}-ingress-{meta['namespace']}-{meta['name']}",
            metadata=meta,
            spec=manifest["spec"],
            opts=self._opts([*depends_on, *([served] if served else [])]),
        )
