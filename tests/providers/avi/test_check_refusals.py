"""check() refuses what a controller refuses or an operator never means (issue 16): PEMs that do
not parse, mixed-family and unasked-for default routes, names outside Avi's character set or
over 255 characters, strings over their bound, inverted port ranges. Each refusal names the
field; the emulator refuses the same where the controller does."""

from __future__ import annotations

import time

import pytest
from cryptography.hazmat.primitives import serialization
from pulumi.runtime import rpc

from providers.avi import validation
from providers.avi.provider import ALLOW_DEFAULT_ROUTE, AviObjectProvider, AviStaticRouteProvider
from tests.support.avi_support import self_signed

CERT, KEY, _, KEY_OBJ = self_signed("refusals.example")
BROKEN_CERT = "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n"
BROKEN_KEY = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"


def failures(kind: str, body: dict) -> dict[str, str]:
    result = AviObjectProvider(kind).check({}, body)
    return {f.property: f.reason for f in result.failures}


def route_failures(**fields) -> dict[str, str]:
    body = {"route_id": "r1", "prefix": "10.244.1.0/24", "next_hop": "10.0.0.21", **fields}
    return {f.property: f.reason for f in AviStaticRouteProvider().check({}, body).failures}


def certificate(**extra) -> dict:
    return {"name": "c", "certificate": {"certificate": CERT}, "key": KEY, **extra}


def encrypted_key(passphrase: bytes) -> str:
    return KEY_OBJ.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.BestAvailableEncryption(passphrase)
    ).decode()


# ----- PEMs ------------------------------------------------------------------------------


def test_a_valid_certificate_key_and_ca_pass():
    assert failures("sslkeyandcertificate", certificate()) == {}
    assert failures("pkiprofile", {"name": "p", "ca_certs": [{"certificate": CERT}]}) == {}


def test_pki_profile_ca_certificate_that_does_not_parse_is_refused():
    found = failures("pkiprofile", {"name": "p", "ca_certs": [{"certificate": CERT}, {"certificate": BROKEN_CERT}]})
    assert list(found) == ["ca_certs[1].certificate"]
    assert "does not parse as an X.509 certificate" in found["ca_certs[1].certificate"]
    plain = failures("pkiprofile", {"name": "p", "ca_certs": [{"certificate": "hello"}]})
    assert "-----BEGIN CERTIFICATE-----" in plain["ca_certs[0].certificate"]


def test_ssl_certificate_that_does_not_parse_is_refused():
    found = failures("sslkeyandcertificate", certificate(certificate={"certificate": BROKEN_CERT}))
    assert list(found) == ["certificate.certificate"]
    assert "Import error" in found["certificate.certificate"]


def test_key_that_does_not_parse_is_refused():
    found = failures("sslkeyandcertificate", certificate(key=BROKEN_KEY))
    assert list(found) == ["key"]
    assert "does not parse as a PEM private key" in found["key"]


def test_encrypted_key_needs_its_passphrase():
    locked = encrypted_key(b"right-passphrase")
    assert failures("sslkeyandcertificate", certificate(key=locked, key_passphrase="right-passphrase")) == {}
    missing = failures("sslkeyandcertificate", certificate(key=locked))
    assert "set key_passphrase" in missing["key_passphrase"]
    wrong = failures("sslkeyandcertificate", certificate(key=locked, key_passphrase="wrong-one"))
    assert "does not decrypt key" in wrong["key_passphrase"]
    needless = failures("sslkeyandcertificate", certificate(key_passphrase="unneeded"))
    assert "key is not encrypted" in needless["key_passphrase"]


def test_pem_checks_skip_values_not_known_yet_and_non_pem_formats():
    assert failures("sslkeyandcertificate", certificate(key=rpc.UNKNOWN)) == {}
    assert failures("sslkeyandcertificate", certificate(key=encrypted_key(b"x"), key_passphrase=rpc.UNKNOWN)) == {}
    assert failures("sslkeyandcertificate", certificate(certificate={"certificate": rpc.UNKNOWN})) == {}
    assert failures("pkiprofile", {"name": "p", "ca_certs": [{"certificate": rpc.UNKNOWN}]}) == {}
    pkcs12 = certificate(format="SSL_PKCS12", certificate={"certificate": "MIIK..."}, key="MII")
    assert failures("sslkeyandcertificate", pkcs12) == {}


# ----- static routes ---------------------------------------------------------------------


@pytest.mark.parametrize("prefix, hop", [("10.244.1.0/24", "fd00::21"), ("fd00:244:1::/64", "10.0.0.21")])
def test_route_with_next_hop_of_another_family_is_refused(prefix, hop):
    found = route_failures(prefix=prefix, next_hop=hop)
    assert list(found) == ["next_hop"]
    assert "prefix's family" in found["next_hop"]


def test_mixed_family_is_refused_in_object_form_too():
    found = route_failures(
        prefix={"ip_addr": {"addr": "10.244.1.0", "type": "V4"}, "mask": 24},
        next_hop={"addr": "fd00::21", "type": "V6"},
    )
    assert "IPv6 address but prefix is an IPv4 network" in found["next_hop"]


@pytest.mark.parametrize("prefix, hop", [("0.0.0.0/0", "10.0.0.1"), ("::/0", "fd00::1")])
def test_default_route_needs_allow_default_route(prefix, hop):
    found = route_failures(prefix=prefix, next_hop=hop)
    assert list(found) == ["prefix"]
    assert f"{prefix} is a default route" in found["prefix"]
    assert "allow_default_route: true" in found["prefix"]
    asked = AviStaticRouteProvider().check(
        {}, {"route_id": "r1", "prefix": prefix, "next_hop": hop, ALLOW_DEFAULT_ROUTE: True}
    )
    assert asked.failures == []
    # steers check only: never part of the route the controller gets
    assert ALLOW_DEFAULT_ROUTE not in AviStaticRouteProvider._route(asked.inputs)


def test_allow_default_route_must_be_a_boolean():
    found = route_failures(prefix="0.0.0.0/0", **{ALLOW_DEFAULT_ROUTE: "yes"})
    assert "must be true or false" in found[ALLOW_DEFAULT_ROUTE]
    assert "prefix" in found  # "yes" is not an explicit true


def test_route_checks_skip_values_not_known_yet():
    assert route_failures(next_hop=rpc.UNKNOWN) == {}
    assert route_failures(prefix=rpc.UNKNOWN, next_hop="fd00::1") == {}


def test_the_edge_program_never_asks_for_a_default_route():
    from components.edges.avi import model
    from components.edges.avi.config import AviEdgeConfig

    edge = AviEdgeConfig(
        vip_address="10.0.0.100",
        static_routes=True,
        nodes=[{"name": "w1", "address": "10.0.0.21", "pod_cidr": "0.0.0.0/0"}],
    )
    ((node, index, prefix, hop),) = edge.route_plans()
    body = model.static_route_body("c1", node, index, prefix, hop, edge)
    assert ALLOW_DEFAULT_ROUTE not in body
    result = AviStaticRouteProvider().check({}, body)
    assert [f.property for f in result.failures] == ["prefix"]


# ----- names -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad, code",
    [
        ("web\x00pool", "U+0000"),
        ("web\x1bpool", "U+001B"),
        ("web\u202epool", "U+202E"),
        ("web\u2066pool\u2069", "U+2066"),
        ("web\u200bpool", "U+200B"),
        ("web\ufeffpool", "U+FEFF"),
        ("web\u2028pool", "U+2028"),
        ("web#pool", "U+0023"),
        ("a/b", "U+002F"),
    ],
)
def test_names_outside_avis_character_set_are_refused(bad, code):
    reason = failures("pool", {"name": bad})["name"]
    assert code in reason and "use letters, digits" in reason
    assert bad not in reason


def test_names_over_255_characters_are_refused():
    assert "name" not in failures("pool", {"name": "n" * 255})
    reason = failures("pool", {"name": "n" * 256})["name"]
    assert "256 characters long; at most 255" in reason


def test_route_ids_vrfs_and_clouds_are_names_too():
    found = route_failures(route_id="r\u202e1", vrf="g" * 300)
    assert "U+202E" in found["route_id"]
    assert "at most 255" in found["vrf"]


# ----- strings ---------------------------------------------------------------------------


def test_strings_over_64_kib_are_refused_naming_the_field_and_bound():
    found = failures("pool", {"name": "p", "description": "d" * (validation.MAX_STRING + 1)})
    assert found == {
        "description": f"is {validation.MAX_STRING + 1} characters long; "
        f"a string may have at most {validation.MAX_STRING}"
    }


def test_pem_fields_have_a_larger_bound():
    padded = CERT + "\n" * (validation.MAX_STRING * 2)  # big but within the PEM bound: parses
    assert failures("pkiprofile", {"name": "p", "ca_certs": [{"certificate": padded}]}) == {}
    huge = "A" * (validation.MAX_PEM + 1)
    found = failures("sslkeyandcertificate", certificate(key=huge))
    assert found == {
        "key": f"is {validation.MAX_PEM + 1} characters long; a PEM field may have at most {validation.MAX_PEM}"
    }


def test_five_megabytes_are_refused_quickly_and_nested_strings_are_bounded_too():
    started = time.monotonic()
    body = {
        "name": "h",
        "http_request_policy": {
            "rules": [
                {"name": "r", "index": 1, "redirect_action": {"protocol": "HTTPS", "host": {"type": "x" * 5_000_000}}}
            ]
        },
    }
    found = failures("httppolicyset", body)
    assert "http_request_policy.rules[0].redirect_action.host.type" in found
    assert time.monotonic() - started < 10


def test_control_and_bidi_characters_are_refused_in_any_string():
    found = failures(
        "virtualservice",
        {"name": "v", "vh_domain_name": ["a\u202eb.example"], "description": "tab\tand\nnewline are fine"},
    )
    assert list(found) == ["vh_domain_name[0]"] and "U+202E" in found["vh_domain_name[0]"]


def test_deep_nesting_is_refused():
    deep: dict = {}
    cursor = deep
    for _ in range(90):  # protobuf refuses to decode a Struct nested 100 deep, so gRPC stops there
        cursor["x"] = {}
        cursor = cursor["x"]
    found = failures("pool", {"name": "p", "description": deep})
    assert any("nested deeper than" in reason for reason in found.values())


def test_a_field_name_of_megabytes_is_refused_without_showing_it():
    found = failures("pool", {"name": "p", "servers": [{"x" * 1_000_000: 1}]})
    assert found == {
        "servers[0].<field name of 1000000 characters>": (
            f"no Avi field has a name longer than {validation.MAX_FIELD_NAME} characters"
        )
    }


# ----- port ranges -----------------------------------------------------------------------


def test_port_range_end_below_port_is_refused():
    found = failures(
        "virtualservice", {"name": "v", "services": [{"port": 443}, {"port": 8000, "port_range_end": 7999}]}
    )
    assert found == {"services[1].port_range_end": "must be at least port (8000), or 0 for a single port; got 7999"}


@pytest.mark.parametrize("end", [0, 8000, 8100])
def test_port_range_end_zero_equal_or_above_port_passes(end):
    assert failures("virtualservice", {"name": "v", "services": [{"port": 8000, "port_range_end": end}]}) == {}


# ----- the emulator refuses what the controller refuses ----------------------------------


def test_emulator_answers_unparsable_pems_with_an_import_error(raw):
    cert = raw(
        "POST",
        "/api/sslkeyandcertificate",
        {"name": "bad-cert", "certificate": {"certificate": BROKEN_CERT}, "key": KEY},
    )
    assert cert.status_code == 500 and "Import error" in cert.json()["error"]
    key = raw(
        "POST",
        "/api/sslkeyandcertificate",
        {"name": "bad-key", "certificate": {"certificate": CERT}, "key": BROKEN_KEY},
    )
    assert key.status_code == 500 and "Import error" in key.json()["error"]
    pki = raw("POST", "/api/pkiprofile", {"name": "bad-pki", "ca_certs": [{"certificate": BROKEN_CERT}]})
    assert pki.status_code == 500 and "Import error" in pki.json()["error"]


def test_emulator_refuses_a_mixed_family_route_and_keeps_default_routes(raw):
    vrf = raw("GET", "/api/vrfcontext", params={"name": "global"}).json()["results"][0]
    mixed = {
        "route_id": "m",
        "prefix": {"ip_addr": {"addr": "10.244.0.0", "type": "V4"}, "mask": 16},
        "next_hop": {"addr": "fd00::1", "type": "V6"},
    }
    refused = raw("PUT", f"/api/vrfcontext/{vrf['uuid']}", {**vrf, "static_routes": [mixed]})
    assert refused.status_code == 400 and "one address family" in refused.json()["error"]
    default = {
        "route_id": "d",
        "prefix": {"ip_addr": {"addr": "0.0.0.0", "type": "V4"}, "mask": 0},
        "next_hop": {"addr": "10.0.0.1", "type": "V4"},
    }
    kept = raw("PUT", f"/api/vrfcontext/{vrf['uuid']}", {**vrf, "static_routes": [default]})
    assert kept.status_code == 200, kept.text
