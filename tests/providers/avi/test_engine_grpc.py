"""The engine path: each resource's ``__provider`` blob, produced by declaring it under Pulumi
mocks, is driven through ``python -m pulumi.dynamic`` (the gRPC server the engine starts)
against the emulator: Configure, Check, Diff, Create, Read, Update, Delete."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pulumi
import pytest
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from tests.support.avi_engine import dynamic_provider_server
from tests.support.avi_programs import ISTIO_READY, CapturingMocks
from tests.support.avi_support import self_signed, stack_config


def _declare_program() -> dict[str, dict[str, Any]]:
    """Run a small program under mocks; return each resource's inputs incl. ``__provider``."""
    from providers.avi.resources import (
        AviHealthMonitor,
        AviHttpPolicySet,
        AviPkiProfile,
        AviPool,
        AviSslKeyAndCertificate,
        AviStaticRoute,
        AviVirtualService,
        AviVsVip,
    )

    mocks = CapturingMocks()
    pulumi.runtime.set_mocks(mocks, project="mesh-platform", stack="engine", preview=False)
    ca_pem, _, ca, ca_key = self_signed("engine-ca", is_ca=True)
    cert_pem, key_pem, _, _ = self_signed("engine.example.com", ca=(ca, ca_key))

    @pulumi.runtime.test
    def program():
        resources = [
            AviHealthMonitor("monitor", **{**ISTIO_READY, "name": "eng-ready"}),
            AviPool(
                "pool",
                name="eng-pool",
                default_server_port=30080,
                health_monitor_refs=["/api/healthmonitor?name=eng-ready"],
                servers=[{"ip": {"addr": "10.3.0.1", "type": "V4"}, "port": 30080}],
            ),
            AviVsVip("vip", name="eng-vip", vip=[{"ip_address": {"addr": "10.3.0.100", "type": "V4"}}]),
            AviPkiProfile("pki", name="eng-pki", crl_check=False, ca_certs=[{"certificate": ca_pem}]),
            AviSslKeyAndCertificate(
                "cert", name="eng-cert", certificate={"certificate": cert_pem}, key=key_pem
            ),  # a plain string: made secret by the class
            AviHttpPolicySet(
                "redirect",
                name="eng-redirect",
                http_request_policy={
                    "rules": [
                        {"name": "r", "index": 1, "enable": True, "redirect_action": {"protocol": "HTTPS", "port": 443}}
                    ]
                },
            ),
            AviVirtualService(
                "vs",
                name="eng-vs",
                services=[{"port": 80}],
                vsvip_ref="/api/vsvip?name=eng-vip",
                pool_ref="/api/pool?name=eng-pool",
            ),
            AviStaticRoute("route", vrf="global", route_id="eng-pods", prefix="10.245.0.0/16", next_hop="10.0.0.7"),
        ]
        return pulumi.Output.all(*[r.urn for r in resources])

    program()
    return mocks.inputs


def _struct(props: dict[str, Any]):
    return asyncio.run(rpc.serialize_properties(props, {}))


def _props(struct) -> dict[str, Any]:
    return rpc.deserialize_properties(struct)


@pytest.fixture
def dynamic_server() -> Iterator[provider_pb2_grpc.ResourceProviderStub]:
    with dynamic_provider_server() as stub:
        yield stub


def _unwrap(value: Any) -> Any:
    return rpc.unwrap_rpc_secret(value) if isinstance(value, dict) else value


CHANGES = {
    "monitor": {"monitor_port": 31022, "send_interval": 6},
    "pool": {"default_server_port": 30081},
    # an in-place change a controller accepts; a new address must replace the VsVip
    # (tests/providers/avi/test_vip_changes_replace.py)
    "vip": {"dns_info": [{"fqdn": "eng.example.com"}]},
    "pki": {"crl_check": True},
    "cert": {"type": "SSL_CERTIFICATE_TYPE_VIRTUALSERVICE"},  # no-op: must be DIFF_NONE
    "redirect": {"description": "managed by pulumi"},
    "vs": {"services": [{"port": 8080}]},
    "route": {"next_hop": {"addr": "10.0.0.8", "type": "V4"}},
}
ORDER = ["monitor", "pool", "vip", "pki", "cert", "redirect", "vs", "route"]
KIND_OF = {
    "monitor": "healthmonitor",
    "pool": "pool",
    "vip": "vsvip",
    "pki": "pkiprofile",
    "cert": "sslkeyandcertificate",
    "redirect": "httppolicyset",
    "vs": "virtualservice",
}


def test_engine_drives_every_resource_through_pulumi_dynamic(emulator, dynamic_server, raw):
    declared = _declare_program()
    stub = dynamic_server
    stub.Configure(provider_pb2.ConfigureRequest(args=_struct(stack_config(emulator.url)), acceptSecrets=False))
    state: dict[str, tuple[str, dict[str, Any]]] = {}
    programs: dict[str, Any] = {}
    for name in ORDER:
        news = {k: _unwrap(v) for k, v in declared[name].items()}
        assert isinstance(news["__provider"], str) and len(news["__provider"]) > 40
        urn = f"urn:pulumi:engine::mesh-platform::avi:{name}::{name}"
        check = stub.Check(provider_pb2.CheckRequest(urn=urn, olds=_struct({}), news=_struct(news)))
        assert list(check.failures) == [], (name, check.failures)
        created = stub.Create(provider_pb2.CreateRequest(urn=urn, properties=check.inputs))
        outs = _props(created.properties)
        assert created.id and "__provider" in outs, name
        state[name] = (created.id, outs)

        read = stub.Read(provider_pb2.ReadRequest(id=created.id, urn=urn, properties=created.properties))
        assert read.id == created.id, name
        same = stub.Diff(provider_pb2.DiffRequest(id=created.id, urn=urn, olds=read.properties, news=check.inputs))
        assert same.changes == provider_pb2.DiffResponse.DIFF_NONE, name

        changed = _props(check.inputs) | CHANGES[name]
        check2 = stub.Check(provider_pb2.CheckRequest(urn=urn, olds=check.inputs, news=_struct(changed)))
        diff = stub.Diff(provider_pb2.DiffRequest(id=created.id, urn=urn, olds=read.properties, news=check2.inputs))
        if name == "cert":
            assert diff.changes == provider_pb2.DiffResponse.DIFF_NONE
            programs[name] = check2.inputs
            continue
        assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME, name
        assert list(diff.replaces) == [], name
        updated = stub.Update(
            provider_pb2.UpdateRequest(id=created.id, urn=urn, olds=read.properties, news=check2.inputs)
        )
        state[name] = (created.id, _props(updated.properties))
        programs[name] = check2.inputs

    # numbers cross gRPC as doubles; the controller must still get integers
    pool = raw("GET", f"/api/pool/{state['pool'][0]}").json()
    assert pool["default_server_port"] == 30081 and type(pool["default_server_port"]) is int
    monitor = raw("GET", f"/api/healthmonitor/{state['monitor'][0]}").json()
    assert type(monitor["monitor_port"]) is int and monitor["monitor_port"] == 31022
    assert monitor["http_monitor"]["http_request"] == "GET /healthz/ready HTTP/1.1"
    vs = raw("GET", f"/api/virtualservice/{state['vs'][0]}").json()
    assert vs["services"][0]["port"] == 8080 and vs["pool_ref"].endswith(state["pool"][0])

    # import: Read with nothing but the provider blob, as `pulumi import` does; the program's
    # declaration then diffs clean for every kind
    for name, kind in KIND_OF.items():
        blob = {"__provider": state[name][1]["__provider"]}
        imported = stub.Read(
            provider_pb2.ReadRequest(id=state[name][0], urn=f"urn:imp:{name}", properties=_struct(blob))
        )
        assert _props(imported.inputs)["name"] == _props(programs[name])["name"], name
        clean = stub.Diff(
            provider_pb2.DiffRequest(
                id=state[name][0], urn=f"urn:imp:{name}", olds=imported.properties, news=programs[name]
            )
        )
        assert clean.changes == provider_pb2.DiffResponse.DIFF_NONE, (name, kind)

    for name in reversed(ORDER):
        id_, outs = state[name]
        stub.Delete(provider_pb2.DeleteRequest(id=id_, urn=f"urn:{name}", properties=_struct(outs)))
    for kind in KIND_OF.values():
        names = [o["name"] for o in raw("GET", f"/api/{kind}").json()["results"] if o["name"].startswith("eng-")]
        assert names == [], kind
    vrf = raw("GET", "/api/vrfcontext", params={"name": "global"}).json()["results"][0]
    assert not vrf.get("static_routes")
