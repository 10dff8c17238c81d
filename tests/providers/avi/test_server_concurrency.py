"""Concurrency past the SDK's cap: through ``python -m pulumi.dynamic`` (the server the engine
starts, four workers of its own), the provider serves ``avi.maxConcurrentRequests`` operations at
once and never has more requests than that at the controller; with a pulumi other than the one
verified, the server is left at four and one warning says so. The emulator counts the requests it
is handling at one moment; its latency keeps each request in flight long enough to overlap."""

from __future__ import annotations

import re
import sys
import types
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from providers.avi import concurrency
from providers.avi.concurrency import SDK_CAP, VERIFIED_PULUMI_VERSIONS, ServerCap, serve_at_once
from providers.avi.kinds import OWNER_INPUT
from providers.avi.provider import AviObjectProvider
from tests.support.avi_engine import dynamic_provider_server, struct
from tests.support.avi_programs import ISTIO_READY
from tests.support.avi_support import REPO, stack_config

LATENCY_MS = 150
IN_FLIGHT = 12
# The SDK's server run with pulumi's installed version reported as another one.
OTHER_PULUMI = "3.999.0"
AS_ANOTHER_PULUMI = (
    "-c",
    "import importlib.metadata as m, runpy; real = m.version; "
    f"m.version = lambda name: {OTHER_PULUMI!r} if name == 'pulumi' else real(name); "
    "runpy.run_module('pulumi.dynamic', run_name='__main__', alter_sys=True)",
)


def _operations(stub: provider_pb2_grpc.ResourceProviderStub, count: int) -> None:
    """Check+Create of ``count`` pools, and of one health monitor (another kind: another provider
    blob, configured on its own), ``IN_FLIGHT`` at once as the engine's parallelism would send them."""
    pool_blob = serialize_provider(AviObjectProvider("pool"))
    monitor_blob = serialize_provider(AviObjectProvider("healthmonitor"))

    def create(i: int) -> None:
        if i == count:
            kind, body = "HealthMonitor", {**ISTIO_READY, "name": "conc-ready", "__provider": monitor_blob}
        else:
            kind, body = (
                "Pool",
                {
                    "name": f"conc-{i:03d}",
                    "default_server_port": 30080,
                    "__provider": pool_blob,
                    "servers": [{"ip": {"addr": f"10.61.0.{i + 1}", "type": "V4"}, "port": 30080}],
                },
            )
        urn = f"urn:pulumi:test::mesh-platform::pulumi-python:dynamic/avi:{kind}::c{i}"
        checked = stub.Check(
            provider_pb2.CheckRequest(urn=urn, olds=struct({}), news=struct({**body, OWNER_INPUT: f"conc/{i}"})),
            timeout=60,
        )
        assert list(checked.failures) == []
        made = stub.Create(provider_pb2.CreateRequest(urn=urn, properties=checked.inputs), timeout=60)
        assert made.id

    with ThreadPoolExecutor(max_workers=IN_FLIGHT) as pool:
        list(pool.map(create, range(count + 1)))


def _configure(stub: provider_pb2_grpc.ResourceProviderStub, url: str, **avi: Any) -> None:
    stub.Configure(provider_pb2.ConfigureRequest(args=struct(stack_config(url, **avi)), acceptSecrets=False))


@pytest.mark.parametrize("configured", [None, 6])
def test_the_server_serves_the_configured_number_at_once_not_four(make_emulator, configured):
    emu = make_emulator(latency_ms=LATENCY_MS)
    with dynamic_provider_server() as stub:
        _configure(stub, emu.url, **({} if configured is None else {"maxConcurrentRequests": configured}))
        emu.take_peak_inflight()
        _operations(stub, count=2 * IN_FLIGHT)
    peak = emu.take_peak_inflight()
    limit = configured or 10  # the default
    assert SDK_CAP < peak <= limit
    assert len(emu.store.all_of("pool")) == 2 * IN_FLIGHT


def test_a_limit_below_the_sdks_four_holds_at_the_controller(make_emulator):
    # The server's four workers exist before configure() runs; the client's own limit holds.
    emu = make_emulator(latency_ms=LATENCY_MS)
    with dynamic_provider_server() as stub:
        _configure(stub, emu.url, maxConcurrentRequests=2)
        emu.take_peak_inflight()
        _operations(stub, count=8)
    assert emu.take_peak_inflight() <= 2
    assert len(emu.store.all_of("pool")) == 8


def test_another_pulumi_keeps_the_sdks_four_and_says_so_once(make_emulator, tmp_path: Path):
    emu = make_emulator(latency_ms=LATENCY_MS)
    log = tmp_path / "provider.stderr"
    with log.open("wb") as stderr, dynamic_provider_server(AS_ANOTHER_PULUMI, stderr=stderr) as stub:
        _configure(stub, emu.url)
        emu.take_peak_inflight()
        _operations(stub, count=2 * IN_FLIGHT)
    assert emu.take_peak_inflight() <= SDK_CAP
    assert len(emu.store.all_of("pool")) == 2 * IN_FLIGHT
    said = [line for line in log.read_text().splitlines() if "operations at once" in line]
    assert said == [
        f"warning: the Avi provider serves at most 4 operations at once, not the 10 "
        f"avi.maxConcurrentRequests asks for: pulumi {OTHER_PULUMI} is not a version this was "
        f"checked against ({', '.join(sorted(VERIFIED_PULUMI_VERSIONS))}), so its server is left alone"
    ]


def test_the_locked_and_installed_pulumi_is_the_verified_one():
    # Bumping pulumi in requirements.lock means reading its pulumi/dynamic/__main__.py against
    # concurrency.py again, then adding the version to VERIFIED_PULUMI_VERSIONS.
    locked = re.search(r"^pulumi==(\S+)", (REPO / "requirements.lock").read_text(), re.M)
    assert locked is not None
    assert locked.group(1) in VERIFIED_PULUMI_VERSIONS
    assert concurrency._pulumi_version() in VERIFIED_PULUMI_VERSIONS


@pytest.fixture
def fresh(monkeypatch) -> list[str]:
    """serve_at_once's memory emptied; what it warns is collected."""
    monkeypatch.setattr(concurrency, "_done", {})
    return []


def test_outside_the_server_nothing_is_changed_or_said(fresh):
    assert serve_at_once(10, warn=fresh.append) is ServerCap.NOT_IN_SERVER
    assert fresh == []


def test_a_server_of_another_shape_is_left_alone_and_said_once(fresh, monkeypatch):
    # The verified version, but `main()` is not where the server runs (as if the SDK moved it).
    module = types.ModuleType("__main__")
    module.__spec__ = types.SimpleNamespace(name=concurrency.SERVER_MODULE)  # type: ignore[assignment]
    module.main = lambda: None  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "__main__", module)
    verified = sorted(VERIFIED_PULUMI_VERSIONS)[0]
    for _ in range(3):
        assert serve_at_once(10, version=lambda: verified, warn=fresh.append) is ServerCap.SKIPPED
    assert len(fresh) == 1
    assert "does not have the shape expected" in fresh[0]
