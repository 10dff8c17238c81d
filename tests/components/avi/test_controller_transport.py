"""How the stack reaches the Avi Controller: credentials in the URL refused, plain http refused
off loopback unless the stack accepts it explicitly, and warnings at preview for what weakens TLS."""

from __future__ import annotations

import logging

import pytest

from tests.components.stack.test_config import load, problems_of
from tools.mockrun import Secret

PASSWORD = "canary-pw-7Qx2"
AVI_KEY = "mesh-platform:avi"


def avi(controller: str, **extra) -> dict:
    return {"avi": {"controller": controller, **extra}}


def warnings_at_preview(run_stack, caplog, **avi_settings) -> list[str]:
    caplog.set_level(logging.WARNING)
    caplog.clear()
    settings = {
        "controller": "https://127.0.0.1:9443",
        "username": "admin",
        "tenant": "admin",
        "version": "22.1.3",
        **avi_settings,
    }
    run_stack("dev", overrides={AVI_KEY: settings, "mesh-platform:aviPassword": Secret(PASSWORD)}, preview=True)
    return [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]


@pytest.mark.parametrize(
    "controller",
    [
        f"https://admin:{PASSWORD}@avi.example.com",
        f"https://admin:{PASSWORD}@avi.example.com:8443/",
        f"http://admin:{PASSWORD}@127.0.0.1:9443",
        f"https://admin:pa/{PASSWORD}@avi.example.com",  # a '/' in the password: parsers read it as a path
        f"https://:{PASSWORD}@avi.example.com",
    ],
)
def test_controller_url_with_credentials_is_refused_without_echoing_them(controller):
    found = problems_of(avi(controller))
    assert len(found) == 1
    (problem,) = found
    assert problem.startswith("mesh-platform:avi.controller: the URL carries credentials")
    assert "avi.username" in problem and "secret aviPassword" in problem
    assert "pulumi config set --secret aviPassword" in problem
    assert PASSWORD not in problem


def test_config_error_text_as_a_whole_has_no_password():
    from components.config.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        load(avi(f"https://svc:{PASSWORD}@avi.example.com"))
    assert PASSWORD not in str(caught.value) and PASSWORD not in repr(caught.value)
    assert caught.value.__cause__ is None and caught.value.__context__ is None


def test_a_url_that_does_not_parse_is_named_with_what_is_valid():
    assert problems_of(avi("https://avi.example.com:notaport")) == [
        'mesh-platform:avi.controller: expected a URL such as "https://avi.example.com"; '
        'got "https://avi.example.com:notaport"'
    ]


@pytest.mark.parametrize(
    "controller",
    [
        "https://{avi.corp.example.net",
        "https://avi_corp.example.net",
        "https://*.example.net",
        "https://avi.example.net.:443",
    ],
)
def test_a_controller_host_that_is_neither_a_dns_name_nor_an_ip_is_refused(controller):
    # Found by the stack-file fuzz test: AKO's ServiceEntry for the controller is built from this
    # host, so a host no DNS name can be failed later with a traceback instead of here.
    assert problems_of(avi(controller)) == [
        f'mesh-platform:avi.controller: expected a URL such as "https://avi.example.com"; got "{controller}"'
    ]


@pytest.mark.parametrize(
    "controller",
    [
        "http://avi.example.com",
        "http://10.10.0.5:8080",
        "http://avi.corp.example.net/",
        "http://[2001:db8::5]:80",
        "http://localhost.example.com",
    ],
)
def test_plain_http_off_loopback_is_refused_with_the_fix(controller):
    (problem,) = problems_of(avi(controller))
    assert problem.startswith("mesh-platform:avi.controller: plain http:// to ")
    assert "sends the controller password in clear" in problem
    assert "use https://" in problem and "avi.allowPlainHttp: true" in problem


def test_plain_http_refusal_names_the_host():
    (problem,) = problems_of(avi("http://avi.lab.example:8080"))
    assert "plain http:// to avi.lab.example:8080 " in problem
    assert "use https://avi.lab.example:8080," in problem


@pytest.mark.parametrize(
    "controller",
    [
        "http://127.0.0.1:9443",
        "http://127.8.9.10",
        "http://[::1]:9443",
        "http://localhost:9443",
        "http://LOCALHOST",
        "https://avi.example.com",
    ],
)
def test_loopback_http_and_any_https_are_accepted_without_warning(controller):
    config = load(avi(controller))
    assert config.avi.controller == controller
    assert config.avi.transport_warnings() == []


def test_plain_http_is_accepted_when_the_stack_says_so_and_warned_about():
    config = load(avi("http://avi.lab.example:8080", allowPlainHttp=True))
    assert config.avi.allow_plain_http is True
    (warning,) = config.avi.transport_warnings()
    assert warning == (
        "avi.allowPlainHttp is true: the Avi Controller avi.lab.example:8080 is reached over "
        "plain http://, so the password and session cookie travel unencrypted"
    )


def test_allow_plain_http_must_be_a_boolean():
    assert problems_of(avi("http://avi.lab.example", allowPlainHttp="sure")) == [
        'mesh-platform:avi.allowPlainHttp: expected true or false; got "sure"'
    ]


def test_insecure_is_warned_about_naming_only_the_host():
    config = load(avi("https://avi.example.com:8443/", insecure=True))
    (warning,) = config.avi.transport_warnings()
    assert warning.startswith(
        "avi.insecure is true: the TLS certificate of the Avi Controller avi.example.com:8443 is not verified"
    )
    assert "avi.caBundle" in warning and "https://" not in warning


def test_program_warns_at_preview_about_insecure(run_stack, caplog):
    found = warnings_at_preview(run_stack, caplog, insecure=True)
    transport = [w for w in found if w.startswith("avi.insecure")]
    assert len(transport) == 1 and "127.0.0.1:9443" in transport[0]
    assert all(PASSWORD not in w for w in found)


def test_program_warns_at_preview_about_accepted_plain_http(run_stack, caplog):
    found = warnings_at_preview(run_stack, caplog, controller="http://avi.lab.example:8080", allowPlainHttp=True)
    assert [w for w in found if w.startswith("avi.")] == [
        "avi.allowPlainHttp is true: the Avi Controller avi.lab.example:8080 is reached over plain http://, "
        "so the password and session cookie travel unencrypted"
    ]


def test_dev_stack_on_loopback_http_previews_without_transport_warnings(run_stack, caplog):
    caplog.set_level(logging.WARNING)
    caplog.clear()
    run = run_stack("dev", preview=True)
    assert run.of_type("pulumi-python:dynamic/avi:VirtualService")
    assert not [r for r in caplog.records if r.getMessage().startswith("avi.")]


def test_program_refuses_credentials_in_url_before_any_resource(run_stack):
    from components.config.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        run_stack("dev", overrides={AVI_KEY: {"controller": f"https://admin:{PASSWORD}@127.0.0.1:9443"}})
    assert "mesh-platform:avi.controller: the URL carries credentials" in str(caught.value)
    assert PASSWORD not in str(caught.value)
