"""Pure builders for Grafana and Kiali: credential Secret layout, chart values, the Kiali CR.

The credentials live in Secrets `grafana` and `kiali` (keys `username` and
`passphrase`) in the Istio namespace. Grafana's chart reads its admin login from that
Secret (`admin.existingSecret`); Kiali no longer has a `login` strategy, so its Secret is
kept for tools that read it, and Kiali itself authenticates with a supported strategy.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from components.mesh.config import COLLECTOR_SERVICE, IstioConfig
from components.observability.config import (
    ISTIO_DASHBOARDS,
    GrafanaConfig,
    IstioDashboardsConfig,
    ObservabilityConfig,
    PrometheusPersistenceConfig,
)

USERNAME_KEY = "username"
PASSWORD_KEY = "passphrase"
GRAFANA_SECRET = "grafana"
KIALI_SECRET = "kiali"
KIALI_API = "kiali.io/v1alpha1"

SUPPORTED_KIALI_STRATEGIES = ("anonymous", "header", "openid", "openshift", "token")
"""Kiali's authentication strategies today; `login` (and `ldap`) were removed."""


def credential_labels(app: str) -> dict[str, str]:
    """Labels of a credential Secret (labelled with the app they belong to)."""
    return {"app": app, "app.kubernetes.io/managed-by": "pulumi"}


PROMETHEUS_SERVICE = "prometheus"
PROMETHEUS_PORT = 9090
JAEGER_QUERY_GRPC_PORT = 16685


def prometheus_url(istio_namespace: str) -> str:
    """Where the Prometheus installed by `prometheus_values` answers (Istio's add-on address)."""
    return f"http://{PROMETHEUS_SERVICE}.{istio_namespace}:{PROMETHEUS_PORT}"


@dataclass(frozen=True)
class TraceQuery:
    """Where Kiali reads traces."""

    url: str
    grpc: bool


@dataclass(frozen=True)
class Endpoints:
    """Every address the add-ons and the mesh read, and whether the stack installs what serves it."""

    prometheus_url: str | None
    installs_prometheus: bool
    zipkin_address: str | None
    installs_collector: bool
    trace_query: TraceQuery | None

    @property
    def addon_prometheus_url(self) -> str:
        """The Prometheus Grafana and Kiali read: there is one whenever either add-on is on."""
        if self.prometheus_url is None:
            raise ValueError("no Prometheus is installed or named: neither Grafana nor Kiali is on")
        return self.prometheus_url


def endpoints(observability: ObservabilityConfig, istio: IstioConfig) -> Endpoints:
    """What Kiali, Grafana, the sidecars and the edge read: named in config, or installed here."""
    ns = istio.namespace
    installs_prometheus = observability.installs_prometheus
    prometheus = prometheus_url(ns) if installs_prometheus else observability.prometheus.url
    tracing, installs_collector = istio.resolved_tracing, istio.tracing.installs_collector
    query = None
    if installs_collector:
        query = TraceQuery(f"http://{COLLECTOR_SERVICE}.{ns}:{JAEGER_QUERY_GRPC_PORT}", grpc=True)
    elif tracing.enabled and observability.tracing.query_url:
        query = TraceQuery(observability.tracing.query_url, grpc=False)
    return Endpoints(
        prometheus, installs_prometheus, tracing.zipkin_address if tracing.enabled else None, installs_collector, query
    )


def prometheus_values(persistence: PrometheusPersistenceConfig | None = None) -> dict[str, Any]:
    """Values of the `prometheus` chart as Istio's add-on sets them: the server only, Service
    `prometheus:9090`, no sidecar, and the chart's pod-annotation scrape jobs, which read the
    `prometheus.io/*` annotations Istio's metrics merging puts on every injected pod
    (https://istio.io/latest/docs/ops/integrations/prometheus/). With `persistence` on, the server keeps
    its data on a PersistentVolumeClaim (the chart's `Recreate` strategy lets a new pod attach it)."""
    volume: dict[str, Any] = {"enabled": False}
    if persistence is not None and persistence.enabled:
        volume = {"enabled": True, "size": persistence.size}
        if persistence.storage_class:
            volume["storageClass"] = persistence.storage_class
    return {
        "alertmanager": {"enabled": False},
        "prometheus-pushgateway": {"enabled": False},
        "kube-state-metrics": {"enabled": False},
        "prometheus-node-exporter": {"enabled": False},
        "server": {
            "fullnameOverride": PROMETHEUS_SERVICE,
            "podLabels": {"sidecar.istio.io/inject": "false"},
            "persistentVolume": volume,
            "service": {"servicePort": PROMETHEUS_PORT},
            "global": {"scrape_interval": "15s"},
        },
    }


def jaeger_values() -> dict[str, Any]:
    """Values of the `jaeger` chart: the all-in-one collector as Service `jaeger` (Zipkin API on
    9411, query on 16685/16686), outside the mesh so spans never loop through a sidecar."""
    return {"fullnameOverride": COLLECTOR_SERVICE, "jaeger": {"podLabels": {"sidecar.istio.io/inject": "false"}}}


def grafana_service_url(istio_namespace: str) -> str:
    """Grafana's in-cluster address when installed by `grafana_values`."""
    return f"http://grafana.{istio_namespace}:80"


DASHBOARD_LABEL = {"grafana_dashboard": "1"}
"""ConfigMaps with this label in the Istio namespace are loaded as Grafana dashboards."""


DATASOURCE_NAME = "Prometheus"
ISTIO_DASHBOARD_PROVIDER = "istio"
CREDENTIALS_CHECKSUM_ANNOTATION = "mesh-platform/grafana-credentials"
"""Pod-template annotation that changes with the `grafana` Secret, so a new password rolls Grafana."""


def credentials_checksum(username: str, password: str) -> str:
    """A short hash of Grafana's login; the program keeps it a Pulumi secret, as it derives from one."""
    return hashlib.sha256(f"{username}\0{password}".encode()).hexdigest()[:16]


def istio_dashboard_values(dashboards: IstioDashboardsConfig) -> dict[str, Any]:
    """`dashboardProviders` and `dashboards` of the `grafana` chart: Istio's dashboards in folder
    "Istio", each fetched from grafana.com by ID (the chart's download init container) at its
    pinned revision, else the latest; empty when they are off."""
    if not dashboards.enabled:
        return {}
    provider = {
        "name": ISTIO_DASHBOARD_PROVIDER,
        "orgId": 1,
        "folder": "Istio",
        "type": "file",
        "disableDeletion": False,
        "editable": False,
        "options": {"path": f"/var/lib/grafana/dashboards/{ISTIO_DASHBOARD_PROVIDER}"},
    }
    return {
        "dashboardProviders": {"dashboardproviders.yaml": {"apiVersion": 1, "providers": [provider]}},
        "dashboards": {
            ISTIO_DASHBOARD_PROVIDER: {
                f"istio-{name.replace('_', '-')}": {
                    "gnetId": gnet_id,
                    "revision": dashboards.revisions.of(name),
                    "datasource": DATASOURCE_NAME,
                }
                for name, gnet_id in ISTIO_DASHBOARDS.items()
            }
        },
    }


def grafana_values(
    istio_namespace: str,
    prometheus: str,
    grafana: GrafanaConfig | None = None,
    credentials_checksum: Any = None,
) -> dict[str, Any]:
    """Values of the `grafana` chart: admin login from the `grafana` Secret, Prometheus datasource,
    the dashboard sidecar that loads labelled ConfigMaps (e.g. the Emissary dashboard), Istio's
    dashboards, and `credentials_checksum` (a Pulumi secret) on the pod template: Grafana takes its
    admin password only when it creates its database, which without persistence is at every start."""
    ((label, label_value),) = DASHBOARD_LABEL.items()
    grafana = grafana or GrafanaConfig()
    pod_annotations: dict[str, Any] = {"sidecar.istio.io/inject": "false"}
    if credentials_checksum is not None:
        pod_annotations[CREDENTIALS_CHECKSUM_ANNOTATION] = credentials_checksum
    return {
        **istio_dashboard_values(grafana.istio_dashboards),
        "sidecar": {
            "dashboards": {
                "enabled": True,
                "label": label,
                "labelValue": label_value,
                "searchNamespace": istio_namespace,
            }
        },
        "fullnameOverride": "grafana",
        "admin": {"existingSecret": GRAFANA_SECRET, "userKey": USERNAME_KEY, "passwordKey": PASSWORD_KEY},
        "datasources": {
            "datasources.yaml": {
                "apiVersion": 1,
                "datasources": [
                    {
                        "name": DATASOURCE_NAME,
                        "type": "prometheus",
                        "access": "proxy",
                        "isDefault": True,
                        "url": prometheus,
                    }
                ],
            }
        },
        "podAnnotations": pod_annotations,
    }


def kiali_operator_values() -> dict[str, Any]:
    """Values of the `kiali-operator` chart: the operator only; the Kiali CR is declared separately."""
    return {"cr": {"create": False}, "watchNamespace": ""}


def kiali_cr(
    istio_namespace: str,
    strategy: str,
    prometheus: str,
    grafana_username: str | None = None,
    traces: TraceQuery | None = None,
    grafana_external_url: str | None = None,
    tracing_external_url: str | None = None,
) -> dict[str, Any]:
    """The `Kiali` resource the operator installs Kiali from; links Grafana when its user is given
    and the trace store when there is one (else tracing stays off rather than pointing nowhere).
    The external URLs are where the user's browser follows Kiali's links (the internal ones are
    cluster addresses a browser cannot reach)."""
    if strategy not in SUPPORTED_KIALI_STRATEGIES:
        raise ValueError(f"Kiali has no {strategy!r} strategy; expected one of {', '.join(SUPPORTED_KIALI_STRATEGIES)}")
    external: dict[str, Any] = {"prometheus": {"url": prometheus}}
    if traces is not None:
        external["tracing"] = {
            "enabled": True,
            "provider": "jaeger",
            "internal_url": traces.url,
            "use_grpc": traces.grpc,
        }
        if tracing_external_url:
            external["tracing"]["external_url"] = tracing_external_url
    else:
        external["tracing"] = {"enabled": False}
    if grafana_username:
        external["grafana"] = {
            "enabled": True,
            "internal_url": grafana_service_url(istio_namespace),
            # Kiali resolves "secret:<name>:<key>" in its own namespace: no password in the CR.
            "auth": {
                "type": "basic",
                "username": grafana_username,
                "password": f"secret:{GRAFANA_SECRET}:{PASSWORD_KEY}",
            },
        }
        if grafana_external_url:
            external["grafana"]["external_url"] = grafana_external_url
    else:
        external["grafana"] = {"enabled": False}
    return {
        "apiVersion": KIALI_API,
        "kind": "Kiali",
        "metadata": {"name": "kiali", "namespace": istio_namespace},
        "spec": {
            "istio_namespace": istio_namespace,
            "auth": {"strategy": strategy},
            "deployment": {"view_only_mode": False},
            "external_services": external,
        },
    }
