"""`AkoCleanup`: a resource whose deletion removes everything one AKO cluster made on the controller.

Declared after AKO's release and depending on it, so `pulumi destroy` deletes it first,
while AKO still runs: its delete asks AKO to clean up (deleteConfig, bounded wait for the
StatefulSet's verdict), then sweeps through the Avi API whatever still carries this
cluster's ownership (providers/avi/ako_cleanup/sweep.py). When AKO is already gone (or the
cluster is), the first step is skipped and the sweep does all of it. Creating the resource
does nothing on the controller.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, Resource, UpdateResult

from ..errors import AviApiError
from ..provider import _ControllerProvider
from .inputs import input_problems
from .kube import KubeApi, KubeError, ask_ako_to_clean_up
from .sweep import sweep

_INPUTS = ("cluster_name", "namespace", "timeout_seconds", "kubeconfig", "context")
MAX_NAMED = 20
"""How many skipped objects the warning names; the count covers all of them."""


def _ambient_kubeconfig() -> str | None:
    """The kubeconfig the Kubernetes provider itself falls back to (KUBECONFIG, else ~/.kube/config)."""
    path = Path(os.environ.get("KUBECONFIG", "").split(os.pathsep)[0] or Path.home() / ".kube" / "config")
    return path.read_text() if path.is_file() else None


def not_ours_message(cluster: str, not_ours: list[str]) -> str:
    """One line: how many listed objects failed the ownership check, and the first names (names only)."""
    named = ", ".join(not_ours[:MAX_NAMED]) + (
        f" and {len(not_ours) - MAX_NAMED} more" if len(not_ours) > MAX_NAMED else ""
    )
    return (
        f"ako-cleanup {cluster}: the controller listed {len(not_ours)} object(s) that are not this "
        f"cluster's (created_by is not ako-{cluster}, or a VsVip not named {cluster}--...); "
        f"left in place: {named}"
    )


class AkoCleanupProvider(_ControllerProvider):
    """Create records the inputs; delete runs AKO's deleteConfig flow, then the Avi API sweep."""

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return CheckResult(news, [CheckFailure(field, problem) for field, problem in input_problems(news)])

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(f"{props['namespace']}/{props['cluster_name']}", dict(props))

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = [k for k in _INPUTS if olds.get(k) != news.get(k)]
        # Another AKO cluster name means other objects: the old ones are swept on replacement.
        replaces = [k for k in changed if k == "cluster_name"]
        return DiffResult(changes=bool(changed), replaces=replaces, delete_before_replace=True)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(dict(news))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        verdict = "no kubeconfig"
        kubeconfig = props.get("kubeconfig") or _ambient_kubeconfig()
        if kubeconfig:
            try:
                kube = KubeApi.from_kubeconfig(kubeconfig, props.get("context"))
                verdict = ask_ako_to_clean_up(
                    kube, props["namespace"], props["cluster_name"], float(props.get("timeout_seconds") or 0)
                )
            except (KubeError, OSError) as exc:  # the cluster may be gone already: the sweep still runs
                verdict = f"not reachable ({exc})"
        report = sweep(self._session(), props["cluster_name"])
        if report.not_ours:
            pulumi.log.warn(not_ours_message(props["cluster_name"], report.not_ours))
        if report.left:
            raise AviApiError(
                "ako-cleanup",
                props["cluster_name"],
                403,
                f"AKO ({verdict}) left objects that objects of someone else still use: {'; '.join(report.left)}",
                hint="remove those references on the controller, then run `pulumi destroy` again",
            )


class AkoCleanup(Resource, module="avi", name="AkoCleanup"):
    """On delete, removes every object, static route and label AKO with `cluster_name` left on the controller.

    ``AkoCleanup("ako-cleanup", cluster_name="onprem-ako", namespace="avi-system",
    kubeconfig=cluster.kubeconfig, context="onprem-admin", timeout_seconds=600,
    opts=ResourceOptions(depends_on=[ako]))``
    """

    cluster_name: pulumi.Output[str]
    """AKO's clusterName: the sweep deletes what carries `created_by: ako-<cluster_name>`."""
    namespace: pulumi.Output[str]
    """AKO's namespace (its ConfigMap and StatefulSet)."""
    timeout_seconds: pulumi.Output[int]
    """How long to wait for AKO's own cleanup before sweeping."""
    kubeconfig: pulumi.Output[str | None]
    """The cluster's kubeconfig (secret); without it, the one the Kubernetes provider falls back to."""
    context: pulumi.Output[str | None]
    """The kubeconfig context to use (the Kubernetes provider's); None means the current context."""

    def __init__(
        self,
        resource_name: str,
        *,
        cluster_name: Any,
        namespace: Any,
        timeout_seconds: Any,
        kubeconfig: Any = None,
        context: Any = None,
        opts: pulumi.ResourceOptions | None = None,
    ):
        props = {
            "cluster_name": cluster_name,
            "namespace": namespace,
            "timeout_seconds": timeout_seconds,
            "kubeconfig": pulumi.Output.secret(kubeconfig) if kubeconfig is not None else None,
            "context": context,
        }
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=["kubeconfig"]))
        super().__init__(AkoCleanupProvider(), resource_name, props, opts)
