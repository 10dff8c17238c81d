"""Kiali, Grafana, the mesh's tracing provider and Emissary's TracingService never name an address
that nothing serves: each is either installed by the stack or named in its config."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlparse

import pytest

from tests.conftest import STACK_NAMES
from tools.mockrun import Secret, reveal

RELEASE = "kubernetes:helm.sh/v3:Release"
KIALI = "kubernetes:kiali.io/v1alpha1:Kiali"
TRACING_SERVICE = "kubernetes:getambassador.io/v3alpha1:TracingService"
CHART_PORTS = {"prometheus": None, "jaeger": (9411, 16685, 16686), "grafana": (80,)}

OBSERVABILITY_ON = {
    "mesh-platform:observability": {"grafana": {"addon": True}, "kiali": {"addon": True}},
    "mesh-platform:grafanaPassword": Secret("pw"),
}
TRACING_ON = {"mesh-platform:istio": {"tracing": {"enabled": True}}}
EXISTING = {
    "mesh-platform:istio": {"tracing": {"enabled": True, "zipkinAddress": "otel-collector.tracing:9411"}},
    "mesh-platform:observability": {
        "grafana": {"addon": True},
        "kiali": {"addon": True},
        "prometheus": {"url": "http://prometheus-server.monitoring:80"},
        "tracing": {"queryUrl": "http://jaeger-query.tracing:16686"},
    },
    "mesh-platform:grafanaPassword": Secret("pw"),
}
VARIANTS = [(stack, None) for stack in STACK_NAMES] + [
    ("dev", OBSERVABILITY_ON),
    ("dev", TRACING_ON),
    ("dev", {**OBSERVABILITY_ON, **TRACING_ON}),
    ("eks", EXISTING),
    ("ambassador", EXISTING),
]


def short(host: str) -> str:
    """`jaeger.istio-system.svc.cluster.local` -> `jaeger.istio-system`."""
    return host.removesuffix(".svc.cluster.local").removesuffix(".svc")


def served(run) -> set[tuple[str, int]]:
    """(service.namespace, port) of the Services the stack's own observability releases run."""
    found = set()
    for release in run.of_type(RELEASE):
        chart, ns, values = release.inputs["chart"], release.inputs["namespace"], reveal(release.inputs["values"])
        if chart == "prometheus":
            server = values["server"]
            found.add((f"{server['fullnameOverride']}.{ns}", int(server["service"]["servicePort"])))
        elif chart in ("jaeger", "grafana"):
            found |= {(f"{values['fullnameOverride']}.{ns}", port) for port in CHART_PORTS[chart]}
    return found


def named_in_config(overrides) -> set[tuple[str, int]]:
    """Endpoints the stack's config names (existing installs)."""
    if not overrides:
        return set()
    found = set()
    tracing = (overrides.get("mesh-platform:istio") or {}).get("tracing", {})
    if "zipkinAddress" in tracing:
        host, port = tracing["zipkinAddress"].rsplit(":", 1)
        found.add((host, int(port)))
    observability = overrides.get("mesh-platform:observability") or {}
    for url in (
        (observability.get("prometheus") or {}).get("url"),
        (observability.get("tracing") or {}).get("queryUrl"),
    ):
        if url:
            found.add(address(url))
    return found


def address(url: str) -> tuple[str, int]:
    parsed = urlparse(url)
    return short(parsed.hostname), parsed.port or (443 if parsed.scheme == "https" else 80)


def referenced(run) -> Iterator[tuple[str, tuple[str, int]]]:
    """Every (who, address) the program points an add-on, the mesh or the edge at."""
    for release in run.of_type(RELEASE):
        values = reveal(release.inputs["values"])
        if release.inputs["chart"] == "istiod":
            for provider in values["meshConfig"].get("extensionProviders", []):
                zipkin = provider["zipkin"]
                yield "istiod tracing provider", (short(zipkin["service"]), int(zipkin["port"]))
        if release.inputs["chart"] == "grafana":
            for source in values["datasources"]["datasources.yaml"]["datasources"]:
                yield f"grafana datasource {source['name']}", address(source["url"])
    for kiali in run.of_type(KIALI):
        external = kiali.inputs["spec"]["external_services"]
        yield "kiali prometheus", address(external["prometheus"]["url"])
        for name in ("tracing", "grafana"):
            if external[name].get("enabled"):
                yield f"kiali {name}", address(external[name]["internal_url"])
    for tracing in run.of_type(TRACING_SERVICE):
        host, port = tracing.inputs["spec"]["service"].rsplit(":", 1)
        yield "emissary TracingService", (short(host), int(port))


@pytest.mark.parametrize("stack,overrides", VARIANTS, ids=lambda v: v if isinstance(v, str) else "")
def test_no_endpoint_that_nothing_serves(run_stack, stack, overrides):
    run = run_stack(stack, overrides=overrides) if overrides else run_stack(stack)
    available = served(run) | named_in_config(overrides)
    for who, target in referenced(run):
        assert target in available, f"{stack}: {who} points at {target}, which the stack neither installs nor names"


def test_tracing_on_installs_the_collector_and_wires_everyone(run_stack):
    run = run_stack("ambassador")  # tracing on, no zipkinAddress, Grafana on
    (jaeger,) = [r for r in run.of_type(RELEASE) if r.inputs["chart"] == "jaeger"]
    assert jaeger.inputs["version"] == "4.11.1" and jaeger.inputs["namespace"] == "istio-system"
    assert jaeger.inputs["repositoryOpts"] == {"repo": "https://jaegertracing.github.io/helm-charts"}
    who = dict(referenced(run))
    assert who["istiod tracing provider"] == who["emissary TracingService"] == ("jaeger.istio-system", 9411)
    (prometheus,) = [r for r in run.of_type(RELEASE) if r.inputs["chart"] == "prometheus"]
    assert prometheus.inputs["version"] == "29.27.0"
    assert who["grafana datasource Prometheus"] == ("prometheus.istio-system", 9090)


def test_kiali_reads_the_installed_trace_store_over_grpc(run_stack):
    run = run_stack("aks")
    (kiali,) = run.of_type(KIALI)
    tracing = kiali.inputs["spec"]["external_services"]["tracing"]
    assert tracing == {
        "enabled": True,
        "provider": "jaeger",
        "internal_url": "http://jaeger.istio-system:16685",
        "use_grpc": True,
    }
    assert {"observability-prometheus", "observability-jaeger"} <= set(kiali.dependencies)


def test_existing_endpoints_install_nothing(run_stack):
    run = run_stack("eks", overrides=EXISTING)
    assert not [r for r in run.of_type(RELEASE) if r.inputs["chart"] in ("prometheus", "jaeger")]
    (kiali,) = run.of_type(KIALI)
    external = kiali.inputs["spec"]["external_services"]
    assert external["prometheus"] == {"url": "http://prometheus-server.monitoring:80"}
    assert external["tracing"]["internal_url"] == "http://jaeger-query.tracing:16686"


def test_existing_collector_without_query_url_leaves_kiali_tracing_off(run_stack):
    overrides = {
        **OBSERVABILITY_ON,
        "mesh-platform:istio": {"tracing": {"enabled": True, "zipkinAddress": "otel-collector.tracing:9411"}},
    }
    (kiali,) = run_stack("dev", overrides=overrides).of_type(KIALI)
    assert kiali.inputs["spec"]["external_services"]["tracing"] == {"enabled": False}


def test_nothing_observability_installed_when_nothing_reads_it(run_stack):
    run = run_stack("dev")
    assert not [r for r in run.of_type(RELEASE) if r.inputs["chart"] in ("prometheus", "jaeger", "grafana")]


def test_query_url_needs_an_existing_collector():
    from tests.components.stack.test_config import problems_of

    found = problems_of({"observability": {"tracing": {"queryUrl": "http://jaeger-query.tracing:16686"}}})
    assert found == [
        "mesh-platform:observability.tracing.queryUrl: only for an existing collector: set "
        "istio.tracing.enabled and istio.tracing.zipkinAddress (the stack's own collector is queried "
        "without it)"
    ]
