"""AviStaticRoute: one entry of a shared VRF context, safe next to concurrent writers."""

from __future__ import annotations

import threading

import pytest

from providers.avi.errors import AviApiError


def route_inputs(route_id: str, prefix: str = "10.244.1.0/24", hop: str = "10.0.0.21") -> dict:
    return {"vrf": "global", "route_id": route_id, "prefix": prefix, "next_hop": hop}


def global_routes(raw) -> list[dict]:
    found = raw("GET", "/api/vrfcontext", params={"name": "global"}).json()["results"][0]
    return found.get("static_routes") or []


def test_route_lifecycle_and_drift(route_provider, raw):
    inputs = route_provider.check({}, route_inputs("pods-a")).inputs
    assert inputs["prefix"] == {"ip_addr": {"addr": "10.244.1.0", "type": "V4"}, "mask": 24}
    created = route_provider.create(inputs)
    assert created.id == "Default-Cloud/global/pods-a"
    assert [r["route_id"] for r in global_routes(raw)] == ["pods-a"]
    assert route_provider.diff(created.id, created.outs, inputs).changes is False

    vrf = raw("GET", "/api/vrfcontext", params={"name": "global"}).json()["results"][0]
    vrf["static_routes"][0]["next_hop"]["addr"] = "10.0.0.99"  # out-of-band edit
    assert raw("PUT", f"/api/vrfcontext/{vrf['uuid']}", vrf).status_code == 200
    refreshed = route_provider.read(created.id, created.outs)
    assert refreshed.outs["next_hop"]["addr"] == "10.0.0.99"
    assert route_provider.diff(created.id, refreshed.outs, inputs).changes is True
    route_provider.update(created.id, refreshed.outs, inputs)
    assert global_routes(raw)[0]["next_hop"]["addr"] == "10.0.0.21"

    moved = route_provider.check({}, {**route_inputs("pods-a"), "vrf": "management"}).inputs
    assert route_provider.diff(created.id, created.outs, moved).replaces == ["vrf"]

    route_provider.delete(created.id, created.outs)
    assert global_routes(raw) == []
    assert route_provider.read(created.id, created.outs).id is None
    route_provider.delete(created.id, created.outs)


def test_check_rejects_bad_cidr_and_next_hop(route_provider):
    result = route_provider.check({}, route_inputs("x", prefix="10.244.1.5/24", hop="nope"))
    assert {f.property for f in result.failures} == {"prefix", "next_hop"}


def test_route_id_clash_with_a_different_route_is_an_error(route_provider, raw):
    route_provider.create(route_provider.check({}, route_inputs("r1")).inputs)
    other = route_provider.check({}, route_inputs("r1", prefix="10.9.0.0/16")).inputs
    with pytest.raises(AviApiError) as err:
        route_provider.create(other)
    assert "pulumi import" in str(err.value)
    again = route_provider.create(route_provider.check({}, route_inputs("r1")).inputs)
    assert again.id.endswith("/r1")  # the same route again is adopted, not duplicated
    assert len(global_routes(raw)) == 1


def test_import_route_by_id(route_provider):
    route_provider.create(route_provider.check({}, route_inputs("imp")).inputs)
    read = route_provider.read("Default-Cloud/global/imp", {})
    assert read.inputs["route_id"] == "imp" and read.inputs["next_hop"]["addr"] == "10.0.0.21"


def test_concurrent_writers_keep_every_route(route_provider, raw):
    """AKO-style full-object PUTs and the provider race; stale writes get 412 and retry."""
    errors: list[BaseException] = []

    def ours(i: int) -> None:
        try:
            inputs = route_provider.check({}, route_inputs(f"ours-{i}", prefix=f"10.{100 + i}.0.0/16")).inputs
            route_provider.create(inputs)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    def foreign(i: int) -> None:
        from tests.support.avi_support import RawClient

        client = RawClient(raw.url)
        for _ in range(20):
            vrf = client("GET", "/api/vrfcontext", params={"name": "global"}).json()["results"][0]
            route = {
                "route_id": f"ako-{i}",
                "prefix": {"ip_addr": {"addr": f"10.{200 + i}.0.0", "type": "V4"}, "mask": 16},
                "next_hop": {"addr": "10.0.0.1", "type": "V4"},
                "labels": [{"key": "clustername", "value": "other"}],
            }
            vrf["static_routes"] = [r for r in vrf.get("static_routes") or [] if r["route_id"] != route["route_id"]] + [
                route
            ]
            if client("PUT", f"/api/vrfcontext/{vrf['uuid']}", vrf).status_code == 200:
                return
        errors.append(AssertionError(f"foreign writer {i} never got through"))

    threads = [threading.Thread(target=ours, args=(i,)) for i in range(8)]
    threads += [threading.Thread(target=foreign, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    ids = sorted(r["route_id"] for r in global_routes(raw))
    assert ids == sorted([f"ours-{i}" for i in range(8)] + [f"ako-{i}" for i in range(4)])
