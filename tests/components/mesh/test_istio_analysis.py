"""Istio's own judgement: the rendered manifests of every example stack pass `istioctl analyze`
offline (`--use-kube=false`) with no Error-level message, run by the istioctl of the pinned Istio.

istioctl is taken from PATH or from the upstream cache (`bin/istioctl`); it is published only as
a GitHub release binary (no package registry carries it), so where neither has it, or it is of
another Istio version, the test skips and says so.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from components.mesh.config import ISTIO_VERSION
from tests.conftest import STACK_NAMES
from tools import render
from tools.upstream import cache_dir

GATEWAY_WITHOUT_PODS = "IST0101"
"""ReferencedResourceNotFound: offline, a Gateway's selector finds no pods, because the gateway
Deployments come from the Helm releases and not from the rendered manifests."""


def istioctl() -> Path | None:
    found = shutil.which("istioctl")
    if found:
        return Path(found)
    cached = cache_dir() / "bin" / "istioctl"
    return cached if cached.is_file() else None


def _skip_reason() -> str:
    binary = istioctl()
    if binary is None:
        return (
            f"no istioctl on PATH or at {cache_dir() / 'bin' / 'istioctl'}: istioctl {ISTIO_VERSION} is published "
            "only as a GitHub release binary; put it on PATH to run Istio's offline analysis"
        )
    done = subprocess.run([str(binary), "version", "--remote=false"], capture_output=True, text=True, timeout=60)
    if ISTIO_VERSION not in done.stdout:
        return f"{binary} is not istioctl {ISTIO_VERSION} (it says {done.stdout.strip()!r})"
    return ""


SKIP_REASON = _skip_reason()
needs_istioctl = pytest.mark.skipif(bool(SKIP_REASON), reason=SKIP_REASON or "istioctl present")


def analyze(directory: Path, istio_namespace: str) -> list[dict[str, Any]]:
    """istioctl's messages for every manifest under `directory`, as JSON."""
    binary = istioctl()
    assert binary is not None
    command = [
        str(binary),
        "analyze",
        "--use-kube=false",
        "--recursive",
        "--all-namespaces",
        "--istioNamespace",
        istio_namespace,
        "--output",
        "json",
        str(directory),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"istioctl analyze failed to run:\n{done.stderr}"
    return json.loads(done.stdout or "[]")


def failures(messages: list[dict[str, Any]]) -> list[str]:
    """Error-level messages (istioctl's own failure threshold), except gateways' missing pods offline."""
    found = []
    for message in messages:
        if message.get("level") != "Error":
            continue
        if message.get("code") == GATEWAY_WITHOUT_PODS and str(message.get("origin", "")).startswith("Gateway "):
            continue
        found.append(f"{message.get('code')} {message.get('origin')}: {message.get('message')}")
    return found


@needs_istioctl
@pytest.mark.parametrize("stack", STACK_NAMES)
def test_rendered_manifests_pass_istios_offline_analysis(run_stack, stack, tmp_path):
    run = run_stack(stack)
    render.write_render(run, tmp_path)
    manifests = tmp_path / "manifests"
    assert any(manifests.glob("*.yaml"))
    assert failures(analyze(manifests, str(run.outputs["istioNamespace"]))) == []


@needs_istioctl
def test_the_analysis_catches_a_route_to_a_missing_gateway(tmp_path):
    (tmp_path / "vs.yaml").write_text(
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: r, namespace: prod}\n"
        "spec:\n  hosts: [a.example.com]\n  gateways: [istio-ingress/missing]\n"
        "  http: [{route: [{destination: {host: a.prod.svc.cluster.local}}]}]\n"
    )
    found = failures(analyze(tmp_path, "istio-system"))
    assert any(line.startswith("IST0101 VirtualService") for line in found), found


def test_only_errors_fail_and_only_offline_gateway_selectors_are_excused():
    messages = [
        {"code": "IST0101", "level": "Error", "origin": "Gateway istio-ingress/g", "message": "selector"},
        {"code": "IST0101", "level": "Error", "origin": "VirtualService prod/r", "message": "gateway"},
        {"code": "IST0118", "level": "Info", "origin": "Service prod/s", "message": "port name"},
        {"code": "IST0108", "level": "Warning", "origin": "Deployment prod/d", "message": "annotation"},
    ]
    assert failures(messages) == ["IST0101 VirtualService prod/r: gateway"]
