"""X-Avi-Version handling.

A request without the header is served with the controller's minimum API version (16.4.2),
reported as ``AVI_API_VERSION: 16_4_2``; with the header the version is echoed. Fields newer
than the requested version are rejected on input and left out of responses.

A version the controller does not know is refused with 400 ``Invalid version ...``: the docs
say a controller serves every API version up to its own (developer.broadcom.com, Avi API
overview), and alb-sdk treats ``Invalid version`` in an answer as an error (avi_api.py:840).
Known are the release lines seen in the wild (reference avi-api.md section 5), from 16.4.2 up
to the emulated controller's own version; the status code is not on record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from providers.avi.model import load as load_model

MIN_VERSION = (16, 4, 2)
# The lowest release AKO 2.2.1 supports (its docs/README.md:94) and the version the project's
# stacks send; the recorded 20.1 answers are all valid at this version.
CONTROLLER_VERSION = (22, 1, 3)
RELEASE_LINES = frozenset(
    {(16, 4), (17, 1), (17, 2), (18, 1), (18, 2), (20, 1), (21, 1), (22, 1), (30, 1), (30, 2), (31, 1), (32, 1)}
)

# (object type, top-level field) -> version that introduced it, from the reference notes. For
# input, top-level fields of the model table's kinds also carry the model's "introduced"
# release; responses are filtered by this list only (as the recordings were compared).
FIELD_INTRODUCED: dict[tuple[str, str], tuple[int, ...]] = {
    ("virtualservice", "vh_type"): (20, 1, 3),
    ("virtualservice", "vh_matches"): (20, 1, 3),
    ("pkiprofile", "allow_pki_errors"): (30, 1, 1),
    ("pool", "analytics_profile_ref"): (18, 1, 4),
    **{
        (t, "markers"): (20, 1, 5)
        for t in (
            "virtualservice",
            "vsvip",
            "pool",
            "pkiprofile",
            "sslkeyandcertificate",
            "httppolicyset",
            "vrfcontext",
        )
    },
}

# Pool fields a 20.1.1 controller left out when answering at 16.4.2 (seen in a recording).
POOL_FIELDS_ABSENT_AT_MIN = frozenset(
    {
        "lb_algorithm_core_nonaffinity",
        "lookup_server_by_name",
        "server_timeout",
        "delete_server_on_dns_refresh",
        "enable_http2",
        "ignore_server_port",
        "routing_pool",
    }
)

_VERSION = re.compile(r"^\d+(?:[._]\d+){1,3}$")


def _dotted(parts: tuple[int, ...]) -> str:
    return ".".join(map(str, parts))


class InvalidVersion(ValueError):
    """The X-Avi-Version header could not be parsed."""


@dataclass(frozen=True)
class ApiVersion:
    """The API version a request is served with."""

    parts: tuple[int, ...]
    header: str

    @classmethod
    def from_header(cls, value: str | None) -> ApiVersion:
        if not value:
            return cls(MIN_VERSION, "_".join(map(str, MIN_VERSION)))
        if not _VERSION.match(value.strip()):
            raise InvalidVersion(f"Invalid version {value}")
        parts = tuple(int(p) for p in re.split(r"[._]", value.strip()))
        if parts[:2] not in RELEASE_LINES or not MIN_VERSION <= parts <= CONTROLLER_VERSION:
            raise InvalidVersion(
                f"Invalid version {value.strip()}: this controller serves API versions "
                f"{_dotted(MIN_VERSION)} to {_dotted(CONTROLLER_VERSION)}"
            )
        return cls(parts, value.strip())

    @property
    def tag(self) -> str:
        return "v" + "_".join(map(str, self.parts))

    def too_new(self, type_: str, body: dict[str, Any]) -> tuple[str, tuple[int, ...]] | None:
        model = load_model()
        fields = model.kind_fields(type_) if model.has_kind(type_) else {}
        for key in body:
            introduced = FIELD_INTRODUCED.get((type_, key))
            spec = fields.get(key)
            if introduced is None and spec is not None:
                introduced = spec.introduced  # top-level "Field introduced in" of the model
            if introduced and introduced > self.parts:
                return key, introduced
        return None

    def filter(self, type_: str, obj: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in obj.items() if FIELD_INTRODUCED.get((type_, k), MIN_VERSION) <= self.parts}
        if type_ == "pool" and self.parts <= MIN_VERSION:
            out = {k: v for k, v in out.items() if k not in POOL_FIELDS_ABSENT_AT_MIN}
            out["server_count"] = len(obj.get("servers") or [])
        return out
