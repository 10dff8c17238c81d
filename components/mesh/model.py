"""Pure builders for the Istio install: Helm values and mesh-wide manifests.

Nothing here declares resources; `components/mesh/component.py` turns these dicts into
`helm.v3.Release`s and custom resources. Everything is testable without Pulumi.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from components.mesh.config import IstioConfig, NodePorts, TracingConfig
from components.mesh.revisions import ControlPlane, gateway_revision_values, stable_control_plane

BUILTIN_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
"""Namespaces every cluster already has: adopted (labels patched), never created or deleted."""

SERVICE_TYPE_BY_EDGE = {
    "alb": "NodePort",
    "avi": "NodePort",
    "azure-ip": "LoadBalancer",
    "emissary": "ClusterIP",
}
"""How each edge reaches the ingress gateway Service."""

STATUS_PORT = 15021
HTTP_PORT = 80
HTTPS_PORT = 443
READINESS_PATH = "/healthz/ready"
"""The gateway's readiness endpoint, plain HTTP on the status port."""

SECURITY_API = "security.istio.io/v1"
NETWORKING_API = "networking.istio.io/v1"
TELEMETRY_API = "telemetry.istio.io/v1"

ZIPKIN_PROVIDER = "zipkin"

EGRESS_GATEWAY_NAME = "istio-egressgateway"
"""Release (and Service) name of the egress gateway."""

AZURE_PIP_NAME_ANNOTATION = "service.beta.kubernetes.io/azure-pip-name"
AZURE_RESOURCE_GROUP_ANNOTATION = "service.beta.kubernetes.io/azure-load-balancer-resource-group"
"""How AKS's cloud provider finds a static IP outside the node resource group
(https://learn.microsoft.com/azure/aks/static-ip, cloud-provider-azure's LoadBalancer annotations)."""


def gateway_service_type(edge_kind: str) -> str:
    """The ingress gateway Service type that the given edge kind needs."""
    return SERVICE_TYPE_BY_EDGE[edge_kind]


def gateway_selector(release_name: str) -> dict[str, str]:
    """The `istio:` label of a gateway release (the chart drops a leading "istio-")."""
    return {"istio": release_name.removeprefix("istio-")}


def base_values(istio: IstioConfig) -> dict[str, Any]:
    """Values of the `base` chart: CRDs and the validator of the default revision (`istio.revision`)."""
    return {"defaultRevision": stable_control_plane(istio).revision, "global": {"istioNamespace": istio.namespace}}


def zipkin_service(address: str) -> tuple[str, int]:
    """`zipkin.istio-system:9411` -> ("zipkin.istio-system.svc.cluster.local", 9411)."""
    host, port = address.rsplit(":", 1)
    if host.count(".") == 1:
        host = f"{host}.svc.cluster.local"
    return host, int(port)


def mesh_config(istio: IstioConfig) -> dict[str, Any]:
    """The `meshConfig` of istiod: outbound policy, access log and the tracing provider."""
    config: dict[str, Any] = {
        "outboundTrafficPolicy": {"mode": istio.outbound_traffic_policy},
        "accessLogFile": "/dev/stdout" if istio.access_logging else "",
        "enableTracing": istio.tracing.enabled,
    }
    if istio.tracing.enabled:
        service, port = zipkin_service(istio.collector_address)
        config["extensionProviders"] = [{"name": ZIPKIN_PROVIDER, "zipkin": {"service": service, "port": port}}]
        config["defaultProviders"] = {"tracing": [ZIPKIN_PROVIDER]}
    return config


def istiod_values(istio: IstioConfig, plane: ControlPlane) -> dict[str, Any]:
    """Values of the `istiod` chart for one control plane (no `revision` key for the default one)."""
    values: dict[str, Any] = {"global": {"istioNamespace": istio.namespace}, "meshConfig": mesh_config(istio)}
    if not plane.is_default:
        values["revision"] = plane.chart_revision
    return values


def gateway_service_ports(service_type: str, node_ports: NodePorts | None = None) -> list[dict[str, Any]]:
    """Status, HTTP and HTTPS ports of the ingress gateway; fixed node ports for NodePort."""
    ports: list[dict[str, Any]] = [
        {"name": "status-port", "port": STATUS_PORT, "targetPort": STATUS_PORT, "protocol": "TCP"},
        {"name": "http2", "port": HTTP_PORT, "targetPort": HTTP_PORT, "protocol": "TCP"},
        {"name": "https", "port": HTTPS_PORT, "targetPort": HTTPS_PORT, "protocol": "TCP"},
    ]
    if service_type == "NodePort":
        if node_ports is None:
            raise ValueError("a NodePort gateway needs fixed node ports")
        fixed = {"status-port": node_ports.status, "http2": node_ports.http, "https": node_ports.https}
        ports = [{**port, "nodePort": fixed[port["name"]]} for port in ports]
    return ports


def availability_values(replicas: int, metrics_server: bool, max_replicas: int) -> dict[str, Any]:
    """Replicas, a PodDisruptionBudget (with two or more) and an autoscaler (only with metrics-server).

    The chart renders its PodDisruptionBudget with `minAvailable: 1`; with a single replica a
    budget would block every node drain, so none is declared then.
    """
    values: dict[str, Any] = {
        "replicaCount": replicas,
        "autoscaling": {"enabled": False},
        "podDisruptionBudget": {"minAvailable": 1} if replicas >= 2 else {},
    }
    if metrics_server:
        values["autoscaling"] = {"enabled": True, "minReplicas": replicas, "maxReplicas": max(replicas, max_replicas)}
    return values


def ingress_gateway_values(
    istio: IstioConfig,
    service_type: str,
    load_balancer_ip: Any = None,
    service_annotations: Mapping[str, Any] | None = None,
    metrics_server: bool = False,
    node_local: bool = False,
) -> dict[str, Any]:
    """Values of the `gateway` chart for the ingress gateway, shaped by the edge."""
    if service_type not in ("NodePort", "LoadBalancer", "ClusterIP"):
        raise ValueError(f"unsupported gateway Service type {service_type!r}")
    gateway = istio.ingress_gateway
    service: dict[str, Any] = {
        "type": service_type,
        "ports": gateway_service_ports(service_type, gateway.node_ports),
    }
    annotations = dict(service_annotations or {})
    if service_type == "LoadBalancer":
        if load_balancer_ip is not None:
            service["loadBalancerIP"] = load_balancer_ip
        # Keep client source addresses and health-check only nodes that run a gateway pod.
        service["externalTrafficPolicy"] = "Local"
    if service_type == "NodePort" and node_local:
        service["externalTrafficPolicy"] = "Local"
    if annotations:
        service["annotations"] = annotations
    return {
        "labels": gateway_selector(gateway.name),
        **availability_values(gateway.replicas, metrics_server, 5),
        "service": service,
        **gateway_revision_values(istio),
    }


def egress_gateway_values(istio: IstioConfig, metrics_server: bool = False) -> dict[str, Any]:
    """Values of the `gateway` chart for the egress gateway (in-cluster only)."""
    return {
        "labels": gateway_selector(EGRESS_GATEWAY_NAME),
        **availability_values(istio.egress_gateway.replicas, metrics_server, 5),
        "service": {"type": "ClusterIP", "ports": gateway_service_ports("ClusterIP")},
        **gateway_revision_values(istio),
    }


def peer_authentication(namespace: str, mode: str) -> dict[str, Any]:
    """The mesh-wide `PeerAuthentication` (name `default` in the root namespace)."""
    return {
        "apiVersion": SECURITY_API,
        "kind": "PeerAuthentication",
        "metadata": {"name": "default", "namespace": namespace},
        "spec": {"mtls": {"mode": mode}},
    }


def adopts_namespace(name: str, existing: tuple[str, ...]) -> bool:
    """True for a namespace the cluster already has: labels are patched, the namespace is never owned."""
    return name in BUILTIN_NAMESPACES or name in existing


def tracing_telemetry(namespace: str, tracing: TracingConfig) -> dict[str, Any] | None:
    """The mesh-wide `Telemetry` that samples spans to the Zipkin provider (None when off)."""
    if not tracing.enabled:
        return None
    return {
        "apiVersion": TELEMETRY_API,
        "kind": "Telemetry",
        "metadata": {"name": "mesh-default", "namespace": namespace},
        "spec": {
            "tracing": [
                {"providers": [{"name": ZIPKIN_PROVIDER}], "randomSamplingPercentage": tracing.sampling_percent}
            ]
        },
    }


def app_namespace_metadata(name: str, environment: str, injection_labels: Mapping[str, str]) -> dict[str, Any]:
    """Metadata of an app namespace: the injection label (`revisions.namespace_injection_labels`), owned-by labels."""
    return {
        "name": name,
        "labels": {
            **injection_labels,
            "app.kubernetes.io/managed-by": "pulumi",
            "mesh-platform/environment": environment,
        },
    }
