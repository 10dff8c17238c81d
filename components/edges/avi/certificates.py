"""Certificates of terminated hosts: an entry of the secret `edgeCertificates`, or issued here.

`edgeCertificates` is one secret JSON object, `{"<name>": {"certificate": PEM, "key": PEM}}`.
Entries are picked inside `apply`, so the key never leaves the secret. Offline renders see a
placeholder instead of the secret's JSON; a stand-in PEM takes its place there.
"""

from __future__ import annotations

import json
from typing import Optional

import pulumi
import pulumi_tls as tls

from components.routes.config import HostCertificate

OFFLINE_PLACEHOLDER = "offline-placeholder-for-"
"""How an offline render (tools/mockrun) stands in for secrets it cannot decrypt."""
VALIDITY_HOURS = 365 * 24
EARLY_RENEWAL_HOURS = 30 * 24


def _stand_in(name: str, part: str) -> str:
    label = "CERTIFICATE" if part == "certificate" else "PRIVATE KEY"
    return f"-----BEGIN {label}-----\nstand-in-for-edgeCertificates-{name}\n-----END {label}-----\n"


def pick(raw: Optional[str], name: str, part: str) -> str:
    """`part` (certificate or key) of entry `name` of the secret's JSON; a stand-in offline."""
    if raw is None or raw.startswith(OFFLINE_PLACEHOLDER):
        return _stand_in(name, part)
    try:
        entry = json.loads(raw)[name]
        value = entry[part]
        if not isinstance(value, str) or "-----BEGIN" not in value:
            raise TypeError
        return value
    except (ValueError, KeyError, TypeError):
        pulumi.log.error(f'edgeCertificates: entry "{name}" needs "certificate" and "key" as PEM strings; expected '
                         'JSON such as {"' + name + '": {"certificate": "-----BEGIN CERTIFICATE-----...", '
                         '"key": "-----BEGIN PRIVATE KEY-----..."}}')
        return _stand_in(name, part)


class HostCertificates:
    """Hands out (certificate PEM, secret key PEM) per host; issues from one CA made on first use."""

    def __init__(self, name: str, cluster: str, secret: Optional[pulumi.Output[str]], parent: pulumi.Resource):
        self._name, self._cluster, self._secret, self._parent = name, cluster, secret, parent
        self._ca: Optional[tuple[tls.SelfSignedCert, tls.PrivateKey]] = None

    def for_host(self, host: str, source: HostCertificate) -> tuple[pulumi.Output[str], pulumi.Output[str]]:
        if source.secret:
            secret = self._secret if self._secret is not None else pulumi.Output.secret(None)
            certificate = pulumi.Output.unsecret(secret.apply(lambda raw: pick(raw, source.secret, "certificate")))
            key = pulumi.Output.secret(secret.apply(lambda raw: pick(raw, source.secret, "key")))
            return certificate, key
        return self._issue(host)

    def _opts(self) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self._parent)

    def _key(self, name: str) -> tls.PrivateKey:
        return tls.PrivateKey(name, algorithm="ECDSA", ecdsa_curve="P256",
                              opts=pulumi.ResourceOptions(parent=self._parent,
                                                          additional_secret_outputs=["privateKeyPem"]))

    def _authority(self) -> tuple[tls.SelfSignedCert, tls.PrivateKey]:
        if self._ca is None:
            key = self._key(f"{self._name}-hosts-ca-key")
            cert = tls.SelfSignedCert(
                f"{self._name}-hosts-ca", private_key_pem=key.private_key_pem, is_ca_certificate=True,
                subject=tls.SelfSignedCertSubjectArgs(common_name=f"{self._cluster} edge hosts CA",
                                                      organization="mesh-platform"),
                validity_period_hours=2 * VALIDITY_HOURS, early_renewal_hours=EARLY_RENEWAL_HOURS,
                allowed_uses=["cert_signing", "crl_signing", "digital_signature"], opts=self._opts())
            self._ca = (cert, key)
        return self._ca

    def _issue(self, host: str) -> tuple[pulumi.Output[str], pulumi.Output[str]]:
        ca, ca_key = self._authority()
        key = self._key(f"{self._name}-host-key-{host}")
        request = tls.CertRequest(f"{self._name}-host-request-{host}", private_key_pem=key.private_key_pem,
                                  subject=tls.CertRequestSubjectArgs(common_name=host[:64].lstrip("*."),
                                                                     organization="mesh-platform"),
                                  dns_names=[host], opts=self._opts())
        cert = tls.LocallySignedCert(f"{self._name}-host-cert-{host}", cert_request_pem=request.cert_request_pem,
                                     ca_private_key_pem=ca_key.private_key_pem, ca_cert_pem=ca.cert_pem,
                                     validity_period_hours=VALIDITY_HOURS, early_renewal_hours=EARLY_RENEWAL_HOURS,
                                     allowed_uses=["key_encipherment", "digital_signature", "server_auth"],
                                     opts=self._opts())
        return cert.cert_pem, pulumi.Output.secret(key.private_key_pem)
