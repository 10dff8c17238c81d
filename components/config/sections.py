"""The whole stack's settings, read and validated once, as frozen dataclasses.

`load_stack_config` reads every section of a `Pulumi.<stack>.yaml` through a
`ConfigSource` (the real one wraps `pulumi.Config`), collects every problem with
its key path, and raises one `ConfigError` listing them all before any resource
is declared. Nothing else in the program reads `pulumi.Config`.

Adding a section: write a frozen dataclass, a `_read_<section>(node, ...)`
function that reads it through `ConfigNode`, and call it from
`load_stack_config`. Cross-section rules go in `_cross_checks`.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass, field
from typing import Any, Optional, Protocol

import pulumi

from components.config.reader import (
    ConfigError,
    ConfigNode,
    Problems,
    is_cidr,
    is_dns_label,
    is_hostname,
)
from components.cluster.vm_sizes import azure_vm_memory_gib

PROJECT = "mesh-platform"

CLUSTER_KINDS = ("eks", "aks", "existing")
EDGE_KINDS = ("alb", "azure-ip", "ambassador", "avi")
OUTBOUND_POLICIES = ("ALLOW_ANY", "REGISTRY_ONLY")
MTLS_MODES = ("STRICT", "PERMISSIVE")

SECRET_KEYS = ("kubeconfig", "grafanaPassword", "kialiPassword", "aviPassword")
"""Top-level keys that hold secrets; they are only ever read as Pulumi secrets."""

_K8S_VERSION = re.compile(r"^1\.\d{2}$")
_SEMVER = re.compile(r"^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$")
_ACM_ARN = re.compile(r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]{36}$")
_AZ = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$")
_URL = re.compile(r"^https?://[^\s/]+(/.*)?$")


def _is_semver(value: str) -> bool:
    return bool(_SEMVER.match(value))


def _is_url(value: str) -> bool:
    return bool(_URL.match(value))


# --------------------------------------------------------------------------------------
# Where configuration comes from
# --------------------------------------------------------------------------------------


class ConfigSource(Protocol):
    """Read access to the stack's configuration (plain values and secrets)."""

    stack: str

    def value(self, key: str) -> Any:
        """The plain value of a top-level key (decoded JSON for objects/lists), or None."""

    def secret(self, key: str) -> Optional[pulumi.Output[str]]:
        """The secret value of a top-level key as a secret Output, or None when unset."""


class PulumiConfigSource:
    """`ConfigSource` over `pulumi.Config` for the project namespace."""

    def __init__(self, config: Optional[pulumi.Config] = None):
        self._config = config or pulumi.Config(PROJECT)
        self.stack = pulumi.get_stack()

    def value(self, key: str) -> Any:
        raw = self._config.get(key)
        if raw is None:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return raw  # plain top-level strings are passed through undecoded

    def secret(self, key: str) -> Optional[pulumi.Output[str]]:
        return self._config.get_secret(key)


# --------------------------------------------------------------------------------------
# Cluster
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EksNodeGroupConfig:
    """The managed node group of an EKS cluster."""

    instance_types: tuple[str, ...] = ("m6i.large",)
    min_size: int = 2
    desired_size: int = 3
    max_size: int = 5
    disk_size_gib: int = 50


@dataclass(frozen=True)
class EksVpcConfig:
    """Either an existing VPC's subnets, or the shape of a new VPC."""

    existing_vpc_id: Optional[str] = None
    public_subnet_ids: tuple[str, ...] = ()
    private_subnet_ids: tuple[str, ...] = ()
    cidr: str = "10.100.0.0/16"
    availability_zones: tuple[str, ...] = ()

    @property
    def creates_vpc(self) -> bool:
        return self.existing_vpc_id is None


@dataclass(frozen=True)
class EksConfig:
    """EKS-specific cluster settings."""

    vpc: EksVpcConfig
    node_group: EksNodeGroupConfig
    endpoint_public_access: bool = True
    public_access_cidrs: tuple[str, ...] = ("0.0.0.0/0",)


@dataclass(frozen=True)
class AksNodePoolConfig:
    """The system node pool of an AKS cluster."""

    vm_size: str = "Standard_D4s_v5"
    count: int = 3
    min_count: int = 3
    max_count: int = 6
    autoscaling: bool = True


@dataclass(frozen=True)
class AksConfig:
    """AKS-specific cluster settings."""

    location: str
    resource_group_name: str
    node_pool: AksNodePoolConfig
    dns_prefix: str


@dataclass(frozen=True)
class ExistingClusterConfig:
    """An existing cluster reached by kubeconfig (secret, file, or the default one)."""

    kubeconfig_path: Optional[str] = None
    context: Optional[str] = None


@dataclass(frozen=True)
class ClusterConfig:
    """Which cluster the platform runs on."""

    kind: str
    name: str
    kubernetes_version: str
    tags: dict[str, str] = field(default_factory=dict)
    eks: Optional[EksConfig] = None
    aks: Optional[AksConfig] = None
    existing: Optional[ExistingClusterConfig] = None


def _read_cluster(node: ConfigNode, stack: str) -> ClusterConfig:
    node.allow_only(["kind", "name", "kubernetesVersion", "tags", "eks", "aks", "existing"])
    kind = node.string("kind", choices=CLUSTER_KINDS)
    name = node.string(
        "name", f"mesh-{stack}", check=is_dns_label, expected="a DNS label (lower-case letters, digits, '-')"
    )
    version = node.string(
        "kubernetesVersion", "1.32", check=lambda v: bool(_K8S_VERSION.match(v)), expected='a version such as "1.32"'
    )
    tags = node.string_map("tags")
    eks = aks = existing = None
    for other in set(CLUSTER_KINDS) - {kind}:
        if node.has(other):
            node.problem(other, f'settings for "{other}" given but cluster.kind is "{kind}"')
    if kind == "eks":
        eks = _read_eks(node.child("eks"))
    elif kind == "aks":
        aks = _read_aks(node.child("aks"), name)
    elif kind == "existing":
        existing_node = node.child("existing")
        existing_node.allow_only(["kubeconfigPath", "context"])
        existing = ExistingClusterConfig(
            kubeconfig_path=existing_node.string("kubeconfigPath", None),
            context=existing_node.string("context", None),
        )
    return ClusterConfig(kind, name, version, tags, eks, aks, existing)


def _read_eks(node: ConfigNode) -> EksConfig:
    node.allow_only(["vpc", "nodeGroup", "endpointPublicAccess", "publicAccessCidrs"])
    vpc_node = node.child("vpc")
    vpc_node.allow_only(["vpcId", "publicSubnetIds", "privateSubnetIds", "cidr", "availabilityZones"])
    vpc_id = vpc_node.string("vpcId", None, check=lambda v: v.startswith("vpc-"), expected='a VPC id "vpc-..."')
    subnet_check = dict(check=lambda v: v.startswith("subnet-"), expected='a subnet id "subnet-..."')
    public_ids = vpc_node.strings("publicSubnetIds", (), **subnet_check)
    private_ids = vpc_node.strings("privateSubnetIds", (), **subnet_check)
    cidr = vpc_node.string("cidr", "10.100.0.0/16", check=is_cidr, expected="an IPv4 CIDR such as 10.100.0.0/16")
    zones: tuple[str, ...] = ()
    if vpc_node.has("vpcId"):
        for key in ("cidr", "availabilityZones"):
            if vpc_node.has(key):
                vpc_node.problem(key, "only for a new VPC; remove it or remove vpcId")
        if len(private_ids) < 2:
            vpc_node.problem("privateSubnetIds", "EKS needs at least two private subnets in different zones")
    else:
        zones = vpc_node.strings(
            "availabilityZones",
            expected='an availability zone such as "eu-west-1a"',
            check=lambda v: bool(_AZ.match(v)),
        )
        if vpc_node.has("availabilityZones") and len(zones) < 2:
            vpc_node.problem("availabilityZones", "expected at least two zones (EKS needs subnets in two)")
        if len(set(zones)) != len(zones):
            vpc_node.problem("availabilityZones", "zones must not repeat")
        for key in ("publicSubnetIds", "privateSubnetIds"):
            if vpc_node.has(key):
                vpc_node.problem(key, "subnet ids need vpc.vpcId of the VPC they belong to")
        if cidr and not cidr.endswith(("/16", "/17", "/18", "/19", "/20")):
            vpc_node.problem("cidr", "expected a prefix from /16 to /20 so each zone gets two /24-or-larger subnets")

    ng = node.child("nodeGroup")
    ng.allow_only(["instanceTypes", "minSize", "desiredSize", "maxSize", "diskSizeGiB"])
    min_size = ng.integer("minSize", 2, minimum=1, maximum=450)
    desired = ng.integer("desiredSize", 3, minimum=1, maximum=450)
    max_size = ng.integer("maxSize", 5, minimum=1, maximum=450)
    if None not in (min_size, desired, max_size) and not (min_size <= desired <= max_size):
        ng.problem(None, f"expected minSize <= desiredSize <= maxSize; got {min_size}, {desired}, {max_size}")
    node_group = EksNodeGroupConfig(
        instance_types=ng.strings(
            "instanceTypes",
            ("m6i.large",),
            check=lambda v: bool(re.match(r"^[a-z0-9-]+\.[a-z0-9]+$", v)),
            expected='an EC2 instance type such as "m6i.large"',
            non_empty=True,
        ),
        min_size=min_size,
        desired_size=desired,
        max_size=max_size,
        disk_size_gib=ng.integer("diskSizeGiB", 50, minimum=20, maximum=16384),
    )
    return EksConfig(
        vpc=EksVpcConfig(vpc_id, public_ids, private_ids, cidr, zones),
        node_group=node_group,
        endpoint_public_access=node.boolean("endpointPublicAccess", True),
        public_access_cidrs=node.strings("publicAccessCidrs", ("0.0.0.0/0",), check=is_cidr, expected="a CIDR"),
    )


def _read_aks(node: ConfigNode, cluster_name: str) -> AksConfig:
    node.allow_only(["location", "resourceGroupName", "nodePool", "dnsPrefix"])
    pool = node.child("nodePool")
    pool.allow_only(["vmSize", "count", "minCount", "maxCount", "autoscaling"])
    vm_size = pool.string("vmSize", "Standard_D4s_v5", check=lambda v: v.startswith("Standard_"),
                          expected='an Azure VM size such as "Standard_D4s_v5"')
    if vm_size:
        memory = azure_vm_memory_gib(vm_size)
        if memory is not None and memory <= 4:
            pool.problem(
                "vmSize",
                f"{vm_size} has {memory:g} GiB of memory; Istio needs nodes with more than 4 GiB "
                "(AKS reserves part of it for the system), e.g. Standard_D4s_v5",
            )
    count = pool.integer("count", 3, minimum=1, maximum=1000)
    min_count = pool.integer("minCount", 3, minimum=1, maximum=1000)
    max_count = pool.integer("maxCount", 6, minimum=1, maximum=1000)
    autoscaling = pool.boolean("autoscaling", True)
    if autoscaling and None not in (count, min_count, max_count) and not (min_count <= count <= max_count):
        pool.problem(None, f"expected minCount <= count <= maxCount; got {min_count}, {count}, {max_count}")
    return AksConfig(
        location=node.string("location", expected='an Azure region such as "westeurope"',
                             check=lambda v: bool(re.match(r"^[a-z0-9]+$", v))),
        resource_group_name=node.string("resourceGroupName", f"{cluster_name}-rg",
                                        check=lambda v: bool(re.match(r"^[-\w._()]{1,90}$", v)),
                                        expected="a resource group name"),
        node_pool=AksNodePoolConfig(vm_size, count, min_count, max_count, autoscaling),
        dns_prefix=node.string("dnsPrefix", cluster_name, check=is_dns_label, expected="a DNS label"),
    )


# --------------------------------------------------------------------------------------
# Istio
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HelmChartConfig:
    """Where an upstream chart comes from and which version is pinned."""

    chart: str
    version: str
    repository: str


@dataclass(frozen=True)
class NodePorts:
    """Fixed node ports of the NodePort ingress gateway (ALB and Avi edges)."""

    http: int = 30080
    https: int = 30443
    status: int = 30021


@dataclass(frozen=True)
class IngressGatewayConfig:
    """The Istio ingress gateway release and its Service."""

    name: str = "istio-ingressgateway"
    namespace: str = "istio-ingress"
    node_ports: NodePorts = NodePorts()
    replicas: int = 2


@dataclass(frozen=True)
class TracingConfig:
    """Where sidecars send spans (a Zipkin-compatible collector)."""

    enabled: bool = False
    zipkin_address: str = "zipkin.istio-system:9411"
    sampling_percent: float = 1.0


@dataclass(frozen=True)
class IstioConfig:
    """The mesh: charts, mesh-wide policy and the gateways."""

    version: str
    repository: str
    namespace: str
    outbound_traffic_policy: str
    access_logging: bool
    mtls_mode: str
    tracing: TracingConfig
    ingress_gateway: IngressGatewayConfig
    egress_gateway_enabled: bool

    def chart(self, name: str) -> HelmChartConfig:
        return HelmChartConfig(name, self.version, self.repository)


ISTIO_VERSION = "1.27.3"
ISTIO_REPOSITORY = "https://istio-release.storage.googleapis.com/charts"


def _is_istio_version(value: str) -> bool:
    """A chart version of Istio 1.22 or later (the v1 networking/security APIs used here)."""
    if not _is_semver(value):
        return False
    major, minor = (int(part) for part in value.lstrip("v").split(".")[:2])
    return (major, minor) >= (1, 22)


def _read_istio(node: ConfigNode) -> IstioConfig:
    node.allow_only(["version", "repository", "namespace", "outboundTrafficPolicy", "accessLogging",
                     "mtls", "tracing", "ingressGateway", "egressGateway"])
    outbound = node.string("outboundTrafficPolicy", "ALLOW_ANY", choices=OUTBOUND_POLICIES)
    tracing = node.child("tracing")
    tracing.allow_only(["enabled", "zipkinAddress", "samplingPercent"])
    ingress = node.child("ingressGateway")
    ingress.allow_only(["name", "namespace", "nodePorts", "replicas"])
    ports = ingress.child("nodePorts")
    ports.allow_only(["http", "https", "status"])
    node_ports = NodePorts(
        http=ports.integer("http", 30080, minimum=30000, maximum=32767),
        https=ports.integer("https", 30443, minimum=30000, maximum=32767),
        status=ports.integer("status", 30021, minimum=30000, maximum=32767),
    )
    chosen = [p for p in (node_ports.http, node_ports.https, node_ports.status) if p is not None]
    if len(set(chosen)) != len(chosen):
        ports.problem(None, f"node ports must differ; got http={node_ports.http}, https={node_ports.https}, "
                            f"status={node_ports.status}")
    egress = node.child("egressGateway")
    egress.allow_only(["enabled"])
    return IstioConfig(
        version=node.string("version", ISTIO_VERSION, check=_is_istio_version,
                            expected='an Istio chart version 1.22 or later such as "1.27.3"'),
        repository=node.string("repository", ISTIO_REPOSITORY, check=_is_url, expected="an https:// chart repository"),
        namespace=node.string("namespace", "istio-system", check=is_dns_label, expected="a namespace name"),
        outbound_traffic_policy=outbound,
        access_logging=node.boolean("accessLogging", True),
        mtls_mode=node.string("mtls", "STRICT", choices=MTLS_MODES),
        tracing=TracingConfig(
            enabled=tracing.boolean("enabled", False),
            zipkin_address=tracing.string(
                "zipkinAddress", "zipkin.istio-system:9411",
                check=lambda v: bool(re.match(r"^[a-z0-9.-]+:\d{1,5}$", v)), expected='"host:port"'),
            sampling_percent=tracing.number("samplingPercent", 1.0, minimum=0.0, maximum=100.0),
        ),
        ingress_gateway=IngressGatewayConfig(
            name=ingress.string("name", "istio-ingressgateway", check=is_dns_label, expected="a DNS label"),
            namespace=ingress.string("namespace", "istio-ingress", check=is_dns_label, expected="a namespace name"),
            node_ports=node_ports,
            replicas=ingress.integer("replicas", 2, minimum=1, maximum=50),
        ),
        egress_gateway_enabled=egress.boolean("enabled", outbound == "REGISTRY_ONLY"),
    )


# --------------------------------------------------------------------------------------
# Apps (seed 002's values file) and external hosts
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AppNamespaceConfig:
    """Where one app is exposed: a namespace and the hosts it answers to there."""

    name: str
    hosts: tuple[str, ...]


@dataclass(frozen=True)
class AppConfig:
    """One app, as in seed 002's virtual-services values file."""

    virtual_name: str
    service: str
    port: int
    namespaces: tuple[AppNamespaceConfig, ...]
    prefixes: tuple[str, ...] = ("/",)


@dataclass(frozen=True)
class ExternalPort:
    """A port of an external service."""

    number: int
    protocol: str
    name: str


@dataclass(frozen=True)
class ExternalHostConfig:
    """An external host the mesh may reach under REGISTRY_ONLY."""

    host: str
    ports: tuple[ExternalPort, ...]


EXTERNAL_PROTOCOLS = ("HTTP", "HTTPS", "TLS", "TCP")


def _is_prefix(value: str) -> bool:
    return value.startswith("/") and " " not in value


def _read_apps(nodes: list[ConfigNode]) -> tuple[AppConfig, ...]:
    apps = []
    for node in nodes:
        node.allow_only(["virtualName", "name", "port", "namespaces", "prefixes"])
        namespaces = []
        for ns in node.children("namespaces"):
            ns.allow_only(["name", "hosts"])
            namespaces.append(AppNamespaceConfig(
                name=ns.string("name", check=is_dns_label, expected="a namespace name"),
                hosts=ns.strings("hosts", check=is_hostname, expected="a DNS host name", non_empty=True),
            ))
        if not node.has("namespaces"):
            node.problem("namespaces", "required; expected a list of {name, hosts}")
        apps.append(AppConfig(
            virtual_name=node.string("virtualName", check=is_dns_label, expected="a DNS label"),
            service=node.string("name", check=is_dns_label, expected="a Kubernetes service name"),
            port=node.integer("port", minimum=1, maximum=65535),
            namespaces=tuple(namespaces),
            prefixes=node.strings("prefixes", ("/",), check=_is_prefix, expected='a path prefix such as "/api"',
                                  non_empty=True),
        ))
    return tuple(apps)


def _read_external_hosts(nodes: list[ConfigNode]) -> tuple[ExternalHostConfig, ...]:
    hosts = []
    for node in nodes:
        node.allow_only(["host", "ports"])
        ports = []
        for port in node.children("ports"):
            port.allow_only(["number", "protocol", "name"])
            number = port.integer("number", minimum=1, maximum=65535)
            protocol = port.string("protocol", "HTTPS", choices=EXTERNAL_PROTOCOLS)
            ports.append(ExternalPort(number, protocol, port.string(
                "name", f"{(protocol or 'tcp').lower()}-{number}", check=is_dns_label, expected="a port name")))
        if not ports:
            ports.append(ExternalPort(443, "TLS", "tls-443"))
        hosts.append(ExternalHostConfig(
            host=node.string("host", check=lambda v: is_hostname(v), expected="a DNS host name"),
            ports=tuple(ports),
        ))
    return tuple(hosts)


# --------------------------------------------------------------------------------------
# Edges
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlbEdgeConfig:
    """AWS ALB (AWS Load Balancer Controller) in front of the NodePort gateway."""

    certificate_arn: str
    scheme: str = "internet-facing"
    ssl_policy: str = "ELBSecurityPolicy-TLS13-1-2-2021-06"
    controller_chart: HelmChartConfig = HelmChartConfig(
        "aws-load-balancer-controller", "1.13.4", "https://aws.github.io/eks-charts")


@dataclass(frozen=True)
class AzureIpEdgeConfig:
    """A static public IP for the LoadBalancer ingress gateway on AKS."""

    dns_label: Optional[str] = None


EMISSARY_VERSION = "4.1.0"
"""Emissary 4.x: chart and app versions are aligned; 4.1.0 fixes Istio cert rotation (emissary#4744)."""
EMISSARY_REPOSITORY = "oci://ghcr.io/emissary-ingress"
"""Since 4.0 Emissary's charts (app and CRDs) are published only to GHCR."""
_LEGACY_EMISSARY_CHART_MAJORS = (6, 7, 8)


def _is_chart_repository(value: str) -> bool:
    return (value.startswith("oci://") and " " not in value) or _is_url(value)


def _is_emissary_chart_version(value: str) -> bool:
    """A 4.x-or-later chart; 6.x-8.x are the old app.getambassador.io charts (Emissary 1-3, CRDs by kubectl)."""
    major = int(value.lstrip("v").split(".")[0]) if _is_semver(value) else -1
    return major >= 4 and major not in _LEGACY_EMISSARY_CHART_MAJORS


@dataclass(frozen=True)
class AmbassadorEdgeConfig:
    """Emissary-ingress in front of the (internal) Istio ingress gateway."""

    namespace: str = "emissary"
    chart: HelmChartConfig = HelmChartConfig("emissary-ingress", EMISSARY_VERSION, EMISSARY_REPOSITORY)
    service_type: str = "LoadBalancer"
    hostnames: tuple[str, ...] = ()
    tls_secret_name: Optional[str] = None
    crds_chart: HelmChartConfig = HelmChartConfig("emissary-crds-chart", EMISSARY_VERSION, EMISSARY_REPOSITORY)
    replicas: int = 2


@dataclass(frozen=True)
class AviEdgeConfig:
    """Avi virtual services in front of the NodePort gateway (on-prem)."""

    cloud: str = "Default-Cloud"
    vrf: str = "global"
    service_engine_group: str = "Default-Group"
    vip_network: Optional[str] = None
    vip_address: Optional[str] = None
    node_addresses: tuple[str, ...] = ()
    static_routes: tuple[tuple[str, str], ...] = ()
    shard_size: str = "SMALL"


@dataclass(frozen=True)
class EdgeConfig:
    """Which edge fronts the mesh, with that edge's settings."""

    kind: str
    alb: Optional[AlbEdgeConfig] = None
    azure_ip: Optional[AzureIpEdgeConfig] = None
    ambassador: Optional[AmbassadorEdgeConfig] = None
    avi: Optional[AviEdgeConfig] = None


AVI_SHARD_SIZES = {"SMALL": 1, "MEDIUM": 4, "LARGE": 8}
"""AKO's virtual-service shard sizes: how many shared virtual services hosts spread over."""

_EDGE_SECTIONS = {"alb": "alb", "azure-ip": "azureIp", "ambassador": "ambassador", "avi": "avi"}


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _read_edge(node: ConfigNode) -> EdgeConfig:
    node.allow_only(["kind", *_EDGE_SECTIONS.values()])
    kind = node.string("kind", choices=EDGE_KINDS)
    for other_kind, section in _EDGE_SECTIONS.items():
        if other_kind != kind and node.has(section):
            node.problem(section, f'settings for the "{other_kind}" edge given but edge.kind is "{kind}"')
    edge = EdgeConfig(kind=kind)
    if kind == "alb":
        alb = node.child("alb")
        alb.allow_only(["certificateArn", "scheme", "sslPolicy", "controllerChartVersion"])
        edge = EdgeConfig(kind, alb=AlbEdgeConfig(
            certificate_arn=alb.string("certificateArn", check=lambda v: bool(_ACM_ARN.match(v)),
                                       expected='an ACM certificate ARN "arn:aws:acm:<region>:<account>:certificate/<id>"'),
            scheme=alb.string("scheme", "internet-facing", choices=("internet-facing", "internal")),
            ssl_policy=alb.string("sslPolicy", "ELBSecurityPolicy-TLS13-1-2-2021-06",
                                  check=lambda v: v.startswith("ELBSecurityPolicy-"),
                                  expected='an ELB security policy name "ELBSecurityPolicy-..."'),
            controller_chart=HelmChartConfig(
                "aws-load-balancer-controller",
                alb.string("controllerChartVersion", "1.13.4", check=_is_semver, expected="a chart version"),
                "https://aws.github.io/eks-charts"),
        ))
    elif kind == "azure-ip":
        azure = node.child("azureIp")
        azure.allow_only(["dnsLabel"])
        edge = EdgeConfig(kind, azure_ip=AzureIpEdgeConfig(
            dns_label=azure.string("dnsLabel", None, check=is_dns_label, expected="a DNS label")))
    elif kind == "ambassador":
        amb = node.child("ambassador")
        amb.allow_only(["namespace", "chartVersion", "crdsChartVersion", "repository", "serviceType", "hostnames",
                        "tlsSecretName", "replicas"])
        defaults = AmbassadorEdgeConfig()
        version_rule = dict(check=_is_emissary_chart_version,
                            expected=f'an Emissary 4.x chart version such as "{EMISSARY_VERSION}" (charts 6.x-8.x '
                                     "are the retired app.getambassador.io charts of Emissary 1-3)")
        chart_version = amb.string("chartVersion", defaults.chart.version, **version_rule)
        repository = amb.string("repository", defaults.chart.repository, check=_is_chart_repository,
                                expected='an oci:// or https:// chart repository such as "oci://ghcr.io/emissary-ingress"')
        edge = EdgeConfig(kind, ambassador=AmbassadorEdgeConfig(
            namespace=amb.string("namespace", defaults.namespace, check=is_dns_label, expected="a namespace name"),
            chart=HelmChartConfig(defaults.chart.chart, chart_version, repository),
            service_type=amb.string("serviceType", "LoadBalancer", choices=("LoadBalancer", "NodePort")),
            hostnames=amb.strings("hostnames", (), check=lambda v: is_hostname(v), expected="a DNS host name"),
            tls_secret_name=amb.string("tlsSecretName", None, check=is_dns_label, expected="a secret name"),
            crds_chart=HelmChartConfig(
                defaults.crds_chart.chart,
                amb.string("crdsChartVersion", chart_version or defaults.crds_chart.version, **version_rule),
                repository),
            replicas=amb.integer("replicas", defaults.replicas, minimum=1, maximum=50),
        ))
    elif kind == "avi":
        avi = node.child("avi")
        avi.allow_only(["cloud", "vrf", "serviceEngineGroup", "vipNetwork", "vipAddress", "nodeAddresses",
                        "staticRoutes", "shardSize"])
        routes = []
        for route in avi.children("staticRoutes"):
            route.allow_only(["prefix", "nextHop"])
            routes.append((
                route.string("prefix", check=is_cidr, expected="a CIDR such as 10.244.1.0/24"),
                route.string("nextHop", check=_is_ip, expected="an IP address"),
            ))
        edge = EdgeConfig(kind, avi=AviEdgeConfig(
            cloud=avi.string("cloud", "Default-Cloud"),
            vrf=avi.string("vrf", "global"),
            service_engine_group=avi.string("serviceEngineGroup", "Default-Group"),
            vip_network=avi.string("vipNetwork", None, check=is_cidr, expected="a CIDR"),
            vip_address=avi.string("vipAddress", None, check=_is_ip, expected="an IP address"),
            node_addresses=avi.strings("nodeAddresses", (), check=_is_ip, expected="an IP address"),
            static_routes=tuple(routes),
            shard_size=avi.string("shardSize", "SMALL", choices=tuple(AVI_SHARD_SIZES)),
        ))
        if edge.avi.vip_address and edge.avi.shard_size != "SMALL":
            avi.problem("vipAddress", "one fixed VIP serves one shard; use shardSize SMALL, or leave vipAddress "
                                      "out and let the controller allocate VIPs from vipNetwork")
        if not edge.avi.vip_address and not edge.avi.vip_network:
            avi.problem(None, "expected vipAddress or vipNetwork (where the controller allocates VIPs)")
        if not edge.avi.node_addresses:
            avi.problem("nodeAddresses", "expected at least one node IP: the pools send traffic to the "
                                         "ingress gateway's node ports there")
    return edge


# --------------------------------------------------------------------------------------
# Observability and the Avi Controller connection
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CredentialConfig:
    """A user name (plain) and its password (a Pulumi secret)."""

    username: str
    password: Optional[pulumi.Output[str]]


@dataclass(frozen=True)
class ObservabilityConfig:
    """Grafana and Kiali credentials and optional add-ons."""

    grafana: CredentialConfig
    kiali: CredentialConfig
    grafana_addon: bool = False
    kiali_addon: bool = False
    kiali_strategy: str = "token"
    grafana_chart: HelmChartConfig = HelmChartConfig("grafana", "10.1.4", "https://grafana.github.io/helm-charts")
    kiali_operator_chart: HelmChartConfig = HelmChartConfig("kiali-operator", "2.17.0", "https://kiali.org/helm-charts")


KIALI_STRATEGIES = ("token", "anonymous", "openid", "header")


def _read_observability(node: ConfigNode, source: ConfigSource) -> ObservabilityConfig:
    node.allow_only(["grafana", "kiali"])
    grafana = node.child("grafana")
    grafana.allow_only(["username", "addon", "chartVersion"])
    kiali = node.child("kiali")
    kiali.allow_only(["username", "addon", "strategy", "operatorChartVersion"])
    defaults = ObservabilityConfig(CredentialConfig("", None), CredentialConfig("", None))
    grafana_addon = grafana.boolean("addon", False)
    kiali_addon = kiali.boolean("addon", False)
    grafana_password = source.secret("grafanaPassword")
    if grafana_addon and grafana_password is None:
        node.problems.add(f"{PROJECT}:grafanaPassword",
                          "required when observability.grafana.addon is true; set it with "
                          "`pulumi config set --secret grafanaPassword ...`")
    return ObservabilityConfig(
        grafana=CredentialConfig(grafana.string("username", "grafana", check=lambda v: bool(v.strip())),
                                 grafana_password),
        kiali=CredentialConfig(kiali.string("username", "kiali", check=lambda v: bool(v.strip())),
                               source.secret("kialiPassword")),
        grafana_addon=grafana_addon,
        kiali_addon=kiali_addon,
        kiali_strategy=kiali.string("strategy", "token", choices=KIALI_STRATEGIES),
        grafana_chart=HelmChartConfig(
            "grafana", grafana.string("chartVersion", defaults.grafana_chart.version, check=_is_semver,
                                      expected="a chart version"), defaults.grafana_chart.repository),
        kiali_operator_chart=HelmChartConfig(
            "kiali-operator", kiali.string("operatorChartVersion", defaults.kiali_operator_chart.version,
                                           check=_is_semver, expected="a chart version"),
            defaults.kiali_operator_chart.repository),
    )


@dataclass(frozen=True)
class AviControllerConfig:
    """How to reach the Avi Controller; the password is a secret, never a resource input."""

    controller: str
    username: str
    tenant: str
    version: str
    ca_bundle: Optional[str]
    insecure: bool
    password: Optional[pulumi.Output[str]]


def _read_avi_controller(node: ConfigNode, source: ConfigSource) -> Optional[AviControllerConfig]:
    if not isinstance(node.value, dict) or not node.value:
        return None
    node.allow_only(["controller", "username", "tenant", "version", "caBundle", "insecure"])
    return AviControllerConfig(
        controller=node.string("controller", check=_is_url, expected='a URL such as "https://avi.example.com"'),
        username=node.string("username", "admin"),
        tenant=node.string("tenant", "admin"),
        version=node.string("version", "22.1.3", check=lambda v: bool(re.match(r"^\d+\.\d+\.\d+$", v)),
                            expected='an Avi API version such as "22.1.3"'),
        ca_bundle=node.string("caBundle", None),
        insecure=node.boolean("insecure", False),
        password=source.secret("aviPassword"),
    )


# --------------------------------------------------------------------------------------
# AKO (Avi Kubernetes Operator) inside the mesh
# --------------------------------------------------------------------------------------

AKO_CNI_PLUGINS = ("", "calico", "canal", "flannel", "openshift", "antrea", "ncp", "ovn-kubernetes", "cilium")
AKO_SERVICE_TYPES = ("NodePort", "ClusterIP", "NodePortLocal")
AKO_SHARD_SIZES = ("LARGE", "MEDIUM", "SMALL", "DEDICATED")


@dataclass(frozen=True)
class AkoConfig:
    """AKO installed in its own namespace, in the mesh (seed 000)."""

    enabled: bool = False
    namespace: str = "avi-system"
    chart: HelmChartConfig = HelmChartConfig("ako", "2.2.1", "oci://projects.packages.broadcom.com/ako/helm-charts")
    cni_plugin: str = ""
    service_type: str = "NodePort"
    shard_size: str = "LARGE"
    vip_networks: tuple[tuple[str, str], ...] = ()
    delete_config: bool = False


def _read_ako(node: ConfigNode) -> AkoConfig:
    node.allow_only(["enabled", "namespace", "chartVersion", "cniPlugin", "serviceType", "shardSize",
                     "vipNetworks", "deleteConfig"])
    defaults = AkoConfig()
    networks = []
    for net in node.children("vipNetworks"):
        net.allow_only(["networkName", "cidr"])
        networks.append((net.string("networkName"), net.string("cidr", check=is_cidr, expected="a CIDR")))
    return AkoConfig(
        enabled=node.boolean("enabled", False),
        namespace=node.string("namespace", defaults.namespace, check=is_dns_label, expected="a namespace name"),
        chart=HelmChartConfig(defaults.chart.chart, node.string("chartVersion", defaults.chart.version,
                                                                check=_is_semver, expected="a chart version"),
                              defaults.chart.repository),
        cni_plugin=node.string("cniPlugin", "", choices=AKO_CNI_PLUGINS),
        service_type=node.string("serviceType", "NodePort", choices=AKO_SERVICE_TYPES),
        shard_size=node.string("shardSize", "LARGE", choices=AKO_SHARD_SIZES),
        vip_networks=tuple(networks),
        delete_config=node.boolean("deleteConfig", False),
    )


# --------------------------------------------------------------------------------------
# The whole stack
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StackConfig:
    """Every setting of one stack, validated."""

    stack: str
    environment: str
    cluster: ClusterConfig
    kubeconfig: Optional[pulumi.Output[str]]
    istio: IstioConfig
    namespaces: tuple[str, ...]
    apps: tuple[AppConfig, ...]
    external_hosts: tuple[ExternalHostConfig, ...]
    edge: EdgeConfig
    observability: ObservabilityConfig
    avi: Optional[AviControllerConfig]
    ako: AkoConfig = AkoConfig()


TOP_LEVEL_KEYS = ("environment", "cluster", "istio", "namespaces", "apps", "externalHosts", "edge",
                  "observability", "avi", "ako", *SECRET_KEYS)


def load_stack_config(source: ConfigSource) -> StackConfig:
    """Read and validate the whole stack; raise `ConfigError` listing every problem."""
    problems = Problems()
    raw = {key: source.value(key) for key in TOP_LEVEL_KEYS if key not in SECRET_KEYS}
    if raw.get("environment") == "":
        raw["environment"] = None  # Pulumi.yaml's declared default: use the stack name
    root = ConfigNode(raw, f"{PROJECT}:", problems)

    for key, kinds in (("cluster", CLUSTER_KINDS), ("edge", EDGE_KINDS)):
        if not isinstance(raw.get(key), dict):
            root.problem(key, f"required; expected an object with kind: {', '.join(kinds)}")
    cluster = _read_cluster(root.child("cluster"), source.stack)
    istio = _read_istio(root.child("istio"))
    namespaces = root.strings("namespaces", ("default",), check=is_dns_label, expected="a namespace name")
    apps = _read_apps(root.children("apps"))
    external_hosts = _read_external_hosts(root.children("externalHosts"))
    edge = _read_edge(root.child("edge"))
    observability = _read_observability(root.child("observability"), source)
    avi = _read_avi_controller(root.child("avi"), source)
    ako = _read_ako(root.child("ako"))
    environment = root.string("environment", source.stack, check=is_dns_label, expected="a DNS label") or source.stack

    config = StackConfig(
        stack=source.stack,
        environment=environment,
        cluster=cluster,
        kubeconfig=source.secret("kubeconfig"),
        istio=istio,
        namespaces=namespaces,
        apps=apps,
        external_hosts=external_hosts,
        edge=edge,
        observability=observability,
        avi=avi,
        ako=ako,
    )
    _cross_checks(config, problems)
    problems.raise_if_any()
    return config


def _cross_checks(config: StackConfig, problems: Problems) -> None:
    """Rules that span sections."""
    from components.config.rules import check_stack

    check_stack(config, problems)


__all__ = [
    "ConfigError",
    "ConfigSource",
    "PulumiConfigSource",
    "StackConfig",
    "load_stack_config",
]
