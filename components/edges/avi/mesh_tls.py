"""Key material for mutual TLS between the Avi Service Engines and the Istio ingress gateway.

The program makes one CA with pulumi-tls. It issues the gateway's server certificate (the
gateway's HTTPS server then requires client certificates from the same CA) and the client
certificate the Service Engines present. On the controller the CA becomes the PKI profile
`istio-pki-<cluster>-<namespace>` that verifies the gateway, and the client certificate
becomes `istio-workload-<cluster>-<namespace>` (AKO's names for the same two objects).
Private keys are Pulumi secrets everywhere they travel.
"""

from __future__ import annotations

from typing import Optional, Sequence

import pulumi
import pulumi_tls as tls

from components.routes.component import GatewayMutualTls
from components.resource_options import renamed_from

VALIDITY_HOURS = 2 * 365 * 24
EARLY_RENEWAL_HOURS = 30 * 24


class AviMeshTls(pulumi.ComponentResource):
    """A CA, the gateway's server certificate and the Service Engines' client certificate."""

    ca_pem: pulumi.Output[str]
    """The CA certificate (public): the gateway trusts clients it issued; the PKI profile trusts the gateway."""
    gateway: GatewayMutualTls
    """The gateway's server certificate, key (secret) and the CA, for its credential Secret."""
    client_certificate_pem: pulumi.Output[str]
    """The Service Engines' client certificate."""
    client_key_pem: pulumi.Output[str]
    """Its private key (a secret)."""

    def __init__(self, name: str, cluster_name: str, gateway_dns_names: Sequence[str],
                 opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("mesh-platform:avi:AviMeshTls", name, None,
                         renamed_from("mesh-platform:edges:AviMeshTls", opts))
        child = pulumi.ResourceOptions(parent=self)
        ca_key = self._key(f"{name}-ca-key")
        ca = tls.SelfSignedCert(
            f"{name}-ca",
            private_key_pem=ca_key.private_key_pem,
            is_ca_certificate=True,
            subject=tls.SelfSignedCertSubjectArgs(common_name=f"{cluster_name} edge-to-mesh CA",
                                                  organization="mesh-platform"),
            validity_period_hours=VALIDITY_HOURS,
            early_renewal_hours=EARLY_RENEWAL_HOURS,
            allowed_uses=["cert_signing", "crl_signing", "digital_signature"],
            opts=child,
        )
        gateway_cert, gateway_key = self._issue(f"{name}-gateway", ca, ca_key, "istio-ingressgateway",
                                                list(gateway_dns_names), "server_auth")
        client_cert, client_key = self._issue(f"{name}-client", ca, ca_key, f"avi-se.{cluster_name}", [],
                                              "client_auth")
        self.ca_pem = ca.cert_pem
        self.gateway = GatewayMutualTls(gateway_cert.cert_pem, pulumi.Output.secret(gateway_key.private_key_pem),
                                        ca.cert_pem)
        self.client_certificate_pem = client_cert.cert_pem
        self.client_key_pem = pulumi.Output.secret(client_key.private_key_pem)
        self.register_outputs({"ca_pem": self.ca_pem, "client_certificate_pem": self.client_certificate_pem})

    def _key(self, name: str) -> tls.PrivateKey:
        return tls.PrivateKey(name, algorithm="ECDSA", ecdsa_curve="P256",
                              opts=pulumi.ResourceOptions(parent=self, additional_secret_outputs=["privateKeyPem"]))

    def _issue(self, name: str, ca: tls.SelfSignedCert, ca_key: tls.PrivateKey, common_name: str,
               dns_names: list[str], usage: str) -> tuple[tls.LocallySignedCert, tls.PrivateKey]:
        child = pulumi.ResourceOptions(parent=self)
        key = self._key(f"{name}-key")
        request = tls.CertRequest(
            f"{name}-request",
            private_key_pem=key.private_key_pem,
            subject=tls.CertRequestSubjectArgs(common_name=common_name[:64], organization="mesh-platform"),
            dns_names=dns_names or None,
            opts=child,
        )
        cert = tls.LocallySignedCert(
            f"{name}-cert",
            cert_request_pem=request.cert_request_pem,
            ca_private_key_pem=ca_key.private_key_pem,
            ca_cert_pem=ca.cert_pem,
            validity_period_hours=VALIDITY_HOURS,
            early_renewal_hours=EARLY_RENEWAL_HOURS,
            allowed_uses=["key_encipherment", "digital_signature", usage],
            opts=child,
        )
        return cert, key
