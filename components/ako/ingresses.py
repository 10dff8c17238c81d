"""The `ako` manager's Kubernetes Ingresses, and the AKO FAQ's caveats found before AKO sees them.

With `edge.avi.manager: ako` the program declares, per app, namespace and public host, one
`Ingress` of class `avi-lb` whose paths are the app's prefixes and whose backend is the
app's ClusterIP Service; AKO turns them into its shards, pools, pool groups and (for
secure hosts) SNI children with the host's certificate Secret.

AKO's FAQ lists what silently goes wrong with Ingresses; each is an error here, naming the
Ingresses involved (`caveats`): one host+path bound to two services, one SNI host with two
certificate Secrets, a secure host without a certificate, a backend listed twice, and an
Ingress aimed at a LoadBalancer Service.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from components.ako.model import INGRESS_CLASS
from components.routes.config import AppConfig, HostTlsConfig
from components.routes.model import is_internal_host, slug

Problems = list[tuple[str, str]]


@dataclass(frozen=True)
class IngressPlan:
    """One Ingress: an app's public host in one namespace, with the app's prefixes."""

    app_index: int
    namespace_index: int
    app: str
    namespace: str
    host: str
    service: str
    port: int
    paths: tuple[str, ...]
    tls_secret: str | None = None
    """The TLS Secret (in the Ingress's namespace) of a terminated host."""
    tls_source: str | None = None
    """Where that certificate comes from (`edgeCertificates entry pay`, `issuer pulumi-tls`)."""

    @property
    def name(self) -> str:
        return f"{self.app}-{slug(self.host)}"[:253]

    @property
    def ref(self) -> str:
        return f"Ingress {self.namespace}/{self.name}"

    @property
    def key_path(self) -> str:
        return f"apps[{self.app_index}].namespaces[{self.namespace_index}].hosts"


def tls_secret_name(host: str) -> str:
    """The Kubernetes TLS Secret holding a terminated host's certificate, in each namespace serving it."""
    return f"{slug(host)}-tls"[:253]


def certificate_source(tls: HostTlsConfig | None) -> str | None:
    """A terminated host's certificate source as the caveat messages name it; None for other hosts."""
    if tls is None or tls.mode != "terminate" or tls.certificate is None:
        return None
    cert = tls.certificate
    return f"edgeCertificates entry {cert.secret}" if cert.secret else f"issuer {cert.issuer}"


def secure_hosts(apps: Iterable[AppConfig]) -> set[str]:
    """Hosts some app namespace serves over TLS (terminated at the edge)."""
    return {
        host
        for app in apps
        for ns in app.namespaces
        if ns.tls is not None and ns.tls.mode == "terminate"
        for host in ns.hosts
    }


def plan_ingresses(apps: Iterable[AppConfig]) -> list[IngressPlan]:
    """One plan per app, namespace and public host (TLS passthrough hosts are not Ingress material)."""
    plans = []
    for a, app in enumerate(apps):
        for n, ns in enumerate(app.namespaces):
            if ns.tls is not None and ns.tls.mode == "passthrough":
                continue
            source = certificate_source(ns.tls)
            for host in ns.hosts:
                if not is_internal_host(host):
                    plans.append(
                        IngressPlan(
                            a,
                            n,
                            app.virtual_name,
                            ns.name,
                            host,
                            app.service,
                            app.port,
                            tuple(app.prefixes),
                            tls_secret_name(host) if source else None,
                            source,
                        )
                    )
    return plans


def served_namespaces(apps: Iterable[AppConfig]) -> tuple[str, ...]:
    """The namespaces AKO's service engines send traffic into under the ako manager."""
    return tuple(dict.fromkeys(plan.namespace for plan in plan_ingresses(apps)))


def manifest(plan: IngressPlan) -> dict[str, Any]:
    """The Ingress object AKO reads."""
    spec: dict[str, Any] = {
        "ingressClassName": INGRESS_CLASS,
        "rules": [
            {
                "host": plan.host,
                "http": {
                    "paths": [
                        {
                            "path": path,
                            "pathType": "Prefix",
                            "backend": {"service": {"name": plan.service, "port": {"number": plan.port}}},
                        }
                        for path in plan.paths
                    ]
                },
            }
        ],
    }
    if plan.tls_secret:
        spec["tls"] = [{"hosts": [plan.host], "secretName": plan.tls_secret}]
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {
            "name": plan.name,
            "namespace": plan.namespace,
            "labels": {"app.kubernetes.io/managed-by": "mesh-platform"},
        },
        "spec": spec,
    }


def ako_ingresses(apps: Iterable[AppConfig]) -> list[dict[str, Any]]:
    """Every Ingress the ako manager declares."""
    return [manifest(plan) for plan in plan_ingresses(apps)]


def caveats(
    plans: list[IngressPlan], secure_hosts: Iterable[str] = (), load_balancer_services: Iterable[tuple[str, str]] = ()
) -> Problems:
    """AKO's FAQ caveats over the planned Ingresses, each naming the Ingresses involved."""
    problems: Problems = []
    bound: dict[tuple[str, str], IngressPlan] = {}
    secrets: dict[str, IngressPlan] = {}
    for plan in plans:
        seen: set[str] = set()
        for path in plan.paths:
            if path in seen:
                problems.append(
                    (
                        plan.key_path,
                        f"{plan.ref} lists the backend {plan.service}:{plan.port} twice for "
                        f'"{plan.host}{path}"; AKO would build the same pool twice',
                    )
                )
            seen.add(path)
            other = bound.setdefault((plan.host, path), plan)
            if other is not plan and (other.namespace, other.service) != (plan.namespace, plan.service):
                problems.append(
                    (
                        plan.key_path,
                        f'"{plan.host}{path}" is bound to service {other.namespace}/'
                        f"{other.service} by {other.ref} and to {plan.namespace}/"
                        f"{plan.service} by {plan.ref}; AKO would pick one",
                    )
                )
        if plan.tls_source:
            first = secrets.setdefault(plan.host, plan)
            if first is not plan and first.tls_source != plan.tls_source:
                problems.append(
                    (
                        plan.key_path,
                        f'SNI host "{plan.host}" has the certificate of {first.tls_source} '
                        f"in {first.ref} and of {plan.tls_source} in {plan.ref}; AKO "
                        "would serve one of them for both",
                    )
                )
    secure = set(secure_hosts)
    for plan in plans:
        if plan.host in secure and not plan.tls_secret:
            problems.append(
                (
                    plan.key_path,
                    f'host "{plan.host}" is secure but {plan.ref} has no certificate '
                    "Secret; AKO would serve it over HTTP only",
                )
            )
    load_balancers = set(load_balancer_services)
    for plan in plans:
        if (plan.namespace, plan.service) in load_balancers:
            problems.append(
                (
                    plan.key_path,
                    f"{plan.ref} is aimed at {plan.namespace}/{plan.service}, a "
                    "LoadBalancer Service; AKO already gives it an L4 virtual service, "
                    "point the Ingress at a ClusterIP Service",
                )
            )
    return problems
