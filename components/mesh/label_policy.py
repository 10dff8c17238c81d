"""The labels the mesh needs: Pods and workload templates in the app namespaces carry `app` and
`version` (Kiali's graph, tracing and DestinationRule subsets read them; the AKS Istio guide the
project follows requires them on every Deployment and Pod).

Checked by the API server itself with ValidatingAdmissionPolicies (admissionregistration.k8s.io/v1,
CEL; GA since Kubernetes 1.30) bound to the app namespaces: `warn` returns a warning to the client
and records an audit annotation, `deny` refuses the request, `off` declares nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import pulumi
import pulumi_kubernetes as k8s

from components.config.base import Problems
from components.config.types import OneOf

if TYPE_CHECKING:  # the root model sits in the stack layer above; a type-only import makes no cycle
    from components.stack.model import StackConfig

LABEL_POLICIES = ("warn", "deny", "off")
LabelPolicy = Annotated[str, OneOf(LABEL_POLICIES)]
REQUIRED_LABELS = ("app", "version")
API_VERSION = "admissionregistration.k8s.io/v1"
FIRST_KUBERNETES_MINOR = 30
"""admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy is served from Kubernetes 1.30 on."""

VALIDATION_ACTIONS = {"warn": ["Warn", "Audit"], "deny": ["Deny"]}
"""The API server refuses a binding with both Deny and Warn (they would report one failure twice;
kubernetes pkg/apis/admissionregistration/validation/validation.go)."""
FAILURE_POLICIES = {"warn": "Ignore", "deny": "Fail"}
"""A policy that only warns never refuses a request because its own evaluation failed."""
NOT_BEING_DELETED = "!has(object.metadata.deletionTimestamp)"
"""Updates of an object on its way out (finalizers being removed) are never judged."""


def labels_expression(metadata: str) -> str:
    """CEL: the ObjectMeta at `metadata` has every required label, each with a value."""
    labels = f"{metadata}.labels"
    required = ", ".join(f"'{label}'" for label in REQUIRED_LABELS)
    return f"has({labels}) && [{required}].all(l, l in {labels} && {labels}[l] != '')"


@dataclass(frozen=True)
class LabelRule:
    """One policy: which resources it judges and where their pods' labels are."""

    name: str
    api_group: str
    resources: tuple[str, ...]
    operations: tuple[str, ...]
    metadata: str
    what: str


RULES = (
    # Pods are judged when created: their labels seldom change, and a running pod's updates
    # (finalizers, readiness gates) must never be refused for labels it was created without.
    LabelRule("mesh-platform-pod-labels", "", ("pods",), ("CREATE",), "object.metadata", "Pods"),
    # Workloads are judged on create and update: the user applying them sees the warning,
    # where a pod's warning only reaches the controller that created it.
    LabelRule(
        "mesh-platform-workload-labels",
        "apps",
        ("deployments", "statefulsets", "daemonsets"),
        ("CREATE", "UPDATE"),
        "object.spec.template.metadata",
        "Pod templates",
    ),
)


def _metadata_present(rule: LabelRule) -> str:
    """CEL guard: a template's metadata is optional in the schema; `has` on the labels needs it."""
    if rule.metadata == "object.metadata":
        return ""
    return f"has({rule.metadata}) && "


def policy(rule: LabelRule, mode: str) -> dict[str, Any]:
    """The ValidatingAdmissionPolicy of one rule."""
    labels = " and ".join(REQUIRED_LABELS)
    return {
        "apiVersion": API_VERSION,
        "kind": "ValidatingAdmissionPolicy",
        "metadata": {"name": rule.name, "labels": {"app.kubernetes.io/managed-by": "pulumi"}},
        "spec": {
            "failurePolicy": FAILURE_POLICIES[mode],
            "matchConstraints": {
                "resourceRules": [
                    {
                        "apiGroups": [rule.api_group],
                        "apiVersions": ["v1"],
                        "operations": list(rule.operations),
                        "resources": list(rule.resources),
                    }
                ]
            },
            "matchConditions": [{"name": "not-being-deleted", "expression": NOT_BEING_DELETED}],
            "validations": [
                {
                    "expression": _metadata_present(rule) + labels_expression(rule.metadata),
                    "message": (
                        f"{rule.what} in mesh namespaces need the labels {labels} with values: Kiali's graph, "
                        "tracing and DestinationRule subsets read them"
                    ),
                    "reason": "Invalid",
                }
            ],
        },
    }


def binding(rule: LabelRule, mode: str, namespaces: Sequence[str]) -> dict[str, Any]:
    """The binding that applies one rule's policy to the app namespaces, with the mode's actions."""
    return {
        "apiVersion": API_VERSION,
        "kind": "ValidatingAdmissionPolicyBinding",
        "metadata": {"name": rule.name, "labels": {"app.kubernetes.io/managed-by": "pulumi"}},
        "spec": {
            "policyName": rule.name,
            "validationActions": list(VALIDATION_ACTIONS[mode]),
            "matchResources": {
                "namespaceSelector": {
                    "matchExpressions": [
                        # Set by the API server on every namespace since Kubernetes 1.22.
                        {"key": "kubernetes.io/metadata.name", "operator": "In", "values": sorted(namespaces)}
                    ]
                }
            },
        },
    }


def manifests(mode: str, namespaces: Sequence[str]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(policy, binding) of every rule; none when the mode is `off` or there is no app namespace."""
    if mode not in LABEL_POLICIES:
        raise ValueError(f"no label policy {mode!r}; expected one of {', '.join(LABEL_POLICIES)}")
    if mode == "off" or not namespaces:
        return []
    return [(policy(rule, mode), binding(rule, mode, namespaces)) for rule in RULES]


def label_policy_rules(config: StackConfig) -> Problems:
    """A label policy needs a Kubernetes that serves admissionregistration.k8s.io/v1 policies."""
    version = config.cluster.kubernetes_version
    if config.namespace_policy.label_policy == "off" or int(version.split(".")[1]) >= FIRST_KUBERNETES_MINOR:
        return []
    return [
        (
            "namespacePolicy.labelPolicy",
            f"needs Kubernetes 1.{FIRST_KUBERNETES_MINOR} or later (ValidatingAdmissionPolicy v1); "
            f"cluster.kubernetesVersion is {version}: set it to off, or move the cluster on",
        )
    ]


@dataclass
class MeshLabelPolicyArgs:
    """Inputs of the `MeshLabelPolicy` component."""

    mode: str
    """`namespacePolicy.labelPolicy`: warn, deny or off."""
    namespaces: tuple[str, ...]
    """The app namespaces (the mesh's), where the labels are required."""


class MeshLabelPolicy(pulumi.ComponentResource):
    """The admission policies and bindings that require `app` and `version` in the app namespaces.

    `opts` brings the cluster's Kubernetes provider (`providers=[...]`), inherited by every child.
    """

    policies: list[k8s.admissionregistration.v1.ValidatingAdmissionPolicy]
    """One per rule (Pods, workload templates); empty when the mode is off."""
    bindings: list[k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding]
    """Each policy's binding to the app namespaces."""

    def __init__(self, name: str, args: MeshLabelPolicyArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mesh-platform:mesh:MeshLabelPolicy", name, None, opts)
        self.policies, self.bindings = [], []
        for policy_body, binding_body in manifests(args.mode, args.namespaces):
            rule_name = policy_body["metadata"]["name"]
            admission_policy = k8s.admissionregistration.v1.ValidatingAdmissionPolicy(
                f"{name}-{rule_name}",
                metadata=policy_body["metadata"],
                spec=policy_body["spec"],
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.policies.append(admission_policy)
            self.bindings.append(
                k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(
                    f"{name}-{rule_name}-binding",
                    metadata=binding_body["metadata"],
                    spec=binding_body["spec"],
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[admission_policy]),
                )
            )
        self.register_outputs({"policies": [p["metadata"]["name"] for p, _ in manifests(args.mode, args.namespaces)]})
