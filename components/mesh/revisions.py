"""Istio control-plane revisions: which istiods a stack installs, the revision tag namespaces use,
and the labels that put a namespace or a gateway on a control plane.

A canary upgrade (istio.io "Canary Upgrades", "Upgrade with Helm") is a sequence of stack changes:
`istio.canary` installs a second istiod beside `istio.revision`; `istio.tagRevision` moves the tag
(and the gateways) to it; workloads are restarted; `istio.revision` takes the canary's place.
Pure functions only: `components/mesh/component.py` declares the resources.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from components.mesh.config import DEFAULT_REVISION, IstioConfig

LEGACY_INJECTION_LABEL = {"istio-injection": "enabled"}
"""The label the default (non-revisioned) istiod's injector selects namespaces by."""
REVISION_LABEL = "istio.io/rev"
TAG_LABEL = "istio.io/tag"
INJECT_LABEL = "sidecar.istio.io/inject"
INJECTION_PATH = "/inject"
"""istiod's injection endpoint (the istiod chart's `istiodRemote.injectionPath` default)."""


@dataclass(frozen=True)
class ControlPlane:
    """One istiod: its revision, the chart version it runs and the names its chart derives from it."""

    revision: str
    version: str

    @property
    def is_default(self) -> bool:
        return self.revision == DEFAULT_REVISION

    @property
    def chart_revision(self) -> str:
        """The istiod and gateway charts' `revision` value: empty for the default control plane."""
        return "" if self.is_default else self.revision

    @property
    def release_name(self) -> str:
        """Helm release name; also the name of istiod's Deployment and Service (`istiod[-<revision>]`)."""
        return "istiod" if self.is_default else f"istiod-{self.revision}"

    def resource_name(self, component: str) -> str:
        """Pulumi resource name: the default control plane keeps the name it always had."""
        return f"{component}-{self.release_name}"


def control_planes(istio: IstioConfig) -> tuple[ControlPlane, ...]:
    """Every istiod the stack installs: `istio.revision`, then the canary during a move."""
    planes = [ControlPlane(istio.revision, istio.version)]
    if istio.canary is not None:
        planes.append(ControlPlane(istio.canary.revision, istio.canary.version))
    return tuple(planes)


def stable_control_plane(istio: IstioConfig) -> ControlPlane:
    """The control plane of `istio.revision`: the cluster-wide default revision (base `defaultRevision`)."""
    return control_planes(istio)[0]


def tag_revision(istio: IstioConfig) -> str:
    """The revision the tag and the gateways point at (always `istio.revision` under legacy injection)."""
    if istio.injection == "legacy" or istio.tag_revision is None:
        return istio.revision
    return istio.tag_revision


def tagged_control_plane(istio: IstioConfig) -> ControlPlane:
    """The control plane the tag serves; the rules guarantee it is installed."""
    wanted = tag_revision(istio)
    for plane in control_planes(istio):
        if plane.revision == wanted:
            return plane
    raise ValueError(f"istio.tagRevision: {wanted!r} is not an installed revision")


def _version_key(version: str) -> tuple[int, ...]:
    core = version.lstrip("v").split("-", 1)[0]
    return tuple(int(part) for part in core.split("."))


def base_chart_version(istio: IstioConfig) -> str:
    """The `base` chart (CRDs, shared by every revision) follows the newest installed control plane,
    as istio.io's Helm canary upgrade upgrades base before installing the canary."""
    return max((plane.version for plane in control_planes(istio)), key=_version_key)


def namespace_injection_labels(istio: IstioConfig) -> dict[str, str]:
    """The label that puts a namespace's new pods on the mesh: the revision tag, or the legacy label."""
    if istio.injection == "legacy":
        return dict(LEGACY_INJECTION_LABEL)
    return {REVISION_LABEL: istio.tag}


def gateway_revision_values(istio: IstioConfig) -> dict[str, Any]:
    """The gateway chart's `revision`: a gateway is pinned to the control plane the tag serves, so a tag
    switch rolls the gateway pods onto it (none for the default control plane, as before revisions)."""
    plane = tagged_control_plane(istio)
    return {} if plane.is_default else {"revision": plane.chart_revision}


def _injector_hook(prefix: str, service: str, namespace: str) -> dict[str, Any]:
    return {
        "name": f"{prefix}sidecar-injector.istio.io",
        "clientConfig": {"service": {"name": service, "namespace": namespace, "path": INJECTION_PATH, "port": 443}},
        "sideEffects": "None",
        "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"]}],
        "failurePolicy": "Fail",
        "reinvocationPolicy": "Never",
        "admissionReviewVersions": ["v1"],
    }


def _expression(key: str, operator: str, *values: str) -> dict[str, Any]:
    expression: dict[str, Any] = {"key": key, "operator": operator}
    if values:
        expression["values"] = list(values)
    return expression


def revision_tag_webhook(istio: IstioConfig) -> dict[str, Any]:
    """The revision tag: a MutatingWebhookConfiguration that sends pods of namespaces (or pods) labelled
    `istio.io/rev=<tag>` to the tagged istiod's injector.

    istio.io applies it outside any Helm release (`helm template ... -s templates/revision-tags-mwc.yaml
    | kubectl apply`), so moving the tag is one in-place update of this object, never a gap. The
    `istio.io/rev` label names the serving revision: that istiod patches the webhook's CA bundle
    (pkg/webhooks/webhookpatch.go selects webhooks by it), and `istioctl tag list` reads it.
    """
    plane = tagged_control_plane(istio)
    tag = istio.tag
    not_opted_out = {"matchExpressions": [_expression(INJECT_LABEL, "NotIn", "false")]}
    by_namespace = {
        **_injector_hook("rev.namespace.", plane.release_name, istio.namespace),
        "namespaceSelector": {
            "matchExpressions": [_expression(REVISION_LABEL, "In", tag), _expression("istio-injection", "DoesNotExist")]
        },
        "objectSelector": not_opted_out,
    }
    by_object = {
        **_injector_hook("rev.object.", plane.release_name, istio.namespace),
        "namespaceSelector": {
            "matchExpressions": [
                _expression(REVISION_LABEL, "DoesNotExist"),
                _expression("istio-injection", "DoesNotExist"),
            ]
        },
        "objectSelector": {
            "matchExpressions": [*not_opted_out["matchExpressions"], _expression(REVISION_LABEL, "In", tag)]
        },
    }
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "MutatingWebhookConfiguration",
        "metadata": {
            "name": f"istio-revision-tag-{tag}",
            "labels": {
                TAG_LABEL: tag,
                REVISION_LABEL: plane.revision,
                "app": "sidecar-injector",
                "app.kubernetes.io/managed-by": "pulumi",
            },
        },
        "webhooks": [by_namespace, by_object],
    }
