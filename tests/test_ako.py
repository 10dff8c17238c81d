"""AKO inside the mesh: values, the istio-certs chart repair, secrets, and the declared graph."""

from __future__ import annotations

import pulumi

from components.ako import model as ako_model
from components.ako.component import _repair_statefulset
from components.ako.config import AkoConfig, AkoVipNetwork
from components.edges.avi.config import AviControllerConfig, AviEdgeConfig
from tools.mockrun import Secret

AVI = AviControllerConfig(controller="https://avi.corp.example.net:8443", username="automation", tenant="admin", version="22.1.3", ca_bundle=None, insecure=False)

STATEFULSET = {
    "spec": {"template": {"spec": {
        "serviceAccountName": "ako-sa",
        "containers": [{"name": "ako", "volumeMounts": [
            {"name": "ako-pv-storage", "mountPath": "/log"},
            {"name": "istio-certs", "mountPath": "/etc/istio-output-certs/"}]}],
    }}},
}


def test_values_enable_istio_and_keep_credentials_out():
    values = ako_model.ako_values("onprem", AkoConfig(enabled=True, cni_plugin="calico",
                                                      vip_networks=(AkoVipNetwork(network_name="vip-net", cidr="10.50.0.0/24"),)),
                                  AVI, AviEdgeConfig(cloud="vcenter-cloud", service_engine_group="se-a", vip_network="10.50.0.0/24", vip_network_name="vip-net",
                                                node_addresses=("10.0.0.11",)))
    assert values["AKOSettings"]["istioEnabled"] is True
    assert values["AKOSettings"]["clusterName"] == "onprem"
    assert values["ControllerSettings"] == {"controllerHost": "avi.corp.example.net:8443",
                                            "controllerVersion": "22.1.3", "tenantName": "admin",
                                            "cloudName": "vcenter-cloud", "serviceEngineGroupName": "se-a"}
    assert values["NetworkSettings"]["vipNetworkList"] == [{"networkName": "vip-net", "cidr": "10.50.0.0/24"}]
    assert values["avicredentials"] == {"username": "", "password": ""}
    assert values["L7Settings"] == {"serviceType": "NodePort", "shardVSSize": "LARGE"}


def test_missing_istio_certs_volume_is_added():
    fixed = ako_model.add_istio_certs_volume("StatefulSet", STATEFULSET)
    assert fixed["spec"]["template"]["spec"]["volumes"] == [{"name": "istio-certs", "emptyDir": {"medium": "Memory"}}]
    assert "volumes" not in STATEFULSET["spec"]["template"]["spec"]  # input untouched


def test_chart_that_declares_the_volume_is_left_alone():
    fixed = ako_model.add_istio_certs_volume("StatefulSet", STATEFULSET)
    assert ako_model.add_istio_certs_volume("StatefulSet", fixed) is None
    assert ako_model.add_istio_certs_volume("Deployment", STATEFULSET) is None


def test_transform_only_touches_statefulsets():
    opts = pulumi.ResourceOptions()
    result = _repair_statefulset(pulumi.ResourceTransformArgs(True, "kubernetes:apps/v1:StatefulSet", "ako",
                                                              STATEFULSET, opts))
    assert result.props["spec"]["template"]["spec"]["volumes"][0]["name"] == "istio-certs"
    assert _repair_statefulset(pulumi.ResourceTransformArgs(True, "kubernetes:core/v1:ConfigMap", "c",
                                                            {"data": {}}, opts)) is None


def test_onprem_declares_ako_in_an_injected_namespace(run_stack):
    run = run_stack("onprem")
    ns = run.named("ako-namespace")
    assert ns.inputs["metadata"] == {"name": "avi-system", "labels": {"istio-injection": "enabled"}}
    secret = run.named("ako-credentials")
    assert secret.inputs["metadata"]["name"] == "avi-secret"
    # One secret field makes the whole map secret on the wire.
    assert isinstance(secret.inputs["stringData"], Secret)
    assert secret.inputs["stringData"].value["password"] == "offline-placeholder-for-mesh-platform-aviPassword"
    chart = run.named("ako-chart")
    assert chart.inputs["chart"] == "oci://projects.packages.broadcom.com/ako/helm-charts/ako"
    assert chart.inputs["version"] == "2.2.1"
    assert chart.inputs["values"]["AKOSettings"]["istioEnabled"] is True
    assert {"ako-namespace", "ako-credentials"} <= set(chart.dependencies)
    assert chart.provider == "cluster-k8s"
    assert run.outputs["akoMeshPrincipal"] == "cluster.local/ns/avi-system/sa/ako-sa"


def test_stacks_without_ako_declare_none(run_stack):
    assert not [r for r in run_stack("dev").resources if r.name.startswith("ako")]
