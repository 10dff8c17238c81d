"""A VsVip's address or vip_id cannot change in place on a real controller ("If a new preferred
IP is needed, please recreate the VIP", "Changing an existing VIP's vip_id is not supported",
AKO internal/lib/constants.go:129-130), and the emulator refuses it the same way. The provider
still plans such a change as an update, so the change fails on `up`: finding for issue 18
("VIP changes complete"), marked xfail until the provider replaces the VsVip instead."""

from __future__ import annotations

import pytest


def _vip(addr: str, vip_id: str = "0") -> dict:
    return {"name": "moving-vip", "vip": [{"vip_id": vip_id, "ip_address": {"addr": addr, "type": "V4"}}]}


def _checked(provider, news: dict, olds: dict | None = None) -> dict:
    result = provider.check(olds or {}, news)
    assert not result.failures, result.failures
    return result.inputs


@pytest.mark.parametrize("changed", [_vip("10.3.0.101"), _vip("10.3.0.100", vip_id="1")],
                         ids=["address", "vip_id"])
@pytest.mark.xfail(strict=True, reason="issue 18 finding: the provider diffs a VsVip's address / vip_id "
                                       "change as an in-place update, which the controller refuses with 400")
def test_a_vip_address_or_id_change_replaces_the_vsvip(provider_for, raw, changed):
    provider = provider_for("vsvip")
    created = provider.create(_checked(provider, _vip("10.3.0.100")))
    news = _checked(provider, changed, created.outs)
    diff = provider.diff(created.id, created.outs, news)
    assert diff.changes and "vip" in (diff.replaces or []), diff.replaces
    in_place = raw("PUT", f"/api/vsvip/{created.id}", changed)
    assert in_place.status_code == 400  # what an update would meet
