"""What AKO needs from the mesh and the cluster, as plain manifests (no Pulumi).

- The controller as a `ServiceEntry` in AKO's namespace (exported there only), so under
  `REGISTRY_ONLY` AKO's sidecar sends the traffic to the controller instead of the
  BlackHoleCluster; with the egress gateway on, the same egress route the routes domain
  builds for external hosts (TLS passthrough by SNI). An IP-address controller gets a
  STATIC entry and goes direct: the egress gateway matches TLS by SNI, which an IP lacks.
- A namespaced Role/RoleBinding: AKO writes `istio-secret` in its own namespace only.
- Per served namespace, under STRICT mTLS, an `AuthorizationPolicy` admitting AKO's
  principal (its service engines present AKO's Istio workload certificate). An ALLOW policy
  denies every caller it does not match, so it also admits the mesh's own namespaces
  (the gateways' and the apps'); callers from anywhere else are refused.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlparse

from components.ako import model
from components.mesh.model import NETWORKING_API, SECURITY_API
from components.routes.config import ExternalHostConfig, ExternalPort
from components.routes.model import GatewayRef, egress_objects, service_entries, slug

SECRETS_ROLE = "ako-secrets"
AUTHORIZATION_POLICY = "allow-ako"


def _controller_address(controller_url: str) -> tuple[str, int]:
    parsed = urlparse(controller_url)
    port = parsed.port or (80 if parsed.scheme == "http" else 443)
    return parsed.hostname or controller_url, port


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def controller_objects(controller_url: str, namespace: str, egress: GatewayRef | None) -> list[dict[str, Any]]:
    """The ServiceEntry (and egress route) that let AKO's sidecar reach the controller."""
    host, port = _controller_address(controller_url)
    protocol = "HTTP" if urlparse(controller_url).scheme == "http" else "TLS"
    port_spec = {"number": port, "name": f"{protocol.lower()}-{port}", "protocol": protocol}
    if _is_ip(host):
        return [
            {
                "apiVersion": NETWORKING_API,
                "kind": "ServiceEntry",
                "metadata": {"name": f"avi-controller-{slug(host.replace(':', '-'))}", "namespace": namespace},
                "spec": {
                    "hosts": [f"avi-controller.{namespace}.external"],
                    "addresses": [host],
                    "location": "MESH_EXTERNAL",
                    "resolution": "STATIC",
                    "endpoints": [{"address": host}],
                    "ports": [port_spec],
                    "exportTo": ["."],
                },
            }
        ]
    external = ExternalHostConfig(
        host=host, ports=(ExternalPort(number=port, name=f"{protocol.lower()}-{port}", protocol=protocol),)
    )
    if egress is None:
        return service_entries([external], [namespace])
    # The egress gateway forwards to the controller too, so it needs the entry in its namespace.
    return [*service_entries([external], [namespace, egress.namespace]), *egress_objects(external, egress, [namespace])]


def secrets_role(namespace: str) -> list[dict[str, Any]]:
    """Role and RoleBinding letting AKO write Secrets in its own namespace only."""
    name = SECRETS_ROLE
    return [
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": {"name": name, "namespace": namespace},
            "rules": [
                {
                    "apiGroups": [""],
                    "resources": ["secrets"],
                    "verbs": ["get", "list", "watch", "create", "update", "patch"],
                }
            ],
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": name, "namespace": namespace},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
            "subjects": [{"kind": "ServiceAccount", "name": model.SERVICE_ACCOUNT, "namespace": namespace}],
        },
    ]


def authorization_policies(
    ako_namespace: str, served: Iterable[str], mesh_namespaces: Iterable[str], mtls: str
) -> list[dict[str, Any]]:
    """One ALLOW policy per served namespace admitting AKO's principal; none unless mTLS is STRICT."""
    if mtls != "STRICT":
        return []
    admitted = sorted(set(mesh_namespaces))
    return [
        {
            "apiVersion": SECURITY_API,
            "kind": "AuthorizationPolicy",
            "metadata": {"name": AUTHORIZATION_POLICY, "namespace": namespace},
            "spec": {
                "action": "ALLOW",
                "rules": [
                    {"from": [{"source": {"principals": [model.mesh_principal(ako_namespace)]}}]},
                    {"from": [{"source": {"namespaces": admitted}}]},
                ],
            },
        }
        for namespace in dict.fromkeys(served)
    ]
