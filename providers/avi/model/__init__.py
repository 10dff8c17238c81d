"""The Avi Controller's object model as data: ``avi_model.json`` (derived from vmware/alb-sdk's
swagger by ``extract.py``, committed, never generated at runtime) plus the few facts the
swagger does not state, which were observed on real controllers.

The provider's ``check`` and the emulator both read this table, so they agree on which fields a
kind has, their types, enums, ranges and defaults. Importing this package needs nothing but the
standard library (the emulator uses it too).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

_DATA = Path(__file__).with_name("avi_model.json")

# Fields the controller fills on create although the program did not send them, beyond the
# swagger ``default`` values: references to system objects (observed in the recorded exchanges
# of a 20.1 controller) and values derived from other fields. A value equal to one of these is
# "controller-defaulted": import leaves it out and diff does not count it as a change.
DEFAULT_REF_NAMES: Mapping[str, Mapping[str, str]] = {
    "Pool": {"vrf_ref": "global", "analytics_profile_ref": "System-Analytics-Profile"},
    "VirtualService": {
        "application_profile_ref": "System-HTTP",
        "network_profile_ref": "System-TCP-Proxy",
        "se_group_ref": "Default-Group",
        "vrf_context_ref": "global",
        "analytics_profile_ref": "System-Analytics-Profile",
        "ssl_profile_ref": "System-Standard-PFS",
    },
    "VsVip": {"vrf_context_ref": "global"},
}
# Fields always filled by the controller from the request context (tenant header, default
# cloud); never part of what a program manages unless it sets them.
CONTEXT_FIELDS = frozenset({"tenant_ref", "cloud_ref"})
# Nested fields the swagger marks required that the controller assigns when absent.
SERVER_ASSIGNED = frozenset({("Vip", "vip_id")})
# Values the controller computes from the object's other fields (compared by ``derived``).
# A certificate's parsed fields (subject, fingerprint, public key...) derive from its PEM.
DERIVED = frozenset(
    {
        ("Service", "port_range_end"),
        ("Server", "hostname"),
        ("Vip", "vip_id"),
        ("SSLKeyAndCertificate", "key_params"),
        ("SSLCertificate", "*"),
    }
)
# Defaults the swagger states in a field's description rather than as ``default``.
PROSE_DEFAULTS: Mapping[tuple[str, str], Any] = {
    ("HealthMonitorHttp", "http_response_code"): ["HTTP_2XX"],  # "Default is 2xx"
}
# Fields the controller returns that the swagger of its release does not list (runtime
# state seen in recordings); accepted on input and ignored, never reported as unknown.
RUNTIME_FIELDS: Mapping[str, frozenset[str]] = {
    "VirtualService": frozenset(
        {
            "vip_runtime",
            "redis_db",
            "redis_port",
            "tls_ticket_key",
            "version",
            "marked_for_delete",
            "self_se_election",
            "cloud_type",
        }
    ),
    "VsVip": frozenset({"vs_refs"}),
    "Pool": frozenset({"server_count"}),
}


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in str(text).replace("_", ".").split("."))


@dataclass(frozen=True)
class Field:
    """One field of one model type, as the vendor's model states it."""

    name: str
    type: str  # string | integer | number | boolean | object | array
    object: str | None = None  # model type of an object field
    items: Field | None = None  # element of an array field
    enum: tuple[str, ...] = ()
    min: int | None = None
    max: int | None = None
    special: tuple[int, ...] = ()  # values allowed outside min-max (e.g. port 0)
    default: Any = None
    has_default: bool = False
    read_only: bool = False
    required: bool = False
    ref: str | None = None  # model a reference string points at
    max_items: int | None = None
    min_items: int | None = None
    introduced: tuple[int, ...] | None = None

    @classmethod
    def from_data(cls, name: str, data: Mapping[str, Any]) -> Field:
        items = data.get("items")
        return cls(
            name=name,
            type=data["type"],
            object=data.get("object"),
            items=cls.from_data(name, items) if items else None,
            enum=tuple(data.get("enum") or ()),
            min=data.get("min"),
            max=data.get("max"),
            special=tuple(data.get("special") or ()),
            default=data.get("default"),
            has_default="default" in data,
            read_only=bool(data.get("read_only")),
            required=bool(data.get("required")),
            ref=data.get("ref"),
            max_items=data.get("max_items"),
            min_items=data.get("min_items"),
            introduced=_version(data["introduced"]) if data.get("introduced") else None,
        )

    def describe(self) -> str:
        """What a valid value looks like, for messages."""
        if self.type == "array":
            inner = self.items.describe() if self.items else "values"
            return f"a list of {inner}"
        if self.type == "object":
            return f"an object ({self.object})"
        if self.enum:
            return f"one of {', '.join(self.enum)}"
        if self.type == "integer":
            if self.min is not None and self.max is not None:
                extra = f" (or {', '.join(map(str, self.special))})" if self.special else ""
                return f"an integer {self.min}-{self.max}{extra}"
            return "an integer"
        if self.type == "boolean":
            return "true or false"
        if self.type == "number":
            return "a number"
        if self.ref:
            return f"a reference to a {self.ref}"
        return "a string"


class AviModel:
    """Lookup over the committed table."""

    def __init__(self, data: Mapping[str, Any]):
        self.source = data["source"]
        self._kinds = {k: v["model"] for k, v in data["kinds"].items()}
        self._types = {
            name: {f: Field.from_data(f, spec) for f, spec in t["fields"].items()} for name, t in data["types"].items()
        }

    def model_of(self, kind: str) -> str:
        return self._kinds[kind]

    def has_kind(self, kind: str) -> bool:
        return kind in self._kinds

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(self._kinds)

    def fields(self, type_name: str) -> Mapping[str, Field]:
        return self._types[type_name]

    def kind_fields(self, kind: str) -> Mapping[str, Field]:
        return self._types[self._kinds[kind]]

    def has_field(self, kind: str, field: str) -> bool:
        return field in self.kind_fields(kind)

    def ownership_fields(self, kind: str) -> frozenset[str]:
        """Which ownership carriers the kind has: ``created_by`` and/or ``markers``."""
        return frozenset({"created_by", "markers"} & set(self.kind_fields(kind)))


@lru_cache(maxsize=1)
def load() -> AviModel:
    return AviModel(json.loads(_DATA.read_text(encoding="utf-8")))


def ref_path(model_name: str) -> str:
    """URL segment of a model: ``VrfContext`` -> ``vrfcontext``."""
    return model_name.lower()


__all__ = [
    "AviModel",
    "Field",
    "load",
    "ref_path",
    "DEFAULT_REF_NAMES",
    "CONTEXT_FIELDS",
    "PROSE_DEFAULTS",
    "SERVER_ASSIGNED",
    "DERIVED",
    "RUNTIME_FIELDS",
]
