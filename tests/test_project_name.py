"""The project's name is written once (project.py) and is the one Pulumi.yaml declares."""

from __future__ import annotations

import ast

import yaml

from project import PROJECT
from tools.mockrun import PROJECT_DIR

SOURCE_ROOTS = ("components", "providers", "tools", "bench")


def test_the_name_is_pulumi_yamls():
    assert yaml.safe_load((PROJECT_DIR / "Pulumi.yaml").read_text())["name"] == PROJECT


def test_project_module_imports_nothing():
    tree = ast.parse((PROJECT_DIR / "project.py").read_text())
    assert not [node for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))]


def test_no_other_module_defines_the_name():
    defined = []
    for root in SOURCE_ROOTS:
        for path in sorted((PROJECT_DIR / root).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if (
                    isinstance(node, (ast.Assign, ast.AnnAssign))
                    and isinstance(node.value, ast.Constant)
                    and node.value.value == PROJECT
                ):
                    defined.append(f"{path.relative_to(PROJECT_DIR)}:{node.lineno}")
    assert not defined, f"import PROJECT from project.py instead: {defined}"
