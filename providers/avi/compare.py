"""Model-aware comparison for ``diff``: a field present on one side only is no change when its
value is what the controller fills in by itself (model defaults, system-object references,
derived values), so imported objects diff clean against the program that declares them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import shapes
from .kinds import KeyedItems
from .model import CONTEXT_FIELDS, AviModel, Field
from .model.conform import is_controller_default
from .model.refs import is_ref_key


def same(model: AviModel, spec: Field | None, key: str, new: Any, old: Any) -> bool:
    """Whether ``old`` (state) already satisfies ``new`` (program input) for field ``key``."""
    if is_ref_key(key):
        return shapes.equivalent(new, old, key)
    if spec is not None and spec.type == "object" and isinstance(new, dict) and isinstance(old, dict):
        return same_object(model, spec.object or "", new, old)
    if isinstance(new, list) and isinstance(old, list):
        items = spec.items if spec is not None else None
        return len(new) == len(old) and all(same(model, items, key, n, o) for n, o in zip(new, old, strict=False))
    if spec is None:
        return shapes.equivalent(new, old, key)
    return shapes.normalise(new) == shapes.normalise(old)


def same_object(
    model: AviModel, type_name: str, new: Mapping[str, Any], old: Mapping[str, Any], skip: frozenset[str] = frozenset()
) -> bool:
    return not changed_fields(model, type_name, new, old, skip)


def changed_fields(
    model: AviModel, type_name: str, new: Mapping[str, Any], old: Mapping[str, Any], skip: frozenset[str] = frozenset()
) -> list[str]:
    """Keys of ``type_name`` whose value differs, controller defaults counted as equal."""
    fields = model.fields(type_name)
    changed = []
    for key in sorted(new.keys() | old.keys()):
        if key in skip:
            continue
        if key in new and key in old:
            if shapes.is_unknown(new[key]) or not same(model, fields.get(key), key, new[key], old[key]):
                changed.append(key)
        elif key in new:
            # the program newly sets it: only a value the controller would pick anyway is equal
            if (
                shapes.is_unknown(new[key])
                or key in CONTEXT_FIELDS
                or not is_controller_default(model, type_name, key, new[key], new)
            ):
                changed.append(key)
        elif not is_controller_default(model, type_name, key, old[key], old):
            changed.append(key)
    return changed


def keyed_item_changes(
    model: AviModel, type_name: str, items: KeyedItems, new: Mapping[str, Any], old: Mapping[str, Any]
) -> list[str]:
    """Property paths (``vip[0].ip_address``) of the changes to ``items.field`` that the
    controller cannot apply in place: another key at a position both lists have, or a changed
    ``fixed`` field of an item whose key both sides share. An item only the program adds or
    drops, and a fixed field only the state still has (the program stopped setting it, or the
    controller filled it in), is no replacement. A list unknown during preview may hide any of
    these, so it counts as one."""
    news, olds = new.get(items.field), old.get(items.field)
    if shapes.is_unknown(news) and not isinstance(news, list):
        return [items.field] if olds is not None else []
    if not isinstance(news, list) or not isinstance(olds, list):
        return []
    spec = model.fields(type_name).get(items.field)
    item_type = spec.items.object if spec is not None and spec.items is not None else None
    paths = []
    for index, (now, then) in enumerate(zip(news, olds, strict=False)):
        if isinstance(now, dict) and isinstance(then, dict) and _key(now, items) != _key(then, items):
            paths.append(f"{items.field}[{index}].{items.key}")
    before = {_key(item, items): item for item in olds if isinstance(item, dict)}
    for index, now in enumerate(news):
        then = before.get(_key(now, items)) if isinstance(now, dict) else None
        if then is None or item_type is None:
            continue
        wanted = {k: v for k, v in now.items() if k in items.fixed}
        held = {k: v for k, v in then.items() if k in items.fixed and k in wanted}
        paths += [f"{items.field}[{index}].{k}" for k in changed_fields(model, item_type, wanted, held)]
    return paths


def _key(item: Mapping[str, Any], items: KeyedItems) -> str:
    # the controller stores the key as a string; a number from the engine's gRPC is the same key
    return str(shapes.normalise(item.get(items.key)))
