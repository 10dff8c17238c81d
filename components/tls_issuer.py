"""The one place the program issues its own TLS keys and certificates (pulumi-tls).

Validity policy, by who verifies the certificate:
- an authority (a CA the program makes) lives `AUTHORITY_VALIDITY_HOURS`, two years, so it
  outlives every certificate it signs;
- a certificate only the program's own edge verifies (the ALB re-encrypting to the ingress
  gateway; the Service Engines and the gateway in mutual TLS) lives two years too: nobody
  else sees it, and each rotation touches both ends at once;
- a certificate users' clients see (an edge's default or per-host certificate, Emissary's
  self-signed one) lives one year, the usual private-PKI period and below the 398 days
  browsers accept for public certificates, so a stand-in behaves like the real one.
Every certificate is renewed `EARLY_RENEWAL_HOURS` (30 days) before it expires.

These are the periods each certificate already had when the five copies were merged here:
every pulumi-tls certificate input forces a replacement, so a different period (or a
reordered `allowed_uses` list) would replace a live certificate on the next `pulumi up`.
Keys are ECDSA P-256; pulumi-tls marks their PEM outputs secret, and the PEM handed out
here is wrapped in `Output.secret` as well.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_tls as tls

from project import PROJECT

ORGANIZATION = PROJECT
AUTHORITY_VALIDITY_HOURS = 2 * 365 * 24
EARLY_RENEWAL_HOURS = 30 * 24
AUTHORITY_USES = ("cert_signing", "crl_signing", "digital_signature")
SERVER_USES = ("key_encipherment", "digital_signature", "server_auth")
CLIENT_USES = ("key_encipherment", "digital_signature", "client_auth")


class Audience(enum.Enum):
    """Who verifies a certificate; its value is the certificate's validity in hours."""

    CLIENTS = 365 * 24
    """Users' clients (browsers, curl) see it."""
    OWN_EDGE = 2 * 365 * 24
    """Only the program's own edge and gateway verify it."""


@dataclass(frozen=True)
class IssuedCertificate:
    """A certificate and its private key."""

    certificate_pem: pulumi.Output[str]
    """The certificate (public)."""
    key_pem: pulumi.Output[str]
    """Its private key (a secret)."""


@dataclass(frozen=True)
class Authority:
    """A self-signed CA and its key, for `signed_certificate`."""

    certificate: tls.SelfSignedCert
    key: tls.PrivateKey

    @property
    def certificate_pem(self) -> pulumi.Output[str]:
        return self.certificate.cert_pem


def private_key(name: str, parent: pulumi.Resource) -> tls.PrivateKey:
    """An ECDSA P-256 key, a child of `parent`."""
    return tls.PrivateKey(name, algorithm="ECDSA", ecdsa_curve="P256", opts=pulumi.ResourceOptions(parent=parent))


def self_signed_certificate(
    *,
    key_name: str,
    cert_name: str,
    parent: pulumi.Resource,
    common_name: str,
    dns_names: Sequence[str],
    audience: Audience,
    uses: Sequence[str] = SERVER_USES,
) -> IssuedCertificate:
    """A new key and a certificate it signs itself, for `dns_names`."""
    key = private_key(key_name, parent)
    cert = tls.SelfSignedCert(
        cert_name,
        private_key_pem=key.private_key_pem,
        subject=tls.SelfSignedCertSubjectArgs(common_name=common_name, organization=ORGANIZATION),
        dns_names=list(dns_names),
        validity_period_hours=audience.value,
        early_renewal_hours=EARLY_RENEWAL_HOURS,
        allowed_uses=list(uses),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return IssuedCertificate(cert.cert_pem, pulumi.Output.secret(key.private_key_pem))


def authority(*, key_name: str, cert_name: str, parent: pulumi.Resource, common_name: str) -> Authority:
    """A new key and a CA certificate it signs itself."""
    key = private_key(key_name, parent)
    cert = tls.SelfSignedCert(
        cert_name,
        private_key_pem=key.private_key_pem,
        is_ca_certificate=True,
        subject=tls.SelfSignedCertSubjectArgs(common_name=common_name, organization=ORGANIZATION),
        validity_period_hours=AUTHORITY_VALIDITY_HOURS,
        early_renewal_hours=EARLY_RENEWAL_HOURS,
        allowed_uses=list(AUTHORITY_USES),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return Authority(cert, key)


def signed_certificate(
    issuer: Authority,
    *,
    key_name: str,
    request_name: str,
    cert_name: str,
    parent: pulumi.Resource,
    common_name: str,
    dns_names: Sequence[str],
    audience: Audience,
    uses: Sequence[str] = SERVER_USES,
) -> IssuedCertificate:
    """A new key, its certificate request and the certificate `issuer` signs for it."""
    key = private_key(key_name, parent)
    request = tls.CertRequest(
        request_name,
        private_key_pem=key.private_key_pem,
        subject=tls.CertRequestSubjectArgs(common_name=common_name, organization=ORGANIZATION),
        dns_names=list(dns_names) or None,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    cert = tls.LocallySignedCert(
        cert_name,
        cert_request_pem=request.cert_request_pem,
        ca_private_key_pem=issuer.key.private_key_pem,
        ca_cert_pem=issuer.certificate_pem,
        validity_period_hours=audience.value,
        early_renewal_hours=EARLY_RENEWAL_HOURS,
        allowed_uses=list(uses),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return IssuedCertificate(cert.cert_pem, pulumi.Output.secret(key.private_key_pem))


def host_common_name(host: str) -> str:
    """A host name as a certificate's common name: at most 64 characters (X.509), no leading `*.`."""
    return host[:64].lstrip("*.")
