"""Creation order of tables and views: dependencies first, ties broken by name.

Pure functions over Model objects; `render` and the migration planner both use them so a schema is
created in one order everywhere.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable

from schemagen.model import Domain, Table, View
from schemagen.model.keys import by_spelling

__all__ = ["order_domains", "order_tables", "order_views"]

TableKey = tuple[str, str]  # (name, schema): sorts by name first, which is the tie-break


def order_tables(tables: Iterable[Table]) -> tuple[list[Table], set[tuple[str, str]]]:
    """Tables in foreign-key order, and the foreign keys that must be added after all tables exist.

    A table comes after every table it references (a reference to itself is fine inside its own
    CREATE TABLE). Among tables whose references are all satisfied, the smallest name goes first.
    When every remaining table waits on another, the one with the smallest name among those on a
    cycle is emitted anyway and its foreign keys to tables not yet emitted are deferred; they come
    back as `(table name, fk name)`. (A table that merely waits on a cycle is not picked: deferring
    its keys would break nothing.)
    """
    by_key: dict[TableKey, Table] = {(t.name, t.schema): t for t in tables}
    waiting_on: dict[TableKey, int] = {}
    dependents: dict[TableKey, list[TableKey]] = {key: [] for key in by_key}
    graph: dict[TableKey, set[TableKey]] = {}
    for key, table in by_key.items():
        targets = graph[key] = _targets(table, by_key)
        waiting_on[key] = len(targets)
        for target in targets:
            dependents[target].append(key)

    ready = [key for key, count in waiting_on.items() if count == 0]
    heapq.heapify(ready)
    emitted: set[TableKey] = set()
    order: list[Table] = []
    deferred: set[tuple[str, str]] = set()
    # Every cycle lies inside one strongly connected component of the whole graph, so only their
    # members can break one, and checking a member only looks at its own component. Found when no
    # table is ready (the first time a cycle holds the order up): most schemas have none.
    component_of: dict[TableKey, list[TableKey]] | None = None
    breakable: list[TableKey] = []

    while len(order) < len(by_key):
        if ready:
            key = heapq.heappop(ready)
        else:
            if component_of is None:
                component_of = {}
                for component in _cycles(graph):
                    for member in component:
                        component_of[member] = component
                breakable = sorted(component_of)
                heapq.heapify(breakable)
            key = _next_breakable(breakable, component_of, emitted, by_key)
            table = by_key[key]
            for fk in table.foreign_keys:
                target = (fk.ref_table, fk.ref_schema)
                if target != key and target in by_key and target not in emitted:
                    deferred.add((table.name, fk.name))
        emitted.add(key)
        order.append(by_key[key])
        for dependent in dependents[key]:
            waiting_on[dependent] -= 1
            if waiting_on[dependent] == 0 and dependent not in emitted:
                heapq.heappush(ready, dependent)
    return order, deferred


def _next_breakable(
    breakable: list[TableKey],
    component_of: dict[TableKey, list[TableKey]],
    emitted: set[TableKey],
    by_key: dict[TableKey, Table],
) -> TableKey:
    """The smallest-named table still on a cycle among the tables not yet emitted.

    A table found off every cycle is dropped for good: emitting more tables never closes a cycle.
    """
    on_cycle: dict[int, set[TableKey]] = {}  # per component, for this call: nothing is emitted meanwhile
    while breakable:
        key = heapq.heappop(breakable)
        if key in emitted:
            continue
        component = component_of[key]
        if id(component) not in on_cycle:
            members = {m for m in component if m not in emitted}
            remaining = {m: _targets(by_key[m], by_key) & members for m in members}
            on_cycle[id(component)] = {m for cycle in _cycles(remaining) for m in cycle}
        if key in on_cycle[id(component)]:
            return key
    raise AssertionError("every remaining table waits on another, yet none is on a cycle")


def _targets(table: Table, by_key: dict[TableKey, Table]) -> set[TableKey]:
    """The other tables of the model that `table` references."""
    own = (table.name, table.schema)
    # references outside the model constrain nothing here
    return {t for fk in table.foreign_keys if (t := (fk.ref_table, fk.ref_schema)) != own and t in by_key}


def _cycles(graph: dict[TableKey, set[TableKey]]) -> list[list[TableKey]]:
    """The strongly connected components of more than one node (Tarjan's algorithm, iterative)."""
    index: dict[TableKey, int] = {}
    low: dict[TableKey, int] = {}
    stack: list[TableKey] = []
    on_stack: set[TableKey] = set()
    components: list[list[TableKey]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            for succ in successors:
                if succ not in index:
                    index[succ] = low[succ] = len(index)
                    stack.append(succ)
                    on_stack.add(succ)
                    work.append((succ, iter(sorted(graph[succ]))))
                    break
                if succ in on_stack:
                    low[node] = min(low[node], index[succ])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(component)
    return components


def order_views(views: Iterable[View]) -> list[View]:
    """Views after the views they read (`depends_on`), ties broken by name.

    `depends_on` may name a view bare or schema-qualified; names that are not views (tables) are
    ignored, since every table exists before any view. A cycle cannot be created in PostgreSQL, so it
    is an error here.
    """
    by_key: dict[TableKey, View] = {(v.name, v.schema): v for v in views}
    lookup: dict[str, TableKey] = {}
    for name, schema in by_key:
        lookup.setdefault(name, (name, schema))
        lookup[f"{schema}.{name}"] = (name, schema)

    waiting_on: dict[TableKey, int] = {}
    dependents: dict[TableKey, list[TableKey]] = {key: [] for key in by_key}
    for key, view in by_key.items():
        targets = {lookup[d] for d in view.depends_on if d in lookup} - {key}
        waiting_on[key] = len(targets)
        for target in targets:
            dependents[target].append(key)

    ready = [key for key, count in waiting_on.items() if count == 0]
    heapq.heapify(ready)
    order: list[View] = []
    while ready:
        key = heapq.heappop(ready)
        order.append(by_key[key])
        for dependent in dependents[key]:
            waiting_on[dependent] -= 1
            if waiting_on[dependent] == 0:
                heapq.heappush(ready, dependent)
    if len(order) < len(by_key):
        stuck = sorted(name for (name, _), count in waiting_on.items() if count > 0)
        raise ValueError(f"views depend on each other in a cycle: {', '.join(stuck)}")
    return order


def order_domains(domains: Iterable[Domain]) -> list[Domain]:
    """Domains after the domains they are based on, ties broken by name (a cycle, which the checks
    report, is broken at its smallest name)."""
    # by (schema, name): two schemas may each have a domain of one name
    by_place = {(d.schema, d.name): d for d in domains}
    by_type = by_spelling(by_place.values())
    order: list[Domain] = []
    placed: set[tuple[str, str]] = set()

    def place(domain: Domain, trail: frozenset[tuple[str, str]]) -> None:
        here = (domain.schema, domain.name)
        if here in placed or here in trail:
            return
        written = domain.type.removesuffix("[]")
        base = by_type.get(written) or by_type.get(written.rsplit(".", 1)[-1])
        if base is not None:
            place(base, trail | {here})
        placed.add(here)
        order.append(domain)

    for here in sorted(by_place, key=lambda p: (p[1], p[0])):
        place(by_place[here], frozenset())
    return order
