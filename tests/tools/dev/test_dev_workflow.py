"""`make up|down STACK=dev` and the deploy targets, with stand-in pulumi, kind, kubectl and docker
(tests/tools/dev/sandbox.py), and the downloads of the project-local Pulumi CLI, kind and kubectl
from releases served on loopback, checked against tools/dev/checksums.txt.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import time

import pytest

from tests.tools.dev.sandbox import (
    COMMITTED_CHECKSUMS,
    KIND_VERSION,
    KUBECTL_VERSION,
    LIB,
    PLATFORMS,
    PULUMI_VERSION,
    DevSandbox,
    alive,
    checksums_file,
    download_env,
    emulator_answers,
    leftovers,
    pulumi_release,
)
from tools.mockrun import PROJECT_DIR


def _pulumi_commands(box: DevSandbox) -> list[list[str]]:
    return [c["args"] for c in box.calls("pulumi")]


@pytest.mark.emulator
@pytest.mark.slow
def test_up_then_up_again_then_down(sandbox):
    committed = (PROJECT_DIR / "Pulumi.dev.yaml").read_bytes()

    first = sandbox.make("up", "STACK=dev", f"BACKEND={sandbox.backend}")
    assert first.returncode == 0, first.stdout + first.stderr
    assert first.stdout.index("    all there") < first.stdout.index("==> Pulumi CLI"), "the checks come first"
    pulumi = sandbox.calls("pulumi")
    assert pulumi, "pulumi was never called"
    assert not any(c["args"][:1] == ["login"] for c in pulumi), "no global pulumi login"
    assert {c["backend"] for c in pulumi} == {sandbox.backend}
    assert {c["passphrase"] for c in pulumi} == {"mesh-platform-dev"}
    creates = [c["args"] for c in sandbox.calls("kind") if c["args"][:2] == ["create", "cluster"]]
    assert len(creates) == 1 and str(sandbox.kind_config) in creates[0]
    assert ["stack", "init", "dev", "--secrets-provider", "passphrase", "--non-interactive"] in _pulumi_commands(
        sandbox
    )
    up = [a for a in _pulumi_commands(sandbox) if a[:1] == ["up"]]
    assert len(up) == 1 and up[0][1:4] == ["--stack", "dev", "--yes"]
    assert "mesh-platform:edge.avi.nodes[0].name=mesh-dev-control-plane" in up[0]
    assert "mesh-platform:edge.avi.nodes[0].address=172.18.0.7" in up[0]
    assert f"mesh-platform:avi.controller=http://127.0.0.1:{sandbox.port}" in up[0]
    assert "mesh-platform:cluster.existing.context=kind-mesh-dev" in up[0]
    assert up[0][up[0].index("--config-file") + 1] == str(sandbox.dev_dir / "Pulumi.dev.yaml")
    assert (sandbox.state / "config-file-seen").read_bytes() == committed
    assert (PROJECT_DIR / "Pulumi.dev.yaml").read_bytes() == committed
    pid = sandbox.emulator_pid()
    assert pid and alive(pid) and emulator_answers(sandbox.port)
    assert (sandbox.dev_dir / "avi-emulator.log").exists()
    assert any("apply" in c["args"] for c in sandbox.calls("kubectl"))
    assert "curl -H 'Host: app1.public.domain' http://127.0.0.1:30080/get" in first.stdout
    assert "make outputs STACK=dev" in first.stdout

    sandbox.reset_log()
    second = sandbox.make("up", "STACK=dev", f"BACKEND={sandbox.backend}")
    assert second.returncode == 0, second.stdout + second.stderr
    assert not sandbox.calls("kind"), "kind is not asked again once the context exists"
    assert sandbox.emulator_pid() == pid and "running (pid" in second.stdout
    assert not any(a[:2] == ["stack", "init"] for a in _pulumi_commands(sandbox))
    assert not any("apply" in c["args"] for c in sandbox.calls("kubectl"))
    assert [a[:3] for a in _pulumi_commands(sandbox) if a[:1] == ["up"]] == [["up", "--stack", "dev"]]

    sandbox.reset_log()
    down = sandbox.make("down", "STACK=dev", f"BACKEND={sandbox.backend}")
    assert down.returncode == 0, down.stdout + down.stderr
    destroy = [a for a in _pulumi_commands(sandbox) if a[:1] == ["destroy"]]
    assert len(destroy) == 1 and destroy[0][1:4] == ["--stack", "dev", "--yes"]
    assert {c["backend"] for c in sandbox.calls("pulumi")} == {sandbox.backend}
    assert not any(c["args"][:1] == ["login"] for c in sandbox.calls("pulumi"))
    deadline = time.monotonic() + 10
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(pid) and sandbox.emulator_pid() is None
    assert [c["args"][:2] for c in sandbox.calls("kind")] == [["delete", "cluster"]]


@pytest.mark.emulator
def test_an_existing_context_is_used_and_kept(sandbox):
    (sandbox.state / "contexts").write_text("kind-mesh-dev")
    up = sandbox.make("up", "STACK=dev", f"BACKEND={sandbox.backend}")
    assert up.returncode == 0, up.stdout + up.stderr
    assert "context kind-mesh-dev exists" in up.stdout
    down = sandbox.make("down", "STACK=dev", f"BACKEND={sandbox.backend}")
    assert down.returncode == 0, down.stdout + down.stderr
    assert not sandbox.calls("kind"), "a cluster make up did not create is neither created nor deleted"


@pytest.mark.emulator
@pytest.mark.slow
def test_down_starts_the_emulator_for_destroy_when_it_was_stopped(sandbox):
    up = sandbox.make("up", "STACK=dev", f"BACKEND={sandbox.backend}")
    assert up.returncode == 0, up.stdout + up.stderr
    first = sandbox.emulator_pid()
    os.kill(first, 15)
    deadline = time.monotonic() + 10
    while alive(first) and time.monotonic() < deadline:
        time.sleep(0.1)
    down = sandbox.make("down", "STACK=dev", f"BACKEND={sandbox.backend}", KEEP_CLUSTER="1")
    assert down.returncode == 0, down.stdout + down.stderr
    out = down.stdout
    assert out.index("started (pid") < out.index("stopped (pid"), "started for the destroy, then stopped"
    assert sandbox.emulator_pid() is None
    assert not any(c["args"][:2] == ["delete", "cluster"] for c in sandbox.calls("kind")), "KEEP_CLUSTER=1"


def test_the_dev_stack_defaults_to_state_inside_the_project(sandbox):
    result = sandbox.make("preview", "STACK=dev")
    assert result.returncode == 0, result.stdout + result.stderr
    (call,) = sandbox.calls("pulumi")
    assert call["args"][:3] == ["preview", "--stack", "dev"] and "--yes" not in call["args"]
    assert call["backend"] == f"file://{PROJECT_DIR / '.pulumi-state'}"
    assert call["passphrase"] == "mesh-platform-dev"


@pytest.mark.parametrize("command", ["destroy", "up", "refresh"])
def test_other_stacks_keep_pulumis_prompt(sandbox, command):
    result = sandbox.make(command, "STACK=eks")
    assert result.returncode == 0, result.stdout + result.stderr
    (call,) = sandbox.calls("pulumi")
    assert call["args"][:3] == [command, "--stack", "eks"] and "--yes" not in call["args"]
    # Neither the dev backend nor the dev passphrase leaks into another stack's command.
    assert call["backend"] is None and call["passphrase"] is None

    sandbox.reset_log()
    result = sandbox.make(command, "STACK=eks", "YES=1", "BACKEND=s3://team-state")
    assert result.returncode == 0, result.stdout + result.stderr
    (call,) = sandbox.calls("pulumi")
    assert "--yes" in call["args"] and call["backend"] == "s3://team-state"


def test_outputs_of_the_dev_stack(sandbox):
    result = sandbox.make("outputs", "STACK=dev", f"BACKEND={sandbox.backend}")
    assert result.returncode == 0, result.stdout + result.stderr
    (call,) = sandbox.calls("pulumi")
    assert call["args"] == ["stack", "output", "--stack", "dev"] and call["backend"] == sandbox.backend


def test_down_is_only_for_dev(sandbox):
    result = sandbox.make("down", "STACK=eks")
    assert result.returncode == 2 and "make destroy STACK=eks" in result.stdout
    assert not sandbox.calls()


# --------------------------------------------------------------------------------------
# Downloads: the project-local Pulumi CLI, kind and kubectl, from releases served on
# loopback, checked against tools/dev/checksums.txt
# --------------------------------------------------------------------------------------


def _ensure(tool: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Runs lib.sh's ensure_<tool> on its own and prints the path it settled on."""
    variable = tool.upper()
    script = f'source "$0"; ensure_{tool}; echo "{variable}=${variable}"'
    return subprocess.run(["bash", "-c", script, str(LIB)], env=env, capture_output=True, text=True, timeout=60)


def test_pulumi_is_installed_inside_the_project_when_missing(tmp_path, release_server):
    url, files, _ = release_server
    box = DevSandbox(tmp_path, tools=())
    files.update(pulumi_release(PULUMI_VERSION))
    (tarball,) = files.values()
    checksums = checksums_file(tmp_path, {f"pulumi-v{PULUMI_VERSION}-linux-x64": tarball})
    env = download_env(box, url, checksums=checksums)
    script = str(PROJECT_DIR / "tools/dev/stack.sh")
    result = subprocess.run([script, "preview", "eks"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    installed = tmp_path / "tools" / f"pulumi-v{PULUMI_VERSION}" / "pulumi" / "pulumi"
    assert installed.is_file()
    assert f"installing Pulumi {PULUMI_VERSION}" in result.stdout
    assert "project-local pulumi preview --stack eks --diff" in result.stdout
    assert not [p for p in leftovers(tmp_path / "tools") if "partial" in p.name]
    again = subprocess.run([script, "preview", "eks"], env=env, capture_output=True, text=True, timeout=60)
    assert "using the project's copy" in again.stdout and "installing" not in again.stdout


def test_a_pulumi_release_that_fails_its_committed_checksum_is_refused(tmp_path, release_server):
    url, files, _ = release_server
    box = DevSandbox(tmp_path, tools=())
    release = pulumi_release(PULUMI_VERSION)
    ((path, tarball),) = release.items()
    checksums = checksums_file(tmp_path, {f"pulumi-v{PULUMI_VERSION}-linux-x64": tarball})
    files[path] = tarball + b"tampered"
    result = subprocess.run(
        [str(PROJECT_DIR / "tools/dev/stack.sh"), "preview", "eks"],
        env=download_env(box, url, checksums=checksums),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0 and "checksum mismatch" in result.stderr
    assert f"{checksums} has {hashlib.sha256(tarball).hexdigest()}" in result.stderr
    assert leftovers(tmp_path / "tools") == [], "nothing installed, the download removed"


def test_pulumi_without_a_committed_checksum_is_refused_before_any_download(tmp_path, release_server):
    url, files, requested = release_server
    box = DevSandbox(tmp_path, tools=())
    files.update(pulumi_release(PULUMI_VERSION))
    result = subprocess.run(
        [str(PROJECT_DIR / "tools/dev/stack.sh"), "preview", "eks"],
        env=download_env(box, url),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: Pulumi CLI: not on PATH")
    assert f"no verified checksum for pulumi-v{PULUMI_VERSION}-linux-x64 in {COMMITTED_CHECKSUMS}" in line
    assert f"install Pulumi {PULUMI_VERSION} or a newer 3.x" in line and "PULUMI=/path/to/pulumi" in line
    assert requested == [] and leftovers(tmp_path / "tools") == []


SINGLE_BINARIES = {
    "kind": (
        f"/{KIND_VERSION}/kind-{{os}}-{{arch}}",
        f"kind-{KIND_VERSION}-{{os}}-{{arch}}",
        f"bin/kind-{KIND_VERSION}",
    ),
    "kubectl": (
        f"/{KUBECTL_VERSION}/bin/{{os}}/{{arch}}/kubectl",
        f"kubectl-{KUBECTL_VERSION}-{{os}}-{{arch}}",
        f"bin/kubectl-{KUBECTL_VERSION}",
    ),
}


@pytest.mark.parametrize("tool", sorted(SINGLE_BINARIES))
def test_a_binary_that_differs_from_the_committed_checksum_is_refused(tmp_path, release_server, tool):
    url, files, requested = release_server
    box = DevSandbox(tmp_path, tools=())
    path, _, _ = SINGLE_BINARIES[tool]
    files[path.format(os="linux", arch="amd64")] = b"#!/bin/sh\necho not the release\n"
    result = _ensure(tool, download_env(box, url))
    assert result.returncode != 0
    assert f"checksum mismatch for {tool}-" in result.stderr and str(COMMITTED_CHECKSUMS) in result.stderr
    assert requested == [path.format(os="linux", arch="amd64")]
    assert leftovers(tmp_path / "tools") == [], "not installed, and the download removed"


@pytest.mark.parametrize("tool", sorted(SINGLE_BINARIES))
def test_a_binary_that_matches_its_checksum_is_installed(tmp_path, release_server, tool):
    url, files, _ = release_server
    box = DevSandbox(tmp_path, tools=())
    path, name, dest = SINGLE_BINARIES[tool]
    binary = f"#!/bin/sh\necho {tool} stand-in\n".encode()
    files[path.format(os="darwin", arch="arm64")] = binary
    checksums = checksums_file(tmp_path, {name.format(os="darwin", arch="arm64"): binary})
    result = _ensure(tool, download_env(box, url, platform=("darwin", "arm64"), checksums=checksums))
    assert result.returncode == 0, result.stdout + result.stderr
    installed = tmp_path / "tools" / dest
    assert f"{tool.upper()}={installed}" in result.stdout
    assert installed.read_bytes() == binary and os.access(installed, os.X_OK)
    assert leftovers(tmp_path / "tools") == [installed]


def _committed() -> dict[str, str]:
    lines = [
        line.split()
        for line in COMMITTED_CHECKSUMS.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    return {name: value for value, name in lines}


@pytest.mark.parametrize("platform", sorted(PLATFORMS), ids=lambda p: "-".join(p))
@pytest.mark.parametrize("tool", ["kind", "kubectl", "pulumi"])
def test_each_platform_downloads_only_what_has_a_committed_checksum(tmp_path, release_server, tool, platform):
    # Nothing is served: a download that is allowed asks the server for the right asset and
    # fails on the 404; one that is not never asks.
    url, _, requested = release_server
    box = DevSandbox(tmp_path, tools=())
    os_name, arch = platform
    if tool == "pulumi":
        release_arch = "x64" if arch == "amd64" else arch
        name = f"pulumi-v{PULUMI_VERSION}-{os_name}-{release_arch}"
        asset = f"/v{PULUMI_VERSION}/{name}.tar.gz"
    else:
        path, name, _ = SINGLE_BINARIES[tool]
        asset, name = path.format(os=os_name, arch=arch), name.format(os=os_name, arch=arch)
    result = _ensure(tool, download_env(box, url, platform=platform))
    assert result.returncode != 0
    if re.fullmatch(r"[0-9a-f]{64}", _committed().get(name, "")):
        assert requested == [asset], result.stderr
        assert f"could not download {url}{asset}" in result.stderr
    else:
        assert requested == []
        assert f"no verified checksum for {name} in" in result.stderr
    assert leftovers(tmp_path / "tools") == []
