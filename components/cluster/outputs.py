"""What each cluster variant (EKS, AKS, existing) hands back to the `Cluster` component."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi


@dataclass
class ClusterOutputs:
    """What a cluster variant hands back to the component."""

    kubeconfig: pulumi.Output[str] | None
    """None for an existing cluster with no kubeconfig here: the provider finds one at deploy time."""
    name: pulumi.Input[str]
    oidc_provider_arn: pulumi.Output[str] | None = None
    oidc_issuer_url: pulumi.Output[str] | None = None
    vpc_id: pulumi.Input[str] | None = None
    node_resource_group: pulumi.Output[str | None] | None = None
    identity_principal_id: pulumi.Output[str | None] | None = None
    api_endpoint: pulumi.Input[str | None] | None = None
    depends_on: list[pulumi.Resource] | None = None


def required_output(value: pulumi.Output[str | None], what: str) -> pulumi.Output[str]:
    """A variant's output as a plain string, for a consumer the stack's rules only pair with a cluster
    that has it (the ALB edge reads EKS's OIDC provider); a missing one fails naming `what`."""

    def present(found: str | None) -> str:
        if found is None:
            raise ValueError(f"the cluster has no {what}")
        return found

    return value.apply(present)
