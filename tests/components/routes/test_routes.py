"""Routes: the ingress Gateway, VirtualServices per app and namespace, ServiceEntries, egress."""

from __future__ import annotations

import pytest
import yaml

from components.config.errors import ConfigError
from components.routes import model
from components.routes.config import AppConfig, AppNamespaceConfig, ExternalHostConfig, ExternalPort
from tools import render
from tools.mockrun import PROJECT_DIR, ProgramRun

ALL_STACKS = ["eks", "aks", "dev", "onprem"]
VS = "kubernetes:networking.istio.io/v1:VirtualService"
GATEWAY = "kubernetes:networking.istio.io/v1:Gateway"
SERVICE_ENTRY = "kubernetes:networking.istio.io/v1:ServiceEntry"
DESTINATION_RULE = "kubernetes:networking.istio.io/v1:DestinationRule"


def crs(run: ProgramRun, type_: str) -> dict[tuple[str, str], dict]:
    """Custom resources of a type by (namespace, name)."""
    return {(r.inputs["metadata"]["namespace"], r.inputs["metadata"]["name"]): r.inputs for r in run.of_type(type_)}


def gateway_bound(run: ProgramRun) -> dict[tuple[str, str], dict]:
    return {key: vs for key, vs in crs(run, VS).items() if "istio-ingress/mesh-ingress" in vs["spec"]["gateways"]}


APP = AppConfig(
    virtual_name="web",
    service="web-svc",
    port=8080,
    namespaces=(
        AppNamespaceConfig(name="prod", hosts=("web.example.com", "web-svc.prod.svc.cluster.local")),
        AppNamespaceConfig(name="stage", hosts=("web-stage.example.com",)),
    ),
    prefixes=("/", "/api"),
)
INGRESS = model.GatewayRef("mesh-ingress", "istio-ingress", {"istio": "ingressgateway"}, "istio-ingressgateway")


# -- the model, without Pulumi ---------------------------------------------------------


def test_gateway_lists_public_hosts_by_namespace():
    gateway = model.ingress_gateway(INGRESS, [APP])
    assert gateway["metadata"] == {"name": "mesh-ingress", "namespace": "istio-ingress"}
    assert gateway["spec"]["selector"] == {"istio": "ingressgateway"}
    (http,) = gateway["spec"]["servers"]
    assert http["port"] == {"number": 80, "name": "http", "protocol": "HTTP"}
    assert http["hosts"] == ["prod/web.example.com", "stage/web-stage.example.com"]


def test_https_server_accepts_any_name_from_app_namespaces():
    gateway = model.ingress_gateway(INGRESS, [APP], https_credential="mesh-ingress-tls")
    https = gateway["spec"]["servers"][1]
    assert https["port"]["protocol"] == "HTTPS" and https["port"]["number"] == 443
    assert https["tls"] == {"mode": "SIMPLE", "credentialName": "mesh-ingress-tls"}
    assert https["hosts"] == ["prod/*", "stage/*"]


def test_no_gateway_without_public_hosts():
    internal_only = AppConfig(
        virtual_name="db",
        service="db",
        port=5432,
        namespaces=(AppNamespaceConfig(name="prod", hosts=("db.prod.svc.cluster.local",)),),
    )
    assert model.ingress_gateway(INGRESS, [internal_only]) is None


def test_virtual_services_split_public_and_internal_hosts():
    services = {
        (v["metadata"]["namespace"], v["metadata"]["name"]): v["spec"]
        for v in model.app_virtual_services([APP], INGRESS)
    }
    # The app's own service name gets no mesh-only VirtualService: it would add nothing.
    assert set(services) == {("prod", "web"), ("stage", "web")}
    public = services[("prod", "web")]
    assert public["hosts"] == ["web.example.com"]
    assert public["gateways"] == ["istio-ingress/mesh-ingress"]
    assert public["exportTo"] == ["istio-ingress"]
    assert public["http"][0]["match"] == [{"uri": {"prefix": "/"}}, {"uri": {"prefix": "/api"}}]
    assert public["http"][0]["route"] == [
        {"destination": {"host": "web-svc.prod.svc.cluster.local", "port": {"number": 8080}}}
    ]
    assert services[("stage", "web")]["http"][0]["route"][0]["destination"]["host"] == "web-svc.stage.svc.cluster.local"


def test_repeated_virtual_name_in_a_namespace_is_refused():
    other = AppConfig(
        virtual_name="web",
        service="other",
        port=80,
        namespaces=(AppNamespaceConfig(name="prod", hosts=("other.example.com",)),),
    )
    with pytest.raises(ValueError, match="prod/web"):
        model.app_virtual_services([APP, other], INGRESS)


def test_service_entries_are_private_to_each_namespace():
    external = ExternalHostConfig(
        host="api.example.net", ports=(ExternalPort(number=443, protocol="TLS", name="tls-443"),)
    )
    wildcard = ExternalHostConfig(
        host="*.blob.example.net", ports=(ExternalPort(number=443, protocol="TLS", name="tls-443"),)
    )
    entries = model.service_entries([external, wildcard], ["a", "b", "a"])
    assert [(e["metadata"]["namespace"], e["metadata"]["name"]) for e in entries] == [
        ("a", "api-example-net"),
        ("a", "wildcard-blob-example-net"),
        ("b", "api-example-net"),
        ("b", "wildcard-blob-example-net"),
    ]
    assert all(e["spec"]["exportTo"] == ["."] for e in entries)
    assert entries[0]["spec"]["resolution"] == "DNS" and entries[1]["spec"]["resolution"] == "NONE"
    assert entries[0]["spec"]["location"] == "MESH_EXTERNAL"


def test_egress_objects_route_http_and_tls_through_the_egress_gateway():
    egress = model.GatewayRef("istio-egressgateway", "istio-system", {"istio": "egressgateway"}, "istio-egressgateway")
    external = ExternalHostConfig(
        host="edition.cnn.com",
        ports=(
            ExternalPort(number=80, protocol="HTTP", name="http-80"),
            ExternalPort(number=443, protocol="TLS", name="tls-443"),
        ),
    )
    objects = {
        (o["kind"], o["metadata"]["namespace"]): o["spec"] for o in model.egress_objects(external, egress, ["shop"])
    }
    assert set(objects) == {
        ("Gateway", "istio-system"),
        ("DestinationRule", "istio-system"),
        ("VirtualService", "istio-system"),
        ("VirtualService", "shop"),
    }
    servers = objects[("Gateway", "istio-system")]["servers"]
    assert [s["port"]["protocol"] for s in servers] == ["HTTP", "TLS"]
    assert servers[1]["tls"] == {"mode": "PASSTHROUGH"}
    rule = objects[("DestinationRule", "istio-system")]
    assert rule["host"] == "istio-egressgateway.istio-system.svc.cluster.local"
    assert rule["subsets"] == [{"name": "edition-cnn-com"}]
    mesh_side = objects[("VirtualService", "shop")]
    assert mesh_side["gateways"] == ["mesh"] and mesh_side["exportTo"] == ["."]
    assert mesh_side["tls"][0]["match"][0]["sniHosts"] == ["edition.cnn.com"]
    assert mesh_side["http"][0]["route"][0]["destination"]["subset"] == "edition-cnn-com"
    gateway_side = objects[("VirtualService", "istio-system")]
    assert gateway_side["gateways"] == ["egress-edition-cnn-com"] and gateway_side["exportTo"] == ["."]
    assert gateway_side["tls"][0]["route"][0]["destination"] == {"host": "edition.cnn.com", "port": {"number": 443}}


def test_wildcard_and_tcp_only_hosts_stay_direct():
    egress = model.GatewayRef("istio-egressgateway", "istio-system", {"istio": "egressgateway"}, "x")
    assert (
        model.egress_objects(
            ExternalHostConfig(host="*.a.com", ports=(ExternalPort(number=443, protocol="TLS", name="t"),)), egress, []
        )
        == []
    )
    assert (
        model.egress_objects(
            ExternalHostConfig(host="db.a.com", ports=(ExternalPort(number=5432, protocol="TCP", name="t"),)),
            egress,
            [],
        )
        == []
    )


# -- the program under mocks -----------------------------------------------------------


@pytest.mark.parametrize("stack", ALL_STACKS)
def test_one_gateway_in_the_ingress_gateway_namespace(run_stack, stack):
    run = run_stack(stack)
    ingress = [g for g in run.of_type(GATEWAY) if g.inputs["metadata"]["name"] == "mesh-ingress"]
    assert len(ingress) == 1
    assert ingress[0].inputs["metadata"]["namespace"] == "istio-ingress"
    assert ingress[0].inputs["spec"]["selector"] == {"istio": "ingressgateway"}


@pytest.mark.parametrize("stack", ALL_STACKS)
def test_one_gateway_bound_virtual_service_per_app_and_namespace(run_stack, stack):
    run = run_stack(stack)
    bound = gateway_bound(run)
    apps = yaml.safe_load((PROJECT_DIR / f"Pulumi.{stack}.yaml").read_text())["config"]["mesh-platform:apps"]
    expected = [
        (ns["name"], app["virtualName"])
        for app in apps
        for ns in app["namespaces"]
        if any(not h.endswith(".svc.cluster.local") for h in ns["hosts"])
    ]
    assert sorted(bound) == sorted(expected)
    for vs in bound.values():
        assert vs["spec"]["exportTo"] == ["istio-ingress"]  # visible to the gateway's namespace
        assert all(not h.endswith(".svc.cluster.local") for h in vs["spec"]["hosts"])
    for (namespace, name), vs in crs(run, VS).items():
        if "mesh" in vs["spec"]["gateways"]:
            assert vs["spec"]["exportTo"] == ["."], (namespace, name)


def test_seed_002_example_in_the_dev_stack(run_stack):
    run = run_stack("dev")
    bound = gateway_bound(run)
    assert set(bound) == {("prod", "app1-virtual-svc"), ("pre-prod", "app1-virtual-svc")}
    expected = {"prod": "app1.public.domain", "pre-prod": "app1-pre.public.domain"}
    for namespace, host in expected.items():
        spec = bound[(namespace, "app1-virtual-svc")]["spec"]
        assert spec["hosts"] == [host]
        assert spec["http"][0]["match"] == [{"uri": {"prefix": "/"}}]
        assert spec["http"][0]["route"] == [
            {"destination": {"host": f"app1-service.{namespace}.svc.cluster.local", "port": {"number": 8000}}}
        ]
        # app1-service's own name: sidecars reach it on every port and path without a VirtualService.
        assert not [key for key, vs in crs(run, VS).items() if "mesh" in vs["spec"]["gateways"]]


def test_eks_orders_app_routes_both_prefixes(run_stack):
    spec = gateway_bound(run_stack("eks"))[("prod", "orders-virtual-svc")]["spec"]
    assert spec["hosts"] == ["shop.example.com"]
    assert spec["http"][0]["match"] == [{"uri": {"prefix": "/orders"}}, {"uri": {"prefix": "/cart"}}]
    assert spec["http"][0]["route"][0]["destination"] == {
        "host": "orders.prod.svc.cluster.local",
        "port": {"number": 8080},
    }


@pytest.mark.parametrize(
    "stack,namespaces",
    [
        ("eks", {"default", "pre-prod", "prod", "istio-system"}),
        ("aks", {"default", "shop", "istio-system"}),
        ("onprem", {"payments", "portal", "istio-system", "avi-system"}),  # avi-system: AKO reaches its controller
    ],
)
def test_service_entries_per_namespace_export_to_dot(run_stack, stack, namespaces):
    entries = crs(run_stack(stack), SERVICE_ENTRY)
    assert {ns for ns, _ in entries} == namespaces
    assert all(e["spec"]["exportTo"] == ["."] for e in entries.values())


def test_egress_gateway_routing_in_aks(run_stack):
    run = run_stack("aks")
    gateways = crs(run, GATEWAY)
    assert gateways[("istio-system", "egress-edition-cnn-com")]["spec"]["selector"] == {"istio": "egressgateway"}
    assert ("istio-system", "egress-edition-cnn-com") in crs(run, DESTINATION_RULE)
    vs = crs(run, VS)
    assert vs[("shop", "egress-edition-cnn-com")]["spec"]["gateways"] == ["mesh"]
    assert vs[("istio-system", "egress-edition-cnn-com")]["spec"]["gateways"] == ["egress-edition-cnn-com"]


def test_no_egress_objects_without_the_egress_gateway(run_stack):
    run = run_stack(
        "aks",
        overrides={
            "mesh-platform:istio": {"outboundTrafficPolicy": "REGISTRY_ONLY", "egressGateway": {"enabled": False}}
        },
    )
    assert run.of_type(DESTINATION_RULE) == []
    assert [key for key in crs(run, GATEWAY)] == [("istio-ingress", "mesh-ingress")]
    assert {ns for ns, _ in crs(run, SERVICE_ENTRY)} == {"default", "shop"}


def test_alb_edge_gets_https_with_a_self_signed_credential(run_stack):
    run = run_stack("eks")
    (gateway,) = [g for g in run.of_type(GATEWAY) if g.inputs["metadata"]["name"] == "mesh-ingress"]
    https = [s for s in gateway.inputs["spec"]["servers"] if s["port"]["protocol"] == "HTTPS"]
    assert https and https[0]["tls"] == {"mode": "SIMPLE", "credentialName": "mesh-ingress-tls"}
    secret = run.named("routes-gateway-tls")
    assert secret.inputs["type"] == "kubernetes.io/tls"
    assert secret.inputs["metadata"] == {"name": "mesh-ingress-tls", "namespace": "istio-ingress"}
    assert type(secret.inputs["stringData"]).__name__ == "Secret"
    (cert,) = run.of_type("tls:index/selfSignedCert:SelfSignedCert")
    assert set(cert.inputs["dnsNames"]) == {"app1.example.com", "app1-pre.example.com", "shop.example.com"}
    assert "server_auth" in cert.inputs["allowedUses"]
    assert "routes-gateway-tls" in run.named("routes-gateway-istio-ingress-mesh-ingress").dependencies


@pytest.mark.parametrize("stack", ["aks"])
def test_other_edges_serve_plain_http_on_the_gateway(run_stack, stack):
    run = run_stack(stack)
    (gateway,) = [g for g in run.of_type(GATEWAY) if g.inputs["metadata"]["name"] == "mesh-ingress"]
    assert [s["port"]["protocol"] for s in gateway.inputs["spec"]["servers"]] == ["HTTP"]


# -- validation at preview ---------------------------------------------------------------

BROKEN_APPS = [
    {
        "virtualName": "app1",
        "name": "app1",
        "port": 8000,
        "namespaces": [{"name": "prod", "hosts": ["app1.example.com"]}],
        "prefixes": ["/"],
    },
    {
        "virtualName": "app2",
        "name": "app2",
        "port": 8000,
        "namespaces": [{"name": "prod", "hosts": ["app1.example.com", "Bad_Host!.example.com"]}],
        "prefixes": ["/"],
    },
    {
        "virtualName": "app3",
        "name": "app3",
        "port": 8000,
        "namespaces": [{"name": "billing", "hosts": ["billing.example.com"]}],
        "prefixes": ["/"],
    },
]


def _broken_stack(tmp_path):
    document = yaml.safe_load((PROJECT_DIR / "Pulumi.eks.yaml").read_text())
    document["config"]["mesh-platform:apps"] = BROKEN_APPS
    path = tmp_path / "Pulumi.broken.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def _assert_three_problems(text: str):
    assert 'host "app1.example.com" with prefix "/" is already routed by app1 in prod' in text
    assert "apps[1].namespaces[0].hosts[1]" in text and "Bad_Host!.example.com" in text
    assert 'namespace "billing" is not declared' in text


def test_bad_stack_fails_with_every_problem_named(run_stack, tmp_path):
    with pytest.raises(ConfigError) as caught:
        run_stack(path=_broken_stack(tmp_path))
    assert len(caught.value.problems) == 3
    _assert_three_problems(str(caught.value))


def test_render_exits_2_listing_every_problem(tmp_path, capsys):
    out = tmp_path / "out"
    assert render.main(["--config", str(_broken_stack(tmp_path)), "--out", str(out)]) == 2
    _assert_three_problems(capsys.readouterr().err)
    assert not out.exists()


def test_port_rules(run_stack):
    apps = [
        {
            "virtualName": "a",
            "name": "api",
            "port": 70000,
            "namespaces": [{"name": "prod", "hosts": ["a.example.com"]}],
        },
        {"virtualName": "b", "name": "web", "port": 80, "namespaces": [{"name": "prod", "hosts": ["b.example.com"]}]},
        {"virtualName": "c", "name": "web", "port": 81, "namespaces": [{"name": "prod", "hosts": ["c.example.com"]}]},
    ]
    with pytest.raises(ConfigError) as caught:
        run_stack("eks", overrides={"mesh-platform:apps": apps})
    text = str(caught.value)
    assert "apps[0].port: expected an integer from 1 to 65535; got 70000" in text
    assert 'apps[2].port: service "web" in namespace "prod" is already declared with port 80' in text


def test_same_host_with_different_prefixes_is_fine(run_stack):
    apps = [
        {
            "virtualName": "a",
            "name": "a",
            "port": 80,
            "namespaces": [{"name": "prod", "hosts": ["x.example.com"]}],
            "prefixes": ["/a"],
        },
        {
            "virtualName": "b",
            "name": "b",
            "port": 80,
            "namespaces": [{"name": "prod", "hosts": ["x.example.com"]}],
            "prefixes": ["/b"],
        },
    ]
    run = run_stack("eks", overrides={"mesh-platform:apps": apps})
    assert set(gateway_bound(run)) == {("prod", "a"), ("prod", "b")}


# -- mesh-only VirtualServices touch only the app's port and never cause a 404 ------------

ALIAS_APP = AppConfig(
    virtual_name="orders",
    service="orders",
    port=8080,
    namespaces=(AppNamespaceConfig(name="prod", hosts=("shop.example.com", "legacy-orders.prod.svc.cluster.local")),),
    prefixes=("/orders", "/cart"),
)


def test_an_alias_host_gets_a_port_scoped_mesh_virtual_service():
    (mesh,) = [v for v in model.app_virtual_services([ALIAS_APP], INGRESS) if v["spec"]["gateways"] == ["mesh"]]
    spec = mesh["spec"]
    assert mesh["metadata"] == {"name": "orders-mesh-legacy-orders", "namespace": "prod"}
    assert spec["hosts"] == ["legacy-orders.prod.svc.cluster.local"] and spec["exportTo"] == ["."]
    # Every match is on the app's port: other ports of the host are untouched.
    assert all(match["port"] == 8080 for route in spec["http"] for match in route["match"])
    assert spec["http"][0]["match"] == [
        {"uri": {"prefix": "/orders"}, "port": 8080},
        {"uri": {"prefix": "/cart"}, "port": 8080},
    ]
    assert spec["http"][0]["route"][0]["destination"] == {
        "host": "orders.prod.svc.cluster.local",
        "port": {"number": 8080},
    }
    # Paths outside the prefixes stay with the host they were sent to (no 404).
    assert spec["http"][1] == {
        "name": "orders-other-paths",
        "match": [{"port": 8080}],
        "route": [{"destination": {"host": "legacy-orders.prod.svc.cluster.local", "port": {"number": 8080}}}],
    }


def test_no_path_on_the_app_port_is_left_without_a_route():
    for prefixes in (("/",), ("/api",), ("/a", "/b")):
        app = ALIAS_APP.model_copy(update={"prefixes": prefixes})
        for vs in model.app_virtual_services([app], INGRESS):
            if vs["spec"]["gateways"] != ["mesh"]:
                continue
            catch_all = [
                r for r in vs["spec"]["http"] if any("uri" not in m or m["uri"] == {"prefix": "/"} for m in r["match"])
            ]
            assert catch_all, prefixes


@pytest.mark.parametrize("stack", ALL_STACKS)
def test_stacks_declare_no_mesh_virtual_service_for_an_apps_own_service(run_stack, stack):
    for (_namespace, _), vs in crs(run_stack(stack), VS).items():
        if "mesh" in vs["spec"]["gateways"] and not vs["metadata"]["name"].startswith("egress-"):
            for route in vs["spec"]["http"]:
                assert all(
                    dest["destination"]["host"] != vs["spec"]["hosts"][0] or route["name"].endswith("-other-paths")
                    for dest in route["route"]
                )
