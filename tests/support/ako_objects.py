"""Objects shaped as AKO creates them (names, markers, created_by, references), for cleanup tests.

Follows AKO's formats for one Ingress host behind a shared virtual service (insecure and
SNI paths), one LoadBalancer Service (L4), the Istio PKI profile and workload certificate,
a static route and the service-engine group label. Importable as ``ako_objects``.
"""

from __future__ import annotations

from typing import Any

from tests.support.avi_support import RawClient, self_signed


def _post(raw: RawClient, kind: str, body: dict[str, Any]) -> str:
    resp = raw("POST", f"/api/{kind}", body)
    assert resp.status_code == 201, (kind, body.get("name"), resp.text)
    return f"/api/{kind}?name={body['name']}"


def create_ako_objects(
    raw: RawClient,
    cluster: str,
    namespace: str = "avi-system",
    host: str = "app.example.com",
    app_ns: str = "portal",
    ingress: str = "portal",
) -> list[str]:
    """Create what AKO with clusterName `cluster` would; returns `<kind>/<name>` of each object."""
    p, owner = f"{cluster}--", f"ako-{cluster}"
    marker = [{"key": "clustername", "values": [cluster]}]
    host_markers = [*marker, {"key": "Namespace", "values": [app_ns]}, {"key": "Host", "values": [host]}]
    root_pem, _, root, root_key = self_signed(f"root-{cluster}", is_ca=True)
    work_pem, work_key, _, _ = self_signed(f"workload-{cluster}", ca=(root, root_key))
    sni_pem, sni_key, _, _ = self_signed(host)
    made: list[str] = []

    def post(kind: str, body: dict[str, Any]) -> str:
        made.append(f"{kind}/{body['name']}")
        return _post(raw, kind, body)

    pki = post(
        "pkiprofile",
        {
            "name": f"istio-pki-{cluster}-{namespace}",
            "created_by": owner,
            "crl_check": False,
            "ca_certs": [{"certificate": root_pem}],
            "markers": marker,
        },
    )
    workload = post(
        "sslkeyandcertificate",
        {
            "name": f"istio-workload-{cluster}-{namespace}",
            "created_by": owner,
            "markers": marker,
            "type": "SSL_CERTIFICATE_TYPE_VIRTUALSERVICE",
            "certificate": {"certificate": work_pem},
            "key": work_key,
        },
    )
    istio = {
        "pki_profile_ref": pki,
        "ssl_key_and_certificate_ref": workload,
        "ssl_profile_ref": "/api/sslprofile?name=System-Standard",
    }
    shard = f"{p}Shared-L7-0"
    insecure_pool = post(
        "pool",
        {
            "name": f"{p}{host}_-{app_ns}-{ingress}",
            "created_by": owner,
            "markers": [*host_markers],
            "cloud_ref": "/api/cloud?name=Default-Cloud",
            "health_monitor_refs": ["/api/healthmonitor?name=System-TCP"],
            "servers": [{"ip": {"addr": "10.244.1.5", "type": "V4"}, "port": 8080}],
            **istio,
        },
    )
    shared_pg = post(
        "poolgroup",
        {
            "name": shard,
            "created_by": owner,
            "markers": marker,
            "members": [{"pool_ref": insecure_pool, "priority_label": f"{host}/", "ratio": 100}],
        },
    )
    datascript = post(
        "vsdatascriptset",
        {
            "name": shard,
            "created_by": owner,
            "markers": marker,
            "pool_group_refs": [shared_pg],
            "datascript": [{"evt": "VS_DATASCRIPT_EVT_HTTP_REQ", "script": "-- select"}],
        },
    )
    redirect = post(
        "httppolicyset",
        {
            "name": shard,
            "created_by": owner,
            "markers": marker,
            "http_request_policy": {
                "rules": [
                    {
                        "name": f"{shard}-0",
                        "index": 0,
                        "enable": True,
                        "match": {"host_hdr": {"match_criteria": "HDR_EQUALS", "value": [host]}},
                        "redirect_action": {
                            "protocol": "HTTPS",
                            "port": 443,
                            "status_code": "HTTP_REDIRECT_STATUS_CODE_302",
                        },
                    }
                ]
            },
        },
    )
    vsvip = post(
        "vsvip",
        {
            "name": shard,
            "markers": marker,
            "cloud_ref": "/api/cloud?name=Default-Cloud",
            "vip": [{"vip_id": "0", "auto_allocate_ip": True}],
        },
    )
    parent = post(
        "virtualservice",
        {
            "name": shard,
            "created_by": owner,
            "markers": marker,
            "type": "VS_TYPE_VH_PARENT",
            "cloud_ref": "/api/cloud?name=Default-Cloud",
            "vsvip_ref": vsvip,
            "application_profile_ref": "/api/applicationprofile?name=System-HTTP",
            "services": [{"port": 80, "enable_ssl": False}, {"port": 443, "enable_ssl": True}],
            "vs_datascripts": [{"index": 0, "vs_datascript_set_ref": datascript}],
            "http_policies": [{"index": 11, "http_policy_set_ref": redirect}],
        },
    )
    sni_pool = post(
        "pool",
        {
            "name": f"{p}{app_ns}-{host}_-{ingress}",
            "created_by": owner,
            "markers": [*host_markers],
            "cloud_ref": "/api/cloud?name=Default-Cloud",
            "servers": [{"ip": {"addr": "10.244.1.5", "type": "V4"}, "port": 8080}],
            **istio,
        },
    )
    sni_pg = post(
        "poolgroup",
        {
            "name": f"{p}{app_ns}-{host}_-{ingress}",
            "created_by": owner,
            "markers": [*host_markers],
            "members": [{"pool_ref": sni_pool, "ratio": 100}],
        },
    )
    sni_policy = post(
        "httppolicyset",
        {
            "name": f"{p}{app_ns}-{host}",
            "created_by": owner,
            "markers": host_markers,
            "http_request_policy": {
                "rules": [
                    {
                        "name": f"{p}{app_ns}-{host}-0",
                        "index": 0,
                        "enable": True,
                        "match": {"path": {"match_criteria": "BEGINS_WITH", "match_str": ["/"]}},
                        "switching_action": {"action": "HTTP_SWITCHING_SELECT_POOLGROUP", "pool_group_ref": sni_pg},
                    }
                ]
            },
        },
    )
    sni_cert = post(
        "sslkeyandcertificate",
        {
            "name": f"{p}{host}",
            "created_by": owner,
            "markers": [*marker, {"key": "Host", "values": [host]}],
            "type": "SSL_CERTIFICATE_TYPE_VIRTUALSERVICE",
            "certificate": {"certificate": sni_pem},
            "key": sni_key,
        },
    )
    post(
        "virtualservice",
        {
            "name": f"{p}{host}",
            "created_by": owner,
            "markers": host_markers,
            "type": "VS_TYPE_VH_CHILD",
            "cloud_ref": "/api/cloud?name=Default-Cloud",
            "vh_parent_vs_ref": parent,
            "vh_domain_name": [host],
            "application_profile_ref": "/api/applicationprofile?name=System-Secure-HTTP",
            "ssl_key_and_certificate_refs": [sni_cert],
            "http_policies": [{"index": 11, "http_policy_set_ref": sni_policy}],
        },
    )
    l4 = f"{p}default-web"
    l4_pool = post(
        "pool",
        {
            "name": f"{l4}-TCP-80",
            "created_by": owner,
            "cloud_ref": "/api/cloud?name=Default-Cloud",
            "markers": [
                *marker,
                {"key": "Namespace", "values": ["default"]},
                {"key": "ServiceName", "values": ["web"]},
                {"key": "Port", "values": ["80"]},
            ],
            "servers": [{"ip": {"addr": "10.244.2.7", "type": "V4"}, "port": 80}],
            **istio,
        },
    )
    l4_policy = post(
        "l4policyset",
        {
            "name": l4,
            "created_by": owner,
            "markers": marker,
            "l4_connection_policy": {
                "rules": [
                    {
                        "index": 0,
                        "action": {"select_pool": {"action_type": "L4_RULE_ACTION_SELECT_POOL", "pool_ref": l4_pool}},
                    }
                ]
            },
        },
    )
    l4_vip = post(
        "vsvip",
        {"name": l4, "cloud_ref": "/api/cloud?name=Default-Cloud", "vip": [{"vip_id": "0", "auto_allocate_ip": True}]},
    )
    post(
        "virtualservice",
        {
            "name": l4,
            "created_by": owner,
            "markers": marker,
            "cloud_ref": "/api/cloud?name=Default-Cloud",
            "vsvip_ref": l4_vip,
            "application_profile_ref": "/api/applicationprofile?name=System-L4-Application",
            "services": [{"port": 80}],
            "l4_policies": [{"index": 0, "l4_policy_set_ref": l4_policy}],
        },
    )
    return made


def add_static_route(raw: RawClient, route_id: str, prefix: str, cluster: str | None) -> None:
    """A static route in the global VRF, labelled as AKO labels its routes (or unlabelled, as people add them)."""
    vrf = raw("GET", "/api/vrfcontext", params={"name": "global"}).json()["results"][0]
    addr, mask = prefix.split("/")
    route = {
        "route_id": route_id,
        "prefix": {"ip_addr": {"addr": addr, "type": "V4"}, "mask": int(mask)},
        "next_hop": {"addr": "10.60.0.11", "type": "V4"},
    }
    if cluster:
        route["labels"] = [{"key": "clustername", "value": cluster}]
    vrf["static_routes"] = [*(vrf.get("static_routes") or []), route]
    assert raw("PUT", f"/api/vrfcontext/{vrf['uuid']}", vrf).status_code == 200


def names(raw: RawClient, kind: str) -> set[str]:
    resp = raw("GET", f"/api/{kind}", params={"page_size": 200}, **{"X-Avi-Tenant": "*"})
    return {o["name"] for o in resp.json()["results"]}
