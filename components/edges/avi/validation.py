"""Rules of the Avi edge that need more than `edge.avi`: the apps' hosts and the cluster name.

Called from the stack's cross-section rules, so every problem is reported at preview
together with the rest. Rules that need only `edge.avi` live on its model (config.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from components.avi import naming
from components.config.base import Problems
from components.edges.avi.config import AviEdgeConfig

if TYPE_CHECKING:  # the root model sits in the stack layer above; a type-only import makes no cycle
    from components.routes.config import AppConfig
    from components.stack.model import StackConfig

CERTIFICATES_KEY = "edgeCertificates"
"""The secret key holding terminated hosts' certificates: {<name>: {certificate: PEM, key: PEM}}."""


def avi_edge_rules(config: StackConfig, secrets: set[str]) -> Problems:
    """Certificates named by hosts exist as a secret; every Avi object name fits Avi's limit."""
    if config.edge.kind != "avi" or config.edge.avi is None:
        return []
    return [*_certificates_are_secret(config, secrets), *_names_fit(config.cluster.name, config.apps, config.edge.avi)]


def _certificates_are_secret(config: StackConfig, secrets: set[str]) -> Problems:
    named: set[str] = set()
    for app in config.apps:
        for ns in app.namespaces:
            certificate = ns.tls.certificate if ns.tls else None
            if certificate is not None and certificate.secret:
                named.update(f"{host} ({certificate.secret})" for host in ns.hosts)
    users = sorted(named)
    if users and CERTIFICATES_KEY not in secrets:
        return [
            (
                CERTIFICATES_KEY,
                f"required for the certificates of {', '.join(users)}; set it with `pulumi "
                f"config set --secret {CERTIFICATES_KEY} '<JSON: name -> {{certificate, key}}>'`",
            )
        ]
    return []


def _names_fit(cluster: str, apps: tuple[AppConfig, ...], edge: AviEdgeConfig) -> Problems:
    problems: Problems = []
    for a, app in enumerate(apps):
        for n, ns in enumerate(app.namespaces):
            for host in ns.hosts:
                names = naming.names_for_host(
                    cluster, host, ns.name, app.virtual_name, app.prefixes, ns.tls.mode if ns.tls else None
                )
                longest = max(names, key=len)
                if len(longest) > naming.AVI_NAME_MAX:
                    problems.append(
                        (
                            f"apps[{a}].namespaces[{n}].hosts",
                            f'host "{host}" of app {app.virtual_name} in {ns.name} makes the Avi object '
                            f"name {longest[:60]}... ({len(longest)} characters); Avi allows "
                            f"{naming.AVI_NAME_MAX}, so shorten the host, prefix or cluster name",
                        )
                    )
    for index, node in enumerate(edge.nodes):
        route_id = naming.static_route_id(cluster, node.name, 0)
        if len(route_id) > naming.AVI_NAME_MAX:
            problems.append(
                (
                    f"edge.avi.nodes[{index}].name",
                    f"node {node.name} makes the route id of "
                    f"{len(route_id)} characters; Avi allows "
                    f"{naming.AVI_NAME_MAX}",
                )
            )
    return problems
