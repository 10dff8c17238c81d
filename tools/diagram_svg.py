"""A stack's diagram (tools/diagram.py) as a standalone SVG, laid out here with no drawing tool.

The layout is layered, top to bottom: a node's row is the length of the longest path of links
leading to it (links that would close a cycle are left out of that count), and a row's nodes are
ordered by where the nodes linking to them sit, which keeps most arrows short and uncrossed. Box
sizes follow from the text in a monospaced font, so no font metrics are needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

from tools.diagram import AVI, COMPONENT, NODE, Diagram, Link, Node

FONT_SIZE = 12
CHAR_WIDTH = 7.3  # a monospaced font's advance at 12 px (0.6 em), rounded up
LINE_HEIGHT = 16
PAD_X, PAD_Y = 10, 8
GAP_X, GAP_Y = 28, 64
MARGIN = 20
HEADER = 36
COLOURS = {
    COMPONENT: ("#dbe8fb", "#2b5797"),
    AVI: ("#fde7cf", "#b35900"),
    NODE: ("#dff2df", "#2e7d32"),
}


@dataclass(frozen=True)
class Box:
    """Where a node is drawn: its top-left corner and size."""

    x: float
    y: float
    width: float
    height: float

    @property
    def centre_x(self) -> float:
        return self.x + self.width / 2


def _forward_links(diagram: Diagram) -> list[Link]:
    """The links without those that close a cycle (found by a depth-first walk in node order)."""
    outgoing: dict[str, list[Link]] = {n.key: [] for n in diagram.nodes}
    for link in diagram.links:
        outgoing[link.source].append(link)
    state: dict[str, str] = {}
    back: set[tuple[str, str]] = set()
    for start in outgoing:
        if start in state:
            continue
        state[start] = "open"
        stack = [(start, iter(outgoing[start]))]
        while stack:
            key, pending = stack[-1]
            step = next(pending, None)
            if step is None:
                state[key] = "done"
                stack.pop()
            elif state.get(step.target) == "open":
                back.add((step.source, step.target))
            elif step.target not in state:
                state[step.target] = "open"
                stack.append((step.target, iter(outgoing[step.target])))
    return [link for link in diagram.links if (link.source, link.target) not in back]


def ranks(diagram: Diagram) -> dict[str, int]:
    """Each node's row: the longest path of (forward) links that leads to it."""
    forward = _forward_links(diagram)
    rank = {n.key: 0 for n in diagram.nodes}
    # a longest path has at most one link per node, so as many rounds as nodes settle every rank
    for _ in range(len(diagram.nodes)):
        changed = False
        for link in forward:
            if rank[link.target] < rank[link.source] + 1:
                rank[link.target] = rank[link.source] + 1
                changed = True
        if not changed:
            break
    return rank


def _size(node: Node) -> tuple[float, float]:
    lines = (node.title, *node.details)
    return (2 * PAD_X + CHAR_WIDTH * max(len(line) for line in lines), 2 * PAD_Y + LINE_HEIGHT * len(lines))


def _ordered(row: list[Node], sources: dict[str, list[str]], position: dict[str, float]) -> list[Node]:
    """A row ordered by the mean position (0..1) of the nodes above linking to each; a node no
    one links to keeps its place."""

    def weight(item: tuple[int, Node]) -> float:
        index, node = item
        above = [position[source] for source in sources.get(node.key, ()) if source in position]
        return sum(above) / len(above) if above else index / max(len(row) - 1, 1)

    return [node for _, node in sorted(enumerate(row), key=weight)]


def layout(diagram: Diagram) -> dict[str, Box]:
    """Every node's box."""
    rank = ranks(diagram)
    rows: list[list[Node]] = [[] for _ in range(max(rank.values(), default=-1) + 1)]
    for node in diagram.nodes:
        rows[rank[node.key]].append(node)
    # who links to each node, gathered once: looking them up per node is quadratic in the links
    sources: dict[str, list[str]] = {}
    for link in diagram.links:
        sources.setdefault(link.target, []).append(link.source)
    position: dict[str, float] = {}
    for row in rows:
        row[:] = _ordered(row, sources, position)
        for index, node in enumerate(row):
            position[node.key] = index / max(len(row) - 1, 1)
    widths = [sum(_size(n)[0] for n in row) + GAP_X * (len(row) - 1) for row in rows]
    widest = max(widths, default=0.0)
    boxes: dict[str, Box] = {}
    y = float(MARGIN + HEADER)
    for row, width in zip(rows, widths, strict=True):
        x = MARGIN + (widest - width) / 2
        height = max((_size(n)[1] for n in row), default=0.0)
        for node in row:
            node_width, node_height = _size(node)
            boxes[node.key] = Box(x, y, node_width, node_height)
            x += node_width + GAP_X
        y += height + GAP_Y
    return boxes


def _link_path(source: Box, target: Box) -> tuple[str, float, float]:
    """A curve from the source's bottom to the target's top (or top to bottom going up), and its midpoint."""
    if target.y > source.y:
        x1, y1, x2, y2 = source.centre_x, source.y + source.height, target.centre_x, target.y
    else:
        x1, y1, x2, y2 = source.centre_x, source.y, target.centre_x, target.y + target.height
    bend = (y2 - y1) / 2
    path = f"M{x1:.1f},{y1:.1f} C{x1:.1f},{y1 + bend:.1f} {x2:.1f},{y2 - bend:.1f} {x2:.1f},{y2:.1f}"
    return path, (x1 + x2) / 2, (y1 + y2) / 2


def _node_svg(node: Node, box: Box) -> list[str]:
    fill, stroke = COLOURS.get(node.kind, ("#ffffff", "#444444"))
    parts = [
        f'<g class="{node.kind}">',
        f"<title>{escape(node.title)}</title>",
        f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.width:.1f}" height="{box.height:.1f}" '
        f'rx="6" fill="{fill}" stroke="{stroke}"/>',
    ]
    for index, line in enumerate((node.title, *node.details)):
        weight = ' font-weight="bold"' if index == 0 else ""
        y = box.y + PAD_Y + LINE_HEIGHT * index + FONT_SIZE
        parts.append(f'<text x="{box.x + PAD_X:.1f}" y="{y:.1f}"{weight}>{escape(line)}</text>')
    parts.append("</g>")
    return parts


def svg(diagram: Diagram) -> str:
    """The diagram as an SVG document."""
    boxes = layout(diagram)
    width = max((b.x + b.width for b in boxes.values()), default=0.0) + MARGIN
    height = max((b.y + b.height for b in boxes.values()), default=MARGIN + HEADER) + MARGIN
    width = max(width, 480.0)
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" '
        f'font-size="{FONT_SIZE}">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" '
        'markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
        f'<rect width="{width:.0f}" height="{height:.0f}" fill="#ffffff"/>',
        f'<text x="{MARGIN}" y="{MARGIN + FONT_SIZE + 4}" font-size="{FONT_SIZE + 4}" font-weight="bold">'
        f"{escape(f'Stack {diagram.stack}: what it declares')}</text>",
    ]
    labels: list[str] = []
    for link in diagram.links:
        path, mid_x, mid_y = _link_path(boxes[link.source], boxes[link.target])
        parts.append(f'<path d="{path}" fill="none" stroke="#555" marker-end="url(#arrow)"/>')
        if link.label:
            labels.append(
                f'<text x="{mid_x:.1f}" y="{mid_y:.1f}" font-size="{FONT_SIZE - 2}" text-anchor="middle" '
                f'fill="#333" stroke="#ffffff" stroke-width="3" paint-order="stroke">{escape(link.label)}</text>'
            )
    for node in diagram.nodes:
        parts += _node_svg(node, boxes[node.key])
    parts += labels  # last, so no box hides them
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
