"""Avi object names and hostname sharding, following AKO's conventions.

Using AKO's formats (`<cluster>--Shared-L7-<n>`, pools `<cluster>--<host><path>-<ns>-<app>`,
SNI children `<cluster>--<host>`, passthrough shards `<cluster>--Shared-Passthrough-<n>`)
keeps objects recognisable to operators who know AKO, and the same FNV-1a shard index
means a host lands on the shard AKO itself would pick for it.
"""

from __future__ import annotations

from collections.abc import Iterable

SHARD_VS_PREFIX = "Shared-L7"
PASSTHROUGH_PREFIX = "Shared-Passthrough"
PASSTHROUGH_INSECURE_SUFFIX = "-insecure"
AVI_NAME_MAX = 255

_FNV32_OFFSET = 0x811C9DC5
_FNV32_PRIME = 0x01000193


def fnv1a_32(text: str) -> int:
    """32-bit FNV-1a over the UTF-8 bytes of `text` (what Go's hash/fnv New32a computes)."""
    value = _FNV32_OFFSET
    for byte in text.encode("utf-8"):
        value ^= byte
        value = (value * _FNV32_PRIME) & 0xFFFFFFFF
    return value


def shard_index(host: str, shards: int) -> int:
    """The shard a host belongs to: the hash masked by (shards - 1), as AKO does."""
    if shards < 1 or shards & (shards - 1):
        raise ValueError(f"shard count must be a power of two, got {shards}")
    return fnv1a_32(host) & (shards - 1)


def name_prefix(cluster: str) -> str:
    return f"{cluster}--"


def _path(prefix: str) -> str:
    return prefix.replace("/", "_")


def shard_vs_name(cluster: str, index: int) -> str:
    """The shared virtual service (and its VsVip and HTTP policy set) of one shard."""
    return f"{name_prefix(cluster)}{SHARD_VS_PREFIX}-{index}"


def passthrough_vs_name(cluster: str, index: int) -> str:
    """The shared passthrough virtual service (port 443, TLS untouched) of one passthrough shard."""
    return f"{name_prefix(cluster)}{PASSTHROUGH_PREFIX}-{index}"


def passthrough_insecure_name(cluster: str, index: int) -> str:
    """The port-80 companion of a passthrough shard (redirects to HTTPS); shares its VsVip."""
    return f"{passthrough_vs_name(cluster, index)}{PASSTHROUGH_INSECURE_SUFFIX}"


def pool_name(cluster: str, host: str, prefix: str, namespace: str, app: str) -> str:
    """An insecure host's pool per host+path+namespace+app, with `/` in the path written as `_`."""
    return f"{name_prefix(cluster)}{host}{_path(prefix)}-{namespace}-{app}"


def sni_child_name(cluster: str, host: str) -> str:
    """The SNI child virtual service of a secure host (its certificate has the same name)."""
    return f"{name_prefix(cluster)}{host}"


def sni_pool_name(cluster: str, host: str, prefix: str, namespace: str, app: str) -> str:
    """A secure host's pool: namespace first, as AKO names SNI pools."""
    return f"{name_prefix(cluster)}{namespace}-{host}{_path(prefix)}-{app}"


def sni_policy_name(cluster: str, host: str, namespace: str) -> str:
    """The HTTP policy set switching one namespace's paths of a secure host."""
    return f"{name_prefix(cluster)}{namespace}-{host}"


def passthrough_pool_name(cluster: str, index: int) -> str:
    """The pool of a passthrough shard: the gateway's HTTPS node port, which routes by SNI itself."""
    return passthrough_vs_name(cluster, index)


def certificate_name(cluster: str) -> str:
    """The parent shards' default certificate (hosts bring their own on SNI children)."""
    return f"{name_prefix(cluster)}edge-cert"


def health_monitor_name(cluster: str) -> str:
    return f"{name_prefix(cluster)}istio-gateway-ready"


def istio_pki_profile_name(cluster: str, namespace: str) -> str:
    """AKO's name for the PKI profile that verifies the mesh's gateway."""
    return f"istio-pki-{cluster}-{namespace}"


def istio_workload_cert_name(cluster: str, namespace: str) -> str:
    """AKO's name for the client certificate the Service Engines present to the mesh."""
    return f"istio-workload-{cluster}-{namespace}"


def static_route_id(cluster: str, node: str, index: int) -> str:
    """Keyed by node name (AKO's contain a per-process uuid), so a node's route never moves to another."""
    return f"{cluster}-{node}-{index}"


def names_for_host(
    cluster: str, host: str, namespace: str, app: str, prefixes: Iterable[str], mode: str | None
) -> list[str]:
    """Every object name the edge makes for one host of one app in one namespace."""
    if mode == "passthrough":
        return [passthrough_insecure_name(cluster, 0), f"{name_prefix(cluster)}{host}"]
    if mode == "terminate":
        return [
            sni_child_name(cluster, host),
            sni_policy_name(cluster, host, namespace),
            *(sni_pool_name(cluster, host, p, namespace, app) for p in prefixes),
        ]
    return [pool_name(cluster, host, p, namespace, app) for p in prefixes]
