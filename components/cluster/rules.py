"""Cluster rules that need more than the `cluster` section: where an existing cluster's kubeconfig
comes from (a file or the secret, not both)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from components.config.base import Problems
from project import PROJECT

if TYPE_CHECKING:  # the root model sits in the stack layer above; a type-only import makes no cycle
    from components.stack.model import StackConfig


def existing_cluster_source(config: StackConfig, secrets: set[str]) -> Problems:
    """An existing cluster's kubeconfig file exists, and is not given twice (file and secret)."""
    existing = config.cluster.existing
    if not existing or not existing.kubeconfig_path:
        return []
    problems: Problems = []
    if not Path(existing.kubeconfig_path).expanduser().is_file():
        problems.append(
            (
                "cluster.existing.kubeconfigPath",
                f'no kubeconfig file at "{existing.kubeconfig_path}"; expected a readable file, or set '
                f"{PROJECT}:kubeconfig as a secret instead",
            )
        )
    if "kubeconfig" in secrets:
        problems.append(
            (
                "cluster.existing.kubeconfigPath",
                f"give either {PROJECT}:kubeconfig (secret) or cluster.existing.kubeconfigPath, not both",
            )
        )
    return problems
