"""App namespaces: existing ones adopted (labels patched, restored on destroy), created ones kept on
destroy unless config says otherwise, reserved ones refused at preview."""

from __future__ import annotations

import pytest

from tests.components.stack.test_config import load, problems_of

PATCH = "kubernetes:core/v1:NamespacePatch"
NAMESPACE = "kubernetes:core/v1:Namespace"


def app_namespaces(run):
    return {
        r.inputs["metadata"]["name"]: r
        for r in run.resources
        if r.type in (PATCH, NAMESPACE)
        and r.parent == "mesh"
        and r.inputs["metadata"]["name"] not in ("istio-system", "istio-ingress")
    }


def test_an_existing_namespace_is_adopted_never_owned(run_stack):
    found = app_namespaces(run_stack("eks"))  # namespacePolicy.existing: [prod]
    assert found["prod"].type == PATCH and found["default"].type == PATCH
    assert found["prod"].inputs["metadata"]["labels"]["istio.io/rev"] == "prod-stable"
    # A patch is never deleted with the stack: destroy only removes the fields it applied.
    assert not found["prod"].retain_on_delete
    assert found["pre-prod"].type == NAMESPACE


def test_created_namespaces_survive_destroy_by_default(run_stack):
    found = app_namespaces(run_stack("eks"))
    assert found["pre-prod"].retain_on_delete


def test_retain_on_delete_false_lets_destroy_remove_them(run_stack):
    run = run_stack("eks", overrides={"mesh-platform:namespacePolicy": {"retainOnDelete": False}})
    found = app_namespaces(run)
    assert found["prod"].type == NAMESPACE and not found["prod"].retain_on_delete
    assert found["default"].type == PATCH  # built-in: always adopted


@pytest.mark.parametrize("reserved", ["kube-system", "kube-public", "kube-node-lease", "istio-system", "istio-ingress"])
def test_reserved_namespaces_are_refused(reserved):
    found = problems_of({"namespaces": ["default", "prod", reserved]})
    assert len(found) == 1 and found[0].startswith(f'mesh-platform:namespaces[2]: "{reserved}" is ')
    assert found[0].endswith("not an app namespace; list only namespaces that hold apps")


def test_akos_and_kialis_namespaces_are_reserved_when_they_are_on():
    found = problems_of(
        {
            "namespaces": ["prod", "avi-system", "kiali-operator"],
            "cluster": {"kind": "existing", "kubernetesVersion": "1.34"},
            "ako": {"enabled": True},
            "avi": {"controller": "https://avi.example.com"},
            "observability": {"kiali": {"addon": True}},
        },
        secrets={"aviPassword": "pw"},
    )
    assert found == [
        'mesh-platform:namespaces[1]: "avi-system" is AKO\'s namespace, not an app namespace; list only '
        "namespaces that hold apps",
        'mesh-platform:namespaces[2]: "kiali-operator" is the Kiali operator\'s namespace, not an app namespace; '
        "list only namespaces that hold apps",
    ]


def test_default_stays_an_app_namespace():
    assert load({"namespaces": ["default", "prod"]}).namespaces == ("default", "prod")


def test_adopted_namespaces_must_be_listed():
    found = problems_of({"namespacePolicy": {"existing": ["payments"]}})
    assert found == [
        'mesh-platform:namespacePolicy.existing[0]: "payments" is not in mesh-platform:namespaces; list it there too'
    ]
