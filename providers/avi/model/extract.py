"""Maintainer tool: rebuild ``avi_model.json`` from vmware/alb-sdk's published swagger files.

Not used at runtime; the provider and the emulator read the committed JSON. Run it against a
local checkout of vmware/alb-sdk when moving to a newer controller release::

    python -m providers.avi.model.extract /path/to/alb-sdk [commit]

Only facts are kept per field: JSON type, item type, object type, enum values, numeric range and
special values, default, read-only, required, referenced model, list size limits and the
release that introduced the field. Descriptions are not copied.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

# kind (URL segment) -> swagger file / root definition
ROOTS = {
    "virtualservice": "VirtualService",
    "vsvip": "VsVip",
    "pool": "Pool",
    "pkiprofile": "PKIProfile",
    "sslkeyandcertificate": "SSLKeyAndCertificate",
    "httppolicyset": "HTTPPolicySet",
    "healthmonitor": "HealthMonitor",
    "vrfcontext": "VrfContext",
}

_RANGE = re.compile(r"Allowed values are (-?\d+)-(-?\d+)")
_SPECIAL = re.compile(r"Special values are (.*?)(?:\.\s|\.$|$)")
_SPECIAL_VALUE = re.compile(r"(-?\d+)\s?-\s?\D")
_ENUM = re.compile(r"Enum options - ([A-Za-z0-9_]+(?:,\s*[A-Za-z0-9_]+)*)")
_REF = re.compile(r"It is a reference to an object of type ([A-Za-z0-9]+)")
_INTRODUCED = re.compile(r"Field introduced in ([0-9][0-9.,\s]*[0-9])")
_DEPRECATED = re.compile(r"Field deprecated in ([0-9][0-9.]*[0-9])")
_MAX_ITEMS = re.compile(r"Maximum of (\d+) items allowed")
_MIN_ITEMS = re.compile(r"Minimum of (\d+) items required")


def _version_key(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("."))


def _scalar_facts(desc: str, out: dict[str, Any]) -> None:
    m = _RANGE.search(desc)
    if m:
        out["min"], out["max"] = int(m[1]), int(m[2])
    m = _SPECIAL.search(desc)
    if m:
        specials = sorted({int(v) for v in _SPECIAL_VALUE.findall(m[1] + " .")})
        if specials:
            out["special"] = specials
    m = _ENUM.search(desc)
    if m:
        out["enum"] = [v.strip() for v in m[1].split(",")]
    m = _REF.search(desc)
    if m:
        out["ref"] = m[1]


def _field(prop: dict[str, Any], required: bool) -> dict[str, Any]:
    desc = prop.get("description", "")
    out: dict[str, Any] = {}
    if "$ref" in prop:
        out["type"] = "object"
        out["object"] = prop["$ref"].rsplit("/", 1)[-1]
    elif prop.get("type") == "array":
        out["type"] = "array"
        items = prop.get("items") or {}
        item: dict[str, Any] = {}
        if "$ref" in items:
            item = {"type": "object", "object": items["$ref"].rsplit("/", 1)[-1]}
        else:
            item = {"type": items.get("type", "string")}
            _scalar_facts(desc, item)
        out["items"] = item
        m = _MAX_ITEMS.search(desc)
        if m:
            out["max_items"] = int(m[1])
        m = _MIN_ITEMS.search(desc)
        if m:
            out["min_items"] = int(m[1])
    else:
        out["type"] = prop.get("type", "string")
        _scalar_facts(desc, out)
    if "default" in prop:
        out["default"] = prop["default"]
    if prop.get("readOnly"):
        out["read_only"] = True
    if required:
        out["required"] = True
    m = _INTRODUCED.search(desc)
    if m:
        versions = [v.strip() for v in m[1].split(",") if v.strip()]
        out["introduced"] = min(versions, key=_version_key)
    m = _DEPRECATED.search(desc)
    if m:
        out["deprecated"] = m[1]
    return out


def extract(checkout: Path) -> dict[str, Any]:
    types: dict[str, Any] = {}
    kinds: dict[str, Any] = {}
    version = None
    for kind, root in ROOTS.items():
        doc = json.loads((checkout / "swagger" / f"{root}.json").read_text())
        version = doc["info"]["version"]
        definitions = doc["definitions"]
        pending, seen = [root], set()
        while pending:
            name = pending.pop()
            if name in seen:
                continue
            seen.add(name)
            spec = definitions[name]
            required = set(spec.get("required") or [])
            fields = {
                key: _field(prop, key in required) for key, prop in sorted((spec.get("properties") or {}).items())
            }
            types.setdefault(name, {"fields": fields})
            for f in fields.values():
                target = f.get("object") or (f.get("items") or {}).get("object")
                if target:
                    pending.append(target)
        kinds[kind] = {"model": root}
    return {
        "source": {"repository": "vmware/alb-sdk", "swagger_version": version},
        "kinds": kinds,
        "types": dict(sorted(types.items())),
    }


def main(argv: list[str]) -> None:
    checkout = Path(argv[0])
    data = extract(checkout)
    if len(argv) > 1:
        data["source"]["commit"] = argv[1]
    target = Path(__file__).with_name("avi_model.json")
    target.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n")
    print(f"{target}: {len(data['types'])} types for {len(data['kinds'])} kinds")


if __name__ == "__main__":
    main(sys.argv[1:])
