"""`python -m tools.render` for every stack file, bad stacks, and secrets in its output."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from tests.conftest import STACK_NAMES, write_stack
from tools.mockrun import PROJECT_DIR, read_stack_file, secret_placeholder


def render(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tools.render", *args], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=240
    )


def test_repo_has_the_expected_stacks():
    assert {"dev", "eks", "aks", "onprem"} <= set(STACK_NAMES)


@pytest.mark.parametrize("stack", STACK_NAMES)
@pytest.mark.slow
def test_every_stack_renders(stack, tmp_path):
    out = tmp_path / stack
    result = render("--stack", stack, "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert f"stack {stack}:" in result.stdout and "total" in result.stdout
    resources = json.loads((out / "resources.json").read_text())
    assert resources and {"type", "name", "parent", "inputs"} == set(resources[0])
    names = {r["name"] for r in resources}
    for entry in resources:
        assert entry["parent"] is None or entry["parent"] in names
    for manifest_file in (out / "manifests").glob("*.yaml"):
        manifest = yaml.safe_load(manifest_file.read_text())
        assert manifest["apiVersion"] and manifest["kind"] and manifest["metadata"]["name"]
    # No secret of the stack file shows up anywhere in what render writes.
    stack_file = read_stack_file(PROJECT_DIR / f"Pulumi.{stack}.yaml")
    written = "".join(p.read_text() for p in out.rglob("*") if p.is_file())
    for key in stack_file.secret_keys:
        assert secret_placeholder(key) not in written, f"{key} leaked into render output"
    assert "[secret]" in (out / "outputs.json").read_text()  # the kubeconfig


def test_three_mistakes_are_all_reported_and_nothing_is_written(tmp_path):
    path = write_stack(
        tmp_path,
        "broken",
        """
config:
  mesh-platform:cluster:
    kind: eks
    eks:
      vpc:
        availabilityZones: [eu-west-1a, eu-west-1b]
      nodeGroup: {minSize: 5, desiredSize: 2, maxSize: 6}
  mesh-platform:istio:
    mtls: strict
  mesh-platform:edge:
    kind: albb
""",
    )
    out = tmp_path / "out"
    result = render("--config", str(path), "--out", str(out))
    assert result.returncode == 2
    assert "3 problem(s)" in result.stderr
    assert (
        "mesh-platform:cluster.eks.nodeGroup: expected minSize <= desiredSize <= maxSize; got 5, 2, 6" in result.stderr
    )
    assert 'mesh-platform:istio.mtls: expected one of STRICT, PERMISSIVE; got "strict"' in result.stderr
    assert 'mesh-platform:edge.kind: expected one of alb, azure-ip, emissary, avi; got "albb"' in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_missing_stack_file_exits_2(tmp_path):
    result = render("--stack", "no-such-stack", "--out", str(tmp_path / "x"))
    assert result.returncode == 2 and "no stack file" in result.stderr


def test_secure_values_become_secret_placeholders(tmp_path):
    path = write_stack(
        tmp_path,
        "s",
        """
encryptionsalt: v1:8MKk66JQs3w=:v1:v3XTLhTAGqDyEEkz:tBKDfgPMelk9Aj7eqM4qGJKkh7lT7w==
config:
  mesh-platform:cluster: {kind: existing}
  mesh-platform:kubeconfig:
    secure: v1:tWgIvuDND8ndZH2y:DMEb7SFohQ0hWRZx6rr+8PJ8O4LSrSvF69DyZMvaoMFV55q6OQ==
  mesh-platform:edge: {kind: ambassador}
""",
    )
    stack = read_stack_file(path)
    assert stack.secret_keys == ("mesh-platform:kubeconfig",)
    assert stack.config["mesh-platform:kubeconfig"] == secret_placeholder("mesh-platform:kubeconfig")
    assert json.loads(stack.config["mesh-platform:cluster"]) == {"kind": "existing"}
    # Pulumi.yaml's declared defaults apply when the stack does not set a key.
    assert json.loads(stack.config["mesh-platform:namespaces"]) == ["default"]


@pytest.mark.parametrize("stack", ["aks", "onprem", "ambassador"])
@pytest.mark.slow
def test_render_stands_in_for_missing_secrets_and_says_so(stack, tmp_path):
    result = render("--stack", stack, "--out", str(tmp_path / stack))
    assert result.returncode == 0, result.stderr
    stack_file = read_stack_file(PROJECT_DIR / f"Pulumi.{stack}.yaml")
    assert stack_file.stood_in
    for key in stack_file.stood_in:
        assert f"{key} is not in the file; rendering with a placeholder secret" in result.stderr
