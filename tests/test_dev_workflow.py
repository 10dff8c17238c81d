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

STAND_IN = r'''#!{python}
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
'''


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
        env = {"PATH": f"{self.bin}:/usr/local/bin:/usr/bin:/bin", "HOME": str(self.root),
               "STAND_IN_STATE": str(self.state), "DEV_DIR": str(self.dev_dir),
               "TOOLS_DIR": str(self.root / "tools")}
        env.update(extra)
        return env

    def make(self, *args: str, **env: str) -> subprocess.CompletedProcess:
        command = ["make", "--no-print-directory", "-C", str(PROJECT_DIR), *args, f"VENV={self.venv}",
                   f"EMULATOR_PORT={self.port}"]
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
    assert ["stack", "init", "dev", "--secrets-provider", "passphrase", "--non-interactive"] in _pulumi_commands(sandbox)
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


def test_an_existing_context_is_used_and_kept(sandbox):
    (sandbox.state / "contexts").write_text("kind-mesh-dev")
    up = sandbox.make("up", "STACK=dev", f"BACKEND={sandbox.backend}")
    assert up.returncode == 0, up.stdout + up.stderr
    assert "context kind-mesh-dev exists" in up.stdout
    down = sandbox.make("down", "STACK=dev", f"BACKEND={sandbox.backend}")
    assert down.returncode == 0, down.stdout + down.stderr
    assert not sandbox.calls("kind"), "a cluster make up did not create is neither created nor deleted"


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


def test_a_busy_emulator_port_stops_up_with_the_emulators_error(sandbox):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", sandbox.port))
        taken.listen()
        result = sandbox.make("up", "STACK=dev", f"BACKEND={sandbox.backend}")
    assert result.returncode != 0
    assert "the emulator did not start" in result.stderr and "cannot listen" in result.stderr
    assert not any(a[:1] == ["up"] for a in _pulumi_commands(sandbox))


# --------------------------------------------------------------------------------------
# The project-local Pulumi CLI, from a release served on loopback
# --------------------------------------------------------------------------------------

FAKE_CLI = "#!/bin/sh\necho \"project-local pulumi $*\"\n"


def _release(version: str) -> dict[str, bytes]:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name in ("pulumi", "pulumi-language-python"):
            data = FAKE_CLI.encode()
            info = tarfile.TarInfo(f"pulumi/{name}")
            info.size, info.mode = len(data), 0o755
            archive.addfile(info, io.BytesIO(data))
    tarball = buffer.getvalue()
    name = f"pulumi-v{version}-linux-x64.tar.gz"
    sums = f"{hashlib.sha256(tarball).hexdigest()}  {name}\n"
    return {f"/v{version}/{name}": tarball, f"/v{version}/pulumi-{version}-checksums.txt": sums.encode()}


@pytest.fixture
def release_server():
    files: dict[str, bytes] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server API
            body = files.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", files
    server.shutdown()
    server.server_close()


@pytest.mark.skipif(os.uname().machine not in ("x86_64", "amd64") or sys.platform != "linux",
                    reason="the served release is the linux-x64 one")
def test_pulumi_is_installed_inside_the_project_when_missing(tmp_path, release_server):
    url, files = release_server
    box = DevSandbox(tmp_path, tools=())
    files.update(_release("3.272.0"))
    env = box.env(PULUMI_DOWNLOAD=url)
    script = str(PROJECT_DIR / "tools/dev/stack.sh")
    result = subprocess.run([script, "preview", "eks"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    installed = tmp_path / "tools" / "pulumi-v3.272.0" / "pulumi" / "pulumi"
    assert installed.is_file()
    assert "installing Pulumi 3.272.0" in result.stdout
    assert "project-local pulumi preview --stack eks --diff" in result.stdout
    again = subprocess.run([script, "preview", "eks"], env=env, capture_output=True, text=True, timeout=60)
    assert "using the project's copy" in again.stdout and "installing" not in again.stdout


@pytest.mark.skipif(os.uname().machine not in ("x86_64", "amd64") or sys.platform != "linux",
                    reason="the served release is the linux-x64 one")
def test_a_release_that_fails_its_checksum_is_refused(tmp_path, release_server):
    url, files = release_server
    box = DevSandbox(tmp_path, tools=())
    release = _release("3.272.0")
    name = next(path for path in release if path.endswith(".tar.gz"))
    release[name] = release[name] + b"tampered"
    files.update(release)
    result = subprocess.run([str(PROJECT_DIR / "tools/dev/stack.sh"), "preview", "eks"],
                            env=box.env(PULUMI_DOWNLOAD=url), capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "checksum mismatch" in result.stderr
    assert not (tmp_path / "tools" / "pulumi-v3.272.0").exists()
