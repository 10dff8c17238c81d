"""Pulumi's own idioms: providers by parent inheritance, tokens that match their packages, a plain root."""

from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace

import pytest

from components.edges.factory import build_edge, edge_before_mesh
from tests.conftest import STACK_NAMES
from tools.mockrun import PROJECT_DIR

COMPONENTS = PROJECT_DIR / "components"
K8S_PROVIDER = "cluster-k8s"


@pytest.mark.parametrize("stack", STACK_NAMES)
def test_the_cluster_provider_reaches_every_kubernetes_resource_through_its_parent(run_stack, stack):
    run = run_stack(stack)
    kubernetes = [r for r in run.resources if r.type.startswith("kubernetes:")]
    assert kubernetes
    wrong = [(r.name, r.provider) for r in kubernetes if r.provider != K8S_PROVIDER]
    assert wrong == [], f"{stack}: {wrong[:5]}"
    by_name = {r.name: r for r in run.resources}
    for resource in kubernetes:
        assert resource.parent in by_name, f"{resource.name} is not inside a component"


def _calls(tree: ast.AST):
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)]


def test_no_component_hands_a_provider_to_its_children_explicitly():
    explicit = []
    for path in sorted(COMPONENTS.rglob("*.py")):
        for call in _calls(ast.parse(path.read_text())):
            if any(keyword.arg == "provider" for keyword in call.keywords):
                explicit.append(f"{path.relative_to(PROJECT_DIR)}:{call.lineno}")
    assert explicit == []


def test_no_component_args_carry_a_provider_or_depends_on():
    fields = []
    for path in sorted(COMPONENTS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef) and node.name.endswith("Args"):
                fields += [
                    f"{node.name}.{item.target.id}"
                    for item in node.body
                    if isinstance(item, ast.AnnAssign)
                    and isinstance(item.target, ast.Name)
                    and item.target.id in ("provider", "providers", "depends_on")
                ]
    assert fields == []


def _component_tokens() -> list[tuple[Path, str, str]]:
    """(module path, class name, type token) of every ComponentResource under components/."""
    found = []
    for path in sorted(COMPONENTS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ClassDef):
                continue
            for call in _calls(node):
                if (
                    isinstance(call.func, ast.Attribute)
                    and call.func.attr == "__init__"
                    and call.args
                    and isinstance(call.args[0], ast.Constant)
                    and str(call.args[0].value).startswith("mesh-")
                ):
                    found.append((path, node.name, call.args[0].value))
    return found


def test_every_type_token_names_its_package_and_class():
    tokens = _component_tokens()
    assert len(tokens) >= 11
    for path, class_name, token in tokens:
        package, module, type_name = token.split(":")
        assert package == "mesh-platform", token
        assert module == path.parent.name, f"{path.relative_to(PROJECT_DIR)}: {token} is not in package {module}"
        assert type_name == class_name, token


def test_the_composition_root_imports_everything_at_the_top():
    tree = ast.parse((PROJECT_DIR / "__main__.py").read_text())
    top = {id(node) for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))}
    nested = [
        node.lineno for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in top
    ]
    assert nested == []
    first_statement = next(
        i for i, node in enumerate(tree.body) if not isinstance(node, (ast.Import, ast.ImportFrom, ast.Expr))
    )
    assert all(not isinstance(node, (ast.Import, ast.ImportFrom)) for node in tree.body[first_statement:])


def test_the_composition_root_builds_no_edge_or_ako_wiring_itself():
    source = (PROJECT_DIR / "__main__.py").read_text()
    for inline in ("GatewayRef", "AviEdge(", "AlbEdge(", "EmissaryEdge(", "AzureIpEdge(", "AkoMesh(", "AviMeshTls("):
        assert inline not in source, inline


def test_the_edge_factory_refuses_an_edge_kind_without_its_section():
    config = SimpleNamespace(edge=SimpleNamespace(kind="alb", alb=None, avi=None, azure_ip=None, emissary=None))
    before = edge_before_mesh(config, cluster=None)
    assert before.gateway.https and before.azure_ip is None and before.avi_mesh_tls is None
    with pytest.raises(ValueError, match="edge.kind 'alb'"):
        build_edge(config, cluster=None, mesh=None, routes=None, before=before, k8s=None)
