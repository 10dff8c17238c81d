"""The Avi edge: shared virtual services in front of the NodePort Istio ingress gateway.

Objects are declared through the project's Avi dynamic provider, so they are real
Pulumi resources: `pulumi refresh` shows out-of-band edits on the controller and
`pulumi destroy` removes them in dependency order (virtual services before the
pools, policies and VIPs they refer to).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import pulumi
import pulumi_tls as tls

from components.edges.avi.config import AviEdgeConfig
from components.routes.config import AppConfig
from components.edges.avi import model
from components.edges.avi import naming
from providers.avi.resources import (
    AviHttpPolicySet,
    AviPool,
    AviSslKeyAndCertificate,
    AviStaticRoute,
    AviVirtualService,
    AviVsVip,
)


@dataclass
class AviEdgeArgs:
    """Inputs of the `AviEdge` component."""

    cluster_name: str
    """The cluster name; prefixes every Avi object name (as AKO does)."""
    edge: AviEdgeConfig
    """The validated `edge.avi` section."""
    apps: tuple[AppConfig, ...]
    """The apps whose public hosts the edge serves."""
    gateway_http_node_port: int
    """The ingress gateway's HTTP node port the pools send traffic to."""
    depends_on: list[pulumi.Resource] = field(default_factory=list)
    """Resources that must exist first (the ingress gateway)."""


class AviEdge(pulumi.ComponentResource):
    """Avi virtual services, VIPs, pools, HTTP policies and static routes for the mesh's hosts."""

    virtual_services: pulumi.Output[dict]
    """Shard virtual-service name -> its uuid on the controller."""
    hosts: pulumi.Output[dict]
    """Shard virtual-service name -> the hosts it serves."""

    def __init__(self, name: str, args: AviEdgeArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("mesh-platform:edges:AviEdge", name, None, opts)
        edge, cluster = args.edge, args.cluster_name
        child = pulumi.ResourceOptions(parent=self, depends_on=args.depends_on)
        shards = model.plan_shards(cluster, args.apps, edge.shard_size)

        routes = [
            AviStaticRoute(f"{name}-route-{node}-{index}", opts=child,
                           **model.static_route_body(cluster, node, index, prefix, next_hop, edge))
            for node, index, prefix, next_hop in edge.route_plans()
        ]

        certificate = self._certificate(name, cluster, sorted({h for s in shards for h in s.hosts}))
        services = {}
        for shard in shards:
            pools = {
                plan.name: AviPool(f"{name}-pool-{plan.name}", opts=pulumi.ResourceOptions(
                    parent=self, depends_on=[*args.depends_on, *routes]),
                    **model.pool_body(plan, edge, args.gateway_http_node_port))
                for plan in shard.pools
            }
            policy = AviHttpPolicySet(f"{name}-policy-{shard.index}", opts=child,
                                      **model.http_policy_body(shard, {n: p.url for n, p in pools.items()}))
            vsvip = AviVsVip(f"{name}-vsvip-{shard.index}", opts=child, **model.vsvip_body(shard.name, edge))
            services[shard.name] = AviVirtualService(
                f"{name}-vs-{shard.index}", opts=child,
                **model.virtual_service_body(shard, edge, vsvip.url, policy.url, certificate.url))

        self.virtual_services = pulumi.Output.from_input({n: vs.uuid for n, vs in services.items()})
        self.hosts = pulumi.Output.from_input({s.name: s.hosts for s in shards})
        self.register_outputs({"virtual_services": self.virtual_services, "hosts": self.hosts})

    def _certificate(self, name: str, cluster: str, hosts: list[str]) -> AviSslKeyAndCertificate:
        """A self-signed certificate for the shard services' HTTPS listeners (key stays secret)."""
        key = tls.PrivateKey(f"{name}-tls-key", algorithm="ECDSA", ecdsa_curve="P256",
                             opts=pulumi.ResourceOptions(parent=self))
        cert = tls.SelfSignedCert(
            f"{name}-tls-cert",
            private_key_pem=key.private_key_pem,
            subject=tls.SelfSignedCertSubjectArgs(common_name=hosts[0] if hosts else cluster,
                                                  organization="mesh-platform"),
            dns_names=hosts or [cluster],
            validity_period_hours=24 * 365,
            early_renewal_hours=24 * 30,
            allowed_uses=["key_encipherment", "digital_signature", "server_auth"],
            opts=pulumi.ResourceOptions(parent=self),
        )
        return AviSslKeyAndCertificate(
            f"{name}-certificate",
            name=naming.certificate_name(cluster),
            type="SSL_CERTIFICATE_TYPE_VIRTUALSERVICE",
            certificate={"certificate": cert.cert_pem},
            key=pulumi.Output.secret(key.private_key_pem),
            opts=pulumi.ResourceOptions(parent=self),
        )
