"""How Avi objects point at each other, a convention of the controller's object model.

A field whose name ends in `_ref` holds one reference (`https://<controller>/api/<kind>/<uuid>#name`,
or the path alone); one ending in `_refs` holds a list of them. The provider (diff, AKO's
cleanup order) and the emulator (its store, the `refers_to` filter) read references the same way
because the controller defines them once; the emulator stays the judge of everything else.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def is_ref_key(key: str) -> bool:
    """Whether the field `key` holds a reference or a list of references."""
    return key.endswith("_ref") or key.endswith("_refs")


def iter_refs(value: Any) -> Iterator[str]:
    """Every reference string held anywhere inside `value` (objects and lists, at any depth)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key.endswith("_ref") and isinstance(item, str):
                yield item
            elif key.endswith("_refs") and isinstance(item, list):
                yield from (v for v in item if isinstance(v, str))
            else:
                yield from iter_refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from iter_refs(item)
