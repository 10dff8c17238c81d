"""AKO inside the mesh under mocks: chart values key by key, mesh wiring, RBAC, policies, cleanup, secrets."""

from __future__ import annotations

import json

import jsonschema
import pulumi
import pytest

from components.ako import model as ako_model
from components.ako.component import _repair
from tools.mockrun import Secret, redact, reveal
from tools.upstream import cache_dir, helm_binary

PASSWORD = "offline-placeholder-for-mesh-platform-aviPassword"

STATEFULSET = {
    "spec": {
        "template": {
            "spec": {
                "serviceAccountName": "ako-sa",
                "containers": [
                    {
                        "name": "ako",
                        "volumeMounts": [
                            {"name": "ako-pv-storage", "mountPath": "/log"},
                            {"name": "istio-certs", "mountPath": "/etc/istio-output-certs/"},
                        ],
                    }
                ],
            }
        }
    },
}
CLUSTER_ROLE = {
    "rules": [
        {"apiGroups": [""], "resources": ["*"], "verbs": ["get", "watch", "list"]},
        {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "watch", "list", "patch", "update", "create"]},
        {"apiGroups": ["apps"], "resources": ["statefulsets"], "verbs": ["get", "patch", "update"]},
    ]
}


def crs(run, kind: str) -> dict[tuple[str, str], dict]:
    return {
        (r.inputs["metadata"]["namespace"], r.inputs["metadata"]["name"]): r.inputs
        for r in run.resources
        if r.type.startswith("kubernetes:") and r.type.endswith(f":{kind}")
    }


# ----- the chart repairs ---------------------------------------------------------------------------


def test_missing_istio_certs_volume_is_added():
    fixed = ako_model.add_istio_certs_volume("StatefulSet", STATEFULSET)
    assert fixed["spec"]["template"]["spec"]["volumes"] == [{"name": "istio-certs", "emptyDir": {"medium": "Memory"}}]
    assert "volumes" not in STATEFULSET["spec"]["template"]["spec"]  # input untouched


def test_chart_that_declares_the_volume_is_left_alone():
    fixed = ako_model.add_istio_certs_volume("StatefulSet", STATEFULSET)
    assert ako_model.add_istio_certs_volume("StatefulSet", fixed) is None
    assert ako_model.add_istio_certs_volume("Deployment", STATEFULSET) is None


def test_cluster_wide_secret_writes_are_narrowed_to_reads():
    narrowed = ako_model.narrow_secret_rules("ClusterRole", CLUSTER_ROLE)
    assert narrowed["rules"] == [
        CLUSTER_ROLE["rules"][0],
        {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "watch", "list"]},
        CLUSTER_ROLE["rules"][2],
    ]
    assert ako_model.narrow_secret_rules("ClusterRole", narrowed) is None
    mixed = {"rules": [{"apiGroups": [""], "resources": ["services", "secrets"], "verbs": ["get", "update"]}]}
    assert ako_model.narrow_secret_rules("ClusterRole", mixed)["rules"] == [
        {"apiGroups": [""], "resources": ["services"], "verbs": ["get", "update"]},
        {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]},
    ]


def test_transform_repairs_statefulset_and_cluster_role_only():
    opts = pulumi.ResourceOptions()

    def run(type_, props):
        return _repair(pulumi.ResourceTransformArgs(True, type_, "x", props, opts))

    assert (
        run("kubernetes:apps/v1:StatefulSet", STATEFULSET).props["spec"]["template"]["spec"]["volumes"][0]["name"]
        == "istio-certs"
    )
    assert run("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", CLUSTER_ROLE).props["rules"][1]["verbs"] == [
        "get",
        "watch",
        "list",
    ]
    assert run("kubernetes:core/v1:ConfigMap", {"data": {}}) is None


# ----- onprem, pulumi manager ---------------------------------------------------------------------


def test_onprem_release_values_key_by_key(run_stack):
    chart = run_stack("onprem").named("ako-chart")
    assert chart.inputs["chart"] == "oci://projects.packages.broadcom.com/ako/helm-charts/ako"
    assert chart.inputs["version"] == "2.2.1"
    assert chart.inputs["values"] == {
        "replicaCount": 1,
        "AKOSettings": {
            "clusterName": "onprem-ako",
            "cniPlugin": "calico",
            "layer7Only": False,
            "istioEnabled": True,
            "primaryInstance": True,
            "deleteConfig": "false",
            "disableStaticRouteSync": "true",
        },
        "ControllerSettings": {
            "controllerHost": "avi.corp.example.net",
            "controllerVersion": "22.1.3",
            "tenantName": "admin",
            "cloudName": "Default-Cloud",
            "serviceEngineGroupName": "Default-Group",
            "vrfName": "",
        },
        "NetworkSettings": {
            "vipNetworkList": [{"networkName": "vip-net-onprem", "cidr": "10.50.0.0/24"}],
            "nodeNetworkList": [],
        },
        "L7Settings": {
            "serviceType": "NodePort",
            "shardVSSize": "SMALL",
            "passthroughShardSize": "SMALL",
            "defaultIngController": "false",
        },
        "nodePortSelector": {"key": "mesh-platform/edge", "value": "true"},
        "avicredentials": {"username": "", "password": ""},
    }


def test_chart_repository_and_version_are_overridable(run_stack):
    run = run_stack(
        "onprem",
        overrides={
            "mesh-platform:ako": {
                "enabled": True,
                "chartRepository": "oci://registry.corp.example.net/mirror/ako",
                "chartVersion": "1.13.4",
            }
        },
    )
    chart = run.named("ako-chart")
    assert (chart.inputs["chart"], chart.inputs["version"]) == (
        "oci://registry.corp.example.net/mirror/ako/ako",
        "1.13.4",
    )
    assert "repositoryOpts" not in chart.inputs
    classic = run_stack(
        "onprem",
        overrides={
            "mesh-platform:ako": {
                "enabled": True,
                "chartRepository": "https://charts.corp.example.net/ako",
                "chartVersion": "1.10.3",
            }
        },
    )
    chart = classic.named("ako-chart")
    assert (chart.inputs["chart"], chart.inputs["repositoryOpts"], chart.inputs["version"]) == (
        "ako",
        {"repo": "https://charts.corp.example.net/ako"},
        "1.10.3",
    )


def test_onprem_ako_namespace_is_injected_and_credentials_secret(run_stack):
    run = run_stack("onprem")
    assert run.named("ako-namespace").inputs["metadata"] == {
        "name": "avi-system",
        "labels": {"istio.io/rev": "prod-stable"},  # the revision tag (istio.injection: revision)
    }
    secret = run.named("ako-credentials")
    assert secret.inputs["metadata"]["name"] == "avi-secret"
    assert isinstance(secret.inputs["stringData"], Secret)
    assert secret.inputs["stringData"].value == {"username": "pulumi-automation", "password": PASSWORD}
    chart = run.named("ako-chart")
    assert {"ako-namespace", "ako-credentials", "mesh-revision-tag"} <= set(chart.dependencies)
    assert chart.provider == "cluster-k8s"
    assert run.outputs["akoMeshPrincipal"] == "cluster.local/ns/avi-system/sa/ako-sa"


def test_controller_service_entry_is_exported_to_akos_namespace_with_egress_route(run_stack):
    run = run_stack("onprem")
    entry = crs(run, "ServiceEntry")[("avi-system", "avi-corp-example-net")]
    assert entry["spec"] == {
        "hosts": ["avi.corp.example.net"],
        "location": "MESH_EXTERNAL",
        "resolution": "DNS",
        "ports": [{"number": 443, "name": "tls-443", "protocol": "TLS"}],
        "exportTo": ["."],
    }
    # REGISTRY_ONLY with the egress gateway: the sidecar sends it there, the gateway passes TLS through.
    mesh_side = crs(run, "VirtualService")[("avi-system", "egress-avi-corp-example-net")]["spec"]
    assert (
        mesh_side["tls"][0]["route"][0]["destination"]["host"] == "istio-egressgateway.istio-system.svc.cluster.local"
    )
    gateway = crs(run, "Gateway")[("istio-system", "egress-avi-corp-example-net")]["spec"]
    assert gateway["servers"][0]["tls"] == {"mode": "PASSTHROUGH"}
    assert ("istio-system", "avi-corp-example-net") in crs(run, "ServiceEntry")
    assert "ako-serviceentry-avi-system-avi-corp-example-net" in run.named("ako-chart").dependencies


def test_namespaced_role_for_akos_secrets(run_stack):
    run = run_stack("onprem")
    role, binding = run.named("ako-role-secrets").inputs, run.named("ako-rolebinding-secrets").inputs
    assert role["metadata"] == {"name": "ako-secrets", "namespace": "avi-system"}
    assert role["rules"] == [
        {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list", "watch", "create", "update", "patch"]}
    ]
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "ako-secrets"}
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "ako-sa", "namespace": "avi-system"}]


def test_authorization_policies_admit_akos_principal_per_served_namespace(run_stack):
    policies = crs(run_stack("onprem"), "AuthorizationPolicy")
    assert set(policies) == {("payments", "allow-ako"), ("portal", "allow-ako")}
    rules = policies[("portal", "allow-ako")]["spec"]["rules"]
    assert rules[0] == {"from": [{"source": {"principals": ["cluster.local/ns/avi-system/sa/ako-sa"]}}]}
    assert rules[1] == {"from": [{"source": {"namespaces": ["istio-ingress", "istio-system", "payments", "portal"]}}]}


def test_no_authorization_policies_unless_mtls_is_strict(run_stack):
    run = run_stack(
        "onprem", overrides={"mesh-platform:istio": {"outboundTrafficPolicy": "REGISTRY_ONLY", "mtls": "PERMISSIVE"}}
    )
    assert crs(run, "AuthorizationPolicy") == {}


def test_pulumi_manager_declares_no_ingresses_and_keeps_route_sync_off(run_stack):
    run = run_stack("onprem")
    assert [r for r in run.resources if r.type.endswith(":Ingress")] == []
    assert run.named("ako-chart").inputs["values"]["AKOSettings"]["disableStaticRouteSync"] == "true"
    # ClusterIP mode: AKO would sync routes, but the edge's static routes own the pod networks.
    clusterip = run_stack("onprem", overrides={"mesh-platform:ako": {"enabled": True, "serviceType": "ClusterIP"}})
    assert clusterip.named("ako-chart").inputs["values"]["AKOSettings"]["disableStaticRouteSync"] == "true"


def test_akos_cluster_name_is_never_the_edges_prefix(run_stack):
    run = run_stack("onprem")
    ako_name = run.named("ako-chart").inputs["values"]["AKOSettings"]["clusterName"]
    edge_names = [
        r.inputs["name"]
        for r in run.resources
        if r.type.startswith("pulumi-python:dynamic/avi:") and isinstance(r.inputs.get("name"), str)
    ]
    assert "onprem--Shared-L7-0" in edge_names  # the edge's prefix is the cluster's name
    assert ako_name != "onprem" and not any(f"{ako_name}--" in name for name in edge_names)
    assert f"istio-pki-{ako_name}-avi-system" not in edge_names
    assert run.outputs["akoClusterName"] == ako_name


def test_cleanup_runs_before_ako_goes_and_keeps_the_kubeconfig_secret(run_stack):
    run = run_stack("onprem")
    cleanup = run.named("ako-cleanup")
    assert cleanup.type == "pulumi-python:dynamic/avi:AkoCleanup"
    assert "ako-chart" in cleanup.dependencies  # destroy deletes it first, while AKO still runs
    assert cleanup.inputs["cluster_name"] == "onprem-ako" and cleanup.inputs["namespace"] == "avi-system"
    assert isinstance(cleanup.inputs["kubeconfig"], Secret)


def test_cleanup_uses_the_kubernetes_providers_context(run_stack):
    run = run_stack("onprem")
    assert run.named("ako-cleanup").inputs["context"] == "onprem-admin"  # cluster.existing.context
    assert run.named("cluster-k8s").inputs["context"] == "onprem-admin"
    current = run_stack(
        "onprem",
        overrides={"mesh-platform:cluster": {"name": "onprem", "kind": "existing", "kubernetesVersion": "1.34"}},
    )
    assert current.named("ako-cleanup").inputs.get("context") is None  # kubectl's current context


def test_no_secret_in_plaintext(run_stack):
    run = run_stack("onprem")
    kubeconfig = run.named("ako-cleanup").inputs["kubeconfig"].value
    for resource in run.resources:
        visible = json.dumps(redact(resource.inputs), default=str)
        assert PASSWORD not in visible, resource.name
        assert kubeconfig not in visible, resource.name


def test_stacks_without_ako_declare_none(run_stack):
    assert not [r for r in run_stack("dev").resources if r.name.startswith("ako")]


# ----- onprem-ako, ako manager -------------------------------------------------------------------


def test_ako_manager_values_follow_the_edge_and_serve_ingresses(run_stack):
    values = run_stack("onprem-ako").named("ako-chart").inputs["values"]
    assert values["AKOSettings"] == {
        "clusterName": "onprem-ako",
        "cniPlugin": "calico",
        "layer7Only": False,
        "istioEnabled": True,
        "primaryInstance": True,
        "deleteConfig": "false",
        "disableStaticRouteSync": "true",
    }
    assert values["L7Settings"] == {
        "serviceType": "ClusterIP",
        "shardVSSize": "SMALL",
        "passthroughShardSize": "SMALL",
        "defaultIngController": "true",
    }
    assert values["ControllerSettings"]["vrfName"] == "global"
    assert values["nodePortSelector"] == {"key": "mesh-platform/edge", "value": "true"}
    assert values["NetworkSettings"]["vipNetworkList"] == [{"networkName": "vip-net-onprem", "cidr": "10.50.0.0/24"}]


def test_ako_manager_declares_one_ingress_per_app_namespace_and_host(run_stack):
    run = run_stack("onprem-ako")
    ingresses = {
        (r.inputs["metadata"]["namespace"], r.inputs["metadata"]["name"]): r
        for r in run.of_type("kubernetes:networking.k8s.io/v1:Ingress")
    }
    assert set(ingresses) == {
        ("portal", "portal-portal-corp-example-net"),
        ("payments", "payments-api-pay-corp-example-net"),
        ("portal", "portal-admin-admin-corp-example-net"),
    }
    pay = ingresses[("payments", "payments-api-pay-corp-example-net")]
    assert pay.inputs["spec"] == {
        "ingressClassName": "avi-lb",
        "rules": [
            {
                "host": "pay.corp.example.net",
                "http": {
                    "paths": [
                        {
                            "path": "/api",
                            "pathType": "Prefix",
                            "backend": {"service": {"name": "payments", "port": {"number": 9000}}},
                        }
                    ]
                },
            }
        ],
        "tls": [{"hosts": ["pay.corp.example.net"], "secretName": "pay-corp-example-net-tls"}],
    }
    assert "tls" not in ingresses[("portal", "portal-portal-corp-example-net")].inputs["spec"]
    assert {"ako-chart", "avi-edge-tls-payments-pay-corp-example-net-tls"} <= set(pay.dependencies)
    assert run.outputs["akoIngresses"] == [
        "portal/portal-portal-corp-example-net",
        "payments/payments-api-pay-corp-example-net",
        "portal/portal-admin-admin-corp-example-net",
    ]
    # AKO builds the layout: the program declares no virtual service, pool or VsVip of its own.
    assert not [
        r
        for r in run.resources
        if r.type.startswith("pulumi-python:dynamic/avi:")
        and r.type.rsplit(":", 1)[-1] in ("VirtualService", "Pool", "VsVip", "HttpPolicySet")
    ]


def test_ako_manager_host_certificates_are_tls_secrets(run_stack):
    run = run_stack("onprem-ako")
    pay = run.named("avi-edge-tls-payments-pay-corp-example-net-tls")
    assert pay.inputs["type"] == "kubernetes.io/tls"
    assert pay.inputs["metadata"] == {"name": "pay-corp-example-net-tls", "namespace": "payments"}
    assert isinstance(pay.inputs["stringData"], Secret)
    assert set(pay.inputs["stringData"].value) == {"tls.crt", "tls.key"}
    issued = run.named("avi-edge-tls-portal-admin-corp-example-net-tls")
    assert "avi-edge-host-cert-admin.corp.example.net" in issued.dependencies


def test_ako_manager_program_keeps_the_routes_and_akos_sync_is_off(run_stack):
    run = run_stack("onprem-ako")
    routes = {r.inputs["route_id"]: r.inputs for r in run.of_type("pulumi-python:dynamic/avi:StaticRoute")}
    assert set(routes) == {"onprem-worker-1-0", "onprem-worker-2-0", "onprem-worker-3-0"}
    assert all(r["labels"] == [{"key": "clustername", "value": "onprem"}] for r in routes.values())
    values = run.named("ako-chart").inputs["values"]
    assert values["AKOSettings"]["disableStaticRouteSync"] == "true"
    assert values["AKOSettings"]["clusterName"] != "onprem"  # AKO's VRF sync would drop clustername=onprem routes


def test_ako_manager_mesh_wiring(run_stack):
    run = run_stack("onprem-ako")
    assert run.named("ako-namespace").inputs["metadata"]["labels"] == {"istio.io/rev": "prod-stable"}
    # The namespace waits for the tag's webhook, so AKO's pods are never admitted without a sidecar.
    assert "mesh-revision-tag" in run.named("ako-namespace").dependencies
    assert crs(run, "ServiceEntry")[("avi-system", "avi-corp-example-net")]["spec"]["exportTo"] == ["."]
    assert set(crs(run, "AuthorizationPolicy")) == {("portal", "allow-ako"), ("payments", "allow-ako")}
    assert run.named("ako-role-secrets").inputs["metadata"]["namespace"] == "avi-system"
    cleanup = run.named("ako-cleanup")
    assert {"ako-chart", "ako-ingress-payments-payments-api-pay-corp-example-net"} <= set(cleanup.dependencies)


def test_ako_manager_no_secret_in_plaintext(run_stack):
    run = run_stack("onprem-ako")
    keys = [
        r.inputs["stringData"].value["tls.key"]
        for r in run.of_type("kubernetes:core/v1:Secret")
        if r.inputs.get("type") == "kubernetes.io/tls"
    ]
    assert keys
    for resource in run.resources:
        visible = json.dumps(redact(resource.inputs), default=str)
        assert PASSWORD not in visible, resource.name
        assert not any(key in visible for key in keys if key), resource.name


# ----- controller egress variants --------------------------------------------------------------

IP_CONTROLLER = {
    "controller": "https://10.10.0.5",
    "username": "pulumi-automation",
    "tenant": "admin",
    "version": "22.1.3",
}
NO_EGRESS_GATEWAY = {"outboundTrafficPolicy": "REGISTRY_ONLY", "mtls": "STRICT", "egressGateway": {"enabled": False}}


def controller_route_objects(run) -> list[tuple[str, str, str]]:
    """(kind, namespace, name) of every Istio networking object the Ako component declares."""
    return sorted(
        (r.type.rsplit(":", 1)[1], r.inputs["metadata"]["namespace"], r.inputs["metadata"]["name"])
        for r in run.resources
        if r.type.startswith("kubernetes:networking.istio.io/") and r.name.startswith("ako-")
    )


def test_an_ip_address_controller_gets_a_static_entry_and_goes_direct(run_stack):
    run = run_stack("onprem", overrides={"mesh-platform:avi": IP_CONTROLLER})
    entry = crs(run, "ServiceEntry")[("avi-system", "avi-controller-10-10-0-5")]
    assert entry["spec"] == {
        "hosts": ["avi-controller.avi-system.external"],
        "addresses": ["10.10.0.5"],
        "location": "MESH_EXTERNAL",
        "resolution": "STATIC",
        "endpoints": [{"address": "10.10.0.5"}],
        "ports": [{"number": 443, "name": "tls-443", "protocol": "TLS"}],
        "exportTo": ["."],
    }
    # No SNI to match on: nothing routes the controller through the egress gateway, though the stack has one.
    assert controller_route_objects(run) == [("ServiceEntry", "avi-system", "avi-controller-10-10-0-5")]
    assert "ako-serviceentry-avi-system-avi-controller-10-10-0-5" in run.named("ako-chart").dependencies
    assert run.named("ako-chart").inputs["values"]["ControllerSettings"]["controllerHost"] == "10.10.0.5"
    assert_valid_against_pinned_crds(run)


def test_registry_only_without_egress_gateway_lets_the_sidecar_go_straight_to_the_controller(run_stack):
    run = run_stack("onprem", overrides={"mesh-platform:istio": NO_EGRESS_GATEWAY})
    assert controller_route_objects(run) == [("ServiceEntry", "avi-system", "avi-corp-example-net")]
    entry = crs(run, "ServiceEntry")[("avi-system", "avi-corp-example-net")]
    assert entry["spec"] == {
        "hosts": ["avi.corp.example.net"],
        "location": "MESH_EXTERNAL",
        "resolution": "DNS",
        "ports": [{"number": 443, "name": "tls-443", "protocol": "TLS"}],
        "exportTo": ["."],
    }
    assert ("istio-system", "avi-corp-example-net") not in crs(run, "ServiceEntry")
    assert "ako-serviceentry-avi-system-avi-corp-example-net" in run.named("ako-chart").dependencies
    assert_valid_against_pinned_crds(run)


def assert_valid_against_pinned_crds(run) -> None:
    """The controller's mesh objects against the pinned Istio CRD schemas (skipped without the upstream cache)."""
    if not helm_binary(cache_dir()).is_file():
        pytest.skip(f"no upstream cache at {cache_dir()}: run `make upstream` to check against the pinned CRDs")
    from tests.tools.test_upstream import _numbers_as_written, pinned_crds, resource_schema

    checked = 0
    for resource in run.resources:
        if not (resource.type.startswith("kubernetes:networking.istio.io/") and resource.name.startswith("ako-")):
            continue
        api, kind = resource.type.split(":", 1)[1].rsplit(":", 1)
        group, _, version = api.rpartition("/")
        body = _numbers_as_written(
            reveal({k: v for k, v in resource.inputs.items() if k in ("apiVersion", "kind", "metadata", "spec")})
        )
        schema = resource_schema(pinned_crds()[(group, version, kind)])
        errors = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(body)]
        assert not errors, f"{resource.name}: {errors}"
        checked += 1
    assert checked
