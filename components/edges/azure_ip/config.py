"""The `edge.azureIp` section: a static public IP for the LoadBalancer ingress gateway on AKS."""

from __future__ import annotations

from pydantic import Field

from components.cluster.config import ResourceGroupName
from components.config.base import ConfigModel
from components.config.types import Bool, DnsLabel


class AzureIpEdgeConfig(ConfigModel):
    """A static public IP (optionally with a DNS label) for the gateway's Service, in its own resource group."""

    dns_label: DnsLabel | None = None
    resource_group_name: ResourceGroupName | None = Field(
        default=None,
        description=("the IP's own resource group (outlives the cluster); defaults to <cluster name>-ingress-rg"),
    )
    protect: Bool = Field(
        default=False,
        description=(
            "protect the IP from deletion (pulumi destroy then stops at it), so DNS records pointing at it stay valid"
        ),
    )
