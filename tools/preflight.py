"""Check, read-only, that the Avi controller has everything a stack needs before `up`.

    python -m tools.preflight --stack onprem        (make preflight STACK=onprem)
    python -m tools.preflight --config path/to/Pulumi.mystack.yaml

Reads the stack file's `avi` section (controller, user, tenant) and `edge.avi` (cloud, SE group,
VRF, VIP network, what the program writes), logs in and sends GETs only (providers/avi/preflight.py).
The password comes from AVI_PASSWORD: a stack file holds it encrypted. AVI_USERNAME logs in as
another user (one who may read users and roles) while still checking the stack's user.

Exit status: 0 when everything is there; 2 with every problem, one line each with its fix (also
for an unusable stack file or settings); 1 when the controller cannot be reached (one line).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from components.avi.controller import AviControllerConfig
from components.avi.plan import plan_edge
from components.config.errors import problems_from
from components.edges.avi.config import AviEdgeConfig
from components.routes.config import AppConfig
from project import PROJECT
from providers.avi import first_contact, preflight
from providers.avi.client import AviSession
from providers.avi.errors import AviApiError
from providers.avi.settings import ControllerSettings, SettingsError
from providers.avi.urls import controller_host
from tools.mockrun import PROJECT_DIR, read_stack_file
from tools.stack_files import StackFileError


class Unusable(Exception):
    """The stack cannot be preflighted as it is; the message says why and what to do."""


def _json(config: dict[str, str], key: str) -> Any:
    raw = config.get(f"{PROJECT}:{key}")
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _validated(model: Any, value: Any, path: str) -> Any:
    try:
        return model.model_validate(value, by_alias=True, by_name=False)
    except ValidationError as error:
        lines = []
        for problem in problems_from(error, model):
            inner = problem.path.removeprefix(f"{PROJECT}:")
            lines.append(
                f"{PROJECT}:{path}{'' if not inner or inner.startswith('[') else '.'}{inner}: {problem.message}"
            )
        raise Unusable("\n".join(lines)) from None


def _vip_names(config: dict[str, str], edge: AviEdgeConfig) -> tuple[str, ...] | None:
    """The VsVips the program declares (the pulumi manager's shards), or None (AKO's own)."""
    if edge.manager != "pulumi":
        return None
    cluster = (_json(config, "cluster") or {}).get("name")
    try:
        apps = TypeAdapter(tuple[AppConfig, ...]).validate_python(
            _json(config, "apps") or [],
            context={"namespaces": None, "secrets": set(), "stack": "", "today": None},
            by_alias=True,
            by_name=False,
        )
    except ValidationError:
        return None  # the preview names the apps' problems; one free address is asked for instead
    if not isinstance(cluster, str):
        return None
    plan = plan_edge(cluster, apps, edge.shard_size, edge.passthrough_shard_size)
    return tuple(s.name for s in plan.shards) + tuple(p.name for p in plan.passthrough)


def stack_needs(path: Path) -> tuple[ControllerSettings, preflight.Needs]:
    """The settings to log in with and what the stack needs; raises Unusable."""
    try:
        stack = read_stack_file(path, stand_in_secrets=False)
    except StackFileError as error:
        raise Unusable(str(error)) from None
    avi_raw = _json(stack.config, "avi")
    if not isinstance(avi_raw, dict):
        raise Unusable(
            f"{path.name}: {PROJECT}:avi is not set; preflight needs the controller section "
            "(controller, username, tenant)"
        )
    avi = _validated(AviControllerConfig, avi_raw, "avi")
    edge_raw = _json(stack.config, "edge")
    if not isinstance(edge_raw, dict) or edge_raw.get("kind") != "avi" or not isinstance(edge_raw.get("avi"), dict):
        kind = edge_raw.get("kind") if isinstance(edge_raw, dict) else None
        raise Unusable(
            f"{path.name}: {PROJECT}:edge.kind is {kind!r}; preflight checks an Avi edge "
            "(edge.kind: avi with an edge.avi section)"
        )
    edge = _validated(AviEdgeConfig, edge_raw["avi"], "edge.avi")
    password = os.environ.get("AVI_PASSWORD", "")
    if not password:
        raise Unusable(
            f"AVI_PASSWORD is not set: the stack file keeps {PROJECT}:aviPassword encrypted, so give "
            f"the password of {avi.username!r} in the environment "
            f"(AVI_PASSWORD=... make preflight STACK={stack.stack})"
        )
    settings = ControllerSettings(
        controller=avi.controller.rstrip("/"),
        username=avi.username,
        password=password,
        tenant=avi.tenant,
        version=avi.version,
        ca_bundle=avi.ca_bundle,
        insecure=avi.insecure,
        allow_plain_http=avi.allow_plain_http,
    )
    try:
        settings.validate()
    except SettingsError as error:
        raise Unusable(str(error)) from None
    needs = first_contact.edge_needs(edge_raw["avi"], avi.tenant, avi.username, _vip_names(stack.config, edge))
    login_as = os.environ.get("AVI_USERNAME")
    if login_as and login_as != avi.username:
        settings = replace(settings, username=login_as)
    return settings, needs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.preflight", description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--stack", help="stack name: reads Pulumi.<stack>.yaml in the project")
    source.add_argument("--config", type=Path, help="path to a Pulumi.<stack>.yaml anywhere")
    args = parser.parse_args(argv)
    path = args.config or PROJECT_DIR / f"Pulumi.{args.stack}.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in PROJECT_DIR.glob("Pulumi.*.yaml")))
        print(
            f"error: no stack file at {path}" + (f"; stacks in the project: {known}" if args.stack else ""),
            file=sys.stderr,
        )
        return 2
    try:
        settings, needs = stack_needs(path)
    except Unusable as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    host = controller_host(settings.controller)
    session = AviSession(settings, connect_timeout=5.0, read_timeout=30.0, attempts=2)
    try:
        report = preflight.run(session, needs)
    except AviApiError as error:
        if error.path == "/login" and error.status in (401, 403):
            print(
                f"error: the controller {host} refused the login of {settings.username!r} (HTTP {error.status}); "
                "fix: check AVI_PASSWORD (and AVI_USERNAME when set)",
                file=sys.stderr,
            )
            return 2
        print(f"error: cannot reach the Avi controller {host}: {error.message}", file=sys.stderr)
        return 1
    for note in report.unchecked:
        print(f"not checked: {note.line()}")
    if report.problems:
        count = len(report.problems)
        print(f"preflight {path.name}: {count} problem{'s' if count != 1 else ''} on {host}", file=sys.stderr)
        for problem in report.problems:
            print(f"- {problem.line()}", file=sys.stderr)
        return 2
    print(f"preflight {path.name}: {host} has everything the stack needs ({report.checks} reads)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
