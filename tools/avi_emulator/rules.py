"""Rules a real controller applies across objects, which the object model alone does not state.

Each rule refuses a write with 400 as the controller does (its exact wording is not on record,
so the messages here say what is wrong in plain words). Sources:

- SNI virtual hosting: a child (`VS_TYPE_VH_CHILD`) hands TLS negotiation to its parent, which
  owns the listener, VIP and SSL; the child carries no networking of its own, and a client's
  requested name selects one child of the parent. (Avi docs, "Server Name Indication",
  avinetworks.com/docs/latest/server-name-indication/, parent/child properties.)
- VRF: a virtual service and the pools it sends traffic to live in one VRF; AKO therefore sets
  each pool's `vrf_ref` to its virtual service's VRF (AKO `internal/rest/avi_obj_pool.go`,
  `vrf_ref` from the VS's VRF), and mixing `management` with `global` is refused.

- Static routes: a route's next hop is of its prefix's address family. The review of issue 16
  found the controller refusing an IPv4 prefix with an IPv6 next hop; its exact status and
  wording are not on record, so this answers 400 in plain words. (Default routes, 0.0.0.0/0,
  are accepted: the controller takes them, only the provider's check asks for intent.)

The health monitor's own field rules (the receive timeout below the send interval, successful
and failed checks 1..50 as the Avi 22.1 docs' "Configure General Settings" of a health monitor
state, at least one expected response code) are in the model table the emulator enforces on
every write (`schema.py`), so they are not repeated here.
"""

from __future__ import annotations

import ipaddress
from typing import Any, Callable, Protocol

from . import refs


class RuleError(ValueError):
    """A write the controller refuses; answered as 400 with ``error``."""


class Objects(Protocol):
    """What the rules read from the store (already inside its lock)."""

    def find(self, ref: str) -> dict[str, Any] | None: ...

    def all_of(self, type_: str) -> list[dict[str, Any]]: ...


def check(type_: str, obj: dict[str, Any], objects: Objects) -> None:
    """Raise RuleError when the controller would refuse to store ``obj`` (canonical refs)."""
    rule = _RULES.get(type_)
    if rule:
        rule(obj, objects)


# -- virtual services ---------------------------------------------------------------------


def _virtualservice(vs: dict[str, Any], objects: Objects) -> None:
    if vs.get("type") == "VS_TYPE_VH_CHILD":
        _sni_child(vs, objects)
    _one_vrf(vs, objects)


def _sni_child(vs: dict[str, Any], objects: Objects) -> None:
    name = vs.get("name")
    parent_ref = vs.get("vh_parent_vs_ref")
    if not parent_ref:
        raise RuleError(f"Virtual service {name}: a VH child needs vh_parent_vs_ref")
    if vs.get("vsvip_ref") or vs.get("services"):
        raise RuleError(f"Virtual service {name}: a VH child takes its VIP and services from its parent; "
                        "vsvip_ref and services must be empty")
    if not vs.get("vh_domain_name"):
        raise RuleError(f"Virtual service {name}: a VH child needs at least one vh_domain_name")
    parent = objects.find(parent_ref) or {}
    if parent.get("type") != "VS_TYPE_VH_PARENT":
        raise RuleError(f"Virtual service {name}: parent {parent.get('name')} is not a VH parent "
                        "(type VS_TYPE_VH_PARENT)")
    if not any(s.get("enable_ssl") for s in parent.get("services") or []):
        raise RuleError(f"Virtual service {name}: parent {parent.get('name')} has no SSL-enabled service; "
                        "SNI children need an SSL parent")
    mine = set(vs["vh_domain_name"])
    for other in objects.all_of("virtualservice"):
        if other.get("uuid") == vs.get("uuid") or other.get("vh_parent_vs_ref") != parent_ref:
            continue
        taken = mine & set(other.get("vh_domain_name") or [])
        if taken:
            raise RuleError(f"Virtual service {name}: domain name(s) {', '.join(sorted(taken))} already served by "
                            f"{other.get('name')} under parent {parent.get('name')}")


def _pools_of(vs: dict[str, Any], objects: Objects) -> list[dict[str, Any]]:
    pool_refs = [vs["pool_ref"]] if vs.get("pool_ref") else []
    for policy in vs.get("http_policies") or []:
        found = objects.find(policy.get("http_policy_set_ref", "")) or {}
        for rule in (found.get("http_request_policy") or {}).get("rules") or []:
            ref = (rule.get("switching_action") or {}).get("pool_ref")
            if ref:
                pool_refs.append(ref)
    return [p for p in (objects.find(r) for r in pool_refs) if p]


def _one_vrf(vs: dict[str, Any], objects: Objects) -> None:
    vrf = vs.get("vrf_context_ref")
    for pool in _pools_of(vs, objects):
        if pool.get("vrf_ref") and vrf and pool["vrf_ref"] != vrf:
            raise RuleError(f"Virtual service {vs.get('name')} and pool {pool.get('name')} are in different VRFs "
                            f"({_name(objects, vrf)} and {_name(objects, pool['vrf_ref'])})")


def _name(objects: Objects, ref: str) -> str:
    return (objects.find(ref) or {}).get("name", ref)


def _httppolicyset(policy: dict[str, Any], objects: Objects) -> None:
    """Rewriting a policy set must not send an existing virtual service to a pool in another VRF."""
    ref = refs.canonical("httppolicyset", policy["uuid"]) if policy.get("uuid") else None
    if ref is None:
        return
    for vs in objects.all_of("virtualservice"):
        if any(p.get("http_policy_set_ref") == ref for p in vs.get("http_policies") or []):
            _one_vrf_with(vs, policy, objects)


def _one_vrf_with(vs: dict[str, Any], policy: dict[str, Any], objects: Objects) -> None:
    vrf = vs.get("vrf_context_ref")
    for rule in (policy.get("http_request_policy") or {}).get("rules") or []:
        pool = objects.find((rule.get("switching_action") or {}).get("pool_ref") or "")
        if pool and pool.get("vrf_ref") and vrf and pool["vrf_ref"] != vrf:
            raise RuleError(f"Virtual service {vs.get('name')} and pool {pool.get('name')} are in different VRFs "
                            f"({_name(objects, vrf)} and {_name(objects, pool['vrf_ref'])})")


# -- VRF contexts --------------------------------------------------------------------------


def _family(ip: Any) -> int | None:
    """4 or 6 for an IpAddr object (its literal decides; else its type), None if neither."""
    if not isinstance(ip, dict):
        return None
    try:
        return ipaddress.ip_address(ip.get("addr", "")).version
    except (ValueError, TypeError):
        return {"V4": 4, "V6": 6}.get(ip.get("type", ""))


def _vrfcontext(vrf: dict[str, Any], objects: Objects) -> None:
    for route in vrf.get("static_routes") or []:
        prefix = _family((route.get("prefix") or {}).get("ip_addr"))
        hop = _family(route.get("next_hop"))
        if prefix and hop and prefix != hop:
            raise RuleError(f"VRF context {vrf.get('name')}: static route {route.get('route_id')} "
                            f"has an IPv{prefix} prefix and an IPv{hop} next hop; both must be "
                            "of one address family")


_RULES: dict[str, Callable[[dict[str, Any], Objects], None]] = {
    "virtualservice": _virtualservice,
    "httppolicyset": _httppolicyset,
    "vrfcontext": _vrfcontext,
}
