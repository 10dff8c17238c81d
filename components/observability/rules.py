"""Observability rules that need more than the `observability` section: the Grafana password secret,
and a trace store that is queried only when the mesh sends traces to it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from components.config.base import Problems

if TYPE_CHECKING:  # the root model sits in the stack layer above; a type-only import makes no cycle
    from components.stack.model import StackConfig


def observability_passwords(config: StackConfig, secrets: set[str]) -> Problems:
    """Grafana as an addon needs the `grafanaPassword` secret."""
    if config.observability.grafana.addon and "grafanaPassword" not in secrets:
        return [
            (
                "grafanaPassword",
                "required when observability.grafana.addon is true; set it with "
                "`pulumi config set --secret grafanaPassword ...`",
            )
        ]
    return []


def trace_store(config: StackConfig) -> Problems:
    """`observability.tracing.queryUrl` only beside an existing collector the mesh sends to."""
    tracing = config.istio.tracing
    if config.observability.tracing.query_url and (not tracing.enabled or tracing.zipkin_address is None):
        return [
            (
                "observability.tracing.queryUrl",
                "only for an existing collector: set istio.tracing.enabled and "
                "istio.tracing.zipkinAddress (the stack's own collector is "
                "queried without it)",
            )
        ]
    return []


def kiali_links(config: StackConfig) -> Problems:
    """The external URLs are where Kiali's links lead: only meaningful beside what they link to."""
    observability, problems = config.observability, []
    if observability.grafana.external_url and not (observability.kiali.addon and observability.grafana.addon):
        problems.append(
            (
                "observability.grafana.externalUrl",
                "only for Kiali's links to the stack's Grafana: set observability.kiali.addon and "
                "observability.grafana.addon, or remove it",
            )
        )
    if observability.tracing.external_url and not (observability.kiali.addon and config.istio.tracing.enabled):
        problems.append(
            (
                "observability.tracing.externalUrl",
                "only for Kiali's links to the trace store: set observability.kiali.addon and "
                "istio.tracing.enabled, or remove it",
            )
        )
    return problems
