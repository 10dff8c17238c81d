"""The Grafana dashboard of the Emissary edge, provisioned by Grafana's dashboard sidecar."""

from __future__ import annotations

import json
from typing import Any

from components.edges.emissary.model import RELEASE_NAME
from components.observability import model as observability_model

DASHBOARD_LABEL = observability_model.DASHBOARD_LABEL
DASHBOARD_UID = "mesh-platform-emissary"


def _panel(panel_id: int, title: str, expr: str, legend: str, unit: str, x: int, y: int) -> dict[str, Any]:
    return {
        "id": panel_id,
        "type": "timeseries",
        "title": title,
        "datasource": "${datasource}",
        "gridPos": {"h": 8, "w": 12, "x": x, "y": y},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "targets": [{"refId": "A", "expr": expr, "legendFormat": legend}],
    }


def dashboard(emissary_namespace: str) -> dict[str, Any]:
    """A Grafana dashboard over the `:8877/metrics` series of the Emissary pods."""
    pods = 'pod=~"$pod"'
    listeners_ = 'envoy_http_conn_manager_prefix=~"ingress_https?"'
    panels = [
        (
            "Requests by response class",
            f"sum by (envoy_response_code_class) (rate(envoy_http_downstream_rq_xx{{{pods},{listeners_}}}[5m]))",
            "{{envoy_response_code_class}}xx",
            "reqps",
        ),
        (
            "Upstream 5xx by cluster",
            "sum by (envoy_cluster_name) "
            f'(rate(envoy_cluster_upstream_rq_xx{{{pods},envoy_response_code_class="5"}}[5m]))',
            "{{envoy_cluster_name}}",
            "reqps",
        ),
        (
            "Upstream latency p95 by cluster",
            f"histogram_quantile(0.95, sum by (le, envoy_cluster_name) "
            f"(rate(envoy_cluster_upstream_rq_time_bucket{{{pods}}}[5m])))",
            "{{envoy_cluster_name}}",
            "ms",
        ),
        (
            "Active client connections",
            f"sum by (pod) (envoy_http_downstream_cx_active{{{pods},{listeners_}}})",
            "{{pod}}",
            "short",
        ),
        ("Active upstream clusters", f"envoy_cluster_manager_active_clusters{{{pods}}}", "{{pod}}", "short"),
        ("Reconfiguration time", f"ambassador_reconfiguration_time_seconds{{{pods}}}", "{{pod}}", "s"),
    ]
    return {
        "uid": DASHBOARD_UID,
        "title": "Emissary edge",
        "tags": ["emissary", "mesh-platform"],
        "schemaVersion": 39,
        "time": {"from": "now-1h", "to": "now"},
        "refresh": "30s",
        "templating": {
            "list": [
                {"name": "datasource", "type": "datasource", "query": "prometheus"},
                {
                    "name": "pod",
                    "type": "query",
                    "datasource": "${datasource}",
                    "includeAll": True,
                    "multi": True,
                    "query": f'label_values(ambassador_diagnostics_info{{namespace="{emissary_namespace}"}}, pod)',
                },
            ]
        },
        "panels": [
            _panel(i + 1, title, expr, legend, unit, x=(i % 2) * 12, y=(i // 2) * 8)
            for i, (title, expr, legend, unit) in enumerate(panels)
        ],
    }


def dashboard_config_map(namespace: str, emissary_namespace: str) -> dict[str, Any]:
    """The ConfigMap Grafana's sidecar provisions the Emissary dashboard from."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "emissary-dashboard",
            "namespace": namespace,
            "labels": {**DASHBOARD_LABEL, "app.kubernetes.io/part-of": RELEASE_NAME},
        },
        "data": {"emissary.json": json.dumps(dashboard(emissary_namespace), indent=1, sort_keys=True)},
    }
