"""Benchmark: the whole offline render of a generated stack against the SDK alone registering the
same resources under the same mocks.

``python -m bench.render_bench [--apps 1000] [--runs 5]``

- *render*: ``tools.render.main(["--config", <stack>, "--out", <dir>])`` in a fresh process, timed
  from the call to its return: reading the stack file, validating it, running the program under
  ``tools.mockrun``'s mocks and recording every registration, writing resources.json, manifests/
  and outputs.json.
- *floor*: a bare program, in a fresh process, registering the resource set the render
  registered (captured once beforehand: type, name, inputs with their secrets, parent, explicit
  provider, ``depends_on``, protect / retain-on-delete) through the SDK's own classes
  (``CustomResource``, ``ComponentResource``, ``ProviderResource``) under the same
  ``PlatformMocks`` and the SDK's plain ``MockMonitor``, timed from ``set_mocks`` until every
  registration has been answered. No config loading, no program logic, no recording, no files.

Both children import ``pulumi`` before their clock starts. Render and floor runs alternate
(render, floor, render, floor, ...) so that a load on the machine falls on both; the medians
and their ratio are printed (the target is at most 1.3).
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
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def _capture(stack_path: Path, capture_path: Path) -> None:
    """Run the program for `stack_path` and pickle every registration the floor replays."""
    from pulumi.runtime import rpc

    from tools import mockrun

    captured: list[dict[str, Any]] = []

    class CapturingMonitor(mockrun.RecordingMonitor):
        def RegisterResource(self, request):
            response = super().RegisterResource(request)
            if request.type != "pulumi:pulumi:Stack":
                captured.append({
                    "type": request.type, "name": request.name, "custom": bool(request.custom),
                    "urn": response.urn, "parent": request.parent,
                    "provider": request.provider.rsplit("::", 1)[0] if request.provider else "",
                    "dependencies": list(request.dependencies),
                    "inputs": mockrun._unwrap(rpc.deserialize_properties(request.object)),
                    "protect": bool(request.protect), "retain_on_delete": bool(request.retainOnDelete),
                })
            return response

    mockrun.RecordingMonitor = CapturingMonitor  # type: ignore[misc]
    run = mockrun.run_stack_file(stack_path)
    capture_path.write_bytes(pickle.dumps({"stack": run.stack, "resources": captured}))
    print(json.dumps({"resources": len(captured)}))


def _replay_value(value: Any, secret) -> Any:
    from tools.mockrun import Secret

    if isinstance(value, Secret):
        return secret(_replay_value(value.value, secret))
    if isinstance(value, dict):
        return {k: _replay_value(v, secret) for k, v in value.items()}
    if isinstance(value, list):
        return [_replay_value(v, secret) for v in value]
    return value


def _floor(capture_path: Path) -> None:
    """Register the captured resources with the SDK's own classes; print the seconds it took."""
    import pulumi
    from pulumi.runtime.stack import run_pulumi_func, wait_for_rpcs
    from pulumi.runtime.sync_await import _sync_await

    from tools.mockrun import PROJECT, PlatformMocks

    capture = pickle.loads(capture_path.read_bytes())
    start = time.perf_counter()
    pulumi.runtime.set_mocks(PlatformMocks(), project=PROJECT, stack=capture["stack"], preview=False)

    def register_all():
        by_urn: dict[str, pulumi.Resource] = {}
        for entry in capture["resources"]:
            opts = pulumi.ResourceOptions(
                parent=by_urn.get(entry["parent"]), provider=by_urn.get(entry["provider"]),
                depends_on=[by_urn[u] for u in entry["dependencies"] if u in by_urn] or None,
                protect=entry["protect"] or None, retain_on_delete=entry["retain_on_delete"] or None)
            inputs = _replay_value(entry["inputs"], pulumi.Output.secret)
            kind = entry["type"]
            if kind.startswith("pulumi:providers:"):
                resource: pulumi.Resource = pulumi.ProviderResource(
                    kind.removeprefix("pulumi:providers:"), entry["name"], inputs, opts)
            elif entry["custom"]:
                resource = pulumi.CustomResource(kind, entry["name"], inputs, opts)
            else:
                resource = pulumi.ComponentResource(kind, entry["name"], inputs, opts)
            by_urn[entry["urn"]] = resource
        return wait_for_rpcs()

    _sync_await(run_pulumi_func(register_all))
    print(json.dumps({"seconds": time.perf_counter() - start}))


def _render(stack_path: Path, out: Path) -> None:
    """Run the whole offline render in this process; print the seconds it took."""
    import pulumi  # noqa: F401 - imported before the clock starts, as the floor does

    start = time.perf_counter()
    from tools import render

    status = render.main(["--config", str(stack_path), "--out", str(out)])
    elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"render exited {status}")
    print(json.dumps({"seconds": elapsed}))


def _child(args: list[str]) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, "-m", "bench.render_bench", "--child", *args], cwd=str(REPO),
                          capture_output=True, text=True, timeout=1800)
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
        {"capture": lambda: _capture(Path(paths[0]), Path(paths[1])),
         "floor": lambda: _floor(Path(paths[0])),
         "render": lambda: _render(Path(paths[0]), Path(paths[1]))}[mode]()
        sys.stdout.flush()
        os._exit(0)  # skip the mock runtime's noisy event-loop teardown, as tools.render does

    from bench.generated_stack import write

    with tempfile.TemporaryDirectory(prefix="render-bench-") as scratch:
        stack_path = write(Path(scratch) / "Pulumi.scale.yaml", args.apps)
        capture_path = Path(scratch) / "capture.pickle"
        resources = _child(["capture", str(stack_path), str(capture_path)])["resources"]
        print(f"{args.apps} apps, {resources} resources; {args.runs} alternating runs each\n")
        print("| run | render (s) | floor (s) | render / floor |")
        print("|---|---|---|---|")
        renders, floors = [], []
        for run in range(1, args.runs + 1):
            renders.append(_child(["render", str(stack_path), str(Path(scratch) / f"out-{run}")])["seconds"])
            floors.append(_child(["floor", str(capture_path)])["seconds"])
            print(f"| {run} | {renders[-1]:.2f} | {floors[-1]:.2f} | {renders[-1] / floors[-1]:.2f} |", flush=True)
        render_median, floor_median = statistics.median(renders), statistics.median(floors)
        print(f"| median | {render_median:.2f} | {floor_median:.2f} | {render_median / floor_median:.2f} |")


if __name__ == "__main__":
    main()
