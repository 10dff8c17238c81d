"""One workaround for a defect of the Pulumi Python SDK, in one place.

``pulumi.dynamic.dynamic.serialize_provider`` (present in 3.272.0) makes pickling deterministic
by replacing ``pickle._Pickler._batch_setitems`` with a sorting wrapper around *the current*
``_batch_setitems`` and never puts the original back. Every dynamic resource therefore adds one
more wrapper; past roughly 950 resources in one program, pickling a dict recurses through all of
them and fails with ``RecursionError``.

``install()`` (run once when ``providers.avi.resources`` is imported) replaces the module's
``serialize_provider`` with a wrapper that

* remembers ``pickle._Pickler._batch_setitems`` and ``save_dict`` before calling the SDK's
  function and restores them afterwards, so each call wraps the original exactly once and the
  chain never grows (this also fixes other dynamic providers in the same program), and
* reuses the serialized blob of an Avi provider whose pickled state was seen before: these
  providers carry nothing but their kind, so their blob is the same for every resource of a
  kind and is computed once per kind instead of once per resource.

The blob itself is the SDK's own output, so state written before this workaround stays valid.
"""

from __future__ import annotations

import functools
import pickle
import threading
from collections.abc import Callable
from typing import Any

import pulumi.dynamic.dynamic as _sdk_dynamic

_LOCK = threading.Lock()
_BLOBS: dict[tuple[type, tuple[tuple[str, Any], ...]], str] = {}


def _cache_key(provider: Any) -> tuple[type, tuple[tuple[str, Any], ...]] | None:
    if not getattr(type(provider), "__module__", "").startswith("providers.avi."):
        return None
    try:
        state = provider.__getstate__()
        key = (type(provider), tuple(sorted(state.items())))
        hash(key)
    except (AttributeError, TypeError):
        return None
    return key


def _restoring(original: Callable[[Any], str]) -> Callable[[Any], str]:
    @functools.wraps(original)
    def serialize_provider(provider: Any) -> str:
        key = _cache_key(provider)
        with _LOCK:
            if key is not None and key in _BLOBS:
                return _BLOBS[key]
            saved = {
                name: pickle._Pickler.__dict__[name]
                for name in ("_batch_setitems", "save_dict")
                if name in pickle._Pickler.__dict__
            }
            try:
                blob = original(provider)
            finally:
                for name, value in saved.items():
                    setattr(pickle._Pickler, name, value)
            if key is not None:
                _BLOBS[key] = blob
            return blob

    serialize_provider.__avi_workaround__ = True  # type: ignore[attr-defined]  # marks the wrapper so install() runs once
    return serialize_provider


def install() -> None:
    """Idempotent: wrap the SDK's serialize_provider once per process."""
    current = _sdk_dynamic.serialize_provider
    if not getattr(current, "__avi_workaround__", False):
        _sdk_dynamic.serialize_provider = _restoring(current)
