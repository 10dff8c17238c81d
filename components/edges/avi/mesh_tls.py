"""Key material for mutual TLS between the Avi Service Engines and the Istio ingress gateway.

The program makes one CA with pulumi-tls. It issues the gateway's server certificate (the
gateway's HTTPS server then requires client certificates from the same CA) and the client
certificate the Service Engines present. On the controller the CA becomes the PKI profile
`istio-pki-<cluster>-<namespace>` that verifies the gateway, and the client certificate
becomes `istio-workload-<cluster>-<namespace>` (AKO's names for the same two objects).
Private keys are Pulumi secrets everywhere they travel.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi

from components.resource_options import renamed_from
from components.routes.component import GatewayMutualTls
from components.tls_issuer import CLIENT_USES, SERVER_USES, Audience, authority, signed_certificate


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

    def __init__(
        self,
        name: str,
        cluster_name: str,
        gateway_dns_names: Sequence[str],
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__(
            "mesh-platform:avi:AviMeshTls", name, None, renamed_from("mesh-platform:edges:AviMeshTls", opts)
        )
        ca = authority(
            key_name=f"{name}-ca-key",
            cert_name=f"{name}-ca",
            parent=self,
            common_name=f"{cluster_name} edge-to-mesh CA",
        )
        # Only the Service Engines and the gateway verify these two (tls_issuer's validity policy).
        gateway = signed_certificate(
            ca,
            key_name=f"{name}-gateway-key",
            request_name=f"{name}-gateway-request",
            cert_name=f"{name}-gateway-cert",
            parent=self,
            common_name="istio-ingressgateway",
            dns_names=list(gateway_dns_names),
            audience=Audience.OWN_EDGE,
            uses=SERVER_USES,
        )
        client = signed_certificate(
            ca,
            key_name=f"{name}-client-key",
            request_name=f"{name}-client-request",
            cert_name=f"{name}-client-cert",
            parent=self,
            common_name=f"avi-se.{cluster_name}"[:64],
            dns_names=[],
            audience=Audience.OWN_EDGE,
            uses=CLIENT_USES,
        )
        self.ca_pem = ca.certificate_pem
        self.gateway = GatewayMutualTls(gateway.certificate_pem, gateway.key_pem, ca.certificate_pem)
        self.client_certificate_pem = client.certificate_pem
        self.client_key_pem = client.key_pem
        self.register_outputs({"ca_pem": self.ca_pem, "client_certificate_pem": self.client_certificate_pem})
