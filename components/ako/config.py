"""The `ako` section: the Avi Kubernetes Operator, installed in its own namespace inside the mesh."""

from __future__ import annotations

from components.config.base import ConfigModel
from components.config.types import AnyString, Bool, ChartVersion, Cidr, HelmChartConfig, NamespaceName, choice

AKO_CHART = HelmChartConfig("ako", "2.2.1", "oci://projects.packages.broadcom.com/ako/helm-charts")
AKO_CNI_PLUGINS = ("", "calico", "canal", "flannel", "openshift", "antrea", "ncp", "ovn-kubernetes", "cilium")
AKO_SERVICE_TYPES = ("NodePort", "ClusterIP", "NodePortLocal")
AKO_SHARD_SIZES = ("LARGE", "MEDIUM", "SMALL", "DEDICATED")


class AkoVipNetwork(ConfigModel):
    """A network AKO allocates VIPs from."""

    network_name: AnyString
    cidr: Cidr


class AkoConfig(ConfigModel):
    """AKO installed in its own namespace, in the mesh."""

    enabled: Bool = False
    namespace: NamespaceName = "avi-system"
    chart_version: ChartVersion = AKO_CHART.version
    cni_plugin: choice(*AKO_CNI_PLUGINS) = ""
    service_type: choice(*AKO_SERVICE_TYPES) = "NodePort"
    shard_size: choice(*AKO_SHARD_SIZES) = "LARGE"
    vip_networks: tuple[AkoVipNetwork, ...] = ()
    delete_config: Bool = False

    @property
    def chart(self) -> HelmChartConfig:
        return HelmChartConfig(AKO_CHART.chart, self.chart_version, AKO_CHART.repository)
