"""The `edge.emissary` section (`edge.ambassador` in older stacks): Emissary-ingress in front of Istio."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import model_validator

from components.config.base import ConfigModel, filled_by_validator
from components.config.types import (
    ChartRepository,
    HelmChartConfig,
    HostName,
    NamespaceName,
    OneOf,
    Replicas,
    Text,
    dns_label,
    is_semver,
)

EMISSARY_VERSION = "4.1.0"
"""Emissary 4.x: chart and app versions are aligned; 4.1.0 fixes Istio cert rotation (emissary#4744)."""
EMISSARY_REPOSITORY = "oci://ghcr.io/emissary-ingress"
"""Since 4.0 Emissary's charts (app and CRDs) are published only to GHCR."""
_LEGACY_EMISSARY_CHART_MAJORS = (6, 7, 8)


def is_emissary_chart_version(value: str) -> bool:
    """A 4.x-or-later chart; 6.x-8.x are the old app.getambassador.io charts (Emissary 1-3, CRDs by kubectl)."""
    major = int(value.lstrip("v").split(".")[0]) if is_semver(value) else -1
    return major >= 4 and major not in _LEGACY_EMISSARY_CHART_MAJORS


EmissaryChartVersion = Annotated[
    str,
    Text(
        f'an Emissary 4.x chart version such as "{EMISSARY_VERSION}" (charts 6.x-8.x are the retired '
        "app.getambassador.io charts of Emissary 1-3)",
        is_emissary_chart_version,
        r"^v?([4-5]|9|\d{2,})\.\d+\.\d+(-[0-9A-Za-z.-]+)?$",
    ),
]


EmissaryServiceType = Annotated[str, OneOf(("LoadBalancer", "NodePort"))]
SecretName = Annotated[str, dns_label("a secret name")]


class EmissaryEdgeConfig(ConfigModel):
    """Emissary-ingress in front of the (internal) Istio ingress gateway."""

    namespace: NamespaceName = "emissary"
    chart_version: EmissaryChartVersion = EMISSARY_VERSION
    crds_chart_version: EmissaryChartVersion = filled_by_validator("defaults to chartVersion")
    repository: ChartRepository = EMISSARY_REPOSITORY
    service_type: EmissaryServiceType = "LoadBalancer"
    hostnames: tuple[HostName, ...] = ()
    tls_secret_name: SecretName | None = None
    replicas: Replicas = 2

    @model_validator(mode="before")
    @classmethod
    def _crds_follow_the_chart(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("crdsChartVersion") is None and "crds_chart_version" not in data:
            chart = data.get("chartVersion", data.get("chart_version"))
            valid = isinstance(chart, str) and is_emissary_chart_version(chart)
            return {**data, "crdsChartVersion": chart if valid else EMISSARY_VERSION}
        return data

    @property
    def chart(self) -> HelmChartConfig:
        return HelmChartConfig("emissary-ingress", self.chart_version, self.repository)

    @property
    def crds_chart(self) -> HelmChartConfig:
        return HelmChartConfig("emissary-crds-chart", self.crds_chart_version, self.repository)
