"""Which static routes reach which Service Engines.

A route with labels is pushed only to the Service Engines of an SE group carrying every one of
those labels; a route without labels reaches every SE group of its VRF's cloud (reference
real-systems.md, "Static routes with labels": AKO labels the SE group itself,
`ConfigureSeGroupLabels`, controller_obj_cache.go:3688-3726, and AKO's faq.md:70-72). Not
modelled: that labels take effect only on SEs deployed after the label was set
(avinfrasetting.md:124-126) - every SE of a group here sees the group's current labels.

Served read-only at ``GET /api/_emulator/serviceengine-routes`` so tests can assert that the
routes a program writes reach the SEs that need them.
"""

from __future__ import annotations

from typing import Any, Protocol


class Objects(Protocol):
    def find(self, ref: str) -> dict[str, Any] | None: ...

    def all_of(self, type_: str) -> list[dict[str, Any]]: ...


def _labels(items: Any) -> set[tuple[str, str]]:
    return {(str(i.get("key")), str(i.get("value", ""))) for i in items or [] if isinstance(i, dict)}


def reaches(route: dict[str, Any], se_group: dict[str, Any]) -> bool:
    """Whether ``route`` is pushed to the SEs of ``se_group``."""
    return _labels(route.get("labels")) <= _labels(se_group.get("labels"))


def _prefix(route: dict[str, Any]) -> str:
    prefix = route.get("prefix") or {}
    return f"{(prefix.get('ip_addr') or {}).get('addr')}/{prefix.get('mask')}"


def serviceengine_routes(objects: Objects) -> list[dict[str, Any]]:
    """Per SE group and VRF of its cloud: the routes its SEs receive."""
    out = []
    for group in sorted(objects.all_of("serviceenginegroup"), key=lambda g: g.get("name", "")):
        cloud = (objects.find(group.get("cloud_ref", "")) or {}).get("name")
        for vrf in sorted(objects.all_of("vrfcontext"), key=lambda v: v.get("name", "")):
            if vrf.get("cloud_ref") != group.get("cloud_ref"):
                continue
            routes = [
                {"route_id": r.get("route_id"), "prefix": _prefix(r), "next_hop": (r.get("next_hop") or {}).get("addr")}
                for r in vrf.get("static_routes") or []
                if reaches(r, group)
            ]
            out.append(
                {
                    "se_group": group.get("name"),
                    "cloud": cloud,
                    "vrf": vrf.get("name"),
                    "labels": [{"key": k, "value": v} for k, v in sorted(_labels(group.get("labels")))],
                    "routes": routes,
                }
            )
    return out
