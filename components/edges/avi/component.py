"""The Avi edge: AKO's layout of Avi objects in front of the NodePort Istio ingress gateway.

Objects are declared through the project's Avi dynamic provider, so they are real
Pulumi resources: `pulumi preview` shows every change, `pulumi refresh` shows out-of-band
edits on the controller and `pulumi destroy` removes them in dependency order (virtual
services before the pools, policies, certificates and VIPs they refer to).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pulumi

from components.avi import naming
from components.avi.plan import EdgePlan, PassthroughPlan, ShardPlan, plan_edge
from components.edges.avi import model
from components.edges.avi.certificates import HostCertificates
from components.edges.avi.config import AviEdgeConfig
from components.edges.avi.mesh_tls import AviMeshTls
from components.resource_options import dependencies_of, renamed_from
from components.routes.config import AppConfig
from components.tls_issuer import Audience, self_signed_certificate
from providers.avi.resources import (
    AviHealthMonitor,
    AviHttpPolicySet,
    AviPkiProfile,
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
    gateway_https_node_port: int
    """The ingress gateway's HTTPS node port: pools reach the mesh there over mutual TLS."""
    gateway_status_node_port: int
    """The gateway's status node port (readiness endpoint) the health monitor probes."""
    gateway_namespace: str
    """The gateway's namespace; names the PKI objects as AKO names them per namespace."""
    mesh_tls: AviMeshTls | None = None
    """The CA and client certificate for mutual TLS to the gateway; None keeps pools on plain TCP."""
    certificates_secret: pulumi.Output[str] | None = None
    """The `edgeCertificates` secret (JSON), when hosts take certificates from it."""


class AviEdge(pulumi.ComponentResource):
    """Parent shards, SNI children, passthrough shards, pools, monitor, PKI and static routes for the mesh.

    `depends_on` in `opts` names what must exist first (the ingress gateway and its `Gateway`); the
    shared objects and the pools repeat it, since children do not inherit a component's `depends_on`.
    """

    virtual_services: pulumi.Output[dict[str, Any]]
    """Virtual-service name -> its uuid on the controller."""
    vips: pulumi.Output[dict[str, Any]]
    """Shard name -> its VIP address (as allocated by the controller)."""
    hosts: pulumi.Output[dict[str, Any]]
    """Shard name -> the hosts it serves."""
    curl_commands: pulumi.Output[dict[str, Any]]
    """Host -> a curl command that reaches it through its shard's VIP (no DNS needed)."""

    def __init__(self, name: str, args: AviEdgeArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mesh-platform:avi:AviEdge", name, None, renamed_from("mesh-platform:edges:AviEdge", opts))
        self._name, self._args, self._edge, self._cluster = name, args, args.edge, args.cluster_name
        self._after = dependencies_of(opts)
        self._child = pulumi.ResourceOptions(parent=self, depends_on=self._after)
        plan = plan_edge(self._cluster, args.apps, self._edge.shard_size, self._edge.passthrough_shard_size)

        self._routes = [
            AviStaticRoute(
                f"{name}-route-{node}-{index}",
                opts=self._child,
                **model.static_route_body(self._cluster, node, index, prefix, next_hop, self._edge),
            )
            for node, index, prefix, next_hop in self._edge.route_plans()
        ]
        self._monitor = AviHealthMonitor(
            f"{name}-monitor",
            opts=self._child,
            **model.health_monitor_body(self._cluster, args.gateway_status_node_port),
        )
        self._pki_ref, self._client_ref = self._mesh_pki(args)
        self._certificates = HostCertificates(name, self._cluster, args.certificates_secret, self)
        default_cert = self._default_certificate()

        services: dict[str, AviVirtualService] = {}
        vips: dict[str, AviVsVip] = {}
        for shard in plan.shards:
            vips[shard.name], services[shard.name] = self._shard(shard, default_cert.url)
            for child_vs in self._children(shard, services[shard.name]):
                services[child_vs[0]] = child_vs[1]
        for passthrough in plan.passthrough:
            vips[passthrough.name], declared = self._passthrough(passthrough)
            services.update(declared)

        self.virtual_services = pulumi.Output.from_input({n: vs.uuid for n, vs in services.items()})
        self.vips = pulumi.Output.from_input({n: _first_vip(v) for n, v in vips.items()})
        self.hosts = pulumi.Output.from_input(plan.hosts)
        self.curl_commands = self.vips.apply(lambda addresses: curl_commands(plan, addresses))
        self.register_outputs(
            {
                "virtual_services": self.virtual_services,
                "vips": self.vips,
                "hosts": self.hosts,
                "curl_commands": self.curl_commands,
            }
        )

    # -- shared objects ---------------------------------------------------------------

    def _mesh_pki(self, args: AviEdgeArgs) -> tuple[pulumi.Output[str] | None, pulumi.Output[str] | None]:
        """The PKI profile verifying the gateway and the client certificate presented to it (AKO's names)."""
        if args.mesh_tls is None:
            return None, None
        pki = AviPkiProfile(
            f"{self._name}-istio-pki",
            opts=self._child,
            name=naming.istio_pki_profile_name(self._cluster, args.gateway_namespace),
            crl_check=False,
            ca_certs=[{"certificate": args.mesh_tls.ca_pem}],
        )
        client = AviSslKeyAndCertificate(
            f"{self._name}-istio-workload",
            opts=self._child,
            name=naming.istio_workload_cert_name(self._cluster, args.gateway_namespace),
            type="SSL_CERTIFICATE_TYPE_VIRTUALSERVICE",
            certificate={"certificate": args.mesh_tls.client_certificate_pem},
            key=args.mesh_tls.client_key_pem,
        )
        return pki.url, client.url

    def _default_certificate(self) -> AviSslKeyAndCertificate:
        """The parents' certificate, for clients that send no SNI or an unknown name (self-signed).

        It names no host: every secure host's own certificate sits on its SNI child."""
        cert = self_signed_certificate(
            key_name=f"{self._name}-tls-key",
            cert_name=f"{self._name}-tls-cert",
            parent=self,
            common_name=self._cluster,
            dns_names=[self._cluster],
            audience=Audience.CLIENTS,
        )
        return AviSslKeyAndCertificate(
            f"{self._name}-certificate",
            name=naming.certificate_name(self._cluster),
            type="SSL_CERTIFICATE_TYPE_VIRTUALSERVICE",
            certificate={"certificate": cert.certificate_pem},
            key=cert.key_pem,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _pool(self, pool_name: str, node_port: int, tls_to_mesh: bool = True) -> AviPool:
        opts = pulumi.ResourceOptions(parent=self, depends_on=[*self._after, *self._routes])
        return AviPool(
            f"{self._name}-pool-{pool_name}",
            opts=opts,
            **model.pool_body(
                pool_name,
                self._edge,
                node_port,
                self._monitor.url,
                self._pki_ref if tls_to_mesh else None,
                self._client_ref if tls_to_mesh else None,
            ),
        )

    # -- parents and SNI children ------------------------------------------------------

    def _shard(self, shard: ShardPlan, certificate_ref: pulumi.Output[str]) -> tuple[AviVsVip, AviVirtualService]:
        port = self._args.gateway_https_node_port
        pools = {p.name: self._pool(p.name, port).url for p in shard.pools}
        body = model.shard_policy_body(shard, pools)
        policy = AviHttpPolicySet(f"{self._name}-policy-{shard.index}", opts=self._child, **body) if body else None
        vsvip = AviVsVip(
            f"{self._name}-vsvip-{shard.index}", opts=self._child, **model.vsvip_body(shard.name, self._edge)
        )
        vs = AviVirtualService(
            f"{self._name}-vs-{shard.index}",
            opts=self._child,
            **model.parent_vs_body(shard, self._edge, vsvip.url, certificate_ref, policy.url if policy else None),
        )
        return vsvip, vs

    def _children(self, shard: ShardPlan, parent: AviVirtualService) -> Iterator[tuple[str, AviVirtualService]]:
        port = self._args.gateway_https_node_port
        for child in shard.children:
            certificate, key = self._certificates.for_host(child.host, child.certificate)
            cert = AviSslKeyAndCertificate(
                f"{self._name}-cert-{child.host}",
                opts=self._child,
                name=child.name,
                type="SSL_CERTIFICATE_TYPE_VIRTUALSERVICE",
                certificate={"certificate": certificate},
                key=key,
            )
            pools = {p.name: self._pool(p.name, port).url for p in child.pools}
            policies = [
                AviHttpPolicySet(
                    f"{self._name}-policy-{child.host}-{ns}",
                    opts=self._child,
                    **model.sni_policy_body(self._cluster, child, ns, pools),
                ).url
                for ns in child.namespaces
            ]
            vs = AviVirtualService(
                f"{self._name}-child-{child.host}",
                opts=self._child,
                **model.sni_child_body(child, self._edge, parent.url, cert.url, policies),
            )
            yield child.name, vs

    # -- passthrough -------------------------------------------------------------------

    def _passthrough(self, plan: PassthroughPlan) -> tuple[AviVsVip, dict[str, AviVirtualService]]:
        vsvip = AviVsVip(
            f"{self._name}-passthrough-vsvip-{plan.index}", opts=self._child, **model.vsvip_body(plan.name, self._edge)
        )
        pool = self._pool(
            naming.passthrough_pool_name(self._cluster, plan.index),
            self._args.gateway_https_node_port,
            tls_to_mesh=False,
        )
        declared = {
            plan.name: AviVirtualService(
                f"{self._name}-passthrough-{plan.index}",
                opts=self._child,
                **model.passthrough_vs_body(plan, self._edge, vsvip.url, pool.url),
            )
        }
        if plan.redirect_hosts:
            policy = AviHttpPolicySet(
                f"{self._name}-passthrough-redirect-{plan.index}",
                opts=self._child,
                **model.passthrough_redirect_body(plan),
            )
            declared[plan.insecure_name] = AviVirtualService(
                f"{self._name}-passthrough-insecure-{plan.index}",
                opts=self._child,
                **model.passthrough_insecure_vs_body(plan, self._edge, vsvip.url, policy.url),
            )
        return vsvip, declared


def curl_commands(plan: EdgePlan, vips: dict[str, Any]) -> dict[str, str]:
    """How to reach each host through its VIP; issued certificates chain to the program's CA (hence -k)."""
    commands = {}
    for shard in plan.shards:
        vip = vips.get(shard.name)
        for host in sorted({p.host for p in shard.pools}):
            commands[host] = f"curl --resolve {host}:80:{vip} http://{host}/"
        for child in shard.children:
            insecure = " -k" if child.certificate.issuer else ""
            commands[child.host] = f"curl{insecure} --resolve {child.host}:443:{vip} https://{child.host}/"
    for passthrough in plan.passthrough:
        vip = vips.get(passthrough.name)
        for host in passthrough.hosts:
            commands[host] = f"curl --resolve {host}:443:{vip} https://{host}/"
    return commands


def _first_vip(vsvip: AviVsVip) -> pulumi.Output[str | None]:
    """The address of a VsVip's first VIP (fixed, or as the controller allocated it)."""

    def address(vips: list[dict[str, Any]] | None) -> str | None:
        for vip in vips or []:
            ip = (vip or {}).get("ip_address") or {}
            if ip.get("addr"):
                return ip["addr"]
        return None

    return vsvip.vip.apply(address)
