"""What each cluster variant (EKS, AKS, existing) hands back to the `Cluster` component."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi


@dataclass
class ClusterOutputs:
    """What a cluster variant hands back to the component."""

    kubeconfig: Optional[pulumi.Output[str]]
    """None for an existing cluster with no kubeconfig here: the provider finds one at deploy time."""
    name: pulumi.Input[str]
    oidc_provider_arn: Optional[pulumi.Output[str]] = None
    oidc_issuer_url: Optional[pulumi.Output[str]] = None
    vpc_id: Optional[pulumi.Input[str]] = None
    node_resource_group: Optional[pulumi.Output[Optional[str]]] = None
    identity_principal_id: Optional[pulumi.Output[Optional[str]]] = None
    api_endpoint: Optional[pulumi.Input[Optional[str]]] = None
    depends_on: Optional[list[pulumi.Resource]] = None


def required_output(value: pulumi.Output[Optional[str]], what: str) -> pulumi.Output[str]:
    """A variant's output as a plain string, for a consumer the stack's rules only pair with a cluster
    that has it (the ALB edge reads EKS's OIDC provider); a missing one fails naming `what`."""

    def present(found: Optional[str]) -> str:
        if found is None:
            raise ValueError(f"the cluster has no {what}")
        return found

    return value.apply(present)
