"""Parse PEM certificates into the fields the controller reports for them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

_NAME_FIELDS = (
    ("common_name", NameOID.COMMON_NAME, "CN"),
    ("organization", NameOID.ORGANIZATION_NAME, "O"),
    ("locality", NameOID.LOCALITY_NAME, "L"),
    ("state", NameOID.STATE_OR_PROVINCE_NAME, "ST"),
    ("country", NameOID.COUNTRY_NAME, "C"),
)


class CertificateError(ValueError):
    """The PEM text is not a certificate the controller could import."""


def _name(name: x509.Name) -> dict[str, str]:
    out: dict[str, str] = {}
    parts = []
    for field, oid, _short in _NAME_FIELDS:
        attrs = name.get_attributes_for_oid(oid)
        if attrs:
            out[field] = str(attrs[0].value)
    for field, _oid, short in reversed(_NAME_FIELDS):
        if field in out:
            parts.append(f"{short}={out[field]}")
    out["distinguished_name"] = ", ".join(parts)
    return out


def _signature_name(cert: x509.Certificate) -> str:
    """OpenSSL's long name, e.g. ``sha256WithRSAEncryption`` or ``ecdsa-with-SHA256``."""
    digest = getattr(cert.signature_hash_algorithm, "name", "unknown")
    if cert.signature_algorithm_oid.dotted_string.startswith("1.2.840.10045."):
        return f"ecdsa-with-{digest.upper()}"
    return f"{digest}WithRSAEncryption"


def describe(pem: str) -> dict[str, Any]:
    """Return the parsed ``certificate`` sub-object for a PEM certificate."""
    try:
        cert = x509.load_pem_x509_certificate(pem.encode())
    except ValueError as exc:
        raise CertificateError(f"Import error: certificate could not be parsed ({exc})") from exc
    if not cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME):
        raise CertificateError("Import error: certificate has no common_name")
    now = dt.datetime.now(dt.UTC)
    not_after = cert.not_valid_after_utc
    days = (not_after - now).days
    fingerprint = cert.fingerprint(hashes.SHA1()).hex().upper()
    return {
        "version": str(cert.version.value),
        "serial_number": str(cert.serial_number),
        "self_signed": cert.issuer == cert.subject,
        "issuer": _name(cert.issuer),
        "subject": _name(cert.subject),
        "signature_algorithm": _signature_name(cert),
        "not_before": cert.not_valid_before_utc.strftime("%Y-%m-%d %H:%M:%S"),
        "not_after": not_after.strftime("%Y-%m-%d %H:%M:%S"),
        "fingerprint": "SHA1 Fingerprint="
        + ":".join(fingerprint[i : i + 2] for i in range(0, len(fingerprint), 2))
        + "\n",
        "expiry_status": "SSL_CERTIFICATE_GOOD"
        if days > 30
        else ("SSL_CERTIFICATE_EXPIRED" if days < 0 else "SSL_CERTIFICATE_EXPIRY_WARNING"),
        "days_until_expire": max(days, 0),
        "public_key": cert.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode(),
        "certificate": pem,
    }


def key_params(pem: str, passphrase: str | None) -> dict[str, Any]:
    """Describe a private key the way ``key_params`` does."""
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=passphrase.encode() if passphrase else None)
    except (ValueError, TypeError) as exc:
        raise CertificateError(f"Import error: private key could not be parsed ({exc})") from exc
    if isinstance(key, rsa.RSAPrivateKey):
        return {
            "algorithm": "SSL_KEY_ALGORITHM_RSA",
            "rsa_params": {
                "key_size": f"SSL_KEY_{key.key_size}_BITS",
                "exponent": key.private_numbers().public_numbers.e,
            },
        }
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return {
            "algorithm": "SSL_KEY_ALGORITHM_EC",
            "ec_params": {"curve": f"SSL_KEY_EC_CURVE_{key.curve.name.upper()}"},
        }
    return {"algorithm": "SSL_KEY_ALGORITHM_UNKNOWN"}
