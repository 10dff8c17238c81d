"""Preflight (providers/avi/preflight.py, first_contact.py) against the emulator: a controller
missing each prerequisite in turn, then all present; every problem at once; the provider's
first create/update runs it once and fails with the whole list."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.edges.avi.config import AviEdgeConfig
from providers.avi import first_contact, preflight
from providers.avi.client import AviSession
from providers.avi.first_contact import FIRST_CONTACT, PULUMI_WRITES, PreflightFailed
from providers.avi.provider import AviObjectProvider, AviStaticRouteProvider
from providers.avi.settings import ControllerSettings
from tests.support.avi_support import PASSWORD, USER, RawClient, configured

WRITES = (*PULUMI_WRITES, "vrfcontext")
ALL_PRESENT = preflight.Needs(
    tenant="admin",
    user=USER,
    cloud="Default-Cloud",
    se_group="Default-Group",
    vrf="global",
    vip_network="vip-net-dev",
    vip_subnet="10.10.10.0/24",
    vip_names=("dev--Shared-L7-0",),
    writes=WRITES,
)
LIMITED_PASSWORD = "limited-pass-123"


@pytest.fixture(autouse=True)
def _fresh_reports():
    FIRST_CONTACT.forget()
    yield
    FIRST_CONTACT.forget()


def session_for(url: str, username: str = USER, password: str = PASSWORD) -> AviSession:
    return AviSession(ControllerSettings(controller=url, username=username, password=password), attempts=2)


def check(url: str, needs: preflight.Needs = ALL_PRESENT, **changes: Any) -> preflight.Report:
    needs = preflight.Needs(**{**needs.__dict__, **changes})
    return preflight.run(session_for(url), needs)


def lines(report: preflight.Report) -> str:
    return "\n".join(p.line() for p in report.problems)


def v4(addr: str) -> dict[str, str]:
    return {"addr": addr, "type": "V4"}


def add_network(
    raw: RawClient,
    name: str,
    prefix: str,
    mask: int,
    ranges: list[tuple[str, str]],
    usable: bool = True,
    range_type: str = "STATIC_IPS_FOR_VIP",
) -> dict[str, Any]:
    made = raw(
        "POST",
        "/api/network",
        {
            "name": name,
            "configured_subnets": [
                {
                    "prefix": {"ip_addr": v4(prefix), "mask": mask},
                    "static_ip_ranges": [
                        {"type": range_type, "range": {"begin": v4(b), "end": v4(e)}} for b, e in ranges
                    ],
                }
            ],
        },
    )
    assert made.status_code == 201, made.text
    if usable:
        cloud = raw("GET", "/api/cloud", params={"name": "Default-Cloud"}).json()["results"][0]
        profile = raw("GET", f"/api/ipamdnsproviderprofile/{cloud['ipam_provider_ref'].rsplit('/', 1)[-1]}").json()
        profile["internal_profile"]["usable_networks"].append({"nw_ref": f"/api/network/{made.json()['uuid']}"})
        assert raw("PUT", f"/api/ipamdnsproviderprofile/{profile['uuid']}", profile).status_code == 200
    return made.json()


def add_limited_user(raw: RawClient, name: str, read_only: tuple[str, ...]) -> None:
    """A user whose role writes every kind but ``read_only`` and may read users and roles."""
    resources = {
        preflight.permission(k)
        for k in (*WRITES, "cloud", "serviceenginegroup", "network", "ipamdnsproviderprofile", "tenant")
    }
    privileges = [
        {
            "resource": r,
            "type": "READ_ACCESS"
            if r in {preflight.permission(k) for k in read_only} or r in {"PERMISSION_CLOUD", "PERMISSION_NETWORK"}
            else "WRITE_ACCESS",
        }
        for r in sorted(resources)
    ]
    privileges += [
        {"resource": "PERMISSION_USER", "type": "READ_ACCESS"},
        {"resource": "PERMISSION_ROLE", "type": "READ_ACCESS"},
    ]
    role = raw("POST", "/api/role", {"name": f"{name}-role", "privileges": privileges})
    assert role.status_code == 201, role.text
    user = raw(
        "POST",
        "/api/user",
        {
            "name": name,
            "username": name,
            "password": LIMITED_PASSWORD,
            "access": [
                {"role_ref": f"/api/role/{role.json()['uuid']}", "tenant_ref": "/api/tenant/admin", "all_tenants": True}
            ],
        },
    )
    assert user.status_code == 201, user.text


# ----- each prerequisite in turn -------------------------------------------------------------


def test_all_present(emulator):
    report = check(emulator.url)
    assert report.problems == [] and report.unchecked == []
    assert report.checks > 5


def test_no_tenant(emulator):
    report = check(emulator.url, tenant="ghost")
    assert [p.what for p in report.problems] == ["tenant 'ghost' does not exist on the controller"]
    assert "avi.tenant" in report.problems[0].fix


def test_no_cloud(emulator):
    report = check(emulator.url, cloud="Lab-Cloud")
    assert len(report.problems) == 1
    assert "cloud 'Lab-Cloud' does not exist (clouds: Default-Cloud)" in lines(report)
    assert "edge.avi.cloud" in report.problems[0].fix
    assert {u.what.split(" '")[0] for u in report.unchecked} == {"SE group", "VRF", "VIP network"}


def test_no_se_group(emulator):
    report = check(emulator.url, se_group="Edge-Group")
    assert len(report.problems) == 1
    assert "SE group 'Edge-Group' does not exist in cloud 'Default-Cloud' (SE groups there: Default-Group)" in lines(
        report
    )
    assert "edge.avi.serviceEngineGroup" in report.problems[0].fix


def test_no_vrf(emulator):
    report = check(emulator.url, vrf="edge-vrf")
    assert len(report.problems) == 1
    assert "VRF 'edge-vrf' does not exist in cloud 'Default-Cloud' (VRFs there: global, management)" in lines(report)


def test_no_vip_network(emulator):
    report = check(emulator.url, vip_network="vip-net-lab")
    assert len(report.problems) == 1
    assert "VIP network 'vip-net-lab' does not exist in cloud 'Default-Cloud' (networks: vip-net-dev)" in lines(report)


def test_cloud_without_ipam_profile(emulator, raw):
    cloud = raw("GET", "/api/cloud", params={"name": "Default-Cloud"}).json()["results"][0]
    cloud.pop("ipam_provider_ref")
    assert raw("PUT", f"/api/cloud/{cloud['uuid']}", cloud).status_code == 200
    report = check(emulator.url)
    assert len(report.problems) == 1
    assert "cloud 'Default-Cloud' has no IPAM profile" in lines(report)
    assert "ipam_provider_ref" in report.problems[0].fix


def test_network_not_in_ipam_profile(emulator, raw):
    add_network(raw, "vip-net-2", "10.20.0.0", 24, [("10.20.0.10", "10.20.0.20")], usable=False)
    report = check(emulator.url, vip_network="vip-net-2", vip_subnet="10.20.0.0/24")
    assert len(report.problems) == 1
    assert "VIP network 'vip-net-2' is not a usable network of IPAM profile 'dev-ipam'" in lines(report)
    assert "usable_networks" in report.problems[0].fix


def test_no_static_range(emulator, raw):
    add_network(raw, "vip-net-2", "10.20.0.0", 24, [])
    report = check(emulator.url, vip_network="vip-net-2", vip_subnet="10.20.0.0/24")
    assert [p.what for p in report.problems] == [
        "VIP network 'vip-net-2' has no static range for VIPs in subnet 10.20.0.0/24"
    ]


def test_range_for_service_engines_only_is_no_vip_range(emulator, raw):
    add_network(raw, "vip-net-2", "10.20.0.0", 24, [("10.20.0.10", "10.20.0.20")], range_type="STATIC_IPS_FOR_SE")
    report = check(emulator.url, vip_network="vip-net-2", vip_subnet="10.20.0.0/24")
    assert "has no static range for VIPs" in lines(report)


def test_subnet_not_in_network(emulator):
    report = check(emulator.url, vip_subnet="10.99.0.0/24")
    assert [p.what for p in report.problems] == ["VIP network 'vip-net-dev' has no configured subnet 10.99.0.0/24"]


def test_range_exhausted(emulator, raw):
    add_network(raw, "vip-net-2", "10.20.0.0", 24, [("10.20.0.10", "10.20.0.10")])
    taken = raw(
        "POST", "/api/vsvip", {"name": "someone-elses-vip", "vip": [{"vip_id": "0", "ip_address": v4("10.20.0.10")}]}
    )
    assert taken.status_code == 201, taken.text
    report = check(emulator.url, vip_network="vip-net-2", vip_subnet="10.20.0.0/24")
    assert len(report.problems) == 1
    problem = report.problems[0]
    assert "has 0 free VIP addresses in its static ranges and the stack needs 1 more" in problem.what
    assert problem.create_of == "vsvip"
    # only creating a VsVip needs an address
    assert report.blocking("pool", creating=True) == [] and report.blocking("vsvip", creating=False) == []
    assert report.blocking("vsvip", creating=True) == [problem]


def test_range_full_of_the_stacks_own_vips_needs_nothing_more(emulator, raw):
    add_network(raw, "vip-net-2", "10.20.0.0", 24, [("10.20.0.10", "10.20.0.10")])
    assert (
        raw(
            "POST", "/api/vsvip", {"name": "dev--Shared-L7-0", "vip": [{"vip_id": "0", "ip_address": v4("10.20.0.10")}]}
        ).status_code
        == 201
    )
    assert check(emulator.url, vip_network="vip-net-2", vip_subnet="10.20.0.0/24").problems == []
    # a second shard would need an address the range no longer has
    report = check(
        emulator.url,
        vip_network="vip-net-2",
        vip_subnet="10.20.0.0/24",
        vip_names=("dev--Shared-L7-0", "dev--Shared-L7-1"),
    )
    assert "needs 1 more" in lines(report)


def test_fixed_addresses_need_no_ipam(emulator, raw):
    cloud = raw("GET", "/api/cloud", params={"name": "Default-Cloud"}).json()["results"][0]
    cloud.pop("ipam_provider_ref")
    assert raw("PUT", f"/api/cloud/{cloud['uuid']}", cloud).status_code == 200
    assert check(emulator.url, vip_network=None, vip_subnet=None).problems == []


@pytest.mark.parametrize("kind", ["vrfcontext", "pool", "pkiprofile"])
def test_role_without_write_on_a_kind(emulator, raw, kind):
    add_limited_user(raw, "automation", read_only=(kind,))
    report = check(emulator.url, user="automation")  # read as the admin, checking automation's role
    assert len(report.problems) == 1, lines(report)
    text = lines(report)
    assert f"user 'automation' may not write {kind} in tenant 'admin'" in text
    assert f"grants {preflight.permission(kind)} READ_ACCESS" in text
    assert f"WRITE_ACCESS on {preflight.permission(kind)}" in report.problems[0].fix
    # the user itself reads its role and finds the same
    own = preflight.run(
        session_for(emulator.url, "automation", LIMITED_PASSWORD),
        preflight.Needs(**{**ALL_PRESENT.__dict__, "user": "automation"}),
    )
    assert lines(own) == text


def test_static_routes_are_checked_in_the_vrfs_owner_tenant(emulator, raw):
    assert raw("POST", "/api/tenant", {"name": "team-a"}).status_code == 201
    add_limited_user(raw, "automation", read_only=())
    role_ref = raw("GET", "/api/role", params={"name": "Application-Admin"}).json()["results"][0]["url"]
    team = raw("GET", "/api/tenant", params={"name": "team-a"}).json()["results"][0]
    user = raw("GET", "/api/user", params={"name": "automation"}).json()["results"][0]
    # writes everything in team-a, but is only an Application-Admin in admin, which owns the VRF
    user["access"] = [
        {"role_ref": user["access"][0]["role_ref"], "tenant_ref": f"/api/tenant/{team['uuid']}"},
        {"role_ref": role_ref, "tenant_ref": "/api/tenant/admin"},
    ]
    assert raw("PUT", f"/api/user/{user['uuid']}", user).status_code == 200
    report = check(emulator.url, tenant="team-a", user="automation")
    assert [p.what.split(":")[0] for p in report.problems] == [
        "user 'automation' may not write vrfcontext in tenant 'admin'"
    ]
    assert "in its owner tenant 'admin'" in lines(report)


def test_a_role_the_user_cannot_read_is_not_guessed(make_emulator):
    emu = make_emulator(users=(("app-admin", "app-pass-123", "Application-Admin"),))
    report = preflight.run(
        session_for(emu.url, "app-admin", "app-pass-123"),
        preflight.Needs(**{**ALL_PRESENT.__dict__, "user": "app-admin"}),
    )
    assert report.problems == []
    assert len(report.unchecked) == 1
    assert "whether user 'app-admin' may write" in report.unchecked[0].what
    assert "AVI_USERNAME" in report.unchecked[0].fix


def test_every_problem_at_once(emulator, raw):
    add_network(raw, "vip-net-2", "10.20.0.0", 24, [("10.20.0.10", "10.20.0.20")], usable=False)
    add_limited_user(raw, "automation", read_only=("vrfcontext", "serviceenginegroup"))
    report = check(
        emulator.url,
        user="automation",
        se_group="Edge-Group",
        vrf="edge-vrf",
        vip_network="vip-net-2",
        vip_subnet="10.20.0.0/24",
        writes=(*WRITES, "serviceenginegroup"),
    )
    text = lines(report)
    assert "SE group 'Edge-Group' does not exist" in text
    assert "VRF 'edge-vrf' does not exist" in text
    assert "is not a usable network of IPAM profile" in text
    assert "may not write serviceenginegroup" in text
    assert "may not write vrfcontext in tenant 'admin'" in text  # a missing VRF's owner: judged in admin
    assert len(report.problems) == 5, text
    assert all(". Fix: " in p.line() for p in report.problems)


def test_preflight_only_reads(emulator, raw):
    before = raw("GET", "/api/_emulator/faults").json()
    check(emulator.url, tenant="ghost", cloud="x")
    check(emulator.url)
    # nothing changed: every object keeps its _last_modified
    for kind in ("cloud", "network", "ipamdnsproviderprofile", "vrfcontext", "user", "role"):
        listed = raw("GET", f"/api/{kind}", params={"page_size": "200"}).json()["results"]
        assert all(
            o.get("_last_modified") == again.get("_last_modified")
            for o, again in zip(
                listed, raw("GET", f"/api/{kind}", params={"page_size": "200"}).json()["results"], strict=False
            )
        )
    assert before == raw("GET", "/api/_emulator/faults").json()


def test_network_runtime_is_read_only(emulator, raw):
    network = raw("GET", "/api/network", params={"name": "vip-net-dev"}).json()["results"][0]
    runtime = raw("GET", f"/api/networkruntime/{network['uuid']}").json()
    ranges = runtime["subnet_runtime"][0]["ip_range_runtimes"]
    assert ranges[0]["total_ip_count"] == 100 and ranges[0]["free_ip_count"] == 100
    assert raw("PUT", f"/api/networkruntime/{network['uuid']}", runtime).status_code == 405
    assert (
        raw(
            "POST",
            "/api/vsvip",
            {
                "name": "v",
                "vip": [
                    {
                        "vip_id": "0",
                        "auto_allocate_ip": True,
                        "ipam_network_subnet": {"network_ref": f"/api/network/{network['uuid']}"},
                    }
                ],
            },
        ).status_code
        == 201
    )
    again = raw("GET", f"/api/networkruntime/{network['uuid']}").json()["subnet_runtime"][0]["ip_range_runtimes"][0]
    assert again["free_ip_count"] == 99 and again["allocated_ips"][0]["ip"]["addr"] == "10.10.10.100"


# ----- the provider's first contact ----------------------------------------------------------


def edge_config(url: str, **avi: Any) -> dict[str, Any]:
    edge = {
        "cloud": "Default-Cloud",
        "vrf": "global",
        "serviceEngineGroup": "Default-Group",
        "vipNetwork": "10.10.10.0/24",
        "vipNetworkName": "vip-net-dev",
        "nodes": [{"name": "n1", "address": "10.60.0.11", "podCidr": "10.244.0.0/24"}],
        "staticRoutes": True,
        **avi,
    }
    return {"mesh-platform:edge": json.dumps({"kind": "avi", "avi": edge})}


def provider(kind: str, url: str, **avi: Any) -> AviObjectProvider:
    from pulumi.dynamic import Config, ConfigureRequest

    from tests.support.avi_support import stack_config

    made = AviObjectProvider(kind)
    made.configure(ConfigureRequest(Config({**stack_config(url), **edge_config(url, **avi)}, "mesh-platform")))
    return made


MONITOR = {"name": "pf-monitor", "type": "HEALTH_MONITOR_TCP"}


def test_the_provider_fails_its_first_create_with_the_whole_list(emulator, raw):
    monitors = provider("healthmonitor", emulator.url, serviceEngineGroup="Edge-Group", vrf="edge-vrf")
    with pytest.raises(PreflightFailed) as failed:
        monitors.create(dict(MONITOR))
    text = str(failed.value)
    assert "2 problems; nothing was written for this healthmonitor" in text
    assert "SE group 'Edge-Group'" in text and "VRF 'edge-vrf'" in text and PASSWORD not in text
    assert raw("GET", "/api/healthmonitor", params={"name": "pf-monitor"}).json()["count"] == 0


def test_the_provider_runs_preflight_once_per_process(emulator, raw):
    monitors = provider("healthmonitor", emulator.url)
    session = monitors._session()
    monitors.create(dict(MONITOR))
    sent = session.requests_sent
    made = monitors.create({**MONITOR, "name": "pf-monitor-2"})
    assert session.requests_sent - sent <= 3  # the write and its own reads, no preflight again
    monitors.update(made.id, made.outs, {**made.outs, "failed_checks": 3})
    # a preflight that failed is kept too: later operations fail without asking again
    FIRST_CONTACT.forget()
    broken = provider("healthmonitor", emulator.url, vrf="edge-vrf")
    for _ in range(2):
        with pytest.raises(PreflightFailed):
            broken.create({**MONITOR, "name": "pf-monitor-3"})
        sent = session.requests_sent
    with pytest.raises(PreflightFailed):
        broken.create({**MONITOR, "name": "pf-monitor-3"})
    assert session.requests_sent == sent


def test_read_and_delete_need_no_preflight(emulator, raw):
    made = provider("healthmonitor", emulator.url).create(dict(MONITOR))
    FIRST_CONTACT.forget()
    broken = provider("healthmonitor", emulator.url, cloud="Lab-Cloud")
    assert broken.read(made.id, made.outs).id == made.id
    broken.delete(made.id, made.outs)
    assert raw("GET", "/api/healthmonitor", params={"name": "pf-monitor"}).json()["count"] == 0


def test_an_exhausted_range_blocks_only_vsvip_creates(emulator, raw):
    add_network(raw, "vip-net-2", "10.20.0.0", 24, [("10.20.0.10", "10.20.0.10")])
    assert (
        raw(
            "POST", "/api/vsvip", {"name": "taken", "vip": [{"vip_id": "0", "ip_address": v4("10.20.0.10")}]}
        ).status_code
        == 201
    )
    settings = dict(vipNetwork="10.20.0.0/24", vipNetworkName="vip-net-2")
    provider("healthmonitor", emulator.url, **settings).create(dict(MONITOR))
    with pytest.raises(PreflightFailed, match="0 free VIP addresses"):
        provider("vsvip", emulator.url, **settings).create(
            {
                "name": "pf-vip",
                "vip": [
                    {
                        "vip_id": "0",
                        "auto_allocate_ip": True,
                        "ipam_network_subnet": {"network_ref": "/api/network?name=vip-net-2"},
                    }
                ],
            }
        )


def test_static_routes_preflight_as_vrfcontext(emulator, raw):
    add_limited_user(raw, "automation", read_only=("vrfcontext",))
    from pulumi.dynamic import Config, ConfigureRequest

    from tests.support.avi_support import stack_config

    config = {**stack_config(emulator.url), **edge_config(emulator.url)}
    config["mesh-platform:avi"] = json.dumps({**json.loads(config["mesh-platform:avi"]), "username": "automation"})
    config["mesh-platform:aviPassword"] = LIMITED_PASSWORD
    routes = AviStaticRouteProvider()
    routes.configure(ConfigureRequest(Config(config, "mesh-platform")))
    with pytest.raises(PreflightFailed, match="may not write vrfcontext"):
        routes.create(
            {
                "cloud": "Default-Cloud",
                "vrf": "global",
                "route_id": "pf-1",
                "prefix": {"ip_addr": v4("10.244.0.0"), "mask": 24},
                "next_hop": v4("10.60.0.11"),
            }
        )


def test_switched_off_explicitly(emulator, raw, monkeypatch):
    monkeypatch.setenv(first_contact.SWITCH, "off")
    provider("healthmonitor", emulator.url, vrf="edge-vrf").create(dict(MONITOR))
    assert raw("GET", "/api/healthmonitor", params={"name": "pf-monitor"}).json()["count"] == 1


def test_without_an_edge_section_the_tenant_and_the_kind_are_checked(emulator):
    monitors = configured(AviObjectProvider("healthmonitor"), emulator.url, tenant="ghost")
    with pytest.raises(PreflightFailed, match="tenant 'ghost' does not exist"):
        monitors.create(dict(MONITOR))


def test_edge_defaults_are_the_models():
    fields = AviEdgeConfig.model_fields
    for key, value in first_contact.EDGE_DEFAULTS.items():
        name = next(n for n, f in fields.items() if (f.alias or n) == key or n == key)
        assert fields[name].default == value, key
