"""A stack's diagram (tools/diagram.py) as Mermaid, and the Markdown page `make render` writes
around it (`diagram.md`, which GitHub and most Markdown viewers draw)."""

from __future__ import annotations

from tools.diagram import AVI, COMPONENT, NODE, Diagram, Node

CLASS_STYLES = {
    COMPONENT: ("componentBox", "fill:#dbe8fb,stroke:#2b5797,color:#111"),
    AVI: ("aviObject", "fill:#fde7cf,stroke:#b35900,color:#111"),
    NODE: ("clusterNode", "fill:#dff2df,stroke:#2e7d32,color:#111"),
}
"""Mermaid class per node kind (not `node`: Mermaid's own CSS class of every node)."""
MERMAID_ESCAPES = {"&": "#amp;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "|": "#124;"}
"""Mermaid's entity codes for what would end a label or be read as HTML."""


def _escaped(text: str) -> str:
    return "".join(MERMAID_ESCAPES.get(c, c) for c in text)


def _label(node: Node) -> str:
    return "<br/>".join(_escaped(line) for line in (node.title, *node.details))


def mermaid(diagram: Diagram) -> str:
    """The diagram as a Mermaid flowchart, top to bottom."""
    ids = {node.key: f"n{index}" for index, node in enumerate(diagram.nodes)}
    lines = ["flowchart TB"]
    groups: dict[str | None, list[Node]] = {}
    for node in diagram.nodes:
        groups.setdefault(node.group, []).append(node)
    for index, (group, members) in enumerate(groups.items()):
        indent = "  "
        if group is not None:
            lines.append(f'  subgraph g{index} ["{_escaped(f"Avi objects of {group}")}"]')
            indent = "    "
        lines += [f'{indent}{ids[node.key]}["{_label(node)}"]' for node in members]
        if group is not None:
            lines.append("  end")
    for link in diagram.links:
        arrow = f"-->|{_escaped(link.label)}|" if link.label else "-->"
        lines.append(f"  {ids[link.source]} {arrow} {ids[link.target]}")
    for kind, (name, style) in CLASS_STYLES.items():
        of_kind = [ids[n.key] for n in diagram.nodes if n.kind == kind]
        if of_kind:
            lines.append(f"  classDef {name} {style}")
            lines.append(f"  class {','.join(of_kind)} {name}")
    return "\n".join(lines) + "\n"


def markdown(diagram: Diagram, svg_name: str = "diagram.svg") -> str:
    """The page `make render` writes: what the picture shows, the Mermaid, a link to the SVG."""
    return (
        f"# Stack `{diagram.stack}`: what it declares\n\n"
        f"Drawn by `make render` from the offline render (mesh-platform's `tools/diagram.py`); the same picture "
        f"as SVG: [{svg_name}]({svg_name}). Blue: the components, each linked to the components that use it "
        "(cluster -> mesh -> routes -> edge), with what each declares counted by type. Orange: the Avi objects, in "
        "the direction traffic takes (shard -> SNI children -> policies -> pools), with VIPs and hosts. Green: the "
        'cluster nodes the pools and static routes send traffic to. A value marked "<mock: ...>" was made up by '
        "the offline render (a VIP the controller would allocate).\n\n"
        f"```mermaid\n{mermaid(diagram)}```\n"
    )
