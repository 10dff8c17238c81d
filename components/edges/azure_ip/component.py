"""The Azure static-IP edge (AKS): a Standard static public IP for the LoadBalancer gateway.

The IP lives in a resource group of its own, not in the cluster's node resource group
(`MC_...`), so it outlives the cluster: replacing or deleting the cluster keeps the
address. As Microsoft's static-IP guide says, the cluster's identity then needs the
Network Contributor role on that group, and the gateway Service names the IP and its
group in annotations (https://learn.microsoft.com/azure/aks/static-ip).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
from pulumi_azure_native import authorization, network, resources

from components.edges.azure_ip.config import AzureIpEdgeConfig
from components.mesh.model import AZURE_PIP_NAME_ANNOTATION, AZURE_RESOURCE_GROUP_ANNOTATION
from components.resource_options import renamed_from

NETWORK_CONTRIBUTOR_ROLE = "4d97b98b-1d4f-4787-a291-c67834d212e7"
"""Azure built-in role "Network Contributor"
(https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/networking#network-contributor)."""


def role_definition_id(subscription_id: str, role: str = NETWORK_CONTRIBUTOR_ROLE) -> str:
    """The full id of a built-in role definition in a subscription."""
    return f"/subscriptions/{subscription_id}/providers/Microsoft.Authorization/roleDefinitions/{role}"


def service_annotations(ip_name: str, resource_group: pulumi.Input[str]) -> dict[str, pulumi.Input[str]]:
    """Gateway Service annotations that bind the static IP by name in its own resource group."""
    return {AZURE_PIP_NAME_ANNOTATION: ip_name, AZURE_RESOURCE_GROUP_ANNOTATION: resource_group}


@dataclass
class AzureIpEdgeArgs:
    """Inputs of the `AzureIpEdge` component."""

    config: AzureIpEdgeConfig
    """The validated `edge.azureIp` section."""
    location: str
    """Azure region of the cluster."""
    cluster_name: str
    """The cluster's name, used in the IP's and its resource group's names."""
    cluster_principal_id: pulumi.Input[str]
    """The principal of the cluster's system-assigned identity (granted Network Contributor)."""
    tags: dict[str, str] = field(default_factory=dict)
    """Azure tags for the resource group and the IP."""


class AzureIpEdge(pulumi.ComponentResource):
    """A static public IP, in a resource group that outlives the cluster, for the ingress gateway."""

    resource_group: resources.ResourceGroup
    """The IP's own resource group."""
    public_ip: network.PublicIPAddress
    """The public IP resource."""
    role_assignment: authorization.RoleAssignment
    """Network Contributor for the cluster's identity on the IP's resource group."""
    ip_address: pulumi.Output[str | None]
    """The static address."""
    service_annotations: dict[str, pulumi.Input[str]]
    """Annotations for the gateway Service: the IP's name and resource group."""

    def __init__(self, name: str, args: AzureIpEdgeArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(
            "mesh-platform:azure_ip:AzureIpEdge", name, None, renamed_from("mesh-platform:edges:AzureIpEdge", opts)
        )
        config = args.config
        tags = {"managed-by": "pulumi", **args.tags}
        child = pulumi.ResourceOptions(parent=self)
        group_name = config.resource_group_name or f"{args.cluster_name}-ingress-rg"
        self.resource_group = resources.ResourceGroup(
            f"{name}-rg", resource_group_name=group_name, location=args.location, tags=tags, opts=child
        )
        ip_name = f"{args.cluster_name}-ingress"
        self.public_ip = network.PublicIPAddress(
            f"{name}-ip",
            public_ip_address_name=ip_name,
            resource_group_name=self.resource_group.name,
            location=args.location,
            sku=network.PublicIPAddressSkuArgs(name="Standard", tier="Regional"),
            public_ip_allocation_method="Static",
            public_ip_address_version="IPv4",
            dns_settings=(
                network.PublicIPAddressDnsSettingsArgs(domain_name_label=config.dns_label) if config.dns_label else None
            ),
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self.resource_group, protect=config.protect),
        )
        client = authorization.get_client_config_output(opts=pulumi.InvokeOutputOptions(parent=self))
        # The cloud provider reads and attaches the IP with the cluster's identity.
        self.role_assignment = authorization.RoleAssignment(
            f"{name}-network-contributor",
            principal_id=args.cluster_principal_id,
            principal_type=authorization.PrincipalType.SERVICE_PRINCIPAL,
            role_definition_id=client.subscription_id.apply(role_definition_id),
            scope=self.resource_group.id,
            opts=pulumi.ResourceOptions(parent=self.resource_group),
        )
        self.ip_address = self.public_ip.ip_address
        # The group's name reaches the Service only once the role is granted: the cloud provider
        # needs the role before it can take the IP.
        granted_group = pulumi.Output.all(self.resource_group.name, self.role_assignment.id).apply(lambda v: v[0])
        self.service_annotations = service_annotations(ip_name, granted_group)
        self.register_outputs({"ip_address": self.ip_address, "resource_group": self.resource_group.name})
