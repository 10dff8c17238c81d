"""check() against the controller's model: each bad input the issue names is refused at preview
with a message naming the field; values the model allows (port 0) pass."""

from __future__ import annotations

import pytest
from pulumi.runtime import rpc

from providers.avi.model import load
from providers.avi.provider import AviObjectProvider, AviStaticRouteProvider
from tests.support.avi_programs import declarations


def failures(kind: str, body: dict) -> dict[str, str]:
    result = AviObjectProvider(kind).check({}, body)
    return {f.property: f.reason for f in result.failures}


def pool(**extra) -> dict:
    return {
        "name": "p",
        "default_server_port": 30080,
        "servers": [{"ip": {"addr": "10.0.0.1", "type": "V4"}, "port": 30080}],
        **extra,
    }


def test_the_table_covers_every_kind_and_its_ownership_carriers():
    model = load()
    assert model.source["repository"] == "vmware/alb-sdk"
    for kind in (
        "virtualservice",
        "vsvip",
        "pool",
        "pkiprofile",
        "sslkeyandcertificate",
        "httppolicyset",
        "healthmonitor",
        "vrfcontext",
    ):
        assert "markers" in model.kind_fields(kind), kind
    assert "created_by" not in model.kind_fields("vsvip")
    assert "created_by" in model.kind_fields("pool")
    assert model.fields("Server")["port"].special == (0,)
    assert model.fields("Service")["port"].min == 0


def test_misspelt_field_is_refused_with_a_suggestion():
    found = failures("pool", pool(default_server_prot=80))
    assert "default_server_prot" in found
    assert "did you mean 'default_server_port'" in found["default_server_prot"]


def test_nested_unknown_field_is_refused():
    body = pool(servers=[{"ip": {"addr": "10.0.0.1", "type": "V4"}, "prot": 80}])
    found = failures("pool", body)
    assert "did you mean 'port'" in found["servers[0].prot"]


@pytest.mark.parametrize(
    "kind, body, field, words",
    [
        ("pool", pool(servers="10.0.0.1"), "servers", "must be a list of an object (Server)"),
        ("pool", pool(enabled="yes"), "enabled", "must be true or false"),
        (
            "httppolicyset",
            {"name": "h", "http_request_policy": {"rules": {"name": "r"}}},
            "http_request_policy.rules",
            "must be a list",
        ),
        ("pool", pool(default_server_port=70000), "default_server_port", "1-65535"),
        ("pool", pool(default_server_port=8080.5), "default_server_port", "an integer"),
        ("virtualservice", {"name": "v", "services": [{"port": 70000}]}, "services[0].port", "0-65535"),
        (
            "pool",
            pool(lb_algorithm="LB_ALGORITHM_ROUNDROBIN"),
            "lb_algorithm",
            "did you mean 'LB_ALGORITHM_ROUND_ROBIN'",
        ),
        (
            "pool",
            pool(health_monitor_refs=["/api/pool?name=x"]),
            "health_monitor_refs[0]",
            "must refer to a HealthMonitor",
        ),
        (
            "vsvip",
            {
                "name": "v",
                "vip": [{"vip_id": "0", "subnet": {"ip_addr": {"addr": "10.0.0.0", "type": "V4"}, "mask": 99}}],
            },
            "vip[0].subnet.mask",
            "0-32",
        ),
        (
            "healthmonitor",
            {"name": "m", "type": "HEALTH_MONITOR_HTTP", "send_interval": 5, "receive_timeout": 5},
            "receive_timeout",
            "less than send_interval",
        ),
        (
            "healthmonitor",
            {"name": "m", "type": "HEALTH_MONITOR_HTTP", "http_monitor": {"http_response_code": ["HTTP_200"]}},
            "http_monitor.http_response_code[0]",
            "is not one of",
        ),
        ("pool", pool(uuid="pool-1"), "uuid", "set by the controller"),
    ],
)
def test_bad_input_is_refused_naming_the_field(kind, body, field, words):
    found = failures(kind, body)
    assert field in found, found
    assert words in found[field], found[field]


def test_port_zero_where_the_model_allows_it():
    assert failures("pool", pool(servers=[{"ip": {"addr": "10.0.0.1", "type": "V4"}, "port": 0}])) == {}
    assert failures("virtualservice", {"name": "v", "services": [{"port": 0}]}) == {}
    assert "default_server_port" in failures("pool", pool(default_server_port=0))


def test_every_declaration_the_edge_uses_passes():
    for kind, body in declarations("ok").items():
        assert failures(kind, body) == {}, kind


def test_preview_unknowns_are_never_reported():
    body = {"name": rpc.UNKNOWN, "servers": rpc.UNKNOWN, "enabled": rpc.UNKNOWN}
    assert failures("pool", body) == {}


def test_field_newer_than_the_configured_version_is_refused(emulator):
    from tests.support.avi_support import configured

    provider = configured(AviObjectProvider("vsvip"), emulator.url, version="20.1.5")
    result = provider.check({}, {"name": "v", "bgp_local_preference": 100})
    assert [f.property for f in result.failures] == ["bgp_local_preference"]
    assert "30.2.1" in result.failures[0].reason


def test_static_route_prefix_object_with_mask_99_is_refused():
    result = AviStaticRouteProvider().check(
        {},
        {
            "route_id": "r",
            "next_hop": "10.0.0.1",
            "prefix": {"ip_addr": {"addr": "10.244.0.0", "type": "V4"}, "mask": 99},
        },
    )
    found = {f.property: f.reason for f in result.failures}
    assert "0-32" in found["prefix.mask"]
    typo = AviStaticRouteProvider().check(
        {}, {"route_id": "r", "next_hop": "10.0.0.1", "prefix": "10.1.0.0/16", "lables": []}
    )
    assert "did you mean 'labels'" in {f.property: f.reason for f in typo.failures}["lables"]


def test_integers_from_grpc_doubles_are_sent_as_integers():
    from providers.avi.model.conform import coerce

    body = coerce(
        load(),
        "pool",
        {
            "default_server_port": 30080.0,
            "servers": [{"port": 30080.0, "ratio": 2.0, "ip": {"addr": "10.0.0.1", "type": "V4"}}],
        },
    )
    assert type(body["default_server_port"]) is int
    assert type(body["servers"][0]["port"]) is int and type(body["servers"][0]["ratio"]) is int


def test_extractor_reads_the_facts_the_swagger_states_in_its_descriptions():
    from providers.avi.model.extract import _field

    port = _field(
        {
            "type": "integer",
            "format": "int32",
            "description": "Server port. Allowed values are 1-65535. Special values are 0- use backend "
            "port in pool. Field introduced in 17.2.9, 18.1.2.",
        },
        required=False,
    )
    assert port == {"type": "integer", "min": 1, "max": 65535, "special": [0], "introduced": "17.2.9"}
    codes = _field(
        {
            "type": "array",
            "items": {"type": "string"},
            "description": "Codes. Enum options - HTTP_ANY, HTTP_2XX. Minimum of 1 items required. "
            "Maximum of 4 items allowed.",
        },
        required=True,
    )
    assert codes == {
        "type": "array",
        "items": {"type": "string", "enum": ["HTTP_ANY", "HTTP_2XX"]},
        "max_items": 4,
        "min_items": 1,
        "required": True,
    }
    ref = _field(
        {"type": "string", "readOnly": True, "description": "It is a reference to an object of type VrfContext."},
        required=False,
    )
    assert ref == {"type": "string", "ref": "VrfContext", "read_only": True}
    timeout = _field(
        {
            "type": "integer",
            "default": 1,
            "description": "Allowed values are 1-7200. Special values are 0 - Immediate, -1 - Infinite. Unit is MIN.",
        },
        required=False,
    )
    assert timeout["special"] == [-1, 0] and timeout["default"] == 1
