"""The stack's `avi:` controller section in the shape the provider reads it.

The section has one parser, the program's model (`components/avi/controller.py`): it
validates every key before any resource is declared, so a provider configured from a
stack only ever sees a section that model accepted. This module holds that shape's keys
and defaults, which the model takes from here (a test holds the two together), and reads
a section in that shape without judging it again. The transport rules both sides apply
live in `urls.py`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

DEFAULT_USERNAME = "admin"
DEFAULT_TENANT = "admin"
DEFAULT_VERSION = "22.1.3"
DEFAULT_MAX_CONCURRENT_REQUESTS = 10
MAX_CONCURRENT_REQUESTS_RANGE = (1, 64)
"""How many operations the provider process serves at once, and the bounds the model enforces."""

SECTION_KEYS = (
    "controller",
    "username",
    "tenant",
    "version",
    "caBundle",
    "insecure",
    "allowPlainHttp",
    "maxConcurrentRequests",
)
"""The keys of the `avi:` section, as the stack file spells them."""


@dataclass(frozen=True)
class ControllerSection:
    """One `avi:` section as the program validated it, with the model's defaults filled in."""

    controller: str
    username: str = DEFAULT_USERNAME
    tenant: str = DEFAULT_TENANT
    version: str = DEFAULT_VERSION
    ca_bundle: str | None = None
    insecure: bool = False
    allow_plain_http: bool = False
    max_concurrent_requests: int = DEFAULT_MAX_CONCURRENT_REQUESTS

    def __repr__(self) -> str:  # a controller URL may carry userinfo; never show it
        return f"ControllerSection(username={self.username!r}, tenant={self.tenant!r}, version={self.version!r})"

    @classmethod
    def from_config(cls, value: Any) -> ControllerSection | None:
        """The section from its stack-config value (a JSON object, as Pulumi hands config objects over), or
        None when the stack has none."""
        if value in (None, ""):
            return None
        raw = json.loads(value) if isinstance(value, str) else dict(value)
        if not raw.get("controller"):
            return None
        return cls(
            controller=raw["controller"],
            username=raw.get("username", DEFAULT_USERNAME),
            tenant=raw.get("tenant", DEFAULT_TENANT),
            version=str(raw.get("version", DEFAULT_VERSION)),
            ca_bundle=raw.get("caBundle"),
            insecure=bool(raw.get("insecure", False)),
            allow_plain_http=bool(raw.get("allowPlainHttp", False)),
            # int(): a number may reach the provider as a float (gRPC carries doubles)
            max_concurrent_requests=int(raw.get("maxConcurrentRequests", DEFAULT_MAX_CONCURRENT_REQUESTS)),
        )
