"""The `istio` section: the mesh's charts, mesh-wide policy and its gateways."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from components.config.base import ConfigModel, check
from components.config.types import (
    DNS_LABEL_PATTERN,
    Bool,
    ChartRepository,
    DnsLabel,
    HelmChartConfig,
    IntegerRange,
    NamespaceName,
    NumberRange,
    OneOf,
    Replicas,
    Text,
    dns_label,
    is_dns_label,
    is_semver,
    matching,
)
from components.mesh.label_policy import LabelPolicy

ISTIO_VERSION = "1.30.3"
"""The newest Istio release whose chart sources the project checks its values against: the newest
stable tag in the istio/istio snapshot readable here (1.30.4 and 1.31.0 were released after it)."""
ISTIO_REPOSITORY = "https://istio-release.storage.googleapis.com/charts"
OUTBOUND_POLICIES = ("ALLOW_ANY", "REGISTRY_ONLY")
MTLS_MODES = ("STRICT", "PERMISSIVE")


def is_istio_version(value: str) -> bool:
    """A chart version of Istio 1.22 or later (the v1 networking/security APIs used here)."""
    if not is_semver(value):
        return False
    major, minor = (int(part) for part in value.lstrip("v").split(".")[:2])
    return (major, minor) >= (1, 22)


IstioVersion = Annotated[
    str,
    Text(
        'an Istio chart version 1.22 or later such as "1.30.3"',
        is_istio_version,
        r"^v?1\.(2[2-9]|[3-9]\d)\.\d+(-[0-9A-Za-z.-]+)?$",
    ),
]
NodePort = Annotated[int, IntegerRange(30000, 32767)]


class NodePorts(ConfigModel):
    """Fixed node ports of the NodePort ingress gateway (ALB and Avi edges)."""

    http: NodePort = 30080
    https: NodePort = 30443
    status: NodePort = 30021

    @model_validator(mode="after")
    def _ports_differ(self) -> NodePorts:
        ports = (self.http, self.https, self.status)
        if len(set(ports)) != len(ports):
            check([("", f"node ports must differ; got http={self.http}, https={self.https}, status={self.status}")])
        return self


class IngressGatewayConfig(ConfigModel):
    """The Istio ingress gateway release and its Service."""

    name: DnsLabel = "istio-ingressgateway"
    namespace: NamespaceName = "istio-ingress"
    node_ports: NodePorts = NodePorts()
    replicas: Replicas = 2


HostPort = Annotated[str, matching('"host:port"', r"^[a-z0-9.-]+:\d{1,5}$")]
COLLECTOR_SERVICE = "jaeger"
"""Service of the trace collector the stack installs (Jaeger, Zipkin API on 9411) when none is named."""
ZIPKIN_PORT = 9411


SamplingPercent = Annotated[float, NumberRange(0.0, 100.0)]


class TracingConfig(ConfigModel):
    """Where sidecars send spans (a Zipkin-compatible collector)."""

    enabled: Bool = False
    zipkin_address: HostPort | None = Field(
        default=None,
        description=(
            "an existing Zipkin-compatible collector; without it the stack installs Jaeger in the Istio namespace"
        ),
    )
    sampling_percent: SamplingPercent = 1.0

    @property
    def installs_collector(self) -> bool:
        """True when the stack installs its own collector (tracing on, no address given)."""
        return self.enabled and self.zipkin_address is None


class EgressGatewayConfig(ConfigModel):
    """The egress gateway; on by default when outbound traffic is REGISTRY_ONLY."""

    enabled: Bool | None = Field(default=None, description="defaults to true under REGISTRY_ONLY, else false")
    replicas: Replicas = 2


# ---- Revisions and canary upgrades (components/mesh/revisions.py turns these into control planes) ----

DEFAULT_REVISION = "default"
"""The non-revisioned control plane (Helm release `istiod`, chart `revision: ""`), as Istio itself names it."""
INJECTION_MODES = ("revision", "legacy")
MAX_REVISION_LENGTH = 46
"""`istiod-<revision>` must fit Helm's 53-character release names."""


def is_revision(value: str) -> bool:
    """A DNS label short enough that `istiod-<revision>` is a valid Helm release name."""
    return is_dns_label(value) and len(value) <= MAX_REVISION_LENGTH


Revision = Annotated[
    str,
    Text(
        f'a revision: a DNS label of at most {MAX_REVISION_LENGTH} characters such as "1-30", or "default" '
        "for the non-revisioned control plane",
        is_revision,
        DNS_LABEL_PATTERN,
    ),
]
RevisionTag = Annotated[str, dns_label('a revision tag (a DNS label such as "prod-stable")')]
InjectionMode = Annotated[str, OneOf(INJECTION_MODES)]


class CanaryConfig(ConfigModel):
    """A second control plane installed beside `istio.revision` while the mesh moves to it."""

    version: IstioVersion
    revision: Revision


OutboundTrafficPolicy = Annotated[str, OneOf(OUTBOUND_POLICIES)]
MtlsMode = Annotated[str, OneOf(MTLS_MODES)]


class IstioConfig(ConfigModel):
    """The mesh: charts, mesh-wide policy and the gateways."""

    version: IstioVersion = ISTIO_VERSION
    allow_unlisted_version: Bool = Field(
        default=False,
        description=(
            "acknowledge an Istio minor newer than the project's compatibility table: rendered with a "
            "warning, its Kubernetes range unchecked (for a security release the table has not caught up with)"
        ),
    )
    repository: ChartRepository = ISTIO_REPOSITORY
    namespace: NamespaceName = "istio-system"
    outbound_traffic_policy: OutboundTrafficPolicy = "ALLOW_ANY"
    access_logging: Bool = True
    mtls: MtlsMode = "STRICT"
    tracing: TracingConfig = TracingConfig()
    ingress_gateway: IngressGatewayConfig = IngressGatewayConfig()
    egress_gateway: EgressGatewayConfig = EgressGatewayConfig()
    # Revisions and canary upgrades (docs/mesh.md "Upgrades").
    revision: Revision = Field(
        default=DEFAULT_REVISION,
        description='the control plane revision the mesh runs on; "default" is the non-revisioned istiod',
    )
    canary: CanaryConfig | None = Field(
        default=None, description="a second revision installed beside `revision` during a canary upgrade"
    )
    tag: RevisionTag = Field(
        default="prod-stable", description="the revision tag app namespaces are labelled with (`istio.io/rev`)"
    )
    tag_revision: Revision | None = Field(
        default=None, description="the revision the tag (and the gateways) point at; default: `revision`"
    )
    injection: InjectionMode = Field(
        default="revision",
        description="revision: namespaces carry `istio.io/rev=<tag>`; legacy: `istio-injection=enabled`, in-place only",
    )

    @property
    def mtls_mode(self) -> str:
        return self.mtls

    @property
    def egress_gateway_enabled(self) -> bool:
        if self.egress_gateway.enabled is None:
            return self.outbound_traffic_policy == "REGISTRY_ONLY"
        return self.egress_gateway.enabled

    @property
    def collector_address(self) -> str:
        """The `host:port` of the Zipkin collector: the one given, else the one the stack installs."""
        return self.tracing.zipkin_address or f"{COLLECTOR_SERVICE}.{self.namespace}:{ZIPKIN_PORT}"

    @property
    def resolved_tracing(self) -> TracingConfig:
        """The tracing settings with the collector's address filled in when the stack installs it."""
        if not self.tracing.installs_collector:
            return self.tracing
        return self.tracing.model_copy(update={"zipkin_address": self.collector_address})

    def chart(self, name: str) -> HelmChartConfig:
        """One of Istio's charts (base, istiod, gateway) at the pinned version."""
        return HelmChartConfig(name, self.version, self.repository)


class NamespacePolicyConfig(ConfigModel):
    """How the stack treats app namespaces: which it adopts, and whether it keeps the ones it creates."""

    existing: tuple[NamespaceName, ...] = Field(
        default=(),
        description=(
            "namespaces the cluster already has: their labels are patched (and restored on destroy), they are "
            "never created or deleted; default and the other built-in namespaces are always treated so"
        ),
    )
    retain_on_delete: Bool = Field(
        default=True,
        description=(
            "keep the namespaces the stack created when the stack is destroyed (they may hold other pipelines' apps)"
        ),
    )
    label_policy: LabelPolicy = Field(
        default="warn",
        description=(
            "Pods and workloads in the app namespaces without app and version labels: warn (admission warning and "
            "audit annotation), deny (refused), or off (components/mesh/label_policy.py)"
        ),
    )
