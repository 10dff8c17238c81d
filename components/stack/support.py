"""Support data the preview checks read: which Kubernetes minors each pinned component supports,
and until when EKS and AKS support each minor.

Every row names its source and the date of the source material it was read from (`read_on`).
Dates later than that material are the vendors' announced or expected dates (or, for Istio,
the support policy applied to known release dates) and are marked `projected`; confirm them
when this file is next refreshed. `stale_tables` says which tables are older than the preview
tolerates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class MinorRange:
    """The Kubernetes minors a component release supports (inclusive)."""

    lowest: int
    highest: int
    source: str
    read_on: date
    end_of_life: date | None = None
    projected: bool = False
    end_of_life_source: str | None = None
    """Where the end-of-life date comes from when it is not `source` (e.g. the support policy applied)."""

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
    read_on: date
    projected: bool = False


ISTIO_SOURCE = "https://istio.io/latest/docs/releases/supported-releases/ (data/compatibility/supportStatus.yml)"
ISTIO_RELEASES = "https://github.com/istio/istio/releases (1.30.4 on 2026-08-27, 1.31.0 on 2026-08-31)"
ISTIO_POLICY_EOL = "support policy: six weeks after 1.31.0 (2026-08-31, https://github.com/istio/istio/releases)"
ISTIO_READ_ON = date(2026, 8, 22)
"""supportStatus.yml as copied by endoflife.date (products/istio.md, unchanged from 2026-07-17 to the
snapshot read, dated 2026-08-22)."""
ISTIO_RELEASES_READ_ON = date(2026, 8, 31)
ISTIO_KUBERNETES: dict[str, MinorRange] = {
    "1.27": MinorRange(29, 33, ISTIO_SOURCE, ISTIO_READ_ON, date(2026, 4, 7)),
    "1.28": MinorRange(30, 34, ISTIO_SOURCE, ISTIO_READ_ON, date(2026, 7, 1)),
    # Support ends six weeks after the N+2 minor: 1.31.0 came out on 2026-08-31.
    "1.29": MinorRange(
        31, 35, ISTIO_SOURCE, ISTIO_RELEASES_READ_ON, date(2026, 10, 12), end_of_life_source=ISTIO_POLICY_EOL
    ),
    # Six weeks after 1.32.0, which no source read here shows; istio.io expected "~Nov 2026".
    "1.30": MinorRange(32, 36, ISTIO_SOURCE, ISTIO_READ_ON, date(2026, 11, 30), projected=True),
    # Floor: istioctl's MinK8SVersion is 32 at 1.31.0-rc.0 (read first-hand). Ceiling 1.36: the
    # 1.31.0 announcement, known here only as quoted by a third-party note. End of life: six
    # weeks after 1.33.0, which no source shows; istio.io expected "~Feb 2027" (same note).
    "1.31": MinorRange(32, 36, ISTIO_RELEASES, ISTIO_RELEASES_READ_ON, date(2027, 2, 28), projected=True),
}
"""Istio minor -> supported Kubernetes minors and (expected) end of life."""

AKO_SOURCE = (
    "https://github.com/vmware/load-balancer-and-ingress-services-for-kubernetes/blob/master/"
    "CHANGELOG.md (2.1.1: Kubernetes 1.34; no later claim as of 2.2.1)"
)
AKO_KUBERNETES = MinorRange(19, 34, AKO_SOURCE, date(2026, 8, 22))
"""Kubernetes minors AKO (chart 2.2.1) states it supports."""

EKS_SOURCE = "https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html"
EKS_READ_ON = date(2026, 8, 22)
"""The EKS release calendar as copied by endoflife.date (products/amazon-eks.md, unchanged from
2026-07-08 to the snapshot read, dated 2026-08-22); the awsdocs repository readable here stops in 2024."""
EKS_SUPPORT: dict[int, CloudSupport] = {
    31: CloudSupport(date(2025, 11, 26), date(2026, 11, 26), EKS_SOURCE, EKS_READ_ON),
    32: CloudSupport(date(2026, 3, 23), date(2027, 3, 23), EKS_SOURCE, EKS_READ_ON),
    33: CloudSupport(date(2026, 7, 29), date(2027, 7, 29), EKS_SOURCE, EKS_READ_ON),
    34: CloudSupport(date(2026, 12, 2), date(2027, 12, 2), EKS_SOURCE, EKS_READ_ON),
    35: CloudSupport(date(2027, 3, 27), date(2028, 3, 27), EKS_SOURCE, EKS_READ_ON),
    36: CloudSupport(date(2027, 8, 2), date(2028, 8, 2), EKS_SOURCE, EKS_READ_ON),
}
"""EKS: end of standard support, then of (paid) extended support, per minor. 1.37 is in no source read."""
EKS_EXTENDED_COST = (
    "EKS bills a cluster in extended support at a higher hourly control-plane rate "
    "(https://aws.amazon.com/eks/pricing/)"
)

AKS_SOURCE = "https://learn.microsoft.com/azure/aks/supported-kubernetes-versions"
AKS_READ_ON = date(2026, 8, 21)
"""MicrosoftDocs/azure-aks-docs articles/aks/supported-kubernetes-versions.md (ms.date 08/05/2026), in the
snapshot read, dated 2026-08-21."""
AKS_SUPPORT: dict[int, CloudSupport] = {
    31: CloudSupport(date(2025, 11, 1), date(2026, 11, 30), AKS_SOURCE, AKS_READ_ON),
    32: CloudSupport(date(2026, 3, 31), date(2027, 3, 31), AKS_SOURCE, AKS_READ_ON),
    33: CloudSupport(date(2026, 7, 31), date(2027, 7, 31), AKS_SOURCE, AKS_READ_ON),
    34: CloudSupport(date(2026, 11, 30), date(2027, 11, 30), AKS_SOURCE, AKS_READ_ON),
    35: CloudSupport(date(2027, 3, 31), date(2028, 3, 31), AKS_SOURCE, AKS_READ_ON),
    36: CloudSupport(date(2027, 6, 30), date(2028, 6, 30), AKS_SOURCE, AKS_READ_ON),
    # Planned when read: GA October 2026, after the material's date.
    37: CloudSupport(date(2027, 10, 31), date(2028, 10, 31), AKS_SOURCE, AKS_READ_ON, projected=True),
}
"""AKS: end of community support, then of long-term support (LTS), per minor (month ends)."""
AKS_LTS_COST = (
    "AKS long-term support needs the Premium tier and the AKSLongTermSupport plan, billed per "
    "cluster hour (https://learn.microsoft.com/azure/aks/long-term-support)"
)

CLOUD_SUPPORT = {"eks": EKS_SUPPORT, "aks": AKS_SUPPORT}
PAID_TAIL = {"eks": ("extended support", EKS_EXTENDED_COST), "aks": ("long-term support (LTS)", AKS_LTS_COST)}

SUPPORT_TABLES: dict[str, list[MinorRange] | list[CloudSupport]] = {
    "Istio": list(ISTIO_KUBERNETES.values()),
    "AKO": [AKO_KUBERNETES],
    "EKS": list(EKS_SUPPORT.values()),
    "AKS": list(AKS_SUPPORT.values()),
}
MAX_DATA_AGE = timedelta(days=90)
"""Support data older than this gets a preview warning: vendors move dates and add minors."""


def read_on(rows: list[MinorRange] | list[CloudSupport]) -> date:
    """When a table was last read: the newest source material any of its rows came from."""
    return max(row.read_on for row in rows)


def stale_tables(today: date) -> dict[str, date]:
    """Tables whose newest source material is older than MAX_DATA_AGE on `today`, with that date."""
    dates = {name: read_on(rows) for name, rows in SUPPORT_TABLES.items()}
    return {name: when for name, when in dates.items() if today - when > MAX_DATA_AGE}


def newest_istio_minor() -> str:
    """The newest Istio minor the table has a row for."""
    return max(ISTIO_KUBERNETES, key=lambda minor: minor_of(minor))


def minor_of(version: str) -> int:
    """ "1.35" or "1.30.3" -> the minor number (35, 30)."""
    return int(version.lstrip("v").split(".")[1])


def istio_minor(version: str) -> str:
    """ "1.30.3" -> "1.30"."""
    major, minor = version.lstrip("v").split(".")[:2]
    return f"{major}.{minor}"
