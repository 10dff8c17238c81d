"""Per-kind facts of Avi objects, in one table. The generic CRUD core and the validators read
it; supporting a new kind means adding a row.

Field paths use ``a.b`` for nested objects and ``a[].b`` for every element of a list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

_LB_ALGORITHMS = frozenset(f"LB_ALGORITHM_{a}" for a in (
    "LEAST_CONNECTIONS", "ROUND_ROBIN", "FASTEST_RESPONSE", "CONSISTENT_HASH", "LEAST_LOAD",
    "FEWEST_SERVERS", "RANDOM", "FEWEST_TASKS", "NEAREST_SERVER", "CORE_AFFINITY", "TOPOLOGY"))
_IP_TYPES = frozenset({"V4", "V6", "DNS"})
_ALWAYS_SERVER_OWNED = frozenset({"uuid", "url", "_last_modified"})


@dataclass(frozen=True)
class Kind:
    """Facts about one Avi object type."""

    path: str                                   # URL segment: /api/<path>
    model: str                                  # the controller's model name, for messages
    immutable: frozenset[str] = frozenset({"tenant_ref"})
    secret: frozenset[str] = frozenset()        # write-only on the controller; kept from state
    echo_omits: tuple[str, ...] = ()            # nested fields a write answer leaves out
    server_owned: frozenset[str] = _ALWAYS_SERVER_OWNED
    defaults: Mapping[str, object] = field(default_factory=dict)  # added by check when absent
    enums: Mapping[str, frozenset[str]] = field(default_factory=dict)
    ports: tuple[str, ...] = ()                 # 1-65535
    ips: tuple[str, ...] = ()                   # IPv4/IPv6 literals (unless the type says DNS)
    required: tuple[str, ...] = ("name",)


KINDS: dict[str, Kind] = {k.path: k for k in (
    Kind(
        path="virtualservice", model="VirtualService",
        immutable=frozenset({"tenant_ref", "cloud_ref", "vrf_context_ref"}),
        server_owned=_ALWAYS_SERVER_OWNED | {"vip_runtime", "redis_db", "redis_port",
                                             "tls_ticket_key", "version", "marked_for_delete"},
        enums={"type": frozenset({"VS_TYPE_NORMAL", "VS_TYPE_VH_PARENT", "VS_TYPE_VH_CHILD"}),
               "vh_type": frozenset({"VS_TYPE_VH_SNI", "VS_TYPE_VH_ENHANCED"})},
        ports=("services[].port", "services[].port_range_end"),
    ),
    Kind(
        path="vsvip", model="VsVip",
        immutable=frozenset({"tenant_ref", "cloud_ref", "vrf_context_ref"}),
        server_owned=_ALWAYS_SERVER_OWNED | {"vs_refs"},
        enums={"vip[].ip_address.type": _IP_TYPES,
               "vip[].auto_allocate_ip_type": frozenset({"V4_ONLY", "V6_ONLY", "V4_V6"})},
        ips=("vip[].ip_address",),
    ),
    Kind(
        path="pool", model="Pool",
        immutable=frozenset({"tenant_ref", "cloud_ref", "vrf_ref"}),
        enums={"lb_algorithm": _LB_ALGORITHMS, "servers[].ip.type": _IP_TYPES},
        ports=("default_server_port", "servers[].port"),
        ips=("servers[].ip",),
    ),
    Kind(
        path="pkiprofile", model="PKIProfile",
        enums={"allow_pki_errors": frozenset({"ALLOW_EXPIRED_CRL", "ALLOW_ALL_ERRORS"})},
        required=("name", "ca_certs"),
    ),
    Kind(
        path="sslkeyandcertificate", model="SSLKeyAndCertificate",
        immutable=frozenset({"tenant_ref", "type"}),
        secret=frozenset({"key", "key_passphrase"}),
        echo_omits=("certificate.certificate",),
        defaults={"type": "SSL_CERTIFICATE_TYPE_VIRTUALSERVICE"},
        enums={"type": frozenset({"SSL_CERTIFICATE_TYPE_VIRTUALSERVICE",
                                  "SSL_CERTIFICATE_TYPE_SYSTEM", "SSL_CERTIFICATE_TYPE_CA"}),
               "format": frozenset({"SSL_PEM", "SSL_PKCS12"})},
        required=("name", "certificate"),
    ),
    Kind(
        path="httppolicyset", model="HTTPPolicySet",
        enums={"http_request_policy.rules[].redirect_action.protocol": frozenset({"HTTP", "HTTPS"}),
               "http_request_policy.rules[].redirect_action.status_code": frozenset(
                   f"HTTP_REDIRECT_STATUS_CODE_{c}" for c in (301, 302, 307))},
        ports=("http_request_policy.rules[].redirect_action.port",),
    ),
)}

# Inputs that steer the provider and are never sent to the controller as object fields.
OWNER_INPUT = "owner_marker"
OWNER_MARKER_KEY = "pulumi-owner"
OUTPUT_ONLY = frozenset({"uuid", "url"})
