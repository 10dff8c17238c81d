"""CEL for the tests: compile and evaluate an expression with cel-python (a CEL implementation
from PyPI, in requirements-dev). Skips with the reason where it is not installed."""

from __future__ import annotations

from typing import Any

import pytest

SKIP_REASON = "cel-python is not installed: `make venv` installs it from requirements-dev.lock"


def evaluate(expression: str, activation: dict[str, Any]) -> Any:
    """The value of `expression` with each name in `activation` bound to a JSON-like value."""
    celpy = pytest.importorskip("celpy", reason=SKIP_REASON)
    environment = celpy.Environment()
    try:
        program = environment.program(environment.compile(expression))
    except celpy.CELParseError as error:
        raise ValueError(f"{expression!r} does not parse as CEL: {error}") from error
    result = program.evaluate({name: celpy.json_to_cel(value) for name, value in activation.items()})
    if isinstance(result, celpy.celtypes.BoolType):
        return bool(result)
    return result
