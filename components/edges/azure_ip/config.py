"""The `edge.azureIp` section: a static public IP for the LoadBalancer ingress gateway on AKS."""

from __future__ import annotations

from typing import Optional

from components.config.base import ConfigModel
from components.config.types import DnsLabel


class AzureIpEdgeConfig(ConfigModel):
    """A static public IP (optionally with a DNS label) for the gateway's Service."""

    dns_label: Optional[DnsLabel] = None
