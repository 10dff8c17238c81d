"""Pure functions over Avi object bodies: reference equivalence, projecting a live object onto
the shape the program manages, and number normalisation. No I/O here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from pulumi.output import Unknown
from pulumi.runtime import rpc

from .model.refs import is_ref_key

_REF = re.compile(
    r"^(?:https?://[^/]+)?/api/(?P<type>[a-z0-9_-]+)/?(?P<uuid>[^/?#]*)/?"
    r"(?:\?(?P<query>[^#]*))?(?:#(?P<name>.*))?$"
)


@dataclass(frozen=True)
class Ref:
    """A parsed object reference: by uuid, by name, or both (``.../pool/pool-1#web``)."""

    type: str
    uuid: str | None
    name: str | None


def parse_ref(value: Any) -> Ref | None:
    if not isinstance(value, str):
        return None
    m = _REF.match(value.strip())
    if not m:
        return None
    query = parse_qs(m["query"] or "")
    name = m["name"] or (query.get("name") or [None])[-1]
    return Ref(m["type"], m["uuid"] or None, name)


def same_ref(a: Any, b: Any) -> bool:
    if a == b:
        return True
    ra, rb = parse_ref(a), parse_ref(b)
    if ra is None or rb is None or ra.type != rb.type:
        return False
    if ra.uuid and rb.uuid:
        return ra.uuid == rb.uuid
    return bool(ra.name) and ra.name == rb.name


def is_unknown(value: Any) -> bool:
    """True if ``value`` (or anything inside it) is not known yet (preview). Over the engine's
    gRPC an unknown arrives as an ``Unknown`` instance, in-process as the sentinel string."""
    if isinstance(value, Unknown) or value is rpc.UNKNOWN or value == rpc.UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(is_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(is_unknown(v) for v in value)
    return False


def normalise(value: Any) -> Any:
    """Whole floats become ints (gRPC carries every number as a double)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    return value


def project(desired: Any, live: Any, key: str = "") -> Any:
    """The part of ``live`` that corresponds to ``desired``.

    Keys the program never set are left out; a reference equivalent to the desired one keeps
    the desired spelling, so only real differences show up as drift.
    """
    if key.endswith("_ref"):
        return desired if same_ref(desired, live) else live
    if key.endswith("_refs") and isinstance(desired, list) and isinstance(live, list):
        if len(desired) == len(live) and all(map(same_ref, desired, live)):
            return desired
        return live
    if isinstance(desired, dict) and isinstance(live, dict):
        return {k: project(v, live[k], k) for k, v in desired.items() if k in live}
    if isinstance(desired, list) and isinstance(live, list):
        return [project(desired[i], item, key) if i < len(desired) else item for i, item in enumerate(live)]
    return live


def equivalent(desired: Any, actual: Any, key: str = "") -> bool:
    """Whether ``actual`` (state) already satisfies ``desired`` (inputs)."""
    if is_ref_key(key):
        if isinstance(desired, list) and isinstance(actual, list):
            return len(desired) == len(actual) and all(map(same_ref, desired, actual))
        return same_ref(desired, actual)
    if isinstance(desired, dict) and isinstance(actual, dict):
        return desired.keys() == actual.keys() and all(equivalent(v, actual[k], k) for k, v in desired.items())
    if isinstance(desired, list) and isinstance(actual, list):
        return len(desired) == len(actual) and all(equivalent(d, a, key) for d, a in zip(desired, actual, strict=False))
    return normalise(desired) == normalise(actual)


def strip_fragment(url: str) -> str:
    return url.split("#", 1)[0]
