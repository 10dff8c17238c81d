"""Grafana and Kiali: credentials as Secrets in the Istio namespace, optional add-ons, and what
they read: Prometheus (scraping the mesh as Istio's add-on does) and a Zipkin-compatible trace
collector, each installed here unless the stack names an existing one.

The passwords come from secret stack config and stay Pulumi secrets through to the
Secrets' `stringData`; charts reference the Secrets by name and never see the values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.config.types import HelmChartConfig
from components.helm import pinned_release
from components.mesh.config import IstioConfig
from components.observability import model
from components.observability.config import KIALI_OPERATOR_NAMESPACE, ObservabilityConfig
from components.resource_options import dependencies_of


@dataclass
class ObservabilityArgs:
    """Inputs of the `Observability` component."""

    config: ObservabilityConfig
    """The validated `observability` section plus the Grafana/Kiali password secrets."""
    istio: IstioConfig
    """The mesh's settings: its namespace (where everything here lives) and its tracing."""


class Observability(pulumi.ComponentResource):
    """Credential Secrets for Grafana and Kiali and, when enabled, the add-ons themselves.

    `opts` brings the cluster's Kubernetes provider (`providers=[...]`, inherited by every child) and
    what the add-ons need first (`depends_on`: istiod, which also creates the Istio namespace); every
    child repeats that `depends_on`.
    """

    grafana_secret: k8s.core.v1.Secret | None
    """Secret `grafana` (username, passphrase); None without a Grafana password."""
    kiali_secret: k8s.core.v1.Secret | None
    """Secret `kiali` (username, passphrase); None without a Kiali password."""
    grafana: k8s.helm.v3.Release | None
    """The Grafana release, when the add-on is on."""
    kiali_operator: k8s.helm.v3.Release | None
    """The Kiali operator release, when the add-on is on."""
    kiali: k8s.apiextensions.CustomResource | None
    """The `Kiali` resource the operator installs from, when the add-on is on."""
    prometheus: k8s.helm.v3.Release | None
    """The Prometheus release, when Kiali or Grafana needs one and none is named."""
    collector: k8s.helm.v3.Release | None
    """The trace collector (Jaeger) release, when tracing is on and no collector is named."""

    def __init__(self, name: str, args: ObservabilityArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mesh-platform:observability:Observability", name, None, opts)
        namespace = args.istio.namespace
        self._name, self._namespace = name, namespace
        self._after = dependencies_of(opts)
        config = args.config
        self.endpoints = model.endpoints(config, args.istio)
        self.grafana_secret = self._credential(
            "grafana", model.GRAFANA_SECRET, config.grafana.username, config.grafana.password
        )
        self.kiali_secret = self._credential("kiali", model.KIALI_SECRET, config.kiali.username, config.kiali.password)

        self.prometheus = self.collector = None
        if self.endpoints.installs_prometheus:
            self.prometheus = self._release(
                "prometheus",
                config.prometheus_chart,
                namespace,
                model.prometheus_values(config.prometheus.persistence),
                [],
            )
        if self.endpoints.installs_collector:
            self.collector = self._release("jaeger", config.jaeger_chart, namespace, model.jaeger_values(), [])

        self.grafana = None
        if config.grafana_addon:
            self.grafana = self._release(
                "grafana",
                config.grafana_chart,
                namespace,
                model.grafana_values(
                    namespace,
                    self.endpoints.addon_prometheus_url,
                    config.grafana,
                    self._credentials_checksum(config.grafana.username, config.grafana.password),
                ),
                list(filter(None, [self.grafana_secret])),
            )

        self.kiali_operator = self.kiali = None
        if config.kiali_addon:
            operator_ns = k8s.core.v1.Namespace(
                f"{name}-kiali-operator-ns", metadata={"name": KIALI_OPERATOR_NAMESPACE}, opts=self._child()
            )
            self.kiali_operator = self._release(
                "kiali-operator",
                config.kiali_operator_chart,
                KIALI_OPERATOR_NAMESPACE,
                model.kiali_operator_values(),
                [operator_ns],
            )
            manifest = model.kiali_cr(
                namespace,
                config.kiali_strategy,
                self.endpoints.addon_prometheus_url,
                config.grafana.username if self.grafana else None,
                self.endpoints.trace_query,
                grafana_external_url=config.grafana.external_url,
                tracing_external_url=config.tracing.external_url,
            )
            self.kiali = k8s.apiextensions.CustomResource(
                f"{name}-kiali",
                api_version=manifest["apiVersion"],
                kind=manifest["kind"],
                metadata=manifest["metadata"],
                spec=manifest["spec"],
                opts=self._child([self.kiali_operator, *filter(None, [self.grafana, self.prometheus, self.collector])]),
            )

        self.register_outputs(
            {
                "grafana_secret": model.GRAFANA_SECRET if self.grafana_secret else None,
                "kiali_secret": model.KIALI_SECRET if self.kiali_secret else None,
            }
        )

    def _child(self, depends_on: list[pulumi.Resource] | None = None) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, depends_on=[*self._after, *(depends_on or [])])

    @staticmethod
    def _credentials_checksum(username: str, password: pulumi.Output[str] | None) -> pulumi.Output[str] | None:
        """The checksum of Grafana's login, kept secret; None without a password (no Secret to follow)."""
        if password is None:
            return None
        checksum = password.apply(lambda value: model.credentials_checksum(username, value))
        return pulumi.Output.secret(checksum)

    def _credential(
        self,
        app: str,
        secret_name: str,
        username: str,
        password: pulumi.Output[str] | None,
    ) -> k8s.core.v1.Secret | None:
        if password is None:
            return None
        secret_password: pulumi.Output[str] = pulumi.Output.secret(password)
        return k8s.core.v1.Secret(
            f"{self._name}-{app}-credentials",
            metadata={"name": secret_name, "namespace": self._namespace, "labels": model.credential_labels(app)},
            type="Opaque",
            string_data={model.USERNAME_KEY: username, model.PASSWORD_KEY: secret_password},
            opts=self._child(),
        )

    def _release(
        self,
        release_name: str,
        chart: HelmChartConfig,
        namespace: str,
        values: dict[str, Any],
        depends_on: list[pulumi.Resource],
    ) -> k8s.helm.v3.Release:
        return pinned_release(
            f"{self._name}-{release_name}",
            release_name,
            chart,
            namespace,
            values,
            parent=self,
            depends_on=[*self._after, *depends_on],
        )
