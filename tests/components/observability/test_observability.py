"""Grafana/Kiali credentials (secret end to end) and the optional add-ons."""

from __future__ import annotations

import json

import pytest

from components.observability import model
from tools import render
from tools.mockrun import Secret, reveal

GRAFANA_PLAINTEXT = "Grafana-Known-Plaintext-7q2"
KIALI_PLAINTEXT = "Kiali-Known-Plaintext-9x4"
KNOWN_PASSWORDS = {
    "mesh-platform:grafanaPassword": Secret(GRAFANA_PLAINTEXT),
    "mesh-platform:kialiPassword": Secret(KIALI_PLAINTEXT),
}


@pytest.fixture(scope="module")
def aks(run_stack):
    return run_stack("aks", overrides=KNOWN_PASSWORDS)


def test_credential_secrets_in_the_istio_namespace(aks):
    for app in ("grafana", "kiali"):
        secret = aks.named(f"observability-{app}-credentials")
        assert secret.inputs["metadata"]["name"] == app
        assert secret.inputs["metadata"]["namespace"] == "istio-system"
        assert secret.inputs["metadata"]["labels"]["app"] == app
        data = secret.inputs["stringData"]
        assert isinstance(data, Secret)  # recorded as a Pulumi secret
        assert set(data.value) == {"username", "passphrase"}
        assert data.value["username"] == app
        assert "data" not in secret.inputs
    grafana = aks.named("observability-grafana-credentials").inputs["stringData"].value
    assert grafana["passphrase"] == GRAFANA_PLAINTEXT  # the value arrives, only inside the secret


def test_no_secret_without_a_password(run_stack):
    run = run_stack("eks")
    assert [r for r in run.of_type("kubernetes:core/v1:Secret") if r.parent == "observability"] == []


def test_grafana_uses_the_secret_as_admin_credentials(aks):
    release = aks.named("observability-grafana")
    assert release.inputs["chart"] == "grafana" and release.inputs["version"] == "12.11.1"
    # The maintained repository (grafana/helm-charts stopped publishing the chart at 10.5.15).
    assert release.inputs["repositoryOpts"] == {"repo": "https://grafana-community.github.io/helm-charts"}
    assert release.inputs["namespace"] == "istio-system"
    assert reveal(release.inputs["values"])["admin"] == {
        "existingSecret": "grafana",
        "userKey": "username",
        "passwordKey": "passphrase",
    }
    assert "observability-grafana-credentials" in release.dependencies


def test_kiali_operator_and_cr_with_a_supported_strategy(aks):
    operator = aks.named("observability-kiali-operator")
    assert operator.inputs["chart"] == "kiali-operator"
    assert operator.inputs["repositoryOpts"] == {"repo": "https://kiali.org/helm-charts"}
    (kiali,) = aks.of_type("kubernetes:kiali.io/v1alpha1:Kiali")
    assert kiali.inputs["metadata"] == {"name": "kiali", "namespace": "istio-system"}
    spec = kiali.inputs["spec"]
    assert spec["auth"] == {"strategy": "token"}
    assert spec["external_services"]["grafana"]["auth"]["password"] == "secret:grafana:passphrase"
    assert {"observability-kiali-operator", "mesh-istiod"} <= set(kiali.dependencies)


def test_login_strategy_is_refused():
    with pytest.raises(ValueError, match="no 'login' strategy"):
        model.kiali_cr("istio-system", "login", "http://prometheus.istio-system:9090")
    anonymous = model.kiali_cr("istio-system", "anonymous", "http://prometheus.istio-system:9090")
    assert anonymous["spec"]["external_services"]["grafana"] == {"enabled": False}


def test_login_strategy_fails_the_stack(run_stack):
    from components.config.errors import ConfigError

    with pytest.raises(ConfigError, match="observability.kiali.strategy"):
        run_stack("aks", overrides={"mesh-platform:observability": {"kiali": {"addon": True, "strategy": "login"}}})


def test_passwords_never_appear_in_render_output_or_outputs(aks, tmp_path):
    render.write_render(aks, tmp_path)
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name == "resources.json" for p in written) and any(p.suffix == ".yaml" for p in written)
    for path in written:
        text = path.read_text()
        for password in (GRAFANA_PLAINTEXT, KIALI_PLAINTEXT):
            assert password not in text, path
    outputs = json.dumps(aks.outputs, default=str)
    for password in (GRAFANA_PLAINTEXT, KIALI_PLAINTEXT):
        assert password not in outputs
    # Helm values never carry a password; charts read the Secret by name.
    for release in aks.of_type("kubernetes:helm.sh/v3:Release"):
        assert GRAFANA_PLAINTEXT not in json.dumps(release.inputs, default=str)


def test_render_cli_keeps_stack_file_secrets_out(tmp_path):
    assert render.main(["--stack", "aks", "--out", str(tmp_path)]) == 0
    text = "".join(p.read_text() for p in tmp_path.rglob("*") if p.is_file())
    assert "offline-placeholder-for-mesh-platform-grafanaPassword" not in text
    assert "offline-placeholder-for-mesh-platform-kialiPassword" not in text


def test_grafana_loads_labelled_dashboards_from_the_istio_namespace(aks):
    sidecar = reveal(aks.named("observability-grafana").inputs["values"])["sidecar"]["dashboards"]
    assert sidecar == {
        "enabled": True,
        "label": "grafana_dashboard",
        "labelValue": "1",
        "searchNamespace": "istio-system",
    }
