"""The provider's own transport rules for the controller settings it resolves (stack config or
AVI_* variables): credentials in the URL refused, plain http refused off loopback unless asked
for, warnings for what the environment turns on, and messages that never show userinfo."""

from __future__ import annotations

import json
import logging
import socket
import traceback

import pytest

from providers.avi import settings as settings_module
from providers.avi.client import AviSession
from providers.avi.errors import AviApiError
from providers.avi.kinds import OWNER_INPUT
from providers.avi.provider import AviObjectProvider
from providers.avi.settings import ControllerSettings, SettingsError
from providers.avi.urls import carries_credentials, controller_host, is_loopback_host, scrub_userinfo, without_userinfo
from tests.support.avi_support import PASSWORD, configured

CANARY = "canary-url-secret-Zq81"


@pytest.fixture(autouse=True)
def _fresh_warnings(monkeypatch):
    monkeypatch.setattr(settings_module, "_WARNED", set())
    monkeypatch.delenv("AVI_ALLOW_PLAIN_HTTP", raising=False)


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def from_env(monkeypatch, controller: str, **extra: str) -> ControllerSettings:
    monkeypatch.setenv("AVI_CONTROLLER", controller)
    monkeypatch.setenv("AVI_PASSWORD", "env-password")
    for name, value in extra.items():
        monkeypatch.setenv(name, value)
    return ControllerSettings.resolve(None)


class StackConfig:
    def __init__(self, **avi):
        self.values = {"mesh-platform:avi": json.dumps(avi), "mesh-platform:aviPassword": "pw"}

    def get(self, key):
        return self.values.get(key)


def warnings_given(capsys, caplog) -> str:
    """pulumi.log.warn goes to the engine when there is one (the mocks log it) and to stderr
    when there is none, as in the provider process."""
    return capsys.readouterr().err + "\n".join(r.getMessage() for r in caplog.records)


# ----- the URL helpers ---------------------------------------------------------------------


def test_userinfo_is_removed_from_urls_and_from_text():
    assert without_userinfo(f"https://svc:{CANARY}@avi.example.com:8443/api") == "https://avi.example.com:8443/api"
    assert without_userinfo("https://avi.example.com") == "https://avi.example.com"
    text = f"Failed to parse: 'https://svc:{CANARY}@h:99999/login' and \"http://a:{CANARY}@b/x\""
    assert scrub_userinfo(text) == "Failed to parse: 'https://h:99999/login' and \"http://b/x\""
    assert controller_host(f"https://svc:{CANARY}@[::1]:9443/") == "[::1]:9443"
    assert carries_credentials(f"https://svc:pa/{CANARY}@h") and not carries_credentials("https://h/x")


@pytest.mark.parametrize(
    "host, loopback",
    [
        ("127.0.0.1", True),
        ("127.200.1.9", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("LocalHost", True),
        ("128.0.0.1", False),
        ("10.0.0.1", False),
        ("::2", False),
        ("localhost.example.com", False),
        ("", False),
        (None, False),
    ],
)
def test_loopback_hosts(host, loopback):
    assert is_loopback_host(host) is loopback


# ----- insecure ----------------------------------------------------------------------------


def test_insecure_from_the_environment_warns_once_naming_the_host(monkeypatch, capsys, caplog):
    caplog.set_level(logging.WARNING)
    first = from_env(monkeypatch, "https://avi.example.com:8443", AVI_INSECURE="1")
    from_env(monkeypatch, "https://avi.example.com:8443", AVI_INSECURE="1")  # a second kind's provider
    assert first.insecure is True
    given = warnings_given(capsys, caplog)
    assert given.count("AVI_INSECURE is set") == 1
    assert "controller avi.example.com:8443" in given and "AVI_CA_BUNDLE" in given
    assert "env-password" not in given


def test_insecure_from_stack_config_is_left_to_the_program_warning(monkeypatch, capsys, caplog):
    caplog.set_level(logging.WARNING)
    settings = ControllerSettings.resolve(StackConfig(controller="https://avi.example.com", insecure=True))
    assert settings.insecure is True
    assert "AVI_INSECURE" not in warnings_given(capsys, caplog)


def test_no_insecure_no_warning(monkeypatch, capsys, caplog):
    caplog.set_level(logging.WARNING)
    assert from_env(monkeypatch, "https://avi.example.com", AVI_INSECURE="0").insecure is False
    assert "AVI_INSECURE" not in warnings_given(capsys, caplog)


# ----- plain http ---------------------------------------------------------------------------


def test_plain_http_from_the_environment_off_loopback_is_refused(monkeypatch):
    with pytest.raises(SettingsError) as caught:
        from_env(monkeypatch, "http://avi.lab.example:8080")
    message = str(caught.value)
    assert "AVI_CONTROLLER is plain http:// to avi.lab.example:8080" in message
    assert "sends the password in clear" in message
    assert "use https://" in message and "AVI_ALLOW_PLAIN_HTTP=1" in message


def test_plain_http_from_the_environment_is_accepted_when_asked_for_and_warned(monkeypatch, capsys, caplog):
    caplog.set_level(logging.WARNING)
    settings = from_env(monkeypatch, "http://avi.lab.example:8080", AVI_ALLOW_PLAIN_HTTP="1")
    from_env(monkeypatch, "http://avi.lab.example:8080", AVI_ALLOW_PLAIN_HTTP="1")
    assert settings.allow_plain_http is True
    given = warnings_given(capsys, caplog)
    assert given.count("AVI_ALLOW_PLAIN_HTTP is set") == 1
    assert "controller avi.lab.example:8080 over plain http://" in given


def test_plain_http_in_stack_config_needs_the_stack_key(monkeypatch):
    monkeypatch.setenv("AVI_ALLOW_PLAIN_HTTP", "1")  # the environment does not opt a stack in
    with pytest.raises(SettingsError) as caught:
        ControllerSettings.resolve(StackConfig(controller="http://10.10.0.5"))
    assert "mesh-platform:avi.controller is plain http:// to 10.10.0.5" in str(caught.value)
    assert "avi.allowPlainHttp: true" in str(caught.value)
    allowed = ControllerSettings.resolve(StackConfig(controller="http://10.10.0.5", allowPlainHttp=True))
    assert allowed.allow_plain_http is True


@pytest.mark.parametrize("controller", ["http://127.0.0.1:9443", "http://localhost:9443", "http://[::1]:9443"])
def test_loopback_http_is_fine_from_either_source(monkeypatch, controller, capsys, caplog):
    caplog.set_level(logging.WARNING)
    assert from_env(monkeypatch, controller).controller == controller
    assert ControllerSettings.resolve(StackConfig(controller=controller)).controller == controller
    assert "http" not in warnings_given(capsys, caplog)


def test_loopback_http_emulator_still_serves_the_provider(emulator):
    assert emulator.url.startswith("http://127.0.0.1:")
    provider = configured(AviObjectProvider("pool"), emulator.url)
    created = provider.create({"name": "plain-loopback", "default_server_port": 30080, OWNER_INPUT: "o/plain"})
    assert created.id.startswith("pool-")


# ----- credentials in the URL ---------------------------------------------------------------


@pytest.mark.parametrize(
    "controller",
    [
        f"https://svc:{CANARY}@avi.example.com",
        f"http://svc:{CANARY}@127.0.0.1:9443",
        f"https://svc:pa/{CANARY}@avi.example.com",
    ],
)
def test_credentials_in_an_environment_url_are_refused_without_echo(monkeypatch, controller):
    with pytest.raises(SettingsError) as caught:
        from_env(monkeypatch, controller)
    message = "".join(traceback.format_exception(caught.value))
    assert "AVI_CONTROLLER carries credentials (user:password@host)" in message
    assert "AVI_USERNAME" in message and "mesh-platform:aviPassword" in message and "AVI_PASSWORD" in message
    assert CANARY not in message


def test_credentials_in_a_stack_url_are_refused_without_echo():
    with pytest.raises(SettingsError) as caught:
        ControllerSettings.resolve(StackConfig(controller=f"https://svc:{CANARY}@avi.example.com"))
    assert "mesh-platform:avi.controller carries credentials" in str(caught.value)
    assert CANARY not in "".join(traceback.format_exception(caught.value))


def test_settings_repr_never_shows_userinfo_or_password():
    settings = ControllerSettings(controller=f"https://svc:{CANARY}@avi.example.com", username="svc", password=CANARY)
    assert CANARY not in repr(settings) and CANARY not in str(settings)
    assert "https://avi.example.com" in repr(settings)


# ----- connection errors ---------------------------------------------------------------------


def _all_text(error: BaseException) -> str:
    return "".join(traceback.format_exception(error)) + repr(error)


@pytest.mark.parametrize(
    "url",
    [
        "http://svc:{canary}@127.0.0.1:{port}",  # refused connection
        "http://svc:{canary}@127.0.0.1:99999",  # a port the HTTP library cannot parse
    ],
)
def test_connection_errors_never_show_userinfo(url):
    # Settings built directly, past validate(): the session itself must not leak the URL's userinfo.
    settings = ControllerSettings(
        controller=url.format(canary=CANARY, port=closed_port()), username="svc", password=CANARY
    )
    session = AviSession(settings, connect_timeout=1.0, read_timeout=1.0, attempts=2, backoff=0.01)
    with pytest.raises(AviApiError) as caught:
        session.call("GET", "/api/pool", kind="pool")
    assert caught.value.status == 0
    text = _all_text(caught.value)
    assert "login failed after 2 attempts" in text and "http://127.0.0.1:" in text
    assert CANARY not in text


def test_provider_against_a_closed_port_says_so_without_the_password(monkeypatch):
    monkeypatch.setenv("AVI_PASSWORD", CANARY)
    port = closed_port()
    provider = AviObjectProvider("pool")
    provider.configure(_configure_request(f"http://127.0.0.1:{port}"))
    provider._session()._attempts = 2
    with pytest.raises(AviApiError) as caught:
        provider.create({"name": "nowhere", "default_server_port": 30080, OWNER_INPUT: "o/nowhere"})
    text = _all_text(caught.value)
    assert f"127.0.0.1:{port}" in text and "no response" in text
    assert CANARY not in text and PASSWORD not in text


def _configure_request(controller: str):
    from pulumi.dynamic import Config, ConfigureRequest

    return ConfigureRequest(Config({"mesh-platform:avi": json.dumps({"controller": controller})}, "mesh-platform"))
