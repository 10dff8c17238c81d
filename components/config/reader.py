"""Typed, path-aware reading of structured stack configuration.

`ConfigNode` wraps one value of a stack file together with its key path
(`mesh-platform:cluster.eks.nodeGroup.minSize`). Every accessor returns a usable
value (the default when the input is wrong) and records what was wrong in a
shared `Problems` list, so a loader can read a whole stack file and report every
mistake at once instead of stopping at the first.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Optional, Sequence, TypeVar

import pulumi

T = TypeVar("T")

_REQUIRED = object()

DNS_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
"""A Kubernetes/RFC 1123 DNS label (namespace names, service names)."""

_HOST_LABEL = re.compile(r"^(\*|[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)$")


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


@dataclass(frozen=True)
class Problem:
    """One configuration mistake: where it is and what would be valid."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class ConfigError(pulumi.RunError):
    """Raised once, before any resource is declared, listing every problem found.

    A `RunError`, so `pulumi preview` prints the problems without a Python traceback.
    """

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"invalid stack configuration ({len(self.problems)} problem(s)):\n{lines}")


@dataclass
class Problems:
    """Collects problems while a stack file is read."""

    items: list[Problem] = field(default_factory=list)

    def add(self, path: str, message: str) -> None:
        self.items.append(Problem(path, message))

    def raise_if_any(self) -> None:
        if self.items:
            raise ConfigError(self.items)


def _describe(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return repr(value)


class ConfigNode:
    """A config value at a key path, with typed accessors that record problems."""

    def __init__(self, value: Any, path: str, problems: Problems):
        self.value = value
        self.path = path
        self.problems = problems

    # -- navigation -----------------------------------------------------------------

    def _child_path(self, key: str) -> str:
        # A root path ends with the namespace separator: "mesh-platform:" + "cluster".
        if not self.path or self.path.endswith(":"):
            return f"{self.path}{key}"
        return f"{self.path}.{key}"

    def _raw(self, key: str) -> Any:
        return self.value.get(key) if isinstance(self.value, dict) else None

    def has(self, key: str) -> bool:
        return isinstance(self.value, dict) and key in self.value and self.value[key] is not None

    def child(self, key: str) -> "ConfigNode":
        """The object under `key`; an absent key reads as an empty object."""
        raw = self._raw(key)
        path = self._child_path(key)
        if raw is None:
            return ConfigNode({}, path, self.problems)
        if not isinstance(raw, dict):
            self.problems.add(path, f"expected an object; got {_describe(raw)}")
            return ConfigNode({}, path, self.problems)
        return ConfigNode(raw, path, self.problems)

    def children(self, key: str) -> list["ConfigNode"]:
        """The list of objects under `key` (absent: empty list)."""
        raw = self._raw(key)
        path = self._child_path(key)
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.problems.add(path, f"expected a list of objects; got {_describe(raw)}")
            return []
        nodes = []
        for index, item in enumerate(raw):
            item_path = f"{path}[{index}]"
            if not isinstance(item, dict):
                self.problems.add(item_path, f"expected an object; got {_describe(item)}")
                continue
            nodes.append(ConfigNode(item, item_path, self.problems))
        return nodes

    def allow_only(self, keys: Iterable[str]) -> None:
        """Report keys this object does not know, so typos are not silently ignored."""
        if not isinstance(self.value, dict):
            return
        known = list(keys)
        for key in self.value:
            if key not in known:
                self.problems.add(
                    self._child_path(key),
                    f"unknown setting; expected one of {', '.join(known)}",
                )

    # -- scalars --------------------------------------------------------------------

    def _missing(self, key: str, default: Any, what: str) -> Any:
        if default is _REQUIRED:
            self.problems.add(self._child_path(key), f"required; expected {what}")
            return None
        return default

    def string(
        self,
        key: str,
        default: Any = _REQUIRED,
        *,
        choices: Optional[Sequence[str]] = None,
        check: Optional[Callable[[str], bool]] = None,
        expected: str = "a string",
    ) -> Any:
        """A string; `choices` restricts it to an enum, `check` to a format."""
        what = f"one of {', '.join(choices)}" if choices else expected
        raw = self._raw(key)
        if raw is None:
            return self._missing(key, default, what)
        path = self._child_path(key)
        if not isinstance(raw, str):
            self.problems.add(path, f"expected {what}; got {_describe(raw)}")
            return None if default is _REQUIRED else default
        if choices is not None and raw not in choices:
            self.problems.add(path, f"expected one of {', '.join(choices)}; got {_describe(raw)}")
            return None if default is _REQUIRED else default
        if check is not None and not check(raw):
            self.problems.add(path, f"expected {what}; got {_describe(raw)}")
            return None if default is _REQUIRED else default
        return raw

    def integer(
        self,
        key: str,
        default: Any = _REQUIRED,
        *,
        minimum: Optional[int] = None,
        maximum: Optional[int] = None,
    ) -> Any:
        """An integer within [minimum, maximum]."""
        bounds = _bounds_text(minimum, maximum)
        raw = self._raw(key)
        if raw is None:
            return self._missing(key, default, f"an integer{bounds}")
        path = self._child_path(key)
        if isinstance(raw, bool) or not isinstance(raw, int):
            self.problems.add(path, f"expected an integer{bounds}; got {_describe(raw)}")
            return None if default is _REQUIRED else default
        if (minimum is not None and raw < minimum) or (maximum is not None and raw > maximum):
            self.problems.add(path, f"expected an integer{bounds}; got {raw}")
            return None if default is _REQUIRED else default
        return raw

    def number(self, key: str, default: Any = _REQUIRED, *, minimum: float, maximum: float) -> Any:
        """A number (int or float) within [minimum, maximum]."""
        bounds = _bounds_text(minimum, maximum)
        raw = self._raw(key)
        if raw is None:
            return self._missing(key, default, f"a number{bounds}")
        if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not minimum <= raw <= maximum:
            self.problems.add(self._child_path(key), f"expected a number{bounds}; got {_describe(raw)}")
            return None if default is _REQUIRED else default
        return float(raw)

    def boolean(self, key: str, default: Any = _REQUIRED) -> Any:
        """true or false."""
        raw = self._raw(key)
        if raw is None:
            return self._missing(key, default, "true or false")
        if not isinstance(raw, bool):
            self.problems.add(self._child_path(key), f"expected true or false; got {_describe(raw)}")
            return None if default is _REQUIRED else default
        return raw

    def strings(
        self,
        key: str,
        default: Any = _REQUIRED,
        *,
        check: Optional[Callable[[str], bool]] = None,
        expected: str = "a string",
        non_empty: bool = False,
    ) -> Any:
        """A list of strings, each optionally checked; returned as a tuple."""
        raw = self._raw(key)
        path = self._child_path(key)
        if raw is None:
            value = self._missing(key, default, f"a list, each {expected}")
            return tuple(value) if value is not None else ()
        if not isinstance(raw, list):
            self.problems.add(path, f"expected a list, each {expected}; got {_describe(raw)}")
            return ()
        if non_empty and not raw:
            self.problems.add(path, f"expected at least one {expected}")
        good = []
        for index, item in enumerate(raw):
            if not isinstance(item, str) or (check is not None and not check(item)):
                self.problems.add(f"{path}[{index}]", f"expected {expected}; got {_describe(item)}")
                continue
            good.append(item)
        return tuple(good)

    def string_map(self, key: str) -> dict[str, str]:
        """An object of string values (labels, tags, annotations)."""
        raw = self._raw(key)
        path = self._child_path(key)
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            self.problems.add(path, f"expected an object of strings; got {_describe(raw)}")
            return {}
        result = {}
        for k, v in raw.items():
            if not isinstance(v, str):
                self.problems.add(f"{path}.{k}", f"expected a string; got {_describe(v)}")
                continue
            result[k] = v
        return result

    def problem(self, key: Optional[str], message: str) -> None:
        """Record a cross-field problem at this node (or at one of its keys)."""
        self.problems.add(self._child_path(key) if key else self.path, message)


def _bounds_text(minimum: Optional[float], maximum: Optional[float]) -> str:
    if minimum is not None and maximum is not None:
        return f" from {minimum} to {maximum}"
    if minimum is not None:
        return f" of at least {minimum}"
    if maximum is not None:
        return f" of at most {maximum}"
    return ""
