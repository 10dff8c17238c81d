"""Memory of Azure VM sizes, for the AKS node-size floor (Istio needs more than 4 GiB per node).

A size name reads `[family][subfamily]<vCPUs>[-constrained vCPUs][features]_v<version>`
(https://learn.microsoft.com/azure/virtual-machines/vm-naming-conventions). Memory follows
the family *and* version *and* the feature letters: `l` is the low-memory variant, `m` the
memory-intensive one, `t` the tiny one; `p` (ARM), `a` (AMD), `d`, `s`, `i`, `b` do not
change memory. Where that rule holds, memory is decoded per vCPU (`_PER_VCPU`); sizes
whose numbers do not follow it are listed in `_TABLE_GIB`. Anything else is unknown
(None): the caller refuses it and asks for the memory in config.

Sources (vCPU -> GiB tables): the Azure size pages under
https://learn.microsoft.com/azure/virtual-machines/sizes/ (general-purpose: bsv2, basv2, bpsv2,
dv5/dsv5/dasv5/dlsv5, dpsv6/dplsv6; memory-optimized: esv5/easv5; compute-optimized:
fsv2, fasv6, falsv6, famsv6, fasv7).
"""

from __future__ import annotations

import re

_TABLE_GIB = {
    # B v1 (burstable): no per-vCPU rule
    "B1ls": 0.5,
    "B1s": 1,
    "B1ms": 2,
    "B2s": 4,
    "B2ms": 8,
    "B4ms": 16,
    "B8ms": 32,
    "B12ms": 48,
    "B16ms": 64,
    "B20ms": 80,
    # A v2
    "A1_v2": 2,
    "A2_v2": 4,
    "A4_v2": 8,
    "A8_v2": 16,
    "A2m_v2": 16,
    "A4m_v2": 32,
    "A8m_v2": 64,
    # D v2 / DS v2 (the digit is not the vCPU count)
    "D1_v2": 3.5,
    "D2_v2": 7,
    "D3_v2": 14,
    "D4_v2": 28,
    "D5_v2": 56,
    "DS1_v2": 3.5,
    "DS2_v2": 7,
    "DS3_v2": 14,
    "DS4_v2": 28,
    "DS5_v2": 56,
    # F v1
    "F1": 2,
    "F2": 4,
    "F4": 8,
    "F8": 16,
    "F16": 32,
    "F1s": 2,
    "F2s": 4,
    "F4s": 8,
    "F8s": 16,
    "F16s": 32,
}

_NAME = re.compile(
    r"^(?P<family>[BDEF])(?P<confidential>C?)(?P<vcpus>\d+)(-\d+)?"
    r"(?P<features>[a-z]*)_v(?P<version>\d+)$"
)


def _per_vcpu(family: str, version: int, features: str) -> float | None:
    """GiB per vCPU of one family/version/feature combination, or None when no rule covers it."""
    low, memory, tiny = "l" in features, "m" in features, "t" in features
    if family == "B" and version == 2:  # Bsv2, Basv2, Bpsv2
        if memory:
            return None
        return 0.5 if tiny else 2 if low else 4
    if tiny or (memory and family != "F"):
        return None
    if family == "D" and version >= 3:  # D, Ds, Das, Dps, Dls, Dpls, Dplds ...
        return 2 if low else 4
    if family == "E" and version >= 3 and not low:
        return 8
    if family == "F" and version == 2 and not (low or memory):  # Fsv2
        return 2
    if family == "F" and version >= 6:  # Fasv6/7, Falsv6/7, Famsv6/7
        return 2 if low else 8 if memory else 4
    return None


def azure_vm_memory_gib(size: str) -> float | None:
    """Memory in GiB of an Azure VM size such as "Standard_D4s_v5", or None when unknown."""
    short = size.removeprefix("Standard_")
    if short in _TABLE_GIB:
        return float(_TABLE_GIB[short])
    match = _NAME.match(short)
    if not match:
        return None
    if match["confidential"] and match["family"] not in "DE":
        return None
    # Confidential DC/EC sizes (DC4as_v5, EC8ads_v5) follow their D/E family's memory.
    ratio = _per_vcpu(match["family"], int(match["version"]), match["features"])
    return None if ratio is None else float(ratio * int(match["vcpus"]))
