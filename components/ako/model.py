"""AKO's Helm values and the chart fix it needs inside Istio, as plain data and functions.

Seed 000: with `istioEnabled`, AKO's container mounts an `istio-certs` volume that
released charts forget to declare, so the API server rejects the StatefulSet
("volumeMounts[1].name: Not found: istio-certs"). `add_istio_certs_volume` adds the
in-memory volume to the rendered StatefulSet when it is missing, and leaves a chart
that already declares it untouched.
"""

from __future__ import annotations

from typing import Any, Optional
from urllib.parse import urlparse

from components.ako.config import AkoConfig
from components.edges.avi.config import AviControllerConfig, AviEdgeConfig

SERVICE_ACCOUNT = "ako-sa"
CREDENTIALS_SECRET = "avi-secret"
ISTIO_CERTS_VOLUME = {"name": "istio-certs", "emptyDir": {"medium": "Memory"}}


def controller_host(controller_url: str) -> str:
    """AKO wants the controller as host[:port], without a scheme."""
    parsed = urlparse(controller_url)
    return parsed.netloc or controller_url


def mesh_principal(namespace: str) -> str:
    """AKO's (and the service engines') identity for Istio AuthorizationPolicies."""
    return f"cluster.local/ns/{namespace}/sa/{SERVICE_ACCOUNT}"


def ako_values(cluster_name: str, ako: AkoConfig, avi: AviControllerConfig,
               edge: Optional[AviEdgeConfig]) -> dict[str, Any]:
    """Chart values: AKO in the mesh, credentials from a pre-created `avi-secret`."""
    cloud = edge.cloud if edge else "Default-Cloud"
    se_group = edge.service_engine_group if edge else "Default-Group"
    return {
        "replicaCount": 1,
        "AKOSettings": {
            "clusterName": cluster_name,
            "cniPlugin": ako.cni_plugin,
            "istioEnabled": True,
            "primaryInstance": True,
            "deleteConfig": "true" if ako.delete_config else "false",
            "disableStaticRouteSync": "true" if ako.service_type != "ClusterIP" else "false",
        },
        "ControllerSettings": {
            "controllerHost": controller_host(avi.controller),
            "controllerVersion": avi.version,
            "tenantName": avi.tenant,
            "cloudName": cloud,
            "serviceEngineGroupName": se_group,
        },
        "NetworkSettings": {
            "vipNetworkList": [{"networkName": net.network_name, "cidr": net.cidr} for net in ako.vip_networks],
        },
        "L7Settings": {"serviceType": ako.service_type, "shardVSSize": ako.shard_size},
        # Empty: the chart then renders no avi-secret and AKO reads the one the program
        # creates from the secret aviPassword, so the password never sits in Helm values.
        "avicredentials": {"username": "", "password": ""},
    }


def add_istio_certs_volume(kind: str, props: dict[str, Any]) -> Optional[dict[str, Any]]:
    """The StatefulSet's props with the `istio-certs` volume added, or None when nothing changes."""
    if kind != "StatefulSet":
        return None
    pod = ((props.get("spec") or {}).get("template") or {}).get("spec") or {}
    mounts = [m.get("name") for c in pod.get("containers") or [] for m in c.get("volumeMounts") or []]
    volumes = pod.get("volumes") or []
    if "istio-certs" not in mounts or any(v.get("name") == "istio-certs" for v in volumes):
        return None
    spec = dict(props["spec"])
    template = dict(spec["template"])
    template["spec"] = {**pod, "volumes": [*volumes, dict(ISTIO_CERTS_VOLUME)]}
    spec["template"] = template
    return {**props, "spec": spec}
