"""Object references as the controller reads and writes them.

Inside the store every reference is kept in one canonical form, ``/api/<type>/<uuid>``.
Clients may send a full URL (with or without ``#name``), that canonical path, or a name
query (``/api/pool?name=web`` / ``/api/pool/?name=web&tenant=admin&cloud=Default-Cloud``);
responses render the canonical form back as ``<scheme>://<host>/api/<type>/<uuid>[#name]``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

# Which fields hold references is the controller's model, shared with the provider; resolving
# and rendering them (below) is the emulator's own.
from providers.avi.model.refs import iter_refs

_REF = re.compile(
    r"^(?:https?://[^/]+)?/api/(?P<type>[a-z0-9_-]+)/?(?P<uuid>[^/?#]*)/?"
    r"(?:\?(?P<query>[^#]*))?(?:#(?P<name>.*))?$"
)


@dataclass(frozen=True)
class RefSpec:
    """A parsed reference: a uuid, or a name with optional tenant/cloud qualifiers."""

    type: str
    uuid: str | None
    name: str | None
    tenant: str | None = None
    cloud: str | None = None


def parse_ref(value: str) -> RefSpec | None:
    match = _REF.match(value.strip()) if isinstance(value, str) else None
    if not match:
        return None
    query = {k: v[-1] for k, v in parse_qs(match["query"] or "", keep_blank_values=True).items()}
    uuid = match["uuid"] or None
    if uuid:
        return RefSpec(match["type"], uuid, match["name"])
    if "name" in query:
        return RefSpec(match["type"], None, query["name"], query.get("tenant"), query.get("cloud"))
    return None


def canonical(type_: str, uuid: str) -> str:
    return f"/api/{type_}/{uuid}"


def walk_refs(value: Any, fn: Callable[[str], str]) -> Any:
    """Return a copy of ``value`` with every ``*_ref`` / ``*_refs`` string passed through ``fn``."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key.endswith("_ref") and isinstance(item, str):
                out[key] = fn(item)
            elif key.endswith("_refs") and isinstance(item, list):
                out[key] = [fn(v) if isinstance(v, str) else v for v in item]
            else:
                out[key] = walk_refs(item, fn)
        return out
    if isinstance(value, list):
        return [walk_refs(item, fn) for item in value]
    return value


__all__ = ["RefSpec", "canonical", "iter_refs", "parse_ref", "walk_refs"]
