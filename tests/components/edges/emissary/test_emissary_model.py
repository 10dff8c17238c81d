"""Pure builders of the Emissary edge (`components/edges/ambassador_model.py`), no Pulumi."""

from __future__ import annotations

import json

from components.edges.emissary import dashboard, model
from components.edges.emissary.config import EmissaryEdgeConfig
from components.mesh.config import TracingConfig
from components.routes.config import AppConfig, AppNamespaceConfig

APPS = (
    AppConfig(
        virtual_name="app1-virtual-svc",
        service="app1-service",
        port=8000,
        namespaces=(
            AppNamespaceConfig(name="prod", hosts=("app1.example.com", "app1-service.prod.svc.cluster.local")),
            AppNamespaceConfig(name="pre-prod", hosts=("app1-pre.example.net",)),
        ),
    ),
    AppConfig(
        virtual_name="orders-virtual-svc",
        service="orders",
        port=8080,
        namespaces=(AppNamespaceConfig(name="prod", hosts=("shop.example.com",)),),
        prefixes=("/orders", "/cart"),
    ),
)


def test_one_route_per_public_host_and_prefix_internal_names_left_out():
    routes = model.edge_routes(APPS)
    assert [(r.host, r.prefix, r.upstream) for r in routes] == [
        ("app1.example.com", "/", "app1-service.prod:8000"),
        ("app1-pre.example.net", "/", "app1-service.pre-prod:8000"),
        ("shop.example.com", "/orders", "orders.prod:8080"),
        ("shop.example.com", "/cart", "orders.prod:8080"),
    ]
    assert [r.name for r in routes] == [
        "app1-virtual-svc-prod-app1-example-com-root",
        "app1-virtual-svc-pre-prod-app1-pre-example-net-root",
        "orders-virtual-svc-prod-shop-example-com-orders",
        "orders-virtual-svc-prod-shop-example-com-cart",
    ]


def test_route_names_that_would_collide_or_overflow_get_a_hash():
    apps = (
        AppConfig(
            virtual_name="a",
            service="svc",
            port=80,
            namespaces=(AppNamespaceConfig(name="ns", hosts=("x.example.com",)),),
            prefixes=("/v1", "/v1/"),
        ),
        AppConfig(
            virtual_name="b" * 40,
            service="svc2",
            port=80,
            namespaces=(AppNamespaceConfig(name="ns", hosts=("very-long-host-name.example.com",)),),
        ),
    )
    names = [r.name for r in model.edge_routes(apps)]
    assert len(set(names)) == 3
    assert names[0] != names[1] and names[0].startswith("a-ns-x-example-com-v1-")
    assert all(len(n) <= 63 and n == n.strip("-") for n in names)
    assert names == [r.name for r in model.edge_routes(apps)]  # stable across runs


def test_hostnames_keep_configured_ones_and_add_uncovered_app_hosts():
    routes = model.edge_routes(APPS)
    assert model.edge_hostnames(("*.example.com",), routes) == ("*.example.com", "app1-pre.example.net")
    assert model.edge_hostnames((), routes) == ("app1.example.com", "app1-pre.example.net", "shop.example.com")
    assert not model.host_matches("*.example.com", "example.com")
    assert not model.host_matches("*.example.com", "a.example.com.evil.net")


def test_identity_is_the_service_accounts_spiffe_name():
    assert model.spiffe_id("edge") == "spiffe://cluster.local/ns/edge/sa/emissary-ingress"
    policy = model.authorization_policy("prod", "edge")
    assert policy["metadata"]["namespace"] == "prod"
    assert policy["spec"]["rules"][0]["from"][0]["source"]["principals"] == [
        "cluster.local/ns/edge/sa/emissary-ingress"
    ]


def test_helm_values_make_the_sidecar_a_certificate_writer_only():
    values = model.helm_values(EmissaryEdgeConfig(service_type="NodePort", replicas=1))
    annotations = values["podAnnotations"]
    assert annotations["traffic.sidecar.istio.io/includeInboundPorts"] == ""
    assert annotations["traffic.sidecar.istio.io/includeOutboundIPRanges"] == ""
    assert "OUTPUT_CERTS: /etc/istio-certs" in annotations["proxy.istio.io/config"]
    assert json.loads(annotations["sidecar.istio.io/userVolumeMount"]) == [
        {"name": "istio-certs", "mountPath": "/etc/istio-certs"}
    ]
    assert values["volumes"] == [{"name": "istio-certs", "emptyDir": {"medium": "Memory"}}]
    assert values["volumeMounts"][0] == {"name": "istio-certs", "mountPath": "/etc/istio-certs", "readOnly": True}
    assert values["env"] == {"AMBASSADOR_ISTIO_SECRET_DIR": "/etc/istio-certs", "AMBASSADOR_ENVOY_BASE_ID": "1"}
    assert values["service"]["type"] == "NodePort" and values["replicaCount"] == 1
    assert [p["targetPort"] for p in values["service"]["ports"]] == [8080, 8443]
    assert values["serviceAccount"]["name"] == model.SERVICE_ACCOUNT
    assert values["createDefaultListeners"] is False


def test_metrics_are_scraped_from_the_admin_port_without_istio_merging():
    annotations = model.helm_values(EmissaryEdgeConfig())["podAnnotations"]
    assert (
        annotations["prometheus.io/scrape"],
        annotations["prometheus.io/port"],
        annotations["prometheus.io/path"],
    ) == ("true", "8877", "/metrics")
    assert annotations["prometheus.istio.io/merge-metrics"] == "false"


def test_a_tracing_change_changes_the_pod_template():
    on = model.tracing_service("emissary", TracingConfig(enabled=True, sampling_percent=5))
    other = model.tracing_service("emissary", TracingConfig(enabled=True, sampling_percent=20))
    checksums = {
        model.helm_values(EmissaryEdgeConfig(), body)["podAnnotations"][model.TRACING_CHECKSUM_ANNOTATION]
        for body in (None, on, other)
    }
    assert len(checksums) == 3


def test_tracing_service_points_at_the_mesh_collector():
    assert model.tracing_service("emissary", TracingConfig(enabled=False)) is None
    body = model.tracing_service(
        "emissary", TracingConfig(enabled=True, zipkin_address="zipkin.observability:9411", sampling_percent=0.5)
    )
    assert body["apiVersion"] == "getambassador.io/v3alpha1" and body["kind"] == "TracingService"
    assert body["spec"]["service"] == "zipkin.observability:9411" and body["spec"]["driver"] == "zipkin"
    assert body["spec"]["sampling"] == {"overall": 1}  # the CRD wants an integer; never round down to 0


def test_mapping_originates_istio_mtls_and_keeps_the_path():
    route = model.edge_routes(APPS)[2]
    spec = model.mapping("emissary", route)["spec"]
    assert spec == {
        "hostname": "shop.example.com",
        "prefix": "/orders",
        "rewrite": "/orders",
        "service": "orders.prod:8080",
        "tls": "istio-upstream",
    }


def test_tls_context_listeners_and_hosts():
    context = model.upstream_tls_context("emissary")
    assert context["metadata"]["name"] == "istio-upstream"
    assert context["spec"] == {"secret": "istio-certs", "alpn_protocols": "istio"}
    listeners = {b["spec"]["protocol"]: b["spec"] for b in model.listeners("emissary")}
    assert listeners["HTTP"]["port"] == 8080 and listeners["HTTPS"]["port"] == 8443
    assert all(s["hostBinding"] == {"namespace": {"from": "SELF"}} for s in listeners.values())
    host = model.host("emissary", "*.example.com", "edge-tls")
    assert host["metadata"]["name"] == "host-wildcard-example-com"
    assert host["spec"]["tlsSecret"] == {"name": "edge-tls"}
    assert host["spec"]["requestPolicy"]["insecure"]["action"] == "Redirect"


def test_crds_chart_runs_without_the_conversion_webhook():
    assert model.crds_values(EmissaryEdgeConfig(namespace="edge")) == {
        "enableLegacyVersions": False,
        "emissary": {"namespace": "edge"},
    }


def test_dashboard_config_map_is_labelled_and_queries_only_emissary_pods():
    body = dashboard.dashboard_config_map("istio-system", "edge")
    assert body["metadata"]["labels"]["grafana_dashboard"] == "1"
    board = json.loads(body["data"]["emissary.json"])
    assert board["uid"] == dashboard.DASHBOARD_UID
    pod_variable = next(v for v in board["templating"]["list"] if v["name"] == "pod")
    assert 'ambassador_diagnostics_info{namespace="edge"}' in pod_variable["query"]
    exprs = [t["expr"] for p in board["panels"] for t in p["targets"]]
    assert exprs and all('pod=~"$pod"' in e for e in exprs)
    assert len({p["id"] for p in board["panels"]}) == len(board["panels"])
