"""Benchmark: the Avi provider vs. the official avisdk against the local emulator.

Run on demand: ``python bench/avi_bench.py [--count 200] [--threads 10] [--latency-ms 0]``.
Prints a Markdown table: HTTP requests per operation (counted by the emulator) and wall time
for COUNT pools created, read, updated and deleted with THREADS workers (the engine's default
parallelism is 10).
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from avi.sdk.avi_api import ApiSession  # noqa: E402
from pulumi.dynamic import Config, ConfigureRequest  # noqa: E402

from providers.avi.kinds import OWNER_INPUT  # noqa: E402
from providers.avi.provider import AviObjectProvider  # noqa: E402
from tools.avi_emulator import Emulator, EmulatorConfig  # noqa: E402

USER, PASSWORD = "admin", "bench-pass"
OPS = ("create", "read", "update", "delete")


def _pool(i: int, port: int, prefix: str) -> dict:
    return {"name": f"{prefix}-{i:04d}", "default_server_port": port,
            "servers": [{"ip": {"addr": f"10.60.{i // 250}.{i % 250 + 1}", "type": "V4"},
                         "port": port}]}


def _timed(emu: Emulator, count: int, threads: int, op: Callable[[int], None]) -> tuple[float, int]:
    """Wall time and API requests (logins excluded; they are reported on their own)."""
    before = emu.requests_seen - emu.sessions.logins
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(op, range(count)))
    return time.perf_counter() - start, emu.requests_seen - emu.sessions.logins - before


def bench_provider(emu: Emulator, count: int, threads: int) -> dict[str, tuple[float, int]]:
    provider = AviObjectProvider("pool")
    provider.configure(ConfigureRequest(Config({
        "mesh-platform:avi": f'{{"controller": "{emu.url}", "username": "{USER}"}}',
        "mesh-platform:aviPassword": PASSWORD}, "mesh-platform")))
    state: dict[int, tuple[str, dict]] = {}

    def create(i: int) -> None:
        inputs = provider.check({}, {**_pool(i, 30000, "prov"), OWNER_INPUT: f"bench/{i}"}).inputs
        result = provider.create(inputs)
        state[i] = (result.id, result.outs)

    def read(i: int) -> None:
        provider.read(state[i][0], state[i][1])

    def update(i: int) -> None:
        id_, outs = state[i]
        news = provider.check(outs, {**_pool(i, 31000, "prov"), OWNER_INPUT: f"bench/{i}"})
        state[i] = (id_, provider.update(id_, outs, news.inputs).outs)

    def delete(i: int) -> None:
        provider.delete(*state[i])

    return {name: _timed(emu, count, threads, fn)
            for name, fn in zip(OPS, (create, read, update, delete))}


def bench_avisdk(emu: Emulator, count: int, threads: int) -> dict[str, tuple[float, int]]:
    parts = urlsplit(emu.url)
    ApiSession.clear_cached_sessions()
    api = ApiSession(f"http://{parts.hostname}", USER, PASSWORD, tenant="admin",
                     api_version="22.1.3", port=parts.port)
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
        return {name: _timed(emu, count, threads, fn)
                for name, fn in zip(OPS, (create, read, update, delete))}
    finally:
        ApiSession.clear_cached_sessions()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--threads", type=int, default=10)
    parser.add_argument("--latency-ms", type=int, default=0,
                        help="emulated controller latency per request")
    args = parser.parse_args()
    rows = []
    for label, run in (("mesh-platform provider", bench_provider), ("avisdk ApiSession", bench_avisdk)):
        with Emulator(EmulatorConfig(username=USER, password=PASSWORD,
                                     latency_ms=args.latency_ms)) as emu:
            results = run(emu, args.count, args.threads)
            rows.append((label, results, emu.sessions.logins))
    print(f"{args.count} pools, {args.threads} threads, emulator latency {args.latency_ms} ms\n")
    print("| client | " + " | ".join(f"{op} req/op | {op} s" for op in OPS) + " | logins |")
    print("|---" * (2 * len(OPS) + 2) + "|")
    for label, results, logins in rows:
        cells = []
        for op in OPS:
            seconds, requests = results[op]
            cells += [f"{requests / args.count:.2f}", f"{seconds:.2f}"]
        print(f"| {label} | " + " | ".join(cells) + f" | {logins} |")


if __name__ == "__main__":
    main()
