"""Static routes: single entries of a VRF context's ``static_routes`` list.

The VRF context is shared with other writers (AKO, people, other stacks), so every change is
read-modify-write of the whole object with its ``_last_modified``; a 412 means someone else
wrote in between, so the change is re-applied to a fresh copy.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Any, Callable

from .client import AviSession
from .errors import AviApiError

MODEL = "VrfContext"
ATTEMPTS = 12


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
    def parse(cls, id_: str) -> "RouteAddress":
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
        reply = self.session.call("GET", "/api/vrfcontext", kind=MODEL, name=where.vrf, params={
            "name": where.vrf, "cloud_ref.name": where.cloud})
        if not reply.ok:
            raise AviApiError(MODEL, where.vrf, reply.status, reply.message(), method="GET",
                              path="/api/vrfcontext")
        results = (reply.body or {}).get("results") or []
        if not results:
            raise AviApiError(MODEL, where.vrf, 404,
                              f"no VRF context {where.vrf!r} in cloud {where.cloud!r}",
                              hint="check the vrf and cloud names of the static route")
        return results[0]

    def read(self, where: RouteAddress) -> dict[str, Any] | None:
        for route in self._vrf(where).get("static_routes") or []:
            if route.get("route_id") == where.route_id:
                return route
        return None

    def _modify(self, where: RouteAddress,
                change: Callable[[list[dict[str, Any]]], list[dict[str, Any]] | None]) -> None:
        for attempt in range(ATTEMPTS):
            vrf = self._vrf(where)
            routes = change([dict(r) for r in vrf.get("static_routes") or []])
            if routes is None:
                return
            path = f"/api/vrfcontext/{vrf['uuid']}"
            body = {**vrf, "static_routes": routes}
            reply = self.session.call("PUT", path, kind=MODEL, name=where.vrf, body=body)
            if reply.status == 412:
                time.sleep(min(0.5, 0.02 * (2 ** attempt)) * (0.5 + random.random()))
                continue
            if not reply.ok:
                raise AviApiError(MODEL, where.vrf, reply.status, reply.message(), method="PUT",
                                  path=path)
            return
        raise AviApiError(MODEL, where.vrf, 412, f"route {where.route_id}: still conflicting "
                          f"after {ATTEMPTS} attempts")

    def put(self, where: RouteAddress, route: dict[str, Any], *, adopt_only: bool) -> None:
        """Add or replace the route. With ``adopt_only`` an existing entry under the same
        route_id is taken over only if it is the same route (a retried create)."""
        def change(routes: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
            for i, existing in enumerate(routes):
                if existing.get("route_id") != where.route_id:
                    continue
                if adopt_only and not same_route(existing, route):
                    raise AviApiError(
                        MODEL, where.vrf, 409,
                        f"route_id {where.route_id!r} already exists with another destination "
                        f"or next hop ({existing.get('prefix')} via {existing.get('next_hop')})",
                        hint=f"`pulumi import` it as {where.id} or pick another route_id")
                if existing == route:
                    return None
                routes[i] = route
                return routes
            return routes + [route]
        self._modify(where, change)

    def remove(self, where: RouteAddress) -> None:
        def change(routes: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
            kept = [r for r in routes if r.get("route_id") != where.route_id]
            return kept if len(kept) != len(routes) else None
        self._modify(where, change)
