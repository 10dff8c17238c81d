"""The Istio mesh: base -> istiod (one per revision) -> revision tag -> gateways, app namespaces with
injection, mesh-wide mTLS.

Installed from the official charts as `helm.v3.Release`s chained with `depends_on`, so
nothing that istiod's validation webhook checks exists before istiod is ready. The
values and manifests come from `components/mesh/model.py`, the revisions from `revisions.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.config.types import HelmChartConfig
from components.helm import pinned_release
from components.mesh import model as values
from components.mesh import revisions
from components.mesh.config import IstioConfig, NamespacePolicyConfig
from components.resource_options import renamed_from


@dataclass
class IstioMeshArgs:
    """Inputs of the `IstioMesh` component."""

    istio: IstioConfig
    """The validated `istio` section of the stack."""
    app_namespaces: tuple[str, ...]
    """Namespaces the apps live in; created (or adopted) and labelled for sidecar injection."""
    gateway_service_type: str = "NodePort"
    """Service type of the ingress gateway: NodePort, LoadBalancer or ClusterIP (see `SERVICE_TYPE_BY_EDGE`)."""
    load_balancer_ip: pulumi.Input[str] | None = None
    """LoadBalancer only: a static IP for `spec.loadBalancerIP` (Azure takes it from annotations instead)."""
    service_annotations: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Extra annotations of the gateway Service (e.g. the Azure load balancer resource group)."""
    environment: str = ""
    """The stack's environment name, put on the app namespaces as a label."""
    namespace_policy: NamespacePolicyConfig = field(default_factory=NamespacePolicyConfig)
    """Which app namespaces exist already (adopted), and whether created ones outlive the stack."""
    metrics_server: bool = False
    """Whether the cluster runs metrics-server: the gateways get an autoscaler only then."""
    gateway_node_local: bool = False
    """NodePort only: `externalTrafficPolicy: Local`, so a node's ports answer only while a gateway pod
    on that node is ready (per-node health checks of the Avi edge mean exactly that node)."""


class IstioMesh(pulumi.ComponentResource):
    """Istio control plane, ingress (and optional egress) gateway, namespaces and mTLS.

    The cluster's Kubernetes provider comes in `opts` (`providers=[...]`); every child inherits it.
    """

    istio_namespace: str
    """The root namespace where istiod runs."""
    ingress_namespace: str
    """Namespace of the ingress gateway (where the ingress `Gateway` resource must live)."""
    ingress_service_name: str
    """Name of the ingress gateway Service (and of its release)."""
    ingress_selector: dict[str, str]
    """Labels of the ingress gateway pods, for `Gateway.spec.selector`."""
    egress_namespace: str | None
    """Namespace of the egress gateway; None when it is off."""
    egress_service_name: str | None
    """Name of the egress gateway Service; None when it is off."""
    egress_selector: dict[str, str] | None
    """Labels of the egress gateway pods; None when it is off."""
    base: k8s.helm.v3.Release
    """The `base` chart (CRDs, cluster roles)."""
    istiod: k8s.helm.v3.Release
    """The control plane of `istio.revision`, the default revision whose webhook validates Istio
    resources; every Istio custom resource must depend on it."""
    control_planes: dict[str, k8s.helm.v3.Release]
    """Every istiod release by revision (two during a canary upgrade)."""
    revision_tag: k8s.admissionregistration.v1.MutatingWebhookConfiguration | None
    """The revision tag's injection webhook; None under legacy injection."""
    injector: pulumi.Resource
    """What a namespace labelled for injection waits for: the revision tag (which waits for every
    control plane), or istiod under legacy injection."""
    ingress_gateway: k8s.helm.v3.Release
    """The ingress gateway release."""
    egress_gateway: k8s.helm.v3.Release | None
    """The egress gateway release, when enabled."""
    namespaces: dict[str, pulumi.CustomResource]
    """App namespaces by name (`Namespace`, or `NamespacePatch` for built-in ones such as `default`)."""
    peer_authentication: k8s.apiextensions.CustomResource
    """The mesh-wide `PeerAuthentication`."""

    def __init__(self, name: str, args: IstioMeshArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(
            "mesh-platform:mesh:IstioMesh", name, None, renamed_from("mesh-platform:istio:IstioMesh", opts)
        )
        istio = args.istio
        self.istio_namespace = istio.namespace
        self.ingress_namespace = istio.ingress_gateway.namespace
        self.ingress_service_name = istio.ingress_gateway.name
        self.ingress_selector = values.gateway_selector(istio.ingress_gateway.name)

        system_ns = self._namespace(f"{name}-ns-{istio.namespace}", {"name": istio.namespace})
        ingress_ns = system_ns
        if self.ingress_namespace != istio.namespace:
            ingress_ns = self._namespace(f"{name}-ns-{self.ingress_namespace}", {"name": self.ingress_namespace})

        base_chart = HelmChartConfig("base", revisions.base_chart_version(istio), istio.repository)
        self.base = self._release(
            f"{name}-base", "istio-base", base_chart, istio.namespace, values.base_values(istio), [system_ns]
        )
        self.control_planes = {
            plane.revision: self._release(
                plane.resource_name(name),
                plane.release_name,
                HelmChartConfig("istiod", plane.version, istio.repository),
                istio.namespace,
                values.istiod_values(istio, plane),
                [self.base],
            )
            for plane in revisions.control_planes(istio)
        }
        self.istiod = self.control_planes[istio.revision]
        tagged = revisions.tagged_control_plane(istio)
        self.revision_tag = None
        self.injector = self.istiod
        if istio.injection == "revision":
            self.revision_tag = self._revision_tag(f"{name}-revision-tag", revisions.revision_tag_webhook(istio))
            self.injector = self.revision_tag

        policy = args.namespace_policy
        injection_labels = revisions.namespace_injection_labels(istio)
        self.namespaces = {
            ns: self._namespace(
                f"{name}-ns-{ns}",
                values.app_namespace_metadata(ns, args.environment, injection_labels),
                adopt=values.adopts_namespace(ns, policy.existing),
                retain=policy.retain_on_delete,
                depends_on=[self.revision_tag] if self.revision_tag is not None else [],
            )
            for ns in args.app_namespaces
        }

        gateway_chart = HelmChartConfig("gateway", tagged.version, istio.repository)
        gateway_plane = self.control_planes[tagged.revision]
        self.ingress_gateway = self._release(
            f"{name}-ingress-gateway",
            istio.ingress_gateway.name,
            gateway_chart,
            self.ingress_namespace,
            values.ingress_gateway_values(
                istio,
                args.gateway_service_type,
                args.load_balancer_ip,
                args.service_annotations,
                args.metrics_server,
                node_local=args.gateway_node_local,
            ),
            [gateway_plane, ingress_ns],
        )
        self.egress_gateway = None
        self.egress_namespace = self.egress_service_name = self.egress_selector = None
        if istio.egress_gateway_enabled:
            self.egress_namespace = istio.namespace
            self.egress_service_name = values.EGRESS_GATEWAY_NAME
            self.egress_selector = values.gateway_selector(values.EGRESS_GATEWAY_NAME)
            self.egress_gateway = self._release(
                f"{name}-egress-gateway",
                values.EGRESS_GATEWAY_NAME,
                gateway_chart,
                istio.namespace,
                values.egress_gateway_values(istio, args.metrics_server),
                [gateway_plane],
            )

        self.peer_authentication = self._custom_resource(
            f"{name}-peer-authentication", values.peer_authentication(istio.namespace, istio.mtls_mode)
        )
        telemetry = values.tracing_telemetry(istio.namespace, istio.tracing)
        if telemetry is not None:
            self._custom_resource(f"{name}-tracing", telemetry)

        self.register_outputs(
            {
                "istio_namespace": self.istio_namespace,
                "ingress_namespace": self.ingress_namespace,
                "ingress_service_name": self.ingress_service_name,
                "egress_service_name": self.egress_service_name,
            }
        )

    def _namespace(
        self,
        resource_name: str,
        metadata: dict[str, Any],
        adopt: bool = False,
        retain: bool = False,
        depends_on: list[pulumi.Resource] | None = None,
    ) -> pulumi.CustomResource:
        # A namespace labelled with the tag waits for the tag's webhook: a pod admitted before it
        # exists would start without a sidecar.
        opts = pulumi.ResourceOptions(parent=self, depends_on=depends_on or [])
        if adopt:
            # An existing namespace must outlive the stack: server-side apply patches the labels
            # only, and destroy removes just those fields again.
            return k8s.core.v1.NamespacePatch(
                resource_name,
                metadata=k8s.meta.v1.ObjectMetaPatchArgs(name=metadata["name"], labels=metadata.get("labels")),
                opts=opts,
            )
        if retain:
            opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(retain_on_delete=True))
        return k8s.core.v1.Namespace(
            resource_name,
            metadata=k8s.meta.v1.ObjectMetaArgs(name=metadata["name"], labels=metadata.get("labels")),
            opts=opts,
        )

    def _release(
        self,
        resource_name: str,
        release_name: str,
        chart: HelmChartConfig,
        namespace: str,
        chart_values: dict[str, Any],
        depends_on: list[pulumi.Resource],
    ) -> k8s.helm.v3.Release:
        return pinned_release(
            resource_name, release_name, chart, namespace, chart_values, parent=self, depends_on=depends_on
        )

    def _revision_tag(
        self, resource_name: str, manifest: dict[str, Any]
    ) -> k8s.admissionregistration.v1.MutatingWebhookConfiguration:
        # It waits for every control plane: the one it serves now, and the other one it may move to
        # or from in the same update.
        return k8s.admissionregistration.v1.MutatingWebhookConfiguration(
            resource_name,
            metadata=manifest["metadata"],
            webhooks=manifest["webhooks"],
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(self.control_planes.values())),
        )

    def _custom_resource(self, resource_name: str, manifest: dict[str, Any]) -> k8s.apiextensions.CustomResource:
        return k8s.apiextensions.CustomResource(
            resource_name,
            api_version=manifest["apiVersion"],
            kind=manifest["kind"],
            metadata=manifest["metadata"],
            spec=manifest["spec"],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.istiod]),
        )
