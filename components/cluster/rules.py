"""Cluster rules that need more than the `cluster` section: where an existing cluster's kubeconfig
comes from (a file or the secret, not both), and a cloud cluster in its provider's region."""

from __future__ import annotations

import re
from collections.abc import Mapping
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


def cluster_in_provider_region(config: StackConfig, providers: Mapping[str, str]) -> Problems:
    """An AKS cluster in `azure-native:location` and EKS zones in `aws:region`, when the stack sets them.

    The Azure provider creates the other Azure resources (the edge's public IP) in its location,
    and a static IP serves a load balancer of its own region only. An AWS zone name is its
    region's name and one letter (`eu-west-1` -> `eu-west-1a`; AWS documents zone names as
    the region code followed by a letter identifier); a subnet in another region's zone is refused
    by EC2 (`InvalidParameterValue`)."""
    problems: Problems = []
    aks, location = config.cluster.aks, providers.get("azure-native:location")
    if config.cluster.kind == "aks" and aks and location and aks.location != location:
        problems.append(
            (
                "cluster.aks.location",
                f'"{aks.location}" differs from azure-native:location "{location}"; the cluster and the '
                f"resources the provider creates must share one region: set both to the same one",
            )
        )
    eks, region = config.cluster.eks, providers.get("aws:region")
    if config.cluster.kind == "eks" and eks and region:
        for index, zone in enumerate(eks.vpc.availability_zones):
            if not re.fullmatch(re.escape(region) + r"[a-z]", zone):
                problems.append(
                    (
                        f"cluster.eks.vpc.availabilityZones[{index}]",
                        f'"{zone}" is not a zone of aws:region "{region}"; its zones are named {region}a, '
                        f"{region}b, ... (or set aws:region to the zones' region)",
                    )
                )
    return problems
