"""Support data the preview checks read: which Kubernetes minors each pinned component supports,
and until when EKS and AKS support each minor.

Every row names its source. The tables were read from the vendors' own pages (and the
endoflife.date repository that copies them) as published on or before 2026-08-22; rows
for later events are marked `projected` and should be confirmed against the source
when this file is next refreshed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

AS_OF = date(2026, 8, 22)
"""The newest source material these tables were read from."""


@dataclass(frozen=True)
class MinorRange:
    """The Kubernetes minors a component release supports (inclusive)."""

    lowest: int
    highest: int
    source: str
    end_of_life: date | None = None
    projected: bool = False

    def covers(self, minor: int) -> bool:
        return self.lowest <= minor <= self.highest

    def text(self) -> str:
        return f"1.{self.lowest}-1.{self.highest}"


@dataclass(frozen=True)
class CloudSupport:
    """How long a cloud supports one Kubernetes minor: standard support, then the paid tail."""

    standard_until: date
    extended_until: date
    source: str
    projected: bool = False


ISTIO_SOURCE = "https://istio.io/latest/docs/releases/supported-releases/ (data/compatibility/supportStatus.yml)"
ISTIO_KUBERNETES: dict[str, MinorRange] = {
    "1.27": MinorRange(29, 33, ISTIO_SOURCE, date(2026, 4, 7)),
    "1.28": MinorRange(30, 34, ISTIO_SOURCE, date(2026, 7, 1)),
    "1.29": MinorRange(31, 35, ISTIO_SOURCE, date(2026, 8, 31), projected=True),
    "1.30": MinorRange(32, 36, ISTIO_SOURCE, date(2026, 11, 30), projected=True),
}
"""Istio minor -> supported Kubernetes minors and (expected) end of life."""

AKO_SOURCE = (
    "https://github.com/vmware/load-balancer-and-ingress-services-for-kubernetes/blob/master/"
    "CHANGELOG.md (2.1.1: Kubernetes 1.34; no later claim as of 2.2.1)"
)
AKO_KUBERNETES = MinorRange(19, 34, AKO_SOURCE)
"""Kubernetes minors AKO (chart 2.2.1) states it supports."""

EKS_SOURCE = "https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html"
EKS_SUPPORT: dict[int, CloudSupport] = {
    31: CloudSupport(date(2025, 11, 26), date(2026, 11, 26), EKS_SOURCE),
    32: CloudSupport(date(2026, 3, 23), date(2027, 3, 23), EKS_SOURCE),
    33: CloudSupport(date(2026, 7, 29), date(2027, 7, 29), EKS_SOURCE),
    34: CloudSupport(date(2026, 12, 2), date(2027, 12, 2), EKS_SOURCE),
    35: CloudSupport(date(2027, 3, 27), date(2028, 3, 27), EKS_SOURCE),
    36: CloudSupport(date(2027, 8, 2), date(2028, 8, 2), EKS_SOURCE),
}
"""EKS: end of standard support, then of (paid) extended support, per minor."""
EKS_EXTENDED_COST = (
    "EKS bills a cluster in extended support at a higher hourly control-plane rate "
    "(https://aws.amazon.com/eks/pricing/)"
)

AKS_SOURCE = "https://learn.microsoft.com/azure/aks/supported-kubernetes-versions"
AKS_SUPPORT: dict[int, CloudSupport] = {
    31: CloudSupport(date(2025, 11, 1), date(2026, 11, 30), AKS_SOURCE),
    32: CloudSupport(date(2026, 3, 31), date(2027, 3, 31), AKS_SOURCE),
    33: CloudSupport(date(2026, 7, 31), date(2027, 7, 31), AKS_SOURCE),
    34: CloudSupport(date(2026, 11, 30), date(2027, 11, 30), AKS_SOURCE),
    35: CloudSupport(date(2027, 3, 31), date(2028, 3, 31), AKS_SOURCE),
    36: CloudSupport(date(2027, 6, 30), date(2028, 6, 30), AKS_SOURCE),
    37: CloudSupport(date(2027, 10, 31), date(2028, 10, 31), AKS_SOURCE, projected=True),
}
"""AKS: end of community support, then of long-term support (LTS), per minor (month ends)."""
AKS_LTS_COST = (
    "AKS long-term support needs the Premium tier and the AKSLongTermSupport plan, billed per "
    "cluster hour (https://learn.microsoft.com/azure/aks/long-term-support)"
)

CLOUD_SUPPORT = {"eks": EKS_SUPPORT, "aks": AKS_SUPPORT}
PAID_TAIL = {"eks": ("extended support", EKS_EXTENDED_COST), "aks": ("long-term support (LTS)", AKS_LTS_COST)}


def minor_of(version: str) -> int:
    """ "1.35" or "1.30.3" -> the minor number (35, 30)."""
    return int(version.lstrip("v").split(".")[1])


def istio_minor(version: str) -> str:
    """ "1.30.3" -> "1.30"."""
    major, minor = version.lstrip("v").split(".")[:2]
    return f"{major}.{minor}"
