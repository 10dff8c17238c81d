"""Configuration problems, and pydantic's validation errors in the project's words.

Every problem reads `<key path>: <what is wrong>; <what would be valid>`, e.g.
`mesh-platform:edge.kind: expected one of alb, azure-ip, emissary, avi; got "albb"`.
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from components.config.base import RuleViolations
from components.config.types import Expect, describe
from project import PROJECT


@dataclass(frozen=True)
class Problem:
    """One configuration mistake: where it is and what would be valid."""

    path: str
    message: str
    from_rule: bool = field(default=False, compare=False)
    """Found by a rule across values (not by a field's own check)."""

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class ConfigError(pulumi.RunError):
    """Raised once, before any resource is declared, listing every problem found.

    A `RunError`, so `pulumi preview` prints the problems without a Python traceback.
    """

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"invalid stack configuration ({len(self.problems)} problem(s)):\n{lines}")


def key_path(loc: Sequence[Any], prefix: str = f"{PROJECT}:") -> str:
    """`("apps", 2, "hosts", 0)` -> `mesh-platform:apps[2].hosts[0]`."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part != "":
            path += f".{part}" if path else str(part)
    return prefix + path


def join_path(base: str, relative: str) -> str:
    """A rule's relative path below the key path of the model that raised it."""
    if not relative:
        return base
    return f"{base}{relative}" if relative.startswith("[") or base.endswith(":") else f"{base}.{relative}"


def suggestion(key: str, known: Sequence[str]) -> str:
    """`; did you mean observability?` for a near miss, else nothing."""
    lowered = {k.lower(): k for k in known}
    match = lowered.get(key.lower()) or next(iter(difflib.get_close_matches(key, known, n=1, cutoff=0.6)), None)
    return f"; did you mean {match}?" if match else ""


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The model class inside `Optional[M]`, `tuple[M, ...]` or `Annotated[M, ...]`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_of(arg)
        if found:
            return found
    return None


def _field(model: type[BaseModel], key: Any) -> FieldInfo | None:
    for name, info in model.model_fields.items():
        if key in (info.alias, name):
            return info
    return None


def _walk(root: type[BaseModel], loc: Sequence[Any]) -> tuple[type[BaseModel] | None, FieldInfo | None]:
    """The model that holds the last key of `loc`, and that key's field (None when unknown)."""
    model: type[BaseModel] | None = root
    field: FieldInfo | None = None
    for index, part in enumerate(loc):
        if isinstance(part, int):
            continue
        field = _field(model, part) if model else None
        if index == len(loc) - 1:
            return model, field
        model = _model_of(field.annotation) if field else None
    return model, field


def is_optional(root: type[BaseModel], loc: Sequence[Any]) -> bool:
    """Whether the key at `loc` may be left out (it has a default, or a validator fills it in)."""
    _, field = _walk(root, loc)
    return field is not None and not field.is_required()


def keys_of(model: type[BaseModel]) -> list[str]:
    """The keys a model accepts in a stack file, in declaration order."""
    return [info.alias or name for name, info in model.model_fields.items()]


def _expected(root: type[BaseModel], loc: Sequence[Any]) -> str:
    _, field = _walk(root, loc)
    if field is None:
        return "a value"
    for marker in [*field.metadata, *_annotated_metadata(field.annotation)]:
        if isinstance(marker, Expect):
            return marker.text
    if _model_of(field.annotation):
        return "an object"
    return "a value"


def _annotated_metadata(annotation: Any) -> list[Any]:
    found = list(getattr(annotation, "__metadata__", ()))
    for arg in typing.get_args(annotation):
        if arg is not type(None):
            found += _annotated_metadata(arg)
    return found


def problems_from(error: ValidationError, root: type[BaseModel]) -> list[Problem]:
    """Each pydantic error as one (or, for a rule validator, several) `Problem`s."""
    problems: list[Problem] = []
    items = error.errors(include_url=False)
    item_failed = {tuple(i["loc"][:-1]) for i in items if i["loc"] and isinstance(i["loc"][-1], int)}
    for item in items:
        loc, kind = tuple(item["loc"]), item["type"]
        if kind == "too_short" and loc in item_failed:
            continue  # pydantic counts only the valid entries; the bad entry is reported itself
        path = key_path(loc)
        cause = (item.get("ctx") or {}).get("error")
        if isinstance(cause, RuleViolations):
            problems += [Problem(join_path(path, relative), message, True) for relative, message in cause.problems]
            continue
        if kind == "missing":
            message = f"required; expected {_expected(root, loc)}"
        elif kind == "extra_forbidden":
            model, _ = _walk(root, loc)
            known = keys_of(model) if model else []
            message = f"unknown setting; expected one of {', '.join(known)}{suggestion(str(loc[-1]), known)}"
        elif kind in ("model_type", "model_attributes_type", "dict_type"):
            message = f"expected an object; got {describe(item['input'])}"
        elif kind in ("list_type", "tuple_type"):
            message = f"expected a list; got {describe(item['input'])}"
        elif kind == "too_short":
            message = "expected at least one entry"
        elif kind == "invalid_value":
            message = item["msg"]
        else:
            message = f"expected {_expected(root, loc)}; got {describe(item['input'])}"
        problems.append(Problem(path, message))
    return problems
