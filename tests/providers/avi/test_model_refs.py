"""References between Avi objects, read one way by the provider, AKO's cleanup and the emulator."""

from __future__ import annotations

from providers.avi import compare, shapes
from providers.avi.ako_cleanup import sweep
from providers.avi.kinds import KINDS
from providers.avi.model import refs
from providers.avi.resources import object_kinds_by_type
from tools import mockrun
from tools.avi_emulator import refs as emulator_refs

BODY = {
    "name": "vs",
    "pool_ref": "https://avi.example.com/api/pool/pool-1#web",
    "vsvip_ref": "/api/vsvip/vsvip-1",
    "services": [{"port": 443}],
    "http_policies": [{"index": 11, "http_policy_set_ref": "/api/httppolicyset/hps-1"}],
    "ca_certs": [{"certificate": "-----BEGIN CERTIFICATE-----"}],
    "pki_profile_refs": ["/api/pkiprofile/pki-1", None, "/api/pkiprofile/pki-2"],
    "description": "mentions /api/pool/not-a-ref",
    "sni_hostname_ref": 7,
}


def test_references_are_found_at_any_depth_and_nowhere_else():
    assert list(refs.iter_refs(BODY)) == [
        "https://avi.example.com/api/pool/pool-1#web",
        "/api/vsvip/vsvip-1",
        "/api/httppolicyset/hps-1",
        "/api/pkiprofile/pki-1",
        "/api/pkiprofile/pki-2",
    ]
    assert list(refs.iter_refs([BODY, {"x": [BODY]}])) == list(refs.iter_refs(BODY)) * 2


def test_reference_fields_are_named_by_their_suffix():
    assert refs.is_ref_key("pool_ref") and refs.is_ref_key("pki_profile_refs")
    assert not refs.is_ref_key("refresh") and not refs.is_ref_key("ref_count")


def test_cleanup_and_emulator_read_references_the_one_way():
    assert emulator_refs.iter_refs is refs.iter_refs
    owned = sweep.Owned("virtualservice", {"uuid": "vs-1", **BODY})
    assert owned.refers_to() == {
        ("pool", "pool-1"),
        ("vsvip", "vsvip-1"),
        ("httppolicyset", "hps-1"),
        ("pkiprofile", "pki-1"),
        ("pkiprofile", "pki-2"),
    }


def test_diff_treats_reference_fields_as_references():
    # Same object spelled as a URL with a name and as a bare path: no change, for diff and drift alike.
    assert shapes.equivalent("/api/pool/pool-1", "https://avi.example.com/api/pool/pool-1#web", "pool_ref")
    assert compare.same(None, None, "pool_ref", "/api/pool/pool-1", "https://avi.example.com/api/pool/pool-1#web")
    assert not shapes.equivalent("/api/pool/pool-1", "https://avi.example.com/api/pool/pool-1#web", "name")


def test_mocks_answer_for_every_object_kind_the_provider_has():
    kinds = object_kinds_by_type()
    assert set(kinds.values()) == set(KINDS)
    assert {f"pulumi-python:{t}" for t in kinds} <= set(mockrun.COMPUTED_OUTPUTS)
    pool = mockrun.COMPUTED_OUTPUTS["pulumi-python:dynamic/avi:Pool"]("web", {})
    assert pool == {"uuid": "pool-web", "url": "https://avi.mock/api/pool/pool-web"}
