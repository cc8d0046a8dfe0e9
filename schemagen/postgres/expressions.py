"""Parsing and analysis of user-written SQL with PostgreSQL's own parser (pglast).

Every expression of a spec (defaults, CHECKs, generated columns, index expressions and
predicates, partition keys) and every view query goes through here before it is rendered,
so nothing that is not exactly one expression, or one SELECT, reaches the DDL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import field
from functools import cache, lru_cache
from typing import Any

import pglast
from pglast import ast
from pglast.enums import A_Expr_Kind, MinMaxOp, SetOperation, SubLinkType, XmlExprOp
from pglast.parser import ParseError, scan

from schemagen.postgres import volatility
from schemagen.postgres.nodes import name_parts, required, string_value
from schemagen.postgres.sqltypes import UnknownTypeError, format_type_name, is_text_like, type_family
from schemagen.records import dataclass

__all__ = [
    "NON_IMMUTABLE_FUNCTIONS",
    "Cast",
    "Expression",
    "ExpressionError",
    "FunctionCall",
    "Query",
    "SqlProblem",
    "Statement",
    "casts",
    "check_sql",
    "child_nodes",
    "column_refs",
    "expression_label",
    "function_calls",
    "has_subquery",
    "immutability_problems",
    "normalized",
    "output_columns",
    "output_name",
    "parse_expression",
    "parse_query",
    "relations",
    "replaces_in_place",
    "split_statements",
    "statement_subject",
]

_PREFIX = "SELECT "


class ExpressionError(Exception):
    """User SQL that is not what its place in the spec requires."""

    def __init__(self, message: str, offset: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


@dataclass(frozen=True, slots=True)
class Expression:
    text: str
    node: ast.Node = field(compare=False, hash=False, repr=False)


@dataclass(frozen=True, slots=True)
class Query:
    text: str
    node: ast.SelectStmt = field(compare=False, hash=False, repr=False)


@dataclass(frozen=True, slots=True)
class FunctionCall:
    name: str
    nargs: int
    args: tuple[ast.Node, ...] = field(default=(), hash=False, repr=False)
    # SQL keywords such as CURRENT_DATE: printed without parentheses in messages.
    keyword: bool = field(default=False, compare=False)

    @property
    def label(self) -> str:
        return self.name if self.keyword else f"{self.name}()"


@dataclass(frozen=True, slots=True)
class Cast:
    type_name: str
    arg: ast.Node = field(hash=False, repr=False)


@dataclass(frozen=True, slots=True)
class Statement:
    text: str
    line: int


@dataclass(frozen=True, slots=True)
class SqlProblem:
    line: int
    message: str


# --------------------------------------------------------------------------- tree walking

_CHILD_ATTRS: dict[type, tuple[str, ...]] = {}


def _child_attrs(cls: type[ast.Node]) -> tuple[str, ...]:
    attrs = _CHILD_ATTRS.get(cls)
    if attrs is None:
        # pglast's stubs leave out `__slots__`, which every node class has at run time: a mapping of
        # slot name to its `SlotTypeInfo`.
        slots: dict[str, ast.SlotTypeInfo] = cls.__slots__  # type: ignore[attr-defined]
        # Pointer-typed slots hold nodes or node lists; scalars and strings never do.
        attrs = tuple(
            name for name, info in slots.items() if info.c_type.endswith("*") and info.c_type != "char*"
        )
        _CHILD_ATTRS[cls] = attrs
    return attrs


def child_nodes(node: ast.Node) -> Iterator[ast.Node]:
    """The nodes directly below `node`, left to right (the items of a list field one by one)."""
    for name in _child_attrs(type(node)):
        value = getattr(node, name)
        if isinstance(value, tuple):
            yield from (item for item in value if isinstance(item, ast.Node))
        elif isinstance(value, ast.Node):
            yield value


def _walk(root: ast.Node | tuple) -> Iterator[ast.Node]:
    """Pre-order, left to right, iterative (deep expressions must not hit the recursion limit)."""
    stack: list = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, tuple):
            stack.extend(reversed(item))
            continue
        if not isinstance(item, ast.Node):
            continue
        yield item
        for name in reversed(_child_attrs(type(item))):
            value = getattr(item, name)
            if value is not None:
                stack.append(value)


def _svf_name(node: ast.SQLValueFunction) -> str:
    name = required(node.op).name.removeprefix("SVFOP_").lower()
    return name.removesuffix("_n")


@dataclass(frozen=True, slots=True)
class _Facts:
    calls: tuple[FunctionCall, ...]
    columns: frozenset[str]
    casts: tuple[Cast, ...]
    subquery: bool
    # (operator, left, right) of every binary + and -, for timestamptz arithmetic.
    additions: tuple[tuple[str, ast.Node, ast.Node], ...]


@lru_cache(maxsize=65536)
def _facts(expr: Expression | Query) -> _Facts:
    calls: list[FunctionCall] = []
    columns: set[str] = set()
    found_casts: list[Cast] = []
    additions: list[tuple[str, ast.Node, ast.Node]] = []
    subquery = False
    for node in _walk(expr.node):
        if isinstance(node, ast.FuncCall):
            args = node.args or ()
            calls.append(FunctionCall(name_parts(node.funcname)[-1].lower(), len(args), args))
        elif isinstance(node, ast.SQLValueFunction):
            calls.append(FunctionCall(_svf_name(node), 0, (), keyword=True))
        elif isinstance(node, ast.ColumnRef):
            last = _last_field(node)
            if isinstance(last, ast.String):
                columns.add(string_value(last))
        elif isinstance(node, ast.TypeCast):
            found_casts.append(Cast(_cast_type_name(required(node.typeName)), required(node.arg)))
        elif isinstance(node, ast.A_Expr):
            # The right operand of an AEXPR_OP is one expression, never a list.
            if (
                node.kind == A_Expr_Kind.AEXPR_OP
                and node.lexpr is not None
                and isinstance(node.rexpr, ast.Node)
                and name_parts(node.name)[-1] in ("+", "-")
            ):
                additions.append((name_parts(node.name)[-1], node.lexpr, node.rexpr))
        elif isinstance(node, ast.SubLink):
            subquery = True
    return _Facts(tuple(calls), frozenset(columns), tuple(found_casts), subquery, tuple(additions))


def _cast_type_name(type_name: ast.TypeName) -> str:
    try:
        return format_type_name(type_name)
    except UnknownTypeError:
        # Still report the cast; the database will reject the modifier itself.
        return ".".join(part for part in name_parts(type_name.names) if part != "pg_catalog").lower()


def _last_field(ref: ast.ColumnRef) -> ast.Node:
    """The last field of a column reference: the column's name (a String) or `*` (an A_Star)."""
    return required(ref.fields)[-1]


def function_calls(expr: Expression | Query) -> list[FunctionCall]:
    """Every function call, including SQL keywords like CURRENT_DATE (nargs 0)."""
    return list(_facts(expr).calls)


def column_refs(expr: Expression | Query) -> set[str]:
    """Names of the referenced columns (last name part, as the parser folded it)."""
    return set(_facts(expr).columns)


def columns_read(query: Query) -> frozenset[str] | None:
    """The column names a query reads (last name part, and those a join's USING names), or None when
    it reads whole rows (`*`, `t.*`, or a table or alias used as a value) or columns it does not name
    (a NATURAL join, a table aliased with column names), so that every column of its tables counts."""
    names: set[str] = set()
    relations_and_aliases: set[str] = set()
    single: set[str] = set()
    for node in _walk(query.node):
        if isinstance(node, ast.ColumnRef):
            last = _last_field(node)
            if isinstance(last, ast.A_Star):
                return None
            if isinstance(last, ast.String):
                names.add(string_value(last))
                if len(node.fields or ()) == 1:
                    single.add(string_value(last))
        elif isinstance(node, ast.RangeVar):
            relations_and_aliases.add(node.relname or "")
            if node.alias is not None:
                if node.alias.colnames:  # `t AS a(x, y)`: columns read by position, not by name
                    return None
                relations_and_aliases.add(node.alias.aliasname or "")
        elif isinstance(node, ast.RangeSubselect) and node.alias is not None:
            relations_and_aliases.add(node.alias.aliasname or "")
        elif isinstance(node, ast.JoinExpr):
            if node.isNatural:  # the columns both sides have, named nowhere
                return None
            names.update(string_value(n) for n in node.usingClause or () if isinstance(n, ast.String))
    if single & relations_and_aliases:
        return None
    return frozenset(names)


def names_mentioned(root: ast.Node | tuple) -> frozenset[str]:
    """The last part of every relation, function and type name a parse tree names: what a SQL-standard
    function body depends on (PostgreSQL records those dependencies when it creates the function)."""
    found: set[str] = set()
    for node in _walk(root):
        if isinstance(node, ast.RangeVar) and node.relname:
            found.add(node.relname)
        elif isinstance(node, ast.FuncCall | ast.TypeName):
            names = node.funcname if isinstance(node, ast.FuncCall) else node.names
            parts = [p.sval for p in names or () if isinstance(p, ast.String) and p.sval]
            if parts:
                found.add(parts[-1])
    return frozenset(found)


def casts(expr: Expression | Query) -> list[Cast]:
    """Every ``x::type`` / ``CAST(x AS type)``, the type in canonical spelling."""
    return list(_facts(expr).casts)


def has_subquery(expr: Expression | Query) -> bool:
    """True when the expression contains a sub-SELECT (PostgreSQL rejects those in DDL)."""
    return _facts(expr).subquery


# --------------------------------------------------------------------------- parsing


def _one_line(text: str, limit: int = 80) -> str:
    """``text`` fit for a one-line message: whitespace collapsed, long text cut."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _parse_error(exc: ParseError, shift: int, text: str) -> ExpressionError:
    location = exc.args[1] if len(exc.args) > 1 else None
    offset = None
    if location is not None and 0 <= location - shift <= len(text):
        offset = location - shift
    return ExpressionError(exc.args[0], offset)


# PostgreSQL's parser builds a tree as deep as a chain of operators is long (`a + b + c …`), and
# pglast walks it recursively in C: a chain of some 30,000 terms overflows the stack and kills the
# process. User SQL is bounded well below that, in characters and in tokens, before it is parsed.
MAX_EXPRESSION_CHARS, MAX_EXPRESSION_TOKENS = 20_000, 5_000
MAX_QUERY_CHARS, MAX_QUERY_TOKENS = 200_000, 20_000


def _check_size(text: str, what: str, max_chars: int, max_tokens: int) -> None:
    if len(text) > max_chars:
        raise ExpressionError(
            f"{what} is {len(text):,} characters long; schemagen takes at most {max_chars:,}"
        )
    if len(text) <= max_tokens:
        return
    try:
        count = len(scan(text))
    except ParseError:
        return  # unterminated string or comment: the parser reports it with a position
    if count > max_tokens:
        raise ExpressionError(f"{what} has {count:,} tokens; schemagen takes at most {max_tokens:,}")


def _check_tokens(text: str, allow_comments: bool) -> None:
    """Reject ';' (a second statement) and, where asked, '--' comments that would swallow
    the rest of the rendered line."""
    if ";" not in text and (allow_comments or "--" not in text):
        return
    try:
        tokens = scan(text)
    except ParseError:
        return  # unterminated string or comment: the parser reports it with a position
    for token in tokens:
        if token.name == "ASCII_59":
            rest = text[token.end + 1 :].strip()
            if rest:
                raise ExpressionError("more than one statement: ';' ends a statement", token.start)
            raise ExpressionError("more than one statement: remove the trailing ';'", token.start)
        if token.name == "SQL_COMMENT" and not allow_comments:
            raise ExpressionError(
                "'--' comments are not allowed in an expression (they would comment out the rest"
                " of the rendered line): use /* ... */",
                token.start,
            )


_CLAUSES = (
    ("withClause", "a WITH clause"),
    ("intoClause", "an INTO clause"),
    ("distinctClause", "DISTINCT"),
    ("fromClause", "a FROM clause"),
    ("whereClause", "a WHERE clause"),
    ("groupClause", "a GROUP BY clause"),
    ("havingClause", "a HAVING clause"),
    ("windowClause", "a WINDOW clause"),
    ("sortClause", "an ORDER BY clause"),
    ("limitCount", "a LIMIT clause"),
    ("limitOffset", "an OFFSET clause"),
    ("lockingClause", "a FOR UPDATE/SHARE clause"),
)


def _reject_modifying_ctes(root: ast.Node, text: str, shift: int) -> None:
    for node in _walk(root):
        if isinstance(node, ast.CommonTableExpr) and not isinstance(node.ctequery, ast.SelectStmt):
            kind = type(node.ctequery).__name__.removesuffix("Stmt").upper()
            offset = node.location - shift if node.location is not None else None
            raise ExpressionError(
                f"data-modifying statement ({kind}) in WITH is not allowed",
                offset if offset is not None and 0 <= offset <= len(text) else None,
            )


@lru_cache(maxsize=65536)
def parse_expression(text: str) -> Expression:
    """Parse exactly one scalar SQL expression; raise ``ExpressionError`` otherwise.

    Results are cached and shared between callers: treat ``node`` as read-only.
    """
    stripped = text.strip()
    if not stripped:
        raise ExpressionError("empty expression")
    if "\x00" in text:
        raise ExpressionError("expression contains a NUL character", text.index("\x00"))
    _check_size(text, "the expression", MAX_EXPRESSION_CHARS, MAX_EXPRESSION_TOKENS)
    _check_tokens(text, allow_comments=False)
    try:
        stmts = pglast.parse_sql(_PREFIX + text)
    except ParseError as exc:
        raise _parse_error(exc, len(_PREFIX), text) from None
    if len(stmts) != 1:
        raise ExpressionError("more than one statement")
    stmt = stmts[0].stmt
    shown = _one_line(stripped)
    if not isinstance(stmt, ast.SelectStmt) or stmt.valuesLists is not None:
        raise ExpressionError(f"not a single SQL expression: {shown}")
    if stmt.op != SetOperation.SETOP_NONE:
        raise ExpressionError(f"not a single SQL expression (set operation): {shown}")
    for attr, what in _CLAUSES:
        if getattr(stmt, attr) is not None:
            raise ExpressionError(f"not a single SQL expression ({what}): {shown}")
    targets = stmt.targetList or ()
    if not targets:
        raise ExpressionError("empty expression")  # only comments
    if len(targets) != 1:
        raise ExpressionError(f"not a single SQL expression ({len(targets)} comma-separated values): {shown}")
    target = targets[0]
    if target.name is not None:
        raise ExpressionError(f"not a single SQL expression (alias {target.name!r}): {shown}")
    value = target.val
    if isinstance(value, ast.ColumnRef) and isinstance(_last_field(value), ast.A_Star):
        raise ExpressionError(f"not a single SQL expression ('*'): {shown}")
    if "with" in text.lower():
        _reject_modifying_ctes(value, text, len(_PREFIX))
    return Expression(stripped, value)


@lru_cache(maxsize=4096)
def parse_query(text: str) -> Query:
    """Parse exactly one SELECT (set operations and WITH allowed), e.g. a view body."""
    stripped = text.strip()
    if not stripped:
        raise ExpressionError("empty query")
    if "\x00" in text:
        raise ExpressionError("query contains a NUL character", text.index("\x00"))
    _check_size(text, "the query", MAX_QUERY_CHARS, MAX_QUERY_TOKENS)
    _check_tokens(text, allow_comments=True)
    try:
        stmts = pglast.parse_sql(text)
    except ParseError as exc:
        raise _parse_error(exc, 0, text) from None
    if not stmts:
        raise ExpressionError("empty query")  # only comments
    if len(stmts) != 1:
        raise ExpressionError("more than one statement")
    stmt = stmts[0].stmt
    if not isinstance(stmt, ast.SelectStmt):
        kind = type(stmt).__name__.removesuffix("Stmt")
        raise ExpressionError(f"not a SELECT query ({kind} statement)", stmts[0].stmt_location)
    if stmt.intoClause is not None:
        raise ExpressionError("SELECT ... INTO creates a table: not allowed in a query")
    _reject_modifying_ctes(stmt, text, 0)
    return Query(stripped, stmt)


# --------------------------------------------------------------------------- queries


def relations(query: Query) -> set[str]:
    """Names of the tables and views a query reads, excluding its own CTE names.

    A name is returned as written: bare (``users``) or qualified (``audit.logins``), so callers
    can tell a reference to another schema from one resolved through the search_path.
    """
    found: set[str] = set()
    stack: list[tuple[object, frozenset[str]]] = [(query.node, frozenset())]
    while stack:
        item, scope = stack.pop()
        if isinstance(item, tuple):
            stack.extend((child, scope) for child in item)
            continue
        if not isinstance(item, ast.Node):
            continue
        if isinstance(item, ast.RangeVar):
            if item.schemaname is not None:
                parts = (item.catalogname, item.schemaname, item.relname)
                found.add(".".join(p for p in parts if p is not None))
            elif item.relname not in scope:
                found.add(required(item.relname))
            continue
        if isinstance(item, ast.SelectStmt) and item.withClause is not None:
            scope = scope | {cte.ctename for cte in required(item.withClause.ctes)}
        for name in _child_attrs(type(item)):
            # FOR UPDATE OF names aliases, not relations.
            if name == "lockingClause":
                continue
            value = getattr(item, name)
            if value is not None:
                stack.append((value, scope))
    return found


_XML_NAMES = {
    XmlExprOp.IS_XMLCONCAT: "xmlconcat",
    XmlExprOp.IS_XMLELEMENT: "xmlelement",
    XmlExprOp.IS_XMLFOREST: "xmlforest",
    XmlExprOp.IS_XMLPARSE: "xmlparse",
    XmlExprOp.IS_XMLPI: "xmlpi",
    XmlExprOp.IS_XMLROOT: "xmlroot",
    XmlExprOp.IS_XMLSERIALIZE: "xmlserialize",
}
_FIXED_COLNAMES = {
    ast.GroupingFunc: "grouping",
    ast.A_ArrayExpr: "array",
    ast.RowExpr: "row",
    ast.CoalesceExpr: "coalesce",
    ast.XmlSerialize: "xmlserialize",
    ast.JsonParseExpr: "json",
    ast.JsonScalarExpr: "json_scalar",
    ast.JsonSerializeExpr: "json_serialize",
    ast.JsonObjectConstructor: "json_object",
    ast.JsonArrayConstructor: "json_array",
    ast.JsonArrayQueryConstructor: "json_array",
    ast.JsonObjectAgg: "json_objectagg",
    ast.JsonArrayAgg: "json_arrayagg",
}


def _figure_colname(node: ast.Node) -> tuple[str | None, int]:
    """PostgreSQL's FigureColnameInternal: (name, strength), strength 0 meaning no name."""
    if isinstance(node, ast.ColumnRef):
        last = _last_field(node)
        return (last.sval, 2) if isinstance(last, ast.String) else (None, 0)
    if isinstance(node, ast.A_Indirection):
        names = [i.sval for i in required(node.indirection) if isinstance(i, ast.String)]
        return (names[-1], 2) if names else _figure_colname(required(node.arg))
    if isinstance(node, ast.FuncCall):
        return name_parts(node.funcname)[-1], 2
    if isinstance(node, ast.A_Expr):
        return ("nullif", 2) if node.kind == A_Expr_Kind.AEXPR_NULLIF else (None, 0)
    if isinstance(node, ast.TypeCast):
        name, strength = _figure_colname(required(node.arg))
        if strength <= 1:
            return name_parts(required(node.typeName).names)[-1], 1
        return name, strength
    if isinstance(node, ast.CollateClause):
        return _figure_colname(required(node.arg))
    if isinstance(node, ast.SubLink):
        if node.subLinkType == SubLinkType.EXISTS_SUBLINK:
            return "exists", 2
        if node.subLinkType == SubLinkType.ARRAY_SUBLINK:
            return "array", 2
        if node.subLinkType == SubLinkType.EXPR_SUBLINK and isinstance(node.subselect, ast.SelectStmt):
            outputs = _select_output_columns(node.subselect)
            if outputs:
                return outputs[0], 2
        return None, 0
    if isinstance(node, ast.CaseExpr):
        name, strength = _figure_colname(node.defresult) if node.defresult is not None else (None, 0)
        return ("case", 1) if strength <= 1 else (name, strength)
    if isinstance(node, ast.MinMaxExpr):
        return ("greatest" if node.op == MinMaxOp.IS_GREATEST else "least"), 2
    if isinstance(node, ast.SQLValueFunction):
        return _svf_name(node), 2
    if isinstance(node, ast.XmlExpr):
        name = _XML_NAMES.get(required(node.op))
        return (name, 2) if name else (None, 0)
    if isinstance(node, ast.JsonFuncExpr):
        return required(node.op).name.removesuffix("_OP").lower(), 2
    fixed = _FIXED_COLNAMES.get(type(node))
    return (fixed, 2) if fixed else (None, 0)


def output_name(node: ast.Node | None) -> str:
    """The name PostgreSQL gives the output column of a SELECT list's expression (`?column?` when it
    has none)."""
    if node is None:
        return "?column?"
    name, strength = _figure_colname(node)
    return name if strength and name else "?column?"


def _select_output_columns(stmt: ast.SelectStmt) -> list[str] | None:
    while stmt.op != SetOperation.SETOP_NONE:
        # A set operation takes its column names from its leftmost SELECT.
        stmt = required(stmt.larg)
    if stmt.valuesLists:
        return [f"column{i}" for i in range(1, len(stmt.valuesLists[0]) + 1)]
    names: list[str] = []
    for target in stmt.targetList or ():
        if target.name is not None:
            names.append(target.name)
            continue
        value = target.val
        if isinstance(value, ast.ColumnRef) and isinstance(_last_field(value), ast.A_Star):
            return None
        if isinstance(value, ast.A_Indirection) and isinstance(required(value.indirection)[-1], ast.A_Star):
            return None
        name, strength = _figure_colname(value)
        names.append(name if strength and name else "?column?")
    return names


@lru_cache(maxsize=65536)
def expression_label(text: str) -> str:
    """The name PostgreSQL gives an index column on this expression (``lower(email)`` ->
    ``lower``, else ``expr``), used to name indexes as PostgreSQL would."""
    try:
        name, strength = _figure_colname(parse_expression(text).node)
    except ExpressionError:
        return "expr"
    return name if strength and name else "expr"


def replaces_in_place(old: Query, new: Query) -> bool:
    """Whether `CREATE OR REPLACE VIEW` can take a view from `old` to `new`: PostgreSQL keeps the view
    (and what depends on it) only if each old output column stays, in place, under its name and type.
    Proven statically, so conservatively: the same WITH, DISTINCT and FROM, and the old output columns
    first in the new, each the very same expression; WHERE, GROUP BY, HAVING and ORDER BY may change,
    and columns may be added at the end."""
    a, b = old.node, new.node
    if a.op != SetOperation.SETOP_NONE or b.op != SetOperation.SETOP_NONE:
        return False
    for part in ("withClause", "distinctClause", "fromClause"):
        if _deparsed(getattr(a, part)) != _deparsed(getattr(b, part)):
            return False
    olds, news = _deparsed(a.targetList), _deparsed(b.targetList)
    names_a, names_b = _select_output_columns(a), _select_output_columns(b)
    if names_a is None or names_b is None or len(olds) > len(news):
        return False
    return olds == news[: len(olds)] and names_a == names_b[: len(names_a)]


@cache
def _literal_casts() -> Any:
    """The visitor class that takes the casts off literals: `0::numeric` → `0`. Made at first use:
    pglast's visitors module imports its deparser and printers (a tenth of pglast's import), which a
    spec whose expressions are never compared this way does not need."""
    from pglast.visitors import Visitor

    class _LiteralCasts(Visitor):
        def visit_TypeCast(self, ancestors: object, node: ast.TypeCast) -> ast.Node | None:
            return node.arg if isinstance(node.arg, ast.A_Const) else None

    return _LiteralCasts


@lru_cache(maxsize=65536)
def normalized(text: str) -> str:
    """An expression as PostgreSQL's deparser writes it, with the casts of its literals left out, so that
    two spellings of one expression compare equal (`total > 0`, `(total > 0::numeric)`: the second is
    how PostgreSQL prints the first). The text itself when it is not one expression."""
    try:
        _check_size(text, "the expression", MAX_EXPRESSION_CHARS, MAX_EXPRESSION_TOKENS)
        stmts = pglast.parse_sql(_PREFIX + text)  # a tree of its own: the visitor changes it
    except (ParseError, ExpressionError):
        return text
    stmt = stmts[0].stmt if len(stmts) == 1 else None
    targets = stmt.targetList if isinstance(stmt, ast.SelectStmt) else None
    if not targets or len(targets) != 1:
        return text
    _literal_casts()()(required(stmt))
    from pglast.stream import RawStream  # here: see `_literal_casts`

    return str(RawStream()(required(targets[0].val)))


def _deparsed(part: object) -> list[str]:
    """A clause as PostgreSQL's deparser writes it, one text per item (an empty list for none)."""
    if part is None:
        return []
    items = part if isinstance(part, tuple) else (part,)
    from pglast.stream import RawStream  # here: see `_literal_casts`

    return [RawStream()(item) for item in items]


def statement_subject(text: str) -> str | None:
    """The name of what a DDL statement creates or changes: a table, index, constraint, view, type,
    domain, sequence or function (the constraint's name for ALTER TABLE … ADD CONSTRAINT); None for
    anything else."""
    try:
        stmts = pglast.parse_sql(text)
    except ParseError:
        return None
    stmt = stmts[0].stmt if len(stmts) == 1 else None
    match stmt:
        case ast.CreateStmt() | ast.AlterTableStmt():
            for command in getattr(stmt, "cmds", None) or ():
                constraint = command.def_ if isinstance(command, ast.AlterTableCmd) else None
                if isinstance(constraint, ast.Constraint) and constraint.conname:
                    return constraint.conname
            return required(stmt.relation).relname
        case ast.IndexStmt():
            return stmt.idxname
        case ast.ViewStmt():
            return required(stmt.view).relname
        case ast.CreateTableAsStmt():
            return required(required(stmt.into).rel).relname
        case ast.CreateEnumStmt() | ast.CompositeTypeStmt():
            names = name_parts(stmt.typeName) if isinstance(stmt, ast.CreateEnumStmt) else None
            return names[-1] if names else None
        case ast.CreateDomainStmt():
            return name_parts(stmt.domainname)[-1]
        case ast.CreateSeqStmt() | ast.AlterSeqStmt():
            return required(stmt.sequence).relname
        case ast.CreateFunctionStmt():
            return name_parts(stmt.funcname)[-1]
        case ast.CommentStmt():
            return None
    return None


def output_columns(query: Query) -> list[str] | None:
    """The query's output column names as PostgreSQL names them; None when a ``*`` is used."""
    return _select_output_columns(query.node)


# --------------------------------------------------------------------------- immutability

NON_IMMUTABLE_FUNCTIONS = volatility.NON_IMMUTABLE

_ONLY_NARGS = volatility.ONLY_NARGS
_TEXT_SEARCH = frozenset(
    {"to_tsvector", "to_tsquery", "plainto_tsquery", "phraseto_tsquery", "websearch_to_tsquery"}
)
_TZ_FUNCTIONS = frozenset({"date", "date_trunc", "date_part", "extract", "age"})
_TIMESTAMPTZ = frozenset({"timestamp with time zone", "timestamptz"})
_PRECISION = re.compile(r"\(\d+\)")


def _canonical_column_type(column_types: Mapping[str, str], name: str) -> str | None:
    found = column_types.get(name)
    if found is None:
        found = column_types.get(name.lower())
    return _PRECISION.sub("", found).strip().lower() if found is not None else None


def _column(node: ast.Node) -> str | None:
    last = _last_field(node) if isinstance(node, ast.ColumnRef) else None
    return last.sval if isinstance(last, ast.String) else None


def _is_interval(node: ast.Node, column_types: Mapping[str, str]) -> bool:
    if isinstance(node, ast.TypeCast):
        return _cast_type_name(required(node.typeName)).startswith("interval")
    col = _column(node)
    return col is not None and (_canonical_column_type(column_types, col) or "").startswith("interval")


_DATETIME_FAMILIES = ("date", "time", "timestamp", "interval")


def _cast_problem(cast: Cast, column_types: Mapping[str, str]) -> str | None:
    col = _column(cast.arg)
    source = _canonical_column_type(column_types, col) if col is not None else None
    if source is None:
        return None
    target = cast.type_name
    source_family, target_family = type_family(source), type_family(target)
    target_zoned = _PRECISION.sub("", target) in _TIMESTAMPTZ
    shown = f"`{col}::{target}`"
    if source in _TIMESTAMPTZ and target_family in ("date", "time", "timestamp") and not target_zoned:
        fix = f"{col} AT TIME ZONE 'UTC'"
        if target_family != "timestamp":
            fix = f"({fix})::{target}"
        return f"{shown} converts a timestamptz and depends on the session TimeZone: write {fix}"
    if source_family in ("date", "timestamp", "interval") and is_text_like(target):
        return (
            f"{shown} depends on DateStyle/IntervalStyle (and TimeZone for timestamptz): store or index"
            f" {col} itself, or use extract() on a zone-free value"
        )
    if source_family in ("date", "timestamp") and source not in _TIMESTAMPTZ and target_zoned:
        zoned = f"{col}::timestamp" if source_family == "date" else col
        return f"{shown} depends on the session TimeZone: write {zoned} AT TIME ZONE 'UTC'"
    if source_family == "text" and target_family in _DATETIME_FAMILIES:
        return f"{shown} parses text, which depends on DateStyle and TimeZone: store a typed column instead"
    return None


def _call_problem(call: FunctionCall, column_types: Mapping[str, str]) -> str | None:
    advice = NON_IMMUTABLE_FUNCTIONS.get(call.name)
    if advice is not None and (call.name not in _ONLY_NARGS or call.nargs in _ONLY_NARGS[call.name]):
        return f"`{call.label}` is not IMMUTABLE: {advice}"
    if call.name in _TEXT_SEARCH and call.nargs == 1:
        arg = _column(call.args[0]) or "col"
        return (
            f"1-argument {call.name} depends on default_text_search_config: pass the configuration,"
            f" e.g. {call.name}('english', {arg})"
        )
    if call.name in _TZ_FUNCTIONS:
        zoned = [
            col
            for col in map(_column, call.args)
            if col is not None and _canonical_column_type(column_types, col) in _TIMESTAMPTZ
        ]
        if not zoned:
            return None
        col = zoned[0]
        if call.name == "date" and call.nargs == 1:
            return (
                f"date(timestamptz) depends on the session TimeZone: write ({col} AT TIME ZONE 'UTC')::date"
            )
        if call.name == "date_trunc" and call.nargs == 2:
            return (
                f"date_trunc(text, timestamptz) depends on the session TimeZone: write"
                f" date_trunc(..., {col} AT TIME ZONE 'UTC')"
            )
        if call.name in ("date_part", "extract"):
            return (
                f"{call.name} on a timestamptz depends on the session TimeZone: write"
                f" extract(... FROM {col} AT TIME ZONE 'UTC')"
            )
        if call.name == "age" and call.nargs == 2:
            return (
                "age(timestamptz, timestamptz) depends on the session TimeZone: compare"
                f" {col} AT TIME ZONE 'UTC'"
            )
    return None


def _arithmetic_problems(facts: _Facts, column_types: Mapping[str, str]) -> Iterator[str]:
    for operator, left, right in facts.additions:
        for side, other in ((left, right), (right, left)):
            col = _column(side)
            if (
                col is not None
                and _canonical_column_type(column_types, col) in _TIMESTAMPTZ
                and _is_interval(other, column_types)
            ):
                yield (
                    f"timestamptz {operator} interval on `{col}` depends on the session TimeZone (DST):"
                    f" write (({col} AT TIME ZONE 'UTC') {operator} <interval>) AT TIME ZONE 'UTC'"
                )


def immutability_problems(
    expr: Expression, column_types: Mapping[str, str], declared: Mapping[str, str] | None = None
) -> list[str]:
    """Why ``expr`` cannot be used where PostgreSQL demands IMMUTABLE (index expressions and
    predicates, generated columns, partition keys); empty when it can.

    ``column_types`` maps column name to canonical type (see ``sqltypes.canonical_type``);
    ``declared``: the volatility the spec declares for each of its own functions, which is what counts
    for a call of one (an IMMUTABLE one passes).
    """
    problems: list[str] = []
    facts = _facts(expr)
    declared = declared or {}
    candidates = [
        (
            None
            if declared[call.name] == "immutable"
            else f"`{call.label}` is declared {declared[call.name].upper()}: declare it "
            "`volatility: immutable` if its result depends on its arguments alone"
        )
        if call.name in declared
        else _call_problem(call, column_types)
        for call in facts.calls
    ]
    candidates += [_cast_problem(cast, column_types) for cast in facts.casts]
    if column_types:
        candidates += _arithmetic_problems(facts, column_types)
    for message in candidates:
        if message is not None and message not in problems:
            problems.append(message)
    return problems


# --------------------------------------------------------------------------- scripts


class _Lines:
    """Offset -> 1-based line, for offsets visited in increasing order (one pass over the text)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.offset = 0
        self.line = 1

    def __call__(self, offset: int) -> int:
        if offset < self.offset:
            self.offset, self.line = 0, 1
        self.line += self.text.count("\n", self.offset, offset)
        self.offset = offset
        return self.line


def _skip_space_and_comments(text: str, pos: int, end: int) -> int:
    while pos < end:
        char = text[pos]
        if char.isspace():
            pos += 1
        elif text.startswith("--", pos):
            newline = text.find("\n", pos, end)
            pos = end if newline < 0 else newline + 1
        elif text.startswith("/*", pos):
            depth, pos = 1, pos + 2
            # PostgreSQL block comments nest.
            while pos < end and depth:
                if text.startswith("/*", pos):
                    depth, pos = depth + 1, pos + 2
                elif text.startswith("*/", pos):
                    depth, pos = depth - 1, pos + 2
                else:
                    pos += 1
        else:
            break
    return pos


def _token_spans(sql: str) -> list[tuple[int, int]]:
    """Statement spans from the SQL scanner: strings, dollar quotes and comments are understood,
    unbalanced parentheses are not fatal, and BEGIN ATOMIC ... END bodies are kept whole.

    libpg_query's own scanner split is not used on broken input: after an unbalanced '(' it
    silently drops the rest of the script.
    """
    spans: list[tuple[int, int]] = []
    # `end` is read only while `start` is set, and both are set together.
    start: int | None = None
    end = 0
    depth = 0
    previous = ""
    for token in scan(sql):
        name = token.name
        if name in ("SQL_COMMENT", "C_COMMENT"):
            continue
        if name == "ASCII_59" and depth == 0:
            if start is not None:
                spans.append((start, end))
            start = None
        else:
            if start is None:
                start = token.start
            end = token.end + 1
            if (name == "ATOMIC" and previous == "BEGIN_P") or (depth and name == "CASE"):
                depth += 1
            elif depth and name == "END_P":
                depth -= 1
        previous = name
    if start is not None:
        spans.append((start, end))
    return spans


def _parser_spans(sql: str) -> list[tuple[int, int]]:
    """Statement spans from the real parser (raises ParseError on invalid input). Builds no
    Python AST, so it is an order of magnitude faster than parse_sql on a large script."""
    spans = []
    for piece in pglast.split(sql, with_parser=True, only_slices=True):
        start = _skip_space_and_comments(sql, piece.start, piece.stop)
        if start < piece.stop:
            spans.append((start, piece.stop))
    return spans


def split_statements(sql: str) -> list[Statement]:
    """Split a script into statements, each with the 1-based line of its first token.

    Uses the parser when the script is valid, the SQL scanner otherwise; raises
    ``ExpressionError`` only when even the scanner fails (unterminated quote or comment).
    """
    try:
        spans = _parser_spans(sql)
    except ParseError:
        try:
            spans = _token_spans(sql)
        except ParseError as exc:
            raise _parse_error(exc, 0, sql) from None
    line_of = _Lines(sql)
    return [Statement(sql[start:stop], line_of(start)) for start, stop in spans]


_ROUTINE = re.compile(r"(?:CREATE\s+(?:OR\s+REPLACE\s+)?(?:FUNCTION|PROCEDURE)|DO)\b", re.IGNORECASE)
# The known false positives of libpg_query's standalone PL/pgSQL compiler (no catalog).
_PLPGSQL_FALSE_POSITIVES = re.compile(r"VARIADIC parameter must be an array")


@lru_cache(maxsize=1)
def _dollar_quote() -> re.Pattern[str]:
    """A dollar quote's delimiter; compiled on first use (its character ranges take a while)."""
    return re.compile(r"\$(?:[A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$")


def _option(options: tuple[ast.DefElem, ...] | None, name: str) -> ast.DefElem | None:
    for option in options or ():
        if option.defname == name:
            return option
    return None


def _routine_problems(sql: str, start: int, stop: int, line: int, line_of: _Lines) -> list[SqlProblem]:
    """Check the body of a CREATE FUNCTION/PROCEDURE or DO statement in ``sql[start:stop]``."""
    text = sql[start:stop]
    try:
        stmt = pglast.parse_sql(text)[0].stmt
    except ParseError as exc:  # pragma: no cover - the caller already parsed it
        return [SqlProblem(line, exc.args[0])]
    if isinstance(stmt, ast.DoStmt):
        language_opt = _option(stmt.args, "language")
        language = string_value(language_opt.arg).lower() if language_opt is not None else "plpgsql"
        label, body_opt = "DO block", _option(stmt.args, "as")
    elif isinstance(stmt, ast.CreateFunctionStmt):
        name = ".".join(name_parts(stmt.funcname))
        label = f"{'procedure' if stmt.is_procedure else 'function'} {name}"
        if stmt.sql_body is not None:
            return []  # BEGIN ATOMIC / RETURN bodies were parsed with the statement
        language_opt = _option(stmt.options, "language")
        if language_opt is None:
            return [SqlProblem(line, f"{label}: no language specified")]
        language = string_value(language_opt.arg).lower()
        body_opt = _option(stmt.options, "as")
    else:
        return []
    if language == "plpgsql":
        try:
            pglast.parse_plpgsql(text)
        except ParseError as exc:
            message = exc.args[0]
            if _PLPGSQL_FALSE_POSITIVES.search(message):
                return []
            # libpg_query takes the schema as the block label of a qualified function.
            if (
                isinstance(stmt, ast.CreateFunctionStmt)
                and len(name_parts(stmt.funcname)) > 1
                and message.startswith(f'"{name_parts(stmt.funcname)[-1]}.')
                and message.endswith("is not a known variable")
            ):
                return []
            return [SqlProblem(line, f"{label} (plpgsql): {message}")]
        return []
    if language == "sql" and body_opt is not None:
        arg = body_opt.arg
        body = arg[0].sval if isinstance(arg, tuple) and len(arg) == 1 else getattr(arg, "sval", None)
        if body is None:
            return []
        try:
            pglast.parse_sql(body)
        except ParseError as exc:
            message = f"{label} (LANGUAGE sql) body: {exc.args[0]}"
            location = exc.args[1] if len(exc.args) > 1 else None
            if location is not None and body_opt.arg_location is not None:
                literal = start + body_opt.arg_location
                quote = _dollar_quote().match(sql, literal)
                content = literal + (len(quote.group()) if quote else 1)
                error_line = line_of(content) + body.count("\n", 0, location)
                if error_line != line:
                    message += f" (at line {error_line})"
            return [SqlProblem(line, message)]
    return []


def _check_spans(
    sql: str, spans: list[tuple[int, int]], line_of: _Lines, parse_each: bool
) -> list[SqlProblem]:
    problems: list[SqlProblem] = []
    for start, stop in spans:
        if parse_each:
            try:
                pglast.split(sql[start:stop], with_parser=True, only_slices=True)
            except ParseError as exc:
                line = line_of(start)
                message = exc.args[0]
                location = exc.args[1] if len(exc.args) > 1 else None
                if location is not None:
                    error_line = line + sql.count("\n", start, start + location)
                    if error_line != line:
                        message += f" (at line {error_line})"
                problems.append(SqlProblem(line, message))
                continue
        if _ROUTINE.match(sql, start):
            line = line_of(start)
            problems.extend(_routine_problems(sql, start, stop, line, line_of))
    return problems


def check_sql(sql: str) -> list[SqlProblem]:
    """Parse a rendered script with PostgreSQL's parser; return its problems (empty if none).

    Bodies of plpgsql and LANGUAGE sql functions, procedures and DO blocks are parsed too.
    Each problem carries the line where the failing statement starts.
    """
    if "\x00" in sql:
        return [SqlProblem(sql.count("\n", 0, sql.index("\x00")) + 1, "script contains a NUL character")]
    line_of = _Lines(sql)
    try:
        spans = _parser_spans(sql)
    except ParseError as whole:
        # Only now pay for locating statements: each is parsed on its own to report all of them.
        try:
            spans = _token_spans(sql)
        except ParseError as exc:
            location = exc.args[1] if len(exc.args) > 1 and exc.args[1] is not None else len(sql)
            return [SqlProblem(sql.count("\n", 0, location) + 1, exc.args[0])]
        problems = _check_spans(sql, spans, line_of, parse_each=True)
        if not problems:
            # The statements parse alone but not together (e.g. a split inside a body).
            location = whole.args[1] if len(whole.args) > 1 and whole.args[1] is not None else len(sql)
            problems = [SqlProblem(sql.count("\n", 0, location) + 1, whole.args[0])]
        return problems
    return _check_spans(sql, spans, line_of, parse_each=False)
