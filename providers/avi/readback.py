"""After a failed update: what the controller now holds, compared with what was sent.

A write that fails may still have been applied (a 5xx after the commit, an answer lost on the
way back), and a refused one leaves the object as it was. Either way the object is read back;
this module works out which managed fields differ from what was sent and words them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from . import compare
from .errors import redact
from .model import AviModel

_SHOWN = 120  # characters of one value in a message; longer values are cut


@dataclass(frozen=True)
class ReadBack:
    """The managed fields that do not hold what was sent, and those that cannot be checked
    (write-only secrets the controller never returns)."""

    differing: tuple[str, ...]
    unverifiable: tuple[str, ...]

    @property
    def applied(self) -> bool:
        """Every managed field verifiably holds what was sent."""
        return not self.differing and not self.unverifiable


def compare_held(
    model: AviModel,
    type_name: str,
    sent: Mapping[str, Any],
    held: Mapping[str, Any],
    dropped: Iterable[str],
    secret: frozenset[str],
) -> ReadBack:
    """``sent``: the managed fields of the update; ``held``: the same fields as the controller
    now shows them (projected onto the sent shape), plus the live values of ``dropped``
    fields, which the update reset to their defaults."""
    expected = {k: v for k, v in sent.items() if k not in secret}
    dropped = set(dropped) - secret
    # a dropped field holds when it is back at the controller's default (absent from sent)
    view = {k: v for k, v in held.items() if k in expected or k in dropped}
    differing = compare.changed_fields(model, type_name, expected, view, skip=secret)
    return ReadBack(tuple(differing), tuple(sorted(secret & sent.keys())))


def _shown(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str) if value is not None else "nothing"
    text = redact(text)  # PEM blocks go whole, before any cut
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def describe(result: ReadBack, sent: Mapping[str, Any], held: Mapping[str, Any]) -> str:
    """One sentence: what the controller holds where it differs from what was sent."""
    parts = [
        f"{key} = {_shown(held.get(key))} (sent {_shown(sent[key]) if key in sent else 'its default'})"
        for key in result.differing
    ]
    text = (
        ("the controller now holds " + "; ".join(parts))
        if parts
        else "the controller holds every readable managed field as sent"
    )
    if result.unverifiable:
        text += (
            f"; {', '.join(result.unverifiable)} cannot be read back (write-only), so whether they changed is unknown"
        )
    return text
