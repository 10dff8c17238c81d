"""Benchmark: evaluating the Avi edge for growing numbers of apps, against the SDK registering the
same resources.

``python -m bench.avi_edge_bench [--apps 125 250 500 1000]``

For each app count (stack from ``bench/generated_stack.py``), in a fresh Python process each,
under Pulumi mocks:

- *edge*: the `AviEdge` component (and its mesh TLS material) as the program declares it, with
  the project's Avi resources (owner markers, secret fields, the serialize_provider workaround).
- *SDK*: the same component with every Avi resource class swapped for a bare
  ``pulumi.dynamic.Resource`` taking the same name, inputs and options: what the SDK itself needs
  to register the same resources (with the workaround, without which it stops near 950).

The table shows seconds, the dynamic resources registered, seconds per 1,000 apps (flat when
growth is linear) and the edge / SDK ratio (the target is at most 1.5).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the children import pulumi only once their paths and limits are set
    from pulumi import Output

REPO = Path(__file__).resolve().parents[1]
AVI_CLASSES = (
    "AviHealthMonitor",
    "AviHttpPolicySet",
    "AviPkiProfile",
    "AviPool",
    "AviSslKeyAndCertificate",
    "AviStaticRoute",
    "AviVirtualService",
    "AviVsVip",
)


class _Source:
    """The generated stack as the program's config loader reads it (secrets as secret Outputs)."""

    def __init__(self, config: dict[str, Any]):
        import pulumi

        self.stack = "scale"
        self._values = {k.split(":", 1)[1]: v for k, v in config.items()}
        self._pulumi = pulumi

    def value(self, key: str) -> Any:
        value = self._values.get(key)
        return None if isinstance(value, dict) and "secure" in value else value

    def secret(self, key: str) -> Output[str] | None:
        value = self._values.get(key)
        if value is None:
            return None
        return self._pulumi.Output.secret(f"offline-placeholder-for-mesh-platform-{key}")

    def is_stored_secret(self, key: str) -> bool:
        value = self._values.get(key)
        return isinstance(value, dict) and "secure" in value

    def keys(self) -> list[str]:
        return [f"mesh-platform:{k}" for k in self._values]

    def provider_setting(self, full_key: str) -> str | None:
        return None  # the generated stack sets no provider keys


def _swap_for_bare_sdk_resources() -> None:
    """Replace the Avi resource classes the edge uses by bare dynamic resources (same inputs)."""
    import pulumi
    from pulumi.dynamic import CreateResult, Resource, ResourceProvider

    from components.edges.avi import component

    global BareProvider  # importable by dill, as a program's own provider would be

    class BareProvider(ResourceProvider):
        def create(self, props: dict[str, Any]) -> CreateResult:
            return CreateResult("id", props)

    def bare(type_name: str) -> type[Resource]:
        class Bare(Resource, module="bench", name=type_name):
            uuid: pulumi.Output[str]
            url: pulumi.Output[str]
            vip: pulumi.Output[list[dict[str, Any]]]

            def __init__(self, resource_name: str, opts: pulumi.ResourceOptions | None = None, **fields: Any) -> None:
                super().__init__(
                    BareProvider(), resource_name, {"uuid": None, "url": None, "vip": None, **fields}, opts
                )

        return Bare

    for name in AVI_CLASSES:
        setattr(component, name, bare(name))


def _child(mode: str, apps: int) -> None:
    sys.path.insert(0, str(REPO))
    sys.setrecursionlimit(1000)  # the interpreter's default, as a Pulumi program gets it
    import pulumi
    from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs

    from bench.generated_stack import stack_config
    from components.stack.loader import load_stack_config

    registered: list[str] = []

    class Mocks(pulumi.runtime.Mocks):
        def new_resource(self, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
            registered.append(args.typ)
            outputs = dict(args.inputs)
            outputs.setdefault("url", f"https://avi.mock/api/x/{args.name}")
            return f"{args.name}-id", outputs

        def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
            return {}, []  # no check failures (the SDK iterates this list)

    pulumi.runtime.set_mocks(Mocks(), project="mesh-platform", stack="scale", preview=False)
    from providers.avi import sdk_fixes

    sdk_fixes.install()
    if mode == "sdk":
        _swap_for_bare_sdk_resources()
    from components.edges.avi.component import AviEdge, AviEdgeArgs
    from components.edges.avi.mesh_tls import AviMeshTls

    config = load_stack_config(_Source(stack_config(apps)))
    avi = config.edge.avi
    if avi is None:
        raise SystemExit("bench/generated_stack.py no longer declares an Avi edge")

    @pulumi.runtime.test  # type: ignore[untyped-decorator]  # unannotated in the SDK
    def program() -> Any:
        tls = AviMeshTls("avi-mesh-tls", config.cluster.name, ["istio-ingressgateway.istio-ingress.svc"])
        edge = AviEdge(
            "avi-edge",
            AviEdgeArgs(
                cluster_name=config.cluster.name,
                edge=avi,
                apps=config.apps,
                gateway_https_node_port=30443,
                gateway_status_node_port=30021,
                gateway_namespace="istio-ingress",
                mesh_tls=tls,
                certificates_secret=config.edge_certificates,
            ),
        )
        return edge.virtual_services

    start = time.perf_counter()
    program()
    elapsed = time.perf_counter() - start
    dynamic = sum(1 for t in registered if t.startswith("pulumi-python:dynamic/"))
    print(json.dumps({"seconds": elapsed, "dynamic": dynamic}))


def measure(mode: str, apps: int) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.avi_edge_bench", "--child", mode, str(apps)],
        cwd=str(REPO),
        capture_output=True,
        text=True,
        timeout=1800,
    )
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": tail[:80]}
    return json.loads(lines[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, nargs="+", default=[125, 250, 500, 1000])
    parser.add_argument("--child", nargs=2, metavar=("MODE", "APPS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child[0], int(args.child[1]))
        return
    print("Avi edge evaluation under Pulumi mocks (seconds; one fresh process per cell)\n")
    print("| apps | dynamic resources | edge (s) | SDK, same resources (s) | edge s per 1,000 apps | edge / SDK |")
    print("|---|---|---|---|---|---|")
    for apps in args.apps:
        edge, sdk = measure("edge", apps), measure("sdk", apps)
        if "error" in edge or "error" in sdk:
            print(f"| {apps} | - | {edge.get('error', '')} | {sdk.get('error', '')} | - | - |", flush=True)
            continue
        print(
            f"| {apps} | {edge['dynamic']} | {edge['seconds']:.2f} | {sdk['seconds']:.2f} | "
            f"{edge['seconds'] * 1000 / apps:.2f} | {edge['seconds'] / sdk['seconds']:.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
