"""Thread-safe object store with tenants, name uniqueness, references and JSON persistence."""

from __future__ import annotations

import builtins
import copy
import json
import os
import threading
import time
import uuid as uuidlib
from dataclasses import dataclass
from typing import Any

from . import defaults, ipam, refs, roles, routing, rules, schema
from .catalog import TYPES, ObjectType
from .certs import CertificateError

ADMIN = "admin"
ADMIN_REF = refs.canonical("tenant", ADMIN)
# Infrastructure the admin tenant (the provider) owns and every tenant uses, as tenants use the
# provider's cloud, networks and SE groups (systemconfiguration.global_tenant_config
# se_in_provider_context / tenant_access_to_provider_se, both true by default).
PROVIDER_SHARED = frozenset({"cloud", "network", "ipamdnsproviderprofile", "serviceenginegroup", "vrfcontext", "role"})


class ApiError(Exception):
    """An error answered to the client as ``status`` with a JSON body."""

    def __init__(self, status: int, body: dict[str, Any]):
        super().__init__(body)
        self.status = status
        self.body = body


def _now_us() -> str:
    return str(time.time_ns() // 1000)


@dataclass(frozen=True)
class Scope:
    """The tenant a request acts in (``None`` = all tenants, header ``*``)."""

    tenant_uuid: str | None


class Store:
    """All controller objects; every public method is atomic under one lock."""

    def __init__(self, path: str | None = None, unknown_fields: str = "ignore"):
        if unknown_fields not in schema.UNKNOWN_FIELD_POLICIES:
            raise ValueError(f"unknown_fields must be one of {schema.UNKNOWN_FIELD_POLICIES}")
        self.unknown_fields = unknown_fields
        self._lock = threading.RLock()
        self.lock = self._lock  # callers may group several calls into one atomic step
        self._path = path
        self._objects: dict[str, dict[str, dict[str, Any]]] = {}
        self._system: set[str] = set()
        self.users: dict[str, str] = {}
        self._last_us = 0
        if path and os.path.exists(path):
            self._load(path)
        else:
            self._seed()

    # ----- persistence ---------------------------------------------------------------
    def _load(self, path: str) -> None:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
        self._objects = data["objects"]
        self._system = set(data["system"])
        self.users = data.get("users", {})

    def _save(self) -> None:
        if not self._path:
            return
        tmp = f"{self._path}.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump({"objects": self._objects, "system": sorted(self._system), "users": self.users}, fh)
        os.replace(tmp, self._path)

    def _seed(self) -> None:
        self._put_raw("tenant", {"uuid": ADMIN, "name": ADMIN, "local": True}, system=True)
        for name, privileges in roles.SYSTEM_ROLES.items():
            self._put_raw(
                "role",
                {
                    "uuid": f"role-{uuidlib.uuid4()}",
                    "name": name,
                    "tenant_ref": ADMIN_REF,
                    "privileges": copy.deepcopy(privileges),
                },
                system=True,
            )
        self._put_raw(
            "systemconfiguration", {"uuid": "default", **copy.deepcopy(defaults.SYSTEM_CONFIGURATION)}, system=True
        )
        cloud_uuid = f"cloud-{uuidlib.uuid4()}"
        for type_, names in defaults.SYSTEM_OBJECTS.items():
            for name in names:
                obj: dict[str, Any] = {
                    "uuid": cloud_uuid if type_ == "cloud" else f"{type_}-{uuidlib.uuid4()}",
                    "name": name,
                    "tenant_ref": ADMIN_REF,
                }
                if TYPES[type_].scope == "cloud":
                    obj["cloud_ref"] = refs.canonical("cloud", cloud_uuid)
                defaults.fill(type_, obj, self)
                if type_ == "vrfcontext":
                    obj["system_default"] = True
                self._put_raw(type_, obj, system=True)
        self._seed_dev_ipam(cloud_uuid)

    def _seed_dev_ipam(self, cloud_uuid: str) -> None:
        """The admin objects the dev stack's VIP network needs (defaults.DEV_IPAM): a network
        with a static VIP range, an internal IPAM profile listing it, and Default-Cloud using
        that profile. Ordinary objects, as an admin would have made them."""
        cloud_ref = refs.canonical("cloud", cloud_uuid)
        vrf_ref = self.system_ref("vrfcontext", "global")
        network_uuid = f"network-{uuidlib.uuid4()}"
        network = defaults.dev_network(cloud_ref, vrf_ref)
        self._put_raw("network", {"uuid": network_uuid, "tenant_ref": ADMIN_REF, **network})
        profile_uuid = f"ipamdnsproviderprofile-{uuidlib.uuid4()}"
        profile = defaults.dev_ipam_profile(refs.canonical("network", network_uuid))
        self._put_raw("ipamdnsproviderprofile", {"uuid": profile_uuid, "tenant_ref": ADMIN_REF, **profile})
        cloud = self._objects["cloud"][cloud_uuid]
        cloud["ipam_provider_ref"] = refs.canonical("ipamdnsproviderprofile", profile_uuid)

    def _put_raw(self, type_: str, obj: dict[str, Any], system: bool = False) -> None:
        obj["_last_modified"] = self._stamp()
        self._objects.setdefault(type_, {})[obj["uuid"]] = obj
        if system:
            self._system.add(obj["uuid"])

    def _stamp(self) -> str:
        # strictly increasing, so two writes in the same microsecond still differ
        now = int(_now_us())
        self._last_us = max(now, self._last_us + 1)
        return str(self._last_us)

    # ----- lookups -------------------------------------------------------------------
    def tenant_uuid(self, name: str | None, uuid: str | None) -> Scope:
        with self._lock:
            if uuid:
                if uuid not in self._objects.get("tenant", {}):
                    raise ApiError(403, {"error": f"Tenant '{uuid}' does not exist!"})
                return Scope(uuid)
            name = name or ADMIN
            if name == "*":
                return Scope(None)
            for obj in self._objects.get("tenant", {}).values():
                if obj["name"] == name:
                    return Scope(obj["uuid"])
            raise ApiError(403, {"error": f"Tenant '{name}' does not exist!"})

    def system_ref(self, type_: str, name: str) -> str:
        for uuid in self._system:
            obj = self._objects.get(type_, {}).get(uuid)
            if obj and obj["name"] == name:
                return refs.canonical(type_, uuid)
        raise ApiError(400, {"error": f"{TYPES[type_].model} object not found"})

    def _visible(self, type_: str, obj: dict[str, Any], scope: Scope) -> bool:
        if scope.tenant_uuid is None or type_ in ("tenant", "systemconfiguration", "user"):
            return True
        owner = obj.get("tenant_ref", ADMIN_REF)
        if type_ in PROVIDER_SHARED and owner == ADMIN_REF:
            return True
        return owner == refs.canonical("tenant", scope.tenant_uuid) or obj["uuid"] in self._system

    # ----- users and roles -----------------------------------------------------------
    def add_user(self, name: str, password: str, role: str = "System-Admin") -> None:
        """A local user with ``role`` in every tenant (kept if the user already exists, as in a
        state file; the password is always set)."""
        with self._lock:
            self.users[name] = password
            if any(u.get("username") == name for u in self.all_of("user")):
                self._save()
                return
            role_ref = self.system_ref("role", role)
            self._put_raw(
                "user",
                {
                    "uuid": f"user-{uuidlib.uuid4()}",
                    "name": name,
                    "username": name,
                    "local": True,
                    "default_tenant_ref": ADMIN_REF,
                    "access": [{"role_ref": role_ref, "tenant_ref": ADMIN_REF, "all_tenants": True}],
                },
            )
            self._save()

    def role_of(self, username: str, tenant_uuid: str | None) -> dict[str, Any] | None:
        """The role ``username`` has in the tenant (``None``: admin), or None."""
        tenant_ref = refs.canonical("tenant", tenant_uuid or ADMIN)
        with self._lock:
            for user in self.all_of("user"):
                if user.get("username", user.get("name")) != username:
                    continue
                for entry in user.get("access") or []:
                    if entry.get("all_tenants") or entry.get("tenant_ref") == tenant_ref:
                        return copy.deepcopy(self.find(entry.get("role_ref", "")))
            return None

    def _take_password(self, type_: str, body: dict[str, Any]) -> dict[str, Any]:
        """A user's password is kept for logins and never stored in, or answered with, the object."""
        if type_ != "user" or "password" not in body:
            return body
        body = dict(body)
        password = body.pop("password")
        login = body.get("username") or body.get("name")
        if isinstance(login, str):  # a body without either has no login to keep a password for
            self.users[login] = password
        return body

    def serviceengine_routes(self) -> list[dict[str, Any]]:
        """Which static routes the SEs of each SE group receive (routing.py)."""
        with self._lock:
            return routing.serviceengine_routes(self)

    def name_of(self, ref: str) -> str | None:
        spec = refs.parse_ref(ref)
        if not spec or not spec.uuid:
            return None
        obj = self._objects.get(spec.type, {}).get(spec.uuid)
        return obj.get("name") if obj else None

    def get(self, type_: str, uuid: str, scope: Scope) -> dict[str, Any]:
        with self._lock:
            obj = self._objects.get(type_, {}).get(uuid)
            if obj is None or not self._visible(type_, obj, scope):
                raise ApiError(404, {"error": TYPES[type_].not_found})
            return copy.deepcopy(obj)

    def list(self, type_: str, scope: Scope) -> list[dict[str, Any]]:
        with self._lock:
            return [copy.deepcopy(o) for o in self._objects.get(type_, {}).values() if self._visible(type_, o, scope)]

    def referrers(self, ref: str) -> builtins.list[tuple[str, dict[str, Any]]]:
        """Objects that hold ``ref`` (canonical) anywhere except in their own tenant/cloud."""
        with self._lock:
            found = []
            for type_, objs in self._objects.items():
                for obj in objs.values():
                    if ref in refs.iter_refs(obj) and refs.canonical(type_, obj["uuid"]) != ref:
                        found.append((type_, copy.deepcopy(obj)))
            return found

    # ----- reference resolution ------------------------------------------------------
    def _resolve(self, value: str, scope: Scope) -> str:
        spec = refs.parse_ref(value)
        if spec is None or spec.type not in TYPES:
            raise ApiError(400, {"error": f"Invalid reference {value}"})
        model = TYPES[spec.type].model
        objs = self._objects.get(spec.type, {})
        if spec.uuid:
            if spec.uuid not in objs:
                raise ApiError(400, {"error": f"{model} object not found"})
            return refs.canonical(spec.type, spec.uuid)
        tenant = scope
        if spec.tenant:
            tenant = self.tenant_uuid(spec.tenant, None)
        matches = [o for o in objs.values() if o["name"] == spec.name and self._visible(spec.type, o, tenant)]
        if spec.cloud:
            matches = [o for o in matches if self.name_of(o.get("cloud_ref", "")) == spec.cloud]
        own = [o for o in matches if o["uuid"] not in self._system]
        matches = own or matches
        if not matches:
            raise ApiError(400, {"error": f"{model} object not found"})
        return refs.canonical(spec.type, matches[0]["uuid"])

    # ----- writes --------------------------------------------------------------------
    def _prepare(
        self, otype: ObjectType, body: dict[str, Any], scope: Scope, keep: dict[str, Any] | None
    ) -> dict[str, Any]:
        try:
            body = schema.enforce(otype.name, body, self.unknown_fields)
        except schema.SchemaError as exc:
            raise ApiError(400, {"error": str(exc)}) from exc
        obj = refs.walk_refs(copy.deepcopy(body), lambda v: self._resolve(v, scope))
        for key in (
            "url",
            "_last_modified",
            "vs_refs",
            "marked_for_delete",
            "redis_db",
            "redis_port",
            "vip_runtime",
            "version",
            "tls_ticket_key",
        ):
            obj.pop(key, None)
        if keep:
            obj["uuid"] = keep["uuid"]
        if otype.scope != "global":
            if keep and "tenant_ref" not in obj and "tenant_ref" in keep:
                obj["tenant_ref"] = keep["tenant_ref"]
            obj.setdefault("tenant_ref", refs.canonical("tenant", scope.tenant_uuid or ADMIN))
        if otype.scope == "cloud":
            obj.setdefault("cloud_ref", (keep or {}).get("cloud_ref") or self.system_ref("cloud", "Default-Cloud"))
        try:
            defaults.fill(otype.name, obj, self)
        except CertificateError as exc:
            raise ApiError(500, {"error": str(exc)}) from exc
        return obj

    def find(self, ref: str) -> dict[str, Any] | None:
        """The object a canonical reference points at (for cross-object rules)."""
        spec = refs.parse_ref(ref)
        if spec is None or not spec.uuid:
            return None
        return self._objects.get(spec.type, {}).get(spec.uuid)

    def all_of(self, type_: str) -> builtins.list[dict[str, Any]]:
        return list(self._objects.get(type_, {}).values())

    def _controller_rules(self, type_: str, obj: dict[str, Any], current: dict[str, Any] | None = None) -> None:
        """Cross-object rules and IPAM (tools/avi_emulator/rules.py, ipam.py)."""
        try:
            if type_ == "vsvip":
                if current is not None:
                    rules.check_vip_changes(obj, current)
                ipam.allocate(obj, self, current)
            rules.check(type_, obj, self)
        except (rules.RuleError, ipam.NoFreeIp, ipam.VipChangeRefused) as exc:
            raise ApiError(400, {"error": str(exc)}) from exc

    def _check_owner(self, type_: str, current: dict[str, Any], scope: Scope) -> None:
        """A VRF context belongs to its tenant (normally admin); a write from another tenant is
        refused with the controller's words (AKO `internal/lib/constants.go:216`
        VrfContextNoPermission; AKO retries it in the admin tenant, rest_operation.go:325-340)."""
        if type_ != "vrfcontext" or scope.tenant_uuid is None:
            return
        owner = current.get("tenant_ref", ADMIN_REF)
        if owner != refs.canonical("tenant", scope.tenant_uuid):
            tenant = self.name_of(owner) or owner
            raise ApiError(
                400,
                {
                    "error": f"Cannot modify VrfContext {current.get('name')} from tenant "
                    f"{self.name_of(refs.canonical('tenant', scope.tenant_uuid))}: "
                    f"it belongs to tenant {tenant}"
                },
            )

    def _check_unique(self, otype: ObjectType, obj: dict[str, Any]) -> None:
        for other in self._objects.get(otype.name, {}).values():
            if other["uuid"] == obj.get("uuid") or other.get("name") != obj.get("name"):
                continue
            same = otype.scope == "global" or other.get("tenant_ref") == obj.get("tenant_ref")
            if otype.scope == "cloud":
                same = same and other.get("cloud_ref") == obj.get("cloud_ref")
            if same:
                raise ApiError(409, {"error": otype.duplicate})

    def create(self, type_: str, body: dict[str, Any], scope: Scope, slug: str | None = None) -> dict[str, Any]:
        otype = TYPES[type_]
        if not body.get("name"):
            raise ApiError(400, {"name": ["This field is required."]})
        with self._lock:
            body = self._take_password(type_, body)
            obj = self._prepare(otype, body, scope, None)
            obj["uuid"] = slug or f"{type_}-{uuidlib.uuid4()}"
            if obj["uuid"] in self._objects.get(type_, {}):
                raise ApiError(409, {"error": f"{otype.model} with this Uuid already exists."})
            self._check_unique(otype, obj)
            self._controller_rules(type_, obj)
            self._put_raw(type_, obj)
            self._save()
            return copy.deepcopy(obj)

    def replace(
        self, type_: str, uuid: str, body: dict[str, Any], scope: Scope, stale_check: bool = True
    ) -> dict[str, Any]:
        """PUT: replace the object. A ``_last_modified`` in the body that is not the stored one
        is refused with 412, on every kind: AKO sees it on VsVip and VrfContext
        (avi-api.md section 3); whether every kind checks it is not on record, and a client
        that sends it wants it checked."""
        otype = TYPES[type_]
        with self._lock:
            current = self.get(type_, uuid, scope)
            self._check_owner(type_, current, scope)
            body = self._take_password(type_, body)
            sent = body.get("_last_modified")
            if stale_check and sent is not None and str(sent) != current["_last_modified"]:
                raise ApiError(412, {"error": f"Concurrent update detected: Need to reload object data {otype.model}"})
            if not body.get("name") and current.get("name"):
                body = {**body, "name": current["name"]}
            obj = self._prepare(otype, body, scope, current)
            if uuid in self._system:
                obj["system_default"] = current.get("system_default", obj.get("system_default"))
            self._check_unique(otype, obj)
            self._controller_rules(type_, obj, current)
            self._put_raw(type_, obj, system=uuid in self._system)
            self._save()
            return copy.deepcopy(obj)

    def delete(self, type_: str, uuid: str, scope: Scope) -> None:
        with self._lock:
            obj = self.get(type_, uuid, scope)
            if uuid in self._system:
                raise ApiError(403, {"error": "Cannot delete system default object"})
            holders = self.referrers(refs.canonical(type_, uuid))
            if holders:
                names = sorted(f"{TYPES[t].model} {o.get('name')}" for t, o in holders)
                raise ApiError(
                    403, {"error": f"Cannot delete, object is referred by: {names}", "obj_name": obj.get("name")}
                )
            self._check_owner(type_, obj, scope)
            del self._objects[type_][uuid]
            if type_ == "user":
                self.users.pop(obj.get("username") or obj.get("name") or "", None)
            self._save()
