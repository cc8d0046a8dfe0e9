"""Name resolution of a query, as PostgreSQL's parse analysis does it, against a catalog the caller
describes: which tables, views and columns a view's query reads, and which of them do not exist.

The query's FROM items (tables and views, aliased or schema-qualified; CTEs; subqueries; joins;
functions) make scopes, and every column reference is looked up in them: `t.col` in the item named
`t`, a bare `col` in every item of the innermost scope that has it, then in the enclosing ones (a
correlated subquery), and an output column's name in GROUP BY, ORDER BY and DISTINCT ON. What cannot
be known here is accepted, never reported: the columns of a relation outside the catalog (another
schema, `pg_catalog`), of a function in FROM without a column list, of `SELECT *` over such an item.
So a finding is a name PostgreSQL would reject too, with the names that exist where it looked, for a
"did you mean".

`Unresolved.offset` counts characters in the query's text, as pglast reports them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import field
from typing import Literal

from pglast import ast
from pglast.enums import SetOperation

from schemagen.postgres.expressions import Query, output_name
from schemagen.records import dataclass

__all__ = ["MISSING", "Relation", "Unresolved", "query_columns", "unresolved"]

#: Columns every table has beside its own (not views).
SYSTEM_COLUMNS = frozenset({"ctid", "xmin", "xmax", "cmin", "cmax", "tableoid"})


@dataclass(frozen=True)
class Relation:
    """A table or view of the catalog: its columns (None: not known), and whether it is a table (a table
    has the system columns too)."""

    columns: tuple[str, ...] | None
    table: bool = False


#: What `Lookup` answers for a name the catalog says is not there (in a schema it describes).
MISSING = Relation(None)

#: (schema or None when unqualified, name) → the relation; None when the catalog does not know the
#: schema (anything may be there), MISSING when it knows the schema and the name is not in it.
Lookup = Callable[[str | None, str], Relation | None]


@dataclass(frozen=True)
class Unresolved:
    """A name the query reads that is not there.

    kind: `relation` (a table or view the catalog lacks), `column` (a column its FROM items lack),
    `alias` (a qualifier that names no FROM item). `text` is the reference as written (`t.assignee`),
    `name` the missing part (`assignee`), `within` what was searched (`tasks (t)`), `candidates` the
    names found there.
    """

    kind: Literal["relation", "column", "alias"]
    text: str
    name: str
    within: str
    candidates: tuple[str, ...]
    offset: int
    length: int


@dataclass
class _Item:
    """A FROM item as column references see it."""

    name: str | None  # the alias, or the relation's (or function's) own name; None: cannot be named
    schema: str | None  # of an unaliased table or view written with its schema
    columns: tuple[str, ...] | None  # None: not known, any name may be one
    table: bool = False
    described: str = ""

    def has(self, column: str) -> bool | None:
        """Whether the item has `column` (None: cannot tell)."""
        if self.columns is None:
            return None
        return column in self.columns or (self.table and column in SYSTEM_COLUMNS)


@dataclass
class _Scope:
    items: list[_Item]
    parent: _Scope | None = None
    outputs: tuple[str, ...] = ()  # output column names a bare name in GROUP/ORDER BY may mean

    def levels(self) -> Iterator[_Scope]:
        scope: _Scope | None = self
        while scope is not None:
            yield scope
            scope = scope.parent


@dataclass
class _Resolver:
    lookup: Lookup
    found: list[Unresolved] = field(default_factory=list)
    depth: int = 0

    # --- queries --------------------------------------------------------------------------------

    def select(
        self, stmt: ast.Node | None, outer: _Scope | None, ctes: dict[str, tuple[str, ...] | None]
    ) -> tuple[str, ...] | None:
        """Resolve one SELECT (with its WITH, set operations, subqueries); its output columns."""
        if not isinstance(stmt, ast.SelectStmt):
            return None
        self.depth += 1
        try:
            if self.depth > 200:  # deeper than any query written by hand: accept it as it is
                return None
            return self._select(stmt, outer, ctes)
        finally:
            self.depth -= 1

    def _select(
        self, stmt: ast.SelectStmt, outer: _Scope | None, ctes: dict[str, tuple[str, ...] | None]
    ) -> tuple[str, ...] | None:
        if stmt.withClause is not None:
            ctes = self.with_clause(stmt.withClause, outer, ctes)
        if stmt.op is not None and stmt.op != SetOperation.SETOP_NONE:
            left = self.select(stmt.larg, outer, ctes)
            self.select(stmt.rarg, outer, ctes)
            # ORDER BY and LIMIT of a set operation see its output columns only
            scope = _Scope([_Item(None, None, left)], outer)
            for part in (stmt.sortClause, stmt.limitCount, stmt.limitOffset):
                self.expressions(part, scope, ctes, outputs=True)
            return left
        if stmt.valuesLists:
            for row in stmt.valuesLists:
                self.expressions(row, outer or _Scope([]), ctes)
            first = stmt.valuesLists[0]
            return tuple(f"column{i}" for i in range(1, len(first) + 1))
        scope = _Scope([], outer)
        for item in stmt.fromClause or ():
            scope.items += self.from_item(item, scope, ctes)
        outputs = self.outputs(stmt, scope)
        scope.outputs = tuple(outputs or ())
        for target in stmt.targetList or ():
            if isinstance(target, ast.ResTarget):
                self.expressions(target.val, scope, ctes)
        self.expressions(stmt.whereClause, scope, ctes)
        self.expressions(stmt.havingClause, scope, ctes)
        for part in (stmt.groupClause, stmt.sortClause, stmt.distinctClause):
            self.expressions(part, scope, ctes, outputs=True)
        for window in stmt.windowClause or ():
            self.expressions(window, scope, ctes, outputs=False)
        self.expressions(stmt.limitCount, scope, ctes)
        self.expressions(stmt.limitOffset, scope, ctes)
        return outputs

    def with_clause(
        self, clause: ast.WithClause, outer: _Scope | None, ctes: dict[str, tuple[str, ...] | None]
    ) -> dict[str, tuple[str, ...] | None]:
        ctes = dict(ctes)
        for cte in clause.ctes or ():
            if not isinstance(cte, ast.CommonTableExpr) or cte.ctename is None:
                continue
            named = _names(cte.aliascolnames)
            query = cte.ctequery
            if clause.recursive:
                # the recursive term reads the CTE itself: its columns are the first term's
                first = query
                while isinstance(first, ast.SelectStmt) and first.op not in (None, SetOperation.SETOP_NONE):
                    first = first.larg
                ctes[cte.ctename] = named or (self.select(first, outer, ctes) if first is not query else None)
            columns = self.select(query, outer, ctes)
            ctes[cte.ctename] = _renamed(columns, named) if named else columns
        return ctes

    def outputs(self, stmt: ast.SelectStmt, scope: _Scope) -> tuple[str, ...] | None:
        """The SELECT list's column names; None when a `*` over an item of unknown columns is used."""
        names: list[str] = []
        for target in stmt.targetList or ():
            if not isinstance(target, ast.ResTarget):
                return None
            value = target.val
            if (
                target.name is None
                and isinstance(value, ast.A_Indirection)
                and value.indirection
                and isinstance(value.indirection[-1], ast.A_Star)
            ):
                return None  # `(composite).*`: its fields are not known here
            if target.name is None and isinstance(value, ast.ColumnRef) and _star(value):
                expanded = self.star(value, scope)
                if expanded is None:
                    return None
                names += expanded
            else:
                names.append(target.name or output_name(value))
        return tuple(names)

    def star(self, ref: ast.ColumnRef, scope: _Scope) -> list[str] | None:
        """The columns `*` or `t.*` stands for, when known."""
        qualifier = _strings(ref.fields)
        if not qualifier:
            columns: list[str] = []
            for item in scope.items:
                if item.columns is None:
                    return None
                columns += item.columns
            return columns
        match = self.item_named(qualifier[-1], scope)
        return list(match[0].columns) if match and match[0].columns is not None else None

    # --- FROM ----------------------------------------------------------------------------------

    def from_item(
        self, node: ast.Node | None, scope: _Scope, ctes: dict[str, tuple[str, ...] | None]
    ) -> list[_Item]:
        """The items one entry of a FROM clause makes visible (a join makes those of both sides).
        `scope` holds the items before it: LATERAL subqueries and functions see them."""
        if node is None:
            return []
        if isinstance(node, ast.RangeVar):
            return [self.relation(node, ctes)]
        if isinstance(node, ast.RangeSubselect):
            lateral = scope if node.lateral else _Scope([], scope.parent)
            columns = self.select(node.subquery, lateral, ctes)
            alias = node.alias
            named = _names(alias.colnames) if alias else ()
            name = alias.aliasname if alias else None
            described = f"the subquery {name}" if name else "a subquery"
            return [_Item(name, None, _renamed(columns, named), described=described)]
        if isinstance(node, ast.JoinExpr):
            left = self.from_item(node.larg, scope, ctes)
            # a LATERAL item on the right sees the left side
            items = left + self.from_item(node.rarg, _Scope([*scope.items, *left], scope.parent), ctes)
            inner = _Scope(items, scope)
            self.expressions(node.quals, inner, ctes)
            for name in _strings(node.usingClause):
                for side in (items[:1], items[1:]):
                    if side and all(item.has(name) is False for item in side):
                        self.report("column", name, name, _within(side), _columns(side), node)
            using = node.join_using_alias
            if using is not None and using.aliasname:  # `USING (id) AS j`: j.id
                columns = _names(node.usingClause)
                items = [*items, _Item(using.aliasname, None, columns, described=using.aliasname)]
            if node.alias is not None and node.alias.aliasname:
                # the join's own name; the names inside stay visible here (PostgreSQL hides them,
                # and would reject their use: accepting it is the safe side)
                items = [*items, _Item(node.alias.aliasname, None, None, described=node.alias.aliasname)]
            return items
        if isinstance(node, ast.RangeFunction):
            for function in node.functions or ():
                self.expressions(function, scope, ctes)  # functions in FROM see the items before them
            alias = node.alias
            named = _names(alias.colnames) if alias else ()
            name = alias.aliasname if alias else _function_name(node)
            return [_Item(name, None, named or None, described=name or "a function")]
        if isinstance(node, ast.RangeTableSample):
            items = self.from_item(node.relation, scope, ctes) if node.relation is not None else []
            self.expressions(node.args, scope, ctes)
            self.expressions(node.repeatable, scope, ctes)
            return items
        # XMLTABLE, JSON_TABLE and whatever else: a name whose columns are not known
        alias = getattr(node, "alias", None)
        name = alias.aliasname if isinstance(alias, ast.Alias) else None
        for child in _children(node):
            self.expressions(child, scope, ctes)
        return [_Item(name, None, None, described=name or "a table function")]

    def relation(self, node: ast.RangeVar, ctes: dict[str, tuple[str, ...] | None]) -> _Item:
        alias = node.alias
        named = _names(alias.colnames) if alias else ()
        name = alias.aliasname if alias else node.relname
        written = ".".join(p for p in (node.catalogname, node.schemaname, node.relname) if p)
        renamed = alias is not None and alias.aliasname != node.relname
        described = f"{written} AS {alias.aliasname}" if alias is not None and renamed else written
        if node.schemaname is None and node.relname in ctes:
            return _Item(name, None, _renamed(ctes[node.relname], named), described=described)
        if node.relname is None or node.catalogname is not None:
            return _Item(name, None, None, described=described)
        found = self.lookup(node.schemaname, node.relname)
        if found is MISSING:
            self.report("relation", written, node.relname, node.schemaname or "", (), node)
            found = None
        columns = _renamed(found.columns, named) if found is not None else None
        table = bool(found and found.table)
        return _Item(name, None if alias else node.schemaname, columns, table, described)

    # --- column references -------------------------------------------------------------------------

    def expressions(
        self,
        node: object,
        scope: _Scope,
        ctes: dict[str, tuple[str, ...] | None],
        *,
        outputs: bool = False,
    ) -> None:
        """Resolve every column reference under `node` in `scope`; a subquery gets a scope of its own
        whose parent is `scope`. `outputs`: a bare name may be an output column (GROUP/ORDER BY)."""
        stack: list[object] = [node]
        while stack:
            item = stack.pop()
            if isinstance(item, tuple | list):
                stack.extend(item)
                continue
            if not isinstance(item, ast.Node):
                continue
            if isinstance(item, ast.ColumnRef):
                self.column(item, scope, outputs)
                continue
            if isinstance(item, ast.SubLink):
                self.expressions(item.testexpr, scope, ctes)
                self.select(item.subselect, scope, ctes)
                continue
            if isinstance(item, ast.SelectStmt):  # an array or row subquery the grammar keeps bare
                self.select(item, scope, ctes)
                continue
            stack.extend(_children(item))

    def column(self, ref: ast.ColumnRef, scope: _Scope, outputs: bool) -> None:
        parts = _strings(ref.fields)
        star = _star(ref)
        if len(parts) != len(ref.fields or ()) - int(star):
            return  # a field that is neither a name nor `*`: not ours to judge
        text = ".".join([*parts, "*"] if star else parts)
        if star:
            if len(parts) == 1 and self.item_named(parts[0], scope) is None:
                self.report("alias", text, parts[0], "", _item_names(scope), ref)
            return
        if len(parts) == 1:
            self.bare(parts[0], text, ref, scope, outputs)
        elif len(parts) == 2:
            self.qualified(parts[0], parts[1], text, ref, scope)
        elif len(parts) == 3:
            schema, relation, column = parts
            for level in scope.levels():
                for item in level.items:
                    if item.name == relation and item.schema in (schema, None):
                        if item.has(column) is False:
                            self.report("column", text, column, item.described, item.columns or (), ref)
                        return
            # `table.column.field`, or a name this resolver does not know: accepted

    def bare(self, name: str, text: str, ref: ast.Node, scope: _Scope, outputs: bool) -> None:
        if outputs and name in scope.outputs:
            return
        for level in scope.levels():
            answers = [item.has(name) for item in level.items]
            if any(answer is not False for answer in answers):
                return
            if any(item.name == name for item in level.items):
                return  # a whole-row reference to the item
        items = scope.items
        self.report("column", text, name, _within(items), _columns(items), ref)

    def qualified(self, qualifier: str, name: str, text: str, ref: ast.Node, scope: _Scope) -> None:
        match = self.item_named(qualifier, scope)
        if match is not None:
            item = match[0]
            if item.has(name) is False:
                self.report("column", text, name, item.described, item.columns or (), ref)
            return
        # not a FROM item: PostgreSQL then reads `qualifier` as a column and `name` as its field
        for level in scope.levels():
            if any(item.has(qualifier) is not False for item in level.items):
                return
        self.report("alias", text, qualifier, "", _item_names(scope), ref)

    def item_named(self, name: str, scope: _Scope) -> tuple[_Item, _Scope] | None:
        for level in scope.levels():
            for item in level.items:
                if item.name == name:
                    return item, level
        return None

    def report(
        self,
        kind: Literal["relation", "column", "alias"],
        text: str,
        name: str,
        within: str,
        candidates: Sequence[str],
        node: ast.Node,
    ) -> None:
        location = getattr(node, "location", None)
        offset = location if isinstance(location, int) and location >= 0 else 0
        self.found.append(
            Unresolved(kind, text, name, within, tuple(dict.fromkeys(candidates)), offset, len(text))
        )


def unresolved(query: Query, lookup: Lookup) -> list[Unresolved]:
    """The relations, columns and qualifiers `query` names that do not exist, in the order written."""
    resolver = _Resolver(lookup)
    resolver.select(query.node, None, {})
    # a recursive CTE's first term is read twice (for the CTE's columns, then as part of it)
    unique = {(u.offset, u.kind, u.text): u for u in resolver.found}
    return sorted(unique.values(), key=lambda u: u.offset)


def query_columns(query: Query, lookup: Lookup) -> tuple[str, ...] | None:
    """The query's output columns, with `*` expanded where the columns are known; None otherwise."""
    return _Resolver(lookup).select(query.node, None, {})


# --- helpers ------------------------------------------------------------------------------------


def _strings(nodes: Sequence[ast.Node] | None) -> list[str]:
    return [n.sval for n in nodes or () if isinstance(n, ast.String) and n.sval is not None]


def _names(nodes: Sequence[ast.Node] | None) -> tuple[str, ...]:
    return tuple(_strings(nodes))


def _star(ref: ast.ColumnRef) -> bool:
    fields = ref.fields or ()
    return bool(fields) and isinstance(fields[-1], ast.A_Star)


def _renamed(columns: tuple[str, ...] | None, names: tuple[str, ...]) -> tuple[str, ...] | None:
    """An alias's column list renames the first columns; the rest keep their names."""
    if not names:
        return columns
    if columns is None:
        return None
    return names + columns[len(names) :]


def _function_name(node: ast.RangeFunction) -> str | None:
    for function in node.functions or ():
        call = function[0] if isinstance(function, tuple) and function else None
        if isinstance(call, ast.FuncCall) and call.funcname:
            return _strings(call.funcname)[-1]
    return None


def _within(items: Sequence[_Item]) -> str:
    return ", ".join(item.described for item in items if item.described)


def _columns(items: Sequence[_Item]) -> list[str]:
    return [column for item in items for column in item.columns or ()]


def _item_names(scope: _Scope) -> list[str]:
    return [item.name for level in scope.levels() for item in level.items if item.name]


_CHILDREN: dict[type, tuple[str, ...]] = {}


def _children(node: ast.Node) -> list[object]:
    """The node-valued attributes of a parse node."""
    names = _CHILDREN.get(type(node))
    if names is None:
        slots: dict[str, ast.SlotTypeInfo] = type(node).__slots__  # type: ignore[attr-defined]
        names = tuple(n for n, info in slots.items() if info.c_type.endswith("*") and info.c_type != "char*")
        _CHILDREN[type(node)] = names
    return [value for name in names if (value := getattr(node, name)) is not None]
