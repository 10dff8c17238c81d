"""Field types shared by every section: each checks its value and says what would be valid.

Each type is a module-level `Annotated` alias of a plain type (`str`, `int`, `float`) and
one `Checked` marker: a strict check that raises the project's message (`expected a DNS
label ...; got "Dev_Cluster"`), the words the loader uses when the key is missing (it is
an `Expect`), and the JSON Schema an editor validates the stack file with. Sections
declare their own aliases the same way (`Annotated[int, IntegerRange(1, 450)]`).
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BeforeValidator, GetCoreSchemaHandler, GetJsonSchemaHandler, WithJsonSchema
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema


@dataclass(frozen=True)
class Expect:
    """What a field expects, in words (`an IP address`); used for "required" messages."""

    text: str


OCI_SCHEME = "oci://"


@dataclass(frozen=True, order=True)
class HelmChartConfig:
    """Where an upstream chart comes from and which version is pinned.

    `repository` is a classic chart repository (`https://...`, an index of charts found by
    name) or an OCI registry path (`oci://...`, where the chart is an artifact named by URL).
    """

    chart: str
    version: str
    repository: str

    @property
    def is_oci(self) -> bool:
        return self.repository.startswith(OCI_SCHEME)

    @property
    def reference(self) -> str:
        """What Helm takes as the chart: its URL in an OCI registry, its name in a classic repository."""
        return f"{self.repository}/{self.chart}" if self.is_oci else self.chart

    @property
    def classic_repository(self) -> str | None:
        """The classic repository to look `chart` up in (`helm --repo`); None for an OCI chart."""
        return None if self.is_oci else self.repository

    @classmethod
    def from_reference(cls, reference: str, version: str, classic_repository: str | None) -> HelmChartConfig:
        """The chart a release names by `reference` (and `classic_repository`), as `reference` spells it."""
        if reference.startswith(OCI_SCHEME):
            repository, chart = reference.rsplit("/", 1)
            return cls(chart, version, repository)
        return cls(reference, version, classic_repository or "")


def describe(value: Any) -> str:
    """A value as the user wrote it in YAML (never a Python repr such as None)."""
    if isinstance(value, str):
        return f'"{value}"'
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "a list"
    return str(value)


def _invalid(expected: str, value: Any, hint: str = "") -> PydanticCustomError:
    """The project's message for a refused value; `hint` (`; did you mean alb?`) is appended as is."""
    return PydanticCustomError(
        "invalid_value",
        "expected {expected}; got {got}{hint}",
        {"expected": expected, "got": describe(value), "hint": hint},
    )


def quote_hint(expected: str, value: Any) -> str:
    """For a number or true/false where text is expected: the quoted text to write instead.

    YAML reads an unquoted `1.30` as the number 1.3, so the trailing zero of a version is
    gone before any check sees it; a version is shown again with two decimals."""
    if isinstance(value, bool):
        return f'; quote it: "{describe(value)}"'
    if isinstance(value, float) and "version" in expected and round(value, 2) == value:
        return f'; YAML reads an unquoted version as a number; quote it: "{value:.2f}"'
    if isinstance(value, (int, float)):
        return f'; quote it: "{value}"'
    return ""


def close_match(value: str, known: tuple[str, ...]) -> str:
    """`; did you mean alb?` for a value that differs from a known one in case or by a slip."""
    lowered = {k.lower(): k for k in known if k}
    match = lowered.get(value.lower()) or next(
        iter(difflib.get_close_matches(value, [k for k in known if k], 1, 0.75)), None
    )
    return f"; did you mean {match}?" if match else ""


def _anything(_: str) -> bool:
    return True


@dataclass(frozen=True)
class Checked(Expect, ABC):
    """An `Expect` that also checks the value strictly, before pydantic's own validation, and
    states the JSON Schema of what it accepts: one marker makes a field type
    (`Annotated[str, Text("a DNS label", is_dns_label, DNS_LABEL_PATTERN)]`)."""

    @abstractmethod
    def check(self, value: Any) -> Any:
        """The value as accepted, or the project's `invalid_value` error."""

    @abstractmethod
    def json_schema(self) -> dict[str, Any]:
        """What an editor validates the key with."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_before_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return self.json_schema()


@dataclass(frozen=True)
class Text(Checked):
    """A string accepted when `predicate` holds; `pattern` mirrors it in the JSON Schema."""

    predicate: Callable[[str], bool] = _anything
    pattern: str | None = None
    reason: Callable[[str], str] | None = None
    """Why a string the predicate refuses is wrong (`; the address has host bits set ...`), or ""."""

    def check(self, value: Any) -> str:
        if not isinstance(value, str):
            raise _invalid(self.text, value, quote_hint(self.text, value))
        if not self.predicate(value):
            raise _invalid(self.text, value, self.reason(value) if self.reason else "")
        return value

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string", "description": self.text}
        if self.pattern:
            schema["pattern"] = self.pattern
        return schema


def matching(expected: str, pattern: str) -> Text:
    """A `Text` accepted when the regular expression `pattern` matches from the start; the same
    pattern goes into the JSON Schema, so the two cannot drift apart."""
    compiled = re.compile(pattern)
    return Text(expected, lambda value: compiled.match(value) is not None, pattern)


@dataclass(frozen=True)
class OneOf(Checked):
    """One of `values` (case-sensitive); `aliases` are older names accepted for a value."""

    text: str = field(init=False)
    values: tuple[str, ...] = ()
    aliases: Mapping[str, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        shown = [value or '""' for value in self.values]
        object.__setattr__(self, "text", f"one of {', '.join(shown)}")

    def check(self, value: Any) -> str:
        if isinstance(value, str) and value in self.aliases:
            return self.aliases[value]
        if not isinstance(value, str) or value not in self.values:
            hint = close_match(value, (*self.values, *self.aliases)) if isinstance(value, str) else ""
            raise _invalid(self.text, value, hint)
        return value

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "enum": [*self.values, *self.aliases]}


@dataclass(frozen=True)
class IntegerRange(Checked):
    """An integer within [minimum, maximum] (true/false and "8" are not integers)."""

    text: str = field(init=False)
    minimum: int = 0
    maximum: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", f"an integer from {self.minimum} to {self.maximum}")

    def check(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not self.minimum <= value <= self.maximum:
            raise _invalid(self.text, value)
        return value

    def json_schema(self) -> dict[str, Any]:
        return {"type": "integer", "minimum": self.minimum, "maximum": self.maximum}


@dataclass(frozen=True)
class NumberRange(Checked):
    """A number (integer or decimal) within [minimum, maximum], read as a float."""

    text: str = field(init=False)
    minimum: float = 0.0
    maximum: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", f"a number from {self.minimum} to {self.maximum}")

    def check(self, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not self.minimum <= value <= self.maximum:
            raise _invalid(self.text, value)
        return float(value)

    def json_schema(self) -> dict[str, Any]:
        return {"type": "number", "minimum": self.minimum, "maximum": self.maximum}


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _invalid("true or false", value)
    return value


Bool = Annotated[bool, BeforeValidator(_boolean), Expect("true or false"), WithJsonSchema({"type": "boolean"})]


# -- formats ----------------------------------------------------------------------------

DNS_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
"""A Kubernetes/RFC 1123 DNS label (namespace names, service names)."""
DNS_LABEL_PATTERN = DNS_LABEL.pattern

_HOST_LABEL = re.compile(r"^(\*|[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)$")
_SEMVER = re.compile(r"^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$")
_URL = re.compile(r"^https?://[^\s/]+(/.*)?$")
_CHART_REPOSITORY = re.compile(r"^(oci://|https?://)[^\s/]+(/\S*)?$")


def is_dns_label(value: str) -> bool:
    """True for an RFC 1123 label such as a namespace or service name."""
    return bool(DNS_LABEL.match(value))


def is_hostname(value: str, allow_wildcard: bool = True) -> bool:
    """True for a lower-case DNS name; a leading `*.` label is allowed when asked."""
    if not value or len(value) > 253 or value.endswith("."):
        return False
    labels = value.split(".")
    for index, label in enumerate(labels):
        if label == "*":
            if not allow_wildcard or index != 0 or len(labels) < 2:
                return False
            continue
        if not _HOST_LABEL.match(label):
            return False
    return True


def is_cidr(value: str) -> bool:
    """True for an IPv4 or IPv6 network in CIDR notation."""
    try:
        ipaddress.ip_network(value, strict=True)
    except ValueError:
        return False
    return "/" in value


def cidr_reason(value: str) -> str:
    """Why `value` is not a CIDR when it is close to one: host bits set, or no prefix length."""
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        return ""
    if "/" not in value:
        return f"; a CIDR needs a prefix length, e.g. {network.network_address}/{network.max_prefixlen}"
    if str(network) != value:
        return (
            f"; {value} has host bits set (the address goes past the /{network.prefixlen} prefix); "
            f"the network is {network}"
        )
    return ""


def is_ip(value: str) -> bool:
    """True for an IPv4 or IPv6 address."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def is_semver(value: str) -> bool:
    """True for a semantic version such as 1.27.3 (a leading v is allowed)."""
    return bool(_SEMVER.match(value))


def is_url(value: str) -> bool:
    """True for an http(s) URL."""
    return bool(_URL.match(value))


def is_chart_repository(value: str) -> bool:
    """True for an OCI registry path (`oci://host/path`) or a classic chart repository (`https://host/path`)."""
    return bool(_CHART_REPOSITORY.match(value))


def dns_label(expected: str) -> Text:
    """A DNS label check, described in the words of the field (`a namespace name`, `a secret name`)."""
    return Text(expected, is_dns_label, DNS_LABEL_PATTERN)


DnsLabel = Annotated[str, dns_label("a DNS label")]
NamespaceName = Annotated[str, dns_label("a namespace name")]
HostName = Annotated[str, Text("a DNS host name", is_hostname, r"^(\*\.)?[a-z0-9]([a-z0-9.-]*[a-z0-9])?$")]
Cidr = Annotated[str, Text("a CIDR", is_cidr, r"^[0-9a-fA-F:.]+/\d{1,3}$", cidr_reason)]
IpAddress = Annotated[str, Text("an IP address", is_ip, r"^[0-9a-fA-F:.]+$")]
ChartVersion = Annotated[str, Text("a chart version", is_semver, _SEMVER.pattern)]
Url = Annotated[str, Text('a URL such as "https://avi.example.com"', is_url, _URL.pattern)]
ChartRepository = Annotated[
    str,
    Text(
        'a chart repository: an OCI registry path such as "oci://registry.example.com/charts" or a classic repository '
        'such as "https://charts.example.com"',
        is_chart_repository,
        _CHART_REPOSITORY.pattern,
    ),
]
Name = Annotated[str, Text("a name", lambda v: bool(v.strip()), r"\S")]
AnyString = Annotated[str, Text("a string")]
Replicas = Annotated[int, IntegerRange(1, 50)]
"""How many pods of a gateway or controller run."""
