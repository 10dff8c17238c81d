"""Static routes against the real controller's VRF rules, seen through the fault proxy: the VRF
context is read and written in the tenant that owns it, writes to one VRF go one at a time
within the provider process, and every write is read back (412 or an overwrite: apply again)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from providers.avi.provider import AviStaticRouteProvider
from providers.avi.routes import owner_tenant
from tests.support.avi_support import RawClient, configured
from tests.support.fault_proxy import Fault, FaultProxy

VRF_PUT = r"^/api/vrfcontext/"


@pytest.fixture
def proxy(emulator) -> Iterator[FaultProxy]:
    with FaultProxy(emulator.url) as running:
        yield running


def routes_provider(url: str, **extra) -> AviStaticRouteProvider:
    provider = configured(AviStaticRouteProvider(), url, **extra)
    provider._session().sleep = lambda seconds: None
    return provider


def route(route_id: str, third: int = 1) -> dict:
    return {"vrf": "global", "route_id": route_id, "prefix": f"10.244.{third}.0/24", "next_hop": "10.0.0.21"}


def global_vrf(raw: RawClient) -> dict:
    return raw("GET", "/api/vrfcontext", params={"name": "global"}).json()["results"][0]


@pytest.mark.parametrize(
    "ref, owner",
    [
        ("https://ctl/api/tenant/admin#admin", "admin"),
        ("https://ctl/api/tenant/tenant-1f2e#team%20a", "team a"),
        ("/api/tenant/admin", "admin"),
        ("/api/tenant/tenant-1f2e", "configured"),  # a uuid without its name: cannot tell
        (None, "configured"),
    ],
)
def test_owner_tenant_comes_from_the_tenant_ref(ref, owner):
    assert owner_tenant({"tenant_ref": ref}, "configured") == owner


def test_routes_of_another_tenants_stack_are_written_in_the_vrfs_tenant(emulator, proxy, raw):
    assert raw("POST", "/api/tenant", {"name": "team-a"}).status_code == 201
    provider = routes_provider(proxy.url, tenant="team-a")
    created = provider.create(provider.check({}, route("team-a-pods")).inputs)
    assert [r["route_id"] for r in global_vrf(raw)["static_routes"]] == ["team-a-pods"]
    provider.delete(created.id, created.outs)
    writes = proxy.requests("PUT", VRF_PUT)
    assert len(writes) == 2 and {w.tenant for w in writes} == {"admin"}
    # the VRF was found in the stack's tenant, then read by uuid in its owner's
    assert {r.tenant for r in proxy.requests("GET", r"^/api/vrfcontext$")} == {"team-a"}
    assert {r.tenant for r in proxy.requests("GET", VRF_PUT)} == {"admin"}


def test_writes_to_one_vrf_go_one_at_a_time(proxy, raw):
    provider = routes_provider(proxy.url)
    inputs = [provider.check({}, route(f"pods-{i}", i)).inputs for i in range(12)]
    with ThreadPoolExecutor(max_workers=12) as pool:
        list(pool.map(provider.create, inputs))
    assert sorted(r["route_id"] for r in global_vrf(raw)["static_routes"]) == sorted(f"pods-{i}" for i in range(12))
    # without the lock, concurrent read-modify-writes of one VRF refuse each other with 412
    assert [w.status for w in proxy.requests("PUT", VRF_PUT)] == [200] * 12


def test_a_write_overwritten_by_another_writer_is_applied_again(proxy, raw):
    overwritten: list[int] = []

    def other_writer(method: str, path: str, status: int) -> None:
        # right after the provider's first PUT, a writer without _last_modified replaces the list
        if method == "PUT" and path.startswith("/api/vrfcontext/") and not overwritten:
            overwritten.append(status)
            vrf = global_vrf(raw)
            vrf.pop("_last_modified", None)
            vrf["static_routes"] = [
                {
                    "route_id": "theirs",
                    "next_hop": {"addr": "10.0.0.9", "type": "V4"},
                    "prefix": {"ip_addr": {"addr": "10.99.0.0", "type": "V4"}, "mask": 16},
                }
            ]
            assert raw("PUT", f"/api/vrfcontext/{vrf['uuid']}", vrf).status_code == 200

    proxy.after_forward = other_writer
    provider = routes_provider(proxy.url)
    provider.create(provider.check({}, route("mine")).inputs)
    assert overwritten == [200]
    assert sorted(r["route_id"] for r in global_vrf(raw)["static_routes"]) == ["mine", "theirs"]
    assert [w.status for w in proxy.requests("PUT", VRF_PUT)] == [200, 200]


def test_a_stale_write_is_refused_then_reapplied_to_a_fresh_copy(proxy, raw):
    changed: list[bool] = []

    def other_writer(method: str, path: str, status: int) -> None:
        # between the provider's read and its PUT, someone adds a route of their own
        if method == "GET" and path.startswith("/api/vrfcontext/") and not changed:
            changed.append(True)
            vrf = global_vrf(raw)
            vrf["static_routes"] = [
                {
                    "route_id": "theirs",
                    "next_hop": {"addr": "10.0.0.9", "type": "V4"},
                    "prefix": {"ip_addr": {"addr": "10.99.0.0", "type": "V4"}, "mask": 16},
                }
            ]
            assert raw("PUT", f"/api/vrfcontext/{vrf['uuid']}", vrf).status_code == 200

    proxy.after_forward = other_writer
    provider = routes_provider(proxy.url)
    provider.create(provider.check({}, route("mine")).inputs)
    assert [w.status for w in proxy.requests("PUT", VRF_PUT)] == [412, 200]
    assert sorted(r["route_id"] for r in global_vrf(raw)["static_routes"]) == ["mine", "theirs"]


@pytest.mark.parametrize("fault", [Fault.ERROR_AFTER, Fault.DROP_AFTER, Fault.ERROR_BEFORE, Fault.THROTTLE])
def test_a_vrf_write_whose_answer_is_lost_ends_with_the_route_once(proxy, raw, fault):
    proxy.add(fault, "PUT", VRF_PUT)
    provider = routes_provider(proxy.url)
    created = provider.create(provider.check({}, route("once")).inputs)
    assert [r["route_id"] for r in global_vrf(raw)["static_routes"]] == ["once"]
    assert provider.read(created.id, created.outs).outs["route_id"] == "once"
    assert proxy.count(fault) == 1
