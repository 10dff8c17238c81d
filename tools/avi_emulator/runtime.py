"""``GET /api/networkruntime/<network uuid>``: how many addresses each static range still has.

A real controller reports, per configured subnet of a network, each static range with its type,
``total_ip_count``, ``free_ip_count`` and ``allocated_ips`` (alb-sdk swagger NetworkRuntime,
SubnetRuntime.ip_range_runtimes, StaticIpRangeRuntime, fields introduced in 20.1.3; the older
per-subnet counts are deprecated there). The emulator computes the same from the VsVips it
holds: an address is allocated when any VsVip, in any tenant, holds it. Read-only, as on the
controller (the runtime is derived, never written), and readable with read access to networks
(the swagger's NetworkRuntime pages name PERMISSION_NETWORK).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from . import ipam


def _range_bounds(static: dict[str, Any]) -> tuple[int, int] | None:
    span = static.get("range") or {}
    try:
        begin = int(ipaddress.ip_address(str((span.get("begin") or {}).get("addr"))))
        end = int(ipaddress.ip_address(str((span.get("end") or {}).get("addr"))))
    except ValueError:
        return None
    return (begin, end) if begin <= end else None


def network_runtime(network: dict[str, Any], objects: ipam.Objects, base_url: str) -> dict[str, Any]:
    """The runtime body of ``network`` (a stored object)."""
    used: dict[int, str] = {}
    for vsvip in objects.all_of("vsvip"):
        for addr in ipam.addresses(vsvip):
            try:
                used[int(ipaddress.ip_address(addr))] = vsvip["uuid"]
            except ValueError:
                continue  # stored as given, not an address (see docs/avi-emulator.md)
    subnets = []
    for subnet in network.get("configured_subnets") or []:
        ranges = []
        for static in subnet.get("static_ip_ranges") or []:
            bounds = _range_bounds(static)
            if bounds is None:
                continue
            begin, end = bounds
            taken = sorted(n for n in used if begin <= n <= end)
            ranges.append(
                {
                    "type": static.get("type", "STATIC_IPS_FOR_VIP_AND_SE"),
                    "total_ip_count": end - begin + 1,
                    "free_ip_count": end - begin + 1 - len(taken),
                    "allocated_ips": [
                        {
                            "ip": {
                                "addr": str(ipaddress.ip_address(n)),
                                "type": "V6" if ipaddress.ip_address(n).version == 6 else "V4",
                            },
                            "obj_info": f"{base_url}/api/vsvip/{used[n]}",
                        }
                        for n in taken
                    ],
                }
            )
        subnets.append({"prefix": subnet.get("prefix"), "ip_range_runtimes": ranges})
    return {
        "uuid": network["uuid"],
        "name": network.get("name"),
        "url": f"{base_url}/api/networkruntime/{network['uuid']}",
        "subnet_runtime": subnets,
    }
