"""The ALB edge (EKS): AWS Load Balancer Controller with IRSA and an ALB Ingress.

The controller's role is assumable only by its service account through the cluster's OIDC
provider; the Ingress lives in the gateway's namespace and fronts the NodePort gateway.
Policies and manifests come from `components/iam_policies.py` and `alb_model.py`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.edges.alb import iam_policies, model
from components.edges.alb.config import AlbEdgeConfig
from components.helm import pinned_release
from components.resource_options import renamed_from


@dataclass
class AlbEdgeArgs:
    """Inputs of the `AlbEdge` component."""

    config: AlbEdgeConfig
    """The validated `edge.alb` section (certificate, scheme, TLS policy, chart)."""
    cluster_name: pulumi.Input[str]
    """The EKS cluster's name (the controller tags what it creates with it)."""
    oidc_provider_arn: pulumi.Input[str]
    """The cluster's IAM OIDC provider, trusted by the controller's role."""
    oidc_issuer_url: pulumi.Input[str]
    """The cluster's OIDC issuer URL (prefix of the token claims in the trust policy)."""
    vpc_id: pulumi.Input[str]
    """The cluster's VPC."""
    gateway_namespace: str
    """Namespace of the Istio ingress gateway (the Ingress goes there)."""
    gateway_service: str
    """Name of the NodePort ingress gateway Service."""
    gateway: pulumi.Resource
    """The ingress gateway release the Ingress points at."""
    tags: dict[str, str] = field(default_factory=dict)
    """AWS tags for the IAM role and policy."""


class AlbEdge(pulumi.ComponentResource):
    """An internet-facing (or internal) ALB in front of the NodePort Istio ingress gateway.

    The cluster's Kubernetes provider comes in `opts` (`providers=[...]`); every child inherits it.
    """

    role: aws.iam.Role
    """The controller's IRSA role."""
    controller: k8s.helm.v3.Release
    """The AWS Load Balancer Controller release."""
    ingress: k8s.networking.v1.Ingress
    """The ALB Ingress."""
    hostname: pulumi.Output[str | None]
    """The ALB's DNS name (from the Ingress status), for a Route 53 alias or CNAME."""

    def __init__(self, name: str, args: AlbEdgeArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mesh-platform:alb:AlbEdge", name, None, renamed_from("mesh-platform:edges:AlbEdge", opts))
        child = pulumi.ResourceOptions(parent=self)
        partition = aws.get_partition_output(opts=pulumi.InvokeOutputOptions(parent=self)).partition
        region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=self)).region

        policy = aws.iam.Policy(
            f"{name}-controller-policy",
            description="AWS Load Balancer Controller",
            policy=partition.apply(lambda p: json.dumps(iam_policies.load_balancer_controller_policy(p))),
            tags=args.tags,
            opts=child,
        )
        self.role = aws.iam.Role(
            f"{name}-controller-role",
            description="IRSA role of the AWS Load Balancer Controller",
            assume_role_policy=pulumi.Output.all(args.oidc_provider_arn, args.oidc_issuer_url).apply(
                lambda values: json.dumps(
                    iam_policies.irsa_trust_policy(
                        values[0], values[1], iam_policies.LBC_NAMESPACE, iam_policies.LBC_SERVICE_ACCOUNT
                    )
                )
            ),
            tags=args.tags,
            opts=child,
        )
        attachment = aws.iam.RolePolicyAttachment(
            f"{name}-controller-policy-attachment", role=self.role.name, policy_arn=policy.arn, opts=child
        )

        chart = args.config.controller_chart
        self.controller = pinned_release(
            f"{name}-controller",
            chart.chart,
            chart,
            iam_policies.LBC_NAMESPACE,
            model.controller_values(args.cluster_name, self.role.arn, region, args.vpc_id),
            parent=self,
            depends_on=[attachment],
        )

        manifest = model.ingress_manifest(args.config, args.gateway_namespace, args.gateway_service)
        # The controller's webhook validates Ingresses of class alb: it must run first.
        self.ingress = k8s.networking.v1.Ingress(
            f"{name}-ingress",
            metadata=manifest["metadata"],
            spec=manifest["spec"],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.controller, args.gateway]),
        )
        self.hostname = self.ingress.status.apply(_hostname)
        self.register_outputs({"hostname": self.hostname, "role_arn": self.role.arn})


def _hostname(status: k8s.networking.v1.outputs.IngressStatus | None) -> str | None:
    """The first load balancer hostname of an Ingress status, if any yet."""
    entries = (status.load_balancer.ingress if status and status.load_balancer else None) or []
    return entries[0].hostname if entries else None
