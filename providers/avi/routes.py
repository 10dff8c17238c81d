"""Static routes: single entries of a VRF context's ``static_routes`` list.

The VRF context is shared with other writers (AKO, people, other stacks), so every change is
read-modify-write of the whole object with its ``_last_modified``; a 412 means someone else
wrote in between, so the change is re-applied to a fresh copy. Three rules from the real
controller (docs/avi-provider.md, "Static routes"):

- A VRF context belongs to a tenant (normally ``admin``) and a write from another tenant is
  refused with 400 "Cannot modify VrfContext" (AKO ``internal/lib/constants.go``
  ``VrfContextNoPermission``; AKO writes VRFs in the admin tenant, ``avi_obj_vrf.go``). So the
  VRF is found in the configured tenant, then read and written in the tenant its
  ``tenant_ref`` names.
- Writes to one VRF from this provider process go one at a time (a lock per controller,
  tenant, cloud and VRF): the engine runs several resources at once, and without the lock
  they would only refuse each other with 412s.
- Whether a PUT took effect is not assumed from its answer: the VRF is read back and the
  change checked; a writer that replaced the list in between (without ``_last_modified``)
  is answered by applying the change again, within ATTEMPTS.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from .client import AviSession
from .errors import AviApiError

MODEL = "VrfContext"
ATTEMPTS = 12

_LOCKS: dict[tuple[str, str, str, str], threading.Lock] = {}
_LOCKS_LOCK = threading.Lock()


def vrf_lock(controller: str, tenant: str, cloud: str, vrf: str) -> threading.Lock:
    """The one lock of this process for writes to one VRF."""
    key = (controller, tenant, cloud, vrf)
    with _LOCKS_LOCK:
        return _LOCKS.setdefault(key, threading.Lock())


def owner_tenant(vrf: dict[str, Any], fallback: str) -> str:
    """The tenant that owns a VRF context, by name, from its ``tenant_ref``: the ``#name``
    fragment ``include_name`` adds, else the uuid (the admin tenant's uuid is ``admin``)."""
    ref = vrf.get("tenant_ref")
    if not isinstance(ref, str) or "/api/tenant/" not in ref:
        return fallback
    tail = ref.rsplit("/api/tenant/", 1)[1]
    uuid, _, name = tail.partition("#")
    return unquote(name) if name else (uuid if uuid == "admin" else fallback)


@dataclass(frozen=True)
class RouteAddress:
    """Which route: cloud name, VRF name and route_id. Also the resource id's format."""

    cloud: str
    vrf: str
    route_id: str

    @property
    def id(self) -> str:
        return f"{self.cloud}/{self.vrf}/{self.route_id}"

    @classmethod
    def parse(cls, id_: str) -> RouteAddress:
        parts = id_.split("/", 2)
        if len(parts) != 3 or not all(parts):
            raise ValueError(f"static route id must be <cloud>/<vrf>/<route_id>, got {id_!r}")
        return cls(*parts)


def same_route(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Same destination and next hop (the fields that make a route what it is)."""
    return a.get("prefix") == b.get("prefix") and a.get("next_hop") == b.get("next_hop")


class StaticRouteApi:
    """Read and change one route inside a VRF context."""

    def __init__(self, session: AviSession):
        self.session = session

    def _vrf(self, where: RouteAddress) -> dict[str, Any]:
        """The VRF context as the configured tenant finds it (its own or a shared one)."""
        reply = self.session.call(
            "GET",
            "/api/vrfcontext",
            kind=MODEL,
            name=where.vrf,
            params={"name": where.vrf, "cloud_ref.name": where.cloud, "include_name": "true"},
        )
        if not reply.ok:
            raise AviApiError(MODEL, where.vrf, reply.status, reply.message(), method="GET", path="/api/vrfcontext")
        results = (reply.body or {}).get("results") or []
        if not results:
            raise AviApiError(
                MODEL,
                where.vrf,
                404,
                f"no VRF context {where.vrf!r} in cloud {where.cloud!r}",
                hint="check the vrf and cloud names of the static route",
            )
        return results[0]

    def _reread(self, vrf: dict[str, Any], tenant: str) -> dict[str, Any]:
        """The VRF context by uuid, in the tenant that owns it, as it is PUT back (references
        without the ``#name`` that ``include_name`` adds)."""
        path = f"/api/vrfcontext/{vrf['uuid']}"
        reply = self.session.call("GET", path, kind=MODEL, name=vrf.get("name"), tenant=tenant)
        if not reply.ok:
            raise AviApiError(MODEL, vrf.get("name"), reply.status, reply.message(), method="GET", path=path)
        return reply.body

    def _owned(self, where: RouteAddress) -> tuple[dict[str, Any], str]:
        """The VRF context read in its owner's tenant, and that tenant."""
        found = self._vrf(where)
        tenant = owner_tenant(found, self.session.settings.tenant)
        return self._reread(found, tenant), tenant

    def read(self, where: RouteAddress) -> dict[str, Any] | None:
        for route in self._owned(where)[0].get("static_routes") or []:
            if route.get("route_id") == where.route_id:
                return route
        return None

    def _modify(
        self,
        where: RouteAddress,
        change: Callable[[list[dict[str, Any]]], list[dict[str, Any]] | None],
        holds: Callable[[list[dict[str, Any]]], bool],
    ) -> None:
        """Apply ``change`` (None: nothing to do) until a read-back ``holds``."""
        found = self._vrf(where)
        tenant = owner_tenant(found, self.session.settings.tenant)
        lock = vrf_lock(self.session.settings.controller, tenant, where.cloud, where.vrf)
        with lock:
            vrf = self._reread(found, tenant)
            for attempt in range(ATTEMPTS):
                if attempt:
                    self.session.pause(attempt)
                    vrf = self._reread(vrf, tenant)
                routes = change([dict(r) for r in vrf.get("static_routes") or []])
                if routes is None:
                    return  # what the change asks for is what the VRF holds
                path = f"/api/vrfcontext/{vrf['uuid']}"
                body = {**vrf, "static_routes": routes}
                reply = self.session.call("PUT", path, kind=MODEL, name=where.vrf, body=body, tenant=tenant)
                if reply.status == 412:
                    continue  # someone else wrote in between: apply to a fresh copy
                if not reply.ok:
                    raise AviApiError(
                        MODEL,
                        where.vrf,
                        reply.status,
                        reply.message(),
                        method="PUT",
                        path=path,
                        hint=_write_hint(reply.status, reply.message(), tenant),
                    )
                vrf = self._reread(vrf, tenant)
                if holds(vrf.get("static_routes") or []):
                    return
                # the read-back does not show the change: another writer replaced the list
        raise AviApiError(
            MODEL,
            where.vrf,
            412,
            f"route {where.route_id}: the change did not "
            f"hold after {ATTEMPTS} writes (other writers keep replacing the "
            "VRF's routes)",
            hint="find the other writer of this VRF's routes "
            "(AKO with the same cluster name, another stack) and run `pulumi up` "
            "again",
        )

    def put(self, where: RouteAddress, route: dict[str, Any], *, adopt_only: bool) -> None:
        """Add or replace the route. With ``adopt_only`` an existing entry under the same
        route_id is taken over only if it is the same route (a retried create)."""

        def change(routes: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
            for i, existing in enumerate(routes):
                if existing.get("route_id") != where.route_id:
                    continue
                if adopt_only and not same_route(existing, route):
                    raise AviApiError(
                        MODEL,
                        where.vrf,
                        409,
                        f"route_id {where.route_id!r} already exists with another destination "
                        f"or next hop ({existing.get('prefix')} via {existing.get('next_hop')})",
                        hint=f"`pulumi import` it as {where.id} or pick another route_id",
                    )
                if holds(routes):
                    return None
                routes[i] = route
                return routes
            return routes + [route]

        def holds(routes: list[dict[str, Any]]) -> bool:
            # every field sent, as sent; the controller may add defaults of its own
            return any(
                r.get("route_id") == where.route_id and all(r.get(k) == v for k, v in route.items()) for r in routes
            )

        self._modify(where, change, holds)

    def remove(self, where: RouteAddress) -> None:
        def change(routes: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
            kept = [r for r in routes if r.get("route_id") != where.route_id]
            return kept if len(kept) != len(routes) else None

        def holds(routes: list[dict[str, Any]]) -> bool:
            return all(r.get("route_id") != where.route_id for r in routes)

        self._modify(where, change, holds)


def _write_hint(status: int, message: str, tenant: str) -> str:
    if status in (400, 403) and "VrfContext" in message:
        return (
            f"the VRF context belongs to tenant {tenant!r}; the controller user needs a "
            "role that may write VRF contexts there (an Application-Admin may not)"
        )
    return ""
