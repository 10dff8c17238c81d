"""What the add-ons show once installed: Istio's Grafana dashboards, Kiali's links a browser can
follow, a Grafana that restarts with its credentials, and an optional disk for Prometheus."""

from __future__ import annotations

import pytest

from components.config.errors import ConfigError
from tools.mockrun import Secret, reveal

ISTIO_DOC_IDS = {7639, 7636, 7630, 11829, 7645}
"""The grafana.com dashboards istio.io's Grafana integration page names."""
ADDONS = {"grafana": {"addon": True}, "kiali": {"addon": True}}


def observability(**sections) -> dict:
    merged = {key: dict(value) for key, value in ADDONS.items()}
    for key, value in sections.items():
        merged[key] = {**merged.get(key, {}), **value}
    return merged


def run_with(run_stack, password: str = "first-password", istio: dict | None = None, **sections):
    overrides = {
        "mesh-platform:observability": observability(**sections),
        "mesh-platform:grafanaPassword": Secret(password),
    }
    if istio is not None:
        overrides["mesh-platform:istio"] = istio
    return run_stack("dev", overrides=overrides)


def grafana_values(run) -> dict:
    return reveal(run.named("observability-grafana").inputs["values"])


@pytest.fixture(scope="module")
def installed(run_stack):
    return run_with(run_stack)


def test_istio_dashboards_are_fetched_by_their_grafana_com_ids(installed):
    values = grafana_values(installed)
    (provider,) = values["dashboardProviders"]["dashboardproviders.yaml"]["providers"]
    assert provider["name"] == "istio" and provider["type"] == "file"
    # The chart writes a provider's downloads to /var/lib/grafana/dashboards/<provider>.
    assert provider["options"]["path"] == "/var/lib/grafana/dashboards/istio"
    dashboards = values["dashboards"]["istio"]
    assert {d["gnetId"] for d in dashboards.values()} == ISTIO_DOC_IDS
    assert {d["revision"] for d in dashboards.values()} == {"latest"}
    datasource = values["datasources"]["datasources.yaml"]["datasources"][0]["name"]
    assert {d["datasource"] for d in dashboards.values()} == {datasource}
    assert not any("json" in d or "file" in d for d in dashboards.values())  # fetched, not copied


def test_a_pinned_revision_is_fetched_and_dashboards_can_be_off(run_stack):
    pinned = run_with(run_stack, grafana={"istioDashboards": {"revisions": {"mesh": 300, "controlPlane": 301}}})
    dashboards = grafana_values(pinned)["dashboards"]["istio"]
    assert dashboards["istio-mesh"]["revision"] == 300
    assert dashboards["istio-control-plane"]["revision"] == 301
    assert dashboards["istio-service"]["revision"] == "latest"
    off = grafana_values(run_with(run_stack, grafana={"istioDashboards": {"enabled": False}}))
    assert "dashboards" not in off and "dashboardProviders" not in off
    assert off["sidecar"]["dashboards"]["enabled"]  # labelled ConfigMaps still load


def test_an_unknown_dashboard_or_a_bad_revision_is_refused(run_stack):
    with pytest.raises(ConfigError, match=r"observability\.grafana\.istioDashboards\.revisions\.ztunnel"):
        run_with(run_stack, grafana={"istioDashboards": {"revisions": {"ztunnel": 3}}})
    with pytest.raises(ConfigError, match=r"revisions\.mesh.*an integer from 1"):
        run_with(run_stack, grafana={"istioDashboards": {"revisions": {"mesh": "latest"}}})


def test_kiali_links_to_the_external_urls(run_stack):
    run = run_with(
        run_stack,
        istio={"tracing": {"enabled": True}},
        grafana={"externalUrl": "https://grafana.example.com"},
        tracing={"externalUrl": "https://jaeger.example.com"},
    )
    (kiali,) = run.of_type("kubernetes:kiali.io/v1alpha1:Kiali")
    external = kiali.inputs["spec"]["external_services"]
    assert external["grafana"]["external_url"] == "https://grafana.example.com"
    assert external["grafana"]["internal_url"] == "http://grafana.istio-system:80"
    assert external["tracing"]["external_url"] == "https://jaeger.example.com"
    assert external["tracing"]["enabled"] is True


def test_without_external_urls_kiali_gets_none(installed):
    (kiali,) = installed.of_type("kubernetes:kiali.io/v1alpha1:Kiali")
    external = kiali.inputs["spec"]["external_services"]
    assert "external_url" not in external["grafana"] and "external_url" not in external["tracing"]


def test_external_urls_need_what_they_link_to(run_stack):
    with pytest.raises(ConfigError, match=r"observability\.grafana\.externalUrl: only for Kiali"):
        run_stack(
            "dev",
            overrides={
                "mesh-platform:observability": {"grafana": {"addon": True, "externalUrl": "https://g.example.com"}},
                "mesh-platform:grafanaPassword": Secret("pw"),
            },
        )
    with pytest.raises(ConfigError, match=r"observability\.tracing\.externalUrl: only for Kiali"):
        run_with(run_stack, tracing={"externalUrl": "https://jaeger.example.com"})
    with pytest.raises(ConfigError, match=r"observability\.grafana\.externalUrl: expected a URL"):
        run_with(run_stack, grafana={"externalUrl": "grafana.example.com"})


def test_grafana_rolls_when_its_credentials_change(run_stack, installed):
    # The checksum derives from the password, so the program keeps it (and with it the values) secret.
    assert isinstance(installed.named("observability-grafana").inputs["values"], Secret)
    annotations = grafana_values(installed)["podAnnotations"]
    checksum = annotations["mesh-platform/grafana-credentials"]
    assert "first-password" not in checksum and len(checksum) == 16
    assert annotations["sidecar.istio.io/inject"] == "false"
    same = grafana_values(run_with(run_stack))["podAnnotations"]["mesh-platform/grafana-credentials"]
    changed = grafana_values(run_with(run_stack, password="second-password"))["podAnnotations"]
    assert same == checksum
    assert changed["mesh-platform/grafana-credentials"] != checksum


def test_prometheus_persistence_is_off_by_default_and_can_be_on(run_stack, installed):
    server = installed.named("observability-prometheus").inputs["values"]["server"]
    assert server["persistentVolume"] == {"enabled": False}
    kept = run_with(run_stack, prometheus={"persistence": {"enabled": True, "size": "50Gi", "storageClass": "gp3"}})
    volume = kept.named("observability-prometheus").inputs["values"]["server"]["persistentVolume"]
    assert volume == {"enabled": True, "size": "50Gi", "storageClass": "gp3"}
    default_class = run_with(run_stack, prometheus={"persistence": {"enabled": True}})
    volume = default_class.named("observability-prometheus").inputs["values"]["server"]["persistentVolume"]
    assert volume == {"enabled": True, "size": "8Gi"}  # the cluster's default StorageClass
    with pytest.raises(ConfigError, match=r"observability\.prometheus\.persistence\.size: expected a storage size"):
        run_with(run_stack, prometheus={"persistence": {"enabled": True, "size": "50GB"}})
