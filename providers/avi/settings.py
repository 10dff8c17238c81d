"""Controller settings from stack config, with environment variables as fallback."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

PROJECT = "mesh-platform"
DEFAULT_VERSION = "22.1.3"
MIN_VERSION = (20, 1, 5)  # ownership markers need the `markers` field


class ConfigSource(Protocol):
    """What ``pulumi.dynamic.Config`` offers."""

    def get(self, key: str) -> Any: ...


class SettingsError(ValueError):
    """The controller settings are missing or malformed."""


@dataclass(frozen=True)
class ControllerSettings:
    """Where the controller is and how to talk to it. Never stored in resource state."""

    controller: str
    username: str
    password: str
    tenant: str = "admin"
    version: str = DEFAULT_VERSION
    ca_bundle: str | None = None
    insecure: bool = False
    created_by: str = PROJECT

    def __repr__(self) -> str:  # keep the password out of logs and tracebacks
        return (f"ControllerSettings(controller={self.controller!r}, username={self.username!r}, "
                f"tenant={self.tenant!r}, version={self.version!r})")

    def validate(self) -> "ControllerSettings":
        problems = []
        parts = urlsplit(self.controller)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            problems.append(f"controller must be an http:// or https:// URL, got {self.controller!r}")
        if not self.username:
            problems.append("username is empty")
        if not self.password:
            problems.append("password is empty (set the secret mesh-platform:aviPassword "
                            "or AVI_PASSWORD)")
        try:
            numbers = tuple(int(p) for p in self.version.split("."))
            if numbers < MIN_VERSION:
                problems.append(f"version {self.version} is older than 20.1.5, which the "
                                "ownership markers need")
        except ValueError:
            problems.append(f"version must look like 22.1.3, got {self.version!r}")
        if problems:
            raise SettingsError("Avi controller settings: " + "; ".join(problems))
        return self

    @classmethod
    def resolve(cls, config: ConfigSource | None) -> "ControllerSettings":
        """Stack config first (``avi`` object + ``aviPassword`` secret), then AVI_* variables."""
        raw: dict[str, Any] = {}
        password = None
        if config is not None:
            value = _first(config, "avi")
            if value:
                try:
                    raw = json.loads(value) if isinstance(value, str) else dict(value)
                except ValueError as exc:
                    raise SettingsError(f"config mesh-platform:avi is not JSON: {exc}") from exc
            password = _first(config, "aviPassword")
        env = os.environ
        insecure = raw.get("insecure", env.get("AVI_INSECURE", "false"))
        return cls(
            controller=(raw.get("controller") or env.get("AVI_CONTROLLER", "")).rstrip("/"),
            username=raw.get("username") or env.get("AVI_USERNAME", "admin"),
            password=password or raw.get("password") or env.get("AVI_PASSWORD", ""),
            tenant=raw.get("tenant") or env.get("AVI_TENANT", "admin"),
            version=str(raw.get("version") or env.get("AVI_VERSION", DEFAULT_VERSION)),
            ca_bundle=raw.get("caBundle") or env.get("AVI_CA_BUNDLE") or None,
            insecure=str(insecure).lower() in ("1", "true", "yes"),
            created_by=raw.get("createdBy") or PROJECT,
        ).validate()


def _first(config: ConfigSource, key: str) -> Any:
    # `python -m pulumi.dynamic` builds Config with the project name from PULUMI_PROJECT (default
    # "project"), so the short key may be prefixed wrongly; the explicit key always works.
    for candidate in (f"{PROJECT}:{key}", key):
        value = config.get(candidate)
        if value not in (None, ""):
            return value
    return None
