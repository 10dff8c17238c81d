"""AKO's chart, rendered by Helm with the values the program sets, and the program's repairs applied to it.

Needs a Helm binary and the AKO chart source at the pinned version in the upstream cache
(`$MESH_PLATFORM_UPSTREAM`, else `.upstream-cache/` in the project: `bin/helm` and
`charts/ako-<version>/`). Skipped, naming what is missing, unless the cache's completeness record
lists both (`tools.upstream.missing_from`).
"""

from __future__ import annotations

import copy
import json
import subprocess

import kubernetes_validate
import pytest
import yaml

from components.ako import model as ako_model
from components.ako.config import AKO_CHART
from tools.mockrun import reveal
from tools.upstream import cache_dir, chart_dir, helm_binary, missing_from

CACHE = cache_dir()
HELM, CHART = helm_binary(CACHE), chart_dir(CACHE, AKO_CHART.chart, AKO_CHART.version)
MISSING = missing_from(CACHE, [AKO_CHART])
pytestmark = pytest.mark.skipif(
    bool(MISSING),
    reason=f"the upstream cache {CACHE} lacks {', '.join(MISSING)} (`make upstream` fills it)",
)


@pytest.fixture(scope="module")
def rendered(run_stack, tmp_path_factory) -> dict[str, dict]:
    values = reveal(run_stack("onprem").named("ako-chart").inputs["values"])
    values["nodePortSelector"] = {"key": "node-role.example.net/edge", "value": "true"}
    path = tmp_path_factory.mktemp("ako") / "values.json"
    path.write_text(json.dumps(values))
    out = subprocess.run(
        [str(HELM), "template", "ako", str(CHART), "--namespace", "avi-system", "-f", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    return {f"{d['kind']}/{d['metadata']['name']}": d for d in yaml.safe_load_all(out) if d}


def _volume_names_resolve(statefulset: dict) -> bool:
    pod = statefulset["spec"]["template"]["spec"]
    volumes = {v["name"] for v in pod.get("volumes") or []}
    return all(m["name"] in volumes for c in pod["containers"] for m in c.get("volumeMounts") or [])


def test_the_chart_takes_every_value_the_program_sets(rendered):
    data = rendered["ConfigMap/avi-k8s-config"]["data"]
    expected = {
        "clusterName": "onprem-ako",
        "layer7Only": "false",
        "istioEnabled": "true",
        "deleteConfig": "false",
        "disableStaticRouteSync": "true",
        "controllerIP": "avi.corp.example.net",
        "controllerVersion": "22.1.3",
        "tenantName": "admin",
        "cloudName": "Default-Cloud",
        "serviceEngineGroupName": "Default-Group",
        "vrfName": "",
        "shardVSSize": "SMALL",
        "passthroughShardSize": "SMALL",
        "serviceType": "NodePort",
        "defaultIngController": "false",
        "nodeKey": "node-role.example.net/edge",
        "nodeValue": "true",
        "cniPlugin": "calico",
    }
    assert {k: data.get(k) for k in expected} == expected
    assert json.loads(data["vipNetworkList"]) == [{"networkName": "vip-net-onprem", "cidr": "10.50.0.0/24"}]
    assert json.loads(data["nodeNetworkList"]) == []
    assert "Secret/avi-secret" not in rendered  # credentials stay out of the values
    assert rendered["IngressClass/avi-lb"]["spec"]["controller"] == "ako.vmware.com/avi-lb"


def test_istio_certs_volume_is_in_what_is_applied(rendered):
    statefulset = rendered["StatefulSet/ako"]
    assert statefulset["spec"]["template"]["spec"]["serviceAccountName"] == ako_model.SERVICE_ACCOUNT
    declared = any(v["name"] == "istio-certs" for v in statefulset["spec"]["template"]["spec"].get("volumes") or [])
    as_applied = ako_model.add_istio_certs_volume("StatefulSet", statefulset)
    # A chart that declares the volume is left alone; one that forgets it is repaired.
    assert (as_applied is None) == declared
    assert _volume_names_resolve(as_applied or statefulset)
    # Released charts before the fix render the mount without the volume; the repair adds it.
    released = copy.deepcopy(statefulset)
    pod = released["spec"]["template"]["spec"]
    pod["volumes"] = [v for v in pod.get("volumes") or [] if v["name"] != "istio-certs"] or None
    if pod["volumes"] is None:
        del pod["volumes"]
    assert not _volume_names_resolve(released)
    repaired = ako_model.add_istio_certs_volume("StatefulSet", released)
    assert _volume_names_resolve(repaired)
    kubernetes_validate.validate(repaired, "1.33", strict=True)


def test_cluster_role_keeps_no_secret_writes(rendered):
    role = rendered["ClusterRole/ako-cr"]
    writes = [r for r in role["rules"] if "secrets" in r["resources"] and set(r["verbs"]) - {"get", "list", "watch"}]
    assert writes, "the chart grants Secret writes cluster-wide"
    narrowed = ako_model.narrow_secret_rules("ClusterRole", role)
    assert [
        r for r in narrowed["rules"] if "secrets" in r["resources"] and set(r["verbs"]) - {"get", "list", "watch"}
    ] == []
    assert {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "watch", "list"]} in narrowed["rules"]
    assert len(narrowed["rules"]) == len(role["rules"])
    kubernetes_validate.validate(narrowed, "1.33", strict=True)
