"""The `apps` and `externalHosts` sections: what the mesh routes in, and what it may reach out to."""

from __future__ import annotations

from typing import Annotated, Any, Optional

from pydantic import Field, ValidationInfo, field_validator, model_validator

from components.config.base import ConfigModel, RuleViolations
from components.config.types import Expect, HostName, NamespaceName, choice, dns_label, integer, text

EXTERNAL_PROTOCOLS = ("HTTP", "HTTPS", "TLS", "TCP")
Port = integer(1, 65535)
PathPrefix = text('a path prefix such as "/api"', lambda v: v.startswith("/") and " " not in v, r"^/[^ ]*$")


class AppNamespaceConfig(ConfigModel):
    """Where one app is exposed: a namespace (declared in `namespaces`) and its hosts there."""

    name: NamespaceName
    hosts: tuple[HostName, ...] = Field(min_length=1)

    @field_validator("name")
    @classmethod
    def _declared(cls, name: str, info: ValidationInfo) -> str:
        declared = (info.context or {}).get("namespaces")
        if declared is not None and name not in declared:
            raise RuleViolations([("", f'namespace "{name}" is not declared in mesh-platform:namespaces '
                                       f"({', '.join(sorted(declared)) or 'none declared'}); add it there so it "
                                       "is created and labelled for sidecar injection")])
        return name


class AppConfig(ConfigModel):
    """One app: its Kubernetes service and port, and the namespaces and hosts it is routed at."""

    virtual_name: dns_label("a DNS label")
    service: dns_label("a Kubernetes service name") = Field(alias="name")
    port: Port
    namespaces: Annotated[tuple[AppNamespaceConfig, ...], Expect("a list of {name, hosts}")]
    prefixes: tuple[PathPrefix, ...] = Field(("/",), min_length=1)


class ExternalPort(ConfigModel):
    """A port of an external service; the name defaults to <protocol>-<number>."""

    number: Port
    protocol: choice(*EXTERNAL_PROTOCOLS) = "HTTPS"
    name: dns_label("a port name") = Field(None, description="defaults to <protocol>-<number>")

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
    problems: list[tuple[str, str]] = []
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
                        problems.append((f"apps[{a}].namespaces[{n}].hosts",
                                         f'host "{host}" with prefix "{prefix}" is already routed by '
                                         f"{claimed[key]}; each host+prefix must belong to one app"))
                    else:
                        claimed.setdefault(key, owner)
        for ns in app.namespaces:
            key = (ns.name, app.service)
            if key in ports and ports[key] != app.port:
                problems.append((f"apps[{a}].port", f'service "{app.service}" in namespace "{ns.name}" is already '
                                                    f"declared with port {ports[key]}; one service has one port here"))
            ports.setdefault(key, app.port)
            key = (ns.name, app.virtual_name)
            if key in names and names[key] != a:
                problems.append((f"apps[{a}].virtualName",
                                 f'"{app.virtual_name}" is already used by apps[{names[key]}] in namespace '
                                 f'"{ns.name}"; virtual service names must be unique per namespace'))
            names.setdefault(key, a)
    return problems


