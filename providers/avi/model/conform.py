"""Bodies against the model: validation, unknown-field pruning, integer coercion and
controller-default recognition. Pure functions; the provider and the emulator share them.
"""

from __future__ import annotations

import difflib
import ipaddress
from collections.abc import Callable, Mapping
from typing import Any

from . import (
    CONTEXT_FIELDS,
    DEFAULT_REF_NAMES,
    DERIVED,
    PROSE_DEFAULTS,
    RUNTIME_FIELDS,
    SERVER_ASSIGNED,
    AviModel,
    Field,
    ref_path,
)

Problem = tuple[str, str]
Unknown = Callable[[Any], bool]


def _never(_: Any) -> bool:
    return False


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def kind_of(value: Any) -> str:
    """What ``value`` is, for messages, without the value itself: an input may be a secret or a
    megabyte of PEM, and a message may end up in a pull-request comment."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return f"a string of {len(value)} character{'s' if len(value) != 1 else ''}"
    if isinstance(value, list):
        return f"a list of {len(value)} item{'s' if len(value) != 1 else ''}"
    if isinstance(value, dict):
        return f"an object with {len(value)} field{'s' if len(value) != 1 else ''}"
    return f"a {type(value).__name__}"


def suggest(name: str, choices: Mapping[str, Any]) -> str:
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _ref_parts(value: str) -> tuple[str, str | None] | None:
    """(type, uuid-or-name) of a reference such as ``/api/pool?name=x`` or a full URL."""
    text = value.split("#", 1)[0]
    if "/api/" not in text:
        return None
    tail = text.split("/api/", 1)[1]
    type_ = tail.split("?", 1)[0].split("/", 1)[0]
    return (type_, tail) if type_ else None


class Validator:
    """Walks a body along the model and collects ``(path, reason)`` problems."""

    def __init__(
        self,
        model: AviModel,
        *,
        unknown: Unknown = _never,
        version: tuple[int, ...] | None = None,
        lenient_scalars: bool = False,
        ip_literals: bool = True,
    ):
        self.model = model
        # a recorded controller stored {"addr": "avi-controller", "type": "V4"}; the provider
        # is stricter than that on purpose, the emulator is not
        self.ip_literals = ip_literals
        self.unknown = unknown
        self.version = version
        # the controller coerces "80" / "true" for typed fields; a program should not rely on it
        self.lenient = lenient_scalars
        self.problems: list[Problem] = []

    def _add(self, path: str, reason: str) -> None:
        self.problems.append((path, reason))

    def object(self, type_name: str, value: Any, path: str, top: bool = False) -> None:
        if self.unknown(value):
            return
        if not isinstance(value, dict):
            self._add(path, f"must be an object ({type_name}), got {kind_of(value)}")
            return
        fields = self.model.fields(type_name)
        runtime = RUNTIME_FIELDS.get(type_name, frozenset())
        for key, item in value.items():
            where = _join(path, key)
            spec = fields.get(key)
            if spec is None:
                if key in runtime:
                    continue
                shown = f"'{key}'" if len(key) <= 64 else f"of {len(key)} characters"
                self._add(where, f"unknown field {shown} for {type_name}{suggest(key, fields)}")
                continue
            if item is None:
                continue
            if spec.introduced and self.version and spec.introduced > self.version:
                self._add(
                    where,
                    f"field '{key}' needs controller API version "
                    f"{'.'.join(map(str, spec.introduced))} or later (configured "
                    f"{'.'.join(map(str, self.version))})",
                )
            self.value(spec, item, where)
        for key, spec in fields.items():
            if (
                spec.required
                and not spec.has_default
                and (type_name, key) not in SERVER_ASSIGNED
                and value.get(key) is None
                and not top
            ):
                self._add(_join(path, key), f"{key} is required in {type_name}")
        self._semantic(type_name, value, path)

    def value(self, spec: Field, value: Any, path: str) -> None:
        if self.unknown(value):
            return
        if spec.type == "object":
            self.object(spec.object or "", value, path)
        elif spec.type == "array":
            if not isinstance(value, list):
                self._add(path, f"must be {spec.describe()}, got {kind_of(value)}")
                return
            if spec.max_items is not None and len(value) > spec.max_items:
                self._add(path, f"at most {spec.max_items} items allowed, got {len(value)}")
            if spec.min_items is not None and len(value) < spec.min_items:
                self._add(path, f"at least {spec.min_items} item(s) required")
            if spec.items is not None:
                for i, element in enumerate(value):
                    self.value(spec.items, element, f"{path}[{i}]")
        else:
            self.scalar(spec, value, path)

    def scalar(self, spec: Field, value: Any, path: str) -> None:
        expected = spec.describe()
        if spec.type == "integer":
            number = _as_int(value, self.lenient)
            if number is None:
                self._add(path, f"must be {expected}, got {kind_of(value)}")
            elif (
                spec.min is not None
                and spec.max is not None
                and not spec.min <= number <= spec.max
                and number not in spec.special
            ):
                self._add(path, f"must be {expected}, got {number}")
        elif spec.type == "number":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                self._add(path, f"must be a number, got {kind_of(value)}")
        elif spec.type == "boolean":
            if not isinstance(value, bool) and not (
                self.lenient and isinstance(value, str) and value.lower() in ("true", "false")
            ):
                self._add(path, f"must be true or false, got {kind_of(value)}")
        else:
            if not isinstance(value, str):
                self._add(path, f"must be {expected}, got {kind_of(value)}")
            elif spec.enum and value not in spec.enum:
                self._add(path, f"is not one of {', '.join(spec.enum)}{suggest(value, dict.fromkeys(spec.enum))}")
            elif spec.ref:
                parts = _ref_parts(value)
                if parts is None:
                    self._add(
                        path,
                        f"must be a reference to a {spec.ref} such as "
                        f"'/api/{ref_path(spec.ref)}?name=<name>', got "
                        f"{kind_of(value)}",
                    )
                elif parts[0] != ref_path(spec.ref):
                    self._add(
                        path, f"refers to a {parts[0]}, but must refer to a {spec.ref} (/api/{ref_path(spec.ref)}/...)"
                    )

    def _semantic(self, type_name: str, value: dict[str, Any], path: str) -> None:
        """Rules the swagger states in prose only: IP literals, prefix masks, and a health
        monitor's receive timeout below its send interval."""
        if type_name == "HealthMonitor":
            fields = self.model.fields(type_name)
            send = value.get("send_interval", fields["send_interval"].default)
            receive = value.get("receive_timeout", fields["receive_timeout"].default)
            if self.unknown(send) or self.unknown(receive):
                return
            send_n, receive_n = _as_int(send, self.lenient), _as_int(receive, self.lenient)
            if send_n is not None and receive_n is not None and receive_n >= send_n:
                self._add(
                    _join(path, "receive_timeout"), f"must be less than send_interval ({send_n}), got {receive_n}"
                )
        elif type_name == "IpAddr" and self.ip_literals:
            problem = ip_problem(value, self.unknown)
            if problem:
                self._add(_join(path, "addr"), problem)
        elif type_name == "IpAddrPrefix":
            ip, mask = value.get("ip_addr"), value.get("mask")
            if self.unknown(ip) or self.unknown(mask) or not isinstance(ip, dict):
                return
            if ip_problem(ip, self.unknown):
                return  # not an IP literal: reported on ip_addr.addr (provider) or accepted
            limit = 128 if ip.get("type") == "V6" else 32
            number = _as_int(mask, self.lenient)
            if number is None or not 0 <= number <= limit:
                got = mask if isinstance(mask, int) and not isinstance(mask, bool) else kind_of(mask)
                self._add(
                    _join(path, "mask"), f"must be an integer 0-{limit} for a {ip.get('type', 'V4')} prefix, got {got}"
                )
                return
            try:
                ipaddress.ip_network(f"{ip['addr']}/{number}", strict=True)
            except ValueError:
                network = ipaddress.ip_network(f"{ip['addr']}/{number}", strict=False)
                self._add(path, f"has host bits set for a /{number}; use the network address {network.network_address}")


def _as_int(value: Any, lenient: bool) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if lenient and isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return None


def ip_problem(value: Mapping[str, Any], unknown: Unknown = _never) -> str | None:
    addr, kind = value.get("addr"), value.get("type", "V4")
    if unknown(addr) or unknown(kind) or kind == "DNS" or addr is None:
        return None
    try:
        parsed = ipaddress.ip_address(addr)
    except (ValueError, TypeError):
        return f"is not an IP address ({kind_of(addr)}); use an address such as 10.0.0.1 or fd00::1"
    if (kind == "V4") != (parsed.version == 4):
        return f"is an IPv{parsed.version} address but type is {kind}"
    return None


def validate(
    model: AviModel,
    kind: str,
    body: Mapping[str, Any],
    *,
    unknown: Unknown = _never,
    version: tuple[int, ...] | None = None,
    lenient: bool = False,
    ip_literals: bool = True,
) -> list[Problem]:
    """Every problem of ``body`` as an object of ``kind``, each with its field path."""
    checker = Validator(model, unknown=unknown, version=version, lenient_scalars=lenient, ip_literals=ip_literals)
    checker.object(model.model_of(kind), body, "", top=True)
    return checker.problems


# ----- pruning and coercion (the emulator's "what the controller keeps") ---------------------
def prune_unknown(model: AviModel, kind: str, body: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """``body`` without the fields the model does not have (recursively) and their paths."""
    dropped: list[str] = []

    def walk(type_name: str, value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            return value
        fields = model.fields(type_name)
        out = {}
        for key, item in value.items():
            spec = fields.get(key)
            if spec is None:
                if key not in RUNTIME_FIELDS.get(type_name, ()):
                    dropped.append(_join(path, key))
                continue
            out[key] = along(spec, item, _join(path, key))
        return out

    def along(spec: Field, value: Any, path: str) -> Any:
        if spec.type == "object":
            return walk(spec.object or "", value, path)
        if spec.type == "array" and isinstance(value, list) and spec.items is not None:
            return [along(spec.items, v, f"{path}[{i}]") for i, v in enumerate(value)]
        return value

    return walk(model.model_of(kind), body, ""), dropped


def coerce(model: AviModel, kind: str, body: Any, *, strings: bool = False) -> Any:
    """Integer fields as ints (gRPC carries whole numbers as doubles); with ``strings`` also
    ``"80"`` -> 80 and ``"true"`` -> True, as the controller does for typed fields."""

    def walk(type_name: str, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        fields = model.fields(type_name)
        return {k: along(fields[k], v) if k in fields else v for k, v in value.items()}

    def along(spec: Field, value: Any) -> Any:
        if spec.type == "object":
            return walk(spec.object or "", value)
        if spec.type == "array":
            if isinstance(value, list) and spec.items is not None:
                return [along(spec.items, v) for v in value]
            return value
        if spec.type == "integer":
            number = _as_int(value, strings)
            return value if number is None else number
        if spec.type == "boolean" and strings and isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        return value

    return walk(model.model_of(kind), body)


# ----- controller defaults -------------------------------------------------------------------
def _ref_name(value: Any) -> str | None:
    if isinstance(value, str) and "#" in value:
        return value.rsplit("#", 1)[1]
    if isinstance(value, str) and "name=" in value:
        return value.split("name=", 1)[1].split("&", 1)[0]
    return None


def is_controller_default(model: AviModel, type_name: str, key: str, value: Any, sibling: Mapping[str, Any]) -> bool:
    """Whether ``value`` is what the controller puts in ``key`` when a program leaves it out."""
    spec = model.fields(type_name).get(key)
    if spec is None:
        return key in RUNTIME_FIELDS.get(type_name, ())
    if spec.read_only or key in CONTEXT_FIELDS:
        return True
    if (type_name, key) in DERIVED or (type_name, "*") in DERIVED:
        return _derived(type_name, key, value, sibling)
    default_ref = DEFAULT_REF_NAMES.get(type_name, {}).get(key)
    if default_ref is not None:
        return _ref_name(value) == default_ref
    if (type_name, key) in PROSE_DEFAULTS:
        return PROSE_DEFAULTS[(type_name, key)] == value
    if spec.has_default:
        return _same_scalar(spec.default, value)
    if spec.type == "object" and isinstance(value, dict):
        return all(is_controller_default(model, spec.object or "", k, v, value) for k, v in value.items())
    # no stated default: the controller's protobuf model reads an unset field back as its zero
    # value (recorded: pool max_concurrent_connections_per_server 0, servers[].static false)
    if spec.type == "boolean":
        return value is False
    if spec.type == "integer":
        return not isinstance(value, bool) and value == 0
    return False


def _same_scalar(default: Any, value: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool) and default == value
    if isinstance(default, (int, float)) and isinstance(value, (int, float)):
        return float(default) == float(value)
    return default == value


def _derived(type_name: str, key: str, value: Any, sibling: Mapping[str, Any]) -> bool:
    if (type_name, key) == ("Service", "port_range_end"):
        return value in (sibling.get("port"), 0)
    if (type_name, key) == ("Server", "hostname"):
        return value == (sibling.get("ip") or {}).get("addr")
    if type_name == "SSLCertificate":
        return key != "certificate" and bool(sibling.get("certificate"))
    return (type_name, key) in (("Vip", "vip_id"), ("SSLKeyAndCertificate", "key_params"))


def strip_defaults(model: AviModel, type_name: str, value: Any) -> Any:
    """``value`` without fields the controller defaulted, recursively (what import keeps)."""
    if not isinstance(value, dict):
        return value
    fields = model.fields(type_name)
    out = {}
    for key, item in value.items():
        if is_controller_default(model, type_name, key, item, value):
            continue
        spec = fields.get(key)
        if spec is None:
            continue
        if spec.type == "object":
            item = strip_defaults(model, spec.object or "", item)
        elif spec.type == "array" and spec.items is not None and spec.items.type == "object" and isinstance(item, list):
            item = [strip_defaults(model, spec.items.object or "", v) for v in item]
        out[key] = item
    return out
