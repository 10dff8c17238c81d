"""Certificates of terminated hosts: an entry of the secret `edgeCertificates`, or issued here.

`edgeCertificates` is one secret JSON object, `{"<name>": {"certificate": PEM, "key": PEM}}`.
Entries are picked inside `apply`, so the key never leaves the secret. Offline renders see a
placeholder instead of the secret's JSON; a stand-in PEM takes its place there.
"""

from __future__ import annotations

import json

import pulumi

from components.routes.config import HostCertificate
from components.tls_issuer import Audience, Authority, authority, host_common_name, signed_certificate

OFFLINE_PLACEHOLDER = "offline-placeholder-for-"
"""How an offline render (tools/mockrun) stands in for secrets it cannot decrypt."""


def _stand_in(name: str, part: str) -> str:
    label = "CERTIFICATE" if part == "certificate" else "PRIVATE KEY"
    return f"-----BEGIN {label}-----\nstand-in-for-edgeCertificates-{name}\n-----END {label}-----\n"


def pick(raw: str | None, name: str, part: str) -> str:
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
        pulumi.log.error(
            f'edgeCertificates: entry "{name}" needs "certificate" and "key" as PEM strings; expected '
            'JSON such as {"' + name + '": {"certificate": "-----BEGIN CERTIFICATE-----...", '
            '"key": "-----BEGIN PRIVATE KEY-----..."}}'
        )
        return _stand_in(name, part)


class HostCertificates:
    """Hands out (certificate PEM, secret key PEM) per host; issues from one CA made on first use."""

    def __init__(self, name: str, cluster: str, secret: pulumi.Output[str] | None, parent: pulumi.Resource):
        self._name, self._cluster, self._secret, self._parent = name, cluster, secret, parent
        self._ca: Authority | None = None

    def for_host(self, host: str, source: HostCertificate) -> tuple[pulumi.Output[str], pulumi.Output[str]]:
        entry = source.secret
        if entry:
            secret = self._secret if self._secret is not None else pulumi.Output.secret(None)
            certificate = pulumi.Output.unsecret(secret.apply(lambda raw: pick(raw, entry, "certificate")))
            key_pem: pulumi.Output[str] = secret.apply(lambda raw: pick(raw, entry, "key"))
            return certificate, pulumi.Output.secret(key_pem)
        return self._issue(host)

    def _authority(self) -> Authority:
        if self._ca is None:
            self._ca = authority(
                key_name=f"{self._name}-hosts-ca-key",
                cert_name=f"{self._name}-hosts-ca",
                parent=self._parent,
                common_name=f"{self._cluster} edge hosts CA",
            )
        return self._ca

    def _issue(self, host: str) -> tuple[pulumi.Output[str], pulumi.Output[str]]:
        issued = signed_certificate(
            self._authority(),
            key_name=f"{self._name}-host-key-{host}",
            request_name=f"{self._name}-host-request-{host}",
            cert_name=f"{self._name}-host-cert-{host}",
            parent=self._parent,
            common_name=host_common_name(host),
            dns_names=[host],
            audience=Audience.CLIENTS,
        )
        return issued.certificate_pem, issued.key_pem
