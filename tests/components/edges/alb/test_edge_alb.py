"""The ALB edge: controller with IRSA, its IAM policy, the Ingress and the exported hostname."""

from __future__ import annotations

import json

import pytest

from components.edges.alb import iam_policies
from components.edges.alb import model as alb_model
from components.edges.alb.config import AlbEdgeConfig

ARN = "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
PREFIX = "alb.ingress.kubernetes.io"


@pytest.fixture(scope="module")
def eks(run_stack):
    return run_stack("eks")


def test_ingress_annotations():
    annotations = alb_model.ingress_annotations(AlbEdgeConfig(certificate_arn=ARN, scheme="internal"))
    assert annotations[f"{PREFIX}/scheme"] == "internal"
    assert annotations[f"{PREFIX}/target-type"] == "instance"
    assert json.loads(annotations[f"{PREFIX}/listen-ports"]) == [{"HTTP": 80}, {"HTTPS": 443}]
    assert annotations[f"{PREFIX}/certificate-arn"] == ARN
    assert annotations[f"{PREFIX}/ssl-redirect"] == "443"
    assert annotations[f"{PREFIX}/backend-protocol"] == "HTTPS"
    assert annotations[f"{PREFIX}/healthcheck-port"] == "status-port"
    assert annotations[f"{PREFIX}/healthcheck-path"] == "/healthz/ready"
    assert annotations[f"{PREFIX}/healthcheck-protocol"] == "HTTP"
    assert all(isinstance(v, str) for v in annotations.values())


def test_trust_policy_names_only_the_controller_service_account():
    policy = iam_policies.irsa_trust_policy(
        "arn:aws:iam::1:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC",
        "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC",
        "kube-system",
        "aws-load-balancer-controller",
    )
    (statement,) = policy["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Principal"] == {
        "Federated": "arn:aws:iam::1:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC"
    }
    assert statement["Condition"] == {
        "StringEquals": {
            "oidc.eks.eu-west-1.amazonaws.com/id/ABC:sub": (
                "system:serviceaccount:kube-system:aws-load-balancer-controller"
            ),
            "oidc.eks.eu-west-1.amazonaws.com/id/ABC:aud": "sts.amazonaws.com",
        }
    }


def test_controller_policy_limits_mutations_to_owned_resources():
    policy = iam_policies.load_balancer_controller_policy("aws-cn")
    statements = policy["Statement"]
    actions = {a for s in statements for a in s["Action"]}
    for needed in (
        "elasticloadbalancing:CreateLoadBalancer",
        "elasticloadbalancing:RegisterTargets",
        "ec2:CreateSecurityGroup",
        "ec2:DescribeSubnets",
        "acm:DescribeCertificate",
        "iam:CreateServiceLinkedRole",
        "elasticloadbalancing:DeleteLoadBalancer",
    ):
        assert needed in actions
    deleting = [s for s in statements if "elasticloadbalancing:DeleteLoadBalancer" in s["Action"]]
    assert deleting[0]["Condition"] == {"Null": {"aws:ResourceTag/elbv2.k8s.aws/cluster": "false"}}
    sg_delete = [s for s in statements if "ec2:DeleteSecurityGroup" in s["Action"]]
    assert "Condition" in sg_delete[0]
    resources = json.dumps([s["Resource"] for s in statements])
    assert "arn:aws-cn:" in resources and "arn:aws:" not in resources
    assert not any(a.endswith(":*") for a in actions)


def test_controller_role_policy_and_release(eks):
    (policy,) = eks.of_type("aws:iam/policy:Policy")
    assert json.loads(policy.inputs["policy"]) == iam_policies.load_balancer_controller_policy("aws")
    role = eks.named("alb-edge-controller-role")
    trust = json.loads(role.inputs["assumeRolePolicy"])
    condition = trust["Statement"][0]["Condition"]["StringEquals"]
    assert (
        condition["oidc.eks.eu-west-1.amazonaws.com/id/MOCK0123456789:sub"]
        == "system:serviceaccount:kube-system:aws-load-balancer-controller"
    )
    assert trust["Statement"][0]["Principal"]["Federated"].endswith("/id/MOCK0123456789")
    attachment = eks.named("alb-edge-controller-policy-attachment")
    assert attachment.inputs["role"] == "alb-edge-controller-role"

    release = eks.named("alb-edge-controller")
    assert release.inputs["chart"] == "aws-load-balancer-controller"
    assert release.inputs["version"] == "3.5.0"
    assert release.inputs["repositoryOpts"] == {"repo": "https://aws.github.io/eks-charts"}
    assert release.inputs["namespace"] == "kube-system"
    values = release.inputs["values"]
    assert values["clusterName"] == "mesh-prod"
    assert values["region"] == "eu-west-1"
    assert values["serviceAccount"]["name"] == "aws-load-balancer-controller"
    assert (
        values["serviceAccount"]["annotations"]["eks.amazonaws.com/role-arn"]
        == "arn:aws:iam::123456789012:role/alb-edge-controller-role"
    )
    assert "alb-edge-controller-policy-attachment" in release.dependencies
    assert release.provider == "cluster-k8s"


def test_ingress_fronts_the_nodeport_gateway(eks):
    (ingress,) = eks.of_type("kubernetes:networking.k8s.io/v1:Ingress")
    assert ingress.inputs["metadata"]["namespace"] == "istio-ingress"
    assert ingress.inputs["spec"]["ingressClassName"] == "alb"
    annotations = ingress.inputs["metadata"]["annotations"]
    assert annotations == alb_model.ingress_annotations(AlbEdgeConfig(certificate_arn=ARN))
    (rule,) = ingress.inputs["spec"]["rules"]
    assert rule["http"]["paths"][0]["backend"] == {"service": {"name": "istio-ingressgateway", "port": {"number": 443}}}
    assert {"alb-edge-controller", "mesh-ingress-gateway"} <= set(ingress.dependencies)
    gateway = eks.named("mesh-ingress-gateway").inputs["values"]["service"]
    assert gateway["type"] == "NodePort"
    assert "status-port" in {p["name"] for p in gateway["ports"]}


def test_scheme_and_certificate_follow_config(run_stack):
    other = "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
    run = run_stack(
        "eks", overrides={"mesh-platform:edge": {"kind": "alb", "alb": {"certificateArn": other, "scheme": "internal"}}}
    )
    (ingress,) = run.of_type("kubernetes:networking.k8s.io/v1:Ingress")
    annotations = ingress.inputs["metadata"]["annotations"]
    assert annotations[f"{PREFIX}/scheme"] == "internal"
    assert annotations[f"{PREFIX}/certificate-arn"] == other


def test_alb_hostname_is_exported(eks):
    assert eks.outputs["albHostname"].endswith(".elb.amazonaws.com")
    assert "albHostname" not in eks.secret_outputs
