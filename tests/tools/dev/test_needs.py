"""What `make up STACK=dev` and `make preview` check before anything else (tools/dev/needs.sh):
each missing piece one line on stderr naming what, why and how, all of them in one run, exit 2,
nothing installed, created or started."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.tools.dev.sandbox import (
    PULUMI_VERSION,
    DevSandbox,
    checksums_file,
    download_env,
    free_port,
    leftovers,
    pulumi_release,
)
from tools.mockrun import PROJECT_DIR

NEEDS = PROJECT_DIR / "tools" / "dev" / "needs.sh"
STACK_SH = PROJECT_DIR / "tools" / "dev" / "stack.sh"
# A generous bound for "within seconds": the checks take well under a second here.
QUICK = 60


def _errors(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error: ")]


def _about(result: subprocess.CompletedProcess[str], word: str) -> list[str]:
    return [line for line in _errors(result) if word in line]


def _nothing_changed(box: DevSandbox) -> None:
    assert not box.dev_dir.exists(), "no .dev/ before the checks pass"
    assert leftovers(box.root / "tools") == [], "nothing downloaded"
    assert box.calls() == [], f"only questions were asked: {box.calls()}"


def _needs(box: DevSandbox, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """needs.sh on its own, as the Makefile runs it, in the sandbox's environment."""
    environment = {**box.env(), "VENV": str(box.venv), "EMULATOR_PORT": str(box.port), **(env or {})}
    return subprocess.run([str(NEEDS), *args], env=environment, capture_output=True, text=True, timeout=QUICK)


@contextmanager
def _listening(port: int) -> Iterator[None]:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        yield


def _fake_df(box: DevSandbox, free_kib: int) -> None:
    """A df that reports free_kib available on every file system, in POSIX (-P) form."""
    df = box.bin / "df"
    df.write_text(
        "#!/bin/sh\necho 'Filesystem 1024-blocks Used Available Capacity Mounted on'\n"
        f"echo '/dev/test 99999999 1 {free_kib} 1% /'\n"
    )
    df.chmod(0o755)


# --------------------------------------------------------------------------------------
# The Docker engine
# --------------------------------------------------------------------------------------


def test_no_docker_engine_stops_make_up_within_seconds_with_one_line_naming_docker(sandbox):
    started = time.monotonic()
    result = sandbox.make("up", "STACK=dev", f"BACKEND={sandbox.backend}", STAND_IN_DOCKER="down")
    assert time.monotonic() - started < QUICK
    assert result.returncode == 2, result.stdout + result.stderr
    (line,) = _about(result, "Docker")
    assert line.startswith("error: Docker engine: the docker client is installed but no engine answers")
    assert "Cannot connect to the Docker daemon at unix:///var/run/docker.sock" in line
    assert "kind runs the dev cluster's node as a Docker container" in line
    assert "sudo systemctl start docker" in line and "DOCKER_HOST" in line and "docker info" in line
    assert "make up STACK=dev stopped before changing anything: 1 missing" in result.stderr
    _nothing_changed(sandbox)


@pytest.mark.skipif(shutil.which("docker") is None, reason="no docker client on this machine")
def test_the_real_docker_client_without_an_engine(tmp_path):
    # The real client, pointed at a socket nobody serves: what a machine with only the client sees.
    box = DevSandbox(tmp_path, tools=("pulumi", "kind", "kubectl"))
    socket_path = tmp_path / "no-engine.sock"
    started = time.monotonic()
    result = _needs(box, "dev", env={"DOCKER_HOST": f"unix://{socket_path}"})
    assert time.monotonic() - started < QUICK
    assert result.returncode == 2, result.stdout + result.stderr
    (line,) = _about(result, "Docker")
    assert "no engine answers" in line and str(socket_path) in line and "docker info" in line
    _nothing_changed(box)


def test_no_docker_command_at_all(tmp_path, release_server):
    url, _, _ = release_server
    box = DevSandbox(tmp_path, tools=("pulumi", "kind", "kubectl"))
    result = _needs(box, "dev", env=download_env(box, url))
    assert result.returncode == 2
    (line,) = _about(result, "Docker")
    assert "no docker command on PATH" in line and "https://docs.docker.com/engine/install/" in line


# --------------------------------------------------------------------------------------
# Ports
# --------------------------------------------------------------------------------------


def test_a_busy_emulator_port_is_named_before_anything_starts(sandbox):
    with _listening(sandbox.port):
        result = sandbox.make("up", "STACK=dev", f"BACKEND={sandbox.backend}")
    assert result.returncode == 2, result.stdout + result.stderr
    (line,) = _errors(result)[:-1]
    assert line.startswith(f"error: port 127.0.0.1:{sandbox.port}: another program listens on it")
    assert "Avi Controller emulator (EMULATOR_PORT)" in line and "EMULATOR_PORT=<free port>" in line
    assert f"lsof -nP -iTCP:{sandbox.port}" in line
    assert sandbox.emulator_pid() is None
    _nothing_changed(sandbox)


def test_a_busy_kind_port_matters_only_while_the_cluster_is_to_be_created(sandbox):
    busy = sandbox.kind_ports[1]
    with _listening(busy):
        result = _needs(sandbox, "dev")
        assert result.returncode == 2, result.stdout + result.stderr
        (line,) = _about(result, "port ")
        assert line.startswith(f"error: port 127.0.0.1:{busy}: another program listens on it")
        assert f"ingress gateway NodePort the kind cluster publishes ({sandbox.kind_config})" in line

        # Once the cluster exists, the ports are its own.
        (sandbox.state / "contexts").write_text("kind-mesh-dev")
        result = _needs(sandbox, "dev")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "context kind-mesh-dev exists, so kind is not needed" in result.stdout
    assert f"ports free on 127.0.0.1: {sandbox.port} (emulator)\n" in result.stdout


def test_what_is_there_is_listed_in_one_line_each(sandbox):
    result = _needs(sandbox, "dev")
    assert result.returncode == 0 and result.stderr == "", result.stderr
    out = result.stdout
    assert "Docker engine 28.2.2" in out
    assert f"pulumi: {sandbox.bin / 'pulumi'} from PATH (v{PULUMI_VERSION})" in out
    assert f"kubectl: {sandbox.bin / 'kubectl'} from PATH" in out and f"kind: {sandbox.bin / 'kind'} from PATH" in out
    ports = " ".join(str(p) for p in sandbox.kind_ports)
    assert f"ports free on 127.0.0.1: {sandbox.port} (emulator), {ports} (kind)" in out
    assert out.rstrip().endswith("all there")
    _nothing_changed(sandbox)


# --------------------------------------------------------------------------------------
# Disk
# --------------------------------------------------------------------------------------


def test_too_little_disk_names_the_place_and_the_figure(sandbox):
    _fake_df(sandbox, 20 * 1024)
    result = _needs(sandbox, "dev")
    assert result.returncode == 2
    project, docker = _about(result, "disk:")
    # Everything is there but the state and logs the run writes: 50 MiB.
    assert project.startswith(f"error: disk: 20 MiB free on the file system of {PROJECT_DIR};")
    assert "(virtualenv, tools, state) needs about 50 MiB there" in project
    # The stand-in engine keeps its data in the sandbox: 4096 MiB for the node image and what it pulls.
    assert docker.startswith(f"error: disk: 20 MiB free on the file system of {sandbox.state};")
    assert "the kind node image and the images the dev stack pulls needs about 4096 MiB there" in docker


def test_the_disk_figure_counts_each_download_that_is_to_come(tmp_path, release_server):
    url, _, _ = release_server
    box = DevSandbox(tmp_path, tools=("pulumi", "docker"))
    result = _needs(box, "dev", env=download_env(box, url))
    # The state (50) with kubectl (100) and kind (50), whose checksums are committed.
    assert result.returncode == 0, result.stderr
    assert f"free for {PROJECT_DIR}, about 200 MiB needed" in result.stdout


# --------------------------------------------------------------------------------------
# The Pulumi CLI, kind and kubectl, and the hosts they come from
# --------------------------------------------------------------------------------------


def test_a_pulumi_on_path_whose_version_fits_is_used_without_a_download(tmp_path, release_server):
    url, files, requested = release_server
    box = DevSandbox(tmp_path, tools=("pulumi",))
    files.update(pulumi_release(PULUMI_VERSION))
    (tarball,) = files.values()
    checksums = checksums_file(tmp_path, {f"pulumi-v{PULUMI_VERSION}-linux-x64": tarball})
    env = {**download_env(box, url, checksums=checksums), "STAND_IN_PULUMI_VERSION": "v3.280.1"}
    result = subprocess.run(
        ["make", "--no-print-directory", "-C", str(PROJECT_DIR), "preview", "STACK=eks", f"VENV={box.venv}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=QUICK,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"pulumi: {box.bin / 'pulumi'} from PATH (v3.280.1)" in result.stdout
    (preview,) = box.calls("pulumi")
    assert preview["args"][:3] == ["preview", "--stack", "eks"] and preview["exe"] == str(box.bin / "pulumi")
    assert requested == [] and leftovers(tmp_path / "tools") == []


@pytest.mark.parametrize("version", ["v3.271.9", "v3.99.0", "v4.0.0", "not a version"])
def test_a_pulumi_on_path_whose_version_does_not_fit_is_reported(sandbox, version):
    result = sandbox.make("preview", "STACK=eks", STAND_IN_PULUMI_VERSION=version)
    assert result.returncode == 2, result.stdout + result.stderr
    (line,) = _errors(result)[:-1]
    reported = version.lstrip("v") if version[0] == "v" else "none"
    assert line.startswith(f"error: Pulumi CLI: {sandbox.bin / 'pulumi'} on PATH reports version {reported},")
    assert f"the locked pulumi SDK {PULUMI_VERSION} (requirements.lock) needs {PULUMI_VERSION} or a newer 3.x" in line
    assert f"no verified checksum for pulumi-v{PULUMI_VERSION}-" in line and "PULUMI=/path/to/pulumi" in line
    assert "make preview STACK=eks stopped before changing anything: 1 missing" in result.stderr
    assert sandbox.calls() == []


def test_stack_sh_refuses_a_pulumi_that_does_not_fit_with_the_same_line(sandbox):
    env = sandbox.env(STAND_IN_PULUMI_VERSION="v3.200.0")
    result = subprocess.run([str(STACK_SH), "preview", "eks"], env=env, capture_output=True, text=True, timeout=QUICK)
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: Pulumi CLI: {sandbox.bin / 'pulumi'} on PATH reports version 3.200.0,")
    assert sandbox.calls("pulumi") == []


def test_a_pulumi_on_path_that_does_not_fit_gives_way_to_a_verified_download(tmp_path, release_server):
    url, files, requested = release_server
    box = DevSandbox(tmp_path, tools=("pulumi",))
    files.update(pulumi_release(PULUMI_VERSION))
    ((path, tarball),) = files.items()
    checksums = checksums_file(tmp_path, {f"pulumi-v{PULUMI_VERSION}-linux-x64": tarball})
    env = {**download_env(box, url, checksums=checksums), "STAND_IN_PULUMI_VERSION": "v3.1.0"}
    result = subprocess.run([str(STACK_SH), "preview", "eks"], env=env, capture_output=True, text=True, timeout=QUICK)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"not using {box.bin / 'pulumi'} on PATH reports version 3.1.0" in result.stdout
    assert "project-local pulumi preview --stack eks --diff" in result.stdout and requested == [path]


def test_pulumi_kubectl_and_kind_can_be_named_by_hand(tmp_path, release_server):
    url, _, requested = release_server
    box = DevSandbox(tmp_path, tools=("docker",))
    elsewhere = tmp_path / "opt"
    elsewhere.mkdir()
    for tool in ("pulumi", "kubectl", "kind"):
        (elsewhere / tool).write_text((box.bin / "docker").read_text())
        (elsewhere / tool).chmod(0o755)
    named = {
        "PULUMI": str(elsewhere / "pulumi"),
        "KUBECTL": str(elsewhere / "kubectl"),
        "KIND": str(elsewhere / "kind"),
    }
    result = _needs(box, "dev", env={**download_env(box, url), **named})
    assert result.returncode == 0, result.stdout + result.stderr
    for tool, variable in (("pulumi", "PULUMI"), ("kubectl", "KUBECTL"), ("kind", "KIND")):
        assert f"{tool}: {elsewhere / tool} ({variable}=)" in result.stdout
    assert requested == []

    named["KIND"] = str(tmp_path / "no-such-kind")
    result = _needs(box, "dev", env={**download_env(box, url), **named})
    assert result.returncode == 2
    (line,) = _errors(result)[:-1]
    assert line.startswith(f"error: kind v0.32.0: KIND={tmp_path / 'no-such-kind'} is not an executable file;")


def test_an_unreachable_download_host_is_one_line_and_only_when_a_download_is_needed(tmp_path, release_server):
    url, _, _ = release_server
    box = DevSandbox(tmp_path, tools=("pulumi", "kubectl", "docker"))
    closed = f"http://127.0.0.1:{free_port()}"
    result = _needs(box, "dev", env={**download_env(box, url), "KIND_DOWNLOAD": closed})
    assert result.returncode == 2, result.stdout + result.stderr
    (line,) = _errors(result)[:-1]
    host = closed.removeprefix("http://")
    assert line.startswith(f"error: network: cannot reach {host} within 10 s ({closed}/v0.32.0/kind-linux-amd64)")
    assert "make up downloads kind from there" in line and "put it on PATH or set KIND=/path/to/kind" in line

    reachable = _needs(box, "dev", env=download_env(box, url))
    assert reachable.returncode == 0, reachable.stderr
    assert f"network: {url.removeprefix('http://')} answers" in reachable.stdout

    # Nothing to download, nothing probed: the stand-in kind on PATH.
    box.add_tool("kind")
    offline = _needs(box, "dev", env={**download_env(box, url), "KIND_DOWNLOAD": closed})
    assert offline.returncode == 0 and "network:" not in offline.stdout


def test_a_missing_python_for_the_virtualenv_is_named(tmp_path):
    box = DevSandbox(tmp_path)
    empty = tmp_path / "fresh-venv"
    result = _needs(box, "stack", "preview", "eks", env={"VENV": str(empty), "PYTHON": str(tmp_path / "python3")})
    assert result.returncode == 2
    (line,) = _errors(result)[:-1]
    assert line.startswith(f"error: Python 3.11+: '{tmp_path / 'python3'}' is missing, older than 3.11")
    assert "PYTHON=python3.12" in line and not empty.exists()


# --------------------------------------------------------------------------------------
# All at once
# --------------------------------------------------------------------------------------


def test_every_missing_piece_is_reported_in_one_run(sandbox):
    _fake_df(sandbox, 10 * 1024)
    with _listening(sandbox.port):
        result = sandbox.make(
            "up", "STACK=dev", f"BACKEND={sandbox.backend}", STAND_IN_DOCKER="down", STAND_IN_PULUMI_VERSION="v3.0.0"
        )
    assert result.returncode == 2, result.stdout + result.stderr
    *lines, summary = _errors(result)
    subjects = [line.removeprefix("error: ").split(":")[0] for line in lines]
    assert subjects == ["Docker engine", "Pulumi CLI", "port 127.0.0.1", "disk"], lines
    assert summary.startswith("error: make up STACK=dev stopped before changing anything: 4 missing (above)")
    _nothing_changed(sandbox)
