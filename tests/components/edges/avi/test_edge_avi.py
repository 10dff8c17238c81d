"""The Avi edge: AKO-compatible naming and sharding, payloads, and the graph the onprem stack declares."""

from __future__ import annotations

import copy

import pytest

from components.avi import naming
from components.avi.plan import plan_edge
from components.edges.avi import model
from components.edges.avi.config import AviEdgeConfig
from components.routes.config import AppConfig, AppNamespaceConfig, HostCertificate, HostTlsConfig
from tools.mockrun import PROJECT_DIR, Secret
from tools.stack_files import read_mapping

AVI = "pulumi-python:dynamic/avi:"
EDGE = AviEdgeConfig(
    vip_network="10.10.10.0/24",
    vip_network_name="vip-net",
    nodes=(
        {"name": "n1", "address": "10.0.0.11", "labels": {"edge": "yes"}},
        {"name": "n2", "address": "10.0.0.12", "labels": {"edge": "yes"}},
        {"name": "n3", "address": "10.0.0.13"},
    ),
    node_port_selector={"key": "edge", "value": "yes"},
)
APPS = (
    AppConfig(
        virtual_name="app1-virtual-svc",
        service="app1-service",
        port=8000,
        namespaces=(
            AppNamespaceConfig(name="prod", hosts=("app1.public.domain", "app1-service.prod.svc.cluster.local")),
            AppNamespaceConfig(name="pre-prod", hosts=("app1-pre.public.domain",)),
        ),
        prefixes=("/", "/api"),
    ),
)
SECURE = HostTlsConfig(certificate=HostCertificate(secret="app2"), redirect=True)


def onprem_edge(**changes) -> dict:
    """The onprem stack's `edge` value with `edge.avi` keys changed (camelCase)."""
    edge = copy.deepcopy(read_mapping(PROJECT_DIR / "Pulumi.onprem.yaml")["config"]["mesh-platform:edge"])
    edge["avi"].update(changes)
    return {"mesh-platform:edge": edge}


@pytest.mark.parametrize("text, value", [("", 0x811C9DC5), ("a", 0xE40C292C), ("foobar", 0xBF9CF968)])
def test_fnv1a_32_known_vectors(text, value):
    assert naming.fnv1a_32(text) == value


def test_shard_index_masks_like_ako():
    assert naming.shard_index("foobar", 8) == 0xBF9CF968 & 7
    assert naming.shard_index("anything", 1) == 0
    with pytest.raises(ValueError):
        naming.shard_index("x", 3)


def test_names_follow_ako_formats():
    assert naming.shard_vs_name("dev-cluster", 4) == "dev-cluster--Shared-L7-4"
    assert (
        naming.pool_name("dev-cluster", "app1.public.domain", "/api", "default", "app1")
        == "dev-cluster--app1.public.domain_api-default-app1"
    )
    assert naming.sni_child_name("dev-cluster", "app1.public.domain") == "dev-cluster--app1.public.domain"
    assert (
        naming.sni_pool_name("dev-cluster", "app1.public.domain", "/api", "default", "app1")
        == "dev-cluster--default-app1.public.domain_api-app1"
    )
    assert (
        naming.sni_policy_name("dev-cluster", "app1.public.domain", "default")
        == "dev-cluster--default-app1.public.domain"
    )
    assert naming.passthrough_vs_name("c", 0) == "c--Shared-Passthrough-0"
    assert naming.passthrough_insecure_name("c", 0) == "c--Shared-Passthrough-0-insecure"
    assert naming.istio_pki_profile_name("c", "istio-ingress") == "istio-pki-c-istio-ingress"
    assert naming.istio_workload_cert_name("c", "istio-ingress") == "istio-workload-c-istio-ingress"


@pytest.mark.parametrize("size, count", [("SMALL", 1), ("MEDIUM", 4), ("LARGE", 8)])
def test_every_parent_shard_exists_whatever_the_hosts(size, count):
    plan = plan_edge("c", APPS, size)
    assert [s.name for s in plan.shards] == [f"c--Shared-L7-{i}" for i in range(count)]
    for shard in plan.shards:
        assert all(naming.shard_index(h, count) == shard.index for h in shard.hosts)


def test_internal_hosts_stay_in_the_mesh():
    (shard,) = plan_edge("c", APPS, "SMALL").shards
    assert shard.hosts == ["app1-pre.public.domain", "app1.public.domain"]
    assert len(shard.pools) == 4  # two hosts x two prefixes


def test_secure_host_becomes_an_sni_child_with_its_pools_and_parent_redirect():
    apps = (
        *APPS,
        AppConfig(
            virtual_name="app2",
            service="app2",
            port=80,
            namespaces=(AppNamespaceConfig(name="prod", hosts=("app2.public.domain",), tls=SECURE),),
            prefixes=("/", "/v2"),
        ),
    )
    (shard,) = plan_edge("c", apps, "SMALL").shards
    (child,) = shard.children
    assert child.name == "c--app2.public.domain" and child.certificate.secret == "app2"
    assert [p.name for p in child.pools] == ["c--prod-app2.public.domain_-app2", "c--prod-app2.public.domain_v2-app2"]
    body = model.sni_child_body(
        child,
        EDGE,
        "/api/virtualservice?name=c--Shared-L7-0",
        "/api/sslkeyandcertificate?name=c--app2.public.domain",
        ["/p"],
    )
    assert body["type"] == "VS_TYPE_VH_CHILD" and body["vh_domain_name"] == ["app2.public.domain"]
    assert "vsvip_ref" not in body and "services" not in body
    policy = model.shard_policy_body(shard, {p.name: f"/api/pool?name={p.name}" for p in shard.pools})
    redirect = policy["http_request_policy"]["rules"][0]
    assert redirect["match"]["host_hdr"]["value"] == ["app2.public.domain"]
    assert redirect["redirect_action"] == {
        "protocol": "HTTPS",
        "port": 443,
        "status_code": "HTTP_REDIRECT_STATUS_CODE_302",
    }


def test_policy_rules_put_longer_prefixes_first():
    (shard,) = plan_edge("c", APPS, "SMALL").shards
    body = model.shard_policy_body(shard, {p.name: f"/api/pool?name={p.name}" for p in shard.pools})
    rules = body["http_request_policy"]["rules"]
    by_host = [(r["match"]["host_hdr"]["value"][0], r["match"]["path"]["match_str"][0]) for r in rules]
    assert by_host == [
        ("app1-pre.public.domain", "/api"),
        ("app1-pre.public.domain", "/"),
        ("app1.public.domain", "/api"),
        ("app1.public.domain", "/"),
    ]
    assert [r["index"] for r in rules] == [1, 2, 3, 4]


def test_pool_targets_the_selected_nodes_in_the_vs_vrf_with_mutual_tls():
    body = model.pool_body(
        "p", EDGE, 30443, "/api/healthmonitor?name=m", "/api/pkiprofile?name=k", "/api/sslkeyandcertificate?name=w"
    )
    assert body["servers"] == [
        {"ip": {"addr": "10.0.0.11", "type": "V4"}, "port": 30443},
        {"ip": {"addr": "10.0.0.12", "type": "V4"}, "port": 30443},
    ]
    assert body["vrf_ref"] == "/api/vrfcontext?name=global"
    assert body["pki_profile_ref"] and body["ssl_key_and_certificate_ref"] and body["sni_enabled"] is False


def test_health_monitor_probes_gateway_readiness_on_the_status_node_port():
    body = model.health_monitor_body("c", 30021)
    assert body["monitor_port"] == 30021 and body["type"] == "HEALTH_MONITOR_HTTP"
    assert body["http_monitor"]["http_request"] == "GET /healthz/ready HTTP/1.1"
    assert body["receive_timeout"] < body["send_interval"]


def test_vsvip_fixed_or_allocated_with_network_ref():
    fixed = AviEdgeConfig(vip_address="10.10.10.5", nodes=({"name": "n", "address": "10.0.0.11"},))
    assert model.vsvip_body("v", fixed)["vip"] == [{"vip_id": "0", "ip_address": {"addr": "10.10.10.5", "type": "V4"}}]
    subnet = model.vsvip_body("v", EDGE)["vip"][0]["ipam_network_subnet"]
    assert subnet == {
        "network_ref": "/api/network?name=vip-net",
        "subnet": {"ip_addr": {"addr": "10.10.10.0", "type": "V4"}, "mask": 24},
    }


def test_static_route_is_keyed_by_node_and_labelled():
    body = model.static_route_body("onprem", "worker-3", 0, "10.244.2.0/24", "10.60.0.13", EDGE)
    assert body == {
        "cloud": "Default-Cloud",
        "vrf": "global",
        "route_id": "onprem-worker-3-0",
        "prefix": {"ip_addr": {"addr": "10.244.2.0", "type": "V4"}, "mask": 24},
        "next_hop": {"addr": "10.60.0.13", "type": "V4"},
        "labels": [{"key": "clustername", "value": "onprem"}],
    }


# -- the onprem stack under mocks ------------------------------------------------------------


@pytest.mark.parametrize("size, count", [("SMALL", 1), ("MEDIUM", 4), ("LARGE", 8)])
def test_onprem_shards_per_size_with_ako_names_and_exported_vips(run_stack, size, count):
    run = run_stack("onprem", overrides=onprem_edge(shardSize=size))
    names = {v.inputs["name"] for v in run.of_type(AVI + "VirtualService")}
    parents = sorted(n for n in names if "--Shared-L7-" in n)
    assert parents == [f"onprem--Shared-L7-{i}" for i in range(count)]
    vsvips = sorted(v.inputs["name"] for v in run.of_type(AVI + "VsVip"))
    assert vsvips == sorted([*parents, "onprem--Shared-Passthrough-0"])
    assert set(run.outputs["aviVips"]) == {*parents, "onprem--Shared-Passthrough-0"}
    assert all(ip.startswith("10.50.0.") for ip in run.outputs["aviVips"].values())
    assert set(run.outputs["aviCurl"]) == {
        "portal.corp.example.net",
        "pay.corp.example.net",
        "admin.corp.example.net",
        "ledger.corp.example.net",
    }


def test_onprem_pools_on_selected_nodes_with_monitor_vrf_and_mesh_pki(run_stack):
    run = run_stack("onprem")
    monitor = run.named("avi-edge-monitor")
    pki, workload = run.named("avi-edge-istio-pki"), run.named("avi-edge-istio-workload")
    assert pki.inputs["name"] == "istio-pki-onprem-istio-ingress"
    assert workload.inputs["name"] == "istio-workload-onprem-istio-ingress"
    assert monitor.inputs["monitor_port"] == 30021
    pools = run.of_type(AVI + "Pool")
    mesh_pools = [p for p in pools if "Passthrough" not in p.inputs["name"]]
    assert {p.inputs["name"] for p in mesh_pools} == {
        "onprem--portal.corp.example.net_-portal-portal",
        "onprem--payments-pay.corp.example.net_api-payments-api",
        "onprem--portal-admin.corp.example.net_-portal-admin",
    }
    for pool in pools:
        assert [s["ip"]["addr"] for s in pool.inputs["servers"]] == ["10.60.0.11", "10.60.0.12"]  # selector
        assert pool.inputs["vrf_ref"] == "/api/vrfcontext?name=global"
        assert pool.inputs["health_monitor_refs"] == [
            f"https://avi.mock/api/healthmonitor/healthmonitor-{monitor.name}"
        ]
        assert pool.inputs["default_server_port"] == 30443
    for pool in mesh_pools:
        assert pool.inputs["pki_profile_ref"].endswith(f"pkiprofile-{pki.name}")
        assert pool.inputs["ssl_key_and_certificate_ref"].endswith(f"sslkeyandcertificate-{workload.name}")
    assert isinstance(workload.inputs["key"], Secret)


def test_onprem_sni_children_carry_their_host_certificates(run_stack):
    run = run_stack("onprem")
    children = {
        v.inputs["name"]: v.inputs
        for v in run.of_type(AVI + "VirtualService")
        if v.inputs.get("type") == "VS_TYPE_VH_CHILD"
    }
    assert set(children) == {"onprem--pay.corp.example.net", "onprem--admin.corp.example.net"}
    parent = run.named("avi-edge-vs-0")
    for name, child in children.items():
        assert child["vh_parent_vs_ref"].endswith(f"virtualservice-{parent.name}")
        host = name.removeprefix("onprem--")
        assert child["vh_domain_name"] == [host]
        cert = run.named(f"avi-edge-cert-{host}")
        assert child["ssl_key_and_certificate_refs"] == [
            f"https://avi.mock/api/sslkeyandcertificate/sslkeyandcertificate-{cert.name}"
        ]
        assert cert.inputs["name"] == name and isinstance(cert.inputs["key"], Secret)
    pay_cert = run.named("avi-edge-cert-pay.corp.example.net")
    assert "stand-in-for-edgeCertificates-pay" in pay_cert.inputs["certificate"]["certificate"]
    assert parent.inputs["type"] == "VS_TYPE_VH_PARENT"
    assert [s["enable_ssl"] for s in parent.inputs["services"]] == [False, True]


def test_onprem_passthrough_shard_and_insecure_redirect(run_stack):
    run = run_stack("onprem")
    shard, insecure = run.named("avi-edge-passthrough-0"), run.named("avi-edge-passthrough-insecure-0")
    assert shard.inputs["name"] == "onprem--Shared-Passthrough-0"
    assert shard.inputs["services"] == [{"port": 443, "enable_ssl": False}]
    assert insecure.inputs["name"] == "onprem--Shared-Passthrough-0-insecure"
    assert insecure.inputs["vsvip_ref"] == shard.inputs["vsvip_ref"]
    redirect = run.named("avi-edge-passthrough-redirect-0").inputs["http_request_policy"]["rules"][0]
    assert redirect["match"]["host_hdr"]["value"] == ["ledger.corp.example.net"]
    assert redirect["redirect_action"]["protocol"] == "HTTPS"


def test_onprem_gateway_requires_client_certificates_and_passes_ledger_through(run_stack):
    run = run_stack("onprem")
    (gateway,) = [
        g
        for g in run.of_type("kubernetes:networking.istio.io/v1:Gateway")
        if g.inputs["metadata"]["name"] == "mesh-ingress"
    ]
    https = [s for s in gateway.inputs["spec"]["servers"] if s["port"]["protocol"] == "HTTPS"]
    assert [s["tls"]["mode"] for s in https] == ["MUTUAL"]
    (passthrough,) = [s for s in gateway.inputs["spec"]["servers"] if s["port"]["protocol"] == "TLS"]
    assert passthrough["hosts"] == ["payments/ledger.corp.example.net"]
    secret = [
        s
        for s in run.of_type("kubernetes:core/v1:Secret")
        if s.inputs["metadata"]["name"] == https[0]["tls"]["credentialName"]
    ][0]
    data = secret.inputs["stringData"]
    assert isinstance(data, Secret) or isinstance(data["tls.key"], Secret)  # the key never shows in plain
    assert set(data.value if isinstance(data, Secret) else data) == {"tls.crt", "tls.key", "ca.crt"}
    release = [
        r for r in run.of_type("kubernetes:helm.sh/v3:Release") if r.inputs.get("name") == "istio-ingressgateway"
    ][0]
    assert release.inputs["values"]["service"]["externalTrafficPolicy"] == "Local"


def test_onprem_one_labelled_static_route_per_node(run_stack):
    routes = run_stack("onprem").of_type(AVI + "StaticRoute")
    assert sorted(r.inputs["route_id"] for r in routes) == [
        "onprem-worker-1-0",
        "onprem-worker-2-0",
        "onprem-worker-3-0",
    ]
    assert all(r.inputs["labels"] == [{"key": "clustername", "value": "onprem"}] for r in routes)


def test_pools_wait_for_the_static_routes(run_stack):
    run = run_stack("onprem")
    routes = {r.name for r in run.of_type(AVI + "StaticRoute")}
    for pool in run.of_type(AVI + "Pool"):
        assert routes <= set(pool.dependencies)


def test_private_keys_are_secret_in_every_avi_certificate(run_stack):
    for cert in run_stack("onprem").of_type(AVI + "SslKeyAndCertificate"):
        assert isinstance(cert.inputs["key"], Secret), cert.name


def test_every_avi_resource_carries_a_serialized_provider(run_stack):
    for r in run_stack("onprem").resources:
        if r.type.startswith(AVI):
            assert isinstance(r.inputs["__provider"], Secret) and r.inputs["__provider"].value


def test_no_private_key_reaches_any_input_in_plain(run_stack):
    """Private keys (mesh CA, gateway, Service Engines, hosts, edgeCertificates) are secrets end to end."""
    from tools.mockrun import redact

    run = run_stack("onprem")
    keys = [r for r in run.resources if r.type == "tls:index/privateKey:PrivateKey"]
    assert len(keys) >= 5
    for r in run.resources:
        plain = repr(redact(r.inputs))
        assert "PRIVATE KEY" not in plain, r.name


def test_manager_ako_leaves_the_layout_to_ako(run_stack):
    # The onprem stack's NodePort AKO and passthrough host do not fit the ako manager (refused at
    # preview); Pulumi.onprem-ako.yaml is that cluster with the ako manager. The program keeps only
    # the static routes and AKO's cleanup there (components/ako/ako_manager.py).
    run = run_stack("onprem-ako")
    assert {r.type.removeprefix(AVI) for r in run.resources if r.type.startswith(AVI)} == {"StaticRoute", "AkoCleanup"}
    assert not [r for r in run.resources if "mesh-platform:avi:AviEdge" in r.urn.split("::")[2]]
    assert "aviVips" not in run.outputs


def test_certificates_come_from_their_secret_entry(monkeypatch):
    from components.edges.avi import certificates

    errors: list[str] = []
    monkeypatch.setattr(certificates.pulumi.log, "error", lambda message, *a, **k: errors.append(message))
    secret = (
        '{"pay": {"certificate": "-----BEGIN CERTIFICATE-----\\nc\\n", "key": "-----BEGIN PRIVATE KEY-----\\nk\\n"}}'
    )
    assert certificates.pick(secret, "pay", "key") == "-----BEGIN PRIVATE KEY-----\nk\n"
    assert certificates.pick(secret, "pay", "certificate").startswith("-----BEGIN CERTIFICATE-----")
    offline = certificates.pick("offline-placeholder-for-mesh-platform-edgeCertificates", "pay", "key")
    assert "stand-in-for-edgeCertificates-pay" in offline and errors == []
    certificates.pick(secret, "shop", "certificate")
    certificates.pick("not json", "pay", "key")
    assert len(errors) == 2 and all('entry "' in e and "PEM" in e for e in errors)
    assert "-----BEGIN PRIVATE KEY-----\nk" not in " ".join(errors)  # the secret never reaches a message


def test_virtual_services_and_pools_share_the_configured_vrf(run_stack):
    run = run_stack("onprem", overrides=onprem_edge(vrf="management"))
    vrfs = {v.inputs["vrf_context_ref"] for v in run.of_type(AVI + "VirtualService")}
    vrfs |= {v.inputs["vrf_context_ref"] for v in run.of_type(AVI + "VsVip")}
    vrfs |= {p.inputs["vrf_ref"] for p in run.of_type(AVI + "Pool")}
    assert vrfs == {"/api/vrfcontext?name=management"}
    assert {r.inputs["vrf"] for r in run.of_type(AVI + "StaticRoute")} == {"management"}


def test_passthrough_host_is_routed_by_sni_in_the_mesh(run_stack):
    (vs,) = [
        v.inputs
        for v in run_stack("onprem").of_type("kubernetes:networking.istio.io/v1:VirtualService")
        if v.inputs["metadata"]["name"] == "ledger"
    ]
    assert "http" not in vs["spec"]
    assert vs["spec"]["tls"] == [
        {
            "match": [{"port": 443, "sniHosts": ["ledger.corp.example.net"]}],
            "route": [{"destination": {"host": "ledger.payments.svc.cluster.local", "port": {"number": 8443}}}],
        }
    ]
