"""Pure builders for the Emissary edge: Helm values and Emissary resource bodies.

Nothing here declares resources or imports Pulumi; `component.py`
turns these dicts into `helm.v3.Release`s and custom resources. Every fact about
Emissary 4.x and its Istio integration that the edge depends on is a constant here.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from components.edges.emissary.config import EmissaryEdgeConfig
from components.mesh.config import TracingConfig
from components.routes.config import AppConfig

CR_API = "getambassador.io/v3alpha1"
"""API version of every Emissary resource declared here (served by the 4.x CRDs without apiext)."""
RELEASE_NAME = "emissary-ingress"
"""Helm release name; also `fullnameOverride`, so the Service and Deployment carry it."""
CRDS_RELEASE_NAME = "emissary-crds"
SERVICE_ACCOUNT = "emissary-ingress"
"""Emissary's service account: its Istio identity is derived from it."""
TRUST_DOMAIN = "cluster.local"
"""Istio's default trust domain."""

ADMIN_PORT = 8877
"""Emissary's admin port; diagd serves Prometheus metrics there."""
METRICS_PATH = "/metrics"
HTTP_PORT, HTTPS_PORT = 8080, 8443
"""Container ports of the HTTP and HTTPS `Listener`s (Service ports 80 and 443 point at them)."""

ISTIO_CERT_DIR = "/etc/istio-certs"
"""Where the sidecar writes its workload certificate and Emissary reads it."""
ISTIO_CERT_VOLUME = "istio-certs"
ISTIO_CERT_SECRET = "istio-certs"
"""The Secret Emissary makes from the sidecar's files; Emissary fixes this name."""
UPSTREAM_TLS_CONTEXT = "istio-upstream"
ISTIO_ALPN = "istio"
"""ALPN that tells a PERMISSIVE sidecar the connection is Istio mTLS."""
ENVOY_BASE_ID = "1"
"""Emissary's Envoy base id; the sidecar's Envoy uses 0 on the same pod."""

INTERNAL_SUFFIX = ".svc.cluster.local"
"""App hosts ending in this are mesh-internal names; the edge does not expose them."""
TRACING_CHECKSUM_ANNOTATION = "mesh-platform/tracing-service"
"""Pod annotation holding a hash of the TracingService: Emissary reads it only at start."""
"""The label Grafana's dashboard sidecar watches for."""

_DNS_UNSAFE = re.compile(r"[^a-z0-9]+")
_MAX_NAME = 63


def spiffe_id(namespace: str, service_account: str = SERVICE_ACCOUNT) -> str:
    """The SPIFFE identity Istio issues to a service account."""
    return f"spiffe://{principal(namespace, service_account)}"


def principal(namespace: str, service_account: str = SERVICE_ACCOUNT) -> str:
    """The identity as `AuthorizationPolicy.rules.from.source.principals` spells it (no scheme)."""
    return f"{TRUST_DOMAIN}/ns/{namespace}/sa/{service_account}"


def dns_name(*parts: str, unique_by: str | None = None) -> str:
    """A DNS-1123 label from `parts`; a short hash keeps it unique and at most 63 characters."""
    stem = "-".join(p for p in (_DNS_UNSAFE.sub("-", part.lower()).strip("-") for part in parts) if p)
    if unique_by is None and len(stem) <= _MAX_NAME:
        return stem
    digest = hashlib.sha256((unique_by or stem).encode()).hexdigest()[:8]
    return f"{stem[: _MAX_NAME - 9].rstrip('-')}-{digest}"


# --------------------------------------------------------------------------------------
# Routes: one Mapping per app host and prefix
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EdgeRoute:
    """One host+prefix of one app in one namespace: becomes one `Mapping`."""

    app: str
    namespace: str
    host: str
    prefix: str
    service: str
    port: int
    name: str
    """The Mapping's name (a DNS label, unique within the edge)."""

    @property
    def upstream(self) -> str:
        """`<service>.<namespace>:<port>`; the explicit port matters for mTLS (else 443 is assumed)."""
        return f"{self.service}.{self.namespace}:{self.port}"


def _prefix_word(prefix: str) -> str:
    return "root" if prefix.strip("/") == "" else prefix


def edge_routes(apps: Iterable[AppConfig]) -> tuple[EdgeRoute, ...]:
    """Every public host x prefix of every app namespace, in config order."""
    raw = [
        (app, ns.name, host, prefix)
        for app in apps
        for ns in app.namespaces
        for host in ns.hosts
        if not host.endswith(INTERNAL_SUFFIX)
        for prefix in app.prefixes
    ]
    plain = [dns_name(app.virtual_name, ns, host, _prefix_word(prefix)) for app, ns, host, prefix in raw]
    routes = []
    for (app, ns, host, prefix), name in zip(raw, plain, strict=False):
        if plain.count(name) > 1 or len(name) > _MAX_NAME:
            name = dns_name(
                app.virtual_name, ns, host, _prefix_word(prefix), unique_by=f"{app.virtual_name}|{ns}|{host}|{prefix}"
            )
        routes.append(EdgeRoute(app.virtual_name, ns, host, prefix, app.service, app.port, name))
    return tuple(routes)


def host_matches(pattern: str, host: str) -> bool:
    """Emissary-style host glob: `*.example.com` matches `a.example.com`, exact names match themselves."""
    return fnmatchcase(host, pattern)


def edge_hostnames(configured: Iterable[str], routes: Iterable[EdgeRoute]) -> tuple[str, ...]:
    """The `Host` names: the configured ones, plus every routed host none of them covers.

    A Mapping is only served through a Host whose hostname matches it, so an app host
    left uncovered would silently be unreachable; it gets its own Host instead.
    """
    names = list(dict.fromkeys(configured))
    for route in routes:
        if route.host not in names and not any(host_matches(pattern, route.host) for pattern in names):
            names.append(route.host)
    return tuple(names)


# --------------------------------------------------------------------------------------
# The Helm releases
# --------------------------------------------------------------------------------------


def crds_values(edge: EmissaryEdgeConfig) -> dict[str, Any]:
    """Values of `emissary-crds-chart`: v3alpha1 only, so no conversion webhook (apiext) runs."""
    return {"enableLegacyVersions": False, "emissary": {"namespace": edge.namespace}}


def istio_pod_annotations() -> dict[str, str]:
    """Annotations that make the Istio sidecar a certificate writer only (Istio >= 1.10)."""
    return {
        "traffic.sidecar.istio.io/includeInboundPorts": "",
        "traffic.sidecar.istio.io/includeOutboundIPRanges": "",
        "proxy.istio.io/config": f"proxyMetadata:\n  OUTPUT_CERTS: {ISTIO_CERT_DIR}\n",
        "sidecar.istio.io/userVolumeMount": json.dumps([{"name": ISTIO_CERT_VOLUME, "mountPath": ISTIO_CERT_DIR}]),
    }


def metrics_pod_annotations() -> dict[str, str]:
    """Prometheus scrapes Emissary's admin port directly.

    Istio's metrics merging is turned off for this pod: it would mix the sidecar's Envoy
    series into Emissary's identically named `envoy_*` series.
    """
    return {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": str(ADMIN_PORT),
        "prometheus.io/path": METRICS_PATH,
        "prometheus.istio.io/merge-metrics": "false",
    }


def tracing_checksum(tracing_service_body: dict[str, Any] | None) -> str:
    """A short hash of the TracingService spec ("none" without one)."""
    if tracing_service_body is None:
        return "none"
    return hashlib.sha256(json.dumps(tracing_service_body["spec"], sort_keys=True).encode()).hexdigest()[:16]


def helm_values(edge: EmissaryEdgeConfig, tracing_service_body: dict[str, Any] | None = None) -> dict[str, Any]:
    """Values of the `emissary-ingress` chart: Service, Istio integration, metrics, identity."""
    return {
        "fullnameOverride": RELEASE_NAME,
        "replicaCount": edge.replicas,
        "createDefaultListeners": False,  # the edge declares its own Listeners
        "ingressClassResource": {"enabled": False},  # configured by Emissary resources only
        "waitForApiext": {"enabled": False},
        "serviceAccount": {"create": True, "name": SERVICE_ACCOUNT},
        "service": {
            "type": edge.service_type,
            "ports": [
                {"name": "http", "port": 80, "targetPort": HTTP_PORT, "protocol": "TCP"},
                {"name": "https", "port": 443, "targetPort": HTTPS_PORT, "protocol": "TCP"},
            ],
        },
        "adminService": {"create": True, "type": "ClusterIP", "port": ADMIN_PORT},
        "podAnnotations": {
            **istio_pod_annotations(),
            **metrics_pod_annotations(),
            TRACING_CHECKSUM_ANNOTATION: tracing_checksum(tracing_service_body),
        },
        "volumes": [{"name": ISTIO_CERT_VOLUME, "emptyDir": {"medium": "Memory"}}],
        "volumeMounts": [{"name": ISTIO_CERT_VOLUME, "mountPath": ISTIO_CERT_DIR, "readOnly": True}],
        "env": {
            "AMBASSADOR_ISTIO_SECRET_DIR": ISTIO_CERT_DIR,
            "AMBASSADOR_ENVOY_BASE_ID": ENVOY_BASE_ID,
        },
    }


# --------------------------------------------------------------------------------------
# Emissary resources (getambassador.io/v3alpha1)
# --------------------------------------------------------------------------------------


def _resource(kind: str, name: str, namespace: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": CR_API,
        "kind": kind,
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {"app.kubernetes.io/part-of": RELEASE_NAME, "app.kubernetes.io/managed-by": "pulumi"},
        },
        "spec": spec,
    }


def upstream_tls_context(namespace: str) -> dict[str, Any]:
    """`istio-upstream`: originate Istio mTLS from the sidecar-provided certificate."""
    return _resource(
        "TLSContext", UPSTREAM_TLS_CONTEXT, namespace, {"secret": ISTIO_CERT_SECRET, "alpn_protocols": ISTIO_ALPN}
    )


def listeners(namespace: str) -> list[dict[str, Any]]:
    """HTTP and HTTPS Listeners; they bind only the Hosts of Emissary's own namespace."""
    binding = {"namespace": {"from": "SELF"}}
    return [
        _resource(
            "Listener",
            f"{RELEASE_NAME}-{protocol.lower()}",
            namespace,
            {"port": port, "protocol": protocol, "securityModel": "XFP", "hostBinding": binding},
        )
        for protocol, port in (("HTTP", HTTP_PORT), ("HTTPS", HTTPS_PORT))
    ]


def host(namespace: str, hostname: str, tls_secret: str) -> dict[str, Any]:
    """A Host terminating TLS with `tls_secret`; plain HTTP is redirected to HTTPS."""
    return _resource(
        "Host",
        dns_name("host", hostname.replace("*", "wildcard")),
        namespace,
        {
            "hostname": hostname,
            "tlsSecret": {"name": tls_secret},
            "requestPolicy": {"insecure": {"action": "Redirect"}},
        },
    )


def mapping(namespace: str, route: EdgeRoute) -> dict[str, Any]:
    """A Mapping to the app's service over Istio mTLS.

    `rewrite` is the prefix itself, so the service sees the request path unchanged
    (Emissary's default rewrite `/` would strip the prefix).
    """
    return _resource(
        "Mapping",
        route.name,
        namespace,
        {
            "hostname": route.host,
            "prefix": route.prefix,
            "rewrite": route.prefix,
            "service": route.upstream,
            "tls": UPSTREAM_TLS_CONTEXT,
        },
    )


def tracing_service(namespace: str, tracing: TracingConfig) -> dict[str, Any] | None:
    """The Zipkin `TracingService` at the mesh's collector (None when tracing is off)."""
    if not tracing.enabled:
        return None
    sampled = math.ceil(tracing.sampling_percent) if tracing.sampling_percent > 0 else 0
    return _resource(
        "TracingService",
        "tracing",
        namespace,
        {
            "service": tracing.zipkin_address,
            "driver": "zipkin",
            "config": {},
            "sampling": {"overall": sampled},
            "custom_tags": [
                {"tag": "host", "request_header": {"name": ":authority"}},
                {"tag": "path", "request_header": {"name": ":path"}},
            ],
        },
    )


def authorization_policy(app_namespace: str, emissary_namespace: str) -> dict[str, Any]:
    """An example `AuthorizationPolicy` that lets only Emissary's identity call an app namespace."""
    return {
        "apiVersion": "security.istio.io/v1",
        "kind": "AuthorizationPolicy",
        "metadata": {"name": "allow-emissary", "namespace": app_namespace},
        "spec": {"action": "ALLOW", "rules": [{"from": [{"source": {"principals": [principal(emissary_namespace)]}}]}]},
    }
