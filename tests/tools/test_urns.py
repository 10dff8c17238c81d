"""Every example stack keeps its URNs: renamed types and resources carry aliases the engine resolves.

The fixtures in tests/fixtures/urns/ were recorded from the program before its type tokens were
renamed; `tools.urns` walks a run the way the engine's step generator does.
"""

from __future__ import annotations

import dataclasses

import pytest

from tests.conftest import STACK_NAMES
from tools.mockrun import ProgramRun, RecordedResource
from tools.urns import fixture_path, hold_against, read_fixture

STACK_URN = "urn:pulumi:s::p::pulumi:pulumi:Stack::p-s"


@pytest.mark.parametrize("stack", STACK_NAMES)
def test_every_recorded_urn_is_kept(run_stack, stack):
    report = hold_against(run_stack(stack), read_fixture(fixture_path(stack)))
    assert report.conflicts == []
    assert report.missing == [], f"{stack}: the engine would delete these (add an alias): {report.missing[:5]}"
    assert report.unrecorded == [], (
        f"{stack}: new URNs: an addition (record it with `python -m tools.urns record "
        f"Pulumi.{stack}.yaml`) or a replacement that lost its alias: "
        f"{report.unrecorded[:5]}"
    )


def test_every_example_stack_has_a_fixture():
    assert STACK_NAMES and all(fixture_path(stack).is_file() for stack in STACK_NAMES)


@pytest.mark.parametrize("stack", ["dev", "ambassador", "onprem-ako"])
def test_without_their_aliases_the_renamed_components_would_lose_their_urns(run_stack, stack):
    run = run_stack(stack)
    stripped = dataclasses.replace(run, resources=[dataclasses.replace(r, aliases=[]) for r in run.resources])
    report = hold_against(stripped, read_fixture(fixture_path(stack)))
    assert f"urn:pulumi:{stack}::mesh-platform::mesh-platform:istio:IstioMesh::mesh" in report.missing
    # Children carry the parent's type in their URN: they are kept only through the parent's alias.
    assert any(urn.split("::")[2].startswith("mesh-platform:istio:IstioMesh$") for urn in report.missing)
    assert len(report.unrecorded) == len(report.missing)


# ---- the engine's rules, on hand-made registrations --------------------------------------


def _mock_urn(parent: str, type_: str, name: str) -> str:
    # What the SDK's mock monitor hands back: only the parent's last type.
    prefix = f"{parent.split('::')[2].split('$')[-1]}$" if parent else ""
    return f"urn:pulumi:s::p::{prefix}{type_}::{name}"


def _run(*registrations: tuple) -> ProgramRun:
    """`(type, name, parent name or None, aliases)` tuples, registered in order."""
    by_name: dict[str, str] = {}
    resources = []
    for type_, name, parent, aliases in registrations:
        parent_urn = by_name[parent] if parent else STACK_URN
        urn = _mock_urn(parent_urn if parent else "", type_, name)
        by_name[name] = urn
        resources.append(
            RecordedResource(type_, name, urn, True, {}, parent_urn=parent_urn, aliases=[dict(a) for a in aliases])
        )
    return ProgramRun("s", resources, {}, set())


def _spec(**fields) -> dict:
    return {"name": "", "type": "", "stack": "", "project": "", "parentUrn": "", "noParent": False, **fields}


OLD = [
    "urn:pulumi:s::p::m:old:Comp::c",
    "urn:pulumi:s::p::m:old:Comp$k:core:Ns::c-ns",
    "urn:pulumi:s::p::m:old:Comp$k:core:Ns$k:core:Cm::c-cm",
]


def test_a_renamed_type_without_an_alias_loses_the_resource_and_its_children():
    report = hold_against(
        _run(("m:new:Comp", "c", None, []), ("k:core:Ns", "c-ns", "c", []), ("k:core:Cm", "c-cm", "c-ns", [])),
        OLD,
        project="p",
    )
    assert report.missing == sorted(OLD)
    assert len(report.unrecorded) == 3


def test_a_type_alias_keeps_the_resource_and_reaches_grandchildren_through_the_parent():
    report = hold_against(
        _run(
            ("m:new:Comp", "c", None, [_spec(type="m:old:Comp")]),
            ("k:core:Ns", "c-ns", "c", []),
            ("k:core:Cm", "c-cm", "c-ns", []),
        ),
        OLD,
        project="p",
    )
    assert (report.missing, report.unrecorded, report.conflicts) == ([], [], [])
    assert report.resources[2].urn == "urn:pulumi:s::p::m:new:Comp$k:core:Ns$k:core:Cm::c-cm"


def test_a_renamed_parent_renames_the_prefix_of_its_childrens_names():
    report = hold_against(
        _run(
            ("m:old:Comp", "d", None, [_spec(name="c")]),
            ("k:core:Ns", "d-ns", "d", []),
            ("k:core:Cm", "d-cm", "d-ns", []),
        ),
        OLD,
        project="p",
    )
    # Only a name that starts with its own parent's name is renamed: d-cm's parent is d-ns, so it stays.
    assert report.missing == ["urn:pulumi:s::p::m:old:Comp$k:core:Ns$k:core:Cm::c-cm"]
    assert report.resources[1].matched == OLD[1]


def test_an_alias_by_urn_and_an_alias_to_no_parent():
    old = ["urn:pulumi:s::p::k:core:Ns::loose", "urn:pulumi:s::p::k:core:Cm::cm"]
    report = hold_against(
        _run(
            ("m:new:Comp", "c", None, []),
            ("k:core:Ns", "c-ns", "c", [{"urn": old[0]}]),
            ("k:core:Cm", "cm", "c", [_spec(noParent=True)]),
        ),
        old,
        project="p",
    )
    assert report.missing == [] and report.conflicts == []
    assert report.unrecorded == ["urn:pulumi:s::p::m:new:Comp::c"]


def test_an_alias_naming_another_parent_uses_that_parents_engine_urn():
    old = ["urn:pulumi:s::p::m:a:A$m:b:B::b", "urn:pulumi:s::p::m:a:A$m:b:B$k:core:Cm::cm"]
    run = _run(("m:a:A", "a", None, []), ("m:b:B", "b", "a", []), ("k:core:Cm", "cm", "a", []))
    run.resources[2].aliases = [_spec(parentUrn=run.resources[1].urn)]
    report = hold_against(run, old, project="p")
    assert report.missing == [] and report.resources[2].matched == old[1]


def test_two_resources_claiming_one_old_urn_is_refused():
    old = ["urn:pulumi:s::p::k:core:Ns::x"]
    report = hold_against(
        _run(("k:core:Ns", "y", None, [_spec(name="x")]), ("k:core:Ns", "z", None, [_spec(name="x")])), old, project="p"
    )
    assert report.conflicts and "both alias" in report.conflicts[0]


def test_an_alias_to_a_urn_another_resource_still_registers_is_refused():
    old = ["urn:pulumi:s::p::k:core:Ns::x"]
    report = hold_against(
        _run(("k:core:Ns", "x", None, []), ("k:core:Ns", "y", None, [_spec(name="x")])), old, project="p"
    )
    assert report.missing == [] and report.conflicts
