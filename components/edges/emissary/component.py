"""The Emissary edge: Emissary-ingress in front of the Istio mesh (the Istio >= 1.10 way).

Emissary runs in its own namespace with an Istio sidecar that intercepts nothing and only
writes the pod's workload certificate to an in-memory volume; Emissary turns it into the
`istio-certs` Secret and originates Istio mTLS to the apps with the `istio-upstream`
TLSContext. One Mapping per app host and prefix goes straight to the app's Service, so
the Istio ingress gateway stays internal. The bodies come from `model.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.config.types import HelmChartConfig
from components.edges.emissary import dashboard, model
from components.edges.emissary.config import EmissaryEdgeConfig
from components.helm import pinned_release
from components.mesh.config import IstioConfig
from components.mesh.revisions import namespace_injection_labels
from components.resource_options import dependencies_of
from components.routes.config import AppConfig
from components.tls_issuer import Audience, self_signed_certificate

SELF_SIGNED_SECRET = "emissary-edge-tls"
"""Name of the Secret holding the generated certificate when no `tlsSecretName` is configured."""
RELEASE_TIMEOUT_SECONDS = 600
FORMER_TYPE = "mesh-platform:edges:AmbassadorEdge"
FORMER_NAME = "ambassador-edge"
"""The edge's type token and resource name while it was called the Ambassador edge: the alias to them
keeps the URNs of stacks deployed then (the engine renames its children's `ambassador-edge-` prefix too)."""


@dataclass
class EmissaryEdgeArgs:
    """Inputs of the `EmissaryEdge` component."""

    edge: EmissaryEdgeConfig
    """The validated `edge.emissary` section of the stack."""
    istio: IstioConfig
    """The mesh settings: mTLS mode, tracing collector and the Istio namespace."""
    apps: tuple[AppConfig, ...]
    """The apps whose public hosts and prefixes become Mappings."""
    grafana_enabled: bool = False
    """Provision the Emissary dashboard for Grafana's dashboard sidecar."""
    dashboard_namespace: str | None = None
    """Where the dashboard ConfigMap goes (default: the Istio namespace, next to the Grafana add-on)."""


class EmissaryEdge(pulumi.ComponentResource):
    """Emissary-ingress with its CRDs, Istio mTLS to the apps, Listeners, Hosts, Mappings, tracing, metrics.

    `opts` brings the cluster's Kubernetes provider (`providers=[...]`, inherited by every child) and
    what must be ready before Emissary's pods start (`depends_on`: the mesh's injector, so the sidecar
    is injected); every Kubernetes child repeats that `depends_on`.
    """

    namespace: str
    """Emissary's namespace (labelled for sidecar injection)."""
    service_name: str
    """The entry-point Service (LoadBalancer or NodePort)."""
    service_account: str
    """Emissary's service account."""
    spiffe_id: str
    """Emissary's mesh identity, `spiffe://cluster.local/ns/<namespace>/sa/<service account>`."""
    principal: str
    """The same identity as AuthorizationPolicy `principals` spell it."""
    authorization_policies: dict[str, dict[str, Any]]
    """App namespace -> an AuthorizationPolicy body admitting Emissary (an example for app teams; not applied)."""
    hostnames: list[str]
    """The hostnames Emissary terminates TLS for (one Host each)."""
    tls_secret_name: str
    """The Secret the Hosts take their certificate from."""
    crds: k8s.helm.v3.Release
    """The `emissary-crds-chart` release (the getambassador.io CRDs)."""
    release: k8s.helm.v3.Release
    """The `emissary-ingress` release."""
    mappings: dict[str, k8s.apiextensions.CustomResource]
    """Mapping name -> Mapping, one per app host and prefix."""
    address: pulumi.Output[str | None]
    """The load balancer's hostname or IP once assigned (None for NodePort)."""

    def __init__(self, name: str, args: EmissaryEdgeArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(
            "mesh-platform:emissary:EmissaryEdge",
            name,
            None,
            pulumi.ResourceOptions.merge(
                pulumi.ResourceOptions(aliases=[pulumi.Alias(type_=FORMER_TYPE, name=FORMER_NAME)]), opts
            ),
        )
        edge = args.edge
        self._after = dependencies_of(opts)
        self.namespace = edge.namespace
        self.service_name = model.RELEASE_NAME
        self.service_account = model.SERVICE_ACCOUNT
        self.spiffe_id = model.spiffe_id(edge.namespace)
        self.principal = model.principal(edge.namespace)
        app_namespaces = dict.fromkeys(ns.name for app in args.apps for ns in app.namespaces)
        self.authorization_policies = {ns: model.authorization_policy(ns, edge.namespace) for ns in app_namespaces}

        namespace = k8s.core.v1.Namespace(
            f"{name}-ns",
            metadata={
                "name": edge.namespace,
                "labels": {**namespace_injection_labels(args.istio), "app.kubernetes.io/managed-by": "pulumi"},
            },
            opts=self._child(),
        )
        self.crds = self._release(
            f"{name}-crds", model.CRDS_RELEASE_NAME, edge.crds_chart, model.crds_values(edge), namespace, [namespace]
        )
        tracing = model.tracing_service(edge.namespace, args.istio.resolved_tracing)
        self.release = self._release(
            f"{name}-release",
            model.RELEASE_NAME,
            edge.chart,
            model.helm_values(edge, tracing),
            namespace,
            [namespace, self.crds],
        )
        installed: list[pulumi.Resource] = [self.crds, self.release]

        self._custom(f"{name}-tls-context", model.upstream_tls_context(edge.namespace), installed)
        for body in model.listeners(edge.namespace):
            self._custom(f"{name}-listener-{body['spec']['protocol'].lower()}", body, installed)

        routes = model.edge_routes(args.apps)
        self.hostnames = list(model.edge_hostnames(edge.hostnames, routes))
        self.tls_secret_name = edge.tls_secret_name or SELF_SIGNED_SECRET
        host_deps = list(installed)
        if self.hostnames and not edge.tls_secret_name:
            host_deps.append(self._self_signed_secret(name, namespace))
        for hostname in self.hostnames:
            body = model.host(edge.namespace, hostname, self.tls_secret_name)
            self._custom(f"{name}-{body['metadata']['name']}", body, host_deps)

        self.mappings = {
            route.name: self._custom(f"{name}-mapping-{route.name}", model.mapping(edge.namespace, route), installed)
            for route in routes
        }
        if tracing is not None:
            self._custom(f"{name}-tracing", tracing, installed)
        if args.grafana_enabled:
            body = dashboard.dashboard_config_map(args.dashboard_namespace or args.istio.namespace, edge.namespace)
            k8s.core.v1.ConfigMap(f"{name}-dashboard", metadata=body["metadata"], data=body["data"], opts=self._child())

        self.address = self._load_balancer_address(name, edge)
        self.register_outputs(
            {
                "namespace": self.namespace,
                "service_name": self.service_name,
                "spiffe_id": self.spiffe_id,
                "principal": self.principal,
                "hostnames": self.hostnames,
                "tls_secret_name": self.tls_secret_name,
                "address": self.address,
            }
        )

    def _child(self, depends_on: list[pulumi.Resource] | None = None) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, depends_on=[*self._after, *(depends_on or [])])

    def _release(
        self,
        resource_name: str,
        release_name: str,
        chart: HelmChartConfig,
        values: dict[str, Any],
        namespace: k8s.core.v1.Namespace,
        depends_on: list[pulumi.Resource],
    ) -> k8s.helm.v3.Release:
        return pinned_release(
            resource_name,
            release_name,
            chart,
            namespace.metadata.apply(_declared_name),
            values,
            parent=self,
            depends_on=[*self._after, *depends_on],
            timeout=RELEASE_TIMEOUT_SECONDS,
        )

    def _custom(
        self, resource_name: str, body: dict[str, Any], depends_on: list[pulumi.Resource]
    ) -> k8s.apiextensions.CustomResource:
        return k8s.apiextensions.CustomResource(
            resource_name,
            api_version=body["apiVersion"],
            kind=body["kind"],
            metadata=body["metadata"],
            spec=body["spec"],
            opts=self._child(depends_on),
        )

    def _self_signed_secret(self, name: str, namespace: k8s.core.v1.Namespace) -> k8s.core.v1.Secret:
        """A pulumi-tls certificate for every hostname, stored as a kubernetes.io/tls Secret."""
        # `allowed_uses` is a list to pulumi-tls: this order is the one the live certificate has.
        cert = self_signed_certificate(
            key_name=f"{name}-tls-key",
            cert_name=f"{name}-tls-cert",
            parent=self,
            common_name=self.hostnames[0],
            dns_names=self.hostnames,
            audience=Audience.CLIENTS,
            uses=("digital_signature", "key_encipherment", "server_auth"),
        )
        return k8s.core.v1.Secret(
            f"{name}-tls",
            metadata={"name": SELF_SIGNED_SECRET, "namespace": self.namespace},
            type="kubernetes.io/tls",
            string_data={"tls.crt": cert.certificate_pem, "tls.key": cert.key_pem},
            opts=self._child([namespace]),
        )

    def _load_balancer_address(self, name: str, edge: EmissaryEdgeConfig) -> pulumi.Output[str | None]:
        """Read back the chart's Service for its load balancer address (unknown until the release exists)."""
        if edge.service_type != "LoadBalancer":
            return pulumi.Output.from_input(None)
        service_id = self.release.status.apply(lambda _: f"{edge.namespace}/{model.RELEASE_NAME}")
        service = k8s.core.v1.Service.get(f"{name}-service", service_id, opts=self._child([self.release]))
        return service.status.apply(_first_ingress_address)


def _declared_name(metadata: k8s.meta.v1.outputs.ObjectMeta) -> str:
    """The name a Namespace was declared with (the program always names its namespaces)."""
    if metadata.name is None:
        raise ValueError("a namespace declared without a name")
    return metadata.name


def _first_ingress_address(status: Any) -> str | None:
    ingress = (getattr(getattr(status, "load_balancer", None), "ingress", None) or []) if status else []
    for entry in ingress:
        address = getattr(entry, "hostname", None) or getattr(entry, "ip", None)
        if address:
            return address
    return None
