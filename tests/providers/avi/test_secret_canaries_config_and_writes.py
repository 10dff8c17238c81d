"""Canary secrets through the config, create, update and connection-error paths: the controller
password (stack secret and AVI_PASSWORD), a controller URL carrying credentials, a certificate's
key and key_passphrase, the kubeconfig. Whatever happens (success, injected 5xx, dropped
connections, a controller that refuses the key, a closed port), no canary may appear in stdout,
stderr, a log record or the text of any exception, traceback included.

(check() and the AKO cleanup have canary tests of their own.)"""

from __future__ import annotations

import base64
import json
import logging
import socket
import traceback
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from components.config.errors import ConfigError
from providers.avi.errors import AviApiError
from providers.avi.kinds import OWNER_INPUT
from providers.avi.provider import AviObjectProvider
from providers.avi.settings import SettingsError
from tests.support.avi_support import USER, configured, self_signed
from tools.avi_emulator import Emulator, EmulatorConfig
from tools.mockrun import PROJECT_DIR, Secret, read_stack_file, redact, run_program

PASSWORD = "canary-controller-password-41fe"
ENV_PASSWORD = "canary-env-password-9b0c"
URL_PASSWORD = "canary-url-password-77d1"
PASSPHRASE = "canary-key-passphrase-c3a8"
WRONG_PASSPHRASE = "canary-wrong-passphrase-5e62"
KUBE_TOKEN = "canary-kube-token-0aa4"
KUBE_KEY = "canary-kube-client-key-d19f"
BAD_KEY_BODY = "canary-unparsable-key-body-8c27"
ONPREM = PROJECT_DIR / "Pulumi.onprem.yaml"


def pem_body_lines(pem: str) -> list[str]:
    """The base64 lines of a PEM: any one of them in a message is a leak of the key."""
    return [line for line in pem.splitlines() if line and not line.startswith("-----")]


def encrypted_key(key: Any, passphrase: str) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase.encode()),
    ).decode()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Sightings:
    """Everything a user could get to see: captured output, log records, exception texts."""

    def __init__(self, capsys, caplog, canaries: list[str]):
        self.capsys, self.caplog, self.canaries = capsys, caplog, canaries
        self.texts: list[str] = []
        self.failures = 0
        caplog.set_level(logging.DEBUG)  # urllib3's connection lines too

    def attempt(self, action: Callable[[], Any]) -> Any:
        """Run `action`; keep the full text of what it raises (str, repr, traceback with causes)."""
        try:
            return action()
        except (AviApiError, SettingsError, ConfigError) as error:
            self.failures += 1
            self.texts.append("".join(traceback.format_exception(error)) + repr(error))
            return None

    def assert_clean(self) -> None:
        captured = self.capsys.readouterr()
        seen = [
            captured.out,
            captured.err,
            *self.texts,
            *(f"{r.name} {r.getMessage()} {r.args!r}" for r in self.caplog.records),
        ]
        for canary in self.canaries:
            for text in seen:
                assert canary not in text, f"canary {canary[:24]}... shown in: {text[:400]}"


# ----- config: the program under mocks --------------------------------------------------------


def kubeconfig() -> str:
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "current-context": "onprem",
            "clusters": [{"name": "onprem", "cluster": {"server": "https://10.0.0.1:6443"}}],
            "contexts": [{"name": "onprem", "context": {"cluster": "onprem", "user": "admin"}}],
            "users": [
                {
                    "name": "admin",
                    "user": {"token": KUBE_TOKEN, "client-key-data": base64.b64encode(KUBE_KEY.encode()).decode()},
                }
            ],
        }
    )


def program_secrets(edge_key: str) -> dict[str, Any]:
    cert_pem, _, _, _ = self_signed("pay.example.com")
    return {
        "mesh-platform:aviPassword": Secret(PASSWORD),
        "mesh-platform:kubeconfig": Secret(kubeconfig()),
        "mesh-platform:edgeCertificates": Secret(json.dumps({"pay": {"certificate": cert_pem, "key": edge_key}})),
    }


def onprem_avi(**changes: Any) -> dict[str, Any]:
    return {
        "mesh-platform:avi": {
            "controller": "https://avi.corp.example.net",
            "username": "pulumi-automation",
            "tenant": "admin",
            "version": "22.1.3",
            **changes,
        }
    }


def assert_only_secret_markers_hold(run, canaries: list[str]) -> None:
    """The values may ride in resource inputs only as secrets; the pickled providers hold none."""
    for resource in run.resources:
        shown = json.dumps(redact(resource.inputs), default=repr)
        blob = resource.inputs.get("__provider") if isinstance(resource.inputs, dict) else None
        if isinstance(blob, str):
            shown += base64.b64decode(blob).decode("latin-1")
        for canary in canaries:
            assert canary not in shown, f"{resource.type} {resource.name} carries a canary outside a secret"
    visible = {k: v for k, v in run.outputs.items() if k not in run.secret_outputs}
    for canary in canaries:
        assert canary not in json.dumps(visible, default=repr)


def test_program_run_with_canary_secrets_shows_none(monkeypatch, capsys, caplog):
    monkeypatch.setenv("AVI_PASSWORD", ENV_PASSWORD)
    _, key_pem, _, _ = self_signed("pay.example.com")
    canaries = [PASSWORD, ENV_PASSWORD, KUBE_TOKEN, KUBE_KEY, *pem_body_lines(key_pem)]
    seen = Sightings(capsys, caplog, canaries)
    for preview in (True, False):
        run = seen.attempt(
            lambda preview=preview: run_program(
                read_stack_file(ONPREM, {**program_secrets(key_pem), **onprem_avi(insecure=True)}), preview=preview
            )
        )
        assert run is not None and run.of_type("pulumi-python:dynamic/avi:SslKeyAndCertificate")
        assert_only_secret_markers_hold(run, canaries)
    assert any("avi.insecure is true" in r.getMessage() for r in caplog.records)
    seen.assert_clean()


@pytest.mark.parametrize(
    "avi_changes",
    [
        {"controller": f"https://pulumi-automation:{URL_PASSWORD}@avi.corp.example.net"},
        {"controller": f"http://pulumi-automation:{URL_PASSWORD}@avi.corp.example.net", "insecure": "yes"},
        {"controller": f"https://u:{URL_PASSWORD}@avi.corp.example.net", "version": "old", "username": 7},
    ],
)
def test_program_refusing_a_url_with_credentials_shows_none(avi_changes, capsys, caplog):
    seen = Sightings(capsys, caplog, [URL_PASSWORD, PASSWORD, KUBE_TOKEN, KUBE_KEY])
    _, key_pem, _, _ = self_signed("pay.example.com")
    seen.attempt(
        lambda: run_program(read_stack_file(ONPREM, {**program_secrets(key_pem), **onprem_avi(**avi_changes)}))
    )
    assert seen.failures == 1 and "mesh-platform:avi.controller: the URL carries credentials" in seen.texts[0]
    seen.assert_clean()


@pytest.mark.parametrize(
    "edge_key",
    [
        BAD_KEY_BODY,  # not a PEM
        f"-----BEGIN PRIVATE KEY-----\n{BAD_KEY_BODY}\n-----END PRIVATE KEY-----\n",  # armour, no key
    ],
)
def test_program_with_an_unusable_edge_key_shows_none(edge_key, capsys, caplog):
    seen = Sightings(capsys, caplog, [BAD_KEY_BODY, PASSWORD, KUBE_TOKEN, KUBE_KEY])
    run = seen.attempt(lambda: run_program(read_stack_file(ONPREM, {**program_secrets(edge_key), **onprem_avi()})))
    if run is not None:
        assert_only_secret_markers_hold(run, [BAD_KEY_BODY])
    seen.assert_clean()


# ----- create, update and connection errors: the provider against the emulator ----------------


@pytest.fixture
def canary_controller(monkeypatch):
    """An emulator whose admin password is the canary; the environment holds other canaries
    (the stack config wins, so they must never be used, let alone shown)."""
    monkeypatch.setenv("AVI_PASSWORD", ENV_PASSWORD)
    monkeypatch.setenv("AVI_CONTROLLER", f"https://svc:{URL_PASSWORD}@127.0.0.1:{closed_port()}")
    with Emulator(EmulatorConfig(username=USER, password=PASSWORD, seed=16)) as emu:
        yield emu


def canary_provider(url: str, kind: str = "sslkeyandcertificate") -> AviObjectProvider:
    from pulumi.dynamic import Config, ConfigureRequest

    from tests.support.avi_support import stack_config

    config = {**stack_config(url), "mesh-platform:aviPassword": PASSWORD}
    provider = AviObjectProvider(kind)
    provider.configure(ConfigureRequest(Config(config, "mesh-platform")))
    session = provider._session()
    session._attempts, session._backoff = 2, 0.001
    return provider


def certificate(name: str, passphrase: str | None = PASSPHRASE) -> tuple[dict[str, Any], list[str]]:
    cert_pem, plain_key, _, key = self_signed(f"{name}.example.com")
    key_pem = encrypted_key(key, passphrase) if passphrase else plain_key
    inputs = {"name": name, "certificate": {"certificate": cert_pem}, "key": key_pem, OWNER_INPUT: f"o/{name}"}
    if passphrase:
        inputs["key_passphrase"] = passphrase
    return inputs, [*pem_body_lines(key_pem), *pem_body_lines(plain_key)]


@pytest.mark.emulator
def test_create_and_update_under_faults_show_no_secret(canary_controller, capsys, caplog):
    emu = canary_controller
    provider = canary_provider(emu.url)
    first, first_key = certificate("canary-first")
    second, second_key = certificate("canary-second")
    seen = Sightings(capsys, caplog, [PASSWORD, ENV_PASSWORD, URL_PASSWORD, PASSPHRASE, *first_key, *second_key])

    emu.faults.rate = 1.0  # every API call: a 5xx before the change, or the answer dropped after it
    assert seen.attempt(lambda: provider.create(second)) is None
    emu.faults.rate = 0.0
    created = seen.attempt(lambda: provider.create(first))
    assert created is not None and created.id.startswith("sslkeyandcertificate-")

    new_cert = {**second, "name": first["name"], OWNER_INPUT: first[OWNER_INPUT]}
    emu.faults.rate = 1.0
    assert seen.attempt(lambda: provider.update(created.id, created.outs, new_cert)) is None
    emu.faults.rate = 0.5
    for attempt in range(6):  # bounded: some calls fail, some get through
        seen.attempt(lambda: provider.update(created.id, created.outs, new_cert))
        seen.attempt(lambda attempt=attempt: provider.create({**second, "name": f"canary-mixed-{attempt}"}))
    emu.faults.rate = 0.0
    assert sum(emu.faults.injected.values()) > 0
    assert seen.failures >= 2
    seen.assert_clean()


@pytest.mark.emulator
def test_keys_the_controller_refuses_show_no_secret(canary_controller, capsys, caplog):
    provider = canary_provider(canary_controller.url)
    wrong, wrong_key = certificate("canary-wrong-passphrase")
    wrong["key_passphrase"] = WRONG_PASSPHRASE
    unparsable, _ = certificate("canary-unparsable", passphrase=None)
    unparsable["key"] = f"-----BEGIN PRIVATE KEY-----\n{BAD_KEY_BODY}\n-----END PRIVATE KEY-----\n"
    seen = Sightings(
        capsys, caplog, [PASSWORD, ENV_PASSWORD, URL_PASSWORD, PASSPHRASE, WRONG_PASSPHRASE, BAD_KEY_BODY, *wrong_key]
    )
    for inputs in (wrong, unparsable):  # create() straight away: the controller's 500 is the refusal here
        assert seen.attempt(lambda inputs=inputs: provider.create(inputs)) is None
    assert len(seen.texts) == 2 and all("HTTP 500" in text for text in seen.texts)

    good, good_key = certificate("canary-good")
    created = provider.create(good)
    seen.canaries += good_key
    assert (
        seen.attempt(
            lambda: provider.update(
                created.id, created.outs, {**good, "key": unparsable["key"], "key_passphrase": None}
            )
        )
        is None
    )
    seen.assert_clean()


def test_connection_failures_show_no_secret(monkeypatch, capsys, caplog):
    monkeypatch.setenv("AVI_PASSWORD", ENV_PASSWORD)
    port = closed_port()
    cert, key_lines = certificate("canary-nowhere")
    seen = Sightings(capsys, caplog, [PASSWORD, ENV_PASSWORD, URL_PASSWORD, PASSPHRASE, *key_lines])

    provider = canary_provider(f"http://127.0.0.1:{port}")
    assert seen.attempt(lambda: provider.create(cert)) is None
    assert seen.attempt(lambda: provider.update("sslkeyandcertificate-x", cert, cert)) is None

    # a URL with credentials, from the stack or from the environment: refused at the first call
    with_userinfo = f"https://svc:{URL_PASSWORD}@127.0.0.1:{port}"
    from_stack = AviObjectProvider("sslkeyandcertificate")
    configured(from_stack, with_userinfo)
    assert seen.attempt(lambda: from_stack.create(cert)) is None
    monkeypatch.setenv("AVI_CONTROLLER", with_userinfo)
    from_env = AviObjectProvider("sslkeyandcertificate")
    assert seen.attempt(lambda: from_env.create(cert)) is None

    seen.assert_clean()
    assert seen.failures == 4
    assert all("no response" in t for t in seen.texts[:2]) and f"127.0.0.1:{port}" in seen.texts[0]
    assert all("carries credentials" in t for t in seen.texts[2:])
