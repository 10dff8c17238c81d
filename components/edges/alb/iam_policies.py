"""IAM policy documents as plain dicts (pure functions; `json.dumps` them where declared).

- `irsa_trust_policy`: lets one Kubernetes service account assume a role through the
  cluster's OIDC provider (IAM Roles for Service Accounts).
- `load_balancer_controller_policy`: what the AWS Load Balancer Controller needs to run
  ALBs/NLBs for a cluster. Mutating calls are limited to resources that carry the
  controller's `elbv2.k8s.aws/cluster` tag, the tag it puts on everything it creates.
"""

from __future__ import annotations

from typing import Any

CLUSTER_TAG = "elbv2.k8s.aws/cluster"
LBC_NAMESPACE = "kube-system"
LBC_SERVICE_ACCOUNT = "aws-load-balancer-controller"

_ELB = "elasticloadbalancing"


def service_account_subject(namespace: str, service_account: str) -> str:
    """The `sub` claim of a service account's projected token."""
    return f"system:serviceaccount:{namespace}:{service_account}"


def irsa_trust_policy(oidc_provider_arn: str, issuer_url: str, namespace: str, service_account: str) -> dict[str, Any]:
    """Trust policy: only `namespace/service_account` of this cluster may assume the role."""
    issuer = issuer_url.removeprefix("https://")
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": oidc_provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        f"{issuer}:sub": service_account_subject(namespace, service_account),
                        f"{issuer}:aud": "sts.amazonaws.com",
                    }
                },
            }
        ],
    }


def _statement(actions: list[str], resources: Any = "*", condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": sorted(actions), "Resource": resources}
    if condition:
        statement["Condition"] = condition
    return statement


def _tagged(kind: str) -> dict[str, dict[str, str]]:
    """Condition: the request (kind="RequestTag") or resource ("ResourceTag") has the cluster tag."""
    return {"Null": {f"aws:{kind}/{CLUSTER_TAG}": "false"}}


def _owned_not_retagged() -> dict[str, dict[str, str]]:
    """Condition: the resource has the cluster tag and the request does not try to set it."""
    return {"Null": {f"aws:RequestTag/{CLUSTER_TAG}": "true", f"aws:ResourceTag/{CLUSTER_TAG}": "false"}}


def load_balancer_controller_policy(partition: str = "aws") -> dict[str, Any]:
    """The AWS Load Balancer Controller's permissions, grouped by what they are for."""
    elb_arn = f"arn:{partition}:elasticloadbalancing:*:*"
    lb_and_tg = [f"{elb_arn}:targetgroup/*/*", f"{elb_arn}:loadbalancer/net/*/*", f"{elb_arn}:loadbalancer/app/*/*"]
    listeners = [
        f"{elb_arn}:listener/net/*/*/*",
        f"{elb_arn}:listener/app/*/*/*",
        f"{elb_arn}:listener-rule/net/*/*/*",
        f"{elb_arn}:listener-rule/app/*/*/*",
    ]
    security_groups = f"arn:{partition}:ec2:*:*:security-group/*"

    discovery = [
        f"ec2:{a}"
        for a in (
            "DescribeAccountAttributes",
            "DescribeAddresses",
            "DescribeAvailabilityZones",
            "DescribeInternetGateways",
            "DescribeVpcs",
            "DescribeVpcPeeringConnections",
            "DescribeSubnets",
            "DescribeSecurityGroups",
            "DescribeInstances",
            "DescribeNetworkInterfaces",
            "DescribeTags",
            "DescribeRouteTables",
            "DescribeCoipPools",
            "GetCoipPoolUsage",
            "GetSecurityGroupsForVpc",
            "DescribeIpamPools",
        )
    ]
    discovery += [
        f"{_ELB}:{a}"
        for a in (
            "DescribeLoadBalancers",
            "DescribeLoadBalancerAttributes",
            "DescribeListeners",
            "DescribeListenerCertificates",
            "DescribeListenerAttributes",
            "DescribeSSLPolicies",
            "DescribeRules",
            "DescribeTargetGroups",
            "DescribeTargetGroupAttributes",
            "DescribeTargetHealth",
            "DescribeTags",
            "DescribeTrustStores",
            "DescribeCapacityReservation",
        )
    ]
    integrations = [
        "cognito-idp:DescribeUserPoolClient",
        "acm:ListCertificates",
        "acm:DescribeCertificate",
        "iam:ListServerCertificates",
        "iam:GetServerCertificate",
        "waf-regional:GetWebACL",
        "waf-regional:GetWebACLForResource",
        "waf-regional:AssociateWebACL",
        "waf-regional:DisassociateWebACL",
        "wafv2:GetWebACL",
        "wafv2:GetWebACLForResource",
        "wafv2:AssociateWebACL",
        "wafv2:DisassociateWebACL",
        "shield:GetSubscriptionState",
        "shield:DescribeProtection",
        "shield:CreateProtection",
        "shield:DeleteProtection",
    ]
    # Two statements, as in the controller's published policy (docs/install/iam_policy.json, v3.5.0).
    listener_lifecycle = [f"{_ELB}:{a}" for a in ("CreateListener", "DeleteListener", "CreateRule", "DeleteRule")]
    listener_management = [
        f"{_ELB}:{a}"
        for a in (
            "ModifyListener",
            "ModifyRule",
            "SetRulePriorities",
            "AddListenerCertificates",
            "RemoveListenerCertificates",
            "SetWebAcl",
        )
    ]
    owned_lb_changes = [
        f"{_ELB}:{a}"
        for a in (
            "ModifyLoadBalancerAttributes",
            "SetIpAddressType",
            "SetSecurityGroups",
            "SetSubnets",
            "DeleteLoadBalancer",
            "ModifyTargetGroup",
            "ModifyTargetGroupAttributes",
            "DeleteTargetGroup",
            "ModifyListenerAttributes",
            "ModifyCapacityReservation",
            "ModifyIpPools",
        )
    ]

    return {
        "Version": "2012-10-17",
        "Statement": [
            _statement(
                ["iam:CreateServiceLinkedRole"],
                condition={"StringEquals": {"iam:AWSServiceName": "elasticloadbalancing.amazonaws.com"}},
            ),
            _statement(discovery),
            _statement(integrations),
            # Security groups: create any, tag only at creation or when owned, change only owned ones.
            _statement(["ec2:CreateSecurityGroup"]),
            _statement(["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"]),
            _statement(
                ["ec2:CreateTags"],
                security_groups,
                {"StringEquals": {"ec2:CreateAction": "CreateSecurityGroup"}, **_tagged("RequestTag")},
            ),
            _statement(["ec2:CreateTags", "ec2:DeleteTags"], security_groups, _owned_not_retagged()),
            _statement(
                ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress", "ec2:DeleteSecurityGroup"],
                condition=_tagged("ResourceTag"),
            ),
            # Load balancers and target groups: created with the tag, changed only when tagged.
            _statement([f"{_ELB}:CreateLoadBalancer", f"{_ELB}:CreateTargetGroup"], condition=_tagged("RequestTag")),
            _statement(listener_lifecycle),
            _statement(
                [f"{_ELB}:AddTags"],
                lb_and_tg,
                {
                    "StringEquals": {f"{_ELB}:CreateAction": ["CreateTargetGroup", "CreateLoadBalancer"]},
                    **_tagged("RequestTag"),
                },
            ),
            _statement([f"{_ELB}:AddTags", f"{_ELB}:RemoveTags"], lb_and_tg, _owned_not_retagged()),
            _statement([f"{_ELB}:AddTags", f"{_ELB}:RemoveTags"], listeners),
            _statement(owned_lb_changes, condition=_tagged("ResourceTag")),
            _statement(listener_management),
            _statement([f"{_ELB}:RegisterTargets", f"{_ELB}:DeregisterTargets"], f"{elb_arn}:targetgroup/*/*"),
        ],
    }
