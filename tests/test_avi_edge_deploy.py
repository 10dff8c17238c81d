"""Deploy the onprem stack's Avi edge, as the program declares it, to the emulator.

A small stand-in for the engine: the program runs under mocks, then every Avi resource
is created in registration order with the provider unpickled from its own
`__provider` blob, with references rewritten from mock URLs to the objects really
created. The official `avisdk` client then reads the result back, and deleting in
reverse order leaves nothing of ours on the controller.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any
from urllib.parse import urlsplit

import dill
import pytest
from pulumi.dynamic import Config, ConfigureRequest

from tools.avi_emulator import Emulator, EmulatorConfig
from tools.mockrun import PROJECT_DIR, reveal, run_stack_file

USER, PASSWORD = "admin", "deploy-test-password"
AVI_PREFIX = "pulumi-python:dynamic/avi:"


def _real_certificate() -> tuple[str, str]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "portal.corp.example.net")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256()))
    return (cert.public_bytes(serialization.Encoding.PEM).decode(),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()).decode())


def _substitute(value: Any, urls: dict[str, str], pems: dict[str, str]) -> Any:
    """Mock URLs and PEMs replaced by the real ones, in every string."""
    if isinstance(value, dict):
        return {k: _substitute(v, urls, pems) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, urls, pems) for v in value]
    if isinstance(value, str):
        for mock, real in {**urls, **pems}.items():
            value = value.replace(mock, real) if mock in value else value
    return value


@pytest.fixture
def emulator():
    with Emulator(EmulatorConfig(username=USER, password=PASSWORD)) as emu:
        yield emu


def test_onprem_avi_edge_deploys_reads_back_and_deletes(emulator):
    run = run_stack_file(PROJECT_DIR / "Pulumi.onprem.yaml")
    config = {"mesh-platform:avi": json.dumps({"controller": emulator.url, "username": USER, "tenant": "admin",
                                               "version": "22.1.3"}),
              "mesh-platform:aviPassword": PASSWORD}
    cert_pem, key_pem = _real_certificate()
    pems = {}
    for r in run.resources:
        if r.type == "tls:index/selfSignedCert:SelfSignedCert":
            pems[f"-----BEGIN CERTIFICATE-----\nmock-{r.name}\n-----END CERTIFICATE-----\n"] = cert_pem
        if r.type == "tls:index/privateKey:PrivateKey":
            pems[f"-----BEGIN PRIVATE KEY-----\nmock-{r.name}\n-----END PRIVATE KEY-----\n"] = key_pem

    created: list[tuple[Any, str, dict]] = []
    urls: dict[str, str] = {}
    for r in (r for r in run.resources if r.type.startswith(AVI_PREFIX)):
        props = _substitute(reveal(r.inputs), urls, pems)
        provider = dill.loads(base64.b64decode(props["__provider"]))
        provider.configure(ConfigureRequest(Config(config, "mesh-platform")))
        checked = provider.check({}, props)
        assert not checked.failures, (r.name, [(f.property, f.reason) for f in checked.failures])
        result = provider.create(checked.inputs)
        created.append((provider, result.id, result.outs))
        if "url" in result.outs:
            kind = result.outs["url"].split("/api/")[1].split("/")[0]
            urls[f"https://avi.mock/api/{kind}/{kind}-{r.name}"] = result.outs["url"]

    from avi.sdk.avi_api import ApiSession

    ApiSession.clear_cached_sessions()
    address = urlsplit(emulator.url)
    api = ApiSession(f"http://{address.hostname}", USER, PASSWORD, tenant="admin", api_version="22.1.3",
                     port=address.port)
    vs = api.get_object_by_name("virtualservice", "onprem--Shared-L7-0")
    assert vs and vs["services"][1]["port"] == 443
    policy = api.get(vs["http_policies"][0]["http_policy_set_ref"].split("/api/")[1]).json()
    pool_refs = [r["switching_action"]["pool_ref"] for r in policy["http_request_policy"]["rules"]]
    pools = [api.get(ref.split("/api/")[1]).json() for ref in pool_refs]
    assert {p["name"] for p in pools} >= {"onprem--pay.corp.example.net_api-payments-payments-api",
                                          "onprem--portal.corp.example.net_-portal-portal"}
    assert all(s["port"] == 30080 for p in pools for s in p["servers"])
    vrf = api.get_object_by_name("vrfcontext", "global")
    ours = [r for r in vrf.get("static_routes", []) if r["route_id"].startswith("onprem-worker-")]
    assert len(ours) == 3

    for provider, id_, outs in reversed(created):
        provider.delete(id_, outs)
    assert api.get_object_by_name("virtualservice", "onprem--Shared-L7-0") is None
    vrf = api.get_object_by_name("vrfcontext", "global")
    assert not [r for r in vrf.get("static_routes", []) if r["route_id"].startswith("onprem-worker-")]
    for kind in ("pool", "httppolicyset", "vsvip", "sslkeyandcertificate"):
        left = api.get(kind, params={"name.contains": "onprem--"}).json()
        assert left["count"] == 0, (kind, left)
    ApiSession.clear_cached_sessions()
