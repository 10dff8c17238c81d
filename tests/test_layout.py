"""The code's shape: one package per domain, small modules, and no import cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tools.mockrun import PROJECT_DIR

SOURCE_ROOTS = ("components", "providers", "tools", "bench")
MAX_LINES = 400

DOMAIN_PACKAGES = ("config", "cluster", "mesh", "routes", "observability", "ako",
                   "edges/alb", "edges/azure_ip", "edges/emissary", "edges/avi")


def project_modules() -> dict[str, Path]:
    """Every module of the project by dotted name (packages by their own name)."""
    modules = {"__main__": PROJECT_DIR / "__main__.py"}
    for root in SOURCE_ROOTS:
        for path in sorted((PROJECT_DIR / root).rglob("*.py")):
            parts = list(path.relative_to(PROJECT_DIR).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Project modules `name` imports anywhere in its body (function-level imports too)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                       for alias in node.names]
        for target in targets:
            # The longest project module the target names (a module, or the package it comes from).
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle as a list of modules, or [] when there is none."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return []


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def test_no_import_cycle_among_project_modules():
    cycle = find_cycle(import_graph())
    assert not cycle, "import cycle: " + " -> ".join(cycle)


def test_cycle_finder_sees_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) == []


def test_the_walk_sees_function_level_and_relative_imports():
    graph = import_graph()
    assert "components.cluster.eks" in graph["components.cluster.component"]  # imported inside an `if`
    assert "providers.avi.client" in graph["providers.avi.crud"]  # `from .client import ...`


@pytest.mark.parametrize("package", DOMAIN_PACKAGES)
def test_every_domain_has_its_package(package):
    assert (PROJECT_DIR / "components" / package / "__init__.py").is_file()


def test_config_package_imports_no_component():
    """The config models sit at the bottom: they never pull in a ComponentResource or Pulumi provider."""
    graph = import_graph()
    for name, imported in graph.items():
        if name.startswith("components.") and name.endswith(".config") or name.startswith("components.config"):
            heavy = {m for m in imported if m.endswith(".component") or m == "components.helm"}
            assert not heavy, f"{name} imports {sorted(heavy)}"


def test_sections_never_import_the_root_model():
    graph = import_graph()
    for name, imported in graph.items():
        if name.endswith(".config") and not name.startswith("components.config"):
            assert not {m for m in imported if m.startswith("components.config.") and m not in (
                "components.config.base", "components.config.types")}, f"{name} imports {sorted(imported)}"


def test_no_module_under_components_is_longer_than_the_limit():
    long = {str(p.relative_to(PROJECT_DIR)): n for p in (PROJECT_DIR / "components").rglob("*.py")
            if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not long, f"split these modules: {long}"
