"""The root model: one stack's whole configuration, composed from every domain's section."""

from __future__ import annotations

from typing import Annotated, Any

import pulumi
from pydantic import Field, PrivateAttr, ValidationInfo, model_validator

from components.ako.config import AkoConfig
from components.avi.controller import AviControllerConfig
from components.cluster.config import CLUSTER_KINDS, ClusterConfig
from components.config.base import ConfigModel, check
from components.config.types import DnsLabel, Expect, NamespaceName
from components.edges.config import EDGE_KINDS, EdgeConfig
from components.mesh.config import IstioConfig, NamespacePolicyConfig
from components.observability.config import ObservabilityConfig
from components.routes.config import AppConfig, ExternalHostConfig
from components.stack.rules import stack_rules

SECRET_KEYS = ("kubeconfig", "grafanaPassword", "kialiPassword", "aviPassword", "edgeCertificates")
"""Top-level keys that hold secrets; they are only ever read as Pulumi secrets."""


class StackConfig(ConfigModel):
    """Every setting of one stack (`mesh-platform:<key>`), validated; secrets are attached by the loader."""

    environment: DnsLabel | None = Field(default=None, description="defaults to the stack name")
    cluster: Annotated[ClusterConfig, Expect(f"an object with kind: {', '.join(CLUSTER_KINDS)}")]
    istio: IstioConfig = IstioConfig()
    namespaces: tuple[NamespaceName, ...] = ("default",)
    namespace_policy: NamespacePolicyConfig = NamespacePolicyConfig()
    apps: tuple[AppConfig, ...] = ()
    external_hosts: tuple[ExternalHostConfig, ...] = ()
    edge: Annotated[EdgeConfig, Expect(f"an object with kind: {', '.join(EDGE_KINDS)}")]
    observability: ObservabilityConfig = ObservabilityConfig()
    avi: AviControllerConfig | None = None
    ako: AkoConfig = AkoConfig()

    _stack: str = PrivateAttr(default="")
    _kubeconfig: pulumi.Output[str] | None = PrivateAttr(default=None)
    _edge_certificates: pulumi.Output[str] | None = PrivateAttr(default=None)

    @property
    def stack(self) -> str:
        """The stack's name."""
        return self._stack

    @property
    def environment_name(self) -> str:
        """The environment label of namespaces and cloud resources: `environment`, else the stack name."""
        return self.environment or self._stack

    @property
    def kubeconfig(self) -> pulumi.Output[str] | None:
        """The `kubeconfig` secret of an existing cluster, when the stack sets one."""
        return self._kubeconfig

    @model_validator(mode="after")
    def _cross_section_rules(self, info: ValidationInfo) -> StackConfig:
        context = info.context or {}
        check(stack_rules(self, set(context.get("secrets", ())), context.get("today"), context.get("providers") or {}))
        return self

    @property
    def edge_certificates(self) -> pulumi.Output[str] | None:
        """The `edgeCertificates` secret (JSON: name -> {certificate, key}), when the stack sets it."""
        return self._edge_certificates

    def with_secrets(self, stack: str, secrets: dict[str, Any]) -> StackConfig:
        """A copy with the stack name, the environment default and each secret attached where it is used."""
        observability = self.observability.model_copy(
            update={
                "grafana": self.observability.grafana.with_password(secrets.get("grafanaPassword")),
                "kiali": self.observability.kiali.with_password(secrets.get("kialiPassword")),
            }
        )
        avi = self.avi.with_password(secrets.get("aviPassword")) if self.avi else None
        config = self.model_copy(
            update={"environment": self.environment or stack, "observability": observability, "avi": avi}
        )
        config._stack = stack
        config._kubeconfig = secrets.get("kubeconfig")
        config._edge_certificates = secrets.get("edgeCertificates")
        return config
