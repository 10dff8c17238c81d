"""VIP auto-allocation, as the controller's IPAM does it for `auto_allocate_ip` VIPs.

A VIP asking for auto-allocation names its network (`ipam_network_subnet.network_ref`) and
subnet; the controller picks a free address there and reports it as `ip_address`. An
exhausted subnet is refused with "No available free IPs" (the wording AKO retries on).
"""

from __future__ import annotations

import ipaddress
from typing import Any, Iterable, Optional


class NoFreeIp(ValueError):
    """The subnet has no address left; answered as 400."""


def allocate(vsvip: dict[str, Any], others: Iterable[dict[str, Any]],
             current: Optional[dict[str, Any]] = None) -> None:
    """Fill `ip_address` of every auto-allocated VIP of `vsvip` that has none yet (in place).

    An update keeps the address the VIP already had while it is still inside the subnet."""
    before = {v.get("vip_id"): (v.get("ip_address") or {}).get("addr") for v in (current or {}).get("vip") or []}
    used = {(vip.get("ip_address") or {}).get("addr") for other in others if other.get("uuid") != vsvip.get("uuid")
            for vip in other.get("vip") or []}
    for vip in vsvip.get("vip") or []:
        if not vip.get("auto_allocate_ip") or (vip.get("ip_address") or {}).get("addr"):
            continue
        subnet = (vip.get("ipam_network_subnet") or {}).get("subnet") or {}
        if not subnet.get("ip_addr"):
            continue
        network = ipaddress.ip_network(f"{subnet['ip_addr']['addr']}/{int(subnet['mask'])}", strict=False)
        kept = before.get(vip.get("vip_id"))
        if kept and ipaddress.ip_address(kept) in network and kept not in used:
            vip["ip_address"] = {"addr": kept, "type": "V6" if network.version == 6 else "V4"}
            used.add(kept)
            continue
        free = next((str(a) for a in network.hosts() if str(a) not in used), None)
        if free is None:
            raise NoFreeIp(f"No available free IPs in {network}")
        used.add(free)
        vip["ip_address"] = {"addr": free, "type": "V6" if network.version == 6 else "V4"}
