"""`.github/dependabot.yml`: weekly updates for the actions and the Python dependencies."""

from __future__ import annotations

import fnmatch
import re

import pytest
import yaml

from tools.mockrun import PROJECT_DIR

CONFIG = PROJECT_DIR / ".github" / "dependabot.yml"


def _config() -> dict:
    return yaml.safe_load(CONFIG.read_text())


def _updates(ecosystem: str) -> list[dict]:
    return [u for u in _config()["updates"] if u["package-ecosystem"] == ecosystem]


def _directories(update: dict) -> list[str]:
    return update.get("directories") or [update["directory"]]


def _requirement_names(path) -> set[str]:
    names = set()
    for line in path.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)", line)
        if match:
            names.add(match[1].lower())
    return names


def test_it_is_a_version_2_config_with_known_keys():
    config = _config()
    assert config["version"] == 2
    allowed = {"package-ecosystem", "directory", "directories", "schedule", "groups", "commit-message"}
    for update in config["updates"]:
        assert set(update) <= allowed, set(update) - allowed
        assert ("directory" in update) != ("directories" in update), "exactly one of directory/directories"
        assert all(d.startswith("/") for d in _directories(update))
        assert update["schedule"]["interval"] == "weekly"


def test_the_workflow_actions_are_covered():
    (actions,) = _updates("github-actions")
    assert _directories(actions) == ["/"], "Dependabot reads .github/workflows from the root entry"
    assert list(actions["groups"]["actions"]["patterns"]) == ["*"]


def test_every_python_requirements_file_is_covered():
    (pip,) = _updates("pip")
    covered = {PROJECT_DIR / d.lstrip("/") for d in _directories(pip)}
    requirement_files = [*PROJECT_DIR.glob("requirements*.txt"), PROJECT_DIR / "tools/lock/uv.txt"]
    for path in requirement_files:
        assert path.parent in covered, f"{path.relative_to(PROJECT_DIR)} has no Dependabot entry"


@pytest.mark.parametrize("requirements", ["requirements.txt", "requirements-dev.txt", "tools/lock/uv.txt"])
def test_every_python_dependency_falls_in_exactly_one_group(requirements):
    (pip,) = _updates("pip")
    groups = pip["groups"]

    def members(name: str) -> list[str]:
        found = []
        for group, rule in groups.items():
            included = any(fnmatch.fnmatch(name, p) for p in rule["patterns"])
            excluded = any(fnmatch.fnmatch(name, p) for p in rule.get("exclude-patterns", []))
            if included and not excluded:
                found.append(group)
        return found

    for name in _requirement_names(PROJECT_DIR / requirements):
        assert len(members(name)) == 1, f"{name}: in groups {members(name)}"
