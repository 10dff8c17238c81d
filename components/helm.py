"""One way to install an upstream chart: a `helm.v3.Release` pinned by `HelmChartConfig`."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.config.types import HelmChartConfig


def pinned_release(
    resource_name: str,
    release_name: str,
    chart: HelmChartConfig,
    namespace: pulumi.Input[str],
    values: pulumi.Input[dict[str, Any]],
    *,
    parent: pulumi.Resource,
    depends_on: list[pulumi.Resource] | None = None,
    timeout: int | None = None,
) -> k8s.helm.v3.Release:
    """A Helm release of `chart` at its pinned version, through the Kubernetes provider `parent` carries.

    An OCI chart is named by its URL, a classic one by name in its repository
    (`HelmChartConfig.reference`). A failed install is rolled back
    (`cleanup_on_fail`) so the next `pulumi up` starts clean.
    """
    return k8s.helm.v3.Release(
        resource_name,
        name=release_name,
        chart=chart.reference,
        version=chart.version,
        repository_opts=None if chart.is_oci else k8s.helm.v3.RepositoryOptsArgs(repo=chart.classic_repository),
        namespace=namespace,
        values=values,
        cleanup_on_fail=True,
        timeout=timeout,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=depends_on or []),
    )
