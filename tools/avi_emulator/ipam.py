"""VIP auto-allocation, as the controller's own (internal) IPAM does it for `auto_allocate_ip`.

What a real controller needs before it allocates (reference real-systems.md, "VIP
auto-allocation"; alb-sdk swagger Cloud, IpamDnsProviderProfile, IpamDnsInternalProfile,
IpamUsableNetwork, Network, Subnet, StaticIpRange):

- the VsVip's cloud has an ``ipam_provider_ref``;
- that IPAM profile lists the network as usable (``internal_profile.usable_networks[].nw_ref``,
  or the older ``usable_network_refs``); a VIP naming no network gets the first usable one;
- the network has a configured subnet (``configured_subnets[].prefix``, the VIP's
  ``ipam_network_subnet.subnet`` when given) with a static range for VIPs
  (``static_ip_ranges[]`` of type ``STATIC_IPS_FOR_VIP`` or ``STATIC_IPS_FOR_VIP_AND_SE``) that
  still has a free address.

Anything missing is 400 with an error starting "No available free IPs", the words AKO retries
on (`internal/rest/rest_operation.go`, `isErrorRetryable`); what follows the colon says which
prerequisite is missing, in the emulator's own words.

An update keeps the address a VIP already has. An update that would move it (another network,
or a subnet that no longer holds it) is refused with the controller's words for an address
change, "If a new preferred IP is needed, please recreate the VIP"
(AKO `internal/lib/constants.go:129`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any, Protocol

VIP_RANGE_TYPES = ("STATIC_IPS_FOR_VIP", "STATIC_IPS_FOR_VIP_AND_SE")
NO_FREE_IPS = "No available free IPs"
RECREATE_FOR_NEW_IP = "If a new preferred IP is needed, please recreate the VIP"


class NoFreeIp(ValueError):
    """No address can be allocated; answered as 400."""


class VipChangeRefused(ValueError):
    """An update would change a VIP's address in place; answered as 400."""


class Objects(Protocol):
    def find(self, ref: str) -> dict[str, Any] | None: ...

    def all_of(self, type_: str) -> list[dict[str, Any]]: ...


def addresses(vsvip: dict[str, Any]) -> Iterator[str]:
    for vip in vsvip.get("vip") or []:
        addr = (vip.get("ip_address") or {}).get("addr")
        if addr:
            yield addr


def _name(obj: dict[str, Any] | None, ref: str) -> str:
    return (obj or {}).get("name") or ref


def _usable_networks(profile: dict[str, Any]) -> list[str]:
    internal = profile.get("internal_profile") or {}
    refs = [u.get("nw_ref") for u in internal.get("usable_networks") or [] if u.get("nw_ref")]
    return refs + [r for r in internal.get("usable_network_refs") or [] if r not in refs]


def _subnet_of(ip_prefix: dict[str, Any]) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(f"{ip_prefix['ip_addr']['addr']}/{int(ip_prefix['mask'])}", strict=False)
    except (KeyError, TypeError, ValueError):
        return None


def _vip_ranges(
    network: dict[str, Any], wanted: ipaddress.IPv4Network | ipaddress.IPv6Network | None
) -> tuple[list[tuple[int, int]], str]:
    """Static VIP ranges of the network's subnets (only ``wanted`` when given), or a reason."""
    subnets = [(s, _subnet_of(s.get("prefix") or {})) for s in network.get("configured_subnets") or []]
    if wanted is not None:
        subnets = [(s, n) for s, n in subnets if n == wanted]
        if not subnets:
            return [], f"network {network.get('name')} has no configured subnet {wanted}"
    ranges = []
    for subnet, _ in subnets:
        for static in subnet.get("static_ip_ranges") or []:
            if static.get("type", "STATIC_IPS_FOR_VIP_AND_SE") not in VIP_RANGE_TYPES:
                continue
            span = static.get("range") or {}
            try:
                begin = int(ipaddress.ip_address((span.get("begin") or {}).get("addr", "")))
                end = int(ipaddress.ip_address((span.get("end") or {}).get("addr", "")))
            except ValueError:
                continue
            ranges.append((begin, end))
    if not ranges:
        where = f" in {wanted}" if wanted is not None else ""
        return [], f"network {network.get('name')} has no static range for VIPs{where}"
    return ranges, ""


def _first_free(ranges: list[tuple[int, int]], used: set[str], version: int) -> str | None:
    for begin, end in ranges:
        for value in range(begin, end + 1):
            addr = str(ipaddress.ip_address(value))
            if addr not in used and ipaddress.ip_address(value).version == version:
                return addr
    return None


def _allocate_one(vip: dict[str, Any], vsvip: dict[str, Any], objects: Objects, used: set[str]) -> str:
    cloud_ref = vsvip.get("cloud_ref", "")
    cloud = objects.find(cloud_ref)
    ipam_ref = (cloud or {}).get("ipam_provider_ref")
    if not ipam_ref:
        raise NoFreeIp(f"{NO_FREE_IPS}: cloud {_name(cloud, cloud_ref)} has no IPAM profile (ipam_provider_ref)")
    profile = objects.find(ipam_ref) or {}
    usable = _usable_networks(profile)
    request = vip.get("ipam_network_subnet") or {}
    wanted = _subnet_of(request.get("subnet") or {}) if request.get("subnet") else None
    network_ref = request.get("network_ref")
    if network_ref and network_ref not in usable:
        raise NoFreeIp(
            f"{NO_FREE_IPS}: network {_name(objects.find(network_ref), network_ref)} is not a "
            f"usable network of IPAM profile {_name(profile, ipam_ref)}"
        )
    candidates = [network_ref] if network_ref else usable
    if not candidates:
        raise NoFreeIp(f"{NO_FREE_IPS}: IPAM profile {_name(profile, ipam_ref)} lists no usable network")
    version = 6 if vip.get("auto_allocate_ip_type") == "V6_ONLY" else 4
    reason = ""
    for ref in candidates:
        network = objects.find(ref) or {"name": ref}
        ranges, reason = _vip_ranges(network, wanted)
        if not ranges:
            continue
        free = _first_free(ranges, used, version)
        if free is not None:
            return free
        reason = f"every VIP address of network {network.get('name')} is in use"
    raise NoFreeIp(f"{NO_FREE_IPS}: {reason}")


def _still_holds(vip: dict[str, Any], before: dict[str, Any], objects: Objects, addr: str) -> bool:
    """Whether the updated VIP's network and subnet still hold the address it has."""
    now, then = vip.get("ipam_network_subnet") or {}, before.get("ipam_network_subnet") or {}
    if now.get("network_ref") and then.get("network_ref") and now["network_ref"] != then["network_ref"]:
        return False
    subnet = _subnet_of(now.get("subnet") or {}) if now.get("subnet") else None
    return subnet is None or ipaddress.ip_address(addr) in subnet


def allocate(vsvip: dict[str, Any], objects: Objects, current: dict[str, Any] | None = None) -> None:
    """Fill ``ip_address`` of every auto-allocated VIP of ``vsvip`` that has none (in place);
    raises NoFreeIp or VipChangeRefused."""
    before = {v.get("vip_id"): v for v in (current or {}).get("vip") or []}
    used: set[str] = set()
    for other in objects.all_of("vsvip"):
        if other.get("uuid") != vsvip.get("uuid"):
            used.update(addresses(other))
    for vip in vsvip.get("vip") or []:
        if not vip.get("auto_allocate_ip") or (vip.get("ip_address") or {}).get("addr"):
            continue
        kept_vip = before.get(vip.get("vip_id")) or {}
        kept = (kept_vip.get("ip_address") or {}).get("addr")
        if kept:
            if not _still_holds(vip, kept_vip, objects, kept):
                raise VipChangeRefused(RECREATE_FOR_NEW_IP)
            addr = kept
        else:
            addr = _allocate_one(vip, vsvip, objects, used)
        used.add(addr)
        vip["ip_address"] = {"addr": addr, "type": "V6" if ipaddress.ip_address(addr).version == 6 else "V4"}
