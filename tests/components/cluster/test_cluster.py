"""The cluster component's resource graph for each variant, under Pulumi mocks."""

from __future__ import annotations

import json

import pytest

from components.cluster.component import api_server_of
from components.cluster.eks import kubeconfig_document, plan_subnets
from tools.mockrun import Secret

CLUSTER_TYPES_EKS = {
    "aws:ec2/vpc:Vpc",
    "aws:ec2/subnet:Subnet",
    "aws:iam/role:Role",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:eks/cluster:Cluster",
    "aws:eks/nodeGroup:NodeGroup",
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
    "pulumi:providers:kubernetes",
}


def _under_cluster(run):
    """Resources that belong to the cluster component (its subtree)."""
    names = {"cluster"}
    changed = True
    while changed:
        changed = False
        for r in run.resources:
            if r.parent in names and r.name not in names:
                names.add(r.name)
                changed = True
    return [r for r in run.resources if r.name in names and r.name != "cluster"]


def test_plan_subnets_gives_each_zone_a_public_and_a_private_block():
    plans = plan_subnets("10.100.0.0/16", ("eu-west-1a", "eu-west-1b", "eu-west-1c"))
    assert [(p.public_cidr, p.private_cidr) for p in plans] == [
        ("10.100.0.0/20", "10.100.128.0/20"),
        ("10.100.16.0/20", "10.100.144.0/20"),
        ("10.100.32.0/20", "10.100.160.0/20"),
    ]
    with pytest.raises(ValueError):
        plan_subnets("10.0.0.0/16", tuple(f"eu-west-1{c}" for c in "abcdefghi"))


def test_eks_kubeconfig_uses_aws_eks_get_token():
    doc = kubeconfig_document("c1", "https://x", "Q0E=", "eu-west-1")
    user = doc["users"][0]["user"]["exec"]
    assert user["command"] == "aws"
    assert user["args"] == ["eks", "get-token", "--cluster-name", "c1", "--output", "json", "--region", "eu-west-1"]


def test_eks_new_vpc_graph(run_stack):
    run = run_stack("eks")
    types = {r.type for r in _under_cluster(run)}
    assert CLUSTER_TYPES_EKS <= types
    subnets = run.of_type("aws:ec2/subnet:Subnet")
    public = [s for s in subnets if s.inputs.get("mapPublicIpOnLaunch")]
    private = [s for s in subnets if not s.inputs.get("mapPublicIpOnLaunch")]
    assert len(public) == 3 and len(private) == 3
    assert {s.inputs["availabilityZone"] for s in public} == {"eu-west-1a", "eu-west-1b", "eu-west-1c"}
    for s in public:
        assert s.inputs["tags"]["kubernetes.io/role/elb"] == "1"
        assert s.inputs["tags"]["kubernetes.io/cluster/mesh-prod"] == "shared"
    for s in private:
        assert s.inputs["tags"]["kubernetes.io/role/internal-elb"] == "1"
        assert s.inputs["tags"]["kubernetes.io/cluster/mesh-prod"] == "shared"
    # Private subnets reach out through the NAT gateway, public ones through the internet gateway.
    routes = {r.name: r.inputs["routes"][0] for r in run.of_type("aws:ec2/routeTable:RouteTable")}
    assert "gatewayId" in routes["cluster-public-rt"]
    for zone in ("eu-west-1a", "eu-west-1b", "eu-west-1c"):
        assert "natGatewayId" in routes[f"cluster-private-rt-{zone}"]


def test_eks_iam_roles_and_policies(run_stack):
    run = run_stack("eks")
    roles = {
        r.name: json.loads(r.inputs["assumeRolePolicy"])
        for r in run.of_type("aws:iam/role:Role")
        if r.name in ("cluster-cluster-role", "cluster-node-role")
    }
    assert roles["cluster-cluster-role"]["Statement"][0]["Principal"] == {"Service": "eks.amazonaws.com"}
    assert roles["cluster-node-role"]["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}
    attached = {
        (a.parent, a.inputs["policyArn"].rsplit("/", 1)[-1])
        for a in run.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    }
    assert ("cluster-cluster-role", "AmazonEKSClusterPolicy") in attached
    for policy in ("AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly"):
        assert ("cluster-node-role", policy) in attached


def test_eks_cluster_node_group_and_oidc(run_stack):
    run = run_stack("eks")
    cluster = run.named("cluster-eks")
    assert cluster.inputs["name"] == "mesh-prod"
    assert cluster.inputs["version"] == "1.35"
    assert len(cluster.inputs["vpcConfig"]["subnetIds"]) == 6
    # The cluster waits for its role's policy to be attached (else creation fails on AWS).
    assert any(d.startswith("cluster-cluster-role-") for d in cluster.dependencies)
    nodes = run.named("cluster-nodes")
    assert nodes.inputs["scalingConfig"] == {"minSize": 3, "desiredSize": 3, "maxSize": 6}
    assert nodes.inputs["instanceTypes"] == ["m6i.large"]
    assert len(nodes.inputs["subnetIds"]) == 3
    oidc = run.named("cluster-oidc")
    assert oidc.inputs["clientIdLists"] == ["sts.amazonaws.com"]
    assert oidc.inputs["url"].startswith("https://oidc.eks.")
    assert run.outputs["oidcProviderArn"].startswith("arn:aws:iam::")


def test_eks_with_existing_vpc_creates_no_network(run_stack):
    run = run_stack(
        "eks",
        overrides={
            "mesh-platform:cluster": {
                "kind": "eks",
                "name": "mesh-prod",
                "eks": {
                    "publicAccessCidrs": ["203.0.113.0/24"],
                    "vpc": {
                        "vpcId": "vpc-0123",
                        "publicSubnetIds": ["subnet-a", "subnet-b"],
                        "privateSubnetIds": ["subnet-c", "subnet-d"],
                    },
                },
            }
        },
    )
    assert not run.of_type("aws:ec2/vpc:Vpc") and not run.of_type("aws:ec2/subnet:Subnet")
    assert run.named("cluster-eks").inputs["vpcConfig"]["subnetIds"] == ["subnet-c", "subnet-d", "subnet-a", "subnet-b"]
    assert run.named("cluster-nodes").inputs["subnetIds"] == ["subnet-c", "subnet-d"]
    assert run.outputs["vpcId"] == "vpc-0123"


def test_aks_graph(run_stack):
    run = run_stack("aks")
    types = {r.type for r in _under_cluster(run)}
    assert types == {
        "azure-native:resources:ResourceGroup",
        "azure-native:containerservice:ManagedCluster",
        "pulumi:providers:kubernetes",
    }
    aks = run.named("cluster-aks")
    assert aks.inputs["identity"] == {"type": "SystemAssigned"}
    assert aks.inputs["kubernetesVersion"] == "1.35"
    pool = aks.inputs["agentPoolProfiles"][0]
    assert pool["vmSize"] == "Standard_D4s_v5" and pool["mode"] == "System"
    assert (pool["minCount"], pool["count"], pool["maxCount"]) == (3, 3, 5)
    assert run.outputs["nodeResourceGroup"].startswith("MC_mesh-staging-rg_")


@pytest.mark.parametrize("stack", ["dev", "onprem"])
def test_existing_cluster_declares_only_the_provider(run_stack, stack):
    run = run_stack(stack)
    assert [r.type for r in _under_cluster(run)] == ["pulumi:providers:kubernetes"]


def test_onprem_provider_uses_secret_kubeconfig_and_context(run_stack):
    provider = run_stack("onprem").named("cluster-k8s")
    assert isinstance(provider.inputs["kubeconfig"], Secret)
    assert provider.inputs["context"] == "onprem-admin"


@pytest.mark.parametrize("stack", ["eks", "aks", "onprem"])
def test_kubeconfig_output_is_secret(run_stack, stack):
    run = run_stack(stack)
    assert "kubeconfig" in run.secret_outputs
    assert isinstance(run.named("cluster-k8s").inputs["kubeconfig"], Secret)


def test_every_kubernetes_resource_uses_the_cluster_provider(run_stack):
    for stack in ("eks", "aks", "dev", "onprem"):
        run = run_stack(stack)
        k8s = [r for r in run.resources if r.custom and r.type.startswith("kubernetes:")]
        for r in k8s:
            assert r.provider == "cluster-k8s", f"{stack}: {r.type} {r.name} uses {r.provider}"


ONPREM_KUBECONFIG = """\
apiVersion: v1
kind: Config
current-context: other
contexts:
  - name: onprem-admin
    context: {cluster: onprem, user: admin}
  - name: other
    context: {cluster: elsewhere, user: admin}
clusters:
  - name: onprem
    cluster: {server: "https://10.60.0.10:6443", certificate-authority-data: Q0E=}
  - name: elsewhere
    cluster: {server: "https://elsewhere:6443"}
users:
  - name: admin
    user: {token: not-a-real-token}
"""


@pytest.mark.parametrize(
    "stack, endpoint",
    [
        ("eks", "https://mesh-prod.gr7.eu-west-1.eks.amazonaws.com"),
        ("aks", "https://mesh-staging.hcp.westeurope.azmk8s.io"),
    ],
)
def test_cloud_clusters_export_their_api_endpoint(run_stack, stack, endpoint):
    run = run_stack(stack)
    assert run.outputs["clusterApiEndpoint"] == endpoint
    assert "clusterApiEndpoint" not in run.secret_outputs


def test_existing_cluster_exports_the_server_of_its_context(run_stack):
    run = run_stack("onprem", overrides={"mesh-platform:kubeconfig": Secret(ONPREM_KUBECONFIG)})
    assert run.outputs["clusterApiEndpoint"] == "https://10.60.0.10:6443"  # the configured context, not current
    assert "clusterApiEndpoint" not in run.secret_outputs
    assert "kubeconfig" in run.secret_outputs


def test_api_server_of_tolerates_kubeconfigs_without_the_context():
    assert api_server_of(ONPREM_KUBECONFIG, None) == "https://elsewhere:6443"
    assert api_server_of(ONPREM_KUBECONFIG, "missing") is None
    assert api_server_of("- not a mapping", None) is None
    assert api_server_of("{unclosed", None) is None
