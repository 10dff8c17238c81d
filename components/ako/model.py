"""AKO's Helm values and the two repairs its rendered chart needs, as plain data and functions.

- `istio-certs`: with `istioEnabled`, AKO's container mounts an `istio-certs` volume that
  released charts forget to declare, so the API server rejects the StatefulSet
  ("volumeMounts[1].name: Not found: istio-certs"). `add_istio_certs_volume` adds the
  in-memory volume when it is missing and leaves a chart that declares it untouched.
- The chart's ClusterRole lets AKO create, update and patch Secrets in every namespace; it
  only writes `istio-secret` in its own namespace. `narrow_secret_rules` makes the
  cluster-wide Secret rule read-only; the namespaced Role in `components/ako/mesh.py`
  grants the writes where AKO needs them.
"""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import urlparse

from components.ako.config import AkoConfig
from components.ako.effective import EffectiveAko

SERVICE_ACCOUNT = "ako-sa"
CREDENTIALS_SECRET = "avi-secret"
CONFIG_MAP = "avi-k8s-config"
STATEFULSET = "ako"
INGRESS_CLASS = "avi-lb"
ISTIO_CERTS_VOLUME = {"name": "istio-certs", "emptyDir": {"medium": "Memory"}}
READ_VERBS = ("get", "list", "watch")


def controller_host(controller_url: str) -> str:
    """AKO wants the controller as host[:port], without a scheme."""
    parsed = urlparse(controller_url)
    return parsed.netloc or controller_url


def mesh_principal(namespace: str) -> str:
    """AKO's identity as Istio AuthorizationPolicies spell it."""
    return f"cluster.local/ns/{namespace}/sa/{SERVICE_ACCOUNT}"


def _flag(value: bool) -> str:
    return "true" if value else "false"


def ako_values(settings: EffectiveAko, ako: AkoConfig, controller_url: str) -> dict[str, Any]:
    """Chart values: AKO in the mesh, credentials from the pre-created `avi-secret`."""
    selector = settings.node_port_selector or ("", "")
    return {
        "replicaCount": 1,
        "AKOSettings": {
            "clusterName": settings.cluster_name,
            "cniPlugin": ako.cni_plugin,
            "layer7Only": ako.layer7_only,
            "istioEnabled": True,
            "primaryInstance": True,
            "deleteConfig": _flag(ako.delete_config),
            "disableStaticRouteSync": _flag(settings.disable_static_route_sync),
        },
        "ControllerSettings": {
            "controllerHost": controller_host(controller_url),
            "controllerVersion": settings.controller_version,
            "tenantName": settings.tenant,
            "cloudName": settings.cloud,
            "serviceEngineGroupName": settings.service_engine_group,
            "vrfName": settings.vrf,
        },
        "NetworkSettings": {
            "vipNetworkList": [{"networkName": name, "cidr": cidr} for name, cidr in settings.vip_networks],
            "nodeNetworkList": [
                {"networkName": net.network_name, "cidrs": list(net.cidrs)} for net in ako.node_networks
            ],
        },
        "L7Settings": {
            "serviceType": ako.service_type,
            "shardVSSize": settings.shard_size,
            "passthroughShardSize": settings.passthrough_shard_size,
            # Only the ako manager (or a stack without an Avi edge) lets AKO take class-less Ingresses.
            "defaultIngController": _flag(settings.serves_ingresses),
        },
        "nodePortSelector": {"key": selector[0], "value": selector[1]},
        # Empty: the chart then renders no avi-secret and AKO reads the one the program
        # creates from the secret aviPassword, so the password never sits in Helm values.
        "avicredentials": {"username": "", "password": ""},
    }


def _pod_spec(props: dict[str, Any]) -> dict[str, Any]:
    return ((props.get("spec") or {}).get("template") or {}).get("spec") or {}


def add_istio_certs_volume(kind: str, props: dict[str, Any]) -> dict[str, Any] | None:
    """The StatefulSet's props with the `istio-certs` volume added, or None when nothing changes."""
    if kind != "StatefulSet":
        return None
    pod = _pod_spec(props)
    mounts = [m.get("name") for c in pod.get("containers") or [] for m in c.get("volumeMounts") or []]
    volumes = pod.get("volumes") or []
    if "istio-certs" not in mounts or any(v.get("name") == "istio-certs" for v in volumes):
        return None
    spec = dict(props["spec"])
    template = dict(spec["template"])
    template["spec"] = {**pod, "volumes": [*volumes, dict(ISTIO_CERTS_VOLUME)]}
    spec["template"] = template
    return {**props, "spec": spec}


def _grants_secret_writes(rule: dict[str, Any]) -> bool:
    writes = set(rule.get("verbs") or []) - set(READ_VERBS)
    return "" in (rule.get("apiGroups") or []) and "secrets" in (rule.get("resources") or []) and bool(writes)


def narrow_secret_rules(kind: str, props: dict[str, Any]) -> dict[str, Any] | None:
    """The ClusterRole's props with write verbs on Secrets dropped, or None when nothing changes.

    A rule naming `secrets` keeps only its read verbs on Secrets; other resources the same
    rule names keep every verb, in a rule of their own.
    """
    if kind != "ClusterRole":
        return None
    rules = props.get("rules") or []
    if not any(_grants_secret_writes(rule) for rule in rules):
        return None
    narrowed = []
    for rule in rules:
        if not _grants_secret_writes(rule):
            narrowed.append(rule)
            continue
        others = [r for r in rule["resources"] if r != "secrets"]
        if others:
            narrowed.append({**copy.deepcopy(rule), "resources": others})
        reads = [v for v in rule["verbs"] if v in READ_VERBS]
        if reads:
            narrowed.append({**copy.deepcopy(rule), "resources": ["secrets"], "verbs": reads})
    return {**props, "rules": narrowed}
