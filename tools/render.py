"""Offline render of a stack: what the program would declare, without Pulumi CLI or cloud.

    python -m tools.render --stack dev --out out/dev
    python -m tools.render --config path/to/Pulumi.mystack.yaml --out out/mystack

Writes `resources.json` (every resource with its type, name, parent and inputs, each
secret value shown as "[secret]"), `manifests/` (one YAML file per Kubernetes object
the program declares directly; Helm releases stay in resources.json), `examples/` (objects
the program hands to app teams rather than applying, such as the AuthorizationPolicy that
admits the Emissary edge), `outputs.json`, and prints a
count of resources by type. Invalid configuration, or a stack file that is not valid
YAML / repeats a key / is not a mapping: exit status 2 with every problem listed, and no
output directory left behind (not even a previous run's). The output is written to a
temporary directory next to `--out` and swapped in only when complete.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Optional

import yaml

from components.config.errors import ConfigError
from components.edges.emissary import model as emissary_model
from tools.mockrun import PROJECT_DIR, ProgramRun, RecordedResource, redact, run_stack_file
from tools.stack_files import StackFileError

NOT_MANIFESTS = ("kubernetes:helm.sh/", "kubernetes:yaml", "pulumi:providers:kubernetes")


def is_manifest(resource: RecordedResource) -> bool:
    """A Kubernetes object declared directly (not a Helm release or the provider)."""
    return resource.type.startswith("kubernetes:") and not resource.type.startswith(NOT_MANIFESTS)


def manifest_of(resource: RecordedResource) -> dict:
    """The object as kubectl would see it, secrets redacted."""
    inputs = redact(resource.inputs)
    head = {"apiVersion": inputs.pop("apiVersion", None), "kind": inputs.pop("kind", None),
            "metadata": inputs.pop("metadata", {}) or {}}
    return {**head, **{k: v for k, v in inputs.items() if v is not None}}


def _file_name(index: int, manifest: dict) -> str:
    meta = manifest.get("metadata") or {}
    parts = [f"{index:03d}", manifest.get("kind") or "object", meta.get("namespace") or "cluster",
             meta.get("name") or "unnamed"]
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", "-".join(str(p) for p in parts)) + ".yaml"


def _write_files(run: ProgramRun, out: Path) -> None:
    (out / "manifests").mkdir(parents=True)
    entries = [{"type": r.type, "name": r.name, "parent": r.parent, "inputs": redact(r.inputs)}
               for r in run.resources]
    (out / "resources.json").write_text(json.dumps(entries, indent=2, sort_keys=True) + "\n")
    manifests = [manifest_of(r) for r in run.resources if is_manifest(r)]
    for index, manifest in enumerate(manifests):
        (out / "manifests" / _file_name(index, manifest)).write_text(
            yaml.safe_dump(manifest, sort_keys=False, default_flow_style=False))
    for file_name, policy in example_policies(run.outputs).items():
        (out / "examples").mkdir(exist_ok=True)
        (out / "examples" / file_name).write_text(yaml.safe_dump(policy, sort_keys=False, default_flow_style=False))
    outputs = {k: ("[secret]" if k in run.secret_outputs else v) for k, v in run.outputs.items()}
    (out / "outputs.json").write_text(json.dumps(outputs, indent=2, sort_keys=True, default=str) + "\n")


def example_policies(outputs: dict) -> dict[str, dict]:
    """The AuthorizationPolicy examples app teams copy to admit the Emissary edge (not applied
    by the program: an ALLOW policy denies every caller it does not list)."""
    principal = outputs.get("emissaryPrincipal")
    if not principal:
        return {}
    emissary_namespace = principal.split("/ns/", 1)[1].split("/", 1)[0]
    return {f"allow-emissary-{namespace}.yaml": emissary_model.authorization_policy(namespace, emissary_namespace)
            for namespace in outputs.get("emissaryAppNamespaces") or []}


def write_render(run: ProgramRun, out: Path) -> None:
    """Write resources.json and manifests/ for a program run, replacing `out` only once complete."""
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        _write_files(run, staging / "render")
        remove_output(out)
        (staging / "render").rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def remove_output(out: Path) -> None:
    """Remove a previous run's output, so a failed render leaves nothing stale behind."""
    if out.is_dir() and not out.is_symlink():
        shutil.rmtree(out)
    elif out.exists() or out.is_symlink():
        out.unlink()


def summary_table(run: ProgramRun) -> str:
    """Resource counts by type, widest type first column."""
    counts = sorted(run.types().items())
    width = max((len(t) for t, _ in counts), default=4)
    lines = [f"{'type':<{width}}  count", f"{'-' * width}  -----"]
    lines += [f"{t:<{width}}  {c:>5}" for t, c in counts]
    lines.append(f"{'total':<{width}}  {sum(c for _, c in counts):>5}")
    return "\n".join(lines)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.render", description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--stack", help="stack name: reads Pulumi.<stack>.yaml in the project")
    source.add_argument("--config", type=Path, help="path to a Pulumi.<stack>.yaml anywhere")
    parser.add_argument("--out", type=Path, required=True, help="output directory (replaced)")
    args = parser.parse_args(argv)

    path = args.config or PROJECT_DIR / f"Pulumi.{args.stack}.yaml"
    if not path.is_file():
        print(f"error: no stack file at {path}", file=sys.stderr)
        remove_output(args.out)
        return 2
    try:
        run = run_stack_file(path)
    except StackFileError as error:
        print(f"error: {error}", file=sys.stderr)
        remove_output(args.out)
        return 2
    except ConfigError as error:
        print(f"{path.name}: {error}", file=sys.stderr)
        remove_output(args.out)
        return 2
    write_render(run, args.out)
    print(f"stack {run.stack}: {len(run.resources)} resources, "
          f"{sum(1 for r in run.resources if is_manifest(r))} manifests -> {args.out}")
    print(summary_table(run))
    return 0


if __name__ == "__main__":
    status = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # The mock runtime leaves per-thread asyncio loops behind; skipping interpreter
    # teardown avoids their noisy "Exception ignored in BaseEventLoop.__del__" at exit.
    # Every file was written and closed above.
    os._exit(status)
