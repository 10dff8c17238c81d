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

- Shared addresses: virtual services share a VIP by referring to one VsVip; a second VsVip on
  an address already held in the same VRF, and two virtual services listening on one IP and
  port, are refused (reference real-systems.md, "Shared addresses"; the wording is not on
  record, so the messages are plain words).
- A VsVip's VIPs cannot change in place: a new address is refused with "If a new preferred IP
  is needed, please recreate the VIP" and a new vip_id with "Changing an existing VIP's vip_id
  is not supported" (AKO `internal/lib/constants.go:129-130`, special-cased in
  `internal/rest/dequeue_nodes.go:801`).

The health monitor's own field rules (the receive timeout below the send interval, successful
and failed checks 1..50 as the Avi 22.1 docs' "Configure General Settings" of a health monitor
state, at least one expected response code) are in the model table the emulator enforces on
every write (`schema.py`), so they are not repeated here.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any, Protocol

from . import ipam, refs

CHANGED_VIP_ID = "Changing an existing VIP's vip_id is not supported"


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


def check_vip_changes(vsvip: dict[str, Any], current: dict[str, Any]) -> None:
    """Raise RuleError when an update of ``current`` to ``vsvip`` changes a VIP in place (run
    before allocation fills addresses in)."""
    _vip_changes(vsvip, current)


# -- VsVips ---------------------------------------------------------------------------------


def _vip_changes(vsvip: dict[str, Any], current: dict[str, Any]) -> None:
    before = current.get("vip") or []
    for index, vip in enumerate(vsvip.get("vip") or []):
        if index >= len(before):
            break
        if str(vip.get("vip_id")) != str(before[index].get("vip_id")):
            raise RuleError(CHANGED_VIP_ID)
        new = (vip.get("ip_address") or {}).get("addr")
        old = (before[index].get("ip_address") or {}).get("addr")
        if new and old and new != old:
            raise RuleError(ipam.RECREATE_FOR_NEW_IP)


def _vsvip(vsvip: dict[str, Any], objects: Objects) -> None:
    mine = set(ipam.addresses(vsvip))
    for other in objects.all_of("vsvip"):
        if other.get("uuid") == vsvip.get("uuid") or other.get("vrf_context_ref") != vsvip.get("vrf_context_ref"):
            continue
        taken = mine & set(ipam.addresses(other))
        if taken:
            raise RuleError(
                f"VsVip {vsvip.get('name')}: address {', '.join(sorted(taken))} is already the VIP of "
                f"VsVip {other.get('name')} in VRF {_name(objects, vsvip.get('vrf_context_ref', ''))}; "
                "virtual services share an address by referring to that VsVip"
            )


# -- virtual services ---------------------------------------------------------------------


def _virtualservice(vs: dict[str, Any], objects: Objects) -> None:
    if vs.get("type") == "VS_TYPE_VH_CHILD":
        _sni_child(vs, objects)
    else:
        _one_listener_per_ip_port(vs, objects)
    _one_vrf(vs, objects)


def _listeners(vs: dict[str, Any], objects: Objects) -> set[tuple[str, str, int]]:
    """(VRF, address, port) of every port a virtual service listens on."""
    vsvip = objects.find(vs.get("vsvip_ref") or "") or {}
    vrf = vsvip.get("vrf_context_ref") or vs.get("vrf_context_ref") or ""
    ports: set[int] = set()
    for service in vs.get("services") or []:
        try:
            first = int(service.get("port"))
            last = int(service.get("port_range_end") or first)
        except (TypeError, ValueError):
            continue
        ports.update(range(first, max(first, last) + 1))
    return {(vrf, addr, port) for addr in ipam.addresses(vsvip) for port in ports}


def _one_listener_per_ip_port(vs: dict[str, Any], objects: Objects) -> None:
    mine = _listeners(vs, objects)
    if not mine:
        return
    for other in objects.all_of("virtualservice"):
        if other.get("uuid") == vs.get("uuid") or other.get("type") == "VS_TYPE_VH_CHILD":
            continue
        clash = mine & _listeners(other, objects)
        if clash:
            _, addr, port = min(clash)
            raise RuleError(
                f"Virtual service {vs.get('name')}: {addr}:{port} is already served by virtual "
                f"service {other.get('name')}; two virtual services cannot listen on one IP and port"
            )


def _sni_child(vs: dict[str, Any], objects: Objects) -> None:
    name = vs.get("name")
    parent_ref = vs.get("vh_parent_vs_ref")
    if not parent_ref:
        raise RuleError(f"Virtual service {name}: a VH child needs vh_parent_vs_ref")
    if vs.get("vsvip_ref") or vs.get("services"):
        raise RuleError(
            f"Virtual service {name}: a VH child takes its VIP and services from its parent; "
            "vsvip_ref and services must be empty"
        )
    if not vs.get("vh_domain_name"):
        raise RuleError(f"Virtual service {name}: a VH child needs at least one vh_domain_name")
    parent = objects.find(parent_ref) or {}
    if parent.get("type") != "VS_TYPE_VH_PARENT":
        raise RuleError(
            f"Virtual service {name}: parent {parent.get('name')} is not a VH parent (type VS_TYPE_VH_PARENT)"
        )
    if not any(s.get("enable_ssl") for s in parent.get("services") or []):
        raise RuleError(
            f"Virtual service {name}: parent {parent.get('name')} has no SSL-enabled service; "
            "SNI children need an SSL parent"
        )
    mine = set(vs["vh_domain_name"])
    for other in objects.all_of("virtualservice"):
        if other.get("uuid") == vs.get("uuid") or other.get("vh_parent_vs_ref") != parent_ref:
            continue
        taken = mine & set(other.get("vh_domain_name") or [])
        if taken:
            raise RuleError(
                f"Virtual service {name}: domain name(s) {', '.join(sorted(taken))} already served by "
                f"{other.get('name')} under parent {parent.get('name')}"
            )


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
            raise RuleError(
                f"Virtual service {vs.get('name')} and pool {pool.get('name')} are in different VRFs "
                f"({_name(objects, vrf)} and {_name(objects, pool['vrf_ref'])})"
            )


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
            raise RuleError(
                f"Virtual service {vs.get('name')} and pool {pool.get('name')} are in different VRFs "
                f"({_name(objects, vrf)} and {_name(objects, pool['vrf_ref'])})"
            )


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
            raise RuleError(
                f"VRF context {vrf.get('name')}: static route {route.get('route_id')} "
                f"has an IPv{prefix} prefix and an IPv{hop} next hop; both must be "
                "of one address family"
            )


_RULES: dict[str, Callable[[dict[str, Any], Objects], None]] = {
    "vsvip": _vsvip,
    "virtualservice": _virtualservice,
    "httppolicyset": _httppolicyset,
    "vrfcontext": _vrfcontext,
}
