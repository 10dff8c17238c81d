"""The `edge.avi` section (Avi virtual services in front of the mesh) and the `avi` controller connection."""

from __future__ import annotations

import re
from typing import Optional

import pulumi
from pydantic import PrivateAttr, model_validator

from components.config.base import ConfigModel, check
from components.config.types import AnyString, Bool, IpAddress, Url, choice, is_cidr, text

AVI_SHARD_SIZES = {"SMALL": 1, "MEDIUM": 4, "LARGE": 8}
"""AKO's virtual-service shard sizes: how many shared virtual services hosts spread over."""

RouteCidr = text("a CIDR such as 10.244.1.0/24", is_cidr, r"^[0-9a-fA-F:.]+/\d{1,3}$")
VipCidr = text("a CIDR", is_cidr, r"^[0-9a-fA-F:.]+/\d{1,3}$")
AviApiVersion = text('an Avi API version such as "22.1.3"', lambda v: bool(re.match(r"^\d+\.\d+\.\d+$", v)),
                     r"^\d+\.\d+\.\d+$")


class AviStaticRoute(ConfigModel):
    """A static route on the controller: a pod CIDR and the node that carries it."""

    prefix: RouteCidr
    next_hop: IpAddress


class AviEdgeConfig(ConfigModel):
    """Avi virtual services in front of the NodePort gateway (on-prem)."""

    cloud: AnyString = "Default-Cloud"
    vrf: AnyString = "global"
    service_engine_group: AnyString = "Default-Group"
    vip_network: Optional[VipCidr] = None
    vip_address: Optional[IpAddress] = None
    node_addresses: tuple[IpAddress, ...] = ()
    static_routes: tuple[AviStaticRoute, ...] = ()
    shard_size: choice(*AVI_SHARD_SIZES) = "SMALL"

    @model_validator(mode="after")
    def _vips_and_nodes(self) -> "AviEdgeConfig":
        problems = []
        if self.vip_address and self.shard_size != "SMALL":
            problems.append(("vipAddress", "one fixed VIP serves one shard; use shardSize SMALL, or leave vipAddress "
                                           "out and let the controller allocate VIPs from vipNetwork"))
        if not self.vip_address and not self.vip_network:
            problems.append(("", "expected vipAddress or vipNetwork (where the controller allocates VIPs)"))
        if not self.node_addresses:
            problems.append(("nodeAddresses", "expected at least one node IP: the pools send traffic to the "
                                              "ingress gateway's node ports there"))
        check(problems)
        return self


class AviControllerConfig(ConfigModel):
    """How to reach the Avi Controller; the password comes only from the secret key `aviPassword`."""

    controller: Url
    username: AnyString = "admin"
    tenant: AnyString = "admin"
    version: AviApiVersion = "22.1.3"
    ca_bundle: Optional[AnyString] = None
    insecure: Bool = False
    _password: Optional[pulumi.Output[str]] = PrivateAttr(default=None)

    @property
    def password(self) -> Optional[pulumi.Output[str]]:
        """The controller password (a Pulumi secret), or None when `aviPassword` is not set."""
        return self._password

    def with_password(self, password: Optional[pulumi.Output[str]]) -> "AviControllerConfig":
        """A copy carrying the password read from the secret key."""
        copy = self.model_copy()
        copy._password = password
        return copy
