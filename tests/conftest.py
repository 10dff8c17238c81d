"""Shared fixtures: run the whole program under Pulumi mocks for a stack file; every test that
uses an emulator fixture is marked `emulator` (pytest.ini lists the markers)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tools.mockrun import PROJECT_DIR, ProgramRun, read_stack_file, run_program

STACK_FILES = sorted(PROJECT_DIR.glob("Pulumi.*.yaml"))
STACK_NAMES = [p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in STACK_FILES]

RunStack = Callable[..., ProgramRun]

# tests/support/avi_fixtures.py: the fixtures that start tools/avi_emulator
EMULATOR_FIXTURES = frozenset({"emulator", "make_emulator"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if EMULATOR_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.emulator)


@pytest.fixture(scope="session")
def run_stack() -> RunStack:
    """`run_stack("eks")` runs the program for Pulumi.eks.yaml (cached per session);
    `run_stack("eks", overrides={"mesh-platform:edge": {...}})` runs a variant (not cached);
    `run_stack(path=Path(...))` runs any stack file."""
    cache: dict[str, ProgramRun] = {}

    def run(
        name: str | None = None,
        overrides: dict[str, Any] | None = None,
        path: Path | None = None,
        preview: bool = False,
    ) -> ProgramRun:
        stack_path = Path(path) if path else PROJECT_DIR / f"Pulumi.{name}.yaml"
        if overrides or path or preview:
            return run_program(read_stack_file(stack_path, overrides), preview=preview)
        if name not in cache:
            cache[name] = run_program(read_stack_file(stack_path))
        return cache[name]

    return run


def write_stack(tmp_path: Path, name: str, text: str) -> Path:
    """Write a stack file into `tmp_path` and return its path."""
    path = tmp_path / f"Pulumi.{name}.yaml"
    path.write_text(text)
    return path
