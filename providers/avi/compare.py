"""Model-aware comparison for ``diff``: a field present on one side only is no change when its
value is what the controller fills in by itself (model defaults, system-object references,
derived values), so imported objects diff clean against the program that declares them."""

from __future__ import annotations

from typing import Any, Mapping

from . import shapes
from .model import CONTEXT_FIELDS, AviModel, Field
from .model.conform import is_controller_default
from .model.refs import is_ref_key


def same(model: AviModel, spec: Field | None, key: str, new: Any, old: Any) -> bool:
    """Whether ``old`` (state) already satisfies ``new`` (program input) for field ``key``."""
    if is_ref_key(key):
        return shapes.equivalent(new, old, key)
    if spec is not None and spec.type == "object" and isinstance(new, dict) \
            and isinstance(old, dict):
        return same_object(model, spec.object or "", new, old)
    if isinstance(new, list) and isinstance(old, list):
        items = spec.items if spec is not None else None
        return len(new) == len(old) and all(same(model, items, key, n, o)
                                            for n, o in zip(new, old))
    if spec is None:
        return shapes.equivalent(new, old, key)
    return shapes.normalise(new) == shapes.normalise(old)


def same_object(model: AviModel, type_name: str, new: Mapping[str, Any],
                old: Mapping[str, Any], skip: frozenset[str] = frozenset()) -> bool:
    return not changed_fields(model, type_name, new, old, skip)


def changed_fields(model: AviModel, type_name: str, new: Mapping[str, Any],
                   old: Mapping[str, Any], skip: frozenset[str] = frozenset()) -> list[str]:
    """Keys of ``type_name`` whose value differs, controller defaults counted as equal."""
    fields = model.fields(type_name)
    changed = []
    for key in sorted(new.keys() | old.keys()):
        if key in skip:
            continue
        if key in new and key in old:
            if shapes.is_unknown(new[key]) or not same(model, fields.get(key), key, new[key],
                                                       old[key]):
                changed.append(key)
        elif key in new:
            # the program newly sets it: only a value the controller would pick anyway is equal
            if shapes.is_unknown(new[key]) or key in CONTEXT_FIELDS or not is_controller_default(
                    model, type_name, key, new[key], new):
                changed.append(key)
        elif not is_controller_default(model, type_name, key, old[key], old):
            changed.append(key)
    return changed
