"""The Azure static-IP edge (AKS, seed 004): a Standard static public IP for the gateway.

The IP lives in the cluster's node resource group, where AKS's cloud provider may use it
without extra role assignments, and is handed to the ingress gateway Service (declared by
`IstioMesh`) through annotations. It must therefore exist before the mesh is declared.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import pulumi
from pulumi_azure_native import network

from components.edges.azure_ip.config import AzureIpEdgeConfig
from components.mesh.model import AZURE_IP_ANNOTATION, AZURE_RESOURCE_GROUP_ANNOTATION


@dataclass
class AzureIpEdgeArgs:
    """Inputs of the `AzureIpEdge` component."""

    config: AzureIpEdgeConfig
    """The validated `edge.azureIp` section."""
    node_resource_group: pulumi.Input[str]
    """The AKS node resource group (`MC_...`), where the IP is created."""
    location: str
    """Azure region of the cluster."""
    cluster_name: str
    """The cluster's name, used in the IP's name."""
    tags: dict[str, str] = field(default_factory=dict)
    """Azure tags for the IP."""


class AzureIpEdge(pulumi.ComponentResource):
    """A static public IP that the LoadBalancer ingress gateway Service takes."""

    public_ip: network.PublicIPAddress
    """The public IP resource."""
    ip_address: pulumi.Output[str]
    """The static address."""
    service_annotations: dict[str, pulumi.Input[str]]
    """Annotations for the gateway Service: the IP and its resource group (the DNS label stays on the IP)."""

    def __init__(self, name: str, args: AzureIpEdgeArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("mesh-platform:edges:AzureIpEdge", name, None, opts)
        dns_label = args.config.dns_label
        self.public_ip = network.PublicIPAddress(
            f"{name}-ip",
            public_ip_address_name=f"{args.cluster_name}-ingress",
            resource_group_name=args.node_resource_group,
            location=args.location,
            sku=network.PublicIPAddressSkuArgs(name="Standard", tier="Regional"),
            public_ip_allocation_method="Static",
            public_ip_address_version="IPv4",
            dns_settings=network.PublicIPAddressDnsSettingsArgs(domain_name_label=dns_label) if dns_label else None,
            tags={"managed-by": "pulumi", **args.tags},
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.ip_address = self.public_ip.ip_address
        self.service_annotations = {
            AZURE_IP_ANNOTATION: self.ip_address,
            AZURE_RESOURCE_GROUP_ANNOTATION: args.node_resource_group,
        }
        self.register_outputs({"ip_address": self.ip_address})
