"""The type checker's settings (pyproject.toml) stay strict, and `make test` runs it first."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tools.mockrun import PROJECT_DIR

SETTINGS = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())["tool"]["mypy"]
CHECKED = ("__main__.py", "project.py", "components", "providers", "tools", "bench")
STRICT = (
    "strict",
    "disallow_untyped_defs",
    "check_untyped_defs",
    "disallow_any_generics",
    "warn_unused_ignores",
    "warn_redundant_casts",
    "no_implicit_optional",
    "strict_equality",
)
IGNORE = re.compile(r"#\s*type:\s*ignore(?P<codes>\[[a-z0-9-]+(?:,\s*[a-z0-9-]+)*\])?(?P<rest>.*)")


def _checked_files() -> list[Path]:
    found = []
    for entry in SETTINGS["files"]:
        path = PROJECT_DIR / entry
        found += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return found


def test_the_checked_packages_and_strict_settings():
    assert tuple(SETTINGS["files"]) == CHECKED
    assert SETTINGS["python_version"] == "3.11"
    assert "follow_imports" not in SETTINGS  # no module's errors are silenced
    python_roots = {
        path.parts[0]
        for path in (p.relative_to(PROJECT_DIR) for p in PROJECT_DIR.glob("*/**/*.py"))
        if path.parts[0] not in {"tests", ".venv", ".tools", ".git", "node_modules"}
    }
    assert python_roots <= set(CHECKED), f"not type-checked: {sorted(python_roots - set(CHECKED))}"
    assert [key for key in STRICT if SETTINGS.get(key) is not True] == []


def test_no_blanket_ignores_in_the_settings():
    assert "ignore_errors" not in SETTINGS and "disable_error_code" not in SETTINGS
    assert SETTINGS.get("ignore_missing_imports") is not True
    for override in SETTINGS.get("overrides", []):
        assert set(override) == {"module", "ignore_missing_imports"}, override


@pytest.mark.parametrize("module", [m for o in SETTINGS.get("overrides", []) for m in o["module"]])
def test_missing_imports_are_ignored_only_for_packages_that_ship_no_types(module):
    package = module.removesuffix(".*")
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.submodule_search_locations, f"{package} is not installed"
    for location in spec.submodule_search_locations:
        assert not (Path(location) / "py.typed").exists(), f"{package} ships types: drop its override"
    top = package.split(".")[0]
    assert importlib.util.find_spec(f"{top}-stubs") is None, f"{top} has stubs installed: drop its override"


def test_every_type_ignore_names_its_error_code_and_a_reason():
    bad = []
    for path in _checked_files():
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines, 1):
            match = IGNORE.search(line)
            if not match:
                continue
            reason_after = match.group("rest").strip().startswith("#")
            reason_above = number > 1 and "#" in lines[number - 2]
            if not match.group("codes") or not (reason_after or reason_above):
                bad.append(f"{path.relative_to(PROJECT_DIR)}:{number}")
    assert bad == [], "a `# type: ignore` without [error-code] and a reason: " + ", ".join(bad)


def test_the_settings_refuse_an_untyped_function(tmp_path):
    # the settings file, not the defaults, decides: an unannotated function is an error under it
    module = tmp_path / "untyped_example.py"
    module.write_text("def double(value):\n    return value * 2\n")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(PROJECT_DIR / "pyproject.toml"),
            "--cache-dir",
            str(tmp_path / "cache"),
            str(module),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "[no-untyped-def]" in result.stdout


def test_make_test_type_checks_before_the_suite():
    dry = subprocess.run(
        ["make", "--no-print-directory", "-n", "-C", str(PROJECT_DIR), "test"],
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout.splitlines()
    commands = [line.strip() for line in dry]
    assert ".venv/bin/python -m mypy" in commands
    assert ".venv/bin/python -m ruff check ." in commands and ".venv/bin/python -m ruff format --check ." in commands
    assert commands.index(".venv/bin/python -m mypy") < commands.index(".venv/bin/python -m pytest")
