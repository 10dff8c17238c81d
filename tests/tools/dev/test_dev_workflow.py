"""`make up|down STACK=dev` and the deploy targets, with stand-in pulumi, kind and kubectl.

The stand-ins are small Python programs written into a temporary directory that comes
first on PATH; each appends its arguments and the Pulumi environment it saw to a log,
and keeps just enough state (stacks, kind clusters, applied manifests) to answer the
questions the scripts ask. The Avi Controller emulator is the real one, on a free port.
"""

from __future__ import annotations

import hashlib
import http.server
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tarfile
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from tools.mockrun import PROJECT_DIR

STAND_IN = r"""#!{python}
import json, os, sys
from pathlib import Path
STATE = Path(os.environ["STAND_IN_STATE"])
TOOL = Path(sys.argv[0]).name
args = sys.argv[1:]
with open(STATE / "calls.jsonl", "a") as log:
    log.write(json.dumps({{"tool": TOOL, "args": args, "exe": sys.argv[0],
        "backend": os.environ.get("PULUMI_BACKEND_URL"),
        "passphrase": os.environ.get("PULUMI_CONFIG_PASSPHRASE")}}) + "\n")

def names(kind):
    path = STATE / kind
    return path.read_text().split() if path.exists() else []

def save(kind, values):
    (STATE / kind).write_text("\n".join(values))

if TOOL == "kind":
    name = args[args.index("--name") + 1]
    if args[:2] == ["create", "cluster"]:
        save("contexts", names("contexts") + ["kind-" + name])
    elif args[:2] == ["delete", "cluster"]:
        save("contexts", [c for c in names("contexts") if c != "kind-" + name])
elif TOOL == "kubectl":
    if args[:2] == ["config", "get-contexts"]:
        print("\n".join(names("contexts")))
    elif "nodes" in args:
        print("mesh-dev-control-plane 172.18.0.7", end="")
    elif "apply" in args:
        save("applied", names("applied") + ["app1-service"])
    elif "deployment" in args:
        sys.exit(0 if "app1-service" in names("applied") else 1)
elif TOOL == "pulumi":
    if args[:2] == ["stack", "select"]:
        sys.exit(0 if args[2] in names("stacks") else 255)
    if args[:2] == ["stack", "init"]:
        save("stacks", names("stacks") + [args[2]])
    if "--config-file" in args:
        config = Path(args[args.index("--config-file") + 1])
        (STATE / "config-file-seen").write_text(config.read_text())
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DevSandbox:
    """A temporary home for the stand-ins, the dev state and a stand-in virtualenv."""

    def __init__(self, root: Path, tools: tuple[str, ...] = ("pulumi", "kind", "kubectl")):
        self.root = root
        self.bin = root / "bin"
        self.state = root / "state"
        self.venv = root / "venv"
        self.dev_dir = root / "dev"
        self.backend = f"file://{root / 'pulumi-state'}"
        self.port = free_port()
        for path in (self.bin, self.state, self.venv / "bin"):
            path.mkdir(parents=True)
        for tool in tools:
            self.add_tool(tool)
        python = self.venv / "bin" / "python"
        python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
        python.chmod(0o755)
        for stamp in (".installed-dev", ".installed-runtime"):
            (self.venv / stamp).touch()

    def add_tool(self, tool: str) -> None:
        path = self.bin / tool
        path.write_text(STAND_IN.format(python=sys.executable))
        path.chmod(0o755)

    def env(self, **extra: str) -> dict[str, str]:
        env = {
            "PATH": f"{self.bin}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(self.root),
            "STAND_IN_STATE": str(self.state),
            "DEV_DIR": str(self.dev_dir),
            "TOOLS_DIR": str(self.root / "tools"),
        }
        env.update(extra)
        return env

    def make(self, *args: str, **env: str) -> subprocess.CompletedProcess:
        command = [
            "make",
            "--no-print-directory",
            "-C",
            str(PROJECT_DIR),
            *args,
            f"VENV={self.venv}",
            f"EMULATOR_PORT={self.port}",
        ]
        return subprocess.run(command, env=self.env(**env), capture_output=True, text=True, timeout=120)

    def calls(self, tool: str | None = None) -> list[dict]:
        log = self.state / "calls.jsonl"
        lines = log.read_text().splitlines() if log.exists() else []
        calls = [json.loads(line) for line in lines]
        return [c for c in calls if tool is None or c["tool"] == tool]

    def reset_log(self) -> None:
        (self.state / "calls.jsonl").unlink(missing_ok=True)

    def emulator_pid(self) -> int | None:
        pid_file = self.dev_dir / "avi-emulator.pid"
        return int(pid_file.read_text()) if pid_file.exists() else None


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped) counts as gone.
    status = Path(f"/proc/{pid}/stat")
    return not (status.exists() and status.read_text().split()[2] == "Z")


def emulator_answers(port: int) -> bool:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/initial-data", timeout=5) as reply:
        return reply.status == 200


@pytest.fixture
def sandbox(tmp_path):
    box = DevSandbox(tmp_path)
    yield box
    pid = box.emulator_pid()
    if pid and alive(pid):
        os.kill(pid, 15)


def _pulumi_commands(box: DevSandbox) -> list[list[str]]:
    return [c["args"] for c in box.calls("pulumi")]


@pytest.mark.emulator
@pytest.mark.slow
def test_up_then_up_again_then_down(sandbox):
    committed = (PROJECT_DIR / "Pulumi.dev.yaml").read_bytes()

    first = sandbox.make("up", "STACK=dev", f"BACKEND={sandbox.backend}")
    assert first.returncode == 0, first.stdout + first.stderr
    pulumi = sandbox.calls("pulumi")
    assert pulumi, "pulumi was never called"
    assert not any(c["args"][:1] == ["login"] for c in pulumi), "no global pulumi login"
    assert {c["backend"] for c in pulumi} == {sandbox.backend}
    assert {c["passphrase"] for c in pulumi} == {"mesh-platform-dev"}
    creates = [c["args"] for c in sandbox.calls("kind") if c["args"][:2] == ["create", "cluster"]]
    assert len(creates) == 1 and str(PROJECT_DIR / "tools/dev/kind-cluster.yaml") in creates[0]
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


@pytest.mark.emulator
def test_a_busy_emulator_port_stops_up_with_the_emulators_error(sandbox):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", sandbox.port))
        taken.listen()
        result = sandbox.make("up", "STACK=dev", f"BACKEND={sandbox.backend}")
    assert result.returncode != 0
    assert "the emulator did not start" in result.stderr and "cannot listen" in result.stderr
    assert not any(a[:1] == ["up"] for a in _pulumi_commands(sandbox))


# --------------------------------------------------------------------------------------
# Downloads: the project-local Pulumi CLI, kind and kubectl, from releases served on
# loopback, checked against tools/dev/checksums.txt
# --------------------------------------------------------------------------------------

COMMITTED_CHECKSUMS = PROJECT_DIR / "tools" / "dev" / "checksums.txt"
LIB = PROJECT_DIR / "tools" / "dev" / "lib.sh"
PULUMI_VERSION, KIND_VERSION, KUBECTL_VERSION = "3.272.0", "v0.32.0", "v1.36.1"
FAKE_CLI = '#!/bin/sh\necho "project-local pulumi $*"\n'

# What the scripts run, linked into a directory of their own so that PATH holds no kind,
# kubectl or pulumi (this machine may have them in /usr/bin).
SYSTEM_TOOLS = (
    "bash",
    "sh",
    "env",
    "dirname",
    "basename",
    "mkdir",
    "rm",
    "rmdir",
    "mv",
    "chmod",
    "cat",
    "tar",
    "gzip",
    "curl",
    "sha256sum",
    "shasum",
    "cut",
    "awk",
    "grep",
    "ps",
    "seq",
    "sleep",
    "tail",
    "head",
    "touch",
    "ls",
    "tr",
    "sed",
    "printf",
    "readlink",
)
# uname as the scripts ask it: -s for the OS, -m for the CPU.
FAKE_UNAME = '#!/bin/sh\ncase "$1" in -s) echo "$FAKE_UNAME_S" ;; -m) echo "$FAKE_UNAME_M" ;; esac\n'
PLATFORMS = {
    ("linux", "amd64"): ("Linux", "x86_64"),
    ("linux", "arm64"): ("Linux", "aarch64"),
    ("darwin", "amd64"): ("Darwin", "x86_64"),
    ("darwin", "arm64"): ("Darwin", "arm64"),
}


def _download_env(
    box: DevSandbox, url: str, platform: tuple[str, str] = ("linux", "amd64"), checksums: Path = COMMITTED_CHECKSUMS
) -> dict[str, str]:
    system = box.root / "system-bin"
    system.mkdir(exist_ok=True)
    for tool in SYSTEM_TOOLS:
        found = shutil.which(tool)
        if found and not (system / tool).exists():
            (system / tool).symlink_to(found)
    uname = box.bin / "uname"
    uname.write_text(FAKE_UNAME)
    uname.chmod(0o755)
    uname_s, uname_m = PLATFORMS[platform]
    return box.env(
        PATH=f"{box.bin}:{system}",
        FAKE_UNAME_S=uname_s,
        FAKE_UNAME_M=uname_m,
        PULUMI_DOWNLOAD=url,
        KIND_DOWNLOAD=url,
        KUBECTL_DOWNLOAD=url,
        TOOL_CHECKSUMS=str(checksums),
    )


def _checksums_file(tmp_path: Path, entries: dict[str, bytes]) -> Path:
    """A checksum file in the committed format for the given names and contents."""
    path = tmp_path / "checksums.txt"
    path.write_text(
        "# test checksums\n"
        + "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in entries.items())
    )
    return path


def _ensure(tool: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Runs lib.sh's ensure_<tool> on its own and prints the path it settled on."""
    variable = tool.upper()
    script = f'source "$0"; ensure_{tool}; echo "{variable}=${variable}"'
    return subprocess.run(["bash", "-c", script, str(LIB)], env=env, capture_output=True, text=True, timeout=60)


def _leftovers(tools_dir: Path) -> list[Path]:
    """Every file under tools_dir (the directories a download creates do not count)."""
    return [p for p in tools_dir.rglob("*") if not p.is_dir()] if tools_dir.exists() else []


def _release(version: str, os_name: str = "linux", arch: str = "x64") -> dict[str, bytes]:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name in ("pulumi", "pulumi-language-python"):
            data = FAKE_CLI.encode()
            info = tarfile.TarInfo(f"pulumi/{name}")
            info.size, info.mode = len(data), 0o755
            archive.addfile(info, io.BytesIO(data))
    return {f"/v{version}/pulumi-v{version}-{os_name}-{arch}.tar.gz": buffer.getvalue()}


@pytest.fixture
def release_server():
    files: dict[str, bytes] = {}
    requested: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server API
            requested.append(self.path)
            body = files.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", files, requested
    server.shutdown()
    server.server_close()


def test_pulumi_is_installed_inside_the_project_when_missing(tmp_path, release_server):
    url, files, _ = release_server
    box = DevSandbox(tmp_path, tools=())
    files.update(_release(PULUMI_VERSION))
    (tarball,) = files.values()
    checksums = _checksums_file(tmp_path, {f"pulumi-v{PULUMI_VERSION}-linux-x64": tarball})
    env = _download_env(box, url, checksums=checksums)
    script = str(PROJECT_DIR / "tools/dev/stack.sh")
    result = subprocess.run([script, "preview", "eks"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    installed = tmp_path / "tools" / f"pulumi-v{PULUMI_VERSION}" / "pulumi" / "pulumi"
    assert installed.is_file()
    assert f"installing Pulumi {PULUMI_VERSION}" in result.stdout
    assert "project-local pulumi preview --stack eks --diff" in result.stdout
    assert not [p for p in _leftovers(tmp_path / "tools") if "partial" in p.name]
    again = subprocess.run([script, "preview", "eks"], env=env, capture_output=True, text=True, timeout=60)
    assert "using the project's copy" in again.stdout and "installing" not in again.stdout


def test_a_pulumi_release_that_fails_its_committed_checksum_is_refused(tmp_path, release_server):
    url, files, _ = release_server
    box = DevSandbox(tmp_path, tools=())
    release = _release(PULUMI_VERSION)
    ((path, tarball),) = release.items()
    checksums = _checksums_file(tmp_path, {f"pulumi-v{PULUMI_VERSION}-linux-x64": tarball})
    files[path] = tarball + b"tampered"
    result = subprocess.run(
        [str(PROJECT_DIR / "tools/dev/stack.sh"), "preview", "eks"],
        env=_download_env(box, url, checksums=checksums),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0 and "checksum mismatch" in result.stderr
    assert f"{checksums} has {hashlib.sha256(tarball).hexdigest()}" in result.stderr
    assert _leftovers(tmp_path / "tools") == [], "nothing installed, the download removed"


def test_pulumi_without_a_committed_checksum_is_refused_before_any_download(tmp_path, release_server):
    url, files, requested = release_server
    box = DevSandbox(tmp_path, tools=())
    files.update(_release(PULUMI_VERSION))
    result = subprocess.run(
        [str(PROJECT_DIR / "tools/dev/stack.sh"), "preview", "eks"],
        env=_download_env(box, url),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: no verified checksum for pulumi-v{PULUMI_VERSION}-linux-x64 in")
    assert f"put Pulumi {PULUMI_VERSION}" in line and "on PATH yourself" in line
    assert requested == [] and _leftovers(tmp_path / "tools") == []


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
    result = _ensure(tool, _download_env(box, url))
    assert result.returncode != 0
    assert f"checksum mismatch for {tool}-" in result.stderr and str(COMMITTED_CHECKSUMS) in result.stderr
    assert requested == [path.format(os="linux", arch="amd64")]
    assert _leftovers(tmp_path / "tools") == [], "not installed, and the download removed"


@pytest.mark.parametrize("tool", sorted(SINGLE_BINARIES))
def test_a_binary_that_matches_its_checksum_is_installed(tmp_path, release_server, tool):
    url, files, _ = release_server
    box = DevSandbox(tmp_path, tools=())
    path, name, dest = SINGLE_BINARIES[tool]
    binary = f"#!/bin/sh\necho {tool} stand-in\n".encode()
    files[path.format(os="darwin", arch="arm64")] = binary
    checksums = _checksums_file(tmp_path, {name.format(os="darwin", arch="arm64"): binary})
    result = _ensure(tool, _download_env(box, url, platform=("darwin", "arm64"), checksums=checksums))
    assert result.returncode == 0, result.stdout + result.stderr
    installed = tmp_path / "tools" / dest
    assert f"{tool.upper()}={installed}" in result.stdout
    assert installed.read_bytes() == binary and os.access(installed, os.X_OK)
    assert _leftovers(tmp_path / "tools") == [installed]


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
    result = _ensure(tool, _download_env(box, url, platform=platform))
    assert result.returncode != 0
    if re.fullmatch(r"[0-9a-f]{64}", _committed().get(name, "")):
        assert requested == [asset], result.stderr
        assert f"could not download {url}{asset}" in result.stderr
    else:
        assert requested == []
        assert f"no verified checksum for {name} in" in result.stderr
    assert _leftovers(tmp_path / "tools") == []
