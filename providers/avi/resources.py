"""Avi objects as Pulumi resources.

Every class takes the Avi object's fields as keyword arguments, spelled as the Avi API spells
them, plus ``opts``. References (``pool_ref``, ``vsvip_ref``, ...) accept another resource's
``url`` output or a name reference such as ``"/api/pool?name=web-pool"``. The resource id is
the object's uuid; outputs are ``uuid``, ``url`` and the managed fields as the controller has
them.

Controller address and credentials come from stack config (``mesh-platform:avi`` and the
secret ``mesh-platform:aviPassword``) or AVI_* environment variables, never from inputs.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pulumi
from pulumi.dynamic import Resource

from . import sdk_fixes
from .kinds import OWNER_INPUT
from .provider import AviObjectProvider, AviStaticRouteProvider

sdk_fixes.install()  # thousands of dynamic resources in one program: see sdk_fixes.py


def _owner_marker(type_name: str, resource_name: str) -> str:
    return f"{pulumi.get_project()}/{pulumi.get_stack()}/{type_name}/{resource_name}"


def _seeded(cls: type, fields: dict[str, Any]) -> dict[str, Any]:
    """Every declared output must exist in the property bag, so seed the absent ones."""
    props = {
        name: None
        for klass in reversed(cls.__mro__)
        for name in getattr(klass, "__annotations__", {})
        if not name.startswith("_")
    }
    props.update(fields)
    return props


class _AviObject(Resource):
    """Base of the object resources; subclasses set ``_kind`` and their type token."""

    _kind: ClassVar[str]
    _secret_fields: ClassVar[tuple[str, ...]] = ()

    uuid: pulumi.Output[str]
    """The controller's uuid of the object (also the resource id)."""
    url: pulumi.Output[str]
    """``<controller>/api/<kind>/<uuid>``; usable as a reference in other Avi resources."""
    name: pulumi.Output[str]
    """The object's name on the controller."""

    def __init__(self, resource_name: str, opts: pulumi.ResourceOptions | None = None, **fields: Any):
        props = _seeded(type(self), fields)
        props[OWNER_INPUT] = _owner_marker(self._resource_type_name, resource_name)
        for key in self._secret_fields:  # secret whatever the caller passed (plain or Output)
            if fields.get(key) is not None:
                props[key] = pulumi.Output.secret(fields[key])
        if self._secret_fields:
            opts = pulumi.ResourceOptions.merge(
                opts, pulumi.ResourceOptions(additional_secret_outputs=list(self._secret_fields))
            )
        super().__init__(AviObjectProvider(self._kind), resource_name, props, opts)


class AviVirtualService(_AviObject, module="avi", name="VirtualService"):
    """An Avi virtual service (``/api/virtualservice``), e.g. an SNI parent or child shard."""

    _kind = "virtualservice"
    services: pulumi.Output[list[dict[str, Any]] | None]
    """Listening ports, e.g. ``[{"port": 443, "enable_ssl": True}]``."""
    vsvip_ref: pulumi.Output[str | None]
    """The VIP object the service listens on."""
    pool_ref: pulumi.Output[str | None]
    """Default pool."""


class AviVsVip(_AviObject, module="avi", name="VsVip"):
    """An Avi VIP (``/api/vsvip``)."""

    _kind = "vsvip"
    vip: pulumi.Output[list[dict[str, Any]] | None]
    """VIP entries, e.g. ``[{"ip_address": {"addr": "10.0.0.10", "type": "V4"}}]``."""


class AviPool(_AviObject, module="avi", name="Pool"):
    """An Avi pool (``/api/pool``)."""

    _kind = "pool"
    servers: pulumi.Output[list[dict[str, Any]] | None]
    """Back-end servers, e.g. ``[{"ip": {"addr": "10.0.0.5", "type": "V4"}, "port": 30080}]``."""
    default_server_port: pulumi.Output[int | None]
    """Port used for servers that do not set their own."""


class AviPkiProfile(_AviObject, module="avi", name="PkiProfile"):
    """An Avi PKI profile (``/api/pkiprofile``): CA certificates for verifying peers."""

    _kind = "pkiprofile"
    ca_certs: pulumi.Output[list[dict[str, Any]] | None]
    """CA certificates, e.g. ``[{"certificate": "-----BEGIN CERTIFICATE-----..."}]``."""


class AviSslKeyAndCertificate(_AviObject, module="avi", name="SslKeyAndCertificate"):
    """An Avi certificate with its private key (``/api/sslkeyandcertificate``).

    ``key`` and ``key_passphrase`` are made Pulumi secrets whatever the caller passes (a plain
    string too), so they never appear in plaintext in the state or a preview. The controller
    never returns them; refresh and import compare the declared key with the certificate's
    public key instead.
    """

    _kind = "sslkeyandcertificate"
    _secret_fields = ("key", "key_passphrase")
    certificate: pulumi.Output[dict[str, Any] | None]
    """``{"certificate": "<PEM>"}``."""
    key: pulumi.Output[str | None]
    """PEM private key (secret)."""
    key_passphrase: pulumi.Output[str | None]
    """Passphrase of an encrypted ``key`` (secret)."""


class AviHttpPolicySet(_AviObject, module="avi", name="HttpPolicySet"):
    """An Avi HTTP policy set (``/api/httppolicyset``), e.g. an HTTP->HTTPS redirect."""

    _kind = "httppolicyset"
    http_request_policy: pulumi.Output[dict[str, Any] | None]
    """``{"rules": [...]}`` as the Avi API defines HTTPRequestRule."""


class AviHealthMonitor(_AviObject, module="avi", name="HealthMonitor"):
    """An Avi health monitor (``/api/healthmonitor``).

    E.g. the Istio ingress gateway's readiness endpoint on its status node port::

        AviHealthMonitor("gw-ready", name="istio-ready", type="HEALTH_MONITOR_HTTP",
                         monitor_port=31021, send_interval=5, receive_timeout=2,
                         http_monitor={"http_request": "GET /healthz/ready HTTP/1.1",
                                       "http_response_code": ["HTTP_2XX"]})
    """

    _kind = "healthmonitor"
    type: pulumi.Output[str]
    """``HEALTH_MONITOR_HTTP``, ``HEALTH_MONITOR_HTTPS``, ``HEALTH_MONITOR_TCP``, ..."""
    monitor_port: pulumi.Output[int | None]
    """Probe this port instead of the pool server's port."""
    send_interval: pulumi.Output[int | None]
    """Seconds between probes (controller default 10)."""
    receive_timeout: pulumi.Output[int | None]
    """Seconds to wait for an answer; must be less than ``send_interval`` (default 4)."""
    successful_checks: pulumi.Output[int | None]
    """Consecutive successes before a server is marked up (default 2)."""
    failed_checks: pulumi.Output[int | None]
    """Consecutive failures before a server is marked down (default 2)."""
    http_monitor: pulumi.Output[dict[str, Any] | None]
    """For HTTP: ``{"http_request": ..., "http_response_code": [...], ...}``."""
    https_monitor: pulumi.Output[dict[str, Any] | None]
    """For HTTPS: as ``http_monitor`` plus ``ssl_attributes``."""


class AviStaticRoute(Resource, module="avi", name="StaticRoute"):
    """One entry of a VRF context's ``static_routes``.

    ``AviStaticRoute("pods-a", vrf="global", route_id="pods-a", prefix="10.244.1.0/24",
    next_hop="10.0.0.21")``; ``prefix`` and ``next_hop`` may also be given in Avi's object form.
    The id is ``<cloud>/<vrf>/<route_id>`` (use it with ``pulumi import``). Other entries of the
    same VRF (AKO's, other stacks') are left alone. A default route (``0.0.0.0/0``, ``::/0``) is
    refused at preview unless ``allow_default_route=True`` is passed; that input is checked only,
    never sent to the controller.
    """

    cloud: pulumi.Output[str]
    """Cloud of the VRF context (default ``Default-Cloud``)."""
    vrf: pulumi.Output[str]
    """VRF context name (default ``global``)."""
    route_id: pulumi.Output[str]
    """Unique id of the route within the VRF."""
    prefix: pulumi.Output[dict[str, Any]]
    """Destination network as Avi stores it: ``{"ip_addr": {...}, "mask": 24}``."""
    next_hop: pulumi.Output[dict[str, Any]]
    """Next hop as Avi stores it: ``{"addr": "10.0.0.21", "type": "V4"}``."""

    def __init__(self, resource_name: str, opts: pulumi.ResourceOptions | None = None, **fields: Any):
        super().__init__(AviStaticRouteProvider(), resource_name, _seeded(type(self), fields), opts)


def object_kinds_by_type() -> dict[str, str]:
    """Each object resource's type (``dynamic/avi:Pool``) and the kind it writes (``pool``)."""
    return {cls._resource_type_name: cls._kind for cls in _AviObject.__subclasses__()}


__all__ = [
    "AviVirtualService",
    "AviVsVip",
    "AviPool",
    "AviPkiProfile",
    "AviSslKeyAndCertificate",
    "AviHttpPolicySet",
    "AviHealthMonitor",
    "AviStaticRoute",
]
