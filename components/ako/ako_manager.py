"""The Avi edge under `edge.avi.manager: ako`: what the program still owns when AKO builds the layout.

AKO turns the program's Ingresses into shards, pools and SNI children. Two things stay
with the program, as AKO's FAQ advises: the static routes to the nodes' pod networks
(Avi dynamic-provider resources, labelled and keyed as the `pulumi` manager writes them;
AKO's own route sync is off), and each terminated host's certificate as a Kubernetes TLS
Secret in every namespace whose Ingress names it (from `edgeCertificates` or issued).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.ako.ingresses import plan_ingresses
from components.edges.avi import model
from components.edges.avi.certificates import HostCertificates
from components.edges.avi.config import AviEdgeConfig
from components.resource_options import renamed_from
from components.routes.config import AppConfig
from providers.avi.resources import AviStaticRoute


@dataclass
class AkoManagedEdgeArgs:
    """Inputs of the `AkoManagedEdge` component."""

    cluster_name: str
    """The cluster's name: route ids and their `clustername` label (never AKO's cluster name)."""
    edge: AviEdgeConfig
    apps: tuple[AppConfig, ...]
    certificates_secret: pulumi.Output[str] | None = None
    """The secret `edgeCertificates` (JSON of named certificate/key pairs), when set."""
    namespaces: dict[str, pulumi.Resource] | None = None
    """App namespaces by name, so Secrets wait for their namespace."""


class AkoManagedEdge(pulumi.ComponentResource):
    """Static routes and host TLS Secrets for an Avi edge whose layout AKO builds.

    The cluster's Kubernetes provider comes in `opts` (`providers=[...]`); the Secrets inherit it.
    """

    tls_secrets: list[k8s.core.v1.Secret]
    """The hosts' TLS Secrets (the Ingresses wait for them)."""
    routes: list[AviStaticRoute]

    def __init__(self, name: str, args: AkoManagedEdgeArgs, opts: pulumi.ResourceOptions | None = None):
        # Token history: mesh-platform:edges:AkoManagedEdge, then :avi: (in edges/avi), now :ako:.
        super().__init__(
            "mesh-platform:ako:AkoManagedEdge",
            name,
            None,
            renamed_from("mesh-platform:avi:AkoManagedEdge", renamed_from("mesh-platform:edges:AkoManagedEdge", opts)),
        )
        child = pulumi.ResourceOptions(parent=self)
        self.routes = [
            AviStaticRoute(
                f"{name}-route-{node}-{index}",
                opts=child,
                **model.static_route_body(args.cluster_name, node, index, prefix, next_hop, args.edge),
            )
            for node, index, prefix, next_hop in args.edge.route_plans()
        ]
        certificates = HostCertificates(name, args.cluster_name, args.certificates_secret, self)
        issued: dict[str, tuple[pulumi.Output[str], pulumi.Output[str]]] = {}
        sources = {
            (ns.name, host): ns.tls.certificate
            for app in args.apps
            for ns in app.namespaces
            if ns.tls is not None and ns.tls.certificate is not None
            for host in ns.hosts
        }
        self.tls_secrets = []
        made: set[tuple[str, str]] = set()
        for plan in plan_ingresses(args.apps):
            if not plan.tls_secret or (plan.namespace, plan.host) in made:
                continue
            made.add((plan.namespace, plan.host))
            if plan.host not in issued:
                issued[plan.host] = certificates.for_host(plan.host, sources[(plan.namespace, plan.host)])
            certificate, key = issued[plan.host]
            namespace = (args.namespaces or {}).get(plan.namespace)
            secret_key: pulumi.Output[str] = pulumi.Output.secret(key)
            secret = k8s.core.v1.Secret(
                f"{name}-tls-{plan.namespace}-{plan.tls_secret}",
                metadata={"name": plan.tls_secret, "namespace": plan.namespace},
                type="kubernetes.io/tls",
                string_data={"tls.crt": certificate, "tls.key": secret_key},
                opts=pulumi.ResourceOptions(parent=self, depends_on=[namespace] if namespace else []),
            )
            self.tls_secrets.append(secret)
        self.register_outputs({"routes": [r.urn for r in self.routes]})
