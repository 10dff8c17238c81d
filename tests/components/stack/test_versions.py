"""Preview-time version checks: Istio's Kubernetes range, EKS/AKS standard support on the day, AKO's range."""

from __future__ import annotations

import copy
from datetime import date, timedelta

import pytest

from components.cluster.config import KUBERNETES_VERSION
from components.config.errors import ConfigError
from components.mesh.config import ISTIO_VERSION
from components.stack.loader import load_stack_config
from components.stack.support import (
    AKS_SUPPORT,
    EKS_SUPPORT,
    ISTIO_KUBERNETES,
    SUPPORT_TABLES,
    istio_minor,
    minor_of,
    newest_istio_minor,
    read_on,
)
from components.stack.version_rules import version_warnings
from tests.components.stack.test_config import DictSource

TODAY = date(2026, 11, 22)
EKS = {
    "kind": "eks",
    "eks": {"publicAccessCidrs": ["203.0.113.0/24"], "vpc": {"availabilityZones": ["eu-west-1a", "eu-west-1b"]}},
}
AKS = {"kind": "aks", "aks": {"location": "westeurope"}}
ARN = "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789"


def stack(cluster: dict, **extra) -> dict:
    edge = {"kind": "alb", "alb": {"certificateArn": ARN}} if cluster["kind"] == "eks" else {"kind": "azure-ip"}
    return {"cluster": cluster, "edge": edge, **extra}


def problems(values: dict, today: date = TODAY, secrets=None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_stack_config(DictSource(values, secrets), today=today)
    return [str(p) for p in caught.value.problems]


def loads(values: dict, today: date = TODAY, secrets=None):
    return load_stack_config(DictSource(values, secrets), today=today)


ISSUE_DAY = date(2026, 12, 4)
"""The day the tables were last refreshed against the sources readable here."""


def test_defaults_are_inside_every_table_today():
    assert KUBERNETES_VERSION == "1.36"
    for today in (TODAY, ISSUE_DAY):
        for table in (EKS_SUPPORT, AKS_SUPPORT):
            row = table[minor_of(KUBERNETES_VERSION)]
            assert row.standard_until > today and not row.projected
        assert loads(stack(EKS), today=today).cluster.kubernetes_version == "1.36"
        assert loads(stack(AKS), today=today).cluster.kubernetes_version == "1.36"
    pinned = ISTIO_KUBERNETES[istio_minor(ISTIO_VERSION)]
    assert pinned.covers(minor_of(KUBERNETES_VERSION))
    # The newest listed minor covers the default Kubernetes too, so the way off the pin is open.
    assert ISTIO_KUBERNETES[newest_istio_minor()].covers(minor_of(KUBERNETES_VERSION))


def test_the_pins_end_of_life_names_the_way_off():
    """1.30's end of life is only projected (six weeks after 1.32.0, not in any source read here);
    the warning says so and names the newer listed minor rather than leaving the stack stuck."""
    config = loads(stack(copy.deepcopy(EKS)), today=ISSUE_DAY)
    (warning,) = [w for w in version_warnings(config, ISSUE_DAY) if w.startswith("Istio ")]
    assert warning.startswith("Istio 1.30 reached end of life expected around 2026-11-30")
    assert warning.endswith("move istio.version to 1.31.x")
    newer = loads(stack(copy.deepcopy(EKS), istio={"version": "1.31.0"}), today=ISSUE_DAY)
    assert not [w for w in version_warnings(newer, ISSUE_DAY) if w.startswith("Istio ")]


def test_a_newer_unlisted_minor_is_refused_without_the_acknowledgement():
    (found,) = problems(stack(copy.deepcopy(EKS), istio={"version": "1.32.0"}), today=ISSUE_DAY)
    assert found.startswith(
        "mesh-platform:istio.version: Istio 1.32 is newer than the project's compatibility table (known: "
    )
    assert "set istio.allowUnlistedVersion: true to install it with a warning" in found


def test_a_newer_unlisted_minor_renders_with_a_warning_once_acknowledged(run_stack):
    istio = {"version": "1.32.1", "allowUnlistedVersion": True}
    config = loads(stack(copy.deepcopy(EKS), istio=istio), today=ISSUE_DAY)
    assert config.istio.version == "1.32.1"
    (warning,) = [w for w in version_warnings(config, ISSUE_DAY) if w.startswith("Istio 1.32.1")]
    assert "newer than the project's compatibility table (newest row: 1.31)" in warning
    assert "istio.allowUnlistedVersion: true" in warning and "Kubernetes range" in warning
    run = run_stack("eks", overrides={"mesh-platform:istio": istio})
    charts = [r for r in run.resources if r.type == "kubernetes:helm.sh/v3:Release" and r.inputs["chart"] == "istiod"]
    assert charts and all(r.inputs["version"] == "1.32.1" for r in charts)


def test_the_acknowledgement_does_not_admit_an_older_minor():
    istio = {"version": "1.26.4", "allowUnlistedVersion": True}
    (found,) = problems(stack(copy.deepcopy(EKS), istio=istio))
    assert found.startswith("mesh-platform:istio.version: Istio 1.26 is not in the project's compatibility table")


def test_support_data_older_than_90_days_gets_a_preview_warning():
    config = loads(stack(copy.deepcopy(EKS), istio={"version": "1.31.0"}), today=date(2026, 9, 1))
    newest = max(read_on(rows) for rows in SUPPORT_TABLES.values())
    oldest = min(read_on(rows) for rows in SUPPORT_TABLES.values())
    assert version_warnings(config, oldest + timedelta(days=90)) == []
    (stale,) = version_warnings(config, oldest + timedelta(days=91))
    assert stale.startswith("the version support data is 91 days old, more than 90: ")
    assert "components/stack/support.py" in stale
    late = version_warnings(config, newest + timedelta(days=91))
    assert len(late) == 1 and all(f"{name} (read " in late[0] for name in SUPPORT_TABLES)


def test_every_row_names_its_source_and_date():
    for rows in SUPPORT_TABLES.values():
        for row in rows:
            assert row.source.startswith("https://")
            assert date(2026, 1, 1) <= row.read_on <= ISSUE_DAY


def test_eks_132_is_refused_with_the_date_and_the_cost_of_extended_support():
    cluster = {**copy.deepcopy(EKS), "kubernetesVersion": "1.32"}
    (found,) = problems(stack(cluster))
    assert found.startswith(
        "mesh-platform:cluster.kubernetesVersion: EKS standard support for Kubernetes 1.32 "
        "ended on 2026-03-23 (https://docs.aws.amazon.com/eks/latest/userguide/"
    )
    assert "cluster.extendedSupport: true" in found and "until 2027-03-23" in found
    assert "costs extra" in found and "https://aws.amazon.com/eks/pricing/" in found
    assert "1.35, 1.36" in found  # the minors in standard support that day


def test_extended_support_switch_accepts_it_and_asks_eks_for_extended_support(run_stack):
    cluster = {**copy.deepcopy(EKS), "kubernetesVersion": "1.32", "extendedSupport": True}
    assert loads(stack(cluster)).cluster.extended_support is True
    stack_cluster = {
        "kind": "eks",
        "name": "mesh-prod",
        "kubernetesVersion": "1.33",
        "extendedSupport": True,
        "eks": {"publicAccessCidrs": ["203.0.113.0/24"], "vpc": {"availabilityZones": ["eu-west-1a", "eu-west-1b"]}},
    }
    run = run_stack("eks", overrides={"mesh-platform:cluster": stack_cluster})
    assert run.named("cluster-eks").inputs["upgradePolicy"] == {"supportType": "EXTENDED"}
    assert run_stack("eks").named("cluster-eks").inputs["upgradePolicy"] == {"supportType": "STANDARD"}


def test_past_extended_support_is_refused_even_with_the_switch():
    cluster = {**copy.deepcopy(EKS), "kubernetesVersion": "1.31", "extendedSupport": True}
    (found,) = problems(stack(cluster, istio={"version": "1.29.6"}), today=date(2026, 12, 1))
    assert "EKS ended all support for Kubernetes 1.31 on 2026-11-26" in found


def test_the_day_of_the_preview_decides():
    cluster = {**copy.deepcopy(EKS), "kubernetesVersion": "1.34"}
    assert loads(stack(cluster), today=date(2026, 12, 2)).cluster.kubernetes_version == "1.34"
    (found,) = problems(stack(cluster), today=date(2026, 12, 3))
    assert "EKS standard support for Kubernetes 1.34 ended on 2026-12-02" in found


def test_aks_lts_switch_names_its_cost_and_sets_premium_tier(run_stack):
    cluster = {**copy.deepcopy(AKS), "kubernetesVersion": "1.33"}
    (found,) = problems(stack(cluster))
    assert "AKS standard support for Kubernetes 1.33 ended on 2026-07-31" in found
    assert "long-term support (LTS)" in found and "Premium tier" in found
    aks = {
        "kind": "aks",
        "name": "mesh-staging",
        "kubernetesVersion": "1.33",
        "extendedSupport": True,
        "aks": {"location": "westeurope", "resourceGroupName": "mesh-staging-rg"},
    }
    run = run_stack("aks", overrides={"mesh-platform:cluster": aks})
    managed = run.named("cluster-aks").inputs
    assert managed["supportPlan"] == "AKSLongTermSupport" and managed["sku"] == {"name": "Base", "tier": "Premium"}
    assert run_stack("aks").named("cluster-aks").inputs["supportPlan"] == "KubernetesOfficial"


def test_istio_kubernetes_mismatch_is_refused_with_the_range_and_source():
    cluster = {**copy.deepcopy(EKS), "kubernetesVersion": "1.36"}
    (found,) = problems(stack(cluster, istio={"version": "1.29.6"}))
    assert found == (
        "mesh-platform:cluster.kubernetesVersion: Kubernetes 1.36 is outside Istio 1.29's supported "
        "range 1.31-1.35 (https://istio.io/latest/docs/releases/supported-releases/ "
        "(data/compatibility/supportStatus.yml)); pick a minor in that range or an Istio release that "
        "supports 1.36"
    )


def test_an_istio_minor_without_data_is_refused():
    (found,) = problems(stack(copy.deepcopy(EKS), istio={"version": "1.26.4"}))
    assert found.startswith("mesh-platform:istio.version: Istio 1.26 is not in the project's compatibility table")


def test_ako_on_a_newer_minor_needs_the_acknowledgement():
    values = {
        "cluster": {"kind": "existing", "kubernetesVersion": "1.35"},
        "edge": {"kind": "emissary"},
        "ako": {"enabled": True},
        "avi": {"controller": "https://avi.example.com"},
    }
    (found,) = problems(values, secrets={"aviPassword": "pw"})
    assert found.startswith("mesh-platform:cluster.kubernetesVersion: AKO states support for Kubernetes 1.19-1.34")
    assert "cluster.akoOutsideSupportedKubernetes: true" in found
    values["cluster"]["akoOutsideSupportedKubernetes"] = True
    assert loads(values, secrets={"aviPassword": "pw"}).ako.enabled
    values["cluster"] = {"kind": "existing", "kubernetesVersion": "1.34"}
    assert loads(values, secrets={"aviPassword": "pw"}).ako.enabled


def test_istio_near_its_end_of_life_is_announced_not_refused():
    config = loads(stack(copy.deepcopy(EKS)))
    (warning,) = [w for w in version_warnings(config, TODAY) if w.startswith("Istio ")]
    assert warning.startswith("Istio 1.30 reaches end of life expected around 2026-11-30 (https://istio.io/")
    assert version_warnings(config, date(2026, 9, 1)) == []
    old = loads(
        stack({**copy.deepcopy(EKS), "kubernetesVersion": "1.34"}, istio={"version": "1.28.10"}),
        today=date(2026, 11, 22),
    )
    assert version_warnings(old, TODAY)[0].startswith("Istio 1.28 reached end of life on 2026-07-01")
    assert version_warnings(old, TODAY)[0].endswith("move istio.version to 1.31.x")
