"""ER diagrams laid out at build time: boxes for tables, lines for their foreign keys.

The layout is grandalf's Sugiyama layered layout (referenced tables in a layer above the tables that
reference them, crossings reduced, long edges routed through dummy points); `templates/site/
diagram.svg.j2` draws the result. Nothing runs in the browser.

grandalf keeps its vertices and edges in insertion-ordered sets, except where it splits a graph into
connected components (a plain `set` of edges, ordered by object address). So the components are found
here, in name order, and each is handed to grandalf whole: the same tables give the same picture.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from grandalf.graphs import Edge, Vertex, graph_core
from grandalf.layouts import SugiyamaLayout
from grandalf.routing import route_with_lines

# Box geometry, in SVG user units (px). The diagram's text is 12px monospace, so a box can be sized
# from its longest line without measuring fonts: every character advances about 0.6em.
CHAR_WIDTH = 7.3
HEADER_HEIGHT = 24.0
ROW_HEIGHT = 18.0
PADDING = 10.0
# Space between boxes in a layer, between layers, and between unconnected groups of tables.
X_SPACE = 30.0
Y_SPACE = 50.0
GROUP_GAP = 40.0
MARGIN = 12.0
# Unconnected groups are placed left to right, on a new row past this width.
MAX_ROW_WIDTH = 1400.0
# A foreign key from a table to itself: a loop this far out of the box's right side.
LOOP_REACH = 24.0


@dataclass(frozen=True, slots=True)
class Node:
    """A table to draw: its name, its key columns with their marks (`PK`, `FK`), and its page."""

    name: str
    rows: tuple[tuple[str, str], ...]
    href: str
    focus: bool = False


@dataclass(frozen=True, slots=True)
class Link:
    """A foreign key between two tables, from the table holding it to the one it references."""

    child: str
    parent: str
    title: str


@dataclass(frozen=True, slots=True)
class Box:
    node: Node
    x: float  # top left corner
    y: float
    width: float
    height: float

    @property
    def header_height(self) -> float:
        return HEADER_HEIGHT

    @property
    def baseline(self) -> float:
        """Where the table's name sits."""
        return self.y + HEADER_HEIGHT - 7

    @property
    def rows(self) -> tuple[tuple[str, str, float], ...]:
        """Each key column with its marks and the baseline of its line."""
        return tuple(
            (column, marks, self.y + HEADER_HEIGHT + (n + 1) * ROW_HEIGHT - 4)
            for n, (column, marks) in enumerate(self.node.rows)
        )

    @property
    def text_left(self) -> float:
        return self.x + PADDING

    @property
    def text_right(self) -> float:
        return self.x + self.width - PADDING


@dataclass(frozen=True, slots=True)
class Line:
    """A drawn foreign key: a polyline from the referencing box to the referenced one."""

    points: tuple[tuple[float, float], ...]
    title: str


@dataclass(frozen=True, slots=True)
class Diagram:
    width: float
    height: float
    boxes: tuple[Box, ...]
    lines: tuple[Line, ...]

    @property
    def empty(self) -> bool:
        return not self.boxes


class _View:
    """What grandalf reads and writes on a vertex: its size, then its centre."""

    def __init__(self, width: float, height: float) -> None:
        self.w = width
        self.h = height
        self.xy = (0.0, 0.0)


class _EdgeView:
    """What grandalf writes on an edge: the points of its route, tail (parent) to head (child)."""

    def __init__(self) -> None:
        self.points: list[tuple[float, float]] = []

    def setpath(self, points: list[tuple[float, float]]) -> None:
        self.points = points


def box_size(node: Node) -> tuple[float, float]:
    longest = max([len(node.name), *(len(column) + 2 + len(marks) for column, marks in node.rows)])
    width = math.ceil(longest * CHAR_WIDTH + 2 * PADDING)
    height = HEADER_HEIGHT + len(node.rows) * ROW_HEIGHT + (6.0 if node.rows else 0.0)
    return float(width), height


def layout(nodes: Sequence[Node], links: Iterable[Link]) -> Diagram:
    """Lay out `nodes` (in a stable order) joined by `links`; links to tables not drawn are left out."""
    if not nodes:
        return Diagram(0.0, 0.0, (), ())
    names = [node.name for node in nodes]
    vertices = {node.name: Vertex(node) for node in nodes}
    for vertex in vertices.values():
        vertex.view = _View(*box_size(vertex.data))
    pairs: dict[tuple[str, str], list[str]] = {}
    for link in sorted(links, key=lambda lk: (lk.parent, lk.child, lk.title)):
        if link.parent in vertices and link.child in vertices:
            pairs.setdefault((link.parent, link.child), []).append(link.title)
    loops = {parent: titles for (parent, child), titles in pairs.items() if parent == child}
    edges = {pair: titles for pair, titles in pairs.items() if pair[0] != pair[1]}

    placed: dict[str, tuple[float, float]] = {}  # name → centre
    routes: list[tuple[list[tuple[float, float]], str]] = []  # (points from child to parent, title)
    cursor_x = cursor_y = row_height = 0.0
    for group in _components(names, edges):
        centres, group_routes = _layout_group(group, edges, vertices)
        corners = [point for points, _ in group_routes for point in points]
        for name, (x, y) in centres.items():
            view = vertices[name].view
            corners += [(x - view.w / 2, y - view.h / 2), (x + view.w / 2, y + view.h / 2)]
        left, top = min(x for x, _ in corners), min(y for _, y in corners)
        right, bottom = max(x for x, _ in corners), max(y for _, y in corners)
        if cursor_x > 0 and cursor_x + (right - left) > MAX_ROW_WIDTH:
            cursor_x, cursor_y, row_height = 0.0, cursor_y + row_height + GROUP_GAP, 0.0
        dx, dy = MARGIN + cursor_x - left, MARGIN + cursor_y - top
        for name, (x, y) in centres.items():
            placed[name] = (x + dx, y + dy)
        for points, title in group_routes:
            routes.append(([(x + dx, y + dy) for x, y in points], title))
        cursor_x += right - left + GROUP_GAP
        row_height = max(row_height, bottom - top)

    boxes = []
    for node in nodes:
        x, y = placed[node.name]
        view = vertices[node.name].view
        boxes.append(Box(node, _round(x - view.w / 2), _round(y - view.h / 2), view.w, view.h))
    lines = [Line(tuple((_round(x), _round(y)) for x, y in points), title) for points, title in routes]
    lines += [_loop(box, "; ".join(loops[box.node.name])) for box in boxes if box.node.name in loops]
    corners = [(box.x + box.width, box.y + box.height) for box in boxes]
    corners += [point for line in lines for point in line.points]
    width = max(x for x, _ in corners) + MARGIN
    height = max(y for _, y in corners) + MARGIN
    return Diagram(_round(width), _round(height), tuple(boxes), tuple(lines))


def _loop(box: Box, title: str) -> Line:
    """A foreign key of a table to itself: out of the right side of its header and back."""
    right, middle = box.x + box.width, box.y + HEADER_HEIGHT / 2
    points = (
        (right, middle + 6),
        (right + LOOP_REACH, middle + 6),
        (right + LOOP_REACH, middle - 6),
        (right, middle - 6),
    )
    return Line(tuple((_round(x), _round(y)) for x, y in points), title)


def _components(names: list[str], edges: dict[tuple[str, str], list[str]]) -> list[list[str]]:
    """Groups of tables joined by foreign keys, largest first, then by their first name."""
    parent = {name: name for name in names}

    def find(name: str) -> str:
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    for a, b in edges:
        root_a, root_b = find(a), find(b)
        if root_a != root_b:
            parent[max(root_a, root_b)] = min(root_a, root_b)
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(find(name), []).append(name)
    return sorted(groups.values(), key=lambda group: (-len(group), group[0]))


def _layout_group(
    group: list[str], edges: dict[tuple[str, str], list[str]], vertices: dict[str, Vertex]
) -> tuple[dict[str, tuple[float, float]], list[tuple[list[tuple[float, float]], str]]]:
    """Centres of one connected group's boxes, and the routes of its foreign keys."""
    if len(group) == 1:
        view = vertices[group[0]].view
        return {group[0]: (view.w / 2, view.h / 2)}, []
    members = set(group)
    group_edges = []
    for (parent, child), titles in edges.items():
        if parent in members:
            edge = Edge(vertices[parent], vertices[child])
            edge.view = _EdgeView()
            group_edges.append((edge, "; ".join(titles)))
    graph = graph_core([vertices[name] for name in group], [edge for edge, _ in group_edges])
    sugiyama = SugiyamaLayout(graph)
    sugiyama.xspace, sugiyama.yspace = X_SPACE, Y_SPACE
    sugiyama.route_edge = route_with_lines
    sugiyama.init_all()
    sugiyama.draw()
    centres = {name: vertices[name].view.xy for name in group}
    routes = [(list(reversed(edge.view.points)), title) for edge, title in group_edges]
    return centres, routes


def _round(value: float) -> float:
    """One decimal: enough for a drawing, and the same text for the same layout (no `-0.0`)."""
    return round(value, 1) + 0.0
