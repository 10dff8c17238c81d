"""The emulator enforces the same model as check(): fields a kind does not have are never
stored (dropped, as a recorded controller did, or refused in reject mode), wrong types and
out-of-range values are refused; and the provider works against it for every kind: lost-response
adoption, integers as integers, sessions that keep expiring vs bad credentials."""

from __future__ import annotations

import pytest

from providers.avi.errors import AviApiError
from providers.avi.kinds import KINDS, OWNER_INPUT
from providers.avi.provider import AviObjectProvider
from tests.support.avi_programs import declarations
from tests.support.avi_support import PASSWORD, RawClient, configured
from tools.avi_emulator.faults import Fault


def test_unknown_fields_are_dropped_and_never_stored(raw):
    made = raw(
        "POST",
        "/api/pool",
        {
            "name": "typo",
            "default_server_prot": 8080,
            "servers": [{"ip": {"addr": "10.0.0.1", "type": "V4"}, "prot": 1}],
        },
    )
    assert made.status_code == 201
    got = raw("GET", f"/api/pool/{made.json()['uuid']}").json()
    assert "default_server_prot" not in got and "prot" not in got["servers"][0]
    assert got["default_server_port"] == 80  # the default, since the real field was not sent
    vip = raw("POST", "/api/vsvip", {"name": "v", "created_by": "someone"})
    assert vip.status_code == 201 and "created_by" not in vip.json()


def test_reject_mode_refuses_fields_a_kind_does_not_have(make_emulator):
    emu = make_emulator(unknown_fields="reject")
    raw = RawClient(emu.url)
    refused = raw("POST", "/api/vsvip", {"name": "v", "created_by": "me"})
    assert refused.status_code == 400 and "created_by" in refused.json()["error"]
    assert raw("GET", "/api/vsvip", params={"name": "v"}).json()["count"] == 0
    assert raw("POST", "/api/pool", {"name": "p", "created_by": "me"}).status_code == 201


@pytest.mark.parametrize(
    "body, words",
    [
        ({"name": "p", "servers": "10.0.0.1"}, "servers"),
        ({"name": "p", "default_server_port": 70000}, "default_server_port"),
        ({"name": "p", "lb_algorithm": "LB_ALGORITHM_SOMETIMES"}, "lb_algorithm"),
        ({"name": "p", "enabled": "yes"}, "enabled"),
    ],
)
def test_wrong_types_and_ranges_are_refused(raw, body, words):
    reply = raw("POST", "/api/pool", body)
    assert reply.status_code == 400 and words in reply.json()["error"]


def test_typed_strings_are_stored_typed(raw):
    made = raw("POST", "/api/pool", {"name": "s", "default_server_port": "8080", "enabled": "false"}).json()
    assert made["default_server_port"] == 8080 and made["enabled"] is False


def test_health_monitor_rules(raw):
    bad = raw(
        "POST",
        "/api/healthmonitor",
        {"name": "m", "type": "HEALTH_MONITOR_HTTP", "send_interval": 3, "receive_timeout": 4},
    )
    assert bad.status_code == 400 and "receive_timeout" in bad.json()["error"]
    made = raw("POST", "/api/healthmonitor", {"name": "m", "type": "HEALTH_MONITOR_HTTP"})
    body = made.json()
    assert body["send_interval"] == 10 and body["receive_timeout"] == 4
    assert body["http_monitor"]["http_request"] == "GET / HTTP/1.0"


def _lose_first_post(emulator):
    calls = []

    def decide(*_request):
        calls.append(1)
        return (Fault.DROP_AFTER, 0) if len(calls) == 1 else (Fault.NONE, 0)

    return decide


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_lost_create_response_is_adopted_for_every_kind(make_emulator, kind):
    """On an emulator that refuses fields a kind does not have (so VsVip's missing
    created_by would be a 400), a create whose answer is lost is adopted, not duplicated."""
    emu = make_emulator(unknown_fields="reject")
    raw = RawClient(emu.url)
    bodies = declarations(f"adopt-{kind}")
    for dependency in list(bodies)[: list(bodies).index(kind)]:
        assert raw("POST", f"/api/{dependency}", bodies[dependency]).status_code == 201
    provider = configured(AviObjectProvider(kind), emu.url)
    inputs = provider.check({}, {**bodies[kind], OWNER_INPUT: f"o/{kind}"}).inputs
    provider._session()  # log in first so the lost answer is the POST's
    emu.faults.rate, decide = 1.0, emu.faults.decide
    emu.faults.decide = _lose_first_post(emu)
    try:
        created = provider.create(inputs)
    finally:
        emu.faults.decide, emu.faults.rate = decide, 0.0
    found = raw("GET", f"/api/{kind}", params={"name": bodies[kind]["name"]}).json()
    assert found["count"] == 1 and found["results"][0]["uuid"] == created.id


def test_integers_arrive_as_integers(emulator, raw):
    provider = configured(AviObjectProvider("healthmonitor"), emulator.url)
    inputs = provider.check({}, {**declarations("ints")["healthmonitor"], OWNER_INPUT: "o/i"})
    doubles = {**inputs.inputs, "monitor_port": 31021.0, "send_interval": 5.0}  # as gRPC sends
    created = provider.create(doubles)
    got = raw("GET", f"/api/healthmonitor/{created.id}").json()
    assert type(got["monitor_port"]) is int and type(got["send_interval"]) is int
    provider.update(created.id, created.outs, {**doubles, "monitor_port": 31022.0})
    got = raw("GET", f"/api/healthmonitor/{created.id}").json()
    assert got["monitor_port"] == 31022 and type(got["monitor_port"]) is int


@pytest.mark.parametrize("status", [401, 419])
def test_a_session_that_keeps_expiring_is_reported_as_such(make_emulator, status):
    emu = make_emulator(session_ttl=1e-9, expired_status=status)
    provider = configured(AviObjectProvider("pool"), emu.url)
    with pytest.raises(AviApiError) as err:
        provider.read("pool-x", {"name": "x"})
    text = str(err.value)
    assert "expired again after 3 fresh logins" in text and f"HTTP {status}" in text
    assert "credentials are accepted" in text and "password" not in text
    assert provider._session().logins == 4  # first login + 3 bounded re-logins


def test_bad_credentials_are_reported_as_such(emulator):
    from pulumi.dynamic import Config, ConfigureRequest

    from tests.support.avi_support import stack_config

    config = stack_config(emulator.url)
    config["mesh-platform:aviPassword"] = PASSWORD + "-wrong"
    provider = AviObjectProvider("pool")
    provider.configure(ConfigureRequest(Config(config, "mesh-platform")))
    with pytest.raises(AviApiError) as err:
        provider.read("pool-x", {"name": "x"})
    text = str(err.value)
    assert "HTTP 401" in text and "refused these credentials" in text
    assert "aviPassword" in text and "expired" not in text


def test_what_the_emulator_returns_it_accepts_back(make_emulator):
    """GET then PUT of every kind passes the model, even when refusing unknown fields: the
    emulator fills in nothing the model lacks."""
    emu = make_emulator(unknown_fields="reject")
    raw = RawClient(emu.url)
    for kind, body in declarations("roundtrip").items():
        made = raw("POST", f"/api/{kind}", body)
        assert made.status_code == 201, (kind, made.text)
        live = raw("GET", f"/api/{kind}/{made.json()['uuid']}").json()
        live.pop("key", None)  # shown as "<sensitive>"; a client never sends that back
        put = raw("PUT", f"/api/{kind}/{live['uuid']}", live)
        assert put.status_code == 200, (kind, put.text)
