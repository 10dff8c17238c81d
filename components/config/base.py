"""The base of every stack-config model, and how a model reports rule violations.

Every section model derives from `ConfigModel`: frozen, unknown keys forbidden,
camelCase keys in the stack file (`nodeGroup`) for snake_case attributes
(`node_group`). Python code may build models by attribute name (tests do); the
loader validates stack files by their camelCase keys only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class ConfigModel(BaseModel):
    """A frozen, strict model of one part of the stack file."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        alias_generator=to_camel,
        validate_by_alias=True,
        validate_by_name=True,
        arbitrary_types_allowed=True,
    )


def filled_by_validator(description: str) -> Any:
    """The default of a key a `mode="before"` validator (the model's or its parent's) fills in when the stack file
    leaves it out (`cluster.name` from the stack name): optional in the file, always set on the
    model. The placeholder None never reaches the attribute, so the field keeps its plain type
    (`str`, not Optional) and the schema states the key as optional with `description`.
    """
    return Field(default=None, description=description)


Problems = list[tuple[str, str]]
"""What a rule returns: `(key path, message)` pairs, one per problem (empty when all is well)."""


class RuleViolations(ValueError):
    """Raised by a model validator: one or more problems, each at a key path below the model.

    A path is relative to the model that raises (`"vpc.cidr"`, `"apps[1].port"`, or
    `""` for the model itself); the loader turns each into its own reported problem.
    """

    def __init__(self, problems: Iterable[tuple[str, str]]):
        self.problems = list(problems)
        super().__init__("; ".join(message for _, message in self.problems))


def check(problems: Problems) -> None:
    """Raise `RuleViolations` when a validator found any problem."""
    if problems:
        raise RuleViolations(problems)
