"""Benchmark: the Avi provider as users run it, through the engine's path, beside avisdk.

``python -m bench.avi_bench [--count 200] [--parallel 10] [--latency-ms 0 20] [--rounds 3]``

The provider is driven the way the Pulumi engine drives a dynamic provider: a
``python -m pulumi.dynamic`` process, Configure once (``avi.maxConcurrentRequests`` set to
``--parallel``), then per resource Check+Create, Read, Check+Diff+Update and Delete over gRPC,
with the provider blob the SDK serializes for ``AviPool``, ``--parallel`` calls in flight at once
(the engine's default parallelism is 10). Inputs are serialized before the clock starts (the
engine does that in its own process), and one pool is created and deleted first, so the provider
starts logged in as avisdk does. avisdk's ApiSession does the same pools with as many threads:
POST, GET, PUT (the whole object; it has no merge of its own) and DELETE. Both run in the same
process, each against a fresh emulator with the same latency, in ``--rounds`` alternating runs.
The emulator counts the HTTP requests of each phase (logins apart) and the most requests it was
handling at one moment ("peak concurrency").

Then ``bench.eval_bench`` prints evaluation time against the number of dynamic resources.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import grpc  # noqa: E402
from avi.sdk.avi_api import ApiSession  # noqa: E402
from google.protobuf import struct_pb2  # noqa: E402
from pulumi.dynamic.dynamic import serialize_provider  # noqa: E402
from pulumi.runtime import rpc  # noqa: E402
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc  # noqa: E402

from providers.avi.kinds import OWNER_INPUT  # noqa: E402
from providers.avi.provider import AviObjectProvider  # noqa: E402
from tools.avi_emulator import Emulator, EmulatorConfig  # noqa: E402

USER, PASSWORD = "admin", "bench-pass"
OPS = ("create", "read", "update", "delete")


@dataclass
class Phase:
    seconds: float
    requests: int
    peak: int


def _pool(i: int, port: int, prefix: str) -> dict[str, Any]:
    return {
        "name": f"{prefix}-{i:04d}",
        "default_server_port": port,
        "servers": [{"ip": {"addr": f"10.60.{i // 250}.{i % 250 + 1}", "type": "V4"}, "port": port}],
    }


def _timed(emu: Emulator, count: int, parallel: int, op: Callable[[int], None]) -> Phase:
    before = emu.requests_seen - emu.sessions.logins
    emu.take_peak_inflight()
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        list(pool.map(op, range(count)))
    seconds = time.perf_counter() - start
    return Phase(seconds, emu.requests_seen - emu.sessions.logins - before, emu.take_peak_inflight())


def _struct(props: dict[str, Any]) -> struct_pb2.Struct:
    return asyncio.run(rpc.serialize_properties(props, {}))


class DynamicServer:
    """``python -m pulumi.dynamic``, as the engine starts it, and a gRPC stub to it."""

    def __enter__(self) -> provider_pb2_grpc.ResourceProviderStub:
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
            "PULUMI_PROJECT": "mesh-platform",
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pulumi.dynamic"],
            cwd=str(REPO),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert self.proc.stdout is not None  # stdout=PIPE
        port = int(self.proc.stdout.readline().decode().strip())
        self.channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        grpc.channel_ready_future(self.channel).result(timeout=30)
        return provider_pb2_grpc.ResourceProviderStub(self.channel)

    def __exit__(self, *exc: Any) -> None:
        self.channel.close()
        self.proc.terminate()
        self.proc.wait(timeout=10)


def bench_engine(emu: Emulator, count: int, parallel: int) -> dict[str, Phase]:
    blob = serialize_provider(AviObjectProvider("pool"))
    # the provider serves as many operations at once as are sent (avi.maxConcurrentRequests)
    avi = {"controller": emu.url, "username": USER, "maxConcurrentRequests": parallel}
    config = {"mesh-platform:avi": json.dumps(avi), "mesh-platform:aviPassword": PASSWORD}
    with DynamicServer() as stub:
        stub.Configure(provider_pb2.ConfigureRequest(args=_struct(config), acceptSecrets=False))
        state: dict[int, tuple[str, Any, Any]] = {}

        def urn(i: int) -> str:
            return f"urn:pulumi:bench::mesh-platform::pulumi-python:dynamic/avi:Pool::p{i}"

        # The engine serializes inputs in its own (Go) process: built before the clock starts, so
        # the time measured is the provider's, not this stand-in's on the emulator's cores.
        planned = {
            port: [
                _struct({**_pool(i, port, "prov"), OWNER_INPUT: f"bench/{i}", "__provider": blob}) for i in range(count)
            ]
            for port in (30000, 31000)
        }
        empty = _struct({})

        def news(i: int, port: int) -> struct_pb2.Struct:
            return planned[port][i]

        def create(i: int) -> None:
            checked = stub.Check(provider_pb2.CheckRequest(urn=urn(i), olds=empty, news=news(i, 30000)))
            made = stub.Create(provider_pb2.CreateRequest(urn=urn(i), properties=checked.inputs))
            state[i] = (made.id, made.properties, checked.inputs)

        def read(i: int) -> None:
            id_, props, inputs = state[i]
            got = stub.Read(provider_pb2.ReadRequest(id=id_, urn=urn(i), properties=props))
            state[i] = (id_, got.properties, inputs)

        def update(i: int) -> None:
            id_, props, inputs = state[i]
            checked = stub.Check(provider_pb2.CheckRequest(urn=urn(i), olds=inputs, news=news(i, 31000)))
            diff = stub.Diff(provider_pb2.DiffRequest(id=id_, urn=urn(i), olds=props, news=checked.inputs))
            assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME
            done = stub.Update(provider_pb2.UpdateRequest(id=id_, urn=urn(i), olds=props, news=checked.inputs))
            state[i] = (id_, done.properties, checked.inputs)

        def delete(i: int) -> None:
            id_, props, _ = state[i]
            stub.Delete(provider_pb2.DeleteRequest(id=id_, urn=urn(i), properties=props))

        # avisdk logs in when its session is made, before the clock; so does the provider here:
        # one pool beyond the measured ones is created and deleted first (unpickle, configure, login).
        warm_up = _struct({**_pool(count, 30000, "prov"), OWNER_INPUT: "bench/warm-up", "__provider": blob})
        checked = stub.Check(provider_pb2.CheckRequest(urn=urn(count), olds=empty, news=warm_up))
        made = stub.Create(provider_pb2.CreateRequest(urn=urn(count), properties=checked.inputs))
        stub.Delete(provider_pb2.DeleteRequest(id=made.id, urn=urn(count), properties=made.properties))
        return {
            name: _timed(emu, count, parallel, fn)
            for name, fn in zip(OPS, (create, read, update, delete), strict=False)
        }


def bench_avisdk(emu: Emulator, count: int, parallel: int) -> dict[str, Phase]:
    parts = urlsplit(emu.url)
    ApiSession.clear_cached_sessions()
    # verify=True: the emulator is plain HTTP here, and avisdk warns loudly on verify=False
    api = ApiSession(
        f"http://{parts.hostname}", USER, PASSWORD, tenant="admin", api_version="22.1.3", port=parts.port, verify=True
    )
    uuids: dict[int, str] = {}

    def create(i: int) -> None:
        uuids[i] = api.post("pool", data=_pool(i, 30000, "sdk")).json()["uuid"]

    def read(i: int) -> None:
        api.get(f"pool/{uuids[i]}").json()

    def update(i: int) -> None:
        api.put(f"pool/{uuids[i]}", data=_pool(i, 31000, "sdk")).json()

    def delete(i: int) -> None:
        api.delete(f"pool/{uuids[i]}")

    try:
        return {
            name: _timed(emu, count, parallel, fn)
            for name, fn in zip(OPS, (create, read, update, delete), strict=False)
        }
    finally:
        ApiSession.clear_cached_sessions()


CLIENTS: tuple[tuple[str, Callable[[Emulator, int, int], dict[str, Phase]]], ...] = (
    ("provider (engine path)", bench_engine),
    ("avisdk ApiSession", bench_avisdk),
)


def _row(label: str, latency: int, count: int, results: dict[str, Phase]) -> str:
    cells = []
    for op in OPS:
        cells += [f"{results[op].requests / count:.2f}", f"{results[op].seconds:.2f}"]
    peak = max(r.peak for r in results.values())
    return f"| {label} | {latency} ms | " + " | ".join(cells) + f" | {_total(results):.2f} | {peak} |"


def _total(results: dict[str, Phase]) -> float:
    return sum(r.seconds for r in results.values())


def _median_run(runs: list[dict[str, Phase]]) -> dict[str, Phase]:
    """The run whose total is the median (the lower one of an even number)."""
    return sorted(runs, key=_total)[(len(runs) - 1) // 2]


def rows(count: int, parallel: int, latencies: list[int], rounds: int = 3) -> Iterator[str]:
    """The table of each client's median run per latency, then the ratio of the medians.

    Runs alternate provider, avisdk, provider, ... so a load that other jobs put on the machine
    falls on both; each run gets a fresh emulator."""
    runs: dict[tuple[str, int], list[dict[str, Phase]]] = {}
    for latency in latencies:
        for _ in range(rounds):
            for label, run in CLIENTS:
                with Emulator(EmulatorConfig(username=USER, password=PASSWORD, latency_ms=latency)) as emu:
                    runs.setdefault((label, latency), []).append(run(emu, count, parallel))
    yield (
        f"{count} pools, {parallel} operations in flight for both, through `python -m pulumi.dynamic`"
        f" (provider, avi.maxConcurrentRequests: {parallel}) and in-process threads (avisdk);"
        f" the median of {rounds} alternating runs each\n"
    )
    yield (
        "| client | latency | " + " | ".join(f"{op} req/op | {op} s" for op in OPS) + " | total s | peak concurrency |"
    )
    yield "|---" * (2 * len(OPS) + 4) + "|"
    for latency in latencies:
        for label, _ in CLIENTS:
            yield _row(label, latency, count, _median_run(runs[(label, latency)]))
    yield ""
    yield "| latency | provider total s, each run | avisdk total s, each run | provider / avisdk (medians) |"
    yield "|---|---|---|---|"
    for latency in latencies:
        mine, theirs = ([_total(r) for r in runs[(label, latency)]] for label, _ in CLIENTS)
        ratio = statistics.median(mine) / statistics.median(theirs)
        yield (
            f"| {latency} ms | {', '.join(f'{t:.2f}' for t in mine)} | "
            f"{', '.join(f'{t:.2f}' for t in theirs)} | {ratio:.2f}x |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--parallel", type=int, default=10)
    parser.add_argument("--latency-ms", type=int, nargs="+", default=[0, 20])
    parser.add_argument("--rounds", type=int, default=3, help="alternating runs per client and latency")
    parser.add_argument("--skip-eval", action="store_true", help="leave out the evaluation-time table")
    args = parser.parse_args()
    for line in rows(args.count, args.parallel, args.latency_ms, args.rounds):
        print(line, flush=True)
    if not args.skip_eval:
        from bench import eval_bench

        print()
        eval_bench.main([])


if __name__ == "__main__":
    main()
