"""Avi object names and hostname sharding, following AKO's conventions.

Using AKO's formats (`<cluster>--Shared-L7-<n>`, pools `<cluster>--<host><path>-<ns>-<app>`)
keeps objects recognisable to operators who know AKO, and the same FNV-1a shard
index means a host lands on the shard AKO itself would pick for it.
"""

from __future__ import annotations

SHARD_VS_PREFIX = "Shared-L7"
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


def shard_vs_name(cluster: str, index: int) -> str:
    """The shared virtual service (and its VsVip and HTTP policy set) of one shard."""
    return f"{name_prefix(cluster)}{SHARD_VS_PREFIX}-{index}"


def pool_name(cluster: str, host: str, prefix: str, namespace: str, app: str) -> str:
    """A pool per host+path+namespace+app, with `/` in the path written as `_`."""
    return f"{name_prefix(cluster)}{host}{prefix.replace('/', '_')}-{namespace}-{app}"


def static_route_id(cluster: str, index: int) -> str:
    """Route ids stay stable across runs (AKO's contain a per-process uuid)."""
    return f"{cluster}-pulumi-{index}"


def certificate_name(cluster: str) -> str:
    return f"{name_prefix(cluster)}edge-cert"
