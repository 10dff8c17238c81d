"""The `observability` section: Grafana and Kiali users, add-ons and pinned charts.

The passwords are not in this section: they come only from the secret keys
`grafanaPassword` and `kialiPassword`, attached by the loader as Pulumi secrets.
"""

from __future__ import annotations

from typing import Optional

import pulumi
from pydantic import PrivateAttr

from components.config.base import ConfigModel
from components.config.types import Bool, ChartVersion, HelmChartConfig, Name, choice

KIALI_STRATEGIES = ("token", "anonymous", "openid", "header")
GRAFANA_CHART = HelmChartConfig("grafana", "10.1.4", "https://grafana.github.io/helm-charts")
KIALI_OPERATOR_CHART = HelmChartConfig("kiali-operator", "2.17.0", "https://kiali.org/helm-charts")


class CredentialConfig(ConfigModel):
    """A user name from the stack file and its password from a secret key."""

    _password: Optional[pulumi.Output[str]] = PrivateAttr(default=None)

    @property
    def password(self) -> Optional[pulumi.Output[str]]:
        """The password (a Pulumi secret), or None when its secret key is not set."""
        return self._password

    def with_password(self, password: Optional[pulumi.Output[str]]):
        """A copy carrying the password read from the secret key."""
        copy = self.model_copy()
        copy._password = password
        return copy


class GrafanaConfig(CredentialConfig):
    """Grafana's admin user and whether the Grafana add-on is installed."""

    username: Name = "grafana"
    addon: Bool = False
    chart_version: ChartVersion = GRAFANA_CHART.version


class KialiConfig(CredentialConfig):
    """Kiali's user, login strategy, and whether the Kiali add-on (operator) is installed."""

    username: Name = "kiali"
    addon: Bool = False
    strategy: choice(*KIALI_STRATEGIES) = "token"
    operator_chart_version: ChartVersion = KIALI_OPERATOR_CHART.version


class ObservabilityConfig(ConfigModel):
    """Grafana and Kiali credentials and optional add-ons."""

    grafana: GrafanaConfig = GrafanaConfig()
    kiali: KialiConfig = KialiConfig()

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
        return HelmChartConfig(KIALI_OPERATOR_CHART.chart, self.kiali.operator_chart_version,
                               KIALI_OPERATOR_CHART.repository)
