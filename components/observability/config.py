"""The `observability` section: Grafana and Kiali users, add-ons, what they read, and pinned charts.

Kiali and Grafana read Prometheus; Kiali also reads the trace store. Each is either an
endpoint the stack names (an existing install) or installed by the stack from its chart.

The passwords are not in this section: they come only from the secret keys
`grafanaPassword` and `kialiPassword`, attached by the loader as Pulumi secrets.
"""

from __future__ import annotations

from typing import Annotated, Self

import pulumi
from pydantic import Field, PrivateAttr

from components.config.base import ConfigModel
from components.config.types import Bool, ChartVersion, HelmChartConfig, IntegerRange, Name, OneOf, Url, matching

KIALI_STRATEGIES = ("token", "anonymous", "openid", "header")
KIALI_OPERATOR_NAMESPACE = "kiali-operator"
GRAFANA_CHART = HelmChartConfig("grafana", "12.11.1", "https://grafana-community.github.io/helm-charts")
"""Grafana's maintained chart (the grafana/helm-charts copy is deprecated and frozen at 10.5.15)."""
KIALI_OPERATOR_CHART = HelmChartConfig("kiali-operator", "2.29.0", "https://kiali.org/helm-charts")
PROMETHEUS_CHART = HelmChartConfig("prometheus", "29.27.0", "https://prometheus-community.github.io/helm-charts")
"""The chart Istio's own Prometheus add-on is rendered from (samples/addons, manifests/addons/gen.sh)."""
JAEGER_CHART = HelmChartConfig("jaeger", "4.11.1", "https://jaegertracing.github.io/helm-charts")
"""Jaeger v2 all-in-one; its Service serves the Zipkin API on 9411 and the query API on 16685/16686.
Still the newest `jaeger-*` tag of jaegertracing/helm-charts readable here (snapshot of 2026-06-14)."""

ISTIO_DASHBOARDS = {
    "mesh": 7639,
    "service": 7636,
    "workload": 7630,
    "performance": 11829,
    "control_plane": 7645,
}
"""Istio's standard Grafana dashboards by grafana.com ID, as istio.io's Grafana integration page names them."""

DashboardRevision = Annotated[int, IntegerRange(1, 100000)]


class DashboardRevisions(ConfigModel):
    """The grafana.com revision of each Istio dashboard; unset ones are fetched at their latest revision.

    Istio publishes a revision of every dashboard with each release (its description names the
    release); pinning them makes a Grafana restart fetch the same dashboards again.
    """

    mesh: DashboardRevision | None = None
    service: DashboardRevision | None = None
    workload: DashboardRevision | None = None
    performance: DashboardRevision | None = None
    control_plane: DashboardRevision | None = None

    def of(self, dashboard: str) -> int | str:
        """The revision to fetch: the pinned one, else "latest" (grafana.com's newest)."""
        pinned: int | None = getattr(self, dashboard)
        return pinned if pinned is not None else "latest"


class IstioDashboardsConfig(ConfigModel):
    """Whether Grafana provisions Istio's dashboards (fetched from grafana.com when its pod starts)."""

    enabled: Bool = True
    revisions: DashboardRevisions = DashboardRevisions()


class CredentialConfig(ConfigModel):
    """A user name from the stack file and its password from a secret key."""

    _password: pulumi.Output[str] | None = PrivateAttr(default=None)

    @property
    def password(self) -> pulumi.Output[str] | None:
        """The password (a Pulumi secret), or None when its secret key is not set."""
        return self._password

    def with_password(self, password: pulumi.Output[str] | None) -> Self:
        """A copy carrying the password read from the secret key."""
        copy = self.model_copy()
        copy._password = password
        return copy


class GrafanaConfig(CredentialConfig):
    """Grafana's admin user and whether the Grafana add-on is installed."""

    username: Name = "grafana"
    addon: Bool = False
    chart_version: ChartVersion = GRAFANA_CHART.version
    external_url: Url | None = Field(
        default=None,
        description="where a browser reaches this Grafana (Kiali links its dashboards there)",
    )
    istio_dashboards: IstioDashboardsConfig = IstioDashboardsConfig()


KialiStrategy = Annotated[str, OneOf(KIALI_STRATEGIES)]


class KialiConfig(CredentialConfig):
    """Kiali's user, login strategy, and whether the Kiali add-on (operator) is installed."""

    username: Name = "kiali"
    addon: Bool = False
    strategy: KialiStrategy = "token"
    operator_chart_version: ChartVersion = KIALI_OPERATOR_CHART.version


Quantity = Annotated[
    str,
    matching('a storage size such as "8Gi"', r"^[1-9]\d*(Ki|Mi|Gi|Ti|Pi)$"),
]
StorageClassName = Annotated[
    str,
    matching("a StorageClass name", r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$"),
]


class PrometheusPersistenceConfig(ConfigModel):
    """A PersistentVolumeClaim for the installed Prometheus's data (off: metrics live in an emptyDir)."""

    enabled: Bool = False
    size: Quantity = "8Gi"
    storage_class: StorageClassName | None = Field(
        default=None, description="the cluster's default StorageClass when unset"
    )


class PrometheusConfig(ConfigModel):
    """The Prometheus that Kiali and Grafana read: an existing one (`url`), else installed by the stack."""

    url: Url | None = Field(
        default=None,
        description=(
            "an existing Prometheus that scrapes the mesh; "
            "without it the stack installs one when Kiali or Grafana is on"
        ),
    )
    chart_version: ChartVersion = PROMETHEUS_CHART.version
    persistence: PrometheusPersistenceConfig = PrometheusPersistenceConfig()


class TraceStoreConfig(ConfigModel):
    """The trace collector's chart, and where Kiali queries traces when the collector is an existing one."""

    query_url: Url | None = Field(
        default=None,
        description=(
            "the Jaeger query API of an existing collector (istio.tracing.zipkinAddress), for Kiali; without it "
            "Kiali shows no traces for an existing collector"
        ),
    )
    chart_version: ChartVersion = JAEGER_CHART.version
    external_url: Url | None = Field(
        default=None,
        description="where a browser reaches the trace store's UI (Kiali links traces there)",
    )


class ObservabilityConfig(ConfigModel):
    """Grafana and Kiali credentials and optional add-ons, and the Prometheus and trace store they read."""

    grafana: GrafanaConfig = GrafanaConfig()
    kiali: KialiConfig = KialiConfig()
    prometheus: PrometheusConfig = PrometheusConfig()
    tracing: TraceStoreConfig = TraceStoreConfig()

    @property
    def installs_prometheus(self) -> bool:
        """True when Kiali or Grafana is on and no existing Prometheus is named."""
        return (self.grafana.addon or self.kiali.addon) and self.prometheus.url is None

    @property
    def prometheus_chart(self) -> HelmChartConfig:
        return HelmChartConfig(PROMETHEUS_CHART.chart, self.prometheus.chart_version, PROMETHEUS_CHART.repository)

    @property
    def jaeger_chart(self) -> HelmChartConfig:
        return HelmChartConfig(JAEGER_CHART.chart, self.tracing.chart_version, JAEGER_CHART.repository)

    @property
    def grafana_addon(self) -> bool:
        return self.grafana.addon

    @property
    def kiali_addon(self) -> bool:
        return self.kiali.addon

    @property
    def kiali_strategy(self) -> str:
        return self.kiali.strategy

    @property
    def grafana_chart(self) -> HelmChartConfig:
        return HelmChartConfig(GRAFANA_CHART.chart, self.grafana.chart_version, GRAFANA_CHART.repository)

    @property
    def kiali_operator_chart(self) -> HelmChartConfig:
        return HelmChartConfig(
            KIALI_OPERATOR_CHART.chart, self.kiali.operator_chart_version, KIALI_OPERATOR_CHART.repository
        )
