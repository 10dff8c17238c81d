"""What each cluster variant (EKS, AKS, existing) hands back to the `Cluster` component."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi


@dataclass
class ClusterOutputs:
    """What a cluster variant hands back to the component."""

    kubeconfig: pulumi.Output
    name: pulumi.Input[str]
    oidc_provider_arn: Optional[pulumi.Output[str]] = None
    oidc_issuer_url: Optional[pulumi.Output[str]] = None
    vpc_id: Optional[pulumi.Input[str]] = None
    node_resource_group: Optional[pulumi.Output[str]] = None
    identity_principal_id: Optional[pulumi.Output[str]] = None
    api_endpoint: Optional[pulumi.Input[str]] = None
    depends_on: Optional[list[pulumi.Resource]] = None
