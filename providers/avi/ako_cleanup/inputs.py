"""`AkoCleanup` inputs as check() sees them: each problem names the field and what is valid.

The kubeconfig is a secret: a problem with it names its type, never its value.
"""

from __future__ import annotations

import re
from typing import Any

from pulumi.runtime import rpc

CLUSTER_NAME = re.compile(r"[A-Za-z0-9_-]{1,255}")
"""AKO's `IsClusterNameValid` (`^[a-zA-Z0-9-_]*$`, internal/lib/lib.go), but not empty: an empty
name would make the sweep's `created_by` `ako-` and its VsVip prefix `--`."""
NAMESPACE = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
MAX_TIMEOUT_SECONDS = 3600


def _unknown(value: Any) -> bool:
    return value is rpc.UNKNOWN or (isinstance(value, str) and value == rpc.UNKNOWN)


def _type_name(value: Any) -> str:
    return "nothing" if value is None else type(value).__name__


def input_problems(news: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, problem) for every input that cannot work; unknown values (preview) pass."""
    problems: list[tuple[str, str]] = []
    cluster = news.get("cluster_name")
    if not _unknown(cluster) and not (isinstance(cluster, str) and CLUSTER_NAME.fullmatch(cluster)):
        problems.append(
            ("cluster_name", f"cluster_name must be AKO's clusterName: 1-255 of A-Z a-z 0-9 _ -, got {cluster!r}")
        )
    namespace = news.get("namespace")
    if not _unknown(namespace) and not (isinstance(namespace, str) and NAMESPACE.fullmatch(namespace)):
        problems.append(("namespace", f"namespace must be a Kubernetes namespace name (DNS label), got {namespace!r}"))
    timeout = news.get("timeout_seconds")
    if not _unknown(timeout) and not (
        isinstance(timeout, (int, float))
        and not isinstance(timeout, bool)
        and float(timeout).is_integer()
        and 0 <= timeout <= MAX_TIMEOUT_SECONDS
    ):
        problems.append(
            (
                "timeout_seconds",
                f"timeout_seconds must be a whole number of seconds from 0 to {MAX_TIMEOUT_SECONDS}, got {timeout!r}",
            )
        )
    kubeconfig = news.get("kubeconfig")
    if rpc.is_rpc_secret(kubeconfig):
        kubeconfig = rpc.unwrap_rpc_secret(kubeconfig)
    if not _unknown(kubeconfig) and kubeconfig is not None and not (isinstance(kubeconfig, str) and kubeconfig.strip()):
        problems.append(
            (
                "kubeconfig",
                "kubeconfig must be the kubeconfig's YAML text (a secret string) or absent, "
                f"got {_type_name(kubeconfig)}" + (" (empty)" if isinstance(kubeconfig, str) else ""),
            )
        )
    context = news.get("context")
    if not _unknown(context) and context is not None and not (isinstance(context, str) and context):
        problems.append(("context", f"context must be a kubeconfig context name or absent, got {_type_name(context)}"))
    return problems
