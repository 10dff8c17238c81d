"""Memory of Azure VM sizes, for the AKS node-size floor (seed 004: Istio needs > 4 GiB).

Sizes are decoded from their names where Azure's naming is regular (D/E/F v3 and
later scale memory per vCPU) and looked up in a small table where it is not
(B-series, A v2, D v2). An unknown size returns None and is not rejected.
"""

from __future__ import annotations

import re
from typing import Optional

_TABLE_GIB = {
    # B-series (burstable), v1 and v2
    "B1ls": 0.5, "B1s": 1, "B1ms": 2, "B2s": 4, "B2ms": 8, "B4ms": 16, "B8ms": 32, "B12ms": 48,
    "B16ms": 64, "B20ms": 80,
    "B2ts_v2": 1, "B2ls_v2": 4, "B2s_v2": 8, "B4ls_v2": 8, "B4s_v2": 16, "B8ls_v2": 16, "B8s_v2": 32,
    "B16ls_v2": 32, "B16s_v2": 64, "B32ls_v2": 64, "B32s_v2": 128,
    "B2als_v2": 4, "B2as_v2": 8, "B2ats_v2": 1,
    # A v2
    "A1_v2": 2, "A2_v2": 4, "A4_v2": 8, "A8_v2": 16, "A2m_v2": 16, "A4m_v2": 32, "A8m_v2": 64,
    # D v2 / DS v2 (the digit is not the vCPU count)
    "D1_v2": 3.5, "D2_v2": 7, "D3_v2": 14, "D4_v2": 28, "D5_v2": 56,
    "DS1_v2": 3.5, "DS2_v2": 7, "DS3_v2": 14, "DS4_v2": 28, "DS5_v2": 56,
    # F (v1)
    "F1": 2, "F2": 4, "F4": 8, "F8": 16, "F16": 32, "F1s": 2, "F2s": 4, "F4s": 8, "F8s": 16, "F16s": 32,
}

_REGULAR = re.compile(r"^(?P<family>[DEF])(?P<vcpus>\d+)(-\d+)?(?P<features>[a-z]*)_v(?P<version>\d+)$")

# GiB per vCPU for families whose names encode the vCPU count (v3 and later; F from v2).
_PER_VCPU = {"D": 4, "E": 8, "F": 2}


def azure_vm_memory_gib(size: str) -> Optional[float]:
    """Memory in GiB of an Azure VM size such as "Standard_D4s_v5", or None when unknown."""
    short = size.removeprefix("Standard_")
    if short in _TABLE_GIB:
        return float(_TABLE_GIB[short])
    match = _REGULAR.match(short)
    if not match:
        return None
    family, version = match["family"], int(match["version"])
    if (family in "DE" and version < 3) or (family == "F" and version < 2):
        return None
    per_vcpu = _PER_VCPU[family]
    if family == "D" and "l" in match["features"]:
        per_vcpu = 2  # "l": low-memory variants (e.g. D2ls_v5)
    return float(per_vcpu * int(match["vcpus"]))
