"""The generic CRUD core: create (with adoption), read, merge-update and delete for any kind in
kinds.py, over an AviSession."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .client import AviSession, Reply
from .errors import AviApiError
from .kinds import OWNER_MARKER_KEY, Kind

CREATE_ATTEMPTS = 6
WRITE_ATTEMPTS = 10
# answers after which a POST may or may not have been applied: look for the object first
# (409: the name exists, perhaps from an earlier attempt; 429: refused, but harmless to look)
OUTCOME_UNKNOWN = frozenset({409, 429, 500, 502, 503, 504})
SENSITIVE = "<sensitive>"  # what a GET shows instead of a stored secret


@dataclass(frozen=True)
class Owner:
    """How the provider recognises objects it created: a per-resource ``markers`` entry
    (``pulumi-owner: <project>/<stack>/<type>/<resource>``), which every kind has in the model
    since 20.1.5, plus ``created_by`` on the kinds whose model has that field (VsVip and
    HealthMonitor do not; a controller drops fields a kind does not have)."""

    created_by: str
    marker: str | None
    carriers: frozenset[str] = frozenset({"created_by", "markers"})

    def _marker_entry(self) -> dict[str, Any]:
        return {"key": OWNER_MARKER_KEY, "values": [self.marker]}

    def mark(self, body: dict[str, Any]) -> dict[str, Any]:
        out = dict(body)
        if "created_by" in self.carriers:
            out.setdefault("created_by", self.created_by)
        if self.marker and "markers" in self.carriers:
            markers = [m for m in out.get("markers") or [] if m.get("key") != OWNER_MARKER_KEY]
            out["markers"] = markers + [self._marker_entry()]
        return out

    def patch_fields(self, desired: dict[str, Any]) -> dict[str, Any]:
        """Fields for a PATCH ``replace``: the managed ones; the owner marker rides along only
        when the program manages ``markers`` too (otherwise the list is left untouched)."""
        if "markers" in desired and self.marker:
            mine = [m for m in desired["markers"] or [] if m.get("key") != OWNER_MARKER_KEY]
            return {**desired, "markers": mine + [self._marker_entry()]}
        return dict(desired)

    def owns(self, obj: dict[str, Any]) -> bool:
        if not self.marker:
            return False
        if "created_by" in obj and obj["created_by"] != self.created_by:
            return False
        return any(
            m.get("key") == OWNER_MARKER_KEY and self.marker in (m.get("values") or [])
            for m in obj.get("markers") or []
        )


def without_owner_marker(obj: dict[str, Any]) -> dict[str, Any]:
    """The object as the program sees it: the provider's own marker entry removed."""
    markers = obj.get("markers")
    if not isinstance(markers, list):
        return obj
    mine = [m for m in markers if m.get("key") != OWNER_MARKER_KEY]
    out = dict(obj)
    if mine:
        out["markers"] = mine
    else:
        out.pop("markers")
    return out


def _owner_summary(obj: dict[str, Any]) -> str:
    owners = [v for m in obj.get("markers") or [] if m.get("key") == OWNER_MARKER_KEY for v in m.get("values") or []]
    parts = [f"created_by={obj['created_by']!r}"] if "created_by" in obj else []
    parts.append(f"owner markers {owners}" if owners else "no owner marker")
    return ", ".join(parts)


def outcome_unknown(error: AviApiError) -> bool:
    """Whether a failed write may have been applied all the same: no answer (a dropped
    connection, a timeout), throttling that outlasted the retries, or a 5xx, which a
    controller may send after committing."""
    return error.status == 0 or error.status == 429 or error.status >= 500


class ObjectApi:
    """CRUD for one kind of object in one tenant."""

    def __init__(self, session: AviSession, kind: Kind):
        self.session = session
        self.kind = kind
        self.base = f"/api/{kind.path}"

    def _call(self, method: str, path: str, name: str | None, **kwargs: Any) -> Reply:
        return self.session.call(method, path, kind=self.kind.model, name=name, **kwargs)

    def _fail(self, reply: Reply, method: str, path: str, name: str | None, hint: str = "") -> AviApiError:
        return AviApiError(self.kind.model, name, reply.status, reply.message(), hint=hint, method=method, path=path)

    def get(self, uuid: str, skip_default: bool = False) -> dict[str, Any] | None:
        """The live object, or None if the controller has no such uuid. ``skip_default`` asks
        the controller to leave out fields that hold their default value."""
        path = f"{self.base}/{uuid}"
        params = {"include_name": "true", **({"skip_default": "true"} if skip_default else {})}
        reply = self._call("GET", path, uuid, params=params)
        if reply.status == 404:
            return None
        if not reply.ok:
            raise self._fail(reply, "GET", path, uuid)
        return reply.body

    def find(self, name: str) -> dict[str, Any] | None:
        reply = self._call("GET", self.base, name, params={"name": name, "include_name": "true"})
        if not reply.ok:
            raise self._fail(reply, "GET", self.base, name)
        results = (reply.body or {}).get("results") or []
        return results[0] if results else None

    def create(self, body: dict[str, Any], owner: Owner) -> dict[str, Any]:
        """POST the object. When the outcome is unknown (no answer, a timeout, a 5xx that may
        have come after the commit, 409), look the name up first: an object carrying this
        resource's owner marker is adopted, one without it is an error, and only when there is
        none is the POST sent again. A POST is therefore never repeated blindly."""
        name: str = body["name"]  # check() refuses a body of any kind without a name
        marked = owner.mark(body)
        last: AviApiError | None = None
        absent = False  # the latest look-up found no object by this name
        for attempt in range(CREATE_ATTEMPTS):
            if attempt:
                self.session.pause(attempt)
            try:
                reply = self._call("POST", self.base, name, body=marked)
            except AviApiError as exc:  # no answer: the POST may or may not have been applied
                last, reply = exc, None
            if reply is not None and reply.status == 201:
                return reply.body
            if reply is not None:
                if reply.status not in OUTCOME_UNKNOWN:
                    raise self._fail(reply, "POST", self.base, name)
                last = self._fail(reply, "POST", self.base, name)
            try:
                existing = self.find(name)
            except AviApiError as exc:  # cannot tell yet; the next round looks again
                last, absent = exc, False
                continue
            absent = existing is None
            if existing is not None:
                if owner.owns(existing):
                    return existing
                raise AviApiError(
                    self.kind.model,
                    name,
                    409,
                    "an object with this name already exists without this resource's owner "
                    f"marker ({_owner_summary(existing)})",
                    hint=f"`pulumi import` it by uuid {existing.get('uuid')} or rename this resource's object",
                    method="POST",
                    path=self.base,
                )
        assert last is not None
        if absent:  # looked up after the last attempt: nothing was left behind
            raise AviApiError(
                last.kind,
                last.name,
                last.status,
                f"{last.message} (after {CREATE_ATTEMPTS} attempts; the "
                "controller holds no object by this name, so none was created)",
                hint=last.hint,
                method=last.method,
                path=last.path,
            )
        raise last

    def update(self, uuid: str, desired: dict[str, Any], dropped: Iterable[str], owner: Owner) -> dict[str, Any]:
        """Change the managed fields; fields managed by others survive.

        One request when possible: a PATCH ``replace`` of the managed top-level fields (safe to
        repeat, so it is retried like GET/PUT). A field the program stopped managing has to be
        reset to its default, which PATCH ``replace`` cannot express; then the live object is
        read, merged and PUT whole (a concurrent change, 412, means: read again, merge again).
        """
        path = f"{self.base}/{uuid}"
        name = desired.get("name")
        dropped = set(dropped)
        if not dropped:
            reply = self._call("PATCH", path, name, body={"replace": owner.patch_fields(desired)}, idempotent=True)
            if reply.status == 404:
                raise self._gone(uuid, name, "PATCH", path)
            if not reply.ok:
                raise self._fail(reply, "PATCH", path, name)
            return reply.body
        for attempt in range(WRITE_ATTEMPTS):
            live = self.get(uuid)
            if live is None:
                raise self._gone(uuid, name, "PUT", path)
            body = {
                k: v for k, v in live.items() if k not in dropped and not (k in self.kind.secret and v == SENSITIVE)
            }
            body.update(desired)
            body = owner.mark(body)
            reply = self._call("PUT", path, name, body=body)
            if reply.status == 412:
                self.session.pause(attempt)
                continue
            if not reply.ok:
                raise self._fail(reply, "PUT", path, name)
            return reply.body
        raise AviApiError(
            self.kind.model, name, 412, f"still conflicting after {WRITE_ATTEMPTS} attempts", method="PUT", path=path
        )

    def _gone(self, uuid: str, name: str | None, method: str, path: str) -> AviApiError:
        return AviApiError(
            self.kind.model, name or uuid, 404, f"{self.kind.model} {uuid} no longer exists", method=method, path=path
        )

    def delete(self, uuid: str, name: str | None) -> None:
        """Delete; an object that is already gone counts as deleted."""
        path = f"{self.base}/{uuid}"
        reply = self._call("DELETE", path, name)
        if reply.status in (200, 204, 404):
            return
        message = reply.message()
        if reply.status in (400, 403) and "referred by" in message:
            raise self._fail(
                reply,
                "DELETE",
                path,
                name,
                hint=(
                    "other objects still refer to it; delete or re-point them first (in Pulumi, "
                    "make the referring resources depend on this one so they go first)"
                ),
            )
        raise self._fail(reply, "DELETE", path, name)
