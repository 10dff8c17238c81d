"""Where upstream charts come from: one repository field type, one way to name an OCI or classic chart."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from components.ako.config import AkoConfig
from components.config.types import ChartRepository, HelmChartConfig
from components.edges.emissary.config import EmissaryEdgeConfig
from components.mesh.config import IstioConfig
from tools.upstream import pinned_chart

RELEASE = "kubernetes:helm.sh/v3:Release"
REPOSITORY_FIELDS = ((IstioConfig, "repository"), (EmissaryEdgeConfig, "repository"), (AkoConfig, "chartRepository"))


def test_an_oci_chart_is_named_by_its_url():
    chart = HelmChartConfig("ako", "2.2.1", "oci://projects.packages.broadcom.com/ako/helm-charts")
    assert (chart.is_oci, chart.reference, chart.classic_repository) == (
        True,
        "oci://projects.packages.broadcom.com/ako/helm-charts/ako",
        None,
    )


def test_a_classic_chart_is_named_in_its_repository():
    chart = HelmChartConfig("istiod", "1.30.3", "https://istio-release.storage.googleapis.com/charts")
    assert (chart.is_oci, chart.reference, chart.classic_repository) == (
        False,
        "istiod",
        "https://istio-release.storage.googleapis.com/charts",
    )


@pytest.mark.parametrize(
    "chart",
    [
        HelmChartConfig("ako", "2.2.1", "oci://registry.example.com/mirror/ako"),
        HelmChartConfig("grafana", "12.11.1", "https://grafana.github.io/helm-charts"),
    ],
)
def test_a_release_reads_back_as_the_chart_it_was_made_from(chart):
    assert HelmChartConfig.from_reference(chart.reference, chart.version, chart.classic_repository) == chart


@pytest.mark.parametrize(
    "value",
    [
        "oci://ghcr.io/emissary-ingress",
        "oci://registry.example.com",
        "https://charts.example.com",
        "http://charts.example.com/stable/",
    ],
)
def test_chart_repository_accepts_oci_and_classic_repositories(value):
    assert TypeAdapter(ChartRepository).validate_python(value) == value


@pytest.mark.parametrize(
    "value", ["ftp://charts.example.com", "oci://", "https://", "oci://ghcr.io/a b", "charts.example.com", 42]
)
def test_chart_repository_refuses_what_helm_cannot_pull_from(value):
    with pytest.raises(ValidationError) as caught:
        TypeAdapter(ChartRepository).validate_python(value)
    assert "expected a chart repository: an OCI registry path" in str(caught.value)


@pytest.mark.parametrize(("model", "field"), REPOSITORY_FIELDS)
def test_every_chart_repository_field_is_the_one_type(model, field):
    schema = model.model_json_schema(by_alias=True)["properties"][field]
    shared = TypeAdapter(ChartRepository).json_schema()
    assert (schema["pattern"], schema["description"]) == (shared["pattern"], shared["description"])


def test_istio_charts_install_from_an_oci_registry(run_stack):
    run = run_stack("dev", overrides={"mesh-platform:istio": {"repository": "oci://registry.example.com/istio"}})
    istio = {r.inputs["name"]: r for r in run.of_type(RELEASE) if "istio" in r.inputs["chart"]}
    assert {name: r.inputs["chart"] for name, r in istio.items()} == {
        "istio-base": "oci://registry.example.com/istio/base",
        "istiod": "oci://registry.example.com/istio/istiod",
        "istio-ingressgateway": "oci://registry.example.com/istio/gateway",
    }
    assert not any("repositoryOpts" in r.inputs for r in istio.values())
    assert {pinned_chart(r).repository for r in istio.values()} == {"oci://registry.example.com/istio"}
