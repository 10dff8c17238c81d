"""Input validation for ``check``: names, enums, IPs, CIDRs and ports, driven by kinds.py.

Values not known yet (preview) are skipped, never reported.
"""

from __future__ import annotations

import ipaddress
from typing import Any, Iterator

from .kinds import Kind
from .shapes import is_unknown

MAX_NAME = 256
_NAME_FORBIDDEN = set("#?/\\\"'<>") | {chr(c) for c in range(32)}


def walk(value: Any, path: str, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Yield ``(concrete path, value)`` for a path like ``servers[].ip.addr``."""
    head, _, rest = path.partition(".")
    is_list = head.endswith("[]")
    key = head[:-2] if is_list else head
    if not isinstance(value, dict) or key not in value or value[key] is None:
        return
    item = value[key]
    here = f"{prefix}{key}"
    if is_list:
        if not isinstance(item, list):
            return
        for i, element in enumerate(item):
            if rest:
                yield from walk(element, rest, f"{here}[{i}].")
            else:
                yield f"{here}[{i}]", element
    elif rest:
        yield from walk(item, rest, f"{here}.")
    else:
        yield here, item


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


def check_port(value: Any) -> str | None:
    if is_unknown(value):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or int(value) != value or not 1 <= int(value) <= 65535:
        return f"must be a port number 1-65535, got {value!r}"
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


def validate(kind: Kind, props: dict[str, Any]) -> list[tuple[str, str]]:
    """Return ``(property, reason)`` pairs for every problem found."""
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
    for path, allowed in kind.enums.items():
        for where, value in walk(props, path):
            if not is_unknown(value) and value not in allowed:
                failures.append((where, f"{value!r} is not one of {sorted(allowed)}"))
    for path in kind.ports:
        for where, value in walk(props, path):
            problem = check_port(value)
            if problem:
                failures.append((where, problem))
    for path in kind.ips:
        for where, value in walk(props, path):
            problem = check_ip(value)
            if problem:
                failures.append((where, problem))
    return failures
