"""Offline render of a stack: what the program would declare, without Pulumi CLI or cloud.

    python -m tools.render --stack dev --out out/dev
    python -m tools.render --config path/to/Pulumi.mystack.yaml --out out/mystack

Writes `resources.json` (every resource with its type, name, parent and inputs, each
secret value shown as "[secret]", whole numbers as integers, and every value the mocks made up,
such as a resource id or an allocated VIP, as "<mock: VALUE>"; see tools/render_values.py),
`manifests/` (one YAML file per Kubernetes object
the program declares directly; Helm releases stay in resources.json), `examples/` (objects
the program hands to app teams rather than applying, such as the AuthorizationPolicy that
admits the Emissary edge), `outputs.json`, `diagram.md` and `diagram.svg` (a picture of the
components and Avi objects, as Mermaid in Markdown and as SVG; see tools/diagram.py), and prints a
count of resources by type. Invalid configuration, or a stack file that is not valid
YAML / repeats a key / is not a mapping: exit status 2 with every problem listed, and no
render left behind: a previous render in `--out` (marked as this tool's, see
tools/output_dir.py) is removed so it cannot pass for the current configuration.

`--out` must be new, empty, or a previous render of this tool holding nothing else; anything
else (someone's files, the project root or a parent of it, `.git`, a home directory, `/`) is
refused before anything is touched: one line, exit status 2. So is an unknown stack. The output
is written to a staging directory next to `--out` and swapped in only when complete.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import yaml

from components.config.errors import ConfigError
from components.edges.emissary import model as emissary_model
from tools import diagram, diagram_svg, diagram_text, output_dir
from tools.mockrun import PROJECT_DIR, ProgramRun, RecordedResource, run_stack_file
from tools.render_values import SECRET_MARK, RenderedValues
from tools.stack_files import StackFileError

WRITER = "tools.render"
DIAGRAM_MARKDOWN, DIAGRAM_SVG = "diagram.md", "diagram.svg"
NOT_MANIFESTS = ("kubernetes:helm.sh/", "kubernetes:yaml", "pulumi:providers:kubernetes")
YAML_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
"""libyaml's emitter when PyYAML was built with it (same output as the pure-Python one, faster)."""


def is_manifest(resource: RecordedResource) -> bool:
    """A Kubernetes object declared directly (not a Helm release or the provider)."""
    return resource.type.startswith("kubernetes:") and not resource.type.startswith(NOT_MANIFESTS)


def manifest_of(inputs: dict[str, Any]) -> dict[str, Any]:
    """The object as kubectl would see it, from a resource's inputs as the render writes them
    (see `RenderedValues`)."""
    body = dict(inputs)
    head = {
        "apiVersion": body.pop("apiVersion", None),
        "kind": body.pop("kind", None),
        "metadata": body.pop("metadata", {}) or {},
    }
    return {**head, **{k: v for k, v in body.items() if v is not None}}


def _file_name(index: int, manifest: dict[str, Any]) -> str:
    meta = manifest.get("metadata") or {}
    parts = [
        f"{index:03d}",
        manifest.get("kind") or "object",
        meta.get("namespace") or "cluster",
        meta.get("name") or "unnamed",
    ]
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", "-".join(str(p) for p in parts)) + ".yaml"


def _yaml(document: dict[str, Any]) -> str:
    return yaml.dump(document, Dumper=YAML_DUMPER, sort_keys=False, default_flow_style=False)


def _write_files(run: ProgramRun, out: Path) -> None:
    (out / "manifests").mkdir()
    values = RenderedValues(run.mock_values)
    entries, manifests = [], []
    for resource in run.resources:
        inputs = values.of(resource.inputs)
        entries.append(
            {
                "type": resource.type,
                "name": values.text(resource.name),
                "parent": values.text(resource.parent) if resource.parent else resource.parent,
                "inputs": inputs,
            }
        )
        if is_manifest(resource):
            manifests.append(manifest_of(inputs))
    (out / "resources.json").write_text(json.dumps(entries, indent=2, sort_keys=True) + "\n")
    for index, manifest in enumerate(manifests):
        (out / "manifests" / _file_name(index, manifest)).write_text(_yaml(manifest))
    for file_name, policy in example_policies(run.outputs).items():
        (out / "examples").mkdir(exist_ok=True)
        (out / "examples" / file_name).write_text(_yaml(values.of(policy)))
    outputs = {k: (SECRET_MARK if k in run.secret_outputs else values.of(v)) for k, v in run.outputs.items()}
    (out / "outputs.json").write_text(json.dumps(outputs, indent=2, sort_keys=True, default=str) + "\n")
    picture = diagram.build(run)
    (out / DIAGRAM_MARKDOWN).write_text(diagram_text.markdown(picture, svg_name=DIAGRAM_SVG))
    (out / DIAGRAM_SVG).write_text(diagram_svg.svg(picture))


def example_policies(outputs: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The AuthorizationPolicy examples app teams copy to admit the Emissary edge (not applied
    by the program: an ALLOW policy denies every caller it does not list)."""
    principal = outputs.get("emissaryPrincipal")
    if not principal:
        return {}
    emissary_namespace = principal.split("/ns/", 1)[1].split("/", 1)[0]
    return {
        f"allow-emissary-{namespace}.yaml": emissary_model.authorization_policy(namespace, emissary_namespace)
        for namespace in outputs.get("emissaryAppNamespaces") or []
    }


def write_render(run: ProgramRun, out: Path) -> None:
    """Write the render of a program run into `out`, replacing it only once complete; raises
    output_dir.Refused, touching nothing, when `out` is not new, empty or a previous render."""
    output_dir.write_dir(output_dir.inspect(out, WRITER), lambda staging: _write_files(run, staging))


def summary_table(run: ProgramRun) -> str:
    """Resource counts by type, widest type first column."""
    counts = sorted(run.types().items())
    width = max((len(t) for t, _ in counts), default=4)
    lines = [f"{'type':<{width}}  count", f"{'-' * width}  -----"]
    lines += [f"{t:<{width}}  {c:>5}" for t, c in counts]
    lines.append(f"{'total':<{width}}  {sum(c for _, c in counts):>5}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.render", description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--stack", help="stack name: reads Pulumi.<stack>.yaml in the project")
    source.add_argument("--config", type=Path, help="path to a Pulumi.<stack>.yaml anywhere")
    parser.add_argument(
        "--out", type=Path, required=True, help="output directory: new, empty, or a previous render (then replaced)"
    )
    args = parser.parse_args(argv)

    path = args.config or PROJECT_DIR / f"Pulumi.{args.stack}.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in PROJECT_DIR.glob("Pulumi.*.yaml")))
        hint = f"; stacks in the project: {known}" if args.stack is not None else ""
        print(f"error: no stack file at {path}{hint}", file=sys.stderr)
        return 2
    try:
        target = output_dir.inspect(args.out, WRITER)
    except output_dir.Refused as refused:
        print(f"error: refusing --out {args.out}: {refused}", file=sys.stderr)
        return 2
    try:
        run = run_stack_file(path)
    except StackFileError as error:
        print(f"error: {error}", file=sys.stderr)
        _drop_stale_render(target)
        return 2
    except ConfigError as error:
        print(f"{path.name}: {error}", file=sys.stderr)
        _drop_stale_render(target)
        return 2
    try:
        output_dir.write_dir(target, lambda staging: _write_files(run, staging))
    except output_dir.Refused as refused:
        print(f"error: refusing --out {args.out}: {refused}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"error: could not write {args.out}: {error.strerror or error}", file=sys.stderr)
        return 1
    print(
        f"stack {run.stack}: {len(run.resources)} resources, "
        f"{sum(1 for r in run.resources if is_manifest(r))} manifests -> {args.out} "
        f"(picture: {args.out / DIAGRAM_MARKDOWN}, {DIAGRAM_SVG})"
    )
    print(summary_table(run))
    return 0


def _drop_stale_render(target: output_dir.Target) -> None:
    """After a failed render: remove this tool's previous render in `--out` (and nothing else), so
    it cannot pass for the configuration that just failed."""
    try:
        if output_dir.remove_previous(target):
            print(f"removed the previous render in {target.requested}", file=sys.stderr)
    except (output_dir.Refused, OSError) as error:
        print(f"left the previous render in {target.requested}: {error}", file=sys.stderr)


if __name__ == "__main__":
    status = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # The mock runtime leaves per-thread asyncio loops behind; skipping interpreter
    # teardown avoids their noisy "Exception ignored in BaseEventLoop.__del__" at exit.
    # Every file was written and closed above.
    os._exit(status)
