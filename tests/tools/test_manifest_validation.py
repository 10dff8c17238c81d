"""Every manifest `tools.render` writes is valid: built-in kinds against the Kubernetes
OpenAPI schemas (`kubernetes-validate`, strict, for the stack's Kubernetes version); Istio
and Kiali custom resources against their required fields and cross-references, checked here."""

from __future__ import annotations

import re

import kubernetes_validate
import pytest
import yaml
from kubernetes_validate.utils import SchemaNotFoundError, all_versions, major_minor

from components.cluster.config import KUBERNETES_VERSION
from tools import render
from tools.mockrun import PROJECT_DIR

STACKS = ["eks", "aks", "dev", "onprem"]
DNS_1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
HOST = re.compile(r"^(\*|(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)$")

ISTIO_API = {
    "Gateway": "networking.istio.io/v1",
    "VirtualService": "networking.istio.io/v1",
    "ServiceEntry": "networking.istio.io/v1",
    "DestinationRule": "networking.istio.io/v1",
    "Sidecar": "networking.istio.io/v1",
    "PeerAuthentication": "security.istio.io/v1",
    "AuthorizationPolicy": "security.istio.io/v1",
    "Telemetry": "telemetry.istio.io/v1",
}
SERVER_PROTOCOLS = {"HTTP", "HTTPS", "GRPC", "HTTP2", "MONGO", "TCP", "TLS"}
PORT_PROTOCOLS = SERVER_PROTOCOLS | {"GRPC-WEB", "UDP", "REDIS", "MYSQL"}
GATEWAY_TLS_MODES = {"PASSTHROUGH", "SIMPLE", "MUTUAL", "AUTO_PASSTHROUGH", "ISTIO_MUTUAL", "OPTIONAL_MUTUAL"}
KIALI_STRATEGIES = {"anonymous", "header", "openid", "openshift", "token"}


def target_version(stack: str) -> str:
    """The stack's cluster.kubernetesVersion, or the newest the validator knows if it is newer."""
    config = yaml.safe_load((PROJECT_DIR / f"Pulumi.{stack}.yaml").read_text())["config"]
    wanted = str((config.get("mesh-platform:cluster") or {}).get("kubernetesVersion", KUBERNETES_VERSION))
    known = [major_minor(v) for v in all_versions()]
    newest = max(known, key=lambda v: tuple(int(p) for p in v.split(".")))
    return wanted if wanted in known else newest


# --------------------------------------------------------------------------------------
# The project's own checks for custom resources
# --------------------------------------------------------------------------------------


def _port_ok(number) -> bool:
    return isinstance(number, (int, float)) and float(number).is_integer() and 1 <= number <= 65535


def _gateway(spec: dict) -> list[str]:
    problems = []
    if not spec.get("selector"):
        problems.append("spec.selector: required")
    if not spec.get("servers"):
        problems.append("spec.servers: at least one server required")
    for i, server in enumerate(spec.get("servers") or []):
        port = server.get("port") or {}
        if not _port_ok(port.get("number")) or not port.get("name") or port.get("protocol") not in SERVER_PROTOCOLS:
            problems.append(f"spec.servers[{i}].port: needs number, name and a known protocol; got {port}")
        hosts = server.get("hosts") or []
        if not hosts:
            problems.append(f"spec.servers[{i}].hosts: required")
        for host in hosts:
            if not HOST.match(host.split("/", 1)[-1]):
                problems.append(f"spec.servers[{i}].hosts: bad host {host!r}")
        tls = server.get("tls")
        if port.get("protocol") in ("HTTPS", "TLS") and not tls:
            problems.append(f"spec.servers[{i}].tls: required for {port.get('protocol')}")
        if tls:
            if tls.get("mode") not in GATEWAY_TLS_MODES:
                problems.append(f"spec.servers[{i}].tls.mode: unknown {tls.get('mode')!r}")
            if tls.get("mode") in ("SIMPLE", "MUTUAL") and not (
                tls.get("credentialName") or tls.get("serverCertificate")
            ):
                problems.append(f"spec.servers[{i}].tls: {tls.get('mode')} needs credentialName")
    return problems


def _virtual_service(spec: dict) -> list[str]:
    problems = []
    if not spec.get("hosts"):
        problems.append("spec.hosts: required")
    for kind in ("http", "tls", "tcp"):
        for i, route in enumerate(spec.get(kind) or []):
            destinations = route.get("route") or []
            if not destinations:
                problems.append(f"spec.{kind}[{i}].route: at least one destination required")
            for d in destinations:
                dest = d.get("destination") or {}
                if not dest.get("host"):
                    problems.append(f"spec.{kind}[{i}].route: destination.host required")
                if "port" in dest and not _port_ok((dest["port"] or {}).get("number")):
                    problems.append(f"spec.{kind}[{i}].route: bad destination port {dest['port']}")
            if kind == "tls" and not all(m.get("sniHosts") for m in route.get("match") or [{}]):
                problems.append(f"spec.tls[{i}].match: sniHosts required")
            weights = [d.get("weight") for d in destinations if d.get("weight") is not None]
            if weights and sum(weights) != 100:
                problems.append(f"spec.{kind}[{i}].route: weights must add up to 100")
    if not any(spec.get(kind) for kind in ("http", "tls", "tcp")):
        problems.append("spec: one of http, tls, tcp required")
    return problems


def _service_entry(spec: dict) -> list[str]:
    problems = []
    hosts = spec.get("hosts") or []
    if not hosts:
        problems.append("spec.hosts: required")
    for i, port in enumerate(spec.get("ports") or []):
        if not _port_ok(port.get("number")) or not port.get("name") or port.get("protocol") not in PORT_PROTOCOLS:
            problems.append(f"spec.ports[{i}]: needs number, name and a known protocol; got {port}")
    if spec.get("resolution") not in ("NONE", "STATIC", "DNS", "DNS_ROUND_ROBIN"):
        problems.append(f"spec.resolution: unknown {spec.get('resolution')!r}")
    if spec.get("resolution") == "DNS" and any(h.startswith("*") for h in hosts):
        problems.append("spec.resolution: DNS cannot resolve wildcard hosts")
    if spec.get("location", "MESH_EXTERNAL") not in ("MESH_EXTERNAL", "MESH_INTERNAL"):
        problems.append(f"spec.location: unknown {spec.get('location')!r}")
    return problems


def _destination_rule(spec: dict) -> list[str]:
    names = [s.get("name") for s in spec.get("subsets") or []]
    problems = [] if spec.get("host") else ["spec.host: required"]
    if len(names) != len(set(names)) or not all(names):
        problems.append("spec.subsets: names must be present and unique")
    return problems


def _peer_authentication(spec: dict) -> list[str]:
    mode = (spec.get("mtls") or {}).get("mode")
    return [] if mode in ("UNSET", "DISABLE", "PERMISSIVE", "STRICT") else [f"spec.mtls.mode: unknown {mode!r}"]


def _telemetry(spec: dict) -> list[str]:
    problems = []
    for i, tracing in enumerate(spec.get("tracing") or []):
        if not all(p.get("name") for p in tracing.get("providers") or [{}]):
            problems.append(f"spec.tracing[{i}].providers: names required")
        rate = tracing.get("randomSamplingPercentage")
        if rate is not None and not 0 <= rate <= 100:
            problems.append(f"spec.tracing[{i}].randomSamplingPercentage: expected 0..100")
    return problems


def _authorization_policy(spec: dict) -> list[str]:
    action = spec.get("action", "ALLOW")
    return [] if action in ("ALLOW", "DENY", "AUDIT", "CUSTOM") else [f"spec.action: unknown {action!r}"]


def _kiali(spec: dict) -> list[str]:
    strategy = (spec.get("auth") or {}).get("strategy")
    return [] if strategy in KIALI_STRATEGIES else [f"spec.auth.strategy: Kiali has no {strategy!r} strategy"]


CHECKS = {
    "Gateway": _gateway,
    "VirtualService": _virtual_service,
    "ServiceEntry": _service_entry,
    "DestinationRule": _destination_rule,
    "PeerAuthentication": _peer_authentication,
    "Telemetry": _telemetry,
    "AuthorizationPolicy": _authorization_policy,
    "Kiali": _kiali,
}


def custom_resource_problems(doc: dict) -> list[str]:
    """What is wrong with one Istio/Kiali custom resource (empty: nothing)."""
    kind, meta = doc.get("kind"), doc.get("metadata") or {}
    problems = []
    if not DNS_1123.match(meta.get("name") or ""):
        problems.append(f"metadata.name: not a DNS-1123 name: {meta.get('name')!r}")
    if not meta.get("namespace"):
        problems.append("metadata.namespace: required")
    if kind in ISTIO_API and doc.get("apiVersion") != ISTIO_API[kind]:
        problems.append(f"apiVersion: expected {ISTIO_API[kind]} for the pinned Istio; got {doc.get('apiVersion')}")
    if not isinstance(doc.get("spec"), dict):
        return problems + ["spec: required"]
    if kind in ("VirtualService", "ServiceEntry", "DestinationRule"):
        for value in doc["spec"].get("exportTo") or []:
            if value not in (".", "*") and not DNS_1123.match(value):
                problems.append(f"spec.exportTo: bad value {value!r}")
    return problems + CHECKS.get(kind, lambda spec: [])(doc["spec"])


def reference_problems(docs: list[dict]) -> list[str]:
    """Cross-object rules: gateways referenced exist and can see their VirtualServices;
    subsets routed to exist in a DestinationRule."""
    gateways = {(d["metadata"]["namespace"], d["metadata"]["name"]) for d in docs if d.get("kind") == "Gateway"}
    subsets = {
        (d["spec"]["host"], s["name"])
        for d in docs
        if d.get("kind") == "DestinationRule"
        for s in d["spec"].get("subsets") or []
    }
    problems = []
    for doc in docs:
        if doc.get("kind") != "VirtualService":
            continue
        where = f"{doc['metadata']['namespace']}/{doc['metadata']['name']}"
        export = doc["spec"].get("exportTo") or ["*"]
        for ref in doc["spec"].get("gateways") or ["mesh"]:
            if ref == "mesh":
                continue
            namespace, _, name = ref.rpartition("/")
            namespace = namespace or doc["metadata"]["namespace"]
            if (namespace, name) not in gateways:
                problems.append(f"{where}: gateway {ref} does not exist")
            visible = (
                "*" in export or namespace in export or ("." in export and namespace == doc["metadata"]["namespace"])
            )
            if not visible:
                problems.append(f"{where}: not exported to the namespace of gateway {ref}")
        for kind in ("http", "tls", "tcp"):
            for route in doc["spec"].get(kind) or []:
                for d in route.get("route") or []:
                    dest = d.get("destination") or {}
                    if dest.get("subset") and (dest["host"], dest["subset"]) not in subsets:
                        problems.append(f"{where}: subset {dest['subset']} of {dest['host']} has no DestinationRule")
    return problems


# --------------------------------------------------------------------------------------
# The rendered stacks
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rendered(run_stack, tmp_path_factory) -> dict[str, list[dict]]:
    docs = {}
    for stack in STACKS:
        out = tmp_path_factory.mktemp(stack)
        render.write_render(run_stack(stack), out)
        docs[stack] = [yaml.safe_load(p.read_text()) for p in sorted((out / "manifests").glob("*.yaml"))]
    return docs


def _is_builtin(doc: dict, version: str) -> bool:
    try:
        kubernetes_validate.validate({"apiVersion": doc["apiVersion"], "kind": doc["kind"]}, version)
    except SchemaNotFoundError:
        return False
    except kubernetes_validate.ValidationError:
        return True
    return True


@pytest.mark.parametrize("stack", STACKS)
def test_builtin_manifests_pass_kubernetes_validate(rendered, stack):
    version = target_version(stack)
    builtin = [d for d in rendered[stack] if _is_builtin(d, version)]
    assert {"Namespace"} <= {d["kind"] for d in builtin}
    failures = []
    for doc in builtin:
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            failures.append(f"{doc['kind']}/{doc['metadata'].get('name')}: {error.message}")
    assert failures == []


def test_secret_manifests_keep_their_keys_and_hide_their_values(rendered):
    secrets = [d for docs in rendered.values() for d in docs if d["kind"] == "Secret" and d.get("stringData")]
    assert secrets
    for doc in secrets:
        assert set(doc["stringData"].values()) == {"[secret]"}, doc["metadata"]


@pytest.mark.parametrize("stack", STACKS)
def test_custom_resources_have_their_required_fields(rendered, stack):
    version = target_version(stack)
    custom = [d for d in rendered[stack] if not _is_builtin(d, version)]
    assert any(d["kind"] == "VirtualService" for d in custom)
    problems = [f"{d['kind']}/{d['metadata'].get('name')}: {p}" for d in custom for p in custom_resource_problems(d)]
    assert problems == []
    assert reference_problems(custom) == []


def test_the_targeted_version_is_the_stack_version():
    assert target_version("eks") == "1.35"


# -- the checks themselves catch mistakes -----------------------------------------------


def test_strict_validation_rejects_an_unknown_field():
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}, "spec": {"bogus": 1}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(namespace, "1.32", strict=True)


def test_custom_resource_checks_catch_missing_fields():
    gateway = {
        "apiVersion": "networking.istio.io/v1beta1",
        "kind": "Gateway",
        "metadata": {"name": "g", "namespace": "n"},
        "spec": {
            "servers": [
                {
                    "port": {"number": 443, "name": "https", "protocol": "HTTPS"},
                    "hosts": ["a.example.com"],
                    "tls": {"mode": "SIMPLE"},
                }
            ]
        },
    }
    problems = " | ".join(custom_resource_problems(gateway))
    assert "expected networking.istio.io/v1" in problems
    assert "spec.selector: required" in problems
    assert "SIMPLE needs credentialName" in problems

    entry = {
        "apiVersion": "networking.istio.io/v1",
        "kind": "ServiceEntry",
        "metadata": {"name": "e", "namespace": "n"},
        "spec": {"hosts": ["*.a.com"], "resolution": "DNS", "ports": [{"number": 0, "protocol": "TLS"}]},
    }
    problems = " | ".join(custom_resource_problems(entry))
    assert "wildcard" in problems and "spec.ports[0]" in problems

    kiali = {
        "apiVersion": "kiali.io/v1alpha1",
        "kind": "Kiali",
        "metadata": {"name": "k", "namespace": "n"},
        "spec": {"auth": {"strategy": "login"}},
    }
    assert custom_resource_problems(kiali) == ["spec.auth.strategy: Kiali has no 'login' strategy"]


def test_reference_checks_catch_private_gateway_bound_services():
    gateway = {"kind": "Gateway", "metadata": {"name": "gw", "namespace": "istio-ingress"}, "spec": {}}
    hidden = {
        "kind": "VirtualService",
        "metadata": {"name": "v", "namespace": "prod"},
        "spec": {
            "hosts": ["a"],
            "gateways": ["istio-ingress/gw", "istio-ingress/missing"],
            "exportTo": ["."],
            "http": [{"route": [{"destination": {"host": "x", "subset": "s"}}]}],
        },
    }
    problems = reference_problems([gateway, hidden])
    assert "prod/v: not exported to the namespace of gateway istio-ingress/gw" in problems
    assert "prod/v: gateway istio-ingress/missing does not exist" in problems
    assert "prod/v: subset s of x has no DestinationRule" in problems
