"""Whether a private key belongs to a certificate. The controller never returns a key it
holds, so this is how an imported (or refreshed) certificate object can be compared with the
key a program declares: the pair matches exactly when the public keys agree."""

from __future__ import annotations

from typing import Any


def key_matches_certificate(key_pem: Any, cert_pem: Any, passphrase: Any = None) -> bool | None:
    """True/False when it can tell, None when it cannot (no PEMs, unreadable key, or the
    ``cryptography`` package is not installed)."""
    if not isinstance(key_pem, str) or not isinstance(cert_pem, str):
        return None
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization
    except ImportError:  # pragma: no cover - installed with the project's requirements
        return None
    try:
        password = passphrase.encode() if isinstance(passphrase, str) and passphrase else None
        key = serialization.load_pem_private_key(key_pem.encode(), password=password)
        cert = x509.load_pem_x509_certificate(cert_pem.encode())
    except (ValueError, TypeError):
        return None
    der = serialization.Encoding.DER
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    return key.public_key().public_bytes(der, spki) == cert.public_key().public_bytes(der, spki)
