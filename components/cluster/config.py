"""The `cluster` section: which Kubernetes cluster the platform runs on (EKS, AKS, existing)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import Field, ValidationInfo, model_validator

from components.cluster.vm_sizes import azure_vm_memory_gib
from components.config.base import ConfigModel, check, filled_by_validator
from components.config.types import (
    AnyString,
    Bool,
    Cidr,
    DnsLabel,
    IntegerRange,
    NumberRange,
    OneOf,
    Text,
    cidr_reason,
    dns_label,
    is_cidr,
    is_dns_label,
    matching,
)

CLUSTER_KINDS = ("eks", "aks", "existing")

VpcId = Annotated[str, Text('a VPC id "vpc-..."', lambda v: v.startswith("vpc-"), r"^vpc-")]
SubnetId = Annotated[str, Text('a subnet id "subnet-..."', lambda v: v.startswith("subnet-"), r"^subnet-")]
AvailabilityZone = Annotated[
    str,
    matching('an availability zone such as "eu-west-1a"', r"^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$"),
]
InstanceType = Annotated[
    str,
    matching('an EC2 instance type such as "m6i.large"', r"^[a-z0-9-]+\.[a-z0-9]+$"),
]
VpcCidr = Annotated[str, Text("an IPv4 CIDR such as 10.100.0.0/16", is_cidr, r"^[0-9.]+/\d{1,2}$", cidr_reason)]
KubernetesVersion = Annotated[str, matching('a version such as "1.35"', r"^1\.\d{2}$")]
KUBERNETES_VERSION = "1.36"
"""Default minor: in standard support on EKS (to 2027-08-02) and AKS (to 2027-06-30), inside
Istio 1.30's and 1.31's range."""
IamRoleArn = Annotated[
    str,
    Text(
        'an IAM role ARN "arn:aws:iam::<account>:role/<name>"',
        lambda v: bool(re.match(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$", v)),
        r"^arn:aws[a-z-]*:iam::\d{12}:role/",
    ),
]
AwsProfile = Annotated[str, matching("an AWS CLI profile name", r"^[\w.+-]+$")]
NAT_LAYOUTS = ("per-zone", "single")
AKS_NETWORK_PLUGIN_MODES = ("overlay", "vnet")
ClusterName = Annotated[str, dns_label("a DNS label (lower-case letters, digits, '-')")]
AzureRegion = Annotated[str, matching('an Azure region such as "westeurope"', r"^[a-z0-9]+$")]
ResourceGroupName = Annotated[str, matching("a resource group name", r"^[-\w._()]{1,90}$")]
AzureVmSize = Annotated[
    str, Text('an Azure VM size such as "Standard_D4s_v5"', lambda v: v.startswith("Standard_"), r"^Standard_")
]


NodeGroupSize = Annotated[int, IntegerRange(1, 450)]
NodeDiskGib = Annotated[int, IntegerRange(20, 16384)]


class EksNodeGroupConfig(ConfigModel):
    """The managed node group of an EKS cluster."""

    instance_types: tuple[InstanceType, ...] = Field(default=("m6i.large",), min_length=1)
    min_size: NodeGroupSize = 2
    desired_size: NodeGroupSize = 3
    max_size: NodeGroupSize = 5
    disk_size_gib: NodeDiskGib = Field(default=50, alias="diskSizeGiB")

    @model_validator(mode="after")
    def _sizes_are_ordered(self) -> EksNodeGroupConfig:
        if not self.min_size <= self.desired_size <= self.max_size:
            check(
                [
                    (
                        "",
                        "expected minSize <= desiredSize <= maxSize; "
                        f"got {self.min_size}, {self.desired_size}, {self.max_size}",
                    )
                ]
            )
        return self


NatLayout = Annotated[str, OneOf(NAT_LAYOUTS)]


class EksVpcConfig(ConfigModel):
    """Either an existing VPC's subnets (`vpcId`), or the shape of a new VPC."""

    vpc_id: VpcId | None = None
    public_subnet_ids: tuple[SubnetId, ...] = ()
    private_subnet_ids: tuple[SubnetId, ...] = ()
    cidr: VpcCidr = "10.100.0.0/16"
    availability_zones: tuple[AvailabilityZone, ...] = ()
    nat_gateways: NatLayout = Field(
        default="per-zone",
        description=(
            "per-zone: one NAT gateway per zone, so a zone outage cuts no other zone off; single: one shared (cheaper)"
        ),
    )

    @property
    def creates_vpc(self) -> bool:
        return self.vpc_id is None

    @property
    def existing_vpc_id(self) -> str | None:
        return self.vpc_id

    @model_validator(mode="after")
    def _new_or_existing(self) -> EksVpcConfig:
        problems = []
        given = self.model_fields_set
        if self.vpc_id is not None:
            for key, attr in (("cidr", "cidr"), ("availabilityZones", "availability_zones")):
                if attr in given:
                    problems.append((key, "only for a new VPC; remove it or remove vpcId"))
            if len(self.private_subnet_ids) < 2:
                problems.append(("privateSubnetIds", "EKS needs at least two private subnets in different zones"))
        else:
            if "availability_zones" not in given:
                problems.append(
                    ("availabilityZones", 'required; expected a list, each an availability zone such as "eu-west-1a"')
                )
            elif len(self.availability_zones) < 2:
                problems.append(("availabilityZones", "expected at least two zones (EKS needs subnets in two)"))
            if len(set(self.availability_zones)) != len(self.availability_zones):
                problems.append(("availabilityZones", "zones must not repeat"))
            for key, attr in (("publicSubnetIds", "public_subnet_ids"), ("privateSubnetIds", "private_subnet_ids")):
                if attr in given:
                    problems.append((key, "subnet ids need vpc.vpcId of the VPC they belong to"))
            if not self.cidr.endswith(("/16", "/17", "/18", "/19", "/20")):
                problems.append(
                    ("cidr", "expected a prefix from /16 to /20 so each zone gets two /24-or-larger subnets")
                )
        check(problems)
        return self


class EksConfig(ConfigModel):
    """EKS-specific cluster settings."""

    vpc: EksVpcConfig
    node_group: EksNodeGroupConfig = EksNodeGroupConfig()
    endpoint_public_access: Bool = True
    public_access_cidrs: tuple[Cidr, ...] = Field(
        default=(),
        description=(
            "who may reach the public API endpoint (required while it is public); the private endpoint is always on"
        ),
    )
    admin_role_arns: tuple[IamRoleArn, ...] = Field(
        default=(), description=("IAM roles given cluster-admin through EKS access entries (authentication mode API)")
    )
    kubeconfig_role_arn: IamRoleArn | None = Field(
        default=None,
        description=("the role `aws eks get-token` assumes in the exported kubeconfig (also made a cluster admin)"),
    )
    kubeconfig_profile: AwsProfile | None = Field(
        default=None, description=("the AWS CLI profile the exported kubeconfig's token command runs with")
    )

    @model_validator(mode="before")
    @classmethod
    def _vpc_is_validated_even_when_absent(cls, data: Any) -> Any:
        if isinstance(data, dict) and "vpc" not in data:
            return {**data, "vpc": {}}
        return data

    @model_validator(mode="after")
    def _endpoint_cidrs_are_stated(self) -> EksConfig:
        problems = []
        if self.endpoint_public_access and not self.public_access_cidrs:
            problems.append(
                (
                    "publicAccessCidrs",
                    "required while endpointPublicAccess is true: list the networks "
                    'that may reach the API (e.g. ["203.0.113.0/24"]); write '
                    '["0.0.0.0/0"] only if the whole internet should',
                )
            )
        if not self.endpoint_public_access and self.public_access_cidrs:
            problems.append(("publicAccessCidrs", "only with endpointPublicAccess: true"))
        check(problems)
        return self


NodePoolCount = Annotated[int, IntegerRange(1, 1000)]
VmMemoryGib = Annotated[float, NumberRange(0.5, 12288.0)]


class AksNodePoolConfig(ConfigModel):
    """The system node pool of an AKS cluster."""

    vm_size: AzureVmSize = "Standard_D4s_v5"
    count: NodePoolCount = 3
    min_count: NodePoolCount = 3
    max_count: NodePoolCount = 6
    autoscaling: Bool = True
    memory_gib: VmMemoryGib | None = Field(
        default=None, alias="memoryGiB", description=("the size's memory, for sizes the project's table does not know")
    )

    @model_validator(mode="after")
    def _fits_istio_and_counts_are_ordered(self) -> AksNodePoolConfig:
        problems = []
        memory = self.memory_gib if self.memory_gib is not None else azure_vm_memory_gib(self.vm_size)
        if memory is None:
            problems.append(
                (
                    "vmSize",
                    f"{self.vm_size} is not in the project's size table, so the 4 GiB memory "
                    "floor cannot be checked; state its memory from the Azure size page as "
                    "nodePool.memoryGiB (e.g. memoryGiB: 16)",
                )
            )
        elif memory <= 4:
            problems.append(
                (
                    "vmSize",
                    f"{self.vm_size} has {memory:g} GiB of memory; Istio needs nodes with more "
                    "than 4 GiB (AKS reserves part of it for the system), e.g. Standard_D4s_v5",
                )
            )
        if self.autoscaling and not self.min_count <= self.count <= self.max_count:
            problems.append(
                ("", f"expected minCount <= count <= maxCount; got {self.min_count}, {self.count}, {self.max_count}")
            )
        check(problems)
        return self


AksNetworkPluginMode = Annotated[str, OneOf(AKS_NETWORK_PLUGIN_MODES)]


class AksConfig(ConfigModel):
    """AKS-specific cluster settings; the resource group and DNS prefix default from the cluster name."""

    location: AzureRegion
    resource_group_name: ResourceGroupName = filled_by_validator("defaults to <cluster name>-rg")
    node_pool: AksNodePoolConfig = AksNodePoolConfig()
    dns_prefix: DnsLabel = filled_by_validator("defaults to the cluster name")
    network_plugin_mode: AksNetworkPluginMode = Field(
        default="overlay",
        description=("Azure CNI overlay (pods get addresses from podCidr) or vnet (pods take node-subnet addresses)"),
    )
    pod_cidr: Cidr = Field(default="10.244.0.0/16", description="overlay only: the pods' address range")

    @model_validator(mode="after")
    def _pod_cidr_only_with_overlay(self) -> AksConfig:
        if self.network_plugin_mode != "overlay" and "pod_cidr" in self.model_fields_set:
            check([("podCidr", "only with networkPluginMode: overlay (vnet mode gives pods node-subnet addresses)")])
        return self


FilePath = Annotated[str, Text("a file path")]
KubeconfigContext = Annotated[str, Text("a kubeconfig context name")]


class ExistingClusterConfig(ConfigModel):
    """An existing cluster reached by kubeconfig (secret, file, or the default one)."""

    kubeconfig_path: FilePath | None = None
    context: KubeconfigContext | None = None
    metrics_server: Bool = Field(
        default=False,
        description=("whether the cluster runs metrics-server (the gateways get an autoscaler only then)"),
    )


ClusterKind = Annotated[str, OneOf(CLUSTER_KINDS)]


class ClusterConfig(ConfigModel):
    """Which cluster the platform runs on; only the chosen kind's settings may be given."""

    kind: ClusterKind
    name: ClusterName = filled_by_validator("defaults to mesh-<stack>")
    kubernetes_version: KubernetesVersion = Field(
        default=KUBERNETES_VERSION,
        description=("the cluster's Kubernetes minor (for an existing cluster: the one it runs)"),
    )
    extended_support: Bool = Field(
        default=False,
        description=(
            "accept a minor past standard support: EKS extended support or AKS long-term support, both billed extra"
        ),
    )
    ako_outside_supported_kubernetes: Bool = Field(
        default=False, description=("acknowledge running AKO on a Kubernetes minor newer than AKO states it supports")
    )
    tags: dict[str, AnyString] = {}
    eks: EksConfig | None = None
    aks: AksConfig | None = None
    existing: ExistingClusterConfig | None = None

    @model_validator(mode="before")
    @classmethod
    def _defaults_and_one_kind(cls, data: Any, info: ValidationInfo) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        kind = data.get("kind")
        # With kind missing or not a kind, its own problem says so (one mistake, one problem).
        if kind in CLUSTER_KINDS:
            check(
                [
                    (
                        other,
                        f'settings for "{other}" given but cluster.kind is "{kind}"; remove them or set kind: {other}',
                    )
                    for other in CLUSTER_KINDS
                    if other != kind and data.get(other) is not None
                ]
            )
        stack = (info.context or {}).get("stack", "stack")
        data.setdefault("name", f"mesh-{stack}")
        name = data["name"]
        if kind in CLUSTER_KINDS:
            section = data.get(kind)
            section = dict(section) if isinstance(section, dict) else ({} if section is None else section)
            if kind == "aks" and isinstance(section, dict) and isinstance(name, str) and is_dns_label(name):
                section.setdefault("resourceGroupName", f"{name}-rg")
                section.setdefault("dnsPrefix", name)
            data[kind] = section
        return data

    @property
    def metrics_server(self) -> bool:
        """Whether metrics-server runs: EKS gets the add-on, AKS runs it managed, existing clusters say so."""
        if self.kind == "existing":
            return bool(self.existing and self.existing.metrics_server)
        return True
