"""Preview-time version checks: Istio's Kubernetes range, EKS/AKS standard support on the day, AKO's range."""

from __future__ import annotations

import copy
from datetime import date

import pytest

from components.cluster.config import KUBERNETES_VERSION
from components.config.errors import ConfigError
from components.mesh.config import ISTIO_VERSION
from components.stack.loader import load_stack_config
from components.stack.support import AKS_SUPPORT, EKS_SUPPORT, ISTIO_KUBERNETES, istio_minor, minor_of
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


def test_defaults_are_inside_every_table_today():
    assert ISTIO_KUBERNETES[istio_minor(ISTIO_VERSION)].covers(minor_of(KUBERNETES_VERSION))
    for table in (EKS_SUPPORT, AKS_SUPPORT):
        assert table[minor_of(KUBERNETES_VERSION)].standard_until > TODAY
    assert loads(stack(EKS)).cluster.kubernetes_version == "1.35"
    assert loads(stack(AKS)).cluster.kubernetes_version == "1.35"


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


def test_every_row_names_its_source():
    for table in (EKS_SUPPORT, AKS_SUPPORT, ISTIO_KUBERNETES):
        assert all(row.source.startswith("https://") for row in table.values())


def test_istio_near_its_end_of_life_is_announced_not_refused():
    from components.stack.version_rules import version_warnings

    config = loads(stack(copy.deepcopy(EKS)))
    (warning,) = version_warnings(config, TODAY)
    assert warning.startswith("Istio 1.30 reaches end of life expected around 2026-11-30 (https://istio.io/")
    assert version_warnings(config, date(2026, 9, 1)) == []
    old = loads(
        stack({**copy.deepcopy(EKS), "kubernetesVersion": "1.34"}, istio={"version": "1.28.10"}),
        today=date(2026, 11, 22),
    )
    assert version_warnings(old, TODAY)[0].startswith("Istio 1.28 reached end of life on 2026-07-01")
