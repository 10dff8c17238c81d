"""The AKO sweep checks ownership on what the controller returned, not on the list filter it asked for."""

from __future__ import annotations

import pytest

from providers.avi.ako_cleanup.provider import MAX_NAMED, AkoCleanupProvider, not_ours_message
from providers.avi.ako_cleanup.sweep import is_owned
from tests.support.ako_objects import create_ako_objects
from tests.support.avi_support import RawClient, configured
from tests.support.fake_kube import record_pulumi_log
from tools.avi_emulator import __main__ as emulator_cli
from tools.avi_emulator.api import LIST_FILTERS

CLUSTER = "onprem-ako"
FOREIGN_CLUSTERS = {
    "other-cluster": "other.example.com",
    "onprem": "twin.example.com",  # a prefix of ours: `onprem--...`
    f"{CLUSTER}-": "dash.example.com",
}  # ours plus "-": its VsVips are `onprem-ako---...`
KINDS = (
    "virtualservice",
    "vsvip",
    "pool",
    "poolgroup",
    "httppolicyset",
    "vsdatascriptset",
    "l4policyset",
    "sslkeyandcertificate",
    "pkiprofile",
)
TENANTS = ("admin", "team-a")


def everything(url: str) -> set[tuple[str, str, str]]:
    """(tenant, kind, name) of every object of the swept kinds, in every tenant."""
    raw = RawClient(url)
    found = set()
    for kind in KINDS:
        page = raw("GET", f"/api/{kind}", params={"page_size": 200, "include_name": "true"}, **{"X-Avi-Tenant": "*"})
        assert page.status_code == 200 and "next" not in page.json(), kind
        found |= {(o["tenant_ref"].split("#", 1)[1], kind, o["name"]) for o in page.json()["results"]}
    return found


def populate(url: str) -> set[tuple[str, str, str]]:
    """Ours, three other clusters', and people's objects in two tenants; returns ours."""
    RawClient(url)("POST", "/api/tenant", {"name": "team-a"})
    ours = set()
    for tenant in TENANTS:
        raw = RawClient(url, tenant=tenant)
        ours |= {(tenant, *made.split("/", 1)) for made in create_ako_objects(raw, CLUSTER)}
        for cluster, host in FOREIGN_CLUSTERS.items():
            create_ako_objects(raw, cluster, host=host)
        pool = raw(
            "POST",
            "/api/pool",
            {
                "name": "payments-pool",
                "created_by": "admin",
                "servers": [{"ip": {"addr": "10.9.0.5", "type": "V4"}, "port": 443}],
            },
        ).json()
        raw(
            "POST",
            "/api/pool",
            {
                "name": f"{CLUSTER}--handmade-pool",
                "servers": [  # our prefix, no created_by
                    {"ip": {"addr": "10.9.0.6", "type": "V4"}, "port": 443}
                ],
            },
        )
        raw("POST", "/api/pkiprofile", {"name": "people-pki", "crl_check": False, "created_by": f"ako-{CLUSTER}-x"})
        vip = raw("POST", "/api/vsvip", {"name": "payments-vip", "vip": [{"vip_id": "0", "auto_allocate_ip": True}]})
        raw(
            "POST",
            "/api/vsvip",
            {
                "name": f"{CLUSTER}--imported",
                "markers": [{"key": "clustername", "values": ["other-cluster"]}],
                "vip": [{"vip_id": "0", "auto_allocate_ip": True}],
            },
        )
        raw(
            "POST",
            "/api/virtualservice",
            {
                "name": "payments",
                "pool_ref": pool["url"],
                "created_by": "admin",
                "vsvip_ref": vip.json()["url"],
                "services": [{"port": 443}],
            },
        )
    return ours


@pytest.mark.parametrize("ignored", [(), ("created_by", "name.contains")], ids=["filtering", "ignoring-filters"])
def test_destroy_leaves_every_foreign_object_whatever_the_list_returns(make_emulator, monkeypatch, ignored):
    logged = record_pulumi_log(monkeypatch)
    emulator = make_emulator(ignored_filters=ignored)
    ours = populate(emulator.url)
    before = everything(emulator.url)
    foreign = before - ours
    assert {t for t, _, _ in ours} == set(TENANTS) and len(foreign) > len(ours)
    listed = RawClient(emulator.url)(
        "GET", "/api/pool", params={"created_by": f"ako-{CLUSTER}", "page_size": 200}, **{"X-Avi-Tenant": "*"}
    ).json()["results"]
    assert ("payments-pool" in {o["name"] for o in listed}) == bool(ignored)  # the switch does what it says

    provider = configured(AkoCleanupProvider(), emulator.url)
    provider.delete(
        f"avi-system/{CLUSTER}",
        {"cluster_name": CLUSTER, "namespace": "avi-system", "timeout_seconds": 0, "kubeconfig": None},
    )

    after = everything(emulator.url)
    assert after == foreign  # every foreign object is still there, in every tenant, and none of ours
    warnings = [line for line in logged if line.startswith("warn: ako-cleanup")]
    assert len(logged) == len(warnings)
    if not ignored:
        # the VsVip list is by name only, even on a controller that honours it: names like ours are checked
        assert len(warnings) == 1 and "listed 6 object(s)" in warnings[0]  # 3 per tenant
        assert "vsvip/onprem-ako--imported" in warnings[0] and "vsvip/onprem-ako---Shared-L7-0" in warnings[0]
        return
    assert len(warnings) == 1  # every foreign object came back from the lists, and each was skipped
    assert f"listed {len(foreign)} object(s)" in warnings[0]
    assert warnings[0].endswith(f"and {len(foreign) - MAX_NAMED} more")


def test_ownership_is_exact():
    assert is_owned("pool", {"name": "x", "created_by": f"ako-{CLUSTER}"}, CLUSTER)
    for created_by in (None, "admin", f"ako-{CLUSTER}-avi-system", f"ako-{CLUSTER} ", "ako-onprem", f"AKO-{CLUSTER}"):
        assert not is_owned("pool", {"name": f"{CLUSTER}--p", "created_by": created_by}, CLUSTER), created_by
    marked_other = [{"key": "clustername", "values": ["other-cluster"]}]
    assert not is_owned("pool", {"name": "p", "created_by": f"ako-{CLUSTER}", "markers": marked_other}, CLUSTER)
    assert is_owned("vsvip", {"name": f"{CLUSTER}--Shared-L7-0"}, CLUSTER)
    assert is_owned(
        "vsvip", {"name": f"{CLUSTER}--default-web", "markers": [{"key": "clustername", "values": [CLUSTER]}]}, CLUSTER
    )
    for name in (
        f"{CLUSTER}---default-web",
        f"x-{CLUSTER}--default-web",
        "onprem--Shared-L7-0",
        f"{CLUSTER}-web",
        None,
    ):
        assert not is_owned("vsvip", {"name": name}, CLUSTER), name
    assert not is_owned("vsvip", {"name": f"{CLUSTER}--imported", "markers": marked_other}, CLUSTER)


def test_the_skipped_objects_line_names_objects_only_and_is_bounded():
    skipped = [f"pool/p{i}" for i in range(MAX_NAMED + 5)]
    line = not_ours_message(CLUSTER, skipped)
    assert "\n" not in line and f"listed {MAX_NAMED + 5} object(s)" in line
    assert "pool/p0" in line and f"pool/p{MAX_NAMED - 1}," not in line and f"pool/p{MAX_NAMED}" not in line
    assert line.endswith("and 5 more")


def test_the_emulator_switch_covers_every_list_filter(emulator, capsys):
    assert set(emulator.controller.filters({"uuid": "u", "name": "n"})) == set(LIST_FILTERS)
    assert emulator_cli._parse(
        ["--password", "p", "--ignore-filter", "created_by", "--ignore-filter", "name.contains"]
    ).ignored_filters == ("created_by", "name.contains")
    with pytest.raises(SystemExit) as refused:
        emulator_cli._parse(["--password", "p", "--ignore-filter", "created-by"])
    assert refused.value.code == 2 and "--ignore-filter: invalid choice: 'created-by'" in capsys.readouterr().err
