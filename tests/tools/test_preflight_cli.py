"""`python -m tools.preflight` (make preflight): exit 0 when the controller has everything, 2 with
every problem (one line each, with its fix), 1 when the controller cannot be reached."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from providers.avi.first_contact import FIRST_CONTACT
from tests.support.avi_support import PASSWORD, REPO, USER, RawClient
from tools import preflight as cli
from tools.avi_emulator import Emulator, EmulatorConfig


@pytest.fixture
def emulator():
    with Emulator(EmulatorConfig(username=USER, password=PASSWORD)) as emu:
        yield emu


@pytest.fixture(autouse=True)
def _environment(monkeypatch):
    for var in ("AVI_USERNAME", "AVI_PASSWORD", "AVI_CONTROLLER"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AVI_PASSWORD", PASSWORD)
    FIRST_CONTACT.forget()


def stack_file(tmp_path: Path, url: str, **edge: Any) -> Path:
    avi_edge = {
        "cloud": "Default-Cloud",
        "vrf": "global",
        "serviceEngineGroup": "Default-Group",
        "vipNetwork": "10.10.10.0/24",
        "vipNetworkName": "vip-net-dev",
        "nodes": [{"name": "worker-1", "address": "10.60.0.11", "podCidr": "10.244.0.0/24"}],
        "staticRoutes": True,
        **edge,
    }
    config = {
        "mesh-platform:cluster": {"kind": "existing", "name": "lab"},
        "mesh-platform:apps": [
            {
                "virtualName": "web",
                "name": "web",
                "port": 8080,
                "namespaces": [{"name": "default", "hosts": ["web.example.net"]}],
                "prefixes": ["/"],
            }
        ],
        "mesh-platform:edge": {"kind": "avi", "avi": avi_edge},
        "mesh-platform:avi": {"controller": url, "username": USER, "tenant": "admin", "version": "22.1.3"},
        "mesh-platform:aviPassword": {"secure": "Y2lwaGVydGV4dCB0aGUgdG9vbCBuZXZlciByZWFkcw=="},  # Pulumi Cloud form,
    }
    path = tmp_path / "Pulumi.lab.yaml"
    path.write_text(yaml.safe_dump({"config": config}))
    return path


def run(path: Path, capsys) -> tuple[int, str, str]:
    status = cli.main(["--config", str(path)])
    out = capsys.readouterr()
    return status, out.out, out.err


def test_all_present_exits_0(emulator, tmp_path, capsys):
    status, out, err = run(stack_file(tmp_path, emulator.url), capsys)
    assert (status, err) == (0, "")
    assert "has everything the stack needs" in out


def test_every_problem_one_line_each_exits_2(emulator, tmp_path, capsys):
    path = stack_file(
        tmp_path,
        emulator.url,
        cloud="Default-Cloud",
        serviceEngineGroup="Edge-Group",
        vrf="edge-vrf",
        vipNetworkName="vip-net-lab",
    )
    status, out, err = run(path, capsys)
    assert status == 2
    problems = [line for line in err.splitlines() if line.startswith("- ")]
    assert len(problems) == 3, err
    assert all(". Fix: " in line for line in problems)
    assert "SE group 'Edge-Group'" in err and "VRF 'edge-vrf'" in err and "VIP network 'vip-net-lab'" in err
    assert "3 problems" in err and PASSWORD not in out + err


def test_role_checked_for_the_stacks_user_while_logged_in_as_an_admin(emulator, tmp_path, capsys, monkeypatch):
    raw = RawClient(emulator.url)
    app_admin = raw("GET", "/api/role", params={"name": "Application-Admin"}).json()["results"][0]["url"]
    assert (
        raw(
            "POST",
            "/api/user",
            {
                "name": "automation",
                "username": "automation",
                "password": "auto-pass-123",
                "access": [{"role_ref": app_admin, "all_tenants": True}],
            },
        ).status_code
        == 201
    )
    path = stack_file(tmp_path, emulator.url)
    text = path.read_text().replace(f"username: {USER}", "username: automation")
    path.write_text(text)
    # as itself, an Application-Admin cannot read its role: said, not guessed, and not a failure
    monkeypatch.setenv("AVI_PASSWORD", "auto-pass-123")
    status, out, err = run(path, capsys)
    assert status == 0 and "not checked: whether user 'automation' may write" in out
    # logged in as the admin, the same user's role is read: no VRF writes for static routes
    monkeypatch.setenv("AVI_USERNAME", USER)
    monkeypatch.setenv("AVI_PASSWORD", PASSWORD)
    status, out, err = run(path, capsys)
    assert status == 2
    assert "user 'automation' may not write vrfcontext in tenant 'admin'" in err


def test_the_stacks_vips_that_exist_need_no_new_address(emulator, tmp_path, capsys):
    raw = RawClient(emulator.url)
    network = raw("GET", "/api/network", params={"name": "vip-net-dev"}).json()["results"][0]
    ranges = network["configured_subnets"][0]["static_ip_ranges"]
    ranges[0]["range"]["end"] = ranges[0]["range"]["begin"]  # one address
    assert raw("PUT", f"/api/network/{network['uuid']}", network).status_code == 200
    vip = {"vip_id": "0", "ip_address": {"addr": ranges[0]["range"]["begin"]["addr"], "type": "V4"}}
    assert raw("POST", "/api/vsvip", {"name": "lab--Shared-L7-0", "vip": [vip]}).status_code == 201
    assert run(stack_file(tmp_path, emulator.url), capsys)[0] == 0
    # a stack with two shards needs one more address than the range has
    status, _, err = run(stack_file(tmp_path, emulator.url, shardSize="MEDIUM"), capsys)
    assert status == 2 and "the stack needs 3 more" in err


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_controller_exits_1_in_one_line(tmp_path):
    path = stack_file(tmp_path, f"http://127.0.0.1:{_closed_port()}")
    env = {**os.environ, "AVI_PASSWORD": PASSWORD}
    done = subprocess.run(
        [sys.executable, "-m", "tools.preflight", "--config", str(path)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout == "" and len(done.stderr.strip().splitlines()) == 1
    assert "cannot reach the Avi controller 127.0.0.1" in done.stderr
    assert "Traceback" not in done.stderr and PASSWORD not in done.stderr


def test_refused_login_exits_2(emulator, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("AVI_PASSWORD", "not-the-password")
    status, out, err = run(stack_file(tmp_path, emulator.url), capsys)
    assert status == 2 and "refused the login of 'admin'" in err and "AVI_PASSWORD" in err
    assert "not-the-password" not in out + err


def test_no_password_says_how_to_give_it(emulator, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("AVI_PASSWORD")
    status, _, err = run(stack_file(tmp_path, emulator.url), capsys)
    assert status == 2 and "AVI_PASSWORD=... make preflight STACK=lab" in err
    assert len(err.strip().splitlines()) == 1


def test_bad_edge_section_names_the_key(emulator, tmp_path, capsys):
    status, _, err = run(stack_file(tmp_path, emulator.url, shardSize="HUGE"), capsys)
    assert status == 2 and "mesh-platform:edge.avi.shardSize" in err


def test_a_stack_without_an_avi_edge(tmp_path, capsys):
    path = tmp_path / "Pulumi.lab.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "config": {
                    "mesh-platform:avi": {"controller": "https://avi.example.net"},
                    "mesh-platform:edge": {"kind": "alb"},
                }
            }
        )
    )
    status, _, err = run(path, capsys)
    assert status == 2 and "edge.kind is 'alb'" in err


def test_unknown_stack(capsys):
    assert cli.main(["--stack", "no-such-stack"]) == 2
    assert "stacks in the project:" in capsys.readouterr().err


def test_make_target(tmp_path):
    makefile = (REPO / "Makefile").read_text()
    assert "\npreflight: venv-runtime\n\t$(PY) -m tools.preflight --stack $(STACK)\n" in makefile
    phony = makefile.split(".PHONY:", 1)[1].split("\n\n", 1)[0]
    assert " preflight " in phony.replace("\\\n", " ")
