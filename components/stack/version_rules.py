"""Preview-time version checks: Kubernetes inside the pinned Istio's and AKO's ranges, and the
cluster's minor still in standard support on EKS/AKS on the day of the preview. An Istio minor
newer than the table is refused unless the stack acknowledges it (`istio.allowUnlistedVersion`),
then rendered with a warning: a stale table must never block a security upgrade.

The data lives in `components.stack.support`; each message names the source it came from.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from components.config.base import Problems
from components.stack.support import (
    AKO_KUBERNETES,
    CLOUD_SUPPORT,
    ISTIO_KUBERNETES,
    ISTIO_SOURCE,
    MAX_DATA_AGE,
    PAID_TAIL,
    CloudSupport,
    istio_minor,
    minor_of,
    newest_istio_minor,
    stale_tables,
)

if TYPE_CHECKING:  # model.py imports the rules, which import this module
    from components.stack.model import StackConfig


def version_rules(config: StackConfig, today: date) -> Problems:
    """Every version problem of the stack, judged on `today`."""
    return [*_istio_covers_kubernetes(config), *_cloud_support(config, today), *_ako_covers_kubernetes(config)]


EOL_NOTICE = timedelta(days=45)
ACKNOWLEDGE_UNLISTED = "istio.allowUnlistedVersion: true"


def version_warnings(config: StackConfig, today: date) -> list[str]:
    """Things to say at preview that are not errors: the pinned Istio minor at or near its end of
    life, an acknowledged Istio minor newer than the table, and support data gone stale."""
    return [*_istio_lifecycle(config, today), *_unlisted_istio(config), *_stale_support_data(today)]


def _istio_lifecycle(config: StackConfig, today: date) -> list[str]:
    minor = istio_minor(config.istio.version)
    row = ISTIO_KUBERNETES.get(minor)
    if row is None or row.end_of_life is None or today + EOL_NOTICE < row.end_of_life:
        return []
    when = "expected around" if row.projected else "on"
    state = "reaches" if today < row.end_of_life else "reached"
    newer = [m for m in ISTIO_KUBERNETES if minor_of(m) > minor_of(minor)]
    move = f"move istio.version to {newer[-1]}.x" if newer else "move istio.version to a supported minor"
    source = row.end_of_life_source or row.source
    return [f"Istio {minor} {state} end of life {when} {row.end_of_life.isoformat()} ({source}); {move}"]


def _is_newer_than_table(version: str) -> bool:
    return minor_of(version) > minor_of(newest_istio_minor())


def _unlisted_istio(config: StackConfig) -> list[str]:
    version = config.istio.version
    if istio_minor(version) in ISTIO_KUBERNETES or not _is_newer_than_table(version):
        return []
    return [
        f"Istio {version} is newer than the project's compatibility table (newest row: "
        f"{newest_istio_minor()}); rendered because of {ACKNOWLEDGE_UNLISTED}, without checking its "
        f"Kubernetes range or its chart values against upstream; add its row to components/stack/support.py"
    ]


def _stale_support_data(today: date) -> list[str]:
    stale = stale_tables(today)
    if not stale:
        return []
    oldest = min(stale.values())
    tables = ", ".join(f"{name} (read {when.isoformat()})" for name, when in stale.items())
    return [
        f"the version support data is {(today - oldest).days} days old, more than "
        f"{MAX_DATA_AGE.days}: {tables}; vendors may have moved dates or added minors since, so "
        "refresh components/stack/support.py from the sources each row names"
    ]


def _istio_covers_kubernetes(config: StackConfig) -> Problems:
    kubernetes, istio = config.cluster.kubernetes_version, config.istio.version
    supported = ISTIO_KUBERNETES.get(istio_minor(istio))
    if supported is None:
        return _unlisted_istio_problems(config)
    if not supported.covers(minor_of(kubernetes)):
        return [
            (
                "cluster.kubernetesVersion",
                f"Kubernetes {kubernetes} is outside Istio {istio_minor(istio)}'s "
                f"supported range {supported.text()} ({supported.source}); pick a "
                f"minor in that range or an Istio release that supports {kubernetes}",
            )
        ]
    return []


def _unlisted_istio_problems(config: StackConfig) -> Problems:
    """A minor newer than the table passes once acknowledged (a security release must never be
    blocked by a stale table); an older one has no data and no such excuse."""
    istio = config.istio.version
    known = ", ".join(ISTIO_KUBERNETES)
    if not _is_newer_than_table(istio):
        return [
            (
                "istio.version",
                f"Istio {istio_minor(istio)} is not in the project's compatibility table (known: "
                f"{known}); pick one of those minors",
            )
        ]
    if config.istio.allow_unlisted_version:
        return []
    return [
        (
            "istio.version",
            f"Istio {istio_minor(istio)} is newer than the project's compatibility table (known: {known}); "
            f"set {ACKNOWLEDGE_UNLISTED} to install it with a warning (its Kubernetes range unchecked), "
            f"or add its row with its Kubernetes range from {ISTIO_SOURCE}",
        )
    ]


def _cloud_support(config: StackConfig, today: date) -> Problems:
    kind = config.cluster.kind
    table = CLOUD_SUPPORT.get(kind)
    if table is None:
        return []
    version = config.cluster.kubernetes_version
    support = table.get(minor_of(version))
    cloud = kind.upper()
    tail, cost = PAID_TAIL[kind]
    if support is None:
        known = ", ".join(f"1.{minor}" for minor in sorted(table))
        return [
            (
                "cluster.kubernetesVersion",
                f"{cloud} support dates for Kubernetes {version} are not in the "
                f"project's table (known: {known}); pick a known minor",
            )
        ]
    if today <= support.standard_until:
        return []
    if today > support.extended_until:
        return [
            (
                "cluster.kubernetesVersion",
                f"{cloud} ended all support for Kubernetes {version} on "
                f"{support.extended_until.isoformat()} ({support.source}); pick a "
                "supported minor such as " + _current(table, today),
            )
        ]
    if config.cluster.extended_support:
        return []
    return [
        (
            "cluster.kubernetesVersion",
            f"{cloud} standard support for Kubernetes {version} ended on "
            f"{support.standard_until.isoformat()} ({support.source}); pick a minor in "
            f"standard support such as {_current(table, today)}, or set "
            f"cluster.extendedSupport: true to run it in {tail} until "
            f"{support.extended_until.isoformat()}, which costs extra: {cost}",
        )
    ]


def _current(table: dict[int, CloudSupport], today: date) -> str:
    current = [
        minor for minor, support in sorted(table.items()) if support.standard_until >= today and not support.projected
    ]
    return ", ".join(f"1.{minor}" for minor in current) or "a newer minor"


def _ako_covers_kubernetes(config: StackConfig) -> Problems:
    if not config.ako.enabled or config.cluster.ako_outside_supported_kubernetes:
        return []
    version = config.cluster.kubernetes_version
    if AKO_KUBERNETES.covers(minor_of(version)):
        return []
    return [
        (
            "cluster.kubernetesVersion",
            f"AKO states support for Kubernetes {AKO_KUBERNETES.text()} "
            f"({AKO_KUBERNETES.source}); Kubernetes {version} is outside it. Pick "
            f"1.{AKO_KUBERNETES.highest} or older, or set "
            "cluster.akoOutsideSupportedKubernetes: true to run AKO there untested",
        )
    ]
