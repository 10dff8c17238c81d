"""The Makefile's help, the lock files, and the dev cluster's files."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from packaging.requirements import Requirement

from tools.mockrun import PROJECT_DIR

MAKEFILE = (PROJECT_DIR / "Makefile").read_text()


def make(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(PROJECT_DIR), *args], capture_output=True, text=True, timeout=60
    )


def test_help_lists_every_target():
    targets = set(re.findall(r"^([a-z][a-z-]*):", MAKEFILE, re.MULTILINE))
    documented = set(re.findall(r"^## ([a-z][a-z-]*): ", MAKEFILE, re.MULTILINE))
    assert targets == documented, f"undocumented: {targets - documented}, stale: {documented - targets}"
    result = make("help")
    assert result.returncode == 0
    listed = {line.split()[0] for line in result.stdout.splitlines() if line.strip()}
    assert listed == targets
    assert make().stdout == result.stdout, "help is the default goal"


def _locked(path: Path) -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes) for every entry of a hash-locked requirements file."""
    entries: dict[str, tuple[str, int]] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", path.read_text()):
        match = re.match(r"([A-Za-z0-9_.-]+)==([^\s;\\]+)", block)
        if match:
            name = re.sub(r"[-_.]+", "-", match.group(1)).lower()
            entries.setdefault(name, (match.group(2), block.count("--hash=sha256:")))
    return entries


def _requirements(path: Path) -> list[Requirement]:
    lines = [line.split("#")[0].strip() for line in path.read_text().splitlines()]
    return [Requirement(line) for line in lines if line and not line.startswith("-")]


@pytest.mark.parametrize(
    "source, lock",
    [
        ("requirements.txt", "requirements.lock"),
        ("requirements-dev.txt", "requirements-dev.lock"),
        ("requirements.txt", "requirements-dev.lock"),
    ],
)
def test_lock_pins_every_requirement_with_hashes(source, lock):
    locked = _locked(PROJECT_DIR / lock)
    assert locked and all(hashes for _, hashes in locked.values()), f"{lock}: an entry without hashes"
    for requirement in _requirements(PROJECT_DIR / source):
        name = re.sub(r"[-_.]+", "-", requirement.name).lower()
        assert name in locked, f"{requirement} from {source} is not in {lock}"
        assert requirement.specifier.contains(locked[name][0], prereleases=True), (
            f"{lock} pins {name}=={locked[name][0]}, outside {requirement}"
        )


def test_runtime_lock_agrees_with_the_dev_lock():
    runtime, dev = _locked(PROJECT_DIR / "requirements.lock"), _locked(PROJECT_DIR / "requirements-dev.lock")
    assert {name: version for name, (version, _) in runtime.items()} == {name: dev[name][0] for name in runtime}
    assert dev["pydantic"][0].startswith("2.")


def test_pulumi_cli_pin_matches_the_locked_sdk():
    cli = re.search(
        r"PULUMI_VERSION=\$\{PULUMI_VERSION:-([\d.]+)\}", (PROJECT_DIR / "tools/dev/lib.sh").read_text()
    ).group(1)
    assert _locked(PROJECT_DIR / "requirements.lock")["pulumi"][0] == cli


def test_installs_come_from_the_locks_with_hashes_and_progress(tmp_path):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text("")
    (venv / "bin" / "python").chmod(0o755)
    dry = make("-n", "venv", f"VENV={venv}").stdout
    assert f"{venv}/bin/python -m pip install --progress-bar on --require-hashes -r requirements-dev.lock" in dry
    assert "--quiet" not in dry and " -q " not in dry
    dry = make("-n", "up", "STACK=eks", f"VENV={venv}").stdout
    assert "--require-hashes -r requirements.lock" in dry


def test_kind_publishes_the_ingress_node_ports_of_the_dev_stack():
    kind = yaml.safe_load((PROJECT_DIR / "tools/dev/kind-cluster.yaml").read_text())
    dev = yaml.safe_load((PROJECT_DIR / "Pulumi.dev.yaml").read_text())["config"]
    node_ports = set(dev["mesh-platform:istio"]["ingressGateway"]["nodePorts"].values())
    (node,) = kind["nodes"]
    mapped = {(m["containerPort"], m["hostPort"]) for m in node["extraPortMappings"]}
    assert mapped == {(port, port) for port in node_ports}
    assert all(m["listenAddress"] == "127.0.0.1" for m in node["extraPortMappings"])
    assert "@sha256:" in node["image"]


def test_sample_app_is_a_valid_backend_for_app1():
    documents = list(yaml.safe_load_all((PROJECT_DIR / "tools/dev/sample-app.yaml").read_text()))
    for document in documents:
        kubernetes_validate.validate(document, "1.33", strict=True)
    service = next(d for d in documents if d["kind"] == "Service")
    app = yaml.safe_load((PROJECT_DIR / "Pulumi.dev.yaml").read_text())["config"]["mesh-platform:apps"][0]
    assert service["metadata"]["name"] == app["name"] and service["spec"]["ports"][0]["port"] == app["port"]
    assert service["metadata"]["namespace"] in {ns["name"] for ns in app["namespaces"]}


def test_dev_scripts_pass_shellcheck():
    shellcheck = Path(sys.executable).parent / "shellcheck"
    scripts = sorted(str(p) for p in (PROJECT_DIR / "tools" / "dev").glob("*.sh")) + [str(PROJECT_DIR / ".ci" / "run")]
    # SC2034: variables set in lib.sh are used by the scripts that source it.
    result = subprocess.run(
        [str(shellcheck), "-x", "-e", "SC2034", *scripts], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
