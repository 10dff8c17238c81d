"""The code's shape: one package per domain, small modules, no import cycle between modules or
packages, and imports that point down the declared layers only.

An import inside `if TYPE_CHECKING:` is not an edge: it never runs, so it cannot make a cycle at
import time. Domains use it to type their rules with the stack layer's root model, which sits
above them (`components/ako/rules.py`: `def ako_rules(config: StackConfig)`).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tools.mockrun import PROJECT_DIR

SOURCE_ROOTS = ("components", "providers", "tools", "bench")
MAX_LINES = 400

DOMAIN_PACKAGES = (
    "config",
    "cluster",
    "mesh",
    "routes",
    "observability",
    "ako",
    "edges/alb",
    "edges/azure_ip",
    "edges/emissary",
    "edges/avi",
)


def project_modules() -> dict[str, Path]:
    """Every module of the project by dotted name (packages by their own name)."""
    modules = {"__main__": PROJECT_DIR / "__main__.py", "project": PROJECT_DIR / "project.py"}
    for root in SOURCE_ROOTS:
        for path in sorted((PROJECT_DIR / root).rglob("*.py")):
            parts = list(path.relative_to(PROJECT_DIR).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def _is_type_checking_block(node: ast.AST) -> bool:
    """`if TYPE_CHECKING:` or `if typing.TYPE_CHECKING:`."""
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node of `tree` except the bodies of `if TYPE_CHECKING:` blocks (their `else` runs)."""
    found: list[ast.AST] = []
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        found.append(node)
        if _is_type_checking_block(node):
            assert isinstance(node, ast.If)
            pending.extend(node.orelse)
            continue
        pending.extend(ast.iter_child_nodes(node))
    return found


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Project modules `name` imports anywhere in its body (function-level imports too), except
    type-only imports under `if TYPE_CHECKING:`."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in runtime_nodes(ast.parse(path.read_text(), str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
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
                return stack[stack.index(nxt) :] + [nxt]
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


# ----- packages: no cycle, and imports point down the layers ---------------------------------

LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("composition and tooling", ("__main__", "tools", "bench")),
    ("the stack layer", ("components.stack",)),
    (
        "the domains",
        (
            "components.cluster",
            "components.mesh",
            "components.routes",
            "components.observability",
            "components.edges",
            "components.ako",
        ),
    ),
    ("helpers the domains share", ("components",)),
    ("the shared Avi vocabulary", ("components.avi",)),
    ("the config kit", ("components.config",)),
    ("the Avi provider", ("providers",)),
    ("the project's name", ("project",)),
)
"""Top to bottom; a package may import its own layer's packages (no cycle) and any layer below.
A package belongs to the layer naming it or the nearest package above it (`components.edges.avi`
is a domain, `components` alone the helpers `helm`, `resource_options`, `tls_issuer`)."""


def package_of(module: str, modules: dict[str, Path]) -> str:
    """A module's package is its directory: `components.ako.rules` -> `components.ako`; a package's
    `__init__` is its own package; `__main__.py` and `project.py` stand alone at the top level."""
    if modules[module].name == "__init__.py" or "." not in module:
        return module
    return module.rpartition(".")[0]


def package_graph(graph: dict[str, set[str]], modules: dict[str, Path]) -> dict[str, set[str]]:
    """Packages and the packages they import: a module edge between two packages is a package edge."""
    packages: dict[str, set[str]] = {}
    for module, imported in graph.items():
        source = package_of(module, modules)
        targets = packages.setdefault(source, set())
        targets |= {package_of(m, modules) for m in imported} - {source}
    return packages


def layer_of(package: str) -> int:
    """The index in LAYERS of the layer the package sits in (0 is the top)."""
    best, best_length = -1, -1
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (package == prefix or package.startswith(prefix + ".")) and len(prefix) > best_length:
                best, best_length = index, len(prefix)
    if best < 0:
        raise AssertionError(f"package {package} is in no layer; add it to LAYERS in tests/test_layout.py")
    return best


def upward_imports(packages: dict[str, set[str]]) -> list[str]:
    """Every package edge that points up a layer, in words."""
    found = []
    for source, targets in sorted(packages.items()):
        for target in sorted(targets):
            if layer_of(target) < layer_of(source):
                found.append(
                    f"{source} ({LAYERS[layer_of(source)][0]}) imports {target} "
                    f"({LAYERS[layer_of(target)][0]}), a layer above it"
                )
    return found


def test_no_import_cycle_among_packages():
    modules = project_modules()
    cycle = find_cycle(package_graph(import_graph(), modules))
    assert not cycle, "package import cycle: " + " -> ".join(cycle)


def test_imports_point_down_the_layers():
    modules = project_modules()
    wrong = upward_imports(package_graph(import_graph(), modules))
    assert not wrong, "imports against the layers (" + " > ".join(n for n, _ in LAYERS) + "):\n  " + "\n  ".join(wrong)


def test_the_provider_never_imports_components_and_components_never_import_tools():
    graph = import_graph()
    wrong = sorted(
        f"{name} imports {target}"
        for name, imported in graph.items()
        for target in imported
        if (name.startswith("providers.") and target.startswith("components."))
        or (name.startswith("components.") and target.startswith("tools."))
    )
    assert not wrong, "\n".join(wrong)


def test_package_graph_sees_a_cycle_between_packages_whose_modules_do_not_cycle():
    modules = {name: Path(f"/x/{name.replace('.', '/')}.py") for name in ("p.a.one", "p.a.two", "p.b.three")}
    graph = {"p.a.one": {"p.b.three"}, "p.b.three": {"p.a.two"}, "p.a.two": set()}
    assert not find_cycle(graph)
    assert find_cycle(package_graph(graph, modules)) == ["p.a", "p.b", "p.a"]


def test_layer_check_names_an_upward_import():
    assert upward_imports({"components.config": {"components.stack"}}) == [
        "components.config (the config kit) imports components.stack (the stack layer), a layer above it"
    ]
    assert upward_imports({"components.stack": {"components.ako", "components.config"}}) == []


def test_type_checking_imports_are_not_edges(tmp_path):
    module = tmp_path / "rules.py"
    module.write_text(
        "from typing import TYPE_CHECKING\nimport typing\n"
        "if TYPE_CHECKING:\n    from p.top import Root\nelse:\n    from p.low import Low\n"
        "if typing.TYPE_CHECKING:\n    import p.top\n"
    )
    modules = {"p.rules": module, "p.top": tmp_path / "top.py", "p.low": tmp_path / "low.py"}
    assert imports_of("p.rules", module, modules) == {"p.low"}


@pytest.mark.parametrize("package", DOMAIN_PACKAGES)
def test_every_domain_has_its_package(package):
    assert (PROJECT_DIR / "components" / package / "__init__.py").is_file()


def test_config_models_import_no_component():
    """The config models and the kit never pull in a ComponentResource or a Pulumi provider."""
    graph = import_graph()
    for name, imported in graph.items():
        if name.startswith("components.") and name.endswith(".config") or name.startswith("components.config"):
            heavy = {m for m in imported if m.endswith(".component") or m == "components.helm"}
            assert not heavy, f"{name} imports {sorted(heavy)}"


def test_nothing_below_the_stack_layer_imports_it_at_runtime():
    graph = import_graph()
    wrong = {
        name: sorted(m for m in imported if m.startswith("components.stack"))
        for name, imported in graph.items()
        if name.startswith(("components.", "providers.")) and not name.startswith("components.stack")
    }
    assert not {name: found for name, found in wrong.items() if found}


def test_the_config_kit_holds_no_stack_layer_module():
    kit = {path.stem for path in (PROJECT_DIR / "components" / "config").glob("*.py")}
    assert not kit & {"stack", "model", "rules", "loader", "version_rules", "support"}


def test_no_module_under_components_is_longer_than_the_limit():
    long = {
        str(p.relative_to(PROJECT_DIR)): n
        for p in (PROJECT_DIR / "components").rglob("*.py")
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert not long, f"split these modules: {long}"
