"""The `ako` section: the Avi Kubernetes Operator, installed in its own namespace inside the mesh.

Every value the chart takes that the program sets is typed here; the checks that need
another section (the Avi edge, the mesh) live in `components/ako/rules.py`.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field, model_validator

from components.avi.fields import AviName
from components.config.base import ConfigModel, check
from components.config.types import (
    AnyString,
    Bool,
    ChartRepository,
    ChartVersion,
    Cidr,
    HelmChartConfig,
    IntegerRange,
    Name,
    NamespaceName,
    OneOf,
    Text,
)

AKO_CHART = HelmChartConfig("ako", "2.2.1", "oci://projects.packages.broadcom.com/ako/helm-charts")
AKO_CNI_PLUGINS = ("", "calico", "canal", "flannel", "openshift", "antrea", "ncp", "ovn-kubernetes", "cilium")
AKO_SERVICE_TYPES = ("NodePort", "ClusterIP", "NodePortLocal")
AKO_SHARD_SIZES = ("LARGE", "MEDIUM", "SMALL", "DEDICATED")
AKO_PASSTHROUGH_SHARD_SIZES = ("LARGE", "MEDIUM", "SMALL")
"""AKO documents DEDICATED as not valid for passthrough virtual services."""

_CLUSTER_NAME = re.compile(r"^[a-zA-Z0-9_-]+$")
_VERSION = re.compile(r"^\d+\.\d+(\.\d+)?$")

AkoClusterName = Annotated[
    str,
    Text(
        "a name of letters, digits, '-' and '_' (AKO's clusterName)",
        lambda v: bool(_CLUSTER_NAME.match(v)),
        _CLUSTER_NAME.pattern,
    ),
]
ControllerVersion = Annotated[
    str, Text('an Avi Controller version such as "22.1.3"', lambda v: bool(_VERSION.match(v)), _VERSION.pattern)
]


class AkoVipNetwork(ConfigModel):
    """A network AKO allocates VIPs from."""

    network_name: Name
    cidr: Cidr


class AkoNodeNetwork(ConfigModel):
    """A network the nodes sit on, with the CIDRs service engines reach them through."""

    network_name: Name
    cidrs: tuple[Cidr, ...] = Field(default=(), min_length=1)


class AkoNodePortSelector(ConfigModel):
    """The node label AKO's NodePort pools select nodes by (`nodePortSelector.key=value`)."""

    key: Name
    value: AnyString = ""


AkoCniPlugin = Annotated[str, OneOf(AKO_CNI_PLUGINS)]
AkoServiceType = Annotated[str, OneOf(AKO_SERVICE_TYPES)]
AkoShardSize = Annotated[str, OneOf(AKO_SHARD_SIZES)]
AkoPassthroughShardSize = Annotated[str, OneOf(AKO_PASSTHROUGH_SHARD_SIZES)]
CleanupSeconds = Annotated[int, IntegerRange(0, 3600)]


class AkoConfig(ConfigModel):
    """AKO installed in its own namespace, in the mesh."""

    enabled: Bool = False
    namespace: NamespaceName = "avi-system"
    cluster_name: AkoClusterName | None = Field(
        default=None,
        description="AKO's clusterName: the `<name>--` prefix and `created_by: ako-<name>` of every object "
        "it creates; defaults to `<cluster.name>-ako`, never the Avi edge's own prefix",
    )
    chart_repository: ChartRepository = AKO_CHART.repository
    chart_version: ChartVersion = AKO_CHART.version
    cni_plugin: AkoCniPlugin = ""
    service_type: AkoServiceType = "NodePort"
    shard_size: AkoShardSize | None = Field(
        default=None, description="AKO's shardVSSize; defaults to edge.avi.shardSize, else LARGE"
    )
    passthrough_shard_size: AkoPassthroughShardSize | None = Field(
        default=None, description="defaults to edge.avi.passthroughShardSize, else SMALL"
    )
    layer7_only: Bool = False
    node_port_selector: AkoNodePortSelector | None = Field(
        default=None, description="defaults to edge.avi.nodePortSelector"
    )
    node_networks: tuple[AkoNodeNetwork, ...] = ()
    vip_networks: tuple[AkoVipNetwork, ...] = Field(
        default=(), description="defaults to edge.avi.vipNetworkName with edge.avi.vipNetwork"
    )
    vrf_name: AnyString | None = Field(
        default=None, description="the VRF context AKO uses (vCenter clouds); left out, AKO uses the cloud's global VRF"
    )
    cloud: AviName | None = Field(default=None, description="defaults to edge.avi.cloud, else Default-Cloud")
    service_engine_group: AviName | None = Field(
        default=None, description="defaults to edge.avi.serviceEngineGroup, else Default-Group"
    )
    tenant: AviName | None = Field(default=None, description="defaults to avi.tenant")
    controller_version: ControllerVersion | None = Field(default=None, description="defaults to avi.version")
    disable_static_route_sync: Bool | None = Field(
        default=None,
        description="defaults to true wherever the program owns the static routes (edge.avi static routes "
        "or the ako manager) or AKO is not in ClusterIP mode",
    )
    delete_config: Bool = False
    cleanup_timeout_seconds: CleanupSeconds = Field(
        default=600,
        description="how long `pulumi destroy` waits for AKO to report its objects deleted before removing "
        "the rest through the Avi API",
    )

    @model_validator(mode="after")
    def _selector_needs_nodeport(self) -> AkoConfig:
        problems = []
        if self.node_port_selector and self.service_type != "NodePort":
            problems.append(
                (
                    "nodePortSelector",
                    f"applies only with serviceType NodePort; serviceType is "
                    f'"{self.service_type}" (the chart would ignore it)',
                )
            )
        check(problems)
        return self

    @property
    def chart(self) -> HelmChartConfig:
        return HelmChartConfig(AKO_CHART.chart, self.chart_version, self.chart_repository)
