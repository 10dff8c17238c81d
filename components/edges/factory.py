"""The edge `edge.kind` picks, built in the two steps the data flow needs.

Most edges come after the mesh and its routes (they point at the ingress gateway). Two
edges also shape the gateway itself, so part of them comes first: the Azure static IP the
gateway Service takes (its annotations name it), and the key material of the Avi edge's
mutual TLS to the gateway. `edge_before_mesh` declares that part and says how the gateway
must look; `build_edge` declares the edge and names the stack outputs it adds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import pulumi

from components.ako.ako_manager import AkoManagedEdge, AkoManagedEdgeArgs
from components.cluster.component import Cluster
from components.cluster.config import ClusterConfig
from components.cluster.outputs import required_output
from components.edges.alb.component import AlbEdge, AlbEdgeArgs
from components.edges.avi.component import AviEdge, AviEdgeArgs
from components.edges.avi.mesh_tls import AviMeshTls
from components.edges.azure_ip.component import AzureIpEdge, AzureIpEdgeArgs
from components.edges.config import EdgeConfig
from components.edges.emissary.component import EmissaryEdge, EmissaryEdgeArgs
from components.mesh.component import IstioMesh
from components.mesh.config import IstioConfig
from components.mesh.model import gateway_service_type
from components.observability.config import ObservabilityConfig
from components.routes.component import GatewayMutualTls, MeshRoutes
from components.routes.config import AppConfig

Edge = AlbEdge | AzureIpEdge | EmissaryEdge | AviEdge | AkoManagedEdge


class EdgeStack(Protocol):
    """The sections of the stack an edge is built from (the stack's root model has them all)."""

    @property
    def environment(self) -> str | None: ...
    @property
    def cluster(self) -> ClusterConfig: ...
    @property
    def istio(self) -> IstioConfig: ...
    @property
    def apps(self) -> tuple[AppConfig, ...]: ...
    @property
    def edge(self) -> EdgeConfig: ...
    @property
    def observability(self) -> ObservabilityConfig: ...
    @property
    def edge_certificates(self) -> pulumi.Output[str] | None: ...


@dataclass(frozen=True)
class GatewayShape:
    """What the ingress gateway and its routes take from the edge in front of them."""

    service_type: str
    """NodePort, LoadBalancer or ClusterIP, as the edge reaches the gateway."""
    service_annotations: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Extra annotations of the gateway Service (the Azure static IP and its resource group)."""
    node_local: bool = False
    """`externalTrafficPolicy: Local`: the Avi edge health-checks each node's own gateway."""
    https: bool = False
    """Serve HTTPS on the gateway with a self-signed certificate (the ALB re-encrypts)."""
    mutual_tls: GatewayMutualTls | None = None
    """Serve HTTPS requiring the Avi edge's client certificate."""


@dataclass
class EdgeBeforeMesh:
    """The part of the edge declared before the mesh, and the gateway it asks for."""

    gateway: GatewayShape
    azure_ip: AzureIpEdge | None = None
    """The Azure edge itself: it is nothing but the static IP and its role assignment."""
    avi_mesh_tls: AviMeshTls | None = None
    """The CA, gateway and client certificates of the `pulumi`-managed Avi edge."""


@dataclass
class BuiltEdge:
    """The edge in front of the mesh and the stack outputs it adds."""

    component: Edge
    outputs: dict[str, Any] = field(default_factory=dict)


def _managed_by(config: EdgeStack, manager: str) -> bool:
    return config.edge.kind == "avi" and config.edge.avi is not None and config.edge.avi.manager == manager


def edge_before_mesh(config: EdgeStack, cluster: Cluster) -> EdgeBeforeMesh:
    """Declare what the gateway needs from the edge before the gateway exists."""
    kind = config.edge.kind
    gateway = GatewayShape(
        service_type=gateway_service_type(kind), https=kind == "alb", node_local=_managed_by(config, "pulumi")
    )
    if kind == "azure-ip" and config.edge.azure_ip is not None and config.cluster.aks is not None:
        azure = AzureIpEdge(
            "azure-ip-edge",
            AzureIpEdgeArgs(
                config=config.edge.azure_ip,
                location=config.cluster.aks.location,
                cluster_name=config.cluster.name,
                cluster_principal_id=required_output(cluster.identity_principal_id, "system-assigned identity"),
                tags={"environment": config.environment or ""},
            ),
        )
        return EdgeBeforeMesh(GatewayShape(gateway.service_type, azure.service_annotations), azure_ip=azure)
    if _managed_by(config, "pulumi"):
        ingress = config.istio.ingress_gateway
        mesh_tls = AviMeshTls(
            "avi-mesh-tls",
            config.cluster.name,
            [f"{ingress.name}.{ingress.namespace}.svc", f"{ingress.name}.{ingress.namespace}.svc.cluster.local"],
        )
        shape = GatewayShape(gateway.service_type, node_local=True, mutual_tls=mesh_tls.gateway)
        return EdgeBeforeMesh(shape, avi_mesh_tls=mesh_tls)
    return EdgeBeforeMesh(gateway)


def build_edge(
    config: EdgeStack,
    cluster: Cluster,
    mesh: IstioMesh,
    routes: MeshRoutes,
    before: EdgeBeforeMesh,
    k8s: pulumi.ResourceOptions,
) -> BuiltEdge:
    """Declare the edge `edge.kind` names, in front of `mesh`; `k8s` carries the cluster's provider."""
    kind = config.edge.kind
    if kind == "azure-ip" and before.azure_ip is not None:
        return BuiltEdge(before.azure_ip, {"ingressIp": before.azure_ip.ip_address})
    if kind == "alb" and config.edge.alb is not None:
        alb = AlbEdge(
            "alb-edge",
            AlbEdgeArgs(
                config=config.edge.alb,
                cluster_name=cluster.cluster_name,
                oidc_provider_arn=required_output(cluster.oidc_provider_arn, "IAM OIDC provider"),
                oidc_issuer_url=required_output(cluster.oidc_issuer_url, "OIDC issuer"),
                vpc_id=required_output(cluster.vpc_id, "VPC"),
                gateway_namespace=mesh.ingress_namespace,
                gateway_service=mesh.ingress_service_name,
                gateway=mesh.ingress_gateway,
                tags={"environment": config.environment or "", **config.cluster.tags},
            ),
            opts=k8s,
        )
        return BuiltEdge(alb, {"albHostname": alb.hostname})
    if kind == "emissary" and config.edge.emissary is not None:
        emissary = EmissaryEdge(
            "emissary-edge",
            EmissaryEdgeArgs(
                edge=config.edge.emissary,
                istio=config.istio,
                apps=config.apps,
                grafana_enabled=config.observability.grafana_addon,
                dashboard_namespace=mesh.istio_namespace,
            ),
            opts=pulumi.ResourceOptions.merge(k8s, pulumi.ResourceOptions(depends_on=[mesh.injector])),
        )
        return BuiltEdge(
            emissary,
            {
                "emissaryAddress": emissary.address,
                "emissaryHostnames": emissary.hostnames,
                "emissarySpiffeId": emissary.spiffe_id,
                # The example AuthorizationPolicy bodies stay out of the outputs; `make render` writes them.
                "emissaryPrincipal": emissary.principal,
                "emissaryAppNamespaces": sorted(emissary.authorization_policies),
            },
        )
    if _managed_by(config, "pulumi") and config.edge.avi is not None:
        node_ports = config.istio.ingress_gateway.node_ports
        avi = AviEdge(
            "avi-edge",
            AviEdgeArgs(
                cluster_name=config.cluster.name,
                edge=config.edge.avi,
                apps=config.apps,
                gateway_https_node_port=node_ports.https,
                gateway_status_node_port=node_ports.status,
                gateway_namespace=config.istio.ingress_gateway.namespace,
                mesh_tls=before.avi_mesh_tls,
                certificates_secret=config.edge_certificates,
            ),
            opts=pulumi.ResourceOptions(depends_on=[mesh.ingress_gateway, *filter(None, [routes.gateway])]),
        )
        return BuiltEdge(
            avi,
            {
                "aviVirtualServices": avi.virtual_services,
                "aviVips": avi.vips,
                "aviHosts": avi.hosts,
                "aviCurl": avi.curl_commands,
            },
        )
    if _managed_by(config, "ako") and config.edge.avi is not None:
        # AKO builds the layout from the Ingresses `components/ako` declares; the program keeps
        # the static routes and the hosts' certificates.
        ako_edge = AkoManagedEdge(
            "avi-edge",
            AkoManagedEdgeArgs(
                cluster_name=config.cluster.name,
                edge=config.edge.avi,
                apps=config.apps,
                certificates_secret=config.edge_certificates,
                namespaces=dict(mesh.namespaces),
            ),
            opts=k8s,
        )
        return BuiltEdge(ako_edge)
    raise ValueError(
        f"edge.kind {kind!r}: no edge is built for it (expected alb, azure-ip, emissary or avi with its section set)"
    )
