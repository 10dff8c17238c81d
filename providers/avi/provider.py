"""Pulumi dynamic ResourceProvider implementations: one generic provider for every kind in
kinds.py, and one for static routes.

The instances are pickled into each resource's ``__provider`` blob, so they hold nothing but
the kind name; settings and the HTTP session are made in the provider process (configure()
and first use) and never pickled.
"""

from __future__ import annotations

import ipaddress
from dataclasses import replace
from typing import Any

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from . import compare, concurrency, first_contact, readback, shapes, validation
from .client import AviSession, shared_session
from .crud import SENSITIVE, ObjectApi, Owner, outcome_unknown, without_owner_marker
from .errors import AviApiError
from .keys import key_matches_certificate
from .kinds import KINDS, OUTPUT_ONLY, OWNER_INPUT, Kind
from .model import conform
from .model import load as load_model
from .routes import RouteAddress, StaticRouteApi
from .settings import ControllerSettings, SettingsError

_NOT_MANAGED = OUTPUT_ONLY | {OWNER_INPUT, "__provider"}
# what import leaves out besides server-owned fields: bookkeeping and values the controller fills
_NOT_IMPORTED = frozenset({"created_by", "tenant_ref", "cloud_ref"})


def managed(props: dict[str, Any]) -> dict[str, Any]:
    """The Avi fields the program manages (inputs minus provider bookkeeping)."""
    return {k: v for k, v in props.items() if k not in _NOT_MANAGED and v is not None}


def _copy_missing(source: dict[str, Any], target: dict[str, Any], path: list[str]) -> None:
    """Copy ``source[path]`` into ``target`` where the controller's answer left it out."""
    head, rest = path[0], path[1:]
    if head not in source:
        return
    if not rest:
        target.setdefault(head, source[head])
    elif isinstance(source[head], dict) and isinstance(target.get(head), dict):
        _copy_missing(source[head], target[head], rest)


class _ControllerProvider(ResourceProvider):
    """Shared plumbing: settings from configure() or the environment, a lazily built session."""

    def configure(self, req: ConfigureRequest) -> None:
        self._config = req.config  # what preflight checks (first_contact.py)
        try:
            self._settings: ControllerSettings | None = ControllerSettings.resolve(req.config)
            self._settings_error: SettingsError | None = None
            concurrency.serve_at_once(self._settings.max_concurrent_requests)
        except SettingsError as exc:
            # Reported on the first call that needs the controller, so check/diff still work.
            self._settings, self._settings_error = None, exc

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def _session(self) -> AviSession:
        settings = getattr(self, "_settings", None)
        if settings is None:
            error = getattr(self, "_settings_error", None)
            if error is not None:
                raise error
            settings = ControllerSettings.resolve(None)
        return shared_session(settings)

    def _preflight(self, kind: str, creating: bool) -> None:
        session = self._session()
        needs = first_contact.needs_from_config(getattr(self, "_config", None), session.settings)
        first_contact.FIRST_CONTACT.ensure(session, session.settings, needs, kind, creating)

    def _owner(self, props: dict[str, Any]) -> Owner:
        kind = getattr(self, "_kind", None)
        carriers = kind.ownership if kind is not None else frozenset({"created_by", "markers"})
        return Owner(self._session().settings.created_by, props.get(OWNER_INPUT), carriers)


class AviObjectProvider(_ControllerProvider):
    """Create/read/update/delete for one Avi object kind (``kind`` is a key of KINDS)."""

    def __init__(self, kind: str):
        super().__init__()
        if kind not in KINDS:
            raise ValueError(f"unknown Avi kind {kind!r}; known: {sorted(KINDS)}")
        self.kind = kind

    @property
    def _kind(self) -> Kind:
        return KINDS[self.kind]

    def _api(self) -> ObjectApi:
        return ObjectApi(self._session(), self._kind)

    def _body(self, props: dict[str, Any]) -> dict[str, Any]:
        """The managed fields as the controller expects them: integers as integers (the
        engine's gRPC carries every number as a double)."""
        return conform.coerce(load_model(), self.kind, managed(props))

    def _outs(self, desired: dict[str, Any], live: dict[str, Any], props: dict[str, Any]) -> dict[str, Any]:
        visible = without_owner_marker(live)
        outs: dict[str, Any] = {}
        for key, want in desired.items():
            if key in self._kind.secret or key not in visible:
                outs[key] = want  # write-only on the controller: keep what was sent
            else:
                outs[key] = shapes.project(want, visible[key], key)
        for path in self._kind.echo_omits:
            _copy_missing(desired, outs, path.split("."))
        outs["uuid"] = live["uuid"]
        outs["url"] = shapes.strip_fragment(live["url"])
        if props.get(OWNER_INPUT):
            outs[OWNER_INPUT] = props[OWNER_INPUT]
        return outs

    def _version(self) -> tuple[int, ...] | None:
        settings = getattr(self, "_settings", None)
        if settings is None:
            return None
        try:
            return tuple(int(p) for p in settings.version.split("."))
        except ValueError:
            return None

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        inputs = {k: shapes.normalise(v) for k, v in news.items() if v is not None and k != "__provider"}
        for key, value in self._kind.defaults.items():
            inputs.setdefault(key, value)
        body = {k: v for k, v in inputs.items() if k != OWNER_INPUT}
        failures = [CheckFailure(p, r) for p, r in validation.validate(self._kind, body, self._version())]
        return CheckResult(inputs, failures)

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        new, old = managed(news), managed(olds)
        model = load_model()
        secret = self._kind.secret
        changed = compare.changed_fields(model, self._kind.model, new, old, skip=secret)
        changed += sorted(k for k in secret & (new.keys() | old.keys()) if self._secret_changed(k, new, old))
        replaces = self._replacing(model, changed, new, old)
        # Avi names are unique per tenant: a replacement that keeps the name cannot be
        # created next to the old object, so the old one goes first
        return DiffResult(changes=bool(changed), replaces=replaces, delete_before_replace=bool(replaces))

    def _replacing(self, model: Any, changed: list[str], new: dict[str, Any], old: dict[str, Any]) -> list[str]:
        """Which changes force a replacement: the top-level keys (so `pulumi preview --diff`
        marks them), each followed by the exact paths inside keyed lists (what `--json` lists
        as replaceReasons)."""
        kind = self._kind
        # dropping a field from the program only stops managing it; that never replaces
        replaces = [k for k in changed if k in kind.immutable and k in new and k in old]
        replaces += [k for k in changed if k in kind.follows and k in old and shapes.is_unknown(new.get(k))]
        for items in kind.immutable_items:
            if items.field not in changed:
                continue
            paths = compare.keyed_item_changes(model, kind.model, items, new, old)
            if paths:
                replaces += [items.field] + [p for p in paths if p != items.field]
        return replaces

    def _secret_changed(self, key: str, new: dict[str, Any], old: dict[str, Any]) -> bool:
        if shapes.is_unknown(new.get(key)):
            return True
        if key in old and old[key] != SENSITIVE:
            return new.get(key) != old[key]
        # not in state (imported): the controller never returns it. A key is unchanged when it
        # belongs to the certificate the controller holds; a passphrase cannot be compared.
        if key == "key" and key in new:
            cert = (old.get("certificate") or {}).get("certificate")
            return key_matches_certificate(new["key"], cert, new.get("key_passphrase")) is False
        return False

    def _secrets(self, props: dict[str, Any]) -> list[tuple[str, str]]:
        """``(field, text)`` of every string inside the kind's secret fields."""
        found = []
        for key in self._kind.secret:
            stack = [props.get(key)]
            while stack:
                item = stack.pop()
                if isinstance(item, str):
                    found.append((key, item))
                elif isinstance(item, dict):
                    stack += list(item.values())
                elif isinstance(item, list):
                    stack += item
        return found

    def create(self, props: dict[str, Any]) -> CreateResult:
        self._preflight(self.kind, creating=True)
        desired = self._body(props)
        try:
            live = self._api().create(desired, self._owner(props))
        except AviApiError as exc:
            raise exc.without(self._secrets(props)) from None
        return CreateResult(live["uuid"], self._outs(desired, live, props))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        desired = managed(props)
        importing = not desired
        live = self._api().get(id_)
        if live is None:
            return ReadResult(None, {})
        if importing:
            drop = self._kind.server_owned | _NOT_IMPORTED | self._kind.secret
            kept = {k: v for k, v in without_owner_marker(live).items() if k not in drop}
            desired = conform.strip_defaults(load_model(), self._kind.model, kept)
            desired["name"] = live.get("name")
        outs = self._outs(desired, live, props)
        inputs = managed(outs) if importing else None
        return ReadResult(id_, outs, inputs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        self._preflight(self.kind, creating=False)
        desired = self._body(news)
        dropped = managed(olds).keys() - desired.keys()
        try:
            try:
                live = self._api().update(id_, desired, dropped, self._owner(news))
            except AviApiError as exc:
                live = self._after_failed_update(id_, desired, dropped, news, exc)
        except AviApiError as exc:
            raise exc.without(self._secrets(news) + self._secrets(olds)) from None
        return UpdateResult(self._outs(desired, live, news))

    def _after_failed_update(
        self, id_: str, desired: dict[str, Any], dropped: set[str], news: dict[str, Any], error: AviApiError
    ) -> dict[str, Any]:
        """Read the object back after a failed update. A dynamic provider cannot hand the
        engine new state with an error, so: when the outcome was unknown and the controller
        holds everything that was sent, the update did happen and counts as done (the live
        object is returned); otherwise the error says what the controller now holds."""
        if error.status == 404:
            raise error
        try:
            live = self._api().get(id_)
        except AviApiError as again:
            raise replace(
                error, message=f"{error.message}; reading the object back failed too ({again.message})"
            ) from None
        if live is None:
            raise replace(error, message=f"{error.message}; the object no longer exists on the controller") from None
        outs = self._outs(desired, live, news)
        visible = without_owner_marker(live)
        # a field the live object lacks is not held, whatever _outs keeps for the state
        held = {
            **{k: v for k, v in managed(outs).items() if k in visible},
            **{k: visible[k] for k in dropped if k in visible},
        }
        result = readback.compare_held(load_model(), self._kind.model, desired, held, dropped, self._kind.secret)
        if result.applied and outcome_unknown(error):
            return live
        raise replace(
            error,
            message=f"{error.message}; {readback.describe(result, desired, held)}",
            hint=_update_hint(error, result),
        ) from None

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        self._api().delete(id_, props.get("name"))


def _update_hint(error: AviApiError, result: readback.ReadBack) -> str:
    if outcome_unknown(error):
        return (
            "run `pulumi up` again: it refreshes from the controller first "
            "(Pulumi.yaml options.refresh: always) and sends what still differs"
        )
    return error.hint


def _ip_object(value: Any) -> Any:
    if isinstance(value, str):
        addr = ipaddress.ip_address(value)
        return {"addr": str(addr), "type": "V4" if addr.version == 4 else "V6"}
    return value


def _prefix_object(value: Any) -> Any:
    if isinstance(value, str):
        net = ipaddress.ip_network(value, strict=True)
        return {
            "ip_addr": {"addr": str(net.network_address), "type": "V4" if net.version == 4 else "V6"},
            "mask": net.prefixlen,
        }
    return value


_ROUTE_FIELDS = ("route_id", "prefix", "next_hop", "if_name", "disable_gateway_monitor", "labels")
_ROUTE_ADDRESS = ("cloud", "vrf", "route_id")
# check-only input: a default route (0.0.0.0/0, ::/0) is refused unless the resource sets it
ALLOW_DEFAULT_ROUTE = "allow_default_route"
_ROUTE_KIND = Kind(path="vrfcontext")  # for the string bounds: a route carries no PEMs


class AviStaticRouteProvider(_ControllerProvider):
    """One entry of a VRF context's ``static_routes``, addressed by cloud, VRF and route_id."""

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        inputs = {k: shapes.normalise(v) for k, v in news.items() if v is not None and k != "__provider"}
        inputs.setdefault("vrf", "global")
        inputs.setdefault("cloud", "Default-Cloud")
        failures: list[CheckFailure] = []
        for key in ("vrf", "cloud", "route_id"):
            problem = validation.check_name(inputs.get(key), key)
            if problem:
                failures.append(CheckFailure(key, problem))
        allow_default = inputs.get(ALLOW_DEFAULT_ROUTE, False)
        if not shapes.is_unknown(allow_default) and not isinstance(allow_default, bool):
            failures.append(
                CheckFailure(ALLOW_DEFAULT_ROUTE, f"must be true or false, got {conform.kind_of(allow_default)}")
            )
        for key, convert, checker in (
            ("prefix", _prefix_object, validation.check_cidr),
            ("next_hop", _ip_object, None),
        ):
            value = inputs.get(key)
            if value is None:
                failures.append(CheckFailure(key, f"{key} is required"))
                continue
            if shapes.is_unknown(value):
                continue
            if isinstance(value, str):
                problem = (
                    checker(value)
                    if checker
                    else validation.check_ip({"addr": value, "type": "V6" if ":" in value else "V4"})
                )
                if problem:
                    failures.append(CheckFailure(key, problem))
                    continue
                inputs[key] = convert(value)
            elif key == "next_hop":
                problem = validation.check_ip(value)
                if problem:
                    failures.append(CheckFailure(key, problem))
        labels = inputs.get("labels")
        if isinstance(labels, list) and len(labels) > 1:
            failures.append(CheckFailure("labels", "a static route carries at most one label"))
        reported = {f.property for f in failures}
        route = {
            k: v for k, v in inputs.items() if k not in _ROUTE_ADDRESS and k != ALLOW_DEFAULT_ROUTE or k == "route_id"
        }
        text, oversized = validation.bounds(_ROUTE_KIND, route)
        failures += [CheckFailure(p, r) for p, r in text if p not in reported]
        if oversized:
            return CheckResult(inputs, failures)
        validator = conform.Validator(load_model(), unknown=shapes.is_unknown)
        validator.object("StaticRoute", route, "")
        failures += [CheckFailure(p, r) for p, r in validator.problems if p.split(".")[0].split("[")[0] not in reported]
        reported = {f.property.split(".")[0] for f in failures}
        failures += [
            CheckFailure(p, r)
            for p, r in validation.route_problems(inputs.get("prefix"), inputs.get("next_hop"), allow_default)
            if p not in reported
        ]
        return CheckResult(inputs, failures)

    @staticmethod
    def _route(props: dict[str, Any]) -> dict[str, Any]:
        return {k: props[k] for k in _ROUTE_FIELDS if props.get(k) is not None}

    @staticmethod
    def _address(props: dict[str, Any]) -> RouteAddress:
        return RouteAddress(props.get("cloud", "Default-Cloud"), props.get("vrf", "global"), props["route_id"])

    def _outs(self, where: RouteAddress, desired: dict[str, Any], live: dict[str, Any]) -> dict[str, Any]:
        outs = {k: shapes.project(v, live[k], k) if k in live else v for k, v in desired.items()}
        return {**outs, "cloud": where.cloud, "vrf": where.vrf, "route_id": where.route_id}

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        keys = set(_ROUTE_FIELDS) | set(_ROUTE_ADDRESS)
        changed = sorted(
            k for k in keys if shapes.is_unknown(news.get(k)) or not shapes.equivalent(news.get(k), olds.get(k), k)
        )
        replaces = [k for k in changed if k in _ROUTE_ADDRESS]
        return DiffResult(changes=bool(changed), replaces=replaces, delete_before_replace=bool(replaces))

    def create(self, props: dict[str, Any]) -> CreateResult:
        where, route = self._address(props), self._route(props)
        self._preflight("vrfcontext", creating=True)
        StaticRouteApi(self._session()).put(where, route, adopt_only=True)
        return CreateResult(where.id, self._outs(where, route, route))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        where = RouteAddress.parse(id_)
        live = StaticRouteApi(self._session()).read(where)
        if live is None:
            return ReadResult(None, {})
        desired = self._route(props) or self._route(live)
        outs = self._outs(where, desired, live)
        return ReadResult(id_, outs, None if self._route(props) else dict(outs))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        where, route = self._address(news), self._route(news)
        self._preflight("vrfcontext", creating=False)
        StaticRouteApi(self._session()).put(where, route, adopt_only=False)
        return UpdateResult(self._outs(where, route, route))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        StaticRouteApi(self._session()).remove(RouteAddress.parse(id_))
