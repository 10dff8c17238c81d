"""`pulumi import` for every kind: an object created out of band (by another client, with the
controller filling its defaults) is read by uuid into the program's shape, and the program's
declaration of the same object diffs clean against it."""

from __future__ import annotations

import pytest

from providers.avi.kinds import KINDS
from tests.support.avi_programs import declarations

ORDER = list(declarations("x"))


def test_every_kind_has_a_declaration():
    assert sorted(ORDER) == sorted(KINDS)


def test_import_after_out_of_band_create_diffs_clean(provider_for, raw):
    bodies = declarations("oob")
    for kind in ORDER:
        made = raw("POST", f"/api/{kind}", bodies[kind])
        assert made.status_code == 201, (kind, made.text)
        uuid = made.json()["uuid"]
        provider = provider_for(kind)

        imported = provider.read(uuid, {})  # what `pulumi import` asks for
        assert imported.id == uuid, kind
        assert imported.inputs["name"] == bodies[kind]["name"], kind
        assert "key" not in imported.inputs and "uuid" not in imported.inputs, kind

        program = provider.check({}, bodies[kind])
        assert program.failures == [], (kind, program.failures)
        diff = provider.diff(uuid, imported.outs, program.inputs)
        assert diff.changes is False, (kind, imported.inputs)

        # and the imported inputs are the program's own shape: importing then declaring them
        # verbatim is also clean
        again = provider.check({}, imported.inputs)
        assert again.failures == [], (kind, again.failures)
        assert provider.diff(uuid, imported.outs, again.inputs).changes is False, kind


@pytest.mark.parametrize(
    "kind, change",
    [
        ("pool", {"default_server_port": 30081}),
        ("healthmonitor", {"monitor_port": 31022}),
        ("virtualservice", {"services": [{"port": 80}]}),
        ("pkiprofile", {"crl_check": True}),
    ],
)
def test_import_still_sees_real_differences(provider_for, raw, kind, change):
    bodies = declarations(f"real-{kind}")
    for dependency in ORDER[: ORDER.index(kind)]:
        assert raw("POST", f"/api/{dependency}", bodies[dependency]).status_code == 201
    uuid = raw("POST", f"/api/{kind}", bodies[kind]).json()["uuid"]
    provider = provider_for(kind)
    imported = provider.read(uuid, {})
    program = provider.check({}, {**bodies[kind], **change}).inputs
    assert provider.diff(uuid, imported.outs, program).changes is True


def test_imported_certificate_with_another_key_is_a_change(provider_for, raw):
    from tests.support.avi_support import self_signed

    bodies = declarations("keyed")
    uuid = raw("POST", "/api/sslkeyandcertificate", bodies["sslkeyandcertificate"]).json()["uuid"]
    provider = provider_for("sslkeyandcertificate")
    imported = provider.read(uuid, {})
    _, other_key, _, _ = self_signed("other")
    program = provider.check({}, {**bodies["sslkeyandcertificate"], "key": other_key}).inputs
    assert provider.diff(uuid, imported.outs, program).changes is True
