"""Input validation for ``check``: the model table (model/conform.py), names, string bounds,
PEMs (pem_inputs.py), port ranges, and the IPs, CIDRs and families of static routes.

Values not known yet (preview) are skipped, never reported. A message names the field and what
would be valid and describes a bad value by its type and size only: inputs include private keys
and passphrases, and preview output is posted as a pull-request comment.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Iterator
from typing import Any, TypeGuard

from . import pem_inputs
from .kinds import Kind
from .model import conform
from .model import load as load_model
from .model.conform import kind_of
from .shapes import is_unknown

Problem = tuple[str, str]

# AKO refuses to create an object whose name is longer (AVI_OBJ_NAME_MAX_LENGTH = 255,
# internal/lib/constants.go); the edge's own names keep to it (components/avi/naming.py).
MAX_NAME = 255
MAX_STRING = 64 * 1024  # any ordinary string field
MAX_PEM = 1024 * 1024  # a certificate, chain, CRL or key
MAX_DEPTH = 32  # the deepest Avi object this provider manages is under 10 levels
MAX_FIELD_NAME = 128  # the longest field name in the model is under 64 characters
_PEM_FIELDS: dict[str, frozenset[str]] = {
    "sslkeyandcertificate": frozenset({"key", "certificate.certificate"}),
    "pkiprofile": frozenset({"ca_certs[].certificate", "crls[].body"}),
}
# Names are used in references (/api/pool?name=<n>, .../pool/<uuid>#<n>), so these break them.
_REFERENCE_BREAKING = frozenset("#?/\\\"'<>")
# control, format (bidi embeddings/overrides/isolates, zero-width), surrogate, private-use,
# unassigned, line and paragraph separators: nothing an operator types in a name on purpose
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# In any string: C0 controls other than tab/newline/return, DEL, lone surrogates (not text), and
# the characters that make text display in another order than it is stored or hide text (Trojan
# Source, CVE-2021-42574): bidi embeddings, overrides, isolates and marks, zero-width characters.
_NEVER_IN_TEXT = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff\ud800-\udfff]"
)
_UNNAMED = {
    "Cc": "control character",
    "Cs": "lone surrogate",
    "Co": "private-use character",
    "Cn": "unassigned code point",
}
NAME_CHARACTERS = (
    "letters, digits, spaces and . @ + - _ (Avi's documented set) and no control, format or invisible characters"
)


def _char_name(c: str) -> str:
    fallback = _UNNAMED.get(unicodedata.category(c), "unnamed character")
    return unicodedata.name(c, fallback)


def _describe_chars(value: str, bad: list[str]) -> str:
    shown = ", ".join(f"U+{ord(c):04X} {_char_name(c)}" for c in sorted(set(bad))[:3])
    more = "" if len(set(bad)) <= 3 else f" and {len(set(bad)) - 3} more"
    return f"{shown}{more} (first at position {value.index(bad[0])})"


def check_name(value: Any, what: str = "name") -> str | None:
    """Why ``value`` cannot be an Avi object name (or a route id, VRF or cloud name)."""
    if is_unknown(value):
        return None
    if not isinstance(value, str) or not value.strip():
        return f"{what} must be a non-empty string, got {kind_of(value)}"
    if len(value) > MAX_NAME:
        return f"{what} is {len(value)} characters long; at most {MAX_NAME} are allowed"
    if value != value.strip():
        return f"{what} must not start or end with whitespace"
    bad = [c for c in value if c in _REFERENCE_BREAKING or unicodedata.category(c) in _INVISIBLE]
    if bad:
        return (
            f"{what} contains characters Avi names cannot carry: {_describe_chars(value, bad)}; use {NAME_CHARACTERS}"
        )
    return None


def _strings(value: Any, path: str = "", pattern: str = "") -> Iterator[tuple[str, str, Any]]:
    """``(path, pattern, leaf)`` for every leaf under ``value``; the pattern writes list indexes
    as ``[]``. Iterative, so a deep body cannot exhaust the stack; depth is reported as a leaf
    of the sentinel type ``_TooDeep``."""
    stack: list[tuple[str, str, Any, int]] = [(path, pattern, value, 0)]
    while stack:
        where, shape, item, depth = stack.pop()
        if isinstance(item, (dict, list)) and depth >= MAX_DEPTH:
            yield where, shape, _TooDeep()
            continue
        if isinstance(item, dict):
            for key, child in item.items():
                if not isinstance(key, str) or len(key) > MAX_FIELD_NAME:
                    shown = f"<field name of {len(str(key))} characters>"
                    yield (f"{where}.{shown}" if where else shown), shape, _TooLongName()
                    continue
                sub = f"{where}.{key}" if where else str(key)
                stack.append((sub, f"{shape}.{key}" if shape else str(key), child, depth + 1))
        elif isinstance(item, list):
            for i, child in enumerate(item):
                stack.append((f"{where}[{i}]", f"{shape}[]", child, depth + 1))
        else:
            yield where, shape, item


class _TooDeep:
    """Marks a value nested deeper than MAX_DEPTH."""


class _TooLongName:
    """Marks a field whose name is longer than any Avi field's (it is not shown)."""


def text_problem(pattern: str, value: Any, pem_fields: frozenset[str]) -> tuple[str, bool] | None:
    """Why a leaf is over its bound or carries characters no input means, and whether the
    problem is one of size (then nothing else is worth checking)."""
    if isinstance(value, _TooDeep):
        return f"is nested deeper than {MAX_DEPTH} levels; no Avi object is", True
    if isinstance(value, _TooLongName):
        return f"no Avi field has a name longer than {MAX_FIELD_NAME} characters", True
    if not isinstance(value, str) or is_unknown(value):
        return None
    limit = MAX_PEM if pattern in pem_fields else MAX_STRING
    if len(value) > limit:
        kind = "PEM field" if pattern in pem_fields else "string"
        return f"is {len(value)} characters long; a {kind} may have at most {limit}", True
    bad = _NEVER_IN_TEXT.findall(value)
    if bad:
        return (f"contains control or invisible characters: {_describe_chars(value, bad)}; remove them"), False
    return None


def bounds(kind: Kind, props: dict[str, Any]) -> tuple[list[Problem], bool]:
    """Every leaf over its bound or with forbidden characters, by field path, and whether any
    was over a size or depth bound."""
    pem_fields = _PEM_FIELDS.get(kind.path, frozenset())
    found, oversized = [], False
    for path, pattern, value in _strings(props):
        problem = text_problem(pattern, value, pem_fields)
        if problem:
            found.append((path or "<input>", problem[0]))
            oversized = oversized or problem[1]
    return sorted(found), oversized


def port_ranges(kind: Kind, props: dict[str, Any]) -> list[Problem]:
    """A virtual service's ``services[i].port_range_end`` below its ``port`` (0 means one port;
    SW:Service.port_range_end: "Special values are 0- single port")."""
    services = props.get("services") if kind.path == "virtualservice" else None
    if not isinstance(services, list):
        return []
    found = []
    for i, service in enumerate(services):
        if not isinstance(service, dict):
            continue
        port, end = service.get("port"), service.get("port_range_end")
        if not (_is_int(port) and _is_int(end)):
            continue
        if end != 0 and end < port:
            found.append(
                (f"services[{i}].port_range_end", f"must be at least port ({port}), or 0 for a single port; got {end}")
            )
    return found


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def check_ip(value: Any) -> str | None:
    """``value`` is an Avi IPAddr object ``{"addr": ..., "type": V4|V6|DNS}``."""
    if is_unknown(value):
        return None
    if not isinstance(value, dict) or "addr" not in value:
        return (
            "must be an address such as '10.0.0.1' or an object like "
            f"{{'addr': '10.0.0.1', 'type': 'V4'}}, got {kind_of(value)}"
        )
    return conform.ip_problem(value, is_unknown)


def check_cidr(value: Any) -> str | None:
    if is_unknown(value):
        return None
    try:
        ipaddress.ip_network(value, strict=True)
    except (ValueError, TypeError):
        return (
            f"must be a network in CIDR form such as '10.244.1.0/24' with no host bits set, "
            f"got {kind_of(value)} that is not"
        )
    return None


def _family(addr: Any) -> int | None:
    if not isinstance(addr, dict) or is_unknown(addr):
        return None
    try:
        return ipaddress.ip_address(addr["addr"]).version
    except (KeyError, ValueError, TypeError):
        return None


def route_problems(prefix: Any, next_hop: Any, allow_default: Any) -> list[Problem]:
    """A static route whose next hop is of another IP family than its prefix, or a default
    route the resource did not ask for with ``allow_default_route: true``."""
    found: list[Problem] = []
    if not isinstance(prefix, dict) or is_unknown(prefix):
        return found
    prefix_family = _family(prefix.get("ip_addr"))
    hop_family = _family(next_hop)
    if prefix_family and hop_family and prefix_family != hop_family:
        found.append(
            (
                "next_hop",
                f"is an IPv{hop_family} address but prefix is an "
                f"IPv{prefix_family} network; a next hop must be of the "
                "prefix's family",
            )
        )
    mask = prefix.get("mask")
    if prefix_family and mask == 0 and allow_default is not True:
        default = "0.0.0.0/0" if prefix_family == 4 else "::/0"
        found.append(
            (
                "prefix",
                f"{default} is a default route, which sends all traffic "
                "without a more specific route to next_hop; set "
                "allow_default_route: true on the resource if that is meant",
            )
        )
    return found


def validate(kind: Kind, props: dict[str, Any], version: tuple[int, ...] | None = None) -> list[tuple[str, str]]:
    """Return ``(property, reason)`` pairs for every problem found, checked against the
    controller's model: unknown fields (with a suggestion), types of containers and nested
    objects, enums, ranges (including special values such as port 0), references, prefixes;
    then names, string bounds, PEMs and port ranges."""
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
    text, oversized = bounds(kind, props)
    reported = {path for path, _ in failures}
    failures += [p for p in text if p[0] not in reported]
    if oversized:
        return failures  # do not parse megabytes or walk a body that deep any further
    body = {k: v for k, v in props.items() if k not in kind.server_owned}
    failures += conform.validate(load_model(), kind.path, body, unknown=is_unknown, version=version)
    reported = {path for path, _ in failures}
    failures += [p for p in pem_inputs.problems(kind.path, body, is_unknown) if p[0] not in reported]
    failures += port_ranges(kind, body)
    return failures
