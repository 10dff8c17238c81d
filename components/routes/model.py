"""Pure builders for the mesh's routing objects: Gateway, VirtualServices (with their `exportTo`), ServiceEntries.

- One ingress `Gateway` in the ingress gateway's own namespace; its HTTP server lists every
  public host as `<app namespace>/<host>`, so only that namespace's VirtualServices bind.
- Per app and namespace one gateway-bound `VirtualService` for the public hosts, exported
  to the gateway's namespace only (the gateway must see it; nobody else needs to), and,
  for `*.svc.cluster.local` hosts other than the app's own service, a mesh-only
  `VirtualService` on the app's port with `exportTo: ["."]` (IST0109); see `mesh_virtual_service`.
- Per external host a `ServiceEntry` in every namespace that must reach it, each
  `exportTo: ["."]`; with the egress gateway on, a `Gateway`, a gateway-side and a
  mesh-side `VirtualService` and a `DestinationRule` subset route the traffic through it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from components.mesh.model import HTTP_PORT, HTTPS_PORT, NETWORKING_API
from components.routes.config import AppConfig, AppNamespaceConfig, ExternalHostConfig, ExternalPort

INTERNAL_SUFFIX = ".svc.cluster.local"
INGRESS_GATEWAY_RESOURCE = "mesh-ingress"
"""Name of the ingress `Gateway` resource."""


@dataclass(frozen=True)
class GatewayRef:
    """Where a gateway workload runs and how its pods are selected."""

    name: str
    """Name of the `Gateway` resource."""
    namespace: str
    """Namespace of the gateway workload (and of the `Gateway` resource)."""
    selector: dict[str, str]
    """Pod labels of the gateway workload."""
    service: str = ""
    """Name of the gateway's Service (egress: the mesh routes to it)."""

    @property
    def qualified(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def service_host(self) -> str:
        return f"{self.service}.{self.namespace}{INTERNAL_SUFFIX}"


def is_internal_host(host: str) -> bool:
    """True for in-cluster names such as `app1-service.prod.svc.cluster.local`."""
    return host.endswith(INTERNAL_SUFFIX)


def slug(host: str) -> str:
    """A DNS-label form of a host name for resource names (`*.a.com` -> `wildcard-a-com`)."""
    return host.replace("*", "wildcard").replace(".", "-")[:63].rstrip("-")


def service_host(service: str, namespace: str) -> str:
    """The cluster-local FQDN of a Kubernetes service."""
    return f"{service}.{namespace}{INTERNAL_SUFFIX}"


def _cr(kind: str, name: str, namespace: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": NETWORKING_API,
        "kind": kind,
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


# --------------------------------------------------------------------------------------
# Ingress
# --------------------------------------------------------------------------------------


def _is_passthrough(ns: AppNamespaceConfig) -> bool:
    return ns.tls is not None and ns.tls.mode == "passthrough"


def gateway_hosts(apps: Iterable[AppConfig], passthrough: bool = False) -> list[str]:
    """Every public host as `<namespace>/<host>`, in declaration order, without repeats.

    `passthrough` picks the hosts whose TLS the gateway passes through instead of the others.
    """
    hosts: list[str] = []
    for app in apps:
        for ns in app.namespaces:
            if _is_passthrough(ns) != passthrough:
                continue
            for host in ns.hosts:
                entry = f"{ns.name}/{host}"
                if not is_internal_host(host) and entry not in hosts:
                    hosts.append(entry)
    return hosts


def ingress_gateway(
    gateway: GatewayRef, apps: Iterable[AppConfig], https_credential: str | None = None, mutual: bool = False
) -> dict[str, Any] | None:
    """The ingress `Gateway`: HTTP, plus HTTPS when a credential secret is given, plus TLS passthrough.

    `mutual` makes the HTTPS server require client certificates from the credential's `ca.crt`
    (the Avi edge's Service Engines present one). Hosts whose TLS is passed through get a
    PASSTHROUGH server on the same port, matched by SNI. None when no app has a public host.
    """
    apps = tuple(apps)
    hosts, passthrough = gateway_hosts(apps), gateway_hosts(apps, passthrough=True)
    if not hosts and not passthrough:
        return None
    servers = []
    if hosts:
        servers.append({"port": {"number": HTTP_PORT, "name": "http", "protocol": "HTTP"}, "hosts": hosts})
    if https_credential and hosts:
        # A re-encrypting edge (the ALB, Avi pools) sends no SNI, so the HTTPS server must not match on
        # names: it takes any host, still only from the app namespaces' VirtualServices.
        namespaces = dict.fromkeys(entry.split("/", 1)[0] for entry in hosts)
        servers.append(
            {
                "port": {"number": HTTPS_PORT, "name": "https", "protocol": "HTTPS"},
                "hosts": [f"{ns}/*" for ns in namespaces],
                "tls": {"mode": "MUTUAL" if mutual else "SIMPLE", "credentialName": https_credential},
            }
        )
    if passthrough:
        servers.append(
            {
                "port": {"number": HTTPS_PORT, "name": "tls-passthrough", "protocol": "TLS"},
                "hosts": passthrough,
                "tls": {"mode": "PASSTHROUGH"},
            }
        )
    return _cr("Gateway", gateway.name, gateway.namespace, {"selector": dict(gateway.selector), "servers": servers})


def _http_route(app: AppConfig, namespace: str) -> list[dict[str, Any]]:
    return [
        {
            "name": app.virtual_name,
            "match": [{"uri": {"prefix": prefix}} for prefix in app.prefixes],
            "route": [{"destination": {"host": service_host(app.service, namespace), "port": {"number": app.port}}}],
        }
    ]


def mesh_virtual_service(app: AppConfig, namespace: str, host: str) -> dict[str, Any] | None:
    """The mesh-only VirtualService of one internal host, or None where it would add nothing.

    The app's own service name needs none: sidecars already send every path and port of it to
    the service. Another in-cluster name (an alias) gets one that touches only the app's port:
    the app's prefixes go to the app, and when the prefixes do not cover every path, the rest
    stays with the host itself, so no path that worked before turns into a 404.
    """
    if host == service_host(app.service, namespace):
        return None
    on_port = [{"uri": {"prefix": prefix}, "port": app.port} for prefix in app.prefixes]
    http = [
        {
            "name": app.virtual_name,
            "match": on_port,
            "route": [{"destination": {"host": service_host(app.service, namespace), "port": {"number": app.port}}}],
        }
    ]
    if "/" not in app.prefixes:
        http.append(
            {
                "name": f"{app.virtual_name}-other-paths",
                "match": [{"port": app.port}],
                "route": [{"destination": {"host": host, "port": {"number": app.port}}}],
            }
        )
    name = f"{app.virtual_name}-mesh-{host.split('.', 1)[0]}"[:63].rstrip("-")
    return _cr(
        "VirtualService", name, namespace, {"hosts": [host], "gateways": ["mesh"], "exportTo": ["."], "http": http}
    )


def _passthrough_route(app: AppConfig, namespace: str, hosts: list[str]) -> list[dict[str, Any]]:
    """TLS passed through by SNI to the app's port (the app terminates TLS itself)."""
    return [
        {
            "match": [{"port": HTTPS_PORT, "sniHosts": hosts}],
            "route": [{"destination": {"host": service_host(app.service, namespace), "port": {"number": app.port}}}],
        }
    ]


def app_virtual_services(apps: Iterable[AppConfig], gateway: GatewayRef) -> list[dict[str, Any]]:
    """Per app and namespace: the gateway-bound VirtualService, and mesh-only ones for internal aliases.

    Raises ValueError when two apps would write the same VirtualService (same virtualName in one
    namespace): Kubernetes would keep only the last one.
    """
    services = []
    for app in apps:
        for ns in app.namespaces:
            public = [h for h in ns.hosts if not is_internal_host(h)]
            if public:
                routes = (
                    {"tls": _passthrough_route(app, ns.name, public)}
                    if _is_passthrough(ns)
                    else {"http": _http_route(app, ns.name)}
                )
                services.append(
                    _cr(
                        "VirtualService",
                        app.virtual_name,
                        ns.name,
                        {
                            "hosts": public,
                            "gateways": [gateway.qualified],
                            "exportTo": [gateway.namespace],
                            **routes,
                        },
                    )
                )
            for host in ns.hosts:
                mesh = mesh_virtual_service(app, ns.name, host) if is_internal_host(host) else None
                if mesh is not None:
                    services.append(mesh)
    names = [(v["metadata"]["namespace"], v["metadata"]["name"]) for v in services]
    repeated = sorted({f"{ns}/{name}" for ns, name in names if names.count((ns, name)) > 1})
    if repeated:
        raise ValueError(
            f"virtualName repeats within a namespace: {', '.join(repeated)}; "
            "give each app in a namespace its own virtualName"
        )
    return services


# --------------------------------------------------------------------------------------
# Egress
# --------------------------------------------------------------------------------------

_TLS_PROTOCOLS = ("HTTPS", "TLS")


def service_entries(external_hosts: Iterable[ExternalHostConfig], namespaces: Iterable[str]) -> list[dict[str, Any]]:
    """One ServiceEntry per external host and namespace that reaches it, visible only there."""
    entries = []
    for namespace in dict.fromkeys(namespaces):
        for external in external_hosts:
            entries.append(
                _cr(
                    "ServiceEntry",
                    slug(external.host),
                    namespace,
                    {
                        "hosts": [external.host],
                        "location": "MESH_EXTERNAL",
                        "resolution": "NONE" if external.host.startswith("*.") else "DNS",
                        "ports": [{"number": p.number, "name": p.name, "protocol": p.protocol} for p in external.ports],
                        "exportTo": ["."],
                    },
                )
            )
    return entries


def _first(external: ExternalHostConfig, protocols: tuple[str, ...]) -> ExternalPort | None:
    return next((p for p in external.ports if p.protocol in protocols), None)


def routes_through_egress(external: ExternalHostConfig) -> bool:
    """Hosts with an HTTP or TLS port and a concrete name go through the egress gateway."""
    return not external.host.startswith("*.") and (
        _first(external, ("HTTP",)) is not None or _first(external, _TLS_PROTOCOLS) is not None
    )


def egress_objects(
    external: ExternalHostConfig, egress: GatewayRef, app_namespaces: Iterable[str]
) -> list[dict[str, Any]]:
    """Gateway, DestinationRule and VirtualServices sending one external host via the egress gateway.

    The first HTTP port goes through the gateway's port 80, the first TLS/HTTPS port through
    443 (TLS passthrough, matched by SNI); other ports stay direct (ServiceEntry only).
    """
    if not routes_through_egress(external):
        return []
    name, host = f"egress-{slug(external.host)}", external.host
    subset = slug(external.host)
    http, tls = _first(external, ("HTTP",)), _first(external, _TLS_PROTOCOLS)

    servers, gateway_side, mesh_side = [], {}, {}

    def to_egress(port: int) -> list[dict[str, Any]]:
        return [{"destination": {"host": egress.service_host, "subset": subset, "port": {"number": port}}}]

    def to_host(port: int) -> list[dict[str, Any]]:
        return [{"destination": {"host": host, "port": {"number": port}}}]

    if http is not None:
        servers.append({"port": {"number": HTTP_PORT, "name": f"http-{subset}", "protocol": "HTTP"}, "hosts": [host]})
        mesh_side["http"] = [{"match": [{"gateways": ["mesh"], "port": http.number}], "route": to_egress(HTTP_PORT)}]
        gateway_side["http"] = [{"match": [{"gateways": [name], "port": HTTP_PORT}], "route": to_host(http.number)}]
    if tls is not None:
        servers.append(
            {
                "port": {"number": HTTPS_PORT, "name": f"tls-{subset}", "protocol": "TLS"},
                "hosts": [host],
                "tls": {"mode": "PASSTHROUGH"},
            }
        )
        mesh_side["tls"] = [
            {"match": [{"gateways": ["mesh"], "port": tls.number, "sniHosts": [host]}], "route": to_egress(HTTPS_PORT)}
        ]
        gateway_side["tls"] = [
            {"match": [{"gateways": [name], "port": HTTPS_PORT, "sniHosts": [host]}], "route": to_host(tls.number)}
        ]

    objects = [
        _cr("Gateway", name, egress.namespace, {"selector": dict(egress.selector), "servers": servers}),
        # Subsets of one host merge across DestinationRules; visible mesh-wide so sidecars use it.
        _cr(
            "DestinationRule",
            name,
            egress.namespace,
            {"host": egress.service_host, "exportTo": ["*"], "subsets": [{"name": subset}]},
        ),
        _cr(
            "VirtualService",
            name,
            egress.namespace,
            {"hosts": [host], "gateways": [name], "exportTo": ["."], **gateway_side},
        ),
    ]
    for namespace in dict.fromkeys(app_namespaces):
        objects.append(
            _cr(
                "VirtualService",
                name,
                namespace,
                {"hosts": [host], "gateways": ["mesh"], "exportTo": ["."], **mesh_side},
            )
        )
    return objects
