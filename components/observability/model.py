"""Pure builders for Grafana and Kiali: credential Secret layout, chart values, the Kiali CR.

Seed 004 keeps the credentials in Secrets `grafana` and `kiali` (keys `username` and
`passphrase`) in the Istio namespace. Grafana's chart reads its admin login from that
Secret (`admin.existingSecret`); Kiali no longer has a `login` strategy, so its Secret is
kept for tools that read it, and Kiali itself authenticates with a supported strategy.
"""

from __future__ import annotations

from typing import Any, Optional

USERNAME_KEY = "username"
PASSWORD_KEY = "passphrase"
GRAFANA_SECRET = "grafana"
KIALI_SECRET = "kiali"
KIALI_API = "kiali.io/v1alpha1"

SUPPORTED_KIALI_STRATEGIES = ("anonymous", "header", "openid", "openshift", "token")
"""Kiali's authentication strategies today; `login` (and `ldap`) were removed."""


def credential_labels(app: str) -> dict[str, str]:
    """Labels of a credential Secret (seed 004 labels them with the app)."""
    return {"app": app, "app.kubernetes.io/managed-by": "pulumi"}


def prometheus_url(istio_namespace: str) -> str:
    """Where Istio's Prometheus add-on answers (samples/addons/prometheus.yaml)."""
    return f"http://prometheus.{istio_namespace}:9090"


def grafana_service_url(istio_namespace: str) -> str:
    """Grafana's in-cluster address when installed by `grafana_values`."""
    return f"http://grafana.{istio_namespace}:80"


DASHBOARD_LABEL = {"grafana_dashboard": "1"}
"""ConfigMaps with this label in the Istio namespace are loaded as Grafana dashboards."""


def grafana_values(istio_namespace: str) -> dict[str, Any]:
    """Values of the `grafana` chart: admin login from the `grafana` Secret, Prometheus datasource,
    and the dashboard sidecar that loads labelled ConfigMaps (e.g. the Emissary dashboard)."""
    (label, label_value), = DASHBOARD_LABEL.items()
    return {
        "sidecar": {"dashboards": {"enabled": True, "label": label, "labelValue": label_value,
                                   "searchNamespace": istio_namespace}},
        "fullnameOverride": "grafana",
        "admin": {"existingSecret": GRAFANA_SECRET, "userKey": USERNAME_KEY, "passwordKey": PASSWORD_KEY},
        "datasources": {"datasources.yaml": {"apiVersion": 1, "datasources": [{
            "name": "Prometheus", "type": "prometheus", "access": "proxy", "isDefault": True,
            "url": prometheus_url(istio_namespace),
        }]}},
        "podAnnotations": {"sidecar.istio.io/inject": "false"},
    }


def kiali_operator_values() -> dict[str, Any]:
    """Values of the `kiali-operator` chart: the operator only; the Kiali CR is declared separately."""
    return {"cr": {"create": False}, "watchNamespace": ""}


def kiali_cr(istio_namespace: str, strategy: str, grafana_username: Optional[str] = None) -> dict[str, Any]:
    """The `Kiali` resource the operator installs Kiali from; links Grafana when its user is given."""
    if strategy not in SUPPORTED_KIALI_STRATEGIES:
        raise ValueError(f"Kiali has no {strategy!r} strategy; expected one of "
                         f"{', '.join(SUPPORTED_KIALI_STRATEGIES)}")
    external: dict[str, Any] = {"prometheus": {"url": prometheus_url(istio_namespace)}}
    if grafana_username:
        external["grafana"] = {
            "enabled": True,
            "internal_url": grafana_service_url(istio_namespace),
            # Kiali resolves "secret:<name>:<key>" in its own namespace: no password in the CR.
            "auth": {"type": "basic", "username": grafana_username,
                     "password": f"secret:{GRAFANA_SECRET}:{PASSWORD_KEY}"},
        }
    else:
        external["grafana"] = {"enabled": False}
    return {
        "apiVersion": KIALI_API,
        "kind": "Kiali",
        "metadata": {"name": "kiali", "namespace": istio_namespace},
        "spec": {
            "istio_namespace": istio_namespace,
            "auth": {"strategy": strategy},
            "deployment": {"view_only_mode": False},
            "external_services": external,
        },
    }
