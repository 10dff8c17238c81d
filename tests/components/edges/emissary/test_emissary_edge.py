"""The Emissary edge under Pulumi mocks (Pulumi.ambassador.yaml and variants), its config, and the
independent checks of what it declares."""

from __future__ import annotations

import copy
import json
from typing import Any

import kubernetes_validate
import pytest
import yaml

from components.config.errors import ConfigError
from components.edges.emissary.config import EMISSARY_VERSION
from components.stack.loader import load_stack_config
from tools.mockrun import PROJECT_DIR, ProgramRun, RecordedResource, Secret, read_stack_file, redact, reveal
from tools.render import write_render

EDGE_TYPE = "mesh-platform:emissary:EmissaryEdge"
CR = "kubernetes:getambassador.io/v3alpha1:"
RELEASE = "kubernetes:helm.sh/v3:Release"


EDGE_COMPONENT_TYPES = {
    "mesh-platform:alb:AlbEdge",
    "mesh-platform:azure_ip:AzureIpEdge",
    EDGE_TYPE,
    "mesh-platform:avi:AviEdge",
    "mesh-platform:avi:AviMeshTls",
    "mesh-platform:ako:AkoManagedEdge",
}


def under_edge(resource: RecordedResource) -> bool:
    """True for resources inside any edge component (their URN's type chain names one)."""
    type_chain = resource.urn.split("::")[2]
    return any(part in EDGE_COMPONENT_TYPES for part in type_chain.split("$"))


def edge_resources(run: ProgramRun) -> list[RecordedResource]:
    return [r for r in run.resources if EDGE_TYPE in r.urn.split("::")[2]]


def crs(run: ProgramRun, kind: str) -> list[dict]:
    return [r.inputs for r in run.of_type(CR + kind)]


def release(run: ProgramRun, release_name: str) -> RecordedResource:
    (found,) = [r for r in run.of_type(RELEASE) if r.inputs.get("name") == release_name]
    return found


@pytest.fixture(scope="module")
def amb(run_stack) -> ProgramRun:
    return run_stack("ambassador")


# --------------------------------------------------------------------------------------
# The release
# --------------------------------------------------------------------------------------


def test_crds_then_emissary_from_pinned_oci_charts(amb):
    crds, emissary = release(amb, "emissary-crds"), release(amb, "emissary-ingress")
    assert crds.inputs["chart"] == "oci://ghcr.io/emissary-ingress/emissary-crds-chart"
    assert emissary.inputs["chart"] == "oci://ghcr.io/emissary-ingress/emissary-ingress"
    assert crds.inputs["version"] == emissary.inputs["version"] == EMISSARY_VERSION
    assert crds.inputs["values"]["enableLegacyVersions"] is False
    # CRDs first; the revision tag's injector (after istiod) first, so Emissary's pods get the sidecar.
    assert {"emissary-edge-crds", "mesh-revision-tag"} <= set(emissary.dependencies)
    assert emissary.inputs["namespace"] == crds.inputs["namespace"] == "emissary"
    assert {crds.provider, emissary.provider} == {"cluster-k8s"}


def test_emissary_namespace_is_labelled_for_injection(amb):
    (namespace,) = [r for r in amb.of_type("kubernetes:core/v1:Namespace") if r.parent == "emissary-edge"]
    assert namespace.inputs["metadata"]["name"] == "emissary"
    assert namespace.inputs["metadata"]["labels"]["istio.io/rev"] == "prod-stable"
    assert "istio-injection" not in namespace.inputs["metadata"]["labels"]


def test_release_values_carry_the_istio_integration_and_metrics(amb):
    values = release(amb, "emissary-ingress").inputs["values"]
    annotations = values["podAnnotations"]
    assert annotations["traffic.sidecar.istio.io/includeInboundPorts"] == ""
    assert annotations["traffic.sidecar.istio.io/includeOutboundIPRanges"] == ""
    assert annotations["proxy.istio.io/config"].strip() == "proxyMetadata:\n  OUTPUT_CERTS: /etc/istio-certs"
    assert json.loads(annotations["sidecar.istio.io/userVolumeMount"])[0]["mountPath"] == "/etc/istio-certs"
    assert values["volumes"] == [{"name": "istio-certs", "emptyDir": {"medium": "Memory"}}]
    assert values["env"]["AMBASSADOR_ISTIO_SECRET_DIR"] == "/etc/istio-certs"
    assert values["env"]["AMBASSADOR_ENVOY_BASE_ID"] == "1"
    assert annotations["prometheus.io/port"] == "8877" and annotations["prometheus.io/path"] == "/metrics"
    assert annotations["prometheus.istio.io/merge-metrics"] == "false"
    assert values["service"]["type"] == "LoadBalancer"


# --------------------------------------------------------------------------------------
# Emissary resources
# --------------------------------------------------------------------------------------


def test_every_emissary_resource_waits_for_crds_and_release(amb):
    resources = [r for r in amb.resources if r.type.startswith(CR)]
    assert {r.type.removeprefix(CR) for r in resources} == {
        "TLSContext",
        "Listener",
        "Host",
        "Mapping",
        "TracingService",
    }
    for resource in resources:
        assert resource.inputs["apiVersion"] == "getambassador.io/v3alpha1"
        assert {"emissary-edge-crds", "emissary-edge-release"} <= set(resource.dependencies), resource.name
        assert resource.parent == "emissary-edge" and resource.provider == "cluster-k8s"


def test_tls_context_and_listeners(amb):
    (context,) = crs(amb, "TLSContext")
    assert context["metadata"]["name"] == "istio-upstream"
    assert context["spec"] == {"secret": "istio-certs", "alpn_protocols": "istio"}
    ports = sorted((b["spec"]["protocol"], b["spec"]["port"]) for b in crs(amb, "Listener"))
    assert ports == [("HTTP", 8080), ("HTTPS", 8443)]


def test_one_mapping_per_app_host_and_prefix_over_istio_mtls(amb):
    mappings = {(m["spec"]["hostname"], m["spec"]["prefix"]): m["spec"] for m in crs(amb, "Mapping")}
    assert set(mappings) == {
        ("app1.example.com", "/"),
        ("app1-pre.staging.example.net", "/"),
        ("shop.example.com", "/orders"),
        ("shop.example.com", "/cart"),
    }
    assert mappings[("shop.example.com", "/cart")]["service"] == "orders.prod:8080"
    assert mappings[("app1-pre.staging.example.net", "/")]["service"] == "app1-service.pre-prod:8000"
    for (_host, prefix), spec in mappings.items():
        assert spec["tls"] == "istio-upstream" and spec["rewrite"] == prefix
    assert all(m["metadata"]["namespace"] == "emissary" for m in crs(amb, "Mapping"))


def test_hosts_cover_every_mapping_and_use_the_generated_certificate(amb):
    hosts = {h["spec"]["hostname"]: h["spec"] for h in crs(amb, "Host")}
    assert set(hosts) == {"*.example.com", "app1-pre.staging.example.net"}
    assert {h["tlsSecret"]["name"] for h in hosts.values()} == {"emissary-edge-tls"}
    (cert,) = amb.of_type("tls:index/selfSignedCert:SelfSignedCert")
    assert cert.inputs["dnsNames"] == ["*.example.com", "app1-pre.staging.example.net"]
    assert "server_auth" in cert.inputs["allowedUses"]
    (secret,) = [r for r in amb.of_type("kubernetes:core/v1:Secret") if r.parent == "emissary-edge"]
    assert secret.inputs["type"] == "kubernetes.io/tls"
    assert isinstance(secret.inputs["stringData"], Secret)  # the private key never appears in plain text
    assert set(reveal(secret.inputs["stringData"])) == {"tls.crt", "tls.key"}
    assert "emissary-edge-tls" in {d for h in amb.of_type(CR + "Host") for d in h.dependencies}


def test_a_configured_secret_replaces_the_generated_certificate(run_stack):
    run = run_stack(
        "ambassador",
        overrides={
            "mesh-platform:edge": {
                "kind": "ambassador",
                "ambassador": {"tlsSecretName": "edge-cert", "hostnames": ["*.example.com"]},
            }
        },
    )
    assert {h["spec"]["tlsSecret"]["name"] for h in crs(run, "Host")} == {"edge-cert"}
    assert not run.of_type("tls:index/privateKey:PrivateKey")
    assert not [r for r in run.of_type("kubernetes:core/v1:Secret") if r.parent == "emissary-edge"]


def test_node_port_edge_without_hostnames_gets_one_host_per_app_host(run_stack):
    run = run_stack(
        "ambassador",
        overrides={"mesh-platform:edge": {"kind": "ambassador", "ambassador": {"serviceType": "NodePort"}}},
    )
    assert release(run, "emissary-ingress").inputs["values"]["service"]["type"] == "NodePort"
    assert sorted(h["spec"]["hostname"] for h in crs(run, "Host")) == [
        "app1-pre.staging.example.net",
        "app1.example.com",
        "shop.example.com",
    ]
    assert run.outputs["emissaryAddress"] is None


def test_preview_declares_the_same_resources(run_stack, amb):
    preview = run_stack("ambassador", preview=True)
    assert sorted((r.type, r.name) for r in preview.resources) == sorted((r.type, r.name) for r in amb.resources)


def test_tracing_service_and_dashboard(amb):
    (tracing,) = crs(amb, "TracingService")
    assert tracing["spec"]["service"] == "jaeger.istio-system:9411" and tracing["spec"]["driver"] == "zipkin"
    assert tracing["spec"]["sampling"]["overall"] == 10
    (dashboard,) = [r for r in amb.of_type("kubernetes:core/v1:ConfigMap") if r.parent == "emissary-edge"]
    assert dashboard.inputs["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert json.loads(dashboard.inputs["data"]["emissary.json"])["title"] == "Emissary edge"


def test_no_tracing_service_or_dashboard_when_both_are_off(run_stack):
    run = run_stack(
        "ambassador",
        overrides={
            "mesh-platform:istio": {"mtls": "STRICT", "tracing": {"enabled": False}},
            "mesh-platform:observability": {"grafana": {"addon": False}},
        },
    )
    assert not crs(run, "TracingService")
    assert not [r for r in run.of_type("kubernetes:core/v1:ConfigMap") if r.parent == "emissary-edge"]
    assert (
        release(run, "emissary-ingress").inputs["values"]["podAnnotations"]["mesh-platform/tracing-service"] == "none"
    )


def test_permissive_mesh_keeps_mtls_mappings(run_stack, amb):
    run = run_stack(
        "ambassador",
        overrides={"mesh-platform:istio": {"mtls": "PERMISSIVE", "tracing": {"enabled": True, "samplingPercent": 10}}},
    )

    def specs(r):
        return sorted(json.dumps(m["spec"], sort_keys=True) for m in crs(r, "Mapping"))

    assert specs(run) == specs(amb) and len(specs(run)) == 4
    assert crs(run, "TLSContext")[0]["spec"]["alpn_protocols"] == "istio"


def test_identity_and_policies_are_exported(amb):
    assert amb.outputs["emissarySpiffeId"] == "spiffe://cluster.local/ns/emissary/sa/emissary-ingress"
    assert amb.outputs["emissaryPrincipal"] == "cluster.local/ns/emissary/sa/emissary-ingress"
    assert amb.outputs["emissaryAppNamespaces"] == ["pre-prod", "prod"]
    assert not any(isinstance(v, dict) and "spec" in str(v) for v in amb.outputs.values())


def test_render_writes_the_policy_examples_out_of_the_outputs(amb, tmp_path):
    write_render(amb, tmp_path / "out")
    examples = sorted(p.name for p in (tmp_path / "out" / "examples").iterdir())
    assert examples == ["allow-emissary-pre-prod.yaml", "allow-emissary-prod.yaml"]
    policy = yaml.safe_load((tmp_path / "out" / "examples" / "allow-emissary-prod.yaml").read_text())
    assert policy["metadata"] == {"name": "allow-emissary", "namespace": "prod"}
    assert policy["spec"]["rules"][0]["from"][0]["source"]["principals"] == [
        "cluster.local/ns/emissary/sa/emissary-ingress"
    ]
    assert amb.outputs["emissaryHostnames"] == ["*.example.com", "app1-pre.staging.example.net"]


# --------------------------------------------------------------------------------------
# Independent checks: kubernetes-validate and required fields of Emissary kinds
# --------------------------------------------------------------------------------------

LISTENER_PROTOCOLS = {"HTTP", "HTTPS", "HTTPPROXY", "HTTPSPROXY", "TCP", "TLS", "UDP"}
SECURITY_MODELS = {"XFP", "SECURE", "INSECURE"}
TRACING_DRIVERS = {"zipkin", "datadog", "opentelemetry"}
INSECURE_ACTIONS = {"Redirect", "Reject", "Route"}

REQUIRED: dict[str, dict[str, Any]] = {
    # field -> type, or a set of allowed values (getambassador.io/v3alpha1 CRD schemas, Emissary 4.1)
    "Mapping": {"prefix": str, "service": str, "hostname": str},
    "Host": {"hostname": str, "tlsSecret": dict},
    "Listener": {"port": int, "protocol": LISTENER_PROTOCOLS, "securityModel": SECURITY_MODELS, "hostBinding": dict},
    "TLSContext": {"secret": str},
    "TracingService": {"service": str, "driver": TRACING_DRIVERS},
}


def emissary_problems(body: dict) -> list[str]:
    """What is missing or malformed in an Emissary resource body."""
    kind, spec, meta = body.get("kind"), body.get("spec") or {}, body.get("metadata") or {}
    problems = [] if body.get("apiVersion") == "getambassador.io/v3alpha1" else ["apiVersion"]
    if not meta.get("name") or not meta.get("namespace"):
        problems.append("metadata.name/namespace")
    for field_name, rule in REQUIRED.get(kind, {}).items():
        value = spec.get(field_name)
        if isinstance(rule, set):
            ok = value in rule
        elif rule is int:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) and int(value) == value
        else:
            ok = isinstance(value, rule) and bool(value)
        if not ok:
            problems.append(f"spec.{field_name}")
    if kind == "Mapping" and spec.get("tls") and ":" not in spec.get("service", ""):
        problems.append("spec.service needs an explicit port with tls")
    if kind == "Host" and not (spec.get("tlsSecret") or {}).get("name"):
        problems.append("spec.tlsSecret.name")
    if (
        kind == "Host"
        and spec.get("requestPolicy", {}).get("insecure", {}).get("action", "Redirect") not in INSECURE_ACTIONS
    ):
        problems.append("spec.requestPolicy.insecure.action")
    if kind == "Listener" and spec.get("hostBinding", {}).get("namespace", {}).get("from") not in (
        None,
        "SELF",
        "ALL",
        "SELECTOR",
    ):
        problems.append("spec.hostBinding.namespace.from")
    return problems


def test_emissary_resources_have_their_required_fields(amb):
    bodies = [r.inputs for r in amb.resources if r.type.startswith(CR)]
    assert len(bodies) == 10
    for body in bodies:
        assert emissary_problems(body) == [], body["metadata"]["name"]


@pytest.mark.parametrize(
    "kind, spec, problem",
    [
        (
            "Mapping",
            {"prefix": "/", "service": "svc.ns", "hostname": "a", "tls": "istio-upstream"},
            "spec.service needs an explicit port with tls",
        ),
        ("Mapping", {"service": "svc.ns:80", "hostname": "a"}, "spec.prefix"),
        (
            "Listener",
            {"port": 8080, "protocol": "HTTP", "securityModel": "MAYBE", "hostBinding": {}},
            "spec.securityModel",
        ),
        ("Host", {"hostname": "a", "tlsSecret": {}}, "spec.tlsSecret"),
        ("TracingService", {"service": "zipkin:9411", "driver": "lightstep"}, "spec.driver"),
    ],
)
def test_the_required_field_checks_catch_broken_bodies(kind, spec, problem):
    body = {
        "apiVersion": "getambassador.io/v3alpha1",
        "kind": kind,
        "metadata": {"name": "x", "namespace": "emissary"},
        "spec": spec,
    }
    assert problem in emissary_problems(body)


def test_plain_kubernetes_manifests_pass_kubernetes_validate(amb):
    manifests = [reveal(r.inputs) for r in edge_resources(amb) if r.type.startswith("kubernetes:core/") and r.custom]
    assert {m["kind"] for m in manifests} == {"Namespace", "Secret", "ConfigMap"}
    for manifest in manifests:
        kubernetes_validate.validate(manifest, "1.32.0", strict=True)


def test_kubernetes_validate_rejects_a_broken_manifest(amb):
    (secret,) = [reveal(r.inputs) for r in edge_resources(amb) if r.type == "kubernetes:core/v1:Secret"]
    secret["stringData"] = ["not", "a", "map"]
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(secret, "1.32.0", strict=True)


# --------------------------------------------------------------------------------------
# Switching a stack to the Emissary edge changes only edge resources
# --------------------------------------------------------------------------------------


def _diff_paths(a: Any, b: Any, path: tuple = ()) -> list[tuple]:
    if isinstance(a, dict) and isinstance(b, dict):
        return [p for key in sorted(set(a) | set(b)) for p in _diff_paths(a.get(key), b.get(key), path + (key,))]
    return [] if a == b else [path]


def _outside_edges(run: ProgramRun) -> dict[tuple[str, str], RecordedResource]:
    return {(r.type, r.name): r for r in run.resources if not under_edge(r)}


GATEWAY_TYPE = "kubernetes:networking.istio.io/v1:Gateway"
REENCRYPT_CREDENTIAL_TYPES = {
    "tls:index/privateKey:PrivateKey",
    "tls:index/selfSignedCert:SelfSignedCert",
    "kubernetes:core/v1:Secret",
}


@pytest.mark.parametrize("stack", ["eks", "dev", "onprem"])
def test_switching_to_ambassador_changes_only_edge_resources(run_stack, stack):
    """Outside the edge components everything stays identical, except what the edge shapes:

    - the Istio ingress gateway release's `values.service` (ClusterIP: Emissary is the entry point);
    - only when leaving an edge that re-encrypts to the gateway (the ALB; Avi with mutual TLS):
      the gateway's HTTPS server and the credential Secret it names disappear (with the ALB's
      self-signed key and certificate; Avi's key material lives inside its edge), because
      Emissary calls the apps directly and nothing reaches the gateway's HTTPS port.
    """
    before = run_stack(stack)
    after = run_stack(stack, overrides={"mesh-platform:edge": {"kind": "ambassador"}})
    outside_before, outside_after = _outside_edges(before), _outside_edges(after)
    config = load_stack_config_for(before)
    assert set(outside_after) <= set(outside_before)

    changed: dict[tuple[str, str], list[tuple]] = {}
    for key in outside_after:
        old, new = outside_before[key], outside_after[key]
        paths = _diff_paths(redact(old.inputs), redact(new.inputs))
        paths += [("parent",)] if old.parent != new.parent else []
        if paths:
            changed[key] = paths

    gateway_release = [
        k
        for k, r in outside_before.items()
        if k[0] == RELEASE and r.inputs.get("name") == config.istio.ingress_gateway.name
    ]
    for key in gateway_release:
        assert all(p[:2] == ("values", "service") for p in changed.pop(key, [])), key
        assert outside_after[key].inputs["values"]["service"]["type"] == "ClusterIP"
    assert len(gateway_release) == 1

    removed_credentials: set[str] = set()
    for key in [k for k in changed if k[0] == GATEWAY_TYPE]:
        assert config.edge.kind in ("alb", "avi") and changed.pop(key) == [("spec", "servers")]
        old_servers = outside_before[key].inputs["spec"]["servers"]
        new_servers = outside_after[key].inputs["spec"]["servers"]
        dropped = [s for s in old_servers if s not in new_servers]
        assert all(s in old_servers for s in new_servers) and dropped
        assert {s["port"]["protocol"] for s in dropped} == {"HTTPS"}
        removed_credentials |= {s["tls"]["credentialName"] for s in dropped}
    assert changed == {}

    gone = [outside_before[k] for k in set(outside_before) - set(outside_after)]
    if config.edge.kind not in ("alb", "avi"):
        assert gone == []
    else:
        assert {r.type for r in gone} == (
            REENCRYPT_CREDENTIAL_TYPES if config.edge.kind == "alb" else {"kubernetes:core/v1:Secret"}
        )
        assert len({r.parent for r in gone}) == 1
        assert {
            r.inputs["metadata"]["name"] for r in gone if r.type == "kubernetes:core/v1:Secret"
        } == removed_credentials

    assert not [r for r in before.resources if EDGE_TYPE in r.urn]
    assert [r for r in after.resources if r.type == EDGE_TYPE]
    assert [r for r in before.resources if under_edge(r)]  # the ALB or Avi edge was there before


class DictSource:
    """A ConfigSource over plain dicts; secrets present are answered with a placeholder."""

    def __init__(self, values: dict[str, Any], secret_keys: tuple[str, ...] = (), stack: str = "test"):
        self.values, self.secret_keys, self.stack = values, secret_keys, stack

    def value(self, key: str) -> Any:
        return copy.deepcopy(self.values.get(key))

    def secret(self, key: str) -> str | None:
        return "placeholder" if key in self.secret_keys else None

    def keys(self) -> list[str]:
        return [f"mesh-platform:{k}" for k in (*self.values, *self.secret_keys)]

    def provider_setting(self, full_key: str) -> str | None:
        return None

    def is_stored_secret(self, key: str) -> bool:
        return True


def load_stack_config_for(run: ProgramRun):
    """The validated config of a run's stack file (for names such as the ingress gateway's)."""
    stack = read_stack_file(PROJECT_DIR / f"Pulumi.{run.stack}.yaml")
    values = {}
    for key, raw in stack.config.items():
        if key.startswith("mesh-platform:"):
            try:
                values[key.removeprefix("mesh-platform:")] = json.loads(raw)
            except ValueError:
                values[key.removeprefix("mesh-platform:")] = raw
    secrets = tuple(k.removeprefix("mesh-platform:") for k in stack.secret_keys)
    return load_stack_config(DictSource(values, secrets, stack.stack))


# --------------------------------------------------------------------------------------
# Configuration of the edge
# --------------------------------------------------------------------------------------


def load_edge(ambassador: dict[str, Any]):
    return load_stack_config(
        DictSource(
            {
                "cluster": {"kind": "existing", "name": "dev"},
                "edge": {"kind": "ambassador", "ambassador": ambassador},
            }
        )
    ).edge.ambassador


def test_config_defaults_pin_emissary_4_on_ghcr():
    edge = load_edge({})
    assert (edge.chart.chart, edge.chart.version, edge.chart.repository) == (
        "emissary-ingress",
        EMISSARY_VERSION,
        "oci://ghcr.io/emissary-ingress",
    )
    assert (edge.crds_chart.chart, edge.crds_chart.version) == ("emissary-crds-chart", EMISSARY_VERSION)
    assert edge.replicas == 2 and edge.service_type == "LoadBalancer"


def test_config_crds_follow_the_chart_version_unless_pinned():
    assert load_edge({"chartVersion": "4.0.1"}).crds_chart.version == "4.0.1"
    assert load_edge({"chartVersion": "4.0.1", "crdsChartVersion": "4.1.0"}).crds_chart.version == "4.1.0"


def test_config_rejects_legacy_charts_and_bad_values():
    with pytest.raises(ConfigError) as error:
        load_edge({"chartVersion": "8.9.1", "repository": "ftp://charts", "replicas": 0, "serviceType": "ClusterIP"})
    found = [str(p) for p in error.value.problems]
    assert len(found) == 4
    assert any(p.startswith("mesh-platform:edge.ambassador.chartVersion:") and "Emissary 4.x" in p for p in found)
    assert any(p.startswith("mesh-platform:edge.ambassador.repository:") for p in found)
    assert any(p.startswith("mesh-platform:edge.ambassador.replicas:") for p in found)
    assert any(p.startswith("mesh-platform:edge.ambassador.serviceType:") for p in found)


def test_grafana_picks_up_the_emissary_dashboard(run_stack):
    run = run_stack("ambassador")
    # the values are a secret as a whole: they carry the checksum of Grafana's credentials
    sidecar = reveal(run.named("observability-grafana").inputs["values"])["sidecar"]["dashboards"]
    dashboard = run.named("emissary-edge-dashboard").inputs["metadata"]
    assert dashboard["labels"][sidecar["label"]] == sidecar["labelValue"]
    assert dashboard["namespace"] == sidecar["searchNamespace"]
