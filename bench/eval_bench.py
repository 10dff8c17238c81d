"""Benchmark: program evaluation time against the number of dynamic resources, under Pulumi
mocks, for the SDK alone and for the Avi resources (which carry the serialize_provider
workaround of ``providers/avi/sdk_fixes.py``).

``python -m bench.eval_bench [--counts 250 500 900 1000 2000 4000]``

Columns, each measured in a fresh Python process:

- *SDK alone*: a minimal ``pulumi.dynamic.Resource`` subclass, the SDK untouched. Past about
  950 resources it fails with RecursionError (the defect the workaround removes).
- *SDK + workaround*: the same resources with ``sdk_fixes.install()``: what the SDK needs to
  register them once the defect is out of the way.
- *AviPool*: ``providers.avi.resources.AviPool`` with a server, a health monitor reference and
  the owner marker, as the Avi edge declares pools.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
MODES = ("sdk", "sdk+fix", "avi")


def _child(mode: str, count: int) -> None:
    sys.path.insert(0, str(REPO))
    sys.setrecursionlimit(1000)  # the interpreter's default, as a Pulumi program gets it
    import pulumi
    from pulumi.dynamic import CreateResult, Resource, ResourceProvider
    from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs

    class Mocks(pulumi.runtime.Mocks):
        def new_resource(self, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
            return f"{args.name}-id", dict(args.inputs)

        def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
            return {}, []  # no check failures (the SDK iterates this list)

    pulumi.runtime.set_mocks(Mocks(), project="mesh-platform", stack="bench", preview=False)
    if mode == "sdk+fix":
        from providers.avi import sdk_fixes

        sdk_fixes.install()

    global NoopProvider, Noop  # importable by dill, as a program's own provider would be

    class NoopProvider(ResourceProvider):
        def create(self, props: dict[str, Any]) -> CreateResult:
            return CreateResult("id", props)

    class Noop(Resource, module="bench", name="Noop"):
        def __init__(self, resource_name: str, **props: Any) -> None:
            super().__init__(NoopProvider(), resource_name, props)

    def build() -> list[Resource]:
        if mode == "avi":
            from providers.avi.resources import AviPool

            return [
                AviPool(
                    f"pool-{i}",
                    name=f"pool-{i}",
                    default_server_port=30080,
                    health_monitor_refs=["/api/healthmonitor?name=ready"],
                    servers=[{"ip": {"addr": f"10.{i // 250}.{i % 250}.1", "type": "V4"}}],
                )
                for i in range(count)
            ]
        return [
            Noop(
                f"pool-{i}",
                name=f"pool-{i}",
                default_server_port=30080,
                health_monitor_refs=["/api/healthmonitor?name=ready"],
                servers=[{"ip": {"addr": f"10.{i // 250}.{i % 250}.1", "type": "V4"}}],
            )
            for i in range(count)
        ]

    @pulumi.runtime.test  # type: ignore[untyped-decorator]  # unannotated in the SDK
    def program() -> pulumi.Output[list[Any]]:
        return pulumi.Output.all(*[r.urn for r in build()])

    start = time.perf_counter()
    try:
        program()
    except RecursionError:
        print("RecursionError")
        return
    except Exception as exc:  # noqa: BLE001 - the SDK wraps the error on some paths
        print("RecursionError" if "recursion" in repr(exc).lower() else f"failed: {exc!r}")
        return
    print(f"{time.perf_counter() - start:.2f}")


def measure(mode: str, count: int) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.eval_bench", "--child", mode, str(count)],
        cwd=str(REPO),
        capture_output=True,
        text=True,
        timeout=900,
    )
    lines = proc.stdout.strip().splitlines()
    if lines and (lines[-1] == "RecursionError" or lines[-1].startswith("failed")):
        return lines[-1]
    if lines:
        try:
            return f"{float(lines[-1]):.2f}"
        except ValueError:
            pass
    tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    return "RecursionError" if "RecursionError" in proc.stderr else f"failed: {tail[:60]}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[250, 500, 900, 1000, 2000, 4000])
    parser.add_argument("--child", nargs=2, metavar=("MODE", "COUNT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child[0], int(args.child[1]))
        return
    print("Program evaluation under Pulumi mocks (seconds; one fresh process per cell)\n")
    print("| dynamic resources | SDK alone | SDK + workaround | AviPool | AviPool / SDK + workaround |")
    print("|---|---|---|---|---|")
    for count in args.counts:
        cells = {mode: measure(mode, count) for mode in MODES}
        try:
            ratio = f"{float(cells['avi']) / float(cells['sdk+fix']):.2f}"
        except ValueError:
            ratio = "-"
        print(f"| {count} | {cells['sdk']} | {cells['sdk+fix']} | {cells['avi']} | {ratio} |", flush=True)


if __name__ == "__main__":
    main()
