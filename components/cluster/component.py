"""The Kubernetes cluster the platform runs on: EKS, AKS, or an existing one.

Whatever the variant, `Cluster` yields the kubeconfig as a secret output and one
explicit `kubernetes.Provider` that every Kubernetes resource of the program uses.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_kubernetes as k8s
import yaml

from components.cluster.config import ClusterConfig
from components.cluster.outputs import ClusterOutputs


@dataclass
class ClusterArgs:
    """Inputs of the `Cluster` component."""

    config: ClusterConfig
    """The validated `cluster` section of the stack."""
    kubeconfig: pulumi.Output[str] | None = None
    """The `kubeconfig` secret of an existing cluster, when the stack sets one."""
    tags: dict[str, str] | None = None
    """Cloud tags for everything the cluster creates."""


class Cluster(pulumi.ComponentResource):
    """A Kubernetes cluster and the explicit provider to reach it."""

    kubeconfig: pulumi.Output[str | None]
    """The cluster's kubeconfig (always a secret); None for an existing cluster with no kubeconfig here."""
    cluster_name: pulumi.Output[str]
    """The cluster's name."""
    oidc_provider_arn: pulumi.Output[str | None]
    """EKS: the IAM OIDC provider for IRSA roles; None elsewhere."""
    oidc_issuer_url: pulumi.Output[str | None]
    """EKS: the cluster's OIDC issuer URL; None elsewhere."""
    vpc_id: pulumi.Output[str | None]
    """EKS: the VPC the cluster lives in; None elsewhere."""
    node_resource_group: pulumi.Output[str | None]
    """AKS: the node resource group; None elsewhere."""
    identity_principal_id: pulumi.Output[str | None]
    """AKS: the principal of the cluster's system-assigned identity (for role assignments); None elsewhere."""
    api_endpoint: pulumi.Output[str | None]
    """The Kubernetes API server's URL (from the kubeconfig for an existing cluster; None when unknown)."""
    provider: k8s.Provider
    """The Kubernetes provider every Kubernetes resource must use."""

    def __init__(self, name: str, args: ClusterArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mesh-platform:cluster:Cluster", name, None, opts)
        config = args.config
        child = pulumi.ResourceOptions(parent=self)
        tags = {"managed-by": "pulumi", "project": "mesh-platform", **(args.tags or {}), **config.tags}

        if config.kind == "eks" and config.eks is not None:
            from components.cluster.eks import build_eks

            parts = build_eks(name, config, config.eks, tags, child)
        elif config.kind == "aks" and config.aks is not None:
            from components.cluster.aks import build_aks

            parts = build_aks(name, config, config.aks, tags, child)
        else:
            parts = _existing_kubeconfig(config, args.kubeconfig)

        self.kubeconfig = pulumi.Output.secret(parts.kubeconfig)
        self.cluster_name = pulumi.Output.from_input(parts.name)
        self.oidc_provider_arn = pulumi.Output.from_input(parts.oidc_provider_arn)
        self.oidc_issuer_url = pulumi.Output.from_input(parts.oidc_issuer_url)
        self.vpc_id = pulumi.Output.from_input(parts.vpc_id)
        self.node_resource_group = pulumi.Output.from_input(parts.node_resource_group)
        self.identity_principal_id = pulumi.Output.from_input(parts.identity_principal_id)
        self.api_endpoint = pulumi.Output.from_input(parts.api_endpoint)

        context = config.existing.context if config.existing else None
        self.provider = k8s.Provider(
            f"{name}-k8s",
            kubeconfig=self.kubeconfig if parts.kubeconfig is not None else None,
            context=context,
            opts=pulumi.ResourceOptions(parent=self, depends_on=parts.depends_on or []),
        )
        self.register_outputs(
            {
                "kubeconfig": self.kubeconfig,
                "cluster_name": self.cluster_name,
                "oidc_provider_arn": self.oidc_provider_arn,
                "oidc_issuer_url": self.oidc_issuer_url,
                "vpc_id": self.vpc_id,
                "node_resource_group": self.node_resource_group,
                "identity_principal_id": self.identity_principal_id,
                "api_endpoint": self.api_endpoint,
            }
        )


def default_kubeconfig_path() -> Path:
    """Where kubectl looks: the first entry of $KUBECONFIG, else ~/.kube/config."""
    env = os.environ.get("KUBECONFIG", "")
    first = env.split(os.pathsep)[0] if env else ""
    return Path(first) if first else Path.home() / ".kube" / "config"


def _existing_kubeconfig(config: ClusterConfig, secret: pulumi.Output[str] | None) -> ClusterOutputs:
    """An existing cluster: kubeconfig from the secret, the configured file, or kubectl's default."""
    existing = config.existing
    kubeconfig: pulumi.Output[str] | None
    if secret is not None:
        kubeconfig = secret
    elif existing and existing.kubeconfig_path:
        kubeconfig = pulumi.Output.secret(Path(existing.kubeconfig_path).expanduser().read_text())
    else:
        path = default_kubeconfig_path()
        # No file (e.g. a CI preview machine): the provider then resolves the kubeconfig
        # itself at deploy time; the program never inlines a guess.
        kubeconfig = pulumi.Output.secret(path.read_text()) if path.is_file() else None
    # The server's URL is no secret, though the kubeconfig it is read from is one.
    endpoint = (
        pulumi.Output.unsecret(
            kubeconfig.apply(lambda text: api_server_of(text, existing.context if existing else None))
        )
        if kubeconfig is not None
        else None
    )
    return ClusterOutputs(kubeconfig=kubeconfig, name=config.name, api_endpoint=endpoint)


def api_server_of(kubeconfig: str, context: str | None) -> str | None:
    """The API server URL a kubeconfig reaches with `context` (or its current context), if it says."""
    try:
        document = yaml.safe_load(kubeconfig)
    except yaml.YAMLError:
        return None
    if not isinstance(document, dict):
        return None
    wanted = context or document.get("current-context")
    contexts = {c.get("name"): c.get("context") or {} for c in document.get("contexts") or [] if isinstance(c, dict)}
    clusters = {c.get("name"): c.get("cluster") or {} for c in document.get("clusters") or [] if isinstance(c, dict)}
    cluster_name = contexts.get(wanted, {}).get("cluster")
    return clusters.get(cluster_name, {}).get("server")
