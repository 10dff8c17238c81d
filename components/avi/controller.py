"""The top-level `avi` section: how the program and AKO reach the Avi Controller.

This model is the one parser of the section. The Avi provider reads the same section from
the stack config in `configure()`; it takes the keys and defaults from
`providers/avi/controller_config.py` (which this model uses too) and relies on this model
having judged the values at preview, before any resource exists.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

import pulumi
from pydantic import BeforeValidator, ConfigDict, Field, PrivateAttr, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from components.avi.fields import AviApiVersion
from components.config.base import ConfigModel, check
from components.config.types import AnyString, Bool, Expect, IntegerRange, describe, is_hostname, is_ip, is_url
from providers.avi.controller_config import (
    DEFAULT_MAX_CONCURRENT_REQUESTS,
    DEFAULT_TENANT,
    DEFAULT_USERNAME,
    DEFAULT_VERSION,
    MAX_CONCURRENT_REQUESTS_RANGE,
)
from providers.avi.urls import carries_credentials, controller_host, is_plain_http_off_loopback

CONTROLLER_URL_EXPECTED = 'a URL such as "https://avi.example.com"'
CREDENTIALS_IN_URL = (
    "the URL carries credentials (user:password@host), which would show in logs and error "
    "messages; give it without them, the username in avi.username and the password in the "
    "secret aviPassword (`pulumi config set --secret aviPassword <password>`)"
)


def _controller_url(value: Any) -> str:
    # Never echo a value holding '@': it may be the password. A URL without one is safe to show.
    if isinstance(value, str) and carries_credentials(value):
        raise PydanticCustomError("invalid_value", CREDENTIALS_IN_URL)
    if not isinstance(value, str) or not is_url(value) or not _has_host_and_port(value):
        raise PydanticCustomError(
            "invalid_value",
            "expected {expected}; got {got}",
            {"expected": CONTROLLER_URL_EXPECTED, "got": describe(value)},
        )
    return value


def _has_host_and_port(url: str) -> bool:
    """A DNS name or an IP address, and a port that is a number in range when given: AKO's
    ServiceEntry for the controller is built from them."""
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number in range
    except ValueError:
        return False
    host = parts.hostname or ""
    return is_ip(host) or is_hostname(host, allow_wildcard=False)


ControllerUrl = Annotated[
    str,
    BeforeValidator(_controller_url),
    Expect(CONTROLLER_URL_EXPECTED),
    WithJsonSchema(
        {"type": "string", "description": CONTROLLER_URL_EXPECTED, "pattern": r"^https?://[^\s/@]+(/[^@]*)?$"}
    ),
]
"""The controller's URL: http(s), a host, no credentials."""


class AviControllerConfig(ConfigModel):
    """How to reach the Avi Controller; the password comes only from the secret key `aviPassword`."""

    model_config = ConfigDict(**ConfigModel.model_config, hide_input_in_errors=True)  # a URL may hold a password

    controller: ControllerUrl
    username: AnyString = DEFAULT_USERNAME
    tenant: AnyString = DEFAULT_TENANT
    version: AviApiVersion = DEFAULT_VERSION
    ca_bundle: AnyString | None = None
    insecure: Bool = False
    allow_plain_http: Bool = Field(
        default=False,
        description="accept plain http:// to a controller that is not on loopback "
        "(the password travels in clear); warned at preview",
    )
    max_concurrent_requests: Annotated[int, IntegerRange(*MAX_CONCURRENT_REQUESTS_RANGE)] = Field(
        default=DEFAULT_MAX_CONCURRENT_REQUESTS,
        description="operations the Avi provider serves at once, and requests it sends the controller at once "
        "(the SDK's own server stops at 4; see docs/avi-provider.md)",
    )
    _password: pulumi.Output[str] | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _transport(self) -> AviControllerConfig:
        if is_plain_http_off_loopback(self.controller) and not self.allow_plain_http:
            host = controller_host(self.controller)
            check(
                [
                    (
                        "controller",
                        f"plain http:// to {host} sends the controller password in clear; use "
                        f"https://{host}, or accept plain http explicitly with avi.allowPlainHttp: true",
                    )
                ]
            )
        return self

    def transport_warnings(self) -> list[str]:
        """What to say at preview about how the controller is reached: verification off, plain http."""
        host = controller_host(self.controller)
        warnings = []
        if self.insecure:
            warnings.append(
                f"avi.insecure is true: the TLS certificate of the Avi Controller {host} is not "
                "verified, so anyone on the path can pose as it and receive the password; set "
                "avi.caBundle to the controller's CA instead"
            )
        if self.allow_plain_http and is_plain_http_off_loopback(self.controller):
            warnings.append(
                f"avi.allowPlainHttp is true: the Avi Controller {host} is reached over plain "
                "http://, so the password and session cookie travel unencrypted"
            )
        return warnings

    @property
    def password(self) -> pulumi.Output[str] | None:
        """The controller password (a Pulumi secret), or None when `aviPassword` is not set."""
        return self._password

    @property
    def required_password(self) -> pulumi.Output[str]:
        """The password, for a resource that logs in; the stack rules require `aviPassword` wherever one does."""
        if self._password is None:
            raise ValueError("the secret aviPassword is not set")
        return self._password

    def with_password(self, password: pulumi.Output[str] | None) -> AviControllerConfig:
        """A copy carrying the password read from the secret key."""
        copy = self.model_copy()
        copy._password = password
        return copy
