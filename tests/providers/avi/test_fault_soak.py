"""With 20% of API calls failing (5xx before a change, or the connection dropped after it),
creating, updating and deleting 200 pools converges to exactly the declared set."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import pytest

from tests.support.avi_support import RawClient, configured
from providers.avi.errors import AviApiError
from providers.avi.kinds import OWNER_INPUT
from providers.avi.provider import AviObjectProvider

COUNT = 200


def _inputs(i: int, port: int) -> dict:
    return {"name": f"soak-{i:03d}", "default_server_port": port, OWNER_INPUT: f"soak/{i}",
            "servers": [{"ip": {"addr": f"10.50.{i // 250}.{i % 250 + 1}", "type": "V4"}}]}


def _converge(items: list[int], op: Callable[[int], None], rounds: int = 4) -> None:
    """Run ``op`` for every item on 10 threads (the engine's default parallelism); items whose
    operation still fails are run again, as a second `pulumi up` would."""
    pending = items
    for _ in range(rounds):
        failed: list[int] = []

        def run(i: int) -> None:
            try:
                op(i)
            except AviApiError:
                failed.append(i)

        with ThreadPoolExecutor(max_workers=10) as pool:
            list(pool.map(run, pending))
        pending = failed
        if not pending:
            return
    raise AssertionError(f"{len(pending)} operations never succeeded: {pending[:5]}")


def test_soak_converges_to_declared_set(make_emulator, monkeypatch):
    emu = make_emulator(fail_rate=0.2, seed=20240601)
    provider = configured(AviObjectProvider("pool"), emu.url)
    # Retries keep their count and order; only the waits between them shrink to milliseconds.
    monkeypatch.setattr("providers.avi.crud._pause", lambda attempt: time.sleep(0.001))
    provider._session()._backoff = 0.001
    state: dict[int, tuple[str, dict]] = {}

    def create(i: int) -> None:
        inputs = provider.check({}, _inputs(i, 30000)).inputs
        result = provider.create(inputs)
        state[i] = (result.id, result.outs)

    def update(i: int) -> None:
        id_, outs = state[i]
        result = provider.update(id_, outs, provider.check(outs, _inputs(i, 31000)).inputs)
        state[i] = (id_, result.outs)

    def delete(i: int) -> None:
        id_, outs = state[i]
        provider.delete(id_, outs)

    _converge(list(range(COUNT)), create)
    _converge(list(range(COUNT)), update)
    _converge(list(range(0, COUNT, 2)), delete)
    injected = dict(emu.faults.injected)
    emu.faults.rate = 0.0

    pools = RawClient(emu.url)("GET", "/api/pool", params={"page_size": 200,
                                                           "name.contains": "soak-"}).json()
    names = sorted(p["name"] for p in pools["results"])
    assert pools["count"] == COUNT // 2
    assert names == [f"soak-{i:03d}" for i in range(1, COUNT, 2)]
    assert {p["default_server_port"] for p in pools["results"]} == {31000}
    assert {p["uuid"] for p in pools["results"]} == {state[i][0] for i in range(1, COUNT, 2)}
    assert all(count > 20 for count in injected.values()), injected
