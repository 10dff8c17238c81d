"""The labels the mesh needs: admission policies that warn on (or deny) Pods and workloads without
`app` and `version` in the app namespaces. The manifests are checked against the schema of the
stack's Kubernetes version (kubernetes-validate) and their CEL is compiled and evaluated by a CEL
implementation (cel-python) against sample objects."""

from __future__ import annotations

from typing import Any

import kubernetes_validate
import pytest

from components.config.errors import ConfigError
from components.mesh import label_policy
from tests.components.mesh.cel import evaluate

POLICY = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy"
BINDING = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding"
DEV_NAMESPACES = ["default", "pre-prod", "prod"]


def body(resource) -> dict[str, Any]:
    kind = resource.type.rsplit(":", 1)[1]
    return {"apiVersion": label_policy.API_VERSION, "kind": kind, **resource.inputs}


@pytest.fixture(scope="module")
def dev(run_stack):
    return run_stack("dev")


def test_the_stack_warns_by_default_in_its_app_namespaces(dev):
    policies = {r.inputs["metadata"]["name"]: r for r in dev.of_type(POLICY)}
    bindings = {r.inputs["metadata"]["name"]: r for r in dev.of_type(BINDING)}
    assert set(policies) == set(bindings) == {"mesh-platform-pod-labels", "mesh-platform-workload-labels"}
    for name, binding in bindings.items():
        spec = binding.inputs["spec"]
        assert spec["policyName"] == name
        assert spec["validationActions"] == ["Warn", "Audit"]
        (selector,) = spec["matchResources"]["namespaceSelector"]["matchExpressions"]
        assert selector == {"key": "kubernetes.io/metadata.name", "operator": "In", "values": DEV_NAMESPACES}
        assert f"label-policy-{name}" in binding.dependencies
        assert policies[name].inputs["spec"]["failurePolicy"] == "Ignore"
    rules = policies["mesh-platform-workload-labels"].inputs["spec"]["matchConstraints"]["resourceRules"]
    assert rules == [
        {
            "apiGroups": ["apps"],
            "apiVersions": ["v1"],
            "operations": ["CREATE", "UPDATE"],
            "resources": ["deployments", "statefulsets", "daemonsets"],
        }
    ]


def test_deny_refuses_and_off_declares_nothing(run_stack):
    deny = run_stack("dev", overrides={"mesh-platform:namespacePolicy": {"labelPolicy": "deny"}})
    assert {tuple(b.inputs["spec"]["validationActions"]) for b in deny.of_type(BINDING)} == {("Deny",)}
    assert {p.inputs["spec"]["failurePolicy"] for p in deny.of_type(POLICY)} == {"Fail"}
    off = run_stack("dev", overrides={"mesh-platform:namespacePolicy": {"labelPolicy": "off"}})
    assert off.of_type(POLICY) == [] and off.of_type(BINDING) == []


def test_an_unknown_mode_is_refused(run_stack):
    with pytest.raises(ConfigError, match=r"namespacePolicy\.labelPolicy: expected one of warn, deny, off"):
        run_stack("dev", overrides={"mesh-platform:namespacePolicy": {"labelPolicy": "audit"}})


def test_a_kubernetes_without_v1_policies_is_refused(run_stack):
    old = {
        "mesh-platform:cluster": {"kind": "existing", "name": "dev", "kubernetesVersion": "1.29"},
        "mesh-platform:istio": {"version": "1.27.0"},
    }
    with pytest.raises(ConfigError, match=r"namespacePolicy\.labelPolicy: needs Kubernetes 1\.30"):
        run_stack("dev", overrides=old)
    run = run_stack("dev", overrides={**old, "mesh-platform:namespacePolicy": {"labelPolicy": "off"}})
    assert run.of_type(POLICY) == []


@pytest.mark.parametrize("mode", ["warn", "deny"])
def test_manifests_are_valid_for_the_pinned_kubernetes(mode):
    from components.cluster.config import KUBERNETES_VERSION

    for pair in label_policy.manifests(mode, DEV_NAMESPACES):
        for manifest in pair:
            kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
            # The first minor that serves the v1 API accepts them too.
            kubernetes_validate.validate(manifest, f"1.{label_policy.FIRST_KUBERNETES_MINOR}", strict=True)


def test_the_schema_check_catches_a_wrong_field():
    ((policy, _), _) = label_policy.manifests("warn", ["prod"])
    policy["spec"]["validations"][0]["expresion"] = policy["spec"]["validations"][0].pop("expression")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(policy, "1.35", strict=True)


def test_no_binding_combines_deny_and_warn():
    # The API server refuses that combination (admissionregistration validation.go).
    for actions in label_policy.VALIDATION_ACTIONS.values():
        assert not {"Deny", "Warn"} <= set(actions)


def pod(labels: dict[str, str] | None, deleting: bool = False) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": "p", "namespace": "prod"}
    if labels is not None:
        metadata["labels"] = labels
    if deleting:
        metadata["deletionTimestamp"] = "2026-09-01T00:00:00Z"
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": {"containers": [{"name": "c"}]}}


def deployment(template_labels: dict[str, str] | None, with_metadata: bool = True) -> dict[str, Any]:
    template: dict[str, Any] = {"spec": {"containers": [{"name": "c"}]}}
    if with_metadata:
        template["metadata"] = {} if template_labels is None else {"labels": template_labels}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "d", "namespace": "prod", "labels": {"app": "d", "version": "v1"}},
        "spec": {"selector": {}, "template": template},
    }


SAMPLES = [
    ({"app": "reviews", "version": "v2"}, True),
    ({"app": "reviews", "version": "v2", "team": "x"}, True),
    ({"app": "reviews"}, False),
    ({"version": "v2"}, False),
    ({"app": "reviews", "version": ""}, False),
    ({}, False),
    (None, False),
]


def _validation(rule_name: str, mode: str = "warn") -> tuple[str, str]:
    ((pod_policy, _), (workload_policy, _)) = label_policy.manifests(mode, ["prod"])
    chosen = {p["metadata"]["name"]: p for p in (pod_policy, workload_policy)}[rule_name]
    ((validation,), (condition,)) = chosen["spec"]["validations"], chosen["spec"]["matchConditions"]
    return validation["expression"], condition["expression"]


@pytest.mark.parametrize(("labels", "allowed"), SAMPLES)
def test_the_pod_expression_judges_sample_pods(labels, allowed):
    expression, _ = _validation("mesh-platform-pod-labels")
    assert evaluate(expression, {"object": pod(labels)}) is allowed


@pytest.mark.parametrize(("labels", "allowed"), SAMPLES)
def test_the_workload_expression_judges_the_pod_template(labels, allowed):
    expression, _ = _validation("mesh-platform-workload-labels")
    assert evaluate(expression, {"object": deployment(labels)}) is allowed


def test_a_template_without_metadata_fails_cleanly():
    expression, _ = _validation("mesh-platform-workload-labels")
    assert evaluate(expression, {"object": deployment(None, with_metadata=False)}) is False


def test_objects_being_deleted_are_not_judged():
    _, condition = _validation("mesh-platform-pod-labels")
    assert evaluate(condition, {"object": pod(None, deleting=True)}) is False
    assert evaluate(condition, {"object": pod(None)}) is True


def test_the_evaluator_rejects_a_broken_expression():
    with pytest.raises(ValueError, match="does not parse"):
        evaluate("has(object.metadata.labels) &&", {"object": pod(None)})
