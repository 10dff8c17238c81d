"""The soak: 200 pools created, updated and deleted through ``python -m pulumi.dynamic`` (the
server the engine starts) with the program's own ``__provider`` blobs, while a proxy in front of
the emulator injects every fault kind the real controller shows (500 before, 429 with
Retry-After, 500 after the commit, a dropped answer, an answer held past the timeout) into 10%
of the API calls. Each phase converges within 3 rounds (a round is a `pulumi up`: refresh,
then the operations that are still due), with no duplicate and no orphan, and after every
round the state the engine would keep (each resource's last returned outputs) equals what the
controller holds."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc
import pulumi
import pytest
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2

from tests.support.avi_engine import dynamic_provider_server, props, struct
from tests.support.avi_programs import CapturingMocks
from tests.support.avi_support import RawClient, stack_config
from tests.support.fault_proxy import Fault, FaultProxy

COUNT = 200
ROUNDS = 3
PREFIX = "soak-"


def _declare_pools() -> dict[str, dict[str, Any]]:
    """The program's inputs for COUNT pools, ``__provider`` blob included, under mocks."""
    from providers.avi.resources import AviPool

    mocks = CapturingMocks()
    pulumi.runtime.set_mocks(mocks, project="mesh-platform", stack="soak", preview=False)

    @pulumi.runtime.test
    def program():
        pools = [
            AviPool(
                f"pool-{i:03d}",
                name=f"{PREFIX}{i:03d}",
                default_server_port=30000,
                servers=[{"ip": {"addr": f"10.50.{i // 250}.{i % 250 + 1}", "type": "V4"}}],
            )
            for i in range(COUNT)
        ]
        return pulumi.Output.all(*[p.urn for p in pools])

    program()
    return {
        name: {k: rpc.unwrap_rpc_secret(v) if isinstance(v, dict) else v for k, v in inputs.items()}
        for name, inputs in mocks.inputs.items()
    }


class Soak:
    """The engine's view: per resource its id, checked inputs and last outputs."""

    def __init__(self, stub, declared: dict[str, dict[str, Any]]):
        self.stub = stub
        self.declared = declared
        self.state: dict[str, tuple[str, Any, Any]] = {}  # name -> (id, inputs, outputs)
        self.lock = threading.Lock()

    @staticmethod
    def urn(name: str) -> str:
        return f"urn:pulumi:soak::mesh-platform::pulumi-python:dynamic/avi:Pool::{name}"

    def check(self, name: str, port: int, olds: Any = None):
        news = {**self.declared[name], "default_server_port": port}
        checked = self.stub.Check(
            provider_pb2.CheckRequest(
                urn=self.urn(name), olds=olds if olds is not None else struct({}), news=struct(news)
            )
        )
        assert list(checked.failures) == [], name
        return checked.inputs

    def create(self, name: str) -> None:
        inputs = self.check(name, 30000)
        created = self.stub.Create(provider_pb2.CreateRequest(urn=self.urn(name), properties=inputs))
        with self.lock:
            self.state[name] = (created.id, inputs, created.properties)

    def refresh(self, name: str) -> None:
        id_, inputs, outputs = self.state[name]
        read = self.stub.Read(provider_pb2.ReadRequest(id=id_, urn=self.urn(name), properties=outputs, inputs=inputs))
        assert read.id == id_, name
        with self.lock:
            self.state[name] = (id_, inputs, read.properties)

    def update(self, name: str) -> None:
        self.refresh(name)  # Pulumi.yaml: options.refresh: always
        id_, inputs, outputs = self.state[name]
        news = self.check(name, 31000, inputs)
        diff = self.stub.Diff(provider_pb2.DiffRequest(id=id_, urn=self.urn(name), olds=outputs, news=news))
        if diff.changes == provider_pb2.DiffResponse.DIFF_NONE:
            return  # an earlier round's update did land (and refresh saw it)
        assert list(diff.replaces) == [], name
        updated = self.stub.Update(provider_pb2.UpdateRequest(id=id_, urn=self.urn(name), olds=outputs, news=news))
        with self.lock:
            self.state[name] = (id_, news, updated.properties)

    def delete(self, name: str) -> None:
        id_, _, outputs = self.state[name]
        self.stub.Delete(provider_pb2.DeleteRequest(id=id_, urn=self.urn(name), properties=outputs))
        with self.lock:
            del self.state[name]

    def outputs(self) -> dict[str, tuple[str, int]]:
        """name on the controller -> (uuid, port), as the state says."""
        with self.lock:
            found = {}
            for id_, _, outputs in self.state.values():
                outs = props(outputs)
                found[outs["name"]] = (id_, int(outs["default_server_port"]))
            return found


def _controller(raw: RawClient) -> dict[str, tuple[str, int]]:
    body = raw("GET", "/api/pool", params={"page_size": COUNT, "name.contains": PREFIX}).json()
    pools = body["results"]
    assert body["count"] == len(pools), "more pools than the soak declares"
    names = [p["name"] for p in pools]
    assert len(names) == len(set(names)), "duplicate names"
    return {p["name"]: (p["uuid"], p["default_server_port"]) for p in pools}


def _rounds(names: list[str], op: Callable[[str], None], soak: Soak, raw: RawClient) -> int:
    """Run ``op`` for every name, 10 at a time (the engine's default parallelism); what fails
    is run again in the next round, as the next `pulumi up` would. After every round the
    state equals the controller. Returns the rounds used."""
    pending = names
    for round_ in range(1, ROUNDS + 1):
        failed: list[str] = []

        def run(name: str, failed: list[str] = failed) -> None:
            try:
                op(name)
            except grpc.RpcError:
                failed.append(name)

        with ThreadPoolExecutor(max_workers=10) as pool:
            list(pool.map(run, pending))
        assert soak.outputs() == _controller(raw), f"state and controller differ, round {round_}"
        pending = failed
        if not pending:
            return round_
    raise AssertionError(f"{len(pending)} operations still failing after {ROUNDS} rounds: {pending[:5]}")


@pytest.mark.slow
def test_soak_through_the_engine_with_every_fault_kind(emulator, monkeypatch):
    declared = _declare_pools()
    assert all(isinstance(inputs["__provider"], str) for inputs in declared.values())
    monkeypatch.setenv("AVI_REQUEST_TIMEOUT", "0.5")  # the provider process's read timeout
    raw = RawClient(emulator.url)
    with (
        FaultProxy(emulator.url, rate=0.10, slow_seconds=1.0, retry_after="1", seed=20240601) as proxy,
        dynamic_provider_server() as stub,
    ):
        stub.Configure(provider_pb2.ConfigureRequest(args=struct(stack_config(proxy.url)), acceptSecrets=False))
        soak = Soak(stub, declared)
        names = sorted(declared)
        _rounds(names, soak.create, soak, raw)
        assert len(_controller(raw)) == COUNT  # no duplicates, none missing
        _rounds(names, soak.update, soak, raw)
        assert {port for _, port in _controller(raw).values()} == {31000}
        _rounds(names, soak.delete, soak, raw)
        assert _controller(raw) == {}  # no orphans
        injected = {fault: proxy.count(fault) for fault in Fault}
    assert all(count >= 5 for count in injected.values()), injected
