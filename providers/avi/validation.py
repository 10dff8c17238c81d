"""Input validation for ``check``: names and the model table (model/conform.py); IPs and
CIDRs for static routes.

Values not known yet (preview) are skipped, never reported.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from .kinds import Kind
from .model import conform
from .model import load as load_model
from .shapes import is_unknown

MAX_NAME = 256
_NAME_FORBIDDEN = set("#?/\\\"'<>") | {chr(c) for c in range(32)}


def check_name(value: Any, what: str = "name") -> str | None:
    if is_unknown(value):
        return None
    if not isinstance(value, str) or not value.strip():
        return f"{what} must be a non-empty string"
    if value != value.strip():
        return f"{what} {value!r} must not start or end with whitespace"
    if len(value) > MAX_NAME:
        return f"{what} is longer than {MAX_NAME} characters"
    bad = sorted(set(value) & _NAME_FORBIDDEN)
    if bad:
        return f"{what} {value!r} contains characters Avi references cannot carry: {bad!r}"
    return None


def check_ip(value: Any) -> str | None:
    """``value`` is an Avi IPAddr object ``{"addr": ..., "type": V4|V6|DNS}``."""
    if is_unknown(value):
        return None
    if not isinstance(value, dict) or "addr" not in value:
        return f"must be an object like {{'addr': '10.0.0.1', 'type': 'V4'}}, got {value!r}"
    addr, kind = value["addr"], value.get("type", "V4")
    if is_unknown(addr) or is_unknown(kind) or kind == "DNS":
        return None
    try:
        parsed = ipaddress.ip_address(addr)
    except (ValueError, TypeError):
        return f"addr {addr!r} is not an IP address"
    if (kind == "V4") != (parsed.version == 4):
        return f"addr {addr!r} does not match type {kind}"
    return None


def check_cidr(value: Any) -> str | None:
    if is_unknown(value):
        return None
    try:
        ipaddress.ip_network(value, strict=True)
    except (ValueError, TypeError) as exc:
        return f"{value!r} is not a network in CIDR form ({exc})"
    return None


def validate(kind: Kind, props: dict[str, Any],
             version: tuple[int, ...] | None = None) -> list[tuple[str, str]]:
    """Return ``(property, reason)`` pairs for every problem found, checked against the
    controller's model: unknown fields (with a suggestion), types of containers and nested
    objects, enums, ranges (including special values such as port 0), references, prefixes."""
    failures: list[tuple[str, str]] = []
    for key in kind.required:
        if props.get(key) is None:
            failures.append((key, f"{key} is required for {kind.model}"))
    if "name" in props:
        problem = check_name(props["name"])
        if problem:
            failures.append(("name", problem))
    for key in sorted(kind.server_owned & props.keys()):
        failures.append((key, f"{key} is set by the controller and cannot be an input"))
    body = {k: v for k, v in props.items() if k not in kind.server_owned}
    failures += conform.validate(load_model(), kind.path, body, unknown=is_unknown,
                                 version=version)
    return failures
