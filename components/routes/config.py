"""The `apps` and `externalHosts` sections: what the mesh routes in, and what it may reach out to."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, ValidationInfo, field_validator, model_validator

from components.config.base import ConfigModel, RuleViolations, filled_by_validator
from components.config.types import (
    Bool,
    DnsLabel,
    Expect,
    HostName,
    IntegerRange,
    NamespaceName,
    OneOf,
    Text,
    dns_label,
)

EXTERNAL_PROTOCOLS = ("HTTP", "HTTPS", "TLS", "TCP")
Port = Annotated[int, IntegerRange(1, 65535)]
PathPrefix = Annotated[
    str, Text('a path prefix such as "/api"', lambda v: v.startswith("/") and " " not in v, r"^/[^ ]*$")
]


TLS_MODES = ("terminate", "passthrough")
CERTIFICATE_ISSUERS = ("pulumi-tls",)
CertificateName = Annotated[str, dns_label("a certificate name (an entry of the secret key edgeCertificates)")]


CertificateIssuer = Annotated[str, OneOf(CERTIFICATE_ISSUERS)]


class HostCertificate(ConfigModel):
    """Where a terminated host's certificate comes from: an entry of the secret `edgeCertificates`, or issued."""

    secret: CertificateName | None = None
    issuer: CertificateIssuer | None = None

    @model_validator(mode="after")
    def _one_source(self) -> HostCertificate:
        if (self.secret is None) == (self.issuer is None):
            raise RuleViolations(
                [
                    (
                        "",
                        "expected exactly one of secret (an entry of the secret key "
                        "edgeCertificates) or issuer: pulumi-tls",
                    )
                ]
            )
        return self


TlsMode = Annotated[str, OneOf(TLS_MODES)]


class HostTlsConfig(ConfigModel):
    """How the edge serves these hosts over TLS: terminated with a certificate, or passed through to the mesh."""

    mode: TlsMode = "terminate"
    certificate: HostCertificate | None = None
    redirect: Bool = False

    @model_validator(mode="after")
    def _certificate_fits_mode(self) -> HostTlsConfig:
        if self.mode == "terminate" and self.certificate is None:
            raise RuleViolations(
                [
                    (
                        "certificate",
                        "a terminated (secure) host needs a certificate: "
                        "{secret: <entry of edgeCertificates>} or {issuer: pulumi-tls}",
                    )
                ]
            )
        if self.mode == "passthrough" and self.certificate is not None:
            raise RuleViolations(
                [
                    (
                        "certificate",
                        "passthrough hosts keep TLS to the mesh; the edge holds no "
                        "certificate for them, so leave certificate out",
                    )
                ]
            )
        return self


class AppNamespaceConfig(ConfigModel):
    """Where one app is exposed: a namespace (declared in `namespaces`), its hosts there, and how TLS is served."""

    name: NamespaceName
    hosts: tuple[HostName, ...] = Field(min_length=1)
    tls: HostTlsConfig | None = None

    @field_validator("name")
    @classmethod
    def _declared(cls, name: str, info: ValidationInfo) -> str:
        declared = (info.context or {}).get("namespaces")
        if declared is not None and name not in declared:
            raise RuleViolations(
                [
                    (
                        "",
                        f'namespace "{name}" is not declared in mesh-platform:namespaces '
                        f"({', '.join(sorted(declared)) or 'none declared'}); add it there so it "
                        "is created and labelled for sidecar injection",
                    )
                ]
            )
        return name


ServiceName = Annotated[str, dns_label("a Kubernetes service name")]


class AppConfig(ConfigModel):
    """One app: its Kubernetes service and port, and the namespaces and hosts it is routed at."""

    virtual_name: DnsLabel
    service: ServiceName = Field(alias="name")
    port: Port
    namespaces: Annotated[tuple[AppNamespaceConfig, ...], Expect("a list of {name, hosts}")]
    prefixes: tuple[PathPrefix, ...] = Field(default=("/",), min_length=1)


ExternalProtocol = Annotated[str, OneOf(EXTERNAL_PROTOCOLS)]
PortName = Annotated[str, dns_label("a port name")]


class ExternalPort(ConfigModel):
    """A port of an external service; the name defaults to <protocol>-<number>."""

    number: Port
    protocol: ExternalProtocol = "HTTPS"
    name: PortName = filled_by_validator("defaults to <protocol>-<number>")

    @model_validator(mode="before")
    @classmethod
    def _default_name(cls, data: Any) -> Any:
        if isinstance(data, dict) and "name" not in data:
            protocol = data.get("protocol", "HTTPS")
            protocol = protocol.lower() if isinstance(protocol, str) else "tcp"
            return {**data, "name": f"{protocol}-{data.get('number')}"}
        return data


class ExternalHostConfig(ConfigModel):
    """An external host the mesh may reach under REGISTRY_ONLY (TLS on 443 unless ports say otherwise)."""

    host: HostName
    ports: tuple[ExternalPort, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _default_port(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("ports"):
            return {**data, "ports": [{"number": 443, "protocol": "TLS", "name": "tls-443"}]}
        return data


def app_rules(apps: tuple[AppConfig, ...]) -> list[tuple[str, str]]:
    """Rules across apps: one owner per host+prefix, one port per service, unique virtual-service names."""
    problems: list[tuple[str, str]] = [*_repeated_backends(apps), *host_tls_rules(apps)]
    claimed: dict[tuple[str, str], str] = {}
    ports: dict[tuple[str, str], int] = {}
    names: dict[tuple[str, str], int] = {}
    for a, app in enumerate(apps):
        for n, ns in enumerate(app.namespaces):
            for host in ns.hosts:
                for prefix in app.prefixes:
                    owner = f"{app.virtual_name} in {ns.name}"
                    key = (host, prefix)
                    if key in claimed and claimed[key] != owner:
                        problems.append(
                            (
                                f"apps[{a}].namespaces[{n}].hosts",
                                f'host "{host}" with prefix "{prefix}" is already routed by '
                                f"{claimed[key]}; each host+prefix must belong to one app",
                            )
                        )
                    else:
                        claimed.setdefault(key, owner)
        for ns in app.namespaces:
            key = (ns.name, app.service)
            if key in ports and ports[key] != app.port:
                problems.append(
                    (
                        f"apps[{a}].port",
                        f'service "{app.service}" in namespace "{ns.name}" is already '
                        f"declared with port {ports[key]}; one service has one port here",
                    )
                )
            ports.setdefault(key, app.port)
            key = (ns.name, app.virtual_name)
            if key in names and names[key] != a:
                problems.append(
                    (
                        f"apps[{a}].virtualName",
                        f'"{app.virtual_name}" is already used by apps[{names[key]}] in namespace '
                        f'"{ns.name}"; virtual service names must be unique per namespace',
                    )
                )
            names.setdefault(key, a)
    return problems


def _repeated_backends(apps: tuple[AppConfig, ...]) -> list[tuple[str, str]]:
    """An app (a route) must not list the same namespace, host or prefix twice."""
    problems: list[tuple[str, str]] = []
    for a, app in enumerate(apps):
        namespaces = [ns.name for ns in app.namespaces]
        for name in sorted({n for n in namespaces if namespaces.count(n) > 1}):
            problems.append(
                (
                    f"apps[{a}].namespaces",
                    f'app {app.virtual_name} lists namespace "{name}" more than '
                    f"once, so its route would name the backend "
                    f"{app.service}.{name} twice; list each namespace once",
                )
            )
        for n, ns in enumerate(app.namespaces):
            for host in sorted({h for h in ns.hosts if ns.hosts.count(h) > 1}):
                problems.append(
                    (
                        f"apps[{a}].namespaces[{n}].hosts",
                        f'app {app.virtual_name} lists host "{host}" more than once in {ns.name}',
                    )
                )
        for prefix in sorted({p for p in app.prefixes if app.prefixes.count(p) > 1}):
            problems.append((f"apps[{a}].prefixes", f'app {app.virtual_name} lists prefix "{prefix}" more than once'))
    return problems


def host_tls_rules(apps: tuple[AppConfig, ...]) -> list[tuple[str, str]]:
    """A public host is served one way: one TLS mode, one certificate and one redirect choice everywhere."""
    problems: list[tuple[str, str]] = []
    first: dict[str, tuple[str, HostTlsConfig | None]] = {}
    for a, app in enumerate(apps):
        for n, ns in enumerate(app.namespaces):
            where = f"{app.virtual_name} in {ns.name}"
            if ns.tls and ns.tls.mode == "passthrough" and tuple(app.prefixes) != ("/",):
                problems.append(
                    (
                        f"apps[{a}].prefixes",
                        f"{where} serves {', '.join(ns.hosts)} as passthrough, "
                        "where the edge and the gateway see no paths; expected "
                        'prefixes ["/"] (or leave them out)',
                    )
                )
            for host in ns.hosts:
                if host not in first:
                    first[host] = (where, ns.tls)
                    continue
                other, tls = first[host]
                if ns.tls and ns.tls.mode == "passthrough":
                    problems.append(
                        (
                            f"apps[{a}].namespaces[{n}].hosts",
                            f'passthrough host "{host}" is also routed by {other}; a passthrough host '
                            "goes to one backend, so give it to one app in one namespace",
                        )
                    )
                elif _tls_words(tls) != _tls_words(ns.tls):
                    problems.append(
                        (
                            f"apps[{a}].namespaces[{n}].tls",
                            f'host "{host}" is served {_tls_words(ns.tls)} by {where} but '
                            f"{_tls_words(tls)} by {other}; one SNI host has one certificate and one TLS "
                            "mode, so declare the same tls everywhere it appears",
                        )
                    )
    return problems


def _tls_words(tls: HostTlsConfig | None) -> str:
    if tls is None:
        return "insecure (no tls)"
    certificate = tls.certificate
    if tls.mode == "passthrough" or certificate is None:  # HostTlsConfig gives every terminated host a certificate
        return f"passthrough{' with redirect' if tls.redirect else ''}"
    source = f"secret {certificate.secret}" if certificate.secret else f"issuer {certificate.issuer}"
    return f"terminated with certificate from {source}{' with redirect' if tls.redirect else ''}"
