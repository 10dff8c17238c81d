"""The picture `make render` draws of each stack names every component and every Avi object the
render declares, in the Mermaid page and in the SVG, follows the dependencies and the Avi traffic
path (shard -> SNI child -> policy -> pool -> node) with VIPs and hosts, and shows no secret."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import STACK_NAMES
from tools import diagram, diagram_svg, diagram_text, render
from tools.mockrun import ProgramRun, Secret
from tools.output_dir import MARKER_NAME
from tools.render_values import RenderedValues

MERMAID_ENTITIES = {"#amp;": "&", "#quot;": '"', "#lt;": "<", "#gt;": ">", "#124;": "|"}
MERMAID_LINE = re.compile(
    r"^(flowchart TB"
    r'|(  |    )n\d+\["[^"]*"\]'
    r'|  subgraph g\d+ \["[^"]*"\]'
    r"|  end"
    r"|  n\d+ -->(\|[^|]+\|)? n\d+"
    r"|  classDef \w+ [\w:#,]+"
    r"|  class n\d+(,n\d+)* \w+)$"
)


def declared_names(run: ProgramRun) -> set[str]:
    """What the picture must name: each component's and each Avi object's Pulumi name, and each
    Avi object's name on the controller (as the render writes names: mock values marked)."""
    values = RenderedValues(run.mock_values)
    names = set()
    for resource in run.resources:
        if not resource.custom or resource.type.startswith("pulumi-python:dynamic"):
            names.add(values.text(resource.name))
        if resource.type.startswith("pulumi-python:dynamic") and isinstance(resource.inputs.get("name"), str):
            names.add(values.text(resource.inputs["name"]))
    return names


def mermaid_text(markdown: str) -> str:
    (block,) = re.findall(r"```mermaid\n(.*?)```", markdown, re.S)
    return block


def mermaid_labels(mermaid: str) -> list[str]:
    """Every label line of the Mermaid flowchart, entities decoded."""
    labels = []
    for label in re.findall(r'\["([^"]*)"\]', mermaid):
        for entity, character in MERMAID_ENTITIES.items():
            label = label.replace(entity, character)
        labels += label.split("<br/>")
    return labels


def svg_lines(svg: str) -> list[str]:
    """The text of every <text> element of the SVG, which must parse as XML."""
    root = ElementTree.fromstring(svg.encode())
    return ["".join(e.itertext()) for e in root.iter("{http://www.w3.org/2000/svg}text")]


def missing(names: set[str], lines: list[str]) -> list[str]:
    return sorted(name for name in names if not any(name in line for line in lines))


def _secret_strings(value: Any, inside: bool = False) -> Iterator[str]:
    if isinstance(value, Secret):
        yield from _secret_strings(value.value, True)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _secret_strings(item, inside)
    elif isinstance(value, list):
        for item in value:
            yield from _secret_strings(item, inside)
    elif inside and isinstance(value, str) and len(value) >= 8:
        yield value


@pytest.fixture(scope="module")
def pictures(run_stack) -> dict[str, tuple[ProgramRun, diagram.Diagram, str, str]]:
    found = {}
    for stack in STACK_NAMES:
        run = run_stack(stack)
        picture = diagram.build(run)
        found[stack] = (run, picture, diagram_text.markdown(picture), diagram_svg.svg(picture))
    return found


@pytest.mark.parametrize("stack", STACK_NAMES)
def test_the_picture_names_every_component_and_avi_object(pictures, stack):
    run, _, markdown, svg = pictures[stack]
    names = declared_names(run)
    assert any(not r.custom for r in run.resources)
    assert not missing(names, mermaid_labels(mermaid_text(markdown))), "missing from the Mermaid"
    assert not missing(names, svg_lines(svg)), "missing from the SVG"


def test_the_check_finds_a_name_the_picture_leaves_out(pictures):
    run, picture, _, _ = pictures["onprem"]
    dropped = next(n for n in picture.nodes if n.title.startswith("Pool "))
    kept = diagram.Diagram(
        picture.stack,
        tuple(n for n in picture.nodes if n is not dropped),
        tuple(link for link in picture.links if dropped.key not in (link.source, link.target)),
    )
    lost = missing(declared_names(run), svg_lines(diagram_svg.svg(kept)))
    assert lost and all(name in (dropped.title + " ".join(dropped.details)) for name in lost)


@pytest.mark.parametrize("stack", STACK_NAMES)
def test_the_mermaid_is_a_flowchart_whose_links_join_declared_nodes(pictures, stack):
    _, picture, markdown, _ = pictures[stack]
    mermaid = mermaid_text(markdown)
    lines = mermaid.splitlines()
    assert [line for line in lines if not MERMAID_LINE.match(line)] == []
    declared = re.findall(r"^ +(n\d+)\[", mermaid, re.M)
    assert len(declared) == len(set(declared)) == len(picture.nodes)
    linked = re.findall(r"^  (n\d+) -->(?:\|[^|]+\|)? (n\d+)$", mermaid, re.M)
    assert len(linked) == len(picture.links)
    assert {n for pair in linked for n in pair} <= set(declared)
    assert lines.count("  end") == len(re.findall(r"^  subgraph ", mermaid, re.M))


def _reachable(picture: diagram.Diagram, start: str, end: str) -> bool:
    seen, pending = {start}, [start]
    while pending:
        here = pending.pop()
        for link in picture.links:
            if link.source == here and link.target not in seen:
                seen.add(link.target)
                pending.append(link.target)
    return end in seen


def _component(picture: diagram.Diagram, name: str) -> str:
    (key,) = [n.key for n in picture.nodes if n.kind == diagram.COMPONENT and n.title.split(" ")[0] == name]
    return key


@pytest.mark.parametrize("stack", STACK_NAMES)
def test_components_follow_what_uses_them(pictures, stack):
    run, picture, _, _ = pictures[stack]
    (edge,) = [r.name for r in run.resources if not r.custom and r.type.endswith("Edge")]
    cluster, mesh, routes = (_component(picture, name) for name in ("cluster", "mesh", "routes"))
    assert _reachable(picture, cluster, mesh) and _reachable(picture, mesh, routes)
    assert _reachable(picture, cluster, _component(picture, edge))
    assert not _reachable(picture, routes, cluster)
    ranks = diagram_svg.ranks(picture)
    assert ranks[cluster] < ranks[mesh] < ranks[routes]


def test_the_avi_edge_is_drawn_from_shards_to_nodes_with_vips_and_hosts(pictures):
    run, picture, _, _ = pictures["onprem"]
    by_title = {n.title: n for n in picture.nodes}
    shard = by_title["shard VirtualService onprem--Shared-L7-0"]
    child = by_title["SNI child VirtualService onprem--pay.corp.example.net"]
    pool = next(n for n in picture.nodes if n.title == "Pool onprem--payments-pay.corp.example.net_api-payments-api")
    node = by_title["node 10.60.0.11"]
    labels = {(link.source, link.target): link.label for link in picture.links}
    assert labels[(shard.key, child.key)] == "SNI child"
    assert _reachable(picture, child.key, pool.key) and labels[(pool.key, node.key)] == "server :30443"
    assert _reachable(picture, _component(picture, "avi-edge"), shard.key)
    # the VIP the mocks allocated is marked as made up; the hosts are the stack's
    assert f"VIP <mock: {run.outputs['aviVips']['onprem--Shared-L7-0']}>" in shard.details
    hosts = " ".join(line for line in shard.details if line.startswith("hosts: "))
    assert all(host in hosts for host in run.outputs["aviHosts"]["onprem--Shared-L7-0"])
    assert "hosts: pay.corp.example.net" in child.details
    assert all(n.group == "avi-edge" for n in picture.nodes if n.title.startswith(("Pool ", "VsVip ")))


def test_a_configured_vip_is_shown_unmarked(pictures):
    _, picture, _, _ = pictures["dev"]
    (vsvip,) = [n for n in picture.nodes if n.title.startswith("VsVip ")]
    assert "VIP 10.10.10.50" in vsvip.details


@pytest.mark.parametrize("stack", STACK_NAMES)
def test_the_picture_shows_no_secret(pictures, stack):
    run, _, markdown, svg = pictures[stack]
    secrets = {s for r in run.resources for s in _secret_strings(r.inputs)}
    assert secrets or stack == "dev"
    assert [s for s in secrets if s in markdown or s in svg] == []


def test_render_writes_the_picture_and_lists_it_in_its_marker(run_stack, tmp_path):
    out = tmp_path / "dev"
    render.write_render(run_stack("dev"), out)
    markdown = (out / "diagram.md").read_text()
    assert "](diagram.svg)" in markdown and "```mermaid\nflowchart TB\n" in markdown
    svg_lines((out / "diagram.svg").read_text())
    entries = json.loads((out / MARKER_NAME).read_text())["entries"]
    assert {"diagram.md", "diagram.svg"} <= set(entries)


def test_a_cycle_of_links_still_gets_rows():
    nodes = tuple(diagram.Node(key, diagram.COMPONENT, key) for key in "abc")
    links = (diagram.Link("a", "b"), diagram.Link("b", "c"), diagram.Link("c", "a"))
    picture = diagram.Diagram("cycle", nodes, links)
    assert diagram_svg.ranks(picture) == {"a": 0, "b": 1, "c": 2}
    svg_lines(diagram_svg.svg(picture))


def test_markup_in_a_name_stays_text(tmp_path: Path):
    node = diagram.Node("x", diagram.AVI, 'Pool a<b>&"c"|d')
    picture = diagram.Diagram("odd", (node,), ())
    assert svg_lines(diagram_svg.svg(picture))[-1] == 'Pool a<b>&"c"|d'
    assert mermaid_labels(diagram_text.mermaid(picture)) == ['Pool a<b>&"c"|d']


def test_one_stack_gives_one_picture(pictures, run_stack):
    from tools.mockrun import PROJECT_DIR

    _, _, markdown, svg = pictures["onprem"]
    again = diagram.build(run_stack(path=PROJECT_DIR / "Pulumi.onprem.yaml"))  # a fresh run, not the cached one
    assert (diagram_text.markdown(again), diagram_svg.svg(again)) == (markdown, svg)
