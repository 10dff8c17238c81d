"""The provider against the emulator over real HTTP: CRUD per kind, drift, import, referential
integrity, adoption after a lost response, session expiry, TLS verification."""

from __future__ import annotations

import pytest
from pulumi.runtime import rpc

from providers.avi.errors import AviApiError
from providers.avi.kinds import KINDS, OWNER_INPUT
from providers.avi.provider import AviObjectProvider
from tests.support.avi_support import RawClient, configured, self_signed

OWNER = "mesh-platform/test/pool/web"


def pool_inputs(name: str = "web-pool", port: int = 30080) -> dict:
    return {
        "name": name,
        "default_server_port": port,
        "lb_algorithm": "LB_ALGORITHM_ROUND_ROBIN",
        "servers": [{"ip": {"addr": "10.0.0.5", "type": "V4"}, "port": port}],
        OWNER_INPUT: OWNER,
    }


def checked(provider, news: dict, olds: dict | None = None) -> dict:
    result = provider.check(olds or {}, news)
    assert result.failures == [], [(f.property, f.reason) for f in result.failures]
    return result.inputs


def lifecycle(provider, raw: RawClient, kind: str, inputs: dict, change: dict) -> None:
    """create -> read (no drift) -> diff -> update -> read -> delete -> read (gone)."""
    inputs = checked(provider, inputs)
    created = provider.create(inputs)
    assert created.id.startswith(f"{kind}-")
    assert provider.diff(created.id, created.outs, inputs).changes is False
    live = raw("GET", f"/api/{kind}/{created.id}").json()
    assert live["name"] == inputs["name"]
    if "created_by" in KINDS[kind].ownership:
        assert live["created_by"] == "mesh-platform"
    else:  # e.g. VsVip: the model has no created_by, ownership rides on markers alone
        assert "created_by" not in live
    assert {"key": "pulumi-owner", "values": [inputs[OWNER_INPUT]]} in live["markers"]
    outs = created.outs
    assert outs["uuid"] == created.id and outs["url"].endswith(f"/api/{kind}/{created.id}")

    read = provider.read(created.id, outs)
    assert read.id == created.id
    assert provider.diff(created.id, read.outs, inputs).changes is False

    news = checked(provider, {**inputs, **change})
    diff = provider.diff(created.id, read.outs, news)
    assert diff.changes is True and diff.replaces == []
    updated = provider.update(created.id, read.outs, news)
    for key, value in change.items():
        assert updated.outs[key] == value
    assert provider.diff(created.id, provider.read(created.id, updated.outs).outs, news).changes is False

    provider.delete(created.id, updated.outs)
    assert raw("GET", f"/api/{kind}/{created.id}").status_code == 404
    gone = provider.read(created.id, updated.outs)
    assert gone.id is None
    provider.delete(created.id, updated.outs)  # already gone counts as deleted


def test_pool_lifecycle(provider_for, raw):
    lifecycle(provider_for("pool"), raw, "pool", pool_inputs(), {"default_server_port": 30081})


def test_vsvip_lifecycle(provider_for, raw):
    inputs = {"name": "edge-vip", "vip": [{"ip_address": {"addr": "10.90.64.10", "type": "V4"}}], OWNER_INPUT: "o/vip"}
    # a new address must replace the VsVip instead (test_vip_changes_replace.py)
    change = {"dns_info": [{"fqdn": "edge.example.com"}]}
    lifecycle(provider_for("vsvip"), raw, "vsvip", inputs, change)


def test_virtualservice_lifecycle(provider_for, raw):
    pool = provider_for("pool").create(checked(provider_for("pool"), pool_inputs("vs-pool")))
    vip = provider_for("vsvip").create(
        {"name": "vs-vip", OWNER_INPUT: "o/vsvip", "vip": [{"ip_address": {"addr": "10.90.64.20", "type": "V4"}}]}
    )
    inputs = {
        "name": "edge-vs",
        "services": [{"port": 443, "enable_ssl": True}],
        "vsvip_ref": vip.outs["url"],
        "pool_ref": "/api/pool?name=vs-pool",
        "application_profile_ref": "/api/applicationprofile/?name=System-Secure-HTTP",
        OWNER_INPUT: "o/vs",
    }
    lifecycle(
        provider_for("virtualservice"),
        raw,
        "virtualservice",
        inputs,
        {"services": [{"port": 443, "enable_ssl": True}, {"port": 80}]},
    )
    assert pool.id


def test_pkiprofile_and_certificate_lifecycle(provider_for, raw):
    ca_pem, _, ca_cert, ca_key = self_signed("mesh-ca", is_ca=True)
    lifecycle(
        provider_for("pkiprofile"),
        raw,
        "pkiprofile",
        {"name": "mesh-ca", "crl_check": False, "ca_certs": [{"certificate": ca_pem}], OWNER_INPUT: "o/pki"},
        {"crl_check": True},
    )
    cert_pem, key_pem, _, _ = self_signed("app.example.com", ca=(ca_cert, ca_key))
    cert2_pem, key2_pem, _, _ = self_signed("app.example.com", ca=(ca_cert, ca_key))
    lifecycle(
        provider_for("sslkeyandcertificate"),
        raw,
        "sslkeyandcertificate",
        {"name": "app-cert", "certificate": {"certificate": cert_pem}, "key": key_pem, OWNER_INPUT: "o/cert"},
        {"certificate": {"certificate": cert2_pem}, "key": key2_pem},
    )


def test_certificate_key_is_kept_from_state_not_read_back(provider_for, raw):
    provider = provider_for("sslkeyandcertificate")
    cert_pem, key_pem, _, _ = self_signed("secret.example.com")
    created = provider.create(
        checked(
            provider,
            {"name": "secret-cert", "certificate": {"certificate": cert_pem}, "key": key_pem, OWNER_INPUT: "o/secret"},
        )
    )
    assert raw("GET", f"/api/sslkeyandcertificate/{created.id}").json()["key"] == "<sensitive>"
    read = provider.read(created.id, created.outs)
    assert read.outs["key"] == key_pem
    assert read.outs["certificate"] == {"certificate": cert_pem}


def test_httppolicyset_lifecycle(provider_for, raw):
    rule = {
        "name": "to-https",
        "index": 1,
        "enable": True,
        "match": {"protocol": {"match_criteria": "IS_IN", "protocols": "HTTP"}},
        "redirect_action": {"protocol": "HTTPS", "port": 443, "status_code": "HTTP_REDIRECT_STATUS_CODE_302"},
    }
    moved = {**rule, "redirect_action": {**rule["redirect_action"], "status_code": "HTTP_REDIRECT_STATUS_CODE_301"}}
    lifecycle(
        provider_for("httppolicyset"),
        raw,
        "httppolicyset",
        {"name": "redirect", "http_request_policy": {"rules": [rule]}, OWNER_INPUT: "o/hps"},
        {"http_request_policy": {"rules": [moved]}},
    )


def test_check_reports_every_problem_and_tolerates_unknowns(provider_for):
    provider = provider_for("pool")
    bad = provider.check(
        {},
        {
            "name": "bad#name",
            "default_server_port": 70000,
            "lb_algorithm": "LB_ALGORITHM_SOMETIMES",
            "uuid": "pool-1",
            "servers": [{"ip": {"addr": "10.0.0.300", "type": "V4"}}],
        },
    )
    props = {f.property for f in bad.failures}
    assert props == {"name", "default_server_port", "lb_algorithm", "uuid", "servers[0].ip.addr"}, [
        (f.property, f.reason) for f in bad.failures
    ]
    preview = provider.check(
        {},
        {
            "name": rpc.UNKNOWN,
            "default_server_port": rpc.UNKNOWN,
            "servers": [{"ip": {"addr": rpc.UNKNOWN, "type": "V4"}}],
        },
    )
    assert preview.failures == []
    diff = provider.diff(
        "pool-x", {**pool_inputs(), "uuid": "pool-x"}, {**pool_inputs(), "default_server_port": rpc.UNKNOWN}
    )
    assert diff.changes is True and diff.replaces == []


def test_diff_replaces_immutable_fields_only(provider_for):
    provider = provider_for("pool")
    old = {**pool_inputs(), "vrf_ref": "/api/vrfcontext?name=global"}
    diff = provider.diff("pool-x", old, {**old, "vrf_ref": "/api/vrfcontext?name=management"})
    assert diff.replaces == ["vrf_ref"] and diff.delete_before_replace is True
    same = provider.diff("pool-x", {**old, "vrf_ref": "https://c/api/vrfcontext/vrf-1#global"}, old)
    assert same.changes is False


def test_drift_after_out_of_band_edit_then_update_keeps_foreign_fields(provider_for, raw):
    provider = provider_for("pool")
    inputs = checked(provider, pool_inputs())
    created = provider.create(inputs)
    live = raw("GET", f"/api/pool/{created.id}").json()
    live["default_server_port"] = 31999  # someone edits a managed field...
    live["description"] = "owned by AKO"  # ...and sets a field the program does not manage
    assert raw("PUT", f"/api/pool/{created.id}", live).status_code == 200

    refreshed = provider.read(created.id, created.outs)
    assert refreshed.outs["default_server_port"] == 31999
    assert "description" not in refreshed.outs
    diff = provider.diff(created.id, refreshed.outs, inputs)
    assert diff.changes is True

    provider.update(created.id, refreshed.outs, inputs)
    after = raw("GET", f"/api/pool/{created.id}").json()
    assert after["default_server_port"] == 30080
    assert after["description"] == "owned by AKO"


def test_import_by_uuid_reads_live_fields(provider_for, raw):
    made = raw(
        "POST",
        "/api/pool",
        {"name": "legacy", "default_server_port": 8080, "servers": [{"ip": {"addr": "10.1.1.1", "type": "V4"}}]},
    )
    uuid = made.json()["uuid"]
    provider = provider_for("pool")
    result = provider.read(uuid, {})
    assert result.id == uuid
    assert result.inputs["name"] == "legacy" and result.inputs["default_server_port"] == 8080
    assert "uuid" not in result.inputs and "_last_modified" not in result.inputs
    assert result.outs["url"].endswith(f"/api/pool/{uuid}")
    program = {"name": "legacy", "default_server_port": 8080, "servers": [{"ip": {"addr": "10.1.1.1", "type": "V4"}}]}
    diff = provider.diff(uuid, result.outs, program)
    assert diff.replaces == []


def test_delete_of_referenced_object_is_a_clear_error(provider_for, raw):
    pools = provider_for("pool")
    pool = pools.create(checked(pools, pool_inputs("shared-pool")))
    raw("POST", "/api/virtualservice", {"name": "uses-pool", "pool_ref": pool.outs["url"]})
    with pytest.raises(AviApiError) as err:
        pools.delete(pool.id, pool.outs)
    text = str(err.value)
    assert err.value.status == 403
    assert "Pool 'shared-pool'" in text
    assert "Cannot delete, object is referred by: ['VirtualService uses-pool']" in text
    assert "re-point" in text
    assert raw("GET", f"/api/pool/{pool.id}").status_code == 200


def test_create_retried_after_lost_response_adopts_its_own_object(provider_for, emulator, raw):
    provider = provider_for("pool")
    inputs = checked(provider, pool_inputs("flaky"))
    provider._session()  # log in first so the fault hits the POST
    emulator.faults.rate, emulator.faults.seed = 1.0, None
    decide = emulator.faults.decide
    from tools.avi_emulator.faults import Fault

    calls = []

    def drop_first_post(*_request):
        calls.append(1)
        return (Fault.DROP_AFTER, 0) if len(calls) == 1 else (Fault.NONE, 0)

    emulator.faults.decide = drop_first_post
    try:
        created = provider.create(inputs)
    finally:
        emulator.faults.decide = decide
        emulator.faults.rate = 0.0
    found = raw("GET", "/api/pool", params={"name": "flaky"}).json()
    assert found["count"] == 1 and found["results"][0]["uuid"] == created.id


def test_create_does_not_adopt_someone_elses_object(provider_for, raw):
    raw("POST", "/api/pool", {"name": "taken", "created_by": "someone-else"})
    provider = provider_for("pool")
    with pytest.raises(AviApiError) as err:
        provider.create(checked(provider, pool_inputs("taken")))
    assert err.value.status == 409 and "pulumi import" in str(err.value)


def test_session_expiry_mid_run_relogs_once(make_emulator):
    emu = make_emulator(session_ttl=30)
    provider = configured(AviObjectProvider("pool"), emu.url)
    first = provider.create(checked(provider, pool_inputs("p1")))
    session = provider._session()
    logins = session.logins
    emu.sessions.expire_all()
    provider.update(first.id, first.outs, checked(provider, pool_inputs("p1", 30090)))
    assert session.logins == logins + 1


def test_419_expiry_is_handled_like_401(make_emulator):
    emu = make_emulator(session_ttl=0.2, expired_status=419)
    provider = configured(AviObjectProvider("pool"), emu.url)
    created = provider.create(checked(provider, pool_inputs("p419")))
    import time

    time.sleep(0.3)
    assert provider.read(created.id, created.outs).id == created.id
    assert provider._session().logins == 2


def test_tls_verification_is_on_by_default(make_emulator, tmp_path):
    ca_pem, _, ca_cert, ca_key = self_signed("test-ca", is_ca=True)
    cert_pem, key_pem, _, _ = self_signed("127.0.0.1", ca=(ca_cert, ca_key), san_ip="127.0.0.1")
    (tmp_path / "cert.pem").write_text(cert_pem)
    (tmp_path / "key.pem").write_text(key_pem)
    (tmp_path / "ca.pem").write_text(ca_pem)
    emu = make_emulator(tls_cert=str(tmp_path / "cert.pem"), tls_key=str(tmp_path / "key.pem"))
    assert emu.url.startswith("https://")

    untrusting = configured(AviObjectProvider("pool"), emu.url)
    with pytest.raises(AviApiError) as err:
        untrusting.create(checked(untrusting, pool_inputs("tls")))
    assert "TLS verification failed" in str(err.value) and "caBundle" in str(err.value)

    for bundle in (str(tmp_path / "ca.pem"), ca_pem):  # a path or the PEM itself
        trusting = configured(AviObjectProvider("pool"), emu.url, caBundle=bundle)
        created = trusting.create(checked(trusting, pool_inputs(f"tls-{len(bundle)}")))
        assert created.id.startswith("pool-")


def test_provider_pickles_without_settings_or_session(provider_for):
    import dill

    provider = provider_for("pool")
    provider._session()
    clone = dill.loads(dill.dumps(provider, recurse=True))
    assert clone.kind == "pool"
    assert not hasattr(clone, "_settings")
    assert b"emulator-pass" not in dill.dumps(provider, recurse=True)


def test_healthmonitor_lifecycle_and_drift(provider_for, raw):
    from tests.support.avi_programs import ISTIO_READY

    provider = provider_for("healthmonitor")
    inputs = {**ISTIO_READY, OWNER_INPUT: "o/hm"}
    lifecycle(provider, raw, "healthmonitor", inputs, {"monitor_port": 31099})

    created = provider.create(checked(provider, {**inputs, "name": "hm-drift"}))
    live = raw("GET", f"/api/healthmonitor/{created.id}").json()
    live["http_monitor"]["http_request"] = "GET / HTTP/1.0"  # someone edits it out of band
    assert raw("PUT", f"/api/healthmonitor/{created.id}", live).status_code == 200
    refreshed = provider.read(created.id, created.outs)
    assert refreshed.outs["http_monitor"]["http_request"] == "GET / HTTP/1.0"
    news = checked(provider, {**inputs, "name": "hm-drift"})
    assert provider.diff(created.id, refreshed.outs, news).changes is True
    provider.update(created.id, refreshed.outs, news)
    fixed = raw("GET", f"/api/healthmonitor/{created.id}").json()
    assert fixed["http_monitor"]["http_request"] == "GET /healthz/ready HTTP/1.1"
    assert "created_by" not in fixed  # HealthMonitor has no created_by in the model


def test_update_is_one_request_and_keeps_foreign_fields(provider_for, raw, emulator):
    provider = provider_for("pool")
    created = provider.create(checked(provider, pool_inputs("one-shot")))
    live = raw("GET", f"/api/pool/{created.id}").json()
    live["description"] = "owned by someone else"
    raw("PUT", f"/api/pool/{created.id}", live)
    before = emulator.requests_seen
    provider.update(created.id, created.outs, checked(provider, pool_inputs("one-shot", 30099)))
    assert emulator.requests_seen - before == 1
    after = raw("GET", f"/api/pool/{created.id}").json()
    assert after["default_server_port"] == 30099
    assert after["description"] == "owned by someone else"
    assert {"key": "pulumi-owner", "values": [OWNER]} in after["markers"]
