"""Fault rules: 500, 429 with Retry-After, 5xx or a slow answer after committing, a dropped
answer, selected by method and path, and counted (tools/avi_emulator/faults.py)."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
import requests

from tests.support.avi_support import PASSWORD, REPO, USER, RawClient
from tools.avi_emulator.faults import FaultKind, FaultPlan, FaultRule, FaultSpecError


def _pools(raw) -> list[str]:
    return sorted(p["name"] for p in raw("GET", "/api/pool").json()["results"])


def _emu(make_emulator, *specs: str):
    emu = make_emulator(faults=tuple(FaultRule.parse(s) for s in specs))
    return emu, RawClient(emu.url)


def test_500_and_429_change_nothing(make_emulator):
    emu, raw = _emu(make_emulator, "500,method=POST,path=/api/pool", "429,method=PUT,retry_after=3")
    failed = raw("POST", "/api/pool", {"name": "a"})
    assert failed.status_code == 500 and _pools(raw) == []
    vrf = raw("GET", "/api/vrfcontext", params={"name": "global"}).json()["results"][0]
    limited = raw("PUT", f"/api/vrfcontext/{vrf['uuid']}", {**vrf, "static_routes": []})
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "3"
    assert raw("GET", f"/api/vrfcontext/{vrf['uuid']}").json()["_last_modified"] == vrf["_last_modified"]
    assert raw("POST", "/api/vsvip", {"name": "v"}).status_code == 201  # another path: no fault
    counts = requests.get(f"{emu.url}/api/_emulator/faults", timeout=10).json()
    assert counts["injected"]["500"] == 1 and counts["injected"]["429"] == 1
    assert counts["rules"] == {"500 POST /api/pool": 1, "429 PUT /api/*": 1}


def test_error_after_commits_then_answers_500(make_emulator):
    emu, raw = _emu(make_emulator, "error-after,method=POST|DELETE")
    answer = raw("POST", "/api/pool", {"name": "a"})
    assert answer.status_code == 500
    assert _pools(raw) == ["a"]  # committed all the same
    assert emu.faults.counts()["after_commit"]["error-after"] == 1
    assert raw("POST", "/api/pool", {"name": "a"}).status_code == 500  # a 409 underneath: nothing committed
    assert emu.faults.counts()["injected"]["error-after"] == 2
    assert emu.faults.counts()["after_commit"]["error-after"] == 1


def test_error_after_with_a_chosen_status(make_emulator):
    _, raw = _emu(make_emulator, "error-after,method=POST,status=503")
    assert raw("POST", "/api/pool", {"name": "a"}).status_code == 503 and _pools(raw) == ["a"]


def test_slow_after_commits_and_answers_late(make_emulator):
    _, raw = _emu(make_emulator, "slow-after,method=PUT,delay_ms=1500")
    made = raw("POST", "/api/pool", {"name": "a"}).json()
    with pytest.raises(requests.exceptions.ReadTimeout):
        raw.http.put(
            f"{raw.url}/api/pool/{made['uuid']}",
            json={"name": "a", "default_server_port": 81},
            headers=raw.headers(),
            timeout=0.3,
        )
    for _ in range(50):  # the change is in before the late answer
        if raw("GET", f"/api/pool/{made['uuid']}").json()["default_server_port"] == 81:
            break
        time.sleep(0.1)
    assert raw("GET", f"/api/pool/{made['uuid']}").json()["default_server_port"] == 81
    started = time.monotonic()
    late = raw("PUT", f"/api/pool/{made['uuid']}", {"name": "a", "default_server_port": 82})
    assert late.status_code == 200 and time.monotonic() - started >= 1.0


def test_drop_after_commits_and_sends_nothing(make_emulator):
    _, raw = _emu(make_emulator, "drop-after,method=POST")
    with pytest.raises(requests.exceptions.ConnectionError):
        raw("POST", "/api/pool", {"name": "a"})
    assert _pools(raw) == ["a"]


def test_rates_are_drawn_per_matching_request(make_emulator):
    emu = make_emulator(seed=7, faults=(FaultRule.parse("500:0.5,method=GET"),))
    raw = RawClient(emu.url)
    statuses = [raw("GET", "/api/pool").status_code for _ in range(60)]
    assert set(statuses) == {200, 500}
    assert emu.faults.counts()["injected"]["500"] == statuses.count(500)


@pytest.mark.parametrize(
    "spec, message",
    [
        ("boom", "fault kind: 'boom' is not one of"),
        ("500:2", "fault rate: 2.0 is not between 0 and 1"),
        ("500:x", "fault rate: 'x' is not a number"),
        ("429,method=FETCH", "fault method: FETCH is not one of"),
        ("500,colour=red", "fault option: 'colour' is not one of"),
        ("error-after,status=200", "fault status: 200 is not an error status"),
        ("500,path", "fault option: 'path' is not key=value"),
    ],
)
def test_bad_fault_specs_say_what_is_wrong(spec, message):
    with pytest.raises(FaultSpecError, match=message.replace("(", r"\(")):
        FaultRule.parse(spec)


def test_the_legacy_fail_rate_still_splits_before_and_after():
    plan = FaultPlan(rate=1.0, seed=3)
    kinds = {plan.decide("POST", "/api/pool").kind for _ in range(40)}
    assert kinds == {FaultKind.ERROR_BEFORE, FaultKind.DROP_AFTER}


@pytest.mark.emulator
def test_command_line_takes_fault_rules_and_refuses_bad_ones():
    bad = subprocess.run(
        [sys.executable, "-m", "tools.avi_emulator", "--password", "x", "--fault", "500:7"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "argument --fault: '500:7': fault rate: 7.0 is not between 0 and 1" in bad.stderr
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tools.avi_emulator",
            "--port",
            "0",
            "--username",
            USER,
            "--password",
            PASSWORD,
            "--fault",
            "429,method=POST,retry_after=2",
        ],
        cwd=str(REPO),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = proc.stdout.readline().strip()
        answer = RawClient(url)("POST", "/api/pool", {"name": "a"})
        assert answer.status_code == 429 and answer.headers["Retry-After"] == "2"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
