"""Controller settings: the stack's `avi` section (read in `controller_config.py`, validated by the
program) and the `aviPassword` secret, or AVI_* environment variables where a stack has no section."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import pulumi

from project import PROJECT

from .controller_config import (
    DEFAULT_MAX_CONCURRENT_REQUESTS,
    DEFAULT_TENANT,
    DEFAULT_USERNAME,
    DEFAULT_VERSION,
    ControllerSection,
)
from .urls import carries_credentials, controller_host, is_plain_http_off_loopback, without_userinfo

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
    allow_plain_http: bool = False
    from_environment: bool = False
    """The controller URL came from AVI_CONTROLLER (so its opt-ins are AVI_* variables too)."""
    max_concurrent_requests: int = DEFAULT_MAX_CONCURRENT_REQUESTS
    """Operations the provider process serves at once, and requests it has in flight at most."""

    def __repr__(self) -> str:  # keep the password out of logs and tracebacks
        return (
            f"ControllerSettings(controller={without_userinfo(self.controller)!r}, "
            f"username={self.username!r}, tenant={self.tenant!r}, version={self.version!r})"
        )

    def validate(self) -> ControllerSettings:
        problems = self._controller_problems()
        if not self.username:
            problems.append("username is empty")
        if not self.password:
            problems.append("password is empty (set the secret mesh-platform:aviPassword or AVI_PASSWORD)")
        try:
            numbers = tuple(int(p) for p in self.version.split("."))
            if numbers < MIN_VERSION:
                problems.append(f"version {self.version} is older than 20.1.5, which the ownership markers need")
        except ValueError:
            problems.append(f"version must look like 22.1.3, got {self.version!r}")
        if problems:
            raise SettingsError("Avi controller settings: " + "; ".join(problems))
        return self

    def _controller_problems(self) -> list[str]:
        """The URL's shape and transport: no credentials in it, no plain http off loopback
        unless asked for. A URL holding '@' is never echoed."""
        origin = "AVI_CONTROLLER" if self.from_environment else "mesh-platform:avi.controller"
        if carries_credentials(self.controller):
            return [
                f"{origin} carries credentials (user:password@host), which would show in logs and "
                "errors; give the URL without them, the username in avi.username (or AVI_USERNAME) "
                "and the password in the secret mesh-platform:aviPassword (or AVI_PASSWORD)"
            ]
        parts = urlsplit(self.controller)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return [f"controller must be an http:// or https:// URL, got {self.controller!r}"]
        if is_plain_http_off_loopback(self.controller) and not self.allow_plain_http:
            opt_in = "AVI_ALLOW_PLAIN_HTTP=1" if self.from_environment else "avi.allowPlainHttp: true in the stack"
            return [
                f"{origin} is plain http:// to {controller_host(self.controller)}, which sends the "
                f"password in clear; use https://, or accept plain http explicitly with {opt_in}"
            ]
        return []

    @classmethod
    def resolve(cls, config: ConfigSource | None) -> ControllerSettings:
        """The stack's ``avi`` section (in the shape the program validated) and the ``aviPassword``
        secret; AVI_* variables where the stack has no ``avi`` section (the provider run on its own)."""
        section = ControllerSection.from_config(_first(config, "avi")) if config is not None else None
        password = (_first(config, "aviPassword") if config is not None else None) or os.environ.get("AVI_PASSWORD", "")
        settings = (
            cls._from_section(section, password) if section is not None else cls._from_environment(password)
        ).validate()
        _warn_about_environment_opt_ins(settings)
        return settings

    @classmethod
    def _from_section(cls, section: ControllerSection, password: str) -> ControllerSettings:
        return cls(
            controller=section.controller.rstrip("/"),
            username=section.username,
            password=password,
            tenant=section.tenant,
            version=section.version,
            ca_bundle=section.ca_bundle,
            insecure=section.insecure,
            allow_plain_http=section.allow_plain_http,
            max_concurrent_requests=section.max_concurrent_requests,
        )

    @classmethod
    def _from_environment(cls, password: str) -> ControllerSettings:
        env = os.environ
        return cls(
            controller=env.get("AVI_CONTROLLER", "").rstrip("/"),
            username=env.get("AVI_USERNAME") or DEFAULT_USERNAME,
            password=password,
            tenant=env.get("AVI_TENANT") or DEFAULT_TENANT,
            version=env.get("AVI_VERSION") or DEFAULT_VERSION,
            ca_bundle=env.get("AVI_CA_BUNDLE") or None,
            insecure=_truthy(env.get("AVI_INSECURE", "false")),
            allow_plain_http=_truthy(env.get("AVI_ALLOW_PLAIN_HTTP", "false")),
            from_environment=True,
        )


def _truthy(value: Any) -> bool:
    return str(value).lower() in ("1", "true", "yes")


_WARNED: set[str] = set()
_WARNED_LOCK = threading.Lock()


def warn_once(message: str) -> None:
    """A warning for the engine's output, given once per provider process (every kind's
    provider resolves the same settings)."""
    with _WARNED_LOCK:
        if message in _WARNED:
            return
        _WARNED.add(message)
    pulumi.log.warn(message)


def _warn_about_environment_opt_ins(settings: ControllerSettings) -> None:
    # What the stack config asks for, the program already warns about at preview.
    if not settings.from_environment:
        return
    host = controller_host(settings.controller)
    if settings.insecure:
        warn_once(
            f"AVI_INSECURE is set: the Avi provider does not verify the TLS certificate of the "
            f"controller {host}, so anyone on the path can pose as it and receive the password; "
            "set AVI_CA_BUNDLE (or avi.caBundle) to the controller's CA instead"
        )
    if settings.allow_plain_http and is_plain_http_off_loopback(settings.controller):
        warn_once(
            f"AVI_ALLOW_PLAIN_HTTP is set: the Avi provider talks to the controller {host} over "
            "plain http://, so the password and session cookie travel unencrypted"
        )


def _first(config: ConfigSource, key: str) -> Any:
    # `python -m pulumi.dynamic` builds Config with the project name from PULUMI_PROJECT (default
    # "project"), so the short key may be prefixed wrongly; the explicit key always works.
    for candidate in (f"{PROJECT}:{key}", key):
        value = config.get(candidate)
        if value not in (None, ""):
            return value
    return None
