"""Routes from the stack's app list: ingress Gateway, VirtualServices, ServiceEntries, egress.

The objects come from `components/routes_model.py`; this component declares them with the
cluster's provider, each after istiod (its validation webhook) and its namespace. Where the
edge re-encrypts to the gateway (ALB), a self-signed certificate made with pulumi-tls
becomes the gateway's HTTPS credential (the edge does not verify it; the public
certificate lives on the edge).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.mesh.component import IstioMesh
from components.routes import model
from components.routes.config import AppConfig, ExternalHostConfig
from components.tls_issuer import Audience, host_common_name, self_signed_certificate


@dataclass(frozen=True)
class GatewayMutualTls:
    """Key material of a gateway that requires client certificates (made by the edge that presents them)."""

    certificate_pem: pulumi.Output[str]
    """The gateway's server certificate."""
    key_pem: pulumi.Output[str]
    """Its private key (kept secret)."""
    ca_pem: pulumi.Output[str]
    """The CA that issued the server certificate and the clients' certificates."""


@dataclass
class MeshRoutesArgs:
    """Inputs of the `MeshRoutes` component."""

    mesh: IstioMesh
    """The installed mesh (namespaces, gateways, istiod to wait for)."""
    apps: tuple[AppConfig, ...]
    """The apps to route to, as declared in the stack (one entry per app, with its namespaces and hosts)."""
    external_hosts: tuple[ExternalHostConfig, ...]
    """External hosts the mesh may reach (ServiceEntries, egress routing)."""
    gateway_https: bool = False
    """Serve HTTPS on the ingress gateway with a self-signed certificate (edges that re-encrypt)."""
    gateway_mutual_tls: GatewayMutualTls | None = None
    """Serve HTTPS requiring client certificates, with this key material (the Avi edge's)."""


class MeshRoutes(pulumi.ComponentResource):
    """Istio routing objects for the stack's apps and external hosts.

    The cluster's Kubernetes provider comes in `opts` (`providers=[...]`); every child inherits it.
    """

    gateway_name: str
    """The ingress `Gateway` as VirtualServices reference it (`<namespace>/<name>`)."""
    https_credential_name: str | None
    """The Secret with the gateway's HTTPS certificate, when HTTPS is served."""
    gateway: k8s.apiextensions.CustomResource | None
    """The ingress `Gateway`; None when no app has a public host."""
    virtual_services: list[k8s.apiextensions.CustomResource]
    """Gateway-bound and mesh-only VirtualServices of the apps."""
    certificate_pem: pulumi.Output[str] | None
    """The gateway's self-signed certificate (public), when HTTPS is served."""

    def __init__(self, name: str, args: MeshRoutesArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mesh-platform:routes:MeshRoutes", name, None, opts)
        mesh = args.mesh
        self._name, self._mesh = name, mesh
        ingress = model.GatewayRef(
            model.INGRESS_GATEWAY_RESOURCE, mesh.ingress_namespace, mesh.ingress_selector, mesh.ingress_service_name
        )
        self.gateway_name = ingress.qualified

        self.https_credential_name = self.certificate_pem = None
        credential_secret = None
        if args.gateway_mutual_tls is not None:
            credential_secret = self._mutual_credential(ingress, args.gateway_mutual_tls)
        elif args.gateway_https:
            credential_secret = self._https_credential(ingress, args.apps)

        manifest = model.ingress_gateway(
            ingress, args.apps, self.https_credential_name, mutual=args.gateway_mutual_tls is not None
        )
        self.gateway = None
        if manifest is not None:
            self.gateway = self._declare(manifest, [credential_secret] if credential_secret else [])
        self.virtual_services = [self._declare(m) for m in model.app_virtual_services(args.apps, ingress)]

        app_namespaces = list(mesh.namespaces)
        se_namespaces = app_namespaces + ([mesh.egress_namespace] if mesh.egress_namespace else [])
        for entry in model.service_entries(args.external_hosts, se_namespaces):
            self._declare(entry)
        egress_name, egress_selector, egress_gateway = (
            mesh.egress_service_name,
            mesh.egress_selector,
            mesh.egress_gateway,
        )
        if mesh.egress_namespace and egress_name and egress_selector is not None and egress_gateway is not None:
            egress = model.GatewayRef(egress_name, mesh.egress_namespace, egress_selector, egress_name)
            for external in args.external_hosts:
                for obj in model.egress_objects(external, egress, app_namespaces):
                    self._declare(obj, [egress_gateway])

        self.register_outputs({"gateway_name": self.gateway_name, "https_credential_name": self.https_credential_name})

    def _declare(
        self,
        manifest: dict[str, Any],
        extra: list[pulumi.Resource] | None = None,
    ) -> k8s.apiextensions.CustomResource:
        meta = manifest["metadata"]
        depends: list[pulumi.Resource] = [self._mesh.istiod, *(extra or [])]
        if meta["namespace"] in self._mesh.namespaces:
            depends.append(self._mesh.namespaces[meta["namespace"]])
        elif meta["namespace"] == self._mesh.ingress_namespace:
            depends.append(self._mesh.ingress_gateway)
        return k8s.apiextensions.CustomResource(
            f"{self._name}-{manifest['kind'].lower()}-{meta['namespace']}-{meta['name']}",
            api_version=manifest["apiVersion"],
            kind=manifest["kind"],
            metadata=meta,
            spec=manifest["spec"],
            opts=pulumi.ResourceOptions(parent=self, depends_on=depends),
        )

    def _mutual_credential(self, ingress: model.GatewayRef, material: GatewayMutualTls) -> k8s.core.v1.Secret:
        """The gateway's server certificate with the CA its clients' certificates must chain to (`ca.crt`)."""
        self.https_credential_name = f"{ingress.name}-mtls"
        self.certificate_pem = material.certificate_pem
        key_pem: pulumi.Output[str] = pulumi.Output.secret(material.key_pem)
        return k8s.core.v1.Secret(
            f"{self._name}-gateway-mtls",
            metadata={"name": self.https_credential_name, "namespace": ingress.namespace},
            type="kubernetes.io/tls",
            string_data={"tls.crt": material.certificate_pem, "tls.key": key_pem, "ca.crt": material.ca_pem},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self._mesh.ingress_gateway]),
        )

    def _https_credential(self, ingress: model.GatewayRef, apps: tuple[AppConfig, ...]) -> k8s.core.v1.Secret:
        """A self-signed certificate for the public hosts, as the gateway's TLS Secret."""
        hosts = [entry.split("/", 1)[1] for entry in model.gateway_hosts(apps)]
        hosts = list(dict.fromkeys(hosts)) or [f"{ingress.service}.{ingress.namespace}.svc"]
        # Only the ALB verifies it: it re-encrypts to the gateway (tls_issuer's validity policy).
        cert = self_signed_certificate(
            key_name=f"{self._name}-gateway-key",
            cert_name=f"{self._name}-gateway-cert",
            parent=self,
            common_name=host_common_name(hosts[0]),
            dns_names=hosts,
            audience=Audience.OWN_EDGE,
        )
        self.https_credential_name = f"{ingress.name}-tls"
        self.certificate_pem = cert.certificate_pem
        return k8s.core.v1.Secret(
            f"{self._name}-gateway-tls",
            metadata={"name": self.https_credential_name, "namespace": ingress.namespace},
            type="kubernetes.io/tls",
            string_data={"tls.crt": cert.certificate_pem, "tls.key": cert.key_pem},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self._mesh.ingress_gateway]),
        )
