"""The `edge.alb` section: an AWS ALB (AWS Load Balancer Controller) in front of the NodePort gateway."""

from __future__ import annotations

from typing import Annotated

from components.config.base import ConfigModel
from components.config.types import ChartVersion, HelmChartConfig, OneOf, Text, matching

CONTROLLER_CHART = HelmChartConfig("aws-load-balancer-controller", "3.5.0", "https://aws.github.io/eks-charts")
"""Chart 3.5.0 = controller v3.5.0; `iam_policies` matches that release's docs/install/iam_policy.json."""
_ACM_ARN = r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]{36}$"

AcmCertificateArn = Annotated[
    str,
    matching('an ACM certificate ARN "arn:aws:acm:<region>:<account>:certificate/<id>"', _ACM_ARN),
]
SslPolicy = Annotated[
    str,
    Text(
        'an ELB security policy name "ELBSecurityPolicy-..."',
        lambda v: v.startswith("ELBSecurityPolicy-"),
        r"^ELBSecurityPolicy-",
    ),
]


AlbScheme = Annotated[str, OneOf(("internet-facing", "internal"))]


class AlbEdgeConfig(ConfigModel):
    """AWS ALB in front of the NodePort gateway, terminating TLS with an ACM certificate."""

    certificate_arn: AcmCertificateArn
    scheme: AlbScheme = "internet-facing"
    ssl_policy: SslPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06"
    controller_chart_version: ChartVersion = CONTROLLER_CHART.version

    @property
    def controller_chart(self) -> HelmChartConfig:
        return HelmChartConfig(CONTROLLER_CHART.chart, self.controller_chart_version, CONTROLLER_CHART.repository)
