"""The Istio mesh: chart releases and their order, mesh settings, namespaces, mTLS."""

from __future__ import annotations

import json

import pytest

from components.config.errors import ConfigError
from components.mesh import model as istio_values
from components.mesh.config import ISTIO_VERSION, is_istio_version
from components.stack.loader import load_stack_config
from tools.mockrun import PROJECT_DIR, ProgramRun, read_stack_file

RELEASE = "kubernetes:helm.sh/v3:Release"
ALL_STACKS = ["eks", "aks", "dev", "onprem"]
APP_NAMESPACES = {
    "eks": {"default", "pre-prod", "prod"},
    "aks": {"default", "shop"},
    "dev": {"default", "pre-prod", "prod"},
    "onprem": {"payments", "portal"},
}


def releases(run: ProgramRun) -> dict[str, dict]:
    """Istio-chart releases by release name."""
    return {
        r.inputs["name"]: r
        for r in run.of_type(RELEASE)
        if r.inputs["repositoryOpts"]["repo"].startswith("https://istio-release")
    }


def depends_on(run: ProgramRun, name: str, other: str) -> bool:
    """True when resource `name` depends (directly or transitively) on `other`."""
    seen, todo = set(), [name]
    while todo:
        current = todo.pop()
        for dep in run.named(current).dependencies:
            if dep == other:
                return True
            if dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return False


@pytest.mark.parametrize("stack", ALL_STACKS)
def test_istio_charts_install_in_order_with_pinned_versions(run_stack, stack):
    run = run_stack(stack)
    found = releases(run)
    expected = {"istio-base": "base", "istiod": "istiod", "istio-ingressgateway": "gateway"}
    egress = stack in ("eks", "aks", "onprem")  # REGISTRY_ONLY turns the egress gateway on
    if egress:
        expected["istio-egressgateway"] = "gateway"
    assert {name: r.inputs["chart"] for name, r in found.items()} == expected
    assert {r.inputs["version"] for r in found.values()} == {ISTIO_VERSION} == {"1.30.3"}
    assert found["istio-base"].inputs["namespace"] == found["istiod"].inputs["namespace"] == "istio-system"
    assert found["istio-ingressgateway"].inputs["namespace"] == "istio-ingress"

    base, istiod, ingress = (found[n].name for n in ("istio-base", "istiod", "istio-ingressgateway"))
    assert base in run.named(istiod).dependencies
    assert istiod in run.named(ingress).dependencies
    assert not depends_on(run, base, istiod)
    if egress:
        assert istiod in run.named(found["istio-egressgateway"].name).dependencies


def test_chart_version_and_repository_are_overridable(run_stack):
    run = run_stack(
        "dev",
        overrides={"mesh-platform:istio": {"version": "1.31.0", "repository": "https://charts.example.internal/istio"}},
    )
    found = releases(run)
    assert found == {}  # the repository moved, so none is from the public one
    istio = [r for r in run.of_type(RELEASE) if r.inputs["repositoryOpts"]["repo"].endswith("/istio")]
    assert {r.inputs["version"] for r in istio} == {"1.31.0"}
    assert {r.inputs["chart"] for r in istio} == {"base", "istiod", "gateway"}


def test_istio_older_than_122_is_rejected():
    assert is_istio_version("1.22.0") and is_istio_version("1.27.3")
    assert not is_istio_version("1.21.6")


def test_old_istio_fails_the_stack(run_stack):
    with pytest.raises(ConfigError, match=r"istio\.version.*1\.22 or later"):
        run_stack("dev", overrides={"mesh-platform:istio": {"version": "1.20.0"}})


@pytest.mark.parametrize("stack", ALL_STACKS)
def test_every_kubernetes_resource_uses_the_cluster_provider(run_stack, stack):
    run = run_stack(stack)
    k8s = [r for r in run.resources if r.type.startswith("kubernetes:") and r.custom]
    assert k8s
    assert {r.provider for r in k8s} == {"cluster-k8s"}


@pytest.mark.parametrize("stack", ALL_STACKS)
def test_istio_custom_resources_wait_for_istiod(run_stack, stack):
    run = run_stack(stack)
    istiod = releases(run)["istiod"].name
    istio_crs = [r for r in run.resources if r.type.split(":")[1].endswith("istio.io/v1")]
    assert istio_crs
    for resource in istio_crs:
        assert istiod in resource.dependencies, resource.name


@pytest.mark.parametrize("stack", ALL_STACKS)
def test_strict_mesh_wide_peer_authentication(run_stack, stack):
    (pa,) = run_stack(stack).of_type("kubernetes:security.istio.io/v1:PeerAuthentication")
    assert pa.inputs["metadata"] == {"name": "default", "namespace": "istio-system"}
    assert pa.inputs["spec"] == {"mtls": {"mode": "STRICT"}}


def test_permissive_mtls_is_selectable(run_stack):
    run = run_stack("dev", overrides={"mesh-platform:istio": {"mtls": "PERMISSIVE"}})
    (pa,) = run.of_type("kubernetes:security.istio.io/v1:PeerAuthentication")
    assert pa.inputs["spec"]["mtls"]["mode"] == "PERMISSIVE"


@pytest.mark.parametrize("stack", ALL_STACKS)
def test_app_namespaces_are_labelled_for_injection(run_stack, stack):
    run = run_stack(stack)
    namespaces = {
        r.inputs["metadata"]["name"]: r
        for r in run.resources
        if r.type in ("kubernetes:core/v1:Namespace", "kubernetes:core/v1:NamespacePatch")
    }
    # Dev upgrades in place (istio.injection: legacy); the others follow the revision tag.
    expected = {"istio-injection": "enabled"} if stack == "dev" else {"istio.io/rev": "prod-stable"}
    other = "istio.io/rev" if stack == "dev" else "istio-injection"
    for name in APP_NAMESPACES[stack]:
        labels = namespaces[name].inputs["metadata"]["labels"]
        assert expected.items() <= labels.items() and other not in labels
    # The built-in namespace is adopted (patched), never created or deleted.
    if "default" in APP_NAMESPACES[stack]:
        assert namespaces["default"].type == "kubernetes:core/v1:NamespacePatch"
    system_labels = namespaces["istio-system"].inputs["metadata"].get("labels") or {}
    assert "istio-injection" not in system_labels and "istio.io/rev" not in system_labels


def test_mesh_config_from_stack(run_stack):
    eks = releases(run_stack("eks"))["istiod"].inputs["values"]["meshConfig"]
    assert eks["outboundTrafficPolicy"] == {"mode": "REGISTRY_ONLY"}
    assert eks["accessLogFile"] == "/dev/stdout"
    assert eks["enableTracing"] is False and "extensionProviders" not in eks

    dev = run_stack("dev", overrides={"mesh-platform:istio": {"accessLogging": False}})
    dev_mesh = releases(dev)["istiod"].inputs["values"]["meshConfig"]
    assert dev_mesh["outboundTrafficPolicy"] == {"mode": "ALLOW_ANY"}
    assert dev_mesh["accessLogFile"] == ""

    aks_run = run_stack("aks")
    aks = releases(aks_run)["istiod"].inputs["values"]["meshConfig"]
    assert aks["enableTracing"] is True
    # No zipkinAddress in the stack: the collector the stack installs (Jaeger's Zipkin API).
    assert aks["extensionProviders"] == [
        {"name": "zipkin", "zipkin": {"service": "jaeger.istio-system.svc.cluster.local", "port": 9411}}
    ]
    assert aks["defaultProviders"] == {"tracing": ["zipkin"]}
    (telemetry,) = aks_run.of_type("kubernetes:telemetry.istio.io/v1:Telemetry")
    assert telemetry.inputs["metadata"]["namespace"] == "istio-system"
    assert telemetry.inputs["spec"]["tracing"][0]["randomSamplingPercentage"] == 5.0


@pytest.mark.parametrize("stack", ["eks", "dev", "onprem"])
def test_nodeport_gateway_has_fixed_node_ports(run_stack, stack):
    service = releases(run_stack(stack))["istio-ingressgateway"].inputs["values"]["service"]
    assert service["type"] == "NodePort"
    assert {p["name"]: p["nodePort"] for p in service["ports"]} == {
        "status-port": 30021,
        "http2": 30080,
        "https": 30443,
    }


def test_node_ports_follow_config(run_stack):
    run = run_stack(
        "dev",
        overrides={
            "mesh-platform:istio": {"ingressGateway": {"nodePorts": {"http": 31080, "https": 31443, "status": 31021}}}
        },
    )
    ports = releases(run)["istio-ingressgateway"].inputs["values"]["service"]["ports"]
    assert [p["nodePort"] for p in ports] == [31021, 31080, 31443]


def test_gateway_selector_label_matches_release_name(run_stack):
    values = releases(run_stack("eks"))["istio-ingressgateway"].inputs["values"]
    assert values["labels"] == {"istio": "ingressgateway"}
    assert istio_values.gateway_selector("edge-gw") == {"istio": "edge-gw"}


def test_service_type_per_edge():
    assert {kind: istio_values.gateway_service_type(kind) for kind in ("alb", "avi", "azure-ip", "emissary")} == {
        "alb": "NodePort",
        "avi": "NodePort",
        "azure-ip": "LoadBalancer",
        "emissary": "ClusterIP",
    }


def test_gateway_values_by_service_type():
    istio = _config("eks").istio
    cluster_ip = istio_values.ingress_gateway_values(istio, "ClusterIP")["service"]
    assert cluster_ip["type"] == "ClusterIP" and all("nodePort" not in p for p in cluster_ip["ports"])
    lb = istio_values.ingress_gateway_values(istio, "LoadBalancer", "203.0.113.7", {"a": "b"})["service"]
    assert lb["loadBalancerIP"] == "203.0.113.7" and lb["annotations"] == {"a": "b"}
    assert all("nodePort" not in p for p in lb["ports"])
    with pytest.raises(ValueError):
        istio_values.ingress_gateway_values(istio, "ExternalName")


def test_dev_stack_has_no_egress_gateway(run_stack):
    assert "istio-egressgateway" not in releases(run_stack("dev"))


def test_zipkin_service_is_fully_qualified():
    assert istio_values.zipkin_service("zipkin.tracing:9411") == ("zipkin.tracing.svc.cluster.local", 9411)
    assert istio_values.zipkin_service("otel.example.net:9411") == ("otel.example.net", 9411)


class _FileSource:
    """A `ConfigSource` over a stack file without Pulumi (no secrets)."""

    def __init__(self, stack: str):
        self._file = read_stack_file(PROJECT_DIR / f"Pulumi.{stack}.yaml")
        self.stack = self._file.stack

    def value(self, key):
        raw = self._file.config.get(f"mesh-platform:{key}")
        if raw is None:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return raw

    def secret(self, key):
        return None

    def keys(self):
        return list(self._file.config)

    def provider_setting(self, full_key):
        return self._file.config.get(full_key)


def _config(stack: str):
    """The validated StackConfig of a stack file without secrets, read outside Pulumi."""
    return load_stack_config(_FileSource(stack))
