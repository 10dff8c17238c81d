"""The controller's REST semantics, independent of the HTTP transport.

``Controller.handle`` takes a parsed request and returns a ``Reply``; server.py only moves
bytes and injects faults.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import Message
from typing import Any
from urllib.parse import parse_qs, urlencode

from . import defaults, refs, roles, runtime
from .auth import AuthFailure, Session, SessionTable, session_cookies
from .catalog import TYPES, ObjectType
from .store import ADMIN, ApiError, Scope, Store
from .versions import CONTROLLER_VERSION, ApiVersion, InvalidVersion

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 200
_ALWAYS_RETURNED = ("url", "uuid", "name")
EMULATOR_PREFIX = "/api/_emulator"
"""Read-only endpoints of the emulator itself, which no controller has: ``faults`` (served by
server.py) and ``serviceengine-routes`` (routing.py)."""
_SECRET_KEYS = ("key", "key_passphrase")
LIST_FILTERS = (
    "name",
    "name.contains",
    "name.icontains",
    "name.in",
    "uuid",
    "uuid.in",
    "created_by",
    "cloud_ref.name",
    "cloud_ref.uuid",
    "refers_to",
    "referred_by",
)
"""Query parameters a list call filters on (any other parameter does not narrow the list)."""


@dataclass
class Request:
    """A parsed HTTP request."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: Mapping[str, str] | Message[str, str]  # a plain mapping or http.server's
    body: bytes
    base_url: str  # scheme://host[:port] as the client reached us


@dataclass
class Reply:
    """What to answer: status, JSON-able body or raw text, extra headers."""

    status: int
    body: Any = None
    text: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    committed: bool = False  # a change was applied (matters for dropped-connection faults)

    def encode(self) -> bytes:
        if self.text is not None:
            return self.text.encode()
        if self.body is None:
            return b""
        return json.dumps(self.body).encode()


def header_text(value: str | None) -> str | None:
    """A header value as the client meant it: HTTP parses headers as Latin-1, so a client's
    UTF-8 bytes (a tenant named in another script) are decoded again as UTF-8."""
    if value is None:
        return None
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def _flag(query: dict[str, list[str]], key: str) -> bool:
    return key in query and query[key][-1].lower() not in ("false", "0")


def _login_body(base: str, username: str, tenants: list[dict[str, Any]]) -> dict[str, Any]:
    version = ".".join(map(str, CONTROLLER_VERSION))
    return {
        "user_initialized": True,
        "version": {
            "build": 9046,
            "Tag": f"{version}-9046-emulator",
            "ProductName": "Avi Cloud Controller",
            "min_version": 15.2,
            "Version": version,
            "Product": "controller",
        },
        "user": {
            "is_superuser": True,
            "default_tenant_ref": f"{base}/api/tenant/admin",
            "name": username,
            "username": username,
            "full_name": "System Administrator",
            "email": "",
            "local": True,
            "uuid": "user-1",
        },
        "tenants": tenants,
        "system_config": {"url": "/api/systemconfiguration", "uuid": "default"},
        "controller": {"api_idle_timeout": 15},
        "session_cookie_name": "avi-sessionid",
    }


def _subset(part: Any, whole: Any) -> bool:
    if isinstance(part, dict) and isinstance(whole, dict):
        return all(k in whole and _subset(v, whole[k]) for k, v in part.items())
    return part == whole


def apply_patch(current: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Classic Avi PATCH: ``add`` appends to lists / sets scalars, ``replace`` sets,
    ``delete`` removes list entries (matched by their given fields) or unsets scalars."""
    obj = copy.deepcopy(current)
    ops = {k: v for k, v in patch.items() if k in ("add", "replace", "delete")}
    if not ops or len(ops) != len(patch):
        raise ApiError(400, {"error": "PATCH body must be one of add, replace, delete"})
    for key, value in ops.get("add", {}).items():
        if isinstance(value, list) and isinstance(obj.get(key), list):
            obj[key] = obj[key] + [v for v in value if v not in obj[key]]
        else:
            obj[key] = value
    obj.update(ops.get("replace", {}))
    for key, value in ops.get("delete", {}).items():
        if isinstance(value, list) and isinstance(obj.get(key), list):
            obj[key] = [e for e in obj[key] if not any(_subset(v, e) for v in value)]
        else:
            obj.pop(key, None)
    return obj


class Controller:
    """One emulated controller: its store, sessions and credentials."""

    def __init__(
        self,
        store: Store,
        sessions: SessionTable,
        username: str,
        password: str,
        ignored_filters: frozenset[str] = frozenset(),
    ):
        self.store = store
        self.sessions = sessions
        store.add_user(username, password, "System-Admin")
        # A fault for client tests: list filters answered as if absent, as an older controller,
        # or a proxy that drops query parameters, would; clients must not trust a filter blindly.
        self.ignored_filters = ignored_filters

    # ----- entry point -------------------------------------------------------------------
    def handle(self, req: Request) -> Reply:
        path = req.path.rstrip("/") or "/"
        session: Session | None = None
        try:
            if path == "/login" and req.method == "POST":
                return self._login(req)
            if path == "/logout" and req.method == "POST":
                return self._logout(req)
            if path == "/api/initial-data" and req.method == "GET":
                return Reply(200, {"version": _login_body(req.base_url, "", [])["version"]})
            if not path.startswith("/api/"):
                return Reply(404, {"detail": "Not found."})
            session = self._authenticate(req)
            if path == f"{EMULATOR_PREFIX}/serviceengine-routes" and req.method == "GET":
                return Reply(200, {"results": self.store.serviceengine_routes()})
            version = ApiVersion.from_header(req.headers.get("X-Avi-Version"))
            reply = self._api(req, path[len("/api/") :].split("/"), session, version)
            reply.headers.append(("AVI_API_VERSION", version.header))
        except InvalidVersion as exc:
            reply = Reply(400, {"error": str(exc)})
        except AuthFailure as exc:
            reply = Reply(exc.status, text=exc.text)
            header = req.headers.get("X-Avi-Version")
            reply.headers.append(("AVI_API_VERSION", header or ApiVersion.from_header(None).header))
            return reply
        except ApiError as exc:
            reply = Reply(exc.status, exc.body)
        if session is not None and not session.basic:
            reply.headers += [
                ("Set-Cookie", c) for c in session_cookies(session, False, req.base_url.startswith("https:"))
            ]
        return reply

    # ----- auth --------------------------------------------------------------------------
    def _login(self, req: Request) -> Reply:
        ctype = req.headers.get("Content-Type", "")
        try:
            if "json" in ctype:
                creds = json.loads(req.body or b"{}")
            else:
                creds = {k: v[-1] for k, v in parse_qs(req.body.decode()).items()}
        except ValueError:
            creds = {}
        user, password = creds.get("username"), creds.get("password")
        if not user or self.store.users.get(user) != password:
            return Reply(401, {"error": "Invalid credentials"})
        session = self.sessions.login(user)
        tenants = [
            {"url": f"{req.base_url}/api/tenant/{t['uuid']}", "uuid": t["uuid"], "name": t["name"], "local": True}
            for t in self.store.list("tenant", Scope(None))
        ]
        reply = Reply(200, _login_body(req.base_url, user, tenants))
        reply.headers = [("AVI_API_VERSION", ApiVersion.from_header(None).header), ("Allow", "POST, OPTIONS")]
        reply.headers += [("Set-Cookie", c) for c in session_cookies(session, True, req.base_url.startswith("https:"))]
        return reply

    def _logout(self, req: Request) -> Reply:
        try:
            session = self._authenticate(req)
        except AuthFailure as exc:
            return Reply(exc.status, text=exc.text)
        if session:
            self.sessions.logout(session.sid)
        return Reply(200, {})

    def _authenticate(self, req: Request) -> Session:
        portal = self.store.get("systemconfiguration", "default", Scope(None)).get("portal_configuration", {})
        secure_host = req.base_url.partition("://")[2] if req.base_url.startswith("https:") else None
        return self.sessions.authenticate(
            req.method, req.headers, self.store.users, bool(portal.get("allow_basic_authentication")), secure_host
        )

    # ----- /api/<type>[/<uuid>] ------------------------------------------------------------
    def _api(self, req: Request, parts: list[str], session: Session | None, version: ApiVersion) -> Reply:
        type_ = parts[0]
        if type_ == "useraccount" and req.method == "PUT" and session:
            return self._change_password(req, session)
        if type_ == "networkruntime":
            return self._network_runtime(req, parts, session)
        otype = TYPES.get(type_)
        if otype is None or len(parts) > 2:
            return Reply(404, {"detail": "Not found."})
        scope = self.store.tenant_uuid(
            header_text(req.headers.get("X-Avi-Tenant")), header_text(req.headers.get("X-Avi-Tenant-UUID"))
        )
        if session and not roles.allows(
            self.store.role_of(session.username, scope.tenant_uuid), otype.name, req.method
        ):
            return Reply(403, dict(roles.DENIED))
        if otype.singleton:
            uuid = "default"
            allowed = "HEAD, GET, PUT, OPTIONS"
        elif len(parts) == 2:
            uuid = parts[1]
            allowed = "HEAD, GET, PUT, PATCH, OPTIONS, DELETE"
        else:
            uuid = None
            allowed = "HEAD, POST, GET, OPTIONS"
        handler = self._route(req.method, otype, uuid)
        if handler is None:
            reply = Reply(405, {"detail": f"Method '{req.method}' not allowed."})
        else:
            reply = handler(req, otype, uuid, scope, version)
        reply.headers.append(("Allow", allowed))
        return reply

    def _route(self, method: str, otype: ObjectType, uuid: str | None) -> Callable[..., Reply] | None:
        if uuid is None:
            return {"GET": self._list, "POST": self._create}.get(method)
        if otype.singleton:
            return {"GET": self._get, "PUT": self._put}.get(method)
        return {"GET": self._get, "PUT": self._put, "PATCH": self._patch, "DELETE": self._delete}.get(method)

    def _body(self, req: Request, otype: ObjectType, version: ApiVersion) -> dict[str, Any]:
        try:
            body = json.loads(req.body or b"{}")
        except ValueError as exc:
            raise ApiError(400, {"error": f"JSON parse error - {exc}"}) from exc
        if not isinstance(body, dict):
            raise ApiError(400, {"error": "Expected a JSON object"})
        newer = version.too_new(otype.name, body)
        if newer:
            field_, introduced = newer
            raise ApiError(
                400,
                {
                    "error": (
                        f"Incoming request ({version.tag}) has field ({field_}) introduced in later "
                        f"versions(v{'_'.join(map(str, introduced))})."
                    )
                },
            )
        return body

    def _render(
        self,
        req: Request,
        otype: ObjectType,
        obj: dict[str, Any],
        version: ApiVersion,
        include_name: bool,
        written: bool,
    ) -> dict[str, Any]:
        base = req.base_url

        def out_ref(ref: str) -> str:
            if not ref.startswith("/api/"):
                return ref
            name = self.store.name_of(ref) if include_name else None
            return base + ref + (f"#{name}" if name is not None else "")

        body = refs.walk_refs(obj, out_ref)
        if otype.singleton:
            url = f"{base}/api/{otype.name}"
        else:
            url = out_ref(refs.canonical(otype.name, obj["uuid"]))
        if otype.name == "sslkeyandcertificate":
            body = self._mask_certificate(body, written)
        ordered = {"url": url, "uuid": obj["uuid"]}
        if "name" in body:
            ordered["name"] = body["name"]
        ordered.update({k: v for k, v in body.items() if k not in ordered})
        return version.filter(otype.name, ordered)

    @staticmethod
    def _mask_certificate(body: dict[str, Any], written: bool) -> dict[str, Any]:
        cert = dict(body.get("certificate") or {})
        if written:
            # a write answer carries the parsed certificate but neither PEM nor key
            cert.pop("certificate", None)
            cert.pop("public_key", None)
            body.pop("key", None)
        elif body.get("key"):
            body["key"] = "<sensitive>"
        if body.get("key_passphrase"):
            body["key_passphrase"] = "<sensitive>"
        if cert:
            body["certificate"] = cert
        return body

    # ----- handlers ----------------------------------------------------------------------
    def _list(self, req: Request, otype: ObjectType, uuid: None, scope: Scope, version: ApiVersion) -> Reply:
        q = req.query
        objs = [o for o in self.store.list(otype.name, scope) if self._matches(o, q)]
        try:
            page_size = int(q.get("page_size", [DEFAULT_PAGE_SIZE])[-1])
            page = int(q.get("page", ["1"])[-1])
        except ValueError as exc:
            raise ApiError(400, {"error": f"Invalid page parameter: {exc}"}) from exc
        if not 1 <= page_size <= MAX_PAGE_SIZE or page < 1:
            raise ApiError(400, {"error": f"page_size must be 1-{MAX_PAGE_SIZE}, page >= 1"})
        chunk = objs[(page - 1) * page_size : page * page_size]
        include_name = "include_name" in q
        results = [self._shape(req, otype, o, version, include_name) for o in chunk]
        body: dict[str, Any] = {"count": len(objs), "results": results}
        if page * page_size < len(objs):
            nxt = {k: v[-1] for k, v in q.items()}
            nxt["page"] = str(page + 1)
            body["next"] = f"{req.base_url}/api/{otype.name}?{urlencode(nxt)}"
        return Reply(200, body)

    def _shape(
        self, req: Request, otype: ObjectType, obj: dict[str, Any], version: ApiVersion, include_name: bool
    ) -> dict[str, Any]:
        out = self._render(req, otype, obj, version, include_name, written=False)
        if _flag(req.query, "skip_default"):
            scalars = defaults.scalar_defaults(otype.name)
            out = {k: v for k, v in out.items() if not (k in scalars and scalars[k] == v)}
        if "fields" in req.query:
            wanted = set(",".join(req.query["fields"]).split(",")) | set(_ALWAYS_RETURNED)
            out = {k: v for k, v in out.items() if k in wanted}
        return out

    def _matches(self, obj: dict[str, Any], q: dict[str, list[str]]) -> bool:
        checks = self.filters(obj)
        return all(checks[k](vals[-1]) for k, vals in q.items() if k in checks and k not in self.ignored_filters)

    def filters(self, obj: dict[str, Any]) -> dict[str, Callable[[str], bool]]:
        """Each list filter (LIST_FILTERS) as a test of `obj` against the parameter's value."""
        name = obj.get("name", "")
        return {
            "name": lambda v: name == v,
            "name.contains": lambda v: v in name,
            "name.icontains": lambda v: v.lower() in name.lower(),
            "name.in": lambda v: name in v.split(","),
            "uuid": lambda v: obj["uuid"] == v,
            "uuid.in": lambda v: obj["uuid"] in v.split(","),
            "created_by": lambda v: obj.get("created_by") == v,
            "cloud_ref.name": lambda v: self.store.name_of(obj.get("cloud_ref", "")) == v,
            "cloud_ref.uuid": lambda v: obj.get("cloud_ref", "").rsplit("/", 1)[-1] == v,
            "refers_to": lambda v: refs.canonical(*v.split(":", 1)) in refs.iter_refs(obj),
            "referred_by": lambda v: self._referred_by(obj, v),
        }

    def _referred_by(self, obj: dict[str, Any], spec: str) -> bool:
        type_, _, uuid = spec.partition(":")
        try:
            holder = self.store.get(type_, uuid, Scope(None))
        except (ApiError, KeyError):
            return False
        return any(r.endswith("/" + obj["uuid"]) for r in refs.iter_refs(holder))

    def _get(self, req: Request, otype: ObjectType, uuid: str, scope: Scope, version: ApiVersion) -> Reply:
        obj = self.store.get(otype.name, uuid, scope)
        return Reply(200, self._shape(req, otype, obj, version, "include_name" in req.query))

    def _create(self, req: Request, otype: ObjectType, uuid: None, scope: Scope, version: ApiVersion) -> Reply:
        if otype.singleton:
            return Reply(405, {"detail": "Method 'POST' not allowed."})
        obj = self.store.create(otype.name, self._body(req, otype, version), scope, slug=req.headers.get("Slug"))
        body = self._render(req, otype, obj, version, include_name=True, written=True)
        return Reply(201, body, headers=[("Location", body["url"])], committed=True)

    def _put(self, req: Request, otype: ObjectType, uuid: str, scope: Scope, version: ApiVersion) -> Reply:
        obj = self.store.replace(otype.name, uuid, self._body(req, otype, version), scope)
        return Reply(200, self._render(req, otype, obj, version, True, written=True), committed=True)

    def _patch(self, req: Request, otype: ObjectType, uuid: str, scope: Scope, version: ApiVersion) -> Reply:
        patch = self._body(req, otype, version)
        with self.store.lock:
            current = self.store.get(otype.name, uuid, scope)
            merged = apply_patch(current, patch)
            merged.pop("_last_modified", None)
            obj = self.store.replace(otype.name, uuid, merged, scope, stale_check=False)
        return Reply(200, self._render(req, otype, obj, version, True, written=True), committed=True)

    def _delete(self, req: Request, otype: ObjectType, uuid: str, scope: Scope, version: ApiVersion) -> Reply:
        self.store.delete(otype.name, uuid, scope)
        return Reply(204, None, committed=True)

    def _network_runtime(self, req: Request, parts: list[str], session: Session | None) -> Reply:
        """Read-only, derived from the network and the VsVips (runtime.py)."""
        if req.method != "GET":
            return Reply(
                405, {"detail": f"Method '{req.method}' not allowed."}, headers=[("Allow", "HEAD, GET, OPTIONS")]
            )
        if len(parts) != 2:
            return Reply(404, {"detail": "Not found."})
        scope = self.store.tenant_uuid(
            header_text(req.headers.get("X-Avi-Tenant")), header_text(req.headers.get("X-Avi-Tenant-UUID"))
        )
        if session and not roles.allows(self.store.role_of(session.username, scope.tenant_uuid), "network", "GET"):
            return Reply(403, dict(roles.DENIED))
        network = self.store.get("network", parts[1], scope)
        return Reply(200, runtime.network_runtime(network, self.store, req.base_url))

    def _change_password(self, req: Request, session: Session) -> Reply:
        body = json.loads(req.body or b"{}")
        if self.store.users.get(session.username) != body.get("old_password"):
            return Reply(400, {"error": "Old password is incorrect"})
        self.store.users[session.username] = body["password"]
        return Reply(200, {})


__all__ = ["Controller", "Reply", "Request", "ADMIN"]
