"""EKS variant of the cluster: VPC (new or existing), IAM roles, cluster, node group, OIDC."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.cluster.config import ClusterConfig, EksConfig, EksVpcConfig
from components.cluster.outputs import ClusterOutputs

CLUSTER_POLICIES = ("arn:aws:iam::aws:policy/AmazonEKSClusterPolicy",)
NODE_POLICIES = (
    "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
    "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
    "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
)


@dataclass(frozen=True)
class SubnetPlan:
    """The public and private subnet of one availability zone."""

    zone: str
    public_cidr: str
    private_cidr: str


def plan_subnets(vpc_cidr: str, zones: tuple[str, ...]) -> list[SubnetPlan]:
    """Carve the VPC into equal blocks: public subnets first, private ones after them.

    A /16 gives /20 blocks: zone i gets block i (public) and block 8+i (private), so up
    to eight zones fit and adding a zone never renumbers an existing subnet.
    """
    network = ipaddress.ip_network(vpc_cidr)
    blocks = list(network.subnets(prefixlen_diff=4))
    if len(zones) > len(blocks) // 2:
        raise ValueError(f"{vpc_cidr} has room for {len(blocks) // 2} zones, not {len(zones)}")
    half = len(blocks) // 2
    return [SubnetPlan(zone, str(blocks[i]), str(blocks[half + i])) for i, zone in enumerate(zones)]


def subnet_tags(cluster_name: str, public: bool) -> dict[str, str]:
    """Tags the AWS Load Balancer Controller uses to discover subnets."""
    role = "kubernetes.io/role/elb" if public else "kubernetes.io/role/internal-elb"
    return {role: "1", f"kubernetes.io/cluster/{cluster_name}": "shared"}


def assume_role_policy(service: str) -> str:
    """A trust policy letting an AWS service assume the role."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": service},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )


ADMIN_POLICY = "arn:{partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
"""EKS access policy for cluster-admin
(https://docs.aws.amazon.com/eks/latest/userguide/access-policy-permissions.html)."""
METRICS_SERVER_ADDON = "metrics-server"
"""EKS community add-on; metrics-server is not installed on EKS by default."""


def kubeconfig_document(
    name: str,
    endpoint: str,
    ca_data: str | None,
    region: str | None,
    role_arn: str | None = None,
    profile: str | None = None,
) -> dict[str, Any]:
    """A kubeconfig that authenticates with `aws eks get-token`, as the given role and/or profile."""
    args = ["eks", "get-token", "--cluster-name", name, "--output", "json"]
    if region:
        args += ["--region", region]
    if role_arn:
        args += ["--role-arn", role_arn]
    exec_config: dict[str, Any] = {
        "apiVersion": "client.authentication.k8s.io/v1beta1",
        "command": "aws",
        "args": args,
        "interactiveMode": "Never",
    }
    if profile:
        exec_config["env"] = [{"name": "AWS_PROFILE", "value": profile}]
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": {"server": endpoint, "certificate-authority-data": ca_data}}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
        "current-context": name,
        "users": [{"name": name, "user": {"exec": exec_config}}],
    }


def admin_principals(admin_role_arns: tuple[str, ...], kubeconfig_role_arn: str | None) -> list[str]:
    """Roles that get cluster-admin access entries: the configured admins and the kubeconfig's role."""
    return list(dict.fromkeys([*admin_role_arns, *([kubeconfig_role_arn] if kubeconfig_role_arn else [])]))


def nat_zones(zones: tuple[str, ...], layout: str) -> list[str]:
    """The zones that get a NAT gateway: every zone, or the first only (`single`)."""
    return list(zones) if layout == "per-zone" else list(zones[:1])


def _vpc(
    name: str, cluster_name: str, vpc_config: EksVpcConfig, tags: dict[str, str], opts: pulumi.ResourceOptions
) -> tuple[pulumi.Output[str], list[pulumi.Output[str]], list[pulumi.Output[str]]]:
    """A new VPC with a public and a private subnet per zone; returns (vpc_id, public, private)."""
    vpc = aws.ec2.Vpc(
        f"{name}-vpc",
        cidr_block=vpc_config.cidr,
        enable_dns_hostnames=True,
        enable_dns_support=True,
        tags={**tags, "Name": f"{cluster_name}-vpc"},
        opts=opts,
    )
    vpc_child = pulumi.ResourceOptions(parent=vpc)
    igw = aws.ec2.InternetGateway(
        f"{name}-igw", vpc_id=vpc.id, tags={**tags, "Name": f"{cluster_name}-igw"}, opts=vpc_child
    )
    public_rt = aws.ec2.RouteTable(
        f"{name}-public-rt",
        vpc_id=vpc.id,
        routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", gateway_id=igw.id)],
        tags={**tags, "Name": f"{cluster_name}-public"},
        opts=vpc_child,
    )
    public_ids: list[pulumi.Output[str]] = []
    private_ids: list[pulumi.Output[str]] = []
    nat_in = set(nat_zones(vpc_config.availability_zones, vpc_config.nat_gateways))
    private_rt: aws.ec2.RouteTable | None = None
    for plan in plan_subnets(vpc_config.cidr, vpc_config.availability_zones):
        public = aws.ec2.Subnet(
            f"{name}-public-{plan.zone}",
            vpc_id=vpc.id,
            cidr_block=plan.public_cidr,
            availability_zone=plan.zone,
            map_public_ip_on_launch=True,
            tags={**tags, **subnet_tags(cluster_name, public=True), "Name": f"{cluster_name}-public-{plan.zone}"},
            opts=vpc_child,
        )
        aws.ec2.RouteTableAssociation(
            f"{name}-public-{plan.zone}", subnet_id=public.id, route_table_id=public_rt.id, opts=vpc_child
        )
        if plan.zone in nat_in:
            # Each private subnet leaves through the NAT gateway of its own zone (or the single one).
            suffix = "" if vpc_config.nat_gateways == "single" else f"-{plan.zone}"
            eip = aws.ec2.Eip(
                f"{name}-nat-eip{suffix}",
                domain="vpc",
                tags={**tags, "Name": f"{cluster_name}-nat{suffix}"},
                opts=vpc_child,
            )
            nat = aws.ec2.NatGateway(
                f"{name}-nat{suffix}",
                allocation_id=eip.id,
                subnet_id=public.id,
                tags={**tags, "Name": f"{cluster_name}-nat{suffix}"},
                opts=pulumi.ResourceOptions(parent=vpc, depends_on=[igw]),
            )
            private_rt = aws.ec2.RouteTable(
                f"{name}-private-rt{suffix}",
                vpc_id=vpc.id,
                routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", nat_gateway_id=nat.id)],
                tags={**tags, "Name": f"{cluster_name}-private{suffix}"},
                opts=vpc_child,
            )
        private = aws.ec2.Subnet(
            f"{name}-private-{plan.zone}",
            vpc_id=vpc.id,
            cidr_block=plan.private_cidr,
            availability_zone=plan.zone,
            tags={**tags, **subnet_tags(cluster_name, public=False), "Name": f"{cluster_name}-private-{plan.zone}"},
            opts=vpc_child,
        )
        aws.ec2.RouteTableAssociation(
            f"{name}-private-{plan.zone}",
            subnet_id=private.id,
            route_table_id=_nat_route_table(private_rt).id,
            opts=vpc_child,
        )
        public_ids.append(public.id)
        private_ids.append(private.id)
    return vpc.id, public_ids, private_ids


def _role(
    name: str, service: str, policies: tuple[str, ...], tags: dict[str, str], opts: pulumi.ResourceOptions
) -> tuple[aws.iam.Role, list[aws.iam.RolePolicyAttachment]]:
    role = aws.iam.Role(name, assume_role_policy=assume_role_policy(service), tags=tags, opts=opts)
    attachments = [
        aws.iam.RolePolicyAttachment(
            f"{name}-{arn.rsplit('/', 1)[-1]}", role=role.name, policy_arn=arn, opts=pulumi.ResourceOptions(parent=role)
        )
        for arn in policies
    ]
    return role, attachments


def build_eks(
    name: str, config: ClusterConfig, eks_config: EksConfig, tags: dict[str, str], opts: pulumi.ResourceOptions
) -> ClusterOutputs:
    """Declare the EKS cluster (`eks_config` is the section `config.eks`) and everything it needs."""
    vpc_id: pulumi.Input[str]
    public_ids: list[pulumi.Input[str]]
    private_ids: list[pulumi.Input[str]]
    existing_vpc = eks_config.vpc.existing_vpc_id
    if existing_vpc is None:
        vpc_id, new_public, new_private = _vpc(name, config.name, eks_config.vpc, tags, opts)
        public_ids, private_ids = list(new_public), list(new_private)
    else:
        vpc_id = existing_vpc
        public_ids = list(eks_config.vpc.public_subnet_ids)
        private_ids = list(eks_config.vpc.private_subnet_ids)

    cluster_role, cluster_attachments = _role(f"{name}-cluster-role", "eks.amazonaws.com", CLUSTER_POLICIES, tags, opts)
    node_role, node_attachments = _role(f"{name}-node-role", "ec2.amazonaws.com", NODE_POLICIES, tags, opts)

    cluster = aws.eks.Cluster(
        f"{name}-eks",
        name=config.name,
        role_arn=cluster_role.arn,
        version=config.kubernetes_version,
        vpc_config=aws.eks.ClusterVpcConfigArgs(
            subnet_ids=[*private_ids, *public_ids],
            endpoint_private_access=True,
            endpoint_public_access=eks_config.endpoint_public_access,
            public_access_cidrs=list(eks_config.public_access_cidrs) if eks_config.endpoint_public_access else None,
        ),
        access_config=aws.eks.ClusterAccessConfigArgs(
            authentication_mode="API",
            bootstrap_cluster_creator_admin_permissions=True,
        ),
        # STANDARD: EKS upgrades the cluster when standard support ends instead of billing extended support.
        upgrade_policy=aws.eks.ClusterUpgradePolicyArgs(
            support_type="EXTENDED" if config.extended_support else "STANDARD"
        ),
        tags=tags,
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=cluster_attachments)),
    )
    ng = eks_config.node_group
    node_group = aws.eks.NodeGroup(
        f"{name}-nodes",
        cluster_name=cluster.name,
        node_role_arn=node_role.arn,
        subnet_ids=private_ids,
        instance_types=list(ng.instance_types),
        disk_size=ng.disk_size_gib,
        scaling_config=aws.eks.NodeGroupScalingConfigArgs(
            min_size=ng.min_size, desired_size=ng.desired_size, max_size=ng.max_size
        ),
        tags=tags,
        opts=pulumi.ResourceOptions(parent=cluster, depends_on=node_attachments),
    )
    access = _admin_access(name, cluster, eks_config)
    metrics_server = aws.eks.Addon(
        f"{name}-metrics-server",
        cluster_name=cluster.name,
        addon_name=METRICS_SERVER_ADDON,
        resolve_conflicts_on_create="OVERWRITE",
        tags=tags,
        opts=pulumi.ResourceOptions(parent=cluster, depends_on=[node_group]),
    )
    issuer = cluster.identities.apply(
        lambda ids: ids[0]["oidcs"][0]["issuer"] if isinstance(ids[0], dict) else ids[0].oidcs[0].issuer
    )
    oidc = aws.iam.OpenIdConnectProvider(
        f"{name}-oidc",
        url=issuer,
        client_id_lists=["sts.amazonaws.com"],
        tags=tags,
        opts=pulumi.ResourceOptions(parent=cluster),
    )
    region = aws.config.region
    kubeconfig = pulumi.Output.all(cluster.name, cluster.endpoint, cluster.certificate_authority).apply(
        lambda parts: json.dumps(
            kubeconfig_document(
                parts[0],
                parts[1],
                _ca_data(parts[2]),
                region,
                eks_config.kubeconfig_role_arn,
                eks_config.kubeconfig_profile,
            )
        )
    )
    return ClusterOutputs(
        kubeconfig=pulumi.Output.secret(kubeconfig),
        name=cluster.name,
        oidc_provider_arn=oidc.arn,
        oidc_issuer_url=issuer,
        vpc_id=vpc_id,
        api_endpoint=cluster.endpoint,
        depends_on=[node_group, metrics_server, *access],
    )


def _admin_access(name: str, cluster: aws.eks.Cluster, eks_config: EksConfig) -> list[pulumi.Resource]:
    """An access entry with the cluster-admin policy for every admin role (authentication mode API)."""
    partition = aws.get_partition_output(opts=pulumi.InvokeOutputOptions(parent=cluster)).partition
    declared: list[pulumi.Resource] = []
    for arn in admin_principals(eks_config.admin_role_arns, eks_config.kubeconfig_role_arn):
        label = f"{arn.split(':')[4]}-{arn.rsplit('/', 1)[-1]}"  # account and role name: stable per role
        entry = aws.eks.AccessEntry(
            f"{name}-admin-{label}",
            cluster_name=cluster.name,
            principal_arn=arn,
            type="STANDARD",
            opts=pulumi.ResourceOptions(parent=cluster),
        )
        declared.append(
            aws.eks.AccessPolicyAssociation(
                f"{name}-admin-{label}-policy",
                cluster_name=cluster.name,
                principal_arn=entry.principal_arn,
                policy_arn=partition.apply(lambda p: ADMIN_POLICY.format(partition=p)),
                access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(type="cluster"),
                opts=pulumi.ResourceOptions(parent=entry),
            )
        )
    return declared


def _nat_route_table(route_table: aws.ec2.RouteTable | None) -> aws.ec2.RouteTable:
    """The private route table of the nearest NAT gateway: the first zone always has one (`nat_zones`)."""
    if route_table is None:
        raise ValueError("no NAT gateway before the first private subnet")
    return route_table


def _ca_data(certificate_authority: Mapping[str, Any]) -> str | None:
    # pulumi-aws's output type is a dict keyed by the provider's names, as the mocks' plain dict is.
    return certificate_authority.get("data", "")
