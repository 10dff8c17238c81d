"""Whether the PEM inputs of a certificate or PKI profile parse, checked at preview.

A controller answers an unparsable certificate or key with HTTP 500 "Import error" (recorded by
AKO, ``internal/rest/rest_operation.go``), long after the preview said the change was fine.
Messages here name the field and what is wrong, never the PEM text: it is a private key, or
megabytes a pull-request comment should not carry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

Problem = tuple[str, str]
_CERT_BEGIN = "-----BEGIN CERTIFICATE-----"


def certificate_problem(pem: Any) -> str | None:
    """Why ``pem`` is not an X.509 certificate in PEM form, or None. Non-strings are left to
    the model check, which reports their type."""
    if not isinstance(pem, str):
        return None
    if _CERT_BEGIN not in pem:
        return f"must be a PEM certificate (a block starting with {_CERT_BEGIN})"
    try:
        x509.load_pem_x509_certificate(pem.encode())
    except ValueError:
        return (
            "does not parse as an X.509 certificate (the controller refuses it with "
            "'Import error'); paste the whole PEM block, BEGIN and END lines included"
        )
    return None


def _load_key(pem: str, password: bytes | None) -> str | None:
    """None when the key loads; otherwise "encrypted", "not-encrypted" or "unparsable"."""
    try:
        serialization.load_pem_private_key(pem.encode(), password=password)
    except TypeError:  # a passphrase given for a plain key, or none for an encrypted one
        return "not-encrypted" if password else "encrypted"
    except ValueError:
        return "unparsable"
    return None


def key_problems(key: Any, passphrase: Any) -> list[Problem]:
    """``(field, reason)`` for a private key that does not load with its passphrase."""
    if not isinstance(key, str) or not isinstance(passphrase, (str, type(None))):
        return []  # wrong types are reported by the model check, by type only
    try:
        password = passphrase.encode() if passphrase else None
    except UnicodeEncodeError:
        return [("key_passphrase", "is not valid text (it holds lone surrogates)")]
    outcome = _load_key(key, password)
    if outcome is None:
        return []
    if outcome == "encrypted":
        return [
            ("key_passphrase", "key is an encrypted private key; set key_passphrase (as a secret) to its passphrase")
        ]
    if outcome == "not-encrypted":
        return [("key_passphrase", "is set but key is not encrypted; remove key_passphrase")]
    if password is not None and _load_key(key, None) == "encrypted":
        return [("key_passphrase", "does not decrypt key; set the passphrase key was encrypted with")]
    return [
        (
            "key",
            "does not parse as a PEM private key (the controller refuses it with "
            "'Import error'); use a PKCS#8 or traditional RSA/EC key in PEM form",
        )
    ]


def _pem_encoded(body: dict[str, Any]) -> bool:
    """False when the certificate comes as PKCS#12 or base64, which are not PEM text."""
    return (
        body.get("format", "SSL_PEM") == "SSL_PEM" and not body.get("certificate_base64") and not body.get("key_base64")
    )


def _ca_certificates(body: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    certs = body.get("ca_certs")
    if isinstance(certs, list):
        for i, entry in enumerate(certs):
            if isinstance(entry, dict) and "certificate" in entry:
                yield f"ca_certs[{i}].certificate", entry["certificate"]


def problems(kind: str, body: dict[str, Any], unknown: Callable[[Any], bool]) -> list[Problem]:
    """Every PEM problem of a ``pkiprofile`` or ``sslkeyandcertificate`` body; values not
    known yet (preview) are skipped."""
    found: list[Problem] = []
    if kind == "pkiprofile":
        for path, pem in _ca_certificates(body):
            problem = None if unknown(pem) else certificate_problem(pem)
            if problem:
                found.append((path, problem))
    elif kind == "sslkeyandcertificate" and _pem_encoded(body):
        cert = body.get("certificate")
        pem = cert.get("certificate") if isinstance(cert, dict) else None
        problem = None if pem is None or unknown(pem) else certificate_problem(pem)
        if problem:
            found.append(("certificate.certificate", problem))
        key, passphrase = body.get("key"), body.get("key_passphrase")
        if key is not None and not unknown(key) and not unknown(passphrase):
            found += key_problems(key, passphrase)
    return found
