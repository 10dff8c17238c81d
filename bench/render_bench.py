"""Benchmark: the whole offline render of a generated stack against the SDK alone registering the
same resources under the same mocks.

``python -m bench.render_bench [--apps 1000] [--runs 5]``

- *render*: ``tools.render.main(["--config", <stack>, "--out", <dir>])`` in a fresh process, timed
  from the call to its return: reading the stack file, validating it, running the program under
  ``tools.mockrun``'s mocks and recording every registration, writing resources.json, manifests/
  and outputs.json.
- *floor*: a bare program, in a fresh process, registering the resource set the render
  registered (captured once beforehand: type, name, inputs with their secrets, parent, explicit
  provider, protect / retain-on-delete, and the dependencies: an input that depended on other
  resources is an ``Output`` of those resources, the rest are ``depends_on``) through the SDK's own classes
  (``CustomResource``, ``ComponentResource``, ``ProviderResource``) under the same
  ``PlatformMocks`` and the SDK's plain ``MockMonitor``, timed from ``set_mocks`` until every
  registration has been answered. No config loading, no program logic, no recording, no files.

Both children import ``pulumi`` before their clock starts. Render and floor runs alternate
(render, floor, render, floor, ...) so that a load on the machine falls on both; each run's wall
time and CPU time (all threads of the process) are printed, then the medians and their ratios
(the target is at most 1.3). CPU time is the steadier of the two on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

if TYPE_CHECKING:  # the children import pulumi themselves, each at its own moment
    import asyncio

    import pulumi
    from pulumi.runtime.proto import resource_pb2

REPO = Path(__file__).resolve().parents[1]


class _Registration(TypedDict):
    """One registration as the capture keeps it for the floor to replay."""

    type: str
    name: str
    custom: bool
    urn: str
    parent: str
    provider: str  # the provider's URN without its id, or ""
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]  # input key -> URNs it depended on
    inputs: dict[str, Any]
    protect: bool
    retain_on_delete: bool


class _Capture(TypedDict):
    """What the capture child pickles."""

    stack: str
    resources: list[_Registration]


def _capture(stack_path: Path, capture_path: Path) -> None:
    """Run the program for `stack_path` and pickle every registration the floor replays."""
    from pulumi.runtime import rpc

    from tools import mockrun

    captured: list[_Registration] = []

    class CapturingMonitor(mockrun.RecordingMonitor):
        def RegisterResource(self, request: resource_pb2.RegisterResourceRequest) -> Any:
            response = super().RegisterResource(request)
            if request.type != "pulumi:pulumi:Stack":
                captured.append(
                    {
                        "type": request.type,
                        "name": request.name,
                        "custom": bool(request.custom),
                        "urn": response.urn,
                        "parent": request.parent,
                        "provider": request.provider.rsplit("::", 1)[0] if request.provider else "",
                        "dependencies": list(request.dependencies),
                        "property_dependencies": {
                            key: list(deps.urns) for key, deps in request.propertyDependencies.items() if deps.urns
                        },
                        "inputs": mockrun._unwrap(rpc.deserialize_properties(request.object)),
                        "protect": bool(request.protect),
                        "retain_on_delete": bool(request.retainOnDelete),
                    }
                )
            return response

    # run_stack_file builds its monitor from this name: this child process records through ours
    mockrun.RecordingMonitor = CapturingMonitor  # type: ignore[misc]
    run = mockrun.run_stack_file(stack_path)
    capture: _Capture = {"stack": run.stack, "resources": captured}
    capture_path.write_bytes(pickle.dumps(capture))
    print(json.dumps({"resources": len(captured)}))


def _replay_value(value: Any, secret: Callable[[Any], Any]) -> Any:
    from tools.mockrun import Secret

    if isinstance(value, Secret):
        return secret(_replay_value(value.value, secret))
    if isinstance(value, dict):
        return {k: _replay_value(v, secret) for k, v in value.items()}
    if isinstance(value, list):
        return [_replay_value(v, secret) for v in value]
    return value


def _depending(value: Any, resources: list[pulumi.Resource]) -> Any:
    """`value` as an Output that depends on `resources` (what the program's input was)."""
    import asyncio

    import pulumi

    def known(result: Any) -> asyncio.Future[Any]:
        future = asyncio.get_event_loop().create_future()
        future.set_result(result)
        return future

    return pulumi.Output(set(resources), known(value), known(True), known(False))


def _floor(capture_path: Path) -> None:
    """Register the captured resources with the SDK's own classes; print the seconds it took."""
    import pulumi

    class Custom(pulumi.CustomResource):
        def __init__(self, kind: str, name: str, inputs: dict[str, Any], opts: pulumi.ResourceOptions):
            super().__init__(kind, name, inputs, opts)

    class Component(pulumi.ComponentResource):
        def __init__(self, kind: str, name: str, inputs: dict[str, Any], opts: pulumi.ResourceOptions):
            super().__init__(kind, name, inputs, opts)

    class Provider(pulumi.ProviderResource):
        def __init__(self, package: str, name: str, inputs: dict[str, Any], opts: pulumi.ResourceOptions):
            super().__init__(package, name, inputs, opts)

    from pulumi.runtime.stack import run_pulumi_func, wait_for_rpcs
    from pulumi.runtime.sync_await import _sync_await

    from project import PROJECT
    from tools.mockrun import PlatformMocks

    class CountingMocks(PlatformMocks):
        registered = 0

        def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
            CountingMocks.registered += 1
            return super().new_resource(args)

    capture: _Capture = pickle.loads(capture_path.read_bytes())
    start, cpu = time.perf_counter(), time.process_time()
    pulumi.runtime.set_mocks(CountingMocks(), project=PROJECT, stack=capture["stack"], preview=False)

    def register_all() -> Coroutine[Any, Any, None]:
        by_urn: dict[str, pulumi.Resource] = {}
        providers: dict[str, pulumi.ProviderResource] = {}  # the same resources, typed as providers
        for entry in capture["resources"]:
            through_inputs = {u for urns in entry["property_dependencies"].values() for u in urns}
            explicit = [by_urn[u] for u in entry["dependencies"] if u in by_urn and u not in through_inputs]
            opts = pulumi.ResourceOptions(
                parent=by_urn.get(entry["parent"]),
                provider=providers.get(entry["provider"]),
                depends_on=explicit or None,
                protect=entry["protect"] or None,
                retain_on_delete=entry["retain_on_delete"] or None,
            )
            inputs = _replay_value(entry["inputs"], pulumi.Output.secret)
            for key, urns in entry["property_dependencies"].items():
                if key in inputs:
                    inputs[key] = _depending(inputs[key], [by_urn[u] for u in urns if u in by_urn])
            kind = entry["type"]
            if kind.startswith("pulumi:providers:"):
                provider = Provider(kind.removeprefix("pulumi:providers:"), entry["name"], inputs, opts)
                providers[entry["urn"]] = provider
                resource: pulumi.Resource = provider
            elif entry["custom"]:
                resource = Custom(kind, entry["name"], inputs, opts)
            else:
                resource = Component(kind, entry["name"], inputs, opts)
            by_urn[entry["urn"]] = resource
        return wait_for_rpcs()

    _sync_await(run_pulumi_func(register_all))
    print(
        json.dumps(
            {
                "seconds": time.perf_counter() - start,
                "cpu": time.process_time() - cpu,
                "registered": CountingMocks.registered,
            }
        )
    )


def _render(stack_path: Path, out: Path) -> None:
    """Run the whole offline render in this process; print the seconds it took."""
    import pulumi  # noqa: F401 - imported before the clock starts, as the floor does

    start, cpu = time.perf_counter(), time.process_time()
    from tools import render

    status = render.main(["--config", str(stack_path), "--out", str(out)])
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    if status != 0:
        raise SystemExit(f"render exited {status}")
    registered = len(json.loads((out / "resources.json").read_text()))
    print(json.dumps({"seconds": elapsed, "cpu": cpu, "registered": registered}))


def _child(args: list[str]) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.render_bench", "--child", *args],
        cwd=str(REPO),
        capture_output=True,
        text=True,
        timeout=1800,
    )
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise SystemExit(f"{args[0]} run failed: {tail[:200]}")
    return json.loads(lines[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5, help="render and floor runs each (alternating)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        sys.path.insert(0, str(REPO))
        mode, *paths = args.child
        {
            "capture": lambda: _capture(Path(paths[0]), Path(paths[1])),
            "floor": lambda: _floor(Path(paths[0])),
            "render": lambda: _render(Path(paths[0]), Path(paths[1])),
        }[mode]()
        sys.stdout.flush()
        os._exit(0)  # skip the mock runtime's noisy event-loop teardown, as tools.render does

    from bench.generated_stack import write

    with tempfile.TemporaryDirectory(prefix="render-bench-") as scratch:
        stack_path = write(Path(scratch) / "Pulumi.scale.yaml", args.apps)
        capture_path = Path(scratch) / "capture.pickle"
        resources = _child(["capture", str(stack_path), str(capture_path)])["resources"]
        print(f"{args.apps} apps, {resources} resources; {args.runs} alternating runs each\n")
        print("| run | render (s) | floor (s) | render / floor | render CPU (s) | floor CPU (s) | CPU ratio |")
        print("|---|---|---|---|---|---|---|")
        renders, floors = [], []
        for run in range(1, args.runs + 1):
            renders.append(_child(["render", str(stack_path), str(Path(scratch) / f"out-{run}")]))
            floors.append(_child(["floor", str(capture_path)]))
            if renders[-1]["registered"] != resources or floors[-1]["registered"] != resources:
                raise SystemExit(
                    f"render registered {renders[-1]['registered']}, floor {floors[-1]['registered']}, "
                    f"captured {resources}: not the same resources"
                )
            print(_row(str(run), renders[-1], floors[-1]), flush=True)
        median = {key: statistics.median(r[key] for r in renders) for key in ("seconds", "cpu")}
        floor_median = {key: statistics.median(f[key] for f in floors) for key in ("seconds", "cpu")}
        print(_row("median", median, floor_median))


def _row(label: str, render: dict[str, float], floor: dict[str, float]) -> str:
    return (
        f"| {label} | {render['seconds']:.2f} | {floor['seconds']:.2f} | {render['seconds'] / floor['seconds']:.2f} "
        f"| {render['cpu']:.2f} | {floor['cpu']:.2f} | {render['cpu'] / floor['cpu']:.2f} |"
    )


if __name__ == "__main__":
    main()
