"""The provider against the real controller's faults, injected by a proxy in front of the
emulator (tests/support/fault_proxy.py): 429 with Retry-After and 5xx retried on idempotent
calls with bounded, jittered backoff; a create whose outcome is unknown adopts its own object
and is never re-sent blindly; a failed update reads the object back and either counts as done
(the controller committed it) or says what the controller now holds."""

from __future__ import annotations

import email.utils
from collections.abc import Iterator

import pytest

from providers.avi.client import (
    MAX_BACKOFF,
    RETRY_AFTER_CAP,
    AviSession,
    read_timeout_from_environment,
    retry_after_seconds,
)
from providers.avi.crud import CREATE_ATTEMPTS
from providers.avi.errors import AviApiError
from providers.avi.kinds import OWNER_INPUT
from providers.avi.provider import AviObjectProvider
from providers.avi.settings import ControllerSettings, SettingsError
from tests.support.avi_support import RawClient, configured
from tests.support.fault_proxy import Fault, FaultProxy

NOW = 1_800_000_000.0


@pytest.fixture
def proxy(emulator) -> Iterator[FaultProxy]:
    with FaultProxy(emulator.url, slow_seconds=1.0) as running:
        yield running


def fast(provider, waits: list[float]):
    """Waits are recorded instead of slept; answers beyond 0.4 s count as timed out."""
    session = provider._session()
    session.sleep = waits.append
    session._timeout = (5.0, 0.4)
    return provider


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def pool_provider(proxy, waits) -> AviObjectProvider:
    return fast(configured(AviObjectProvider("pool"), proxy.url), waits)


def pool_inputs(name: str, port: int = 30000) -> dict:
    return {
        "name": name,
        "default_server_port": port,
        OWNER_INPUT: f"test/{name}",
        "servers": [{"ip": {"addr": "10.9.0.1", "type": "V4"}}],
    }


def pools_named(raw: RawClient, name: str) -> list[dict]:
    return raw("GET", "/api/pool", params={"name": name}).json()["results"]


# ----- Retry-After and backoff ------------------------------------------------------------


@pytest.mark.parametrize(
    "header, seconds",
    [
        ("7", 7.0),
        (" 0 ", 0.0),
        (email.utils.formatdate(NOW + 30, usegmt=True), 30.0),  # an HTTP-date 30 s ahead
        (email.utils.formatdate(NOW - 30, usegmt=True), 0.0),  # already past: at once
        ("soon", None),
        ("-3", None),
        ("", None),
        (None, None),
        ("1.5", None),
    ],
)
def test_retry_after_is_read_as_seconds_or_an_http_date(header, seconds):
    assert retry_after_seconds(header, NOW) == seconds


def test_waits_honour_retry_after_up_to_a_cap_and_back_off_with_jitter():
    waits: list[float] = []
    settings = ControllerSettings(controller="http://127.0.0.1:9", username="u", password="p")
    session = AviSession(settings, backoff=0.1, sleep=waits.append, clock=lambda: NOW, jitter=lambda: 1.0)
    session.pause(1, "3")
    session.pause(1, "86400")
    session.pause(1, email.utils.formatdate(NOW + 5, usegmt=True))
    assert waits == [pytest.approx(3.1), pytest.approx(RETRY_AFTER_CAP + 0.1), pytest.approx(5.1)]
    waits.clear()
    for attempt in range(1, 8):
        session.pause(attempt)
    assert waits == [pytest.approx(min(MAX_BACKOFF, 0.1 * 2**a) * 1.5) for a in range(1, 8)]
    session._jitter = lambda: 0.0
    session.pause(2)
    assert waits[-1] == pytest.approx(0.2)  # jitter spans 0.5x to 1.5x of the step


@pytest.mark.parametrize("value, seconds", [(None, 60.0), ("", 60.0), ("2.5", 2.5), ("600", 600.0)])
def test_request_timeout_from_the_environment(monkeypatch, value, seconds):
    if value is None:
        monkeypatch.delenv("AVI_REQUEST_TIMEOUT", raising=False)
    else:
        monkeypatch.setenv("AVI_REQUEST_TIMEOUT", value)
    assert read_timeout_from_environment() == seconds


@pytest.mark.parametrize("value", ["0", "601", "nan", "soon", "-1"])
def test_a_bad_request_timeout_is_one_clear_line(monkeypatch, value):
    monkeypatch.setenv("AVI_REQUEST_TIMEOUT", value)
    with pytest.raises(SettingsError) as caught:
        read_timeout_from_environment()
    assert str(caught.value) == (f"AVI_REQUEST_TIMEOUT must be a number of seconds from 0.1 to 600, got {value!r}")


# ----- idempotent calls ---------------------------------------------------------------------


def test_get_is_retried_on_500_and_on_429_after_retry_after(pool_provider, proxy, waits):
    created = pool_provider.create(pool_inputs("retry-get"))
    proxy.add(Fault.ERROR_BEFORE, "GET", r"^/api/pool/", times=2)
    proxy.add(Fault.THROTTLE, "GET", r"^/api/pool/", times=1)
    read = pool_provider.read(created.id, created.outs)
    assert read.outs["default_server_port"] == 30000
    assert [s.status for s in proxy.requests("GET", r"^/api/pool/")] == [500, 500, 429, 200]
    assert waits[-1] >= 1.0  # the 429's Retry-After: 1


def test_idempotent_retries_are_bounded(pool_provider, proxy):
    created = pool_provider.create(pool_inputs("retry-bounded"))
    proxy.add(Fault.ERROR_BEFORE, "GET", r"^/api/pool/", times=100)
    with pytest.raises(AviApiError) as caught:
        pool_provider.read(created.id, created.outs)
    assert caught.value.status == 500
    assert len(proxy.requests("GET", r"^/api/pool/")) == pool_provider._session()._attempts


@pytest.mark.parametrize("fault", [Fault.ERROR_AFTER, Fault.DROP_AFTER, Fault.SLOW_AFTER])
def test_delete_whose_answer_is_lost_is_repeated_and_done(pool_provider, proxy, raw, fault):
    created = pool_provider.create(pool_inputs(f"retry-delete-{fault.name.lower()}"))
    proxy.add(fault, "DELETE")
    pool_provider.delete(created.id, created.outs)
    assert pools_named(raw, created.outs["name"]) == []
    assert [s.fault for s in proxy.requests("DELETE")] == [fault, None]  # then a 404: done


# ----- create: never re-sent blindly ----------------------------------------------------------


@pytest.mark.parametrize("fault", [Fault.ERROR_AFTER, Fault.DROP_AFTER, Fault.SLOW_AFTER])
def test_create_with_an_unknown_outcome_adopts_its_own_object(pool_provider, proxy, raw, fault):
    name = f"adopt-{fault.name.lower()}"
    proxy.add(fault, "POST")
    created = pool_provider.create(pool_inputs(name))
    live = pools_named(raw, name)
    assert [p["uuid"] for p in live] == [created.id]
    assert len(proxy.requests("POST")) == 1  # found by its owner marker, not posted again
    assert proxy.count(fault, "POST") == 1


def test_create_refused_before_commit_is_looked_up_then_sent_again(pool_provider, proxy, raw):
    proxy.add(Fault.ERROR_BEFORE, "POST")
    created = pool_provider.create(pool_inputs("resend-after-500"))
    assert [p["uuid"] for p in pools_named(raw, "resend-after-500")] == [created.id]
    statuses = [(s.method, s.status) for s in proxy.seen if s.path.startswith("/api/pool")]
    assert statuses == [("POST", 500), ("GET", 200), ("POST", 201)]


def test_throttled_create_waits_retry_after_and_is_sent_again(pool_provider, proxy, raw, waits):
    proxy.retry_after = "2"
    proxy.add(Fault.THROTTLE, "POST")
    created = pool_provider.create(pool_inputs("throttled-create"))
    assert [p["uuid"] for p in pools_named(raw, "throttled-create")] == [created.id]
    assert [s.status for s in proxy.requests("POST")] == [429, 201]
    assert 2.0 <= waits[0] < 2.5


def test_create_failing_every_time_says_nothing_was_left_behind(pool_provider, proxy, raw):
    proxy.add(Fault.ERROR_BEFORE, "POST", times=100)
    with pytest.raises(AviApiError) as caught:
        pool_provider.create(pool_inputs("never-created"))
    assert caught.value.status == 500
    assert "none was created" in str(caught.value)
    assert len(proxy.requests("POST")) == CREATE_ATTEMPTS
    assert pools_named(raw, "never-created") == []


def test_create_of_a_foreign_object_after_a_lost_answer_is_refused(pool_provider, proxy, raw):
    raw("POST", "/api/pool", {"name": "foreign", "created_by": "someone-else"})
    proxy.add(Fault.ERROR_AFTER, "POST")
    with pytest.raises(AviApiError) as caught:
        pool_provider.create(pool_inputs("foreign"))
    assert caught.value.status == 409 and "owner marker" in str(caught.value)
    assert len(pools_named(raw, "foreign")) == 1


# ----- update: read back after a failure --------------------------------------------------------


def _updated(provider, created, port: int):
    news = provider.check(created.outs, pool_inputs(created.outs["name"], port)).inputs
    return provider.update(created.id, created.outs, news)


def test_update_committed_before_a_500_counts_as_done(pool_provider, proxy, raw):
    created = pool_provider.create(pool_inputs("update-committed"))
    proxy.add(Fault.ERROR_AFTER, "PATCH", times=100)  # every attempt commits, every answer fails
    result = _updated(pool_provider, created, 31000)
    assert result.outs["default_server_port"] == 31000
    assert pools_named(raw, "update-committed")[0]["default_server_port"] == 31000
    assert len(proxy.requests("PATCH")) == pool_provider._session()._attempts


def test_update_that_did_not_happen_says_what_the_controller_holds(pool_provider, proxy, raw):
    created = pool_provider.create(pool_inputs("update-lost"))
    proxy.add(Fault.ERROR_BEFORE, "PATCH", times=100)
    with pytest.raises(AviApiError) as caught:
        _updated(pool_provider, created, 31000)
    text = str(caught.value)
    assert "the controller now holds default_server_port = 30000 (sent 31000)" in text
    assert "servers" not in text.split("holds", 1)[1]  # only the fields that differ
    assert "refresh" in caught.value.hint
    assert pools_named(raw, "update-lost")[0]["default_server_port"] == 30000


def test_refused_update_is_an_error_naming_what_is_held(pool_provider, proxy):
    created = pool_provider.create(pool_inputs("update-refused"))
    news = {**created.outs, "health_monitor_refs": ["/api/healthmonitor?name=no-such-monitor"]}
    with pytest.raises(AviApiError) as caught:
        pool_provider.update(created.id, created.outs, pool_provider.check(created.outs, news).inputs)
    assert 400 <= caught.value.status < 500
    assert "health_monitor_refs = nothing (sent" in str(caught.value)


def test_merge_update_whose_put_answer_is_lost_is_done(pool_provider, proxy, raw):
    inputs = {**pool_inputs("update-merge"), "description": "to be dropped"}
    created = pool_provider.create(inputs)
    proxy.add(Fault.ERROR_AFTER, "PUT")  # the retried PUT then meets 412: read, merge, PUT again
    result = _updated(pool_provider, created, 31000)
    live = pools_named(raw, "update-merge")[0]
    assert live["default_server_port"] == 31000 and "description" not in live
    assert result.outs["default_server_port"] == 31000
    statuses = [s.status for s in proxy.requests("PUT")]
    # the retried PUT carries the first one's _last_modified: a controller that checks it
    # answers 412, and the provider reads, merges and PUTs again
    assert statuses in ([500, 200], [500, 412, 200])


def test_secret_update_that_failed_is_never_assumed_done(proxy, waits):
    from tests.support.avi_support import self_signed

    provider = fast(configured(AviObjectProvider("sslkeyandcertificate"), proxy.url), waits)
    cert, key, _, _ = self_signed("rb.example.com")
    inputs = {"name": "rb-cert", "certificate": {"certificate": cert}, "key": key, OWNER_INPUT: "test/rb-cert"}
    created = provider.create(provider.check({}, inputs).inputs)
    cert2, key2, _, _ = self_signed("rb.example.com")
    news = provider.check(created.outs, {**inputs, "certificate": {"certificate": cert2}, "key": key2}).inputs
    proxy.add(Fault.ERROR_BEFORE, "PATCH", times=100)
    with pytest.raises(AviApiError) as caught:
        provider.update(created.id, created.outs, news)
    text = str(caught.value)
    assert "key cannot be read back" in text and "BEGIN" not in text
    assert 'certificate = {"certificate": "<certificate PEM redacted>' in text
    assert text.endswith("sends what still differs.")  # the message was not cut by redaction
