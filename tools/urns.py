"""The URNs a program run gives its resources, and which recorded URNs they keep, as the engine sees it.

A stack's state is keyed by URN: `urn:pulumi:<stack>::<project>::<parent types $-joined>$<type>::<name>`.
Renaming a type token or a resource, or moving it under another parent, changes its URN, and the
engine then deletes the old resource and creates a new one, unless the new resource names its old
URN in `aliases`. This module recomputes, from a run under `tools.mockrun`, what the engine would:

- each resource's URN from its type, name and parent chain (the mock monitor keeps only the
  parent's last type; the engine keeps the whole chain and leaves out the root stack's type);
- each resource's aliases, as the engine's step generator collapses them (a spec alias inherits
  every field it leaves out from the resource; a child also inherits its parent's matched alias,
  with its name's prefix renamed when it starts with the parent's name);
- which recorded URN each resource takes over, refusing what the engine refuses (two resources
  claiming one old URN).

`python -m tools.urns record Pulumi.<stack>.yaml ...` writes `tests/fixtures/urns/<stack>.txt`, the
reference the URN test holds later runs against. It only adds: URNs already recorded stay, so a
rename cannot quietly rewrite the reference it must be checked against.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from project import PROJECT
from tools.mockrun import PROJECT_DIR, ProgramRun, RecordedResource, run_stack_file

FIXTURE_DIR = PROJECT_DIR / "tests" / "fixtures" / "urns"
ROOT_STACK_TYPE = "pulumi:pulumi:Stack"


def qualified_type(urn: str) -> str:
    """`a$b$c` of `urn:pulumi:s::p::a$b$c::name`."""
    return urn.split("::")[2]


def urn_name(urn: str) -> str:
    """The resource name: everything after the third `::` (names may themselves contain `::`)."""
    return urn.split("::", 3)[3]


def urn_type(urn: str) -> str:
    """The resource's own type: the last `$`-separated part of the qualified type."""
    return qualified_type(urn).split("$")[-1]


def new_urn(stack: str, project: str, parent_type: str, type_: str, name: str) -> str:
    """The engine's `resource.NewURN`: the parent's qualified type prefixes the type, unless it is the stack."""
    typ = f"{parent_type}${type_}" if parent_type and parent_type != ROOT_STACK_TYPE else type_
    return f"urn:pulumi:{stack}::{project}::{typ}::{name}"


def create_urn(name: str, type_: str, parent: str, project: str, stack: str) -> str:
    """The engine's `resource.CreateURN`: a parent URN up to its name, then `$type::name`."""
    if not parent:
        return f"urn:pulumi:{stack}::{project}::{type_}::{name}"
    return f"{parent[: parent.rindex('::')]}${type_}::{name}"


@dataclass
class UrnResource:
    """One registration with the URN the engine gives it and the aliases the engine derives for it."""

    record: RecordedResource
    urn: str
    parent: str
    """The parent's engine URN; empty under the root stack."""
    specs: list[dict[str, Any]] = field(default_factory=list)
    """The `aliases` option as sent, with parent resources named by their engine URN."""
    aliases: list[str] = field(default_factory=list)
    """Every URN the engine would look this resource up by, after its own."""
    matched: str | None = None
    """The recorded URN this resource takes over through an alias (None: its own URN, or nothing)."""


@dataclass
class UrnReport:
    """The outcome of holding a run against recorded URNs."""

    resources: list[UrnResource]
    kept: set[str]
    """Recorded URNs some resource keeps, by URN or through an alias."""
    missing: list[str]
    """Recorded URNs no resource keeps: the engine would delete them."""
    unrecorded: list[str]
    """New URNs that neither were recorded nor alias a recorded one: the engine would create them."""
    conflicts: list[str]
    """What the engine refuses: two resources claiming one URN."""


def engine_urns(run: ProgramRun, project: str = PROJECT) -> list[UrnResource]:
    """Each recorded resource with its URN as the engine computes it, in registration order."""
    by_mock_urn: dict[str, str] = {}
    resources = []
    for record in run.resources:
        if record.urn in by_mock_urn:
            raise ValueError(f"two registrations share the mock URN {record.urn}")
        parent = by_mock_urn.get(record.parent_urn, "")
        if record.parent_urn and not parent and qualified_type(record.parent_urn) != ROOT_STACK_TYPE:
            raise ValueError(f"{record.name}: parent {record.parent_urn} was not registered before it")
        urn = new_urn(run.stack, project, qualified_type(parent) if parent else "", record.type, record.name)
        by_mock_urn[record.urn] = urn
        # An alias naming a parent resource carries that resource's mock URN; the engine knows its real one.
        specs = [
            {**alias, "parentUrn": by_mock_urn.get(alias["parentUrn"], alias["parentUrn"])}
            if alias.get("parentUrn")
            else dict(alias)
            for alias in record.aliases
        ]
        resources.append(UrnResource(record, urn, parent, specs))
    return resources


def _collapse(resource: UrnResource, alias: dict[str, Any], stack: str, project: str, matched: dict[str, str]) -> str:
    """The engine's `collapseAliasToUrn`: fields an alias leaves out come from the resource."""
    if alias.get("urn"):
        return alias["urn"]
    name = alias.get("name") or resource.record.name
    type_ = alias.get("type") or resource.record.type
    parent = alias.get("parentUrn") or ""
    if not parent:
        parent = resource.parent
    else:
        parent = matched.get(parent, parent)
    if alias.get("noParent") or (parent and qualified_type(parent) == ROOT_STACK_TYPE):
        parent = ""
    return create_urn(name, type_, parent, alias.get("project") or project, alias.get("stack") or stack)


def _inherited(child_type: str, child_name: str, parent_name: str, parent_alias: str, stack: str, project: str) -> str:
    """The engine's `inheritedChildAlias`: the child under its parent's old URN, its name's prefix renamed."""
    alias_name = child_name
    if child_name.startswith(parent_name):
        alias_name = urn_name(parent_alias) + child_name[len(parent_name) :]
    return new_urn(stack, project, qualified_type(parent_alias), child_type, alias_name)


def hold_against(run: ProgramRun, recorded: Iterable[str], project: str = PROJECT) -> UrnReport:
    """Walk the run as the engine's step generator does and say which recorded URNs survive."""
    olds = set(recorded)
    resources = engine_urns(run, project)
    matched: dict[str, str] = {}  # new URN -> the old URN it took over (the engine's `sg.aliases`)
    claimed: dict[str, str] = {}  # old URN -> the new URN that claimed it through an alias
    seen: set[str] = set()
    conflicts: list[str] = []
    for resource in resources:
        if resource.urn in seen:
            conflicts.append(f"two resources register {resource.urn}")
        seen.add(resource.urn)
        own = [_collapse(resource, alias, run.stack, project, matched) for alias in resource.specs]
        aliases = list(dict.fromkeys(own))
        parent_alias = matched.get(resource.parent) if resource.parent else None
        if parent_alias:
            parent_name = urn_name(resource.parent)
            aliases.append(
                _inherited(resource.record.type, resource.record.name, parent_name, parent_alias, run.stack, project)
            )
            for alias in own:
                aliases.append(
                    _inherited(urn_type(alias), urn_name(alias), parent_name, parent_alias, run.stack, project)
                )
        resource.aliases = list(dict.fromkeys(a for a in aliases if a != resource.urn))
        if resource.urn in claimed:
            conflicts.append(f"{resource.urn} is registered, but {claimed[resource.urn]} already took it over")
        if resource.urn in olds:
            continue
        for alias in resource.aliases:
            if alias in olds:
                if alias in seen:
                    conflicts.append(f"{resource.urn} aliases {alias}, which another resource registers")
                if alias in claimed:
                    conflicts.append(f"{resource.urn} and {claimed[alias]} both alias {alias}")
                claimed[alias] = resource.urn
                matched[resource.urn] = resource.matched = alias
                break
    kept = (olds & seen) | set(claimed)
    missing = sorted(olds - kept)
    unrecorded = [r.urn for r in resources if r.urn not in olds and r.matched is None]
    return UrnReport(resources, kept, missing, unrecorded, conflicts)


def fixture_path(stack: str) -> Path:
    """Where the recorded URNs of `stack` live."""
    return FIXTURE_DIR / f"{stack}.txt"


def read_fixture(path: Path) -> list[str]:
    """Recorded URNs, one a line; `#` lines are comments."""
    return [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]


HEADER = (
    "# URNs of this example stack's resources, recorded by `python -m tools.urns record`.\n"
    "# tests/test_urns.py fails when one of them is neither produced nor aliased by the program.\n"
)


def record(run: ProgramRun, path: Path) -> list[str]:
    """Add the run's URNs that no recorded URN covers to `path`; return those added."""
    old = read_fixture(path) if path.exists() else []
    report = hold_against(run, old)
    if report.conflicts or report.missing:
        raise ValueError(
            f"{path.name}: refusing to record: "
            + "; ".join(
                report.conflicts
                or [f"{len(report.missing)} recorded URNs are no longer kept, first {report.missing[0]}"]
            )
        )
    added = report.unrecorded
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + "".join(f"{urn}\n" for urn in sorted({*old, *added})))
    return added


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.urns", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("record", help="add the current URNs of each stack file to its fixture")
    rec.add_argument("stack_files", nargs="+", type=Path)
    args = parser.parse_args(argv)
    for stack_file in args.stack_files:
        if not stack_file.is_file() or not stack_file.name.startswith("Pulumi."):
            print(f"{stack_file}: not a Pulumi.<stack>.yaml file", file=sys.stderr)
            return 2
    for stack_file in args.stack_files:
        run = run_stack_file(stack_file)
        try:
            added = record(run, fixture_path(run.stack))
        except ValueError as error:
            print(error, file=sys.stderr)
            return 2
        print(f"{fixture_path(run.stack).relative_to(PROJECT_DIR)}: {len(added)} URNs added")
    return 0


if __name__ == "__main__":
    sys.exit(main())
