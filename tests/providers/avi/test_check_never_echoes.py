"""Secrets never echoed (issue 16): canary values pushed through check, create and update, with
wrong types and bad PEMs, in every secret field the provider knows, appear in no failure, no
exception text (traceback included) and no log record."""

from __future__ import annotations

import logging
import traceback

import pytest
from cryptography.hazmat.primitives import serialization

from providers.avi.errors import AviApiError, redact
from providers.avi.kinds import KINDS, OWNER_INPUT
from providers.avi.provider import AviObjectProvider
from tests.support.avi_support import self_signed

CANARY = "CANARY-KEY-5f3a"
CANARY_PASS = "CANARY-PASS-5f3a"
CANARY_NUMBER = 5_300_917_453  # a wrong-typed number is a value too
CANARIES = (CANARY, CANARY_PASS, str(CANARY_NUMBER), "5f3a")
CERT, KEY, _, KEY_OBJ = self_signed("canary.example")
LOCKED_KEY = KEY_OBJ.private_bytes(
    serialization.Encoding.PEM,
    serialization.PrivateFormat.PKCS8,
    serialization.BestAvailableEncryption(b"the-real-one"),
).decode()


def pem(kind: str, body: str) -> str:
    return f"-----BEGIN {kind}-----\n{body}\n-----END {kind}-----\n"


WRONG_VALUES = [
    CANARY,
    pem("PRIVATE KEY", CANARY),
    pem("ENCRYPTED PRIVATE KEY", CANARY),
    {"pem": CANARY},
    [CANARY],
    [{"nested": [CANARY]}],
    CANARY_NUMBER,
    float(CANARY_NUMBER) + 0.5,
    True,
    CANARY * 70_000,
]


def secret_cases() -> list[tuple[str, str, object]]:
    """(kind, field, value) for every secret field of every kind and every wrong value."""
    cases = []
    for kind, spec in KINDS.items():
        for field in sorted(spec.secret):
            values = WRONG_VALUES + ([CANARY_PASS, {"p": CANARY_PASS}] if "pass" in field else [])
            cases += [(kind, field, value) for value in values]
    return cases


def body_with(kind: str, field: str, value: object) -> dict:
    body = {"name": "canary", "certificate": {"certificate": CERT}, "key": KEY, OWNER_INPUT: "o/c"}
    if field == "key_passphrase":
        body["key"] = LOCKED_KEY  # so that a passphrase is tried, and a wrong one refused
    body[field] = value
    return body


def shown(text: str) -> list[str]:
    return [c for c in CANARIES if c in text]


def assert_no_canary_in(caplog, *texts: str) -> None:
    for text in texts:
        assert shown(text) == [], text[:400]
    for record in caplog.records if caplog is not None else ():
        assert shown(record.getMessage()) == [], record.getMessage()[:400]


def test_every_secret_field_is_covered():
    assert {(k, f) for k, f, _ in secret_cases()} == {(k, f) for k, spec in KINDS.items() for f in spec.secret}
    assert ("sslkeyandcertificate", "key") in {(k, f) for k, f, _ in secret_cases()}


@pytest.mark.parametrize(
    "kind, field, value", secret_cases(), ids=lambda v: type(v).__name__ if not isinstance(v, str) else None
)
def test_check_never_shows_a_secret(kind, field, value, caplog):
    caplog.set_level(logging.DEBUG)
    result = AviObjectProvider(kind).check({}, body_with(kind, field, value))
    assert field in {f.property for f in result.failures}, result.failures
    texts = [f"{f.property}: {f.reason}" for f in result.failures]
    assert_no_canary_in(caplog, *texts)


def test_check_never_shows_a_pem_field_or_long_value(caplog):
    caplog.set_level(logging.DEBUG)
    body = {"name": "canary", "certificate": {"certificate": pem("CERTIFICATE", CANARY)}, "key": KEY}
    pki = {
        "name": "canary",
        "ca_certs": [{"certificate": pem("CERTIFICATE", CANARY)}, {"certificate": {"x": CANARY}}],
        "description": "x\x00" + CANARY,
    }
    found = AviObjectProvider("sslkeyandcertificate").check({}, body).failures
    found += AviObjectProvider("pkiprofile").check({}, pki).failures
    assert {f.property for f in found} == {
        "certificate.certificate",
        "ca_certs[0].certificate",
        "ca_certs[1].certificate",
        "description",
    }
    assert_no_canary_in(caplog, *(f.reason for f in found))


def test_model_messages_describe_values_by_type():
    result = AviObjectProvider("pool").check(
        {},
        {
            "name": "p",
            "servers": CANARY,
            "lb_algorithm": CANARY,
            "enabled": CANARY,
            "default_server_port": CANARY,
            "health_monitor_refs": [CANARY],
        },
    )
    reasons = {f.property: f.reason for f in result.failures}
    assert set(reasons) == {"servers", "lb_algorithm", "enabled", "default_server_port", "health_monitor_refs[0]"}
    assert "got a string of 15 characters" in reasons["servers"]
    assert_no_canary_in(None, *reasons.values())


def _raised(call) -> str:
    with pytest.raises(AviApiError) as caught:
        call()
    return str(caught.value) + "".join(traceback.format_exception(caught.value))


@pytest.mark.parametrize(
    "field, value",
    [
        ("key", pem("PRIVATE KEY", CANARY)),
        ("key", {"pem": CANARY}),
        ("key", CANARY_NUMBER),
        ("key_passphrase", {"p": CANARY_PASS}),
        ("key_passphrase", [CANARY_PASS]),
    ],
)
def test_create_and_update_errors_never_show_a_secret(provider_for, field, value, caplog):
    """The emulator refuses these (500 Import error, 400 wrong type): the error that reaches
    `pulumi up` names the object and the problem, not the value."""
    caplog.set_level(logging.DEBUG)
    provider = provider_for("sslkeyandcertificate")
    body = {
        "name": "canary",
        "certificate": {"certificate": CERT},
        "key": KEY,
        "type": "SSL_CERTIFICATE_TYPE_VIRTUALSERVICE",
        OWNER_INPUT: "o/c",
    }
    bad = {**body, field: value}
    created_text = _raised(lambda: provider.create(bad))
    good = provider.create(body)
    updated_text = _raised(lambda: provider.update(good.id, good.outs, bad))
    assert_no_canary_in(caplog, created_text, updated_text)


def test_a_controller_that_echoes_the_request_is_redacted(provider_for, monkeypatch, caplog):
    """A proxy or controller version that puts the body it got into its error text."""
    from providers.avi import crud

    def echoing_create(self, body, owner):
        raise AviApiError("SSLKeyAndCertificate", body.get("name"), 400, f"bad request: {body}")

    monkeypatch.setattr(crud.ObjectApi, "create", echoing_create)
    provider = provider_for("sslkeyandcertificate")
    text = _raised(
        lambda: provider.create(
            {
                "name": "canary",
                "certificate": {"certificate": CERT},
                OWNER_INPUT: "o/c",
                "key": {"pem": CANARY},
                "key_passphrase": CANARY_PASS,
            }
        )
    )
    assert "<secret key redacted>" in text and "<secret key_passphrase redacted>" in text
    assert_no_canary_in(caplog, text)


def test_pem_blocks_are_redacted_from_any_provider_error():
    error = AviApiError(
        "SSLKeyAndCertificate",
        "c",
        500,
        f"Import error for {pem('RSA PRIVATE KEY', CANARY)!r} and "
        f"{pem('CERTIFICATE', 'AAAA')} and -----BEGIN PRIVATE KEY-----{CANARY}",
    )
    assert shown(str(error)) == []
    assert "<rsa private key PEM redacted>" in str(error)
    assert "<certificate PEM redacted>" in str(error)
    assert redact("short pw", [("key_passphrase", "pw")]) == "short pw"  # too short to redact
