"""One parser for the `avi:` section: the program's model judges it; the provider reads the same
keys with the same defaults, and a stack's section is whole (AVI_* variables stand in only when
the stack has no section)."""

from __future__ import annotations

import json

import pytest

from components.avi.controller import AviControllerConfig
from components.config.errors import keys_of
from providers.avi.controller_config import SECTION_KEYS, ControllerSection
from providers.avi.settings import ControllerSettings

ATTRIBUTES = {
    "caBundle": "ca_bundle",
    "allowPlainHttp": "allow_plain_http",
    "maxConcurrentRequests": "max_concurrent_requests",
}


class StackConfigSource:
    def __init__(self, avi=None, password="pw"):
        self.values = {"mesh-platform:aviPassword": password}
        if avi is not None:
            self.values["mesh-platform:avi"] = json.dumps(avi)

    def get(self, key):
        return self.values.get(key)


def test_the_provider_reads_exactly_the_models_keys():
    assert tuple(keys_of(AviControllerConfig)) == SECTION_KEYS


def test_the_provider_fills_in_the_models_defaults():
    model = AviControllerConfig(controller="https://avi.example.com")
    section = ControllerSection.from_config(json.dumps({"controller": "https://avi.example.com"}))
    assert section is not None
    for key in SECTION_KEYS:
        attribute = ATTRIBUTES.get(key, key)
        assert getattr(section, attribute) == getattr(model, attribute), key


def test_a_validated_section_reads_back_as_the_model_holds_it():
    model = AviControllerConfig.model_validate(
        {
            "controller": "https://10.10.0.5:8443",
            "username": "svc",
            "tenant": "team-a",
            "version": "30.2.1",
            "caBundle": "/etc/avi/ca.pem",
            "insecure": True,
            "allowPlainHttp": False,
            "maxConcurrentRequests": 24,
        }
    )
    dumped = json.dumps(model.model_dump(by_alias=True, mode="json"))
    section = ControllerSection.from_config(dumped)
    assert section == ControllerSection(
        controller="https://10.10.0.5:8443",
        username="svc",
        tenant="team-a",
        version="30.2.1",
        ca_bundle="/etc/avi/ca.pem",
        insecure=True,
        max_concurrent_requests=24,
    )


def test_no_section_is_none():
    assert ControllerSection.from_config(None) is None
    assert ControllerSection.from_config("") is None


def test_a_section_repr_never_shows_the_url():
    assert "svc:secret" not in repr(ControllerSection(controller="https://svc:secret@avi.example.com"))


@pytest.mark.parametrize(
    "name, value",
    [
        ("AVI_USERNAME", "env-user"),
        ("AVI_TENANT", "env-tenant"),
        ("AVI_VERSION", "31.1.1"),
        ("AVI_CA_BUNDLE", "/env/ca.pem"),
        ("AVI_INSECURE", "1"),
    ],
)
def test_a_stack_section_is_whole_environment_variables_do_not_patch_it(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    settings = ControllerSettings.resolve(StackConfigSource({"controller": "https://avi.example.com"}))
    model = AviControllerConfig(controller="https://avi.example.com")
    assert (settings.username, settings.tenant, settings.version, settings.ca_bundle, settings.insecure) == (
        model.username,
        model.tenant,
        model.version,
        model.ca_bundle,
        model.insecure,
    )


def test_without_a_section_the_environment_stands_in(monkeypatch):
    for name, value in (
        ("AVI_CONTROLLER", "https://avi.example.com/"),
        ("AVI_USERNAME", "env-user"),
        ("AVI_TENANT", "env-tenant"),
        ("AVI_PASSWORD", "env-pw"),
    ):
        monkeypatch.setenv(name, value)
    settings = ControllerSettings.resolve(StackConfigSource(None, password=None))
    assert (settings.controller, settings.username, settings.tenant, settings.password, settings.from_environment) == (
        "https://avi.example.com",
        "env-user",
        "env-tenant",
        "env-pw",
        True,
    )


def test_the_stack_password_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv("AVI_PASSWORD", "env-pw")
    assert ControllerSettings.resolve(StackConfigSource({"controller": "https://avi.example.com"})).password == "pw"


@pytest.mark.parametrize("value", [0, 65, "8", True, 2.5])
def test_max_concurrent_requests_is_an_integer_from_1_to_64(value):
    with pytest.raises(ValueError, match=r"maxConcurrentRequests\n  expected an integer from 1 to 64"):
        AviControllerConfig.model_validate({"controller": "https://avi.example.com", "maxConcurrentRequests": value})


def test_the_provider_takes_max_concurrent_requests_from_the_section():
    settings = ControllerSettings.resolve(
        StackConfigSource({"controller": "https://avi.example.com", "maxConcurrentRequests": 16.0})
    )
    assert settings.max_concurrent_requests == 16
