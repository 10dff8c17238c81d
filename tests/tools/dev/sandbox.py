"""Stand-ins for the dev workflow's tests: pulumi, kind, kubectl and docker, a sandbox around them,
and a release server's contents for the download tests.

The stand-ins are small Python programs written into a temporary directory that comes
first on PATH; each appends its arguments and the Pulumi environment it saw to a log,
and keeps just enough state (stacks, kind clusters, applied manifests) to answer the
questions the scripts ask. The Avi Controller emulator is the real one, on a free port.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import urllib.request
from pathlib import Path
from typing import Any

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
elif TOOL == "docker":
    # What the real client answers: with no engine, only its error on stderr (docker 28).
    if os.environ.get("STAND_IN_DOCKER") == "down":
        print("Cannot connect to the Docker daemon at unix:///var/run/docker.sock."
              " Is the docker daemon running?", file=sys.stderr)
        sys.exit(1)
    if args[:1] == ["info"]:
        template = args[args.index("--format") + 1]
        print(template.replace("{{{{.ServerVersion}}}}", "28.2.2").replace("{{{{.DockerRootDir}}}}", str(STATE)))
elif TOOL == "pulumi":
    if args == ["version"]:
        print(os.environ.get("STAND_IN_PULUMI_VERSION", "v3.272.0"))
        sys.exit(0)
    if args[:2] == ["stack", "select"]:
        sys.exit(0 if args[2] in names("stacks") else 255)
    if args[:2] == ["stack", "init"]:
        save("stacks", names("stacks") + [args[2]])
    if "--config-file" in args:
        config = Path(args[args.index("--config-file") + 1])
        (STATE / "config-file-seen").write_text(config.read_text())
"""

KIND_CONFIG = PROJECT_DIR / "tools" / "dev" / "kind-cluster.yaml"
KIND_HOST_PORTS = (30080, 30443, 30021)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class DevSandbox:
    """A temporary home for the stand-ins, the dev state and a stand-in virtualenv.

    Its kind config is the committed one with the published host ports moved to free ones,
    so that a cluster already running on this machine does not make the checks fail.
    """

    def __init__(self, root: Path, tools: tuple[str, ...] = ("pulumi", "kind", "kubectl", "docker")):
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
        self.kind_ports = [free_port() for _ in KIND_HOST_PORTS]
        config = KIND_CONFIG.read_text()
        for committed, free in zip(KIND_HOST_PORTS, self.kind_ports, strict=True):
            config = config.replace(f"hostPort: {committed}", f"hostPort: {free}")
        self.kind_config = root / "kind-cluster.yaml"
        self.kind_config.write_text(config)

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
            "KIND_CONFIG": str(self.kind_config),
        }
        env.update(extra)
        return env

    def make(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
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

    def calls(self, tool: str | None = None, probes: bool = False) -> list[dict[str, Any]]:
        """What the stand-ins were asked; without probes, leaving out the read-only questions
        (`pulumi version`, `docker info`, `kubectl config get-contexts`)."""
        log = self.state / "calls.jsonl"
        lines = log.read_text().splitlines() if log.exists() else []
        calls = [json.loads(line) for line in lines]
        if not probes:
            questions = (["version"], ["info"], ["config", "get-contexts"])
            calls = [c for c in calls if not any(c["args"][: len(q)] == q for q in questions)]
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
        return bool(reply.status == 200)


# --------------------------------------------------------------------------------------
# Downloads: releases served on loopback, with a PATH that holds no kind, kubectl or pulumi
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
    "df",
    "make",
)
# uname as the scripts ask it: -s for the OS, -m for the CPU.
FAKE_UNAME = '#!/bin/sh\ncase "$1" in -s) echo "$FAKE_UNAME_S" ;; -m) echo "$FAKE_UNAME_M" ;; esac\n'
PLATFORMS = {
    ("linux", "amd64"): ("Linux", "x86_64"),
    ("linux", "arm64"): ("Linux", "aarch64"),
    ("darwin", "amd64"): ("Darwin", "x86_64"),
    ("darwin", "arm64"): ("Darwin", "arm64"),
}


def download_env(
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


def checksums_file(tmp_path: Path, entries: dict[str, bytes]) -> Path:
    """A checksum file in the committed format for the given names and contents."""
    path = tmp_path / "checksums.txt"
    path.write_text(
        "# test checksums\n"
        + "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in entries.items())
    )
    return path


def leftovers(tools_dir: Path) -> list[Path]:
    """Every file under tools_dir (the directories a download creates do not count)."""
    return [p for p in tools_dir.rglob("*") if not p.is_dir()] if tools_dir.exists() else []


def pulumi_release(version: str, os_name: str = "linux", arch: str = "x64") -> dict[str, bytes]:
    """The release tarball of a stand-in Pulumi CLI, by the path the release server serves it at."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name in ("pulumi", "pulumi-language-python"):
            data = FAKE_CLI.encode()
            info = tarfile.TarInfo(f"pulumi/{name}")
            info.size, info.mode = len(data), 0o755
            archive.addfile(info, io.BytesIO(data))
    return {f"/v{version}/pulumi-v{version}-{os_name}-{arch}.tar.gz": buffer.getvalue()}
