"""The controller's object model enforced on writes, from the same table the provider checks
against (``providers/avi/model/avi_model.json``, derived from vmware/alb-sdk's swagger).

- A field the kind does not have is not stored. A real controller accepted a VirtualService
  POST carrying ``application_profile_name`` / ``ssl_profile_name`` with 201 and ignored them
  (recorded exchange ``test_ssl_vs``); that is the default here. ``unknown_fields="reject"``
  answers 400 instead, for tests that must see such a field refused.
- Wrong container or scalar types, enum values outside the model and numbers outside the
  model's range are refused with 400 (the controller's exact wording for these is not on
  record). Addresses that are not IP literals are stored as given: a recorded controller
  accepted a server ``{"addr": "avi-controller", "type": "V4"}``. Numeric strings and
  "true"/"false" are accepted for typed fields and stored typed,
  as the recorded exchanges show the controller doing.
"""

from __future__ import annotations

from typing import Any

from providers.avi.model import load
from providers.avi.model.conform import coerce, prune_unknown, validate

UNKNOWN_FIELD_POLICIES = ("ignore", "reject")


class SchemaError(ValueError):
    """The body does not fit the model; answered as 400 with ``error``."""


def enforce(type_: str, body: dict[str, Any], unknown_fields: str = "ignore") -> dict[str, Any]:
    """The body the controller keeps for ``type_``; raises SchemaError."""
    model = load()
    if not model.has_kind(type_):
        return body
    pruned, dropped = prune_unknown(model, type_, body)
    if dropped and unknown_fields == "reject":
        raise SchemaError(f"Unknown field(s) for {model.model_of(type_)}: {', '.join(dropped)}")
    problems = validate(model, type_, pruned, lenient=True, ip_literals=False)
    if problems:
        detail = "; ".join(f"{path}: {reason}" for path, reason in problems)
        raise SchemaError(f"Invalid {model.model_of(type_)} data: {detail}")
    return coerce(model, type_, pruned, strings=True)
