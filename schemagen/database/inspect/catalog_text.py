"""Catalog text that is SQL, read with PostgreSQL's own parser (pglast), never by hand.

The catalog keeps no source text, only parsed forms it prints back on demand: defaults
(`'{1,2}'::integer[]`), partition keys (`LIST (lower((name)::text))`), partition bounds (`FOR VALUES
FROM ('2024-01-01') TO ('2024-02-01')`), index definitions and function signatures. Fragments that
are not statements on their own are parsed inside the packaged `sql/parse_*.sql` statements.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from string import Formatter
from typing import Any, Literal, overload

import pglast
from pglast import ast
from pglast.parser import ParseError, Token, parse_sql_json, scan

from schemagen.database.inspect.values import UnreadableText, literal_value, number
from schemagen.database.queries import query
from schemagen.model import Default, JsonValue, LiteralValue, PartitionBound, PartitionKey
from schemagen.postgres import expressions, sqltypes

__all__ = [
    "PartitionKeyText",
    "Signature",
    "UnreadableText",
    "column_default",
    "function_signature",
    "is_nextval",
    "partition_bound",
    "partition_key",
    "same_index_definition",
    "unwrapped",
]

PartitionKind = Literal["range", "list", "hash"]
_STRATEGIES: dict[str, PartitionKind] = {"r": "range", "l": "list", "h": "hash"}
# How a range bound names the ends of the line; pglast reads them as column names.
_RANGE_KEYWORDS = {"minvalue": "MINVALUE", "maxvalue": "MAXVALUE"}
_OPEN, _CLOSE = "ASCII_40", "ASCII_41"  # the scanner's names of `(` and `)`
_TYPMOD = re.compile(r"\(\d+(?:,\d+)?\)")


@dataclass(frozen=True)
class _Wrapped:
    """A packaged parse statement with fragments in place: the statement parsed, and its text (whose
    locations pglast's nodes give)."""

    statement: ast.Node
    text: str


def _wrapped(name: str, **fragments: str) -> _Wrapped:
    """Parse the packaged `sql/<name>.sql` with each `{placeholder}` replaced by its fragment; raises
    UnreadableText when the result is not one statement."""
    text = "".join(
        literal_text + (fragments[field] if field is not None else "")
        for literal_text, field, _, _ in Formatter().parse(query(name))
    )
    try:
        parsed = pglast.parse_sql(text)
    except ParseError as exc:
        raise UnreadableText(f"{', '.join(fragments.values())}: {exc}") from None
    if len(parsed) != 1 or parsed[0].stmt is None:
        raise UnreadableText(", ".join(fragments.values()))
    return _Wrapped(parsed[0].stmt, text)


def unwrapped(text: str) -> str:
    """`text` without the parentheses that enclose all of it (`(a + b)` → `a + b`)."""
    text = text.strip()
    while True:
        try:
            tokens = scan(text)
        except ParseError:
            return text
        if len(tokens) < 2 or tokens[0].name != _OPEN or _closing(tokens) != len(tokens) - 1:
            return text
        text = text[tokens[0].end + 1 : tokens[-1].start].strip()


def _closing(tokens: list[Token]) -> int:
    """The position of the token that closes the parenthesis opened by the first token, or -1."""
    depth = 0
    for position, token in enumerate(tokens):
        if token.name == _OPEN:
            depth += 1
        elif token.name == _CLOSE:
            depth -= 1
            if depth == 0:
                return position
    return -1


# --- defaults ----------------------------------------------------------------------------------------


def column_default(text: str, column_type: str, enum_names: frozenset[str]) -> Default:
    """A default as PostgreSQL prints it: the literal value when it is one (`true`, `1.5`,
    `'{1,2}'::integer[]` in an `integer[]` column), else the expression as printed."""
    try:
        node = expressions.parse_expression(text).node
    except expressions.ExpressionError:
        return Default(expression=text)
    family = sqltypes.type_family(column_type, enum_names)
    if isinstance(node, ast.A_Const) and not node.isnull:
        constant = node.val
        if family == "boolean" and isinstance(constant, ast.Boolean):
            return Default(value=bool(constant.boolval))
        if family in ("integer", "numeric") and isinstance(constant, ast.Integer):
            return Default(value=constant.ival)
        if family in ("integer", "numeric") and isinstance(constant, ast.Float) and constant.fval:
            value = number(constant.fval)
            if value is not None:
                return Default(value=value)
    elif (
        isinstance(node, ast.TypeCast)
        and isinstance(node.arg, ast.A_Const)
        and isinstance(node.arg.val, ast.String)
        and node.arg.val.sval is not None
        and _same_type(_cast_type(text), column_type)
    ):
        try:
            return Default(value=literal_value(node.arg.val.sval, column_type, family))
        except UnreadableText:
            pass
    return Default(expression=text)


# `nextval('name'::regclass)` as PostgreSQL prints a serial's default: read without parsing it
_NEXTVAL = re.compile(r"nextval\('(?:[^']|'')*'::regclass\)")


def is_nextval(text: str) -> bool:
    """Whether a default is exactly `nextval('name'::regclass)`: a serial's, or one numbering its
    column from a sequence."""
    if _NEXTVAL.fullmatch(text):
        return True
    try:
        node = expressions.parse_expression(text).node
    except expressions.ExpressionError:
        return False
    if not isinstance(node, ast.FuncCall) or node.args is None or len(node.args) != 1:
        return False
    name = [part.sval for part in node.funcname or () if isinstance(part, ast.String)]
    if name not in (["nextval"], ["pg_catalog", "nextval"]) or node.agg_star or node.agg_distinct:
        return False
    arg = node.args[0]
    return (
        isinstance(arg, ast.TypeCast)
        and isinstance(arg.arg, ast.A_Const)
        and isinstance(arg.arg.val, ast.String)
        and arg.typeName is not None
        and [p.sval for p in arg.typeName.names or () if isinstance(p, ast.String)][-1:] == ["regclass"]
    )


def _cast_type(text: str) -> str | None:
    """The type name of `'…'::type` as written (the text after `::`)."""
    tokens = scan(text)
    if len(tokens) > 2 and tokens[0].name == "SCONST" and tokens[1].name == "TYPECAST":
        return text[tokens[1].end + 1 :].strip()
    return None


def _same_type(cast: str | None, column_type: str) -> bool:
    """Whether `'…'::cast` is how PostgreSQL prints a bare literal stored in a `column_type` column.

    Both are type names as PostgreSQL prints them (format_type): the cast's without the column's
    length or precision, and `character` under its internal name `bpchar`.
    """
    base = _TYPMOD.sub("", column_type)
    base = re.sub(r"^character(?=$|\[)", "bpchar", base)
    return cast == base


# --- partitions --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartitionKeyText:
    """A partition key as `pg_get_partkeydef` prints it, read."""

    kind: PartitionKind
    keys: tuple[PartitionKey, ...]
    names_opclass_or_collation: bool  # which the spec cannot say


def partition_key(text: str) -> PartitionKeyText:
    """The kind and keys of a `pg_get_partkeydef` text; an expression key keeps PostgreSQL's spelling."""
    wrapped = _wrapped("parse_partition_key", key=text)
    statement = wrapped.statement
    spec = statement.partspec if isinstance(statement, ast.CreateStmt) else None
    if spec is None or spec.strategy is None or not spec.partParams:
        raise UnreadableText(text)
    kind = _STRATEGIES[str(spec.strategy.value)]
    params = spec.partParams
    keys: list[PartitionKey] = []
    for i, param in enumerate(params):
        if param.name is not None:
            keys.append(PartitionKey(column=param.name))
            continue
        # The expression's own text: from where it starts to where the next key (or the list) starts.
        end = params[i + 1].location if i + 1 < len(params) else wrapped.text.rindex(")")
        piece = wrapped.text[param.location : end].rstrip().removesuffix(",").rstrip()
        keys.append(PartitionKey(expression=unwrapped(piece)))
    named = any(param.opclass or param.collation for param in params)
    return PartitionKeyText(kind, tuple(keys), named)


def partition_bound(text: str, key_types: list[str | None]) -> PartitionBound:
    """A partition's `FOR VALUES …` (or `DEFAULT`), its constants typed as `build` types the spec's
    values for keys of `key_types`; raises UnreadableText when it has another shape.

    Read from the parse tree as JSON (`parse_sql_json`), which costs a tenth of building pglast's node
    objects: inspect reads one bound per partition."""
    statements = _parsed_json("parse_partition_bound", bound=text)
    statement = statements[0].get("stmt") if len(statements) == 1 else None
    if not statement:
        raise UnreadableText(text)
    spec = statement.get("CreateStmt", {}).get("partbound")
    if spec is None:
        raise UnreadableText(text)
    if spec.get("is_default"):
        return PartitionBound(is_default=True)
    strategy = spec.get("strategy")
    if strategy == "h":
        return PartitionBound(modulus=spec.get("modulus", 0), remainder=spec.get("remainder", 0))
    if strategy == "l" and "listdatums" in spec:
        # PostgreSQL partitions by list over one column only
        return PartitionBound(
            values=tuple(_bound_value(v, key_types[0], listed=True) for v in spec["listdatums"])
        )
    lower, upper = spec.get("lowerdatums", ()), spec.get("upperdatums", ())
    if strategy != "r" or len(lower) != len(key_types) or len(upper) != len(key_types):
        raise UnreadableText(text)
    low = [_bound_value(v, t) for v, t in zip(lower, key_types, strict=True)]
    high = [_bound_value(v, t) for v, t in zip(upper, key_types, strict=True)]
    if len(key_types) == 1:
        return PartitionBound(range_from=low[0], range_to=high[0])
    return PartitionBound(range_from=low, range_to=high)


def _parsed_json(name: str, **fragments: str) -> list[dict[str, Any]]:
    """The statements of the packaged `sql/<name>.sql` with each `{placeholder}` replaced by its
    fragment, as the parse tree's JSON (a node is `{"NodeType": {field: value}}`; a field at its zero
    value is left out); raises UnreadableText when the text does not parse."""
    text = "".join(
        literal_text + (fragments[field] if field is not None else "")
        for literal_text, field, _, _ in Formatter().parse(query(name))
    )
    try:
        statements: list[dict[str, Any]] = json.loads(parse_sql_json(text)).get("stmts", [])
    except ParseError as exc:
        raise UnreadableText(f"{', '.join(fragments.values())}: {exc}") from None
    return statements


# Only a list bound reads a date as a `date`: a range bound's values stay JSON values.
@overload
def _bound_value(node: dict[str, Any], key_type: str | None) -> JsonValue: ...
@overload
def _bound_value(node: dict[str, Any], key_type: str | None, *, listed: bool) -> LiteralValue: ...
def _bound_value(node: dict[str, Any], key_type: str | None, *, listed: bool = False) -> LiteralValue:
    """One constant of a partition bound (a node of the parse tree's JSON), typed as `build` types the
    spec's values for this key."""
    reference = node.get("ColumnRef")
    if reference is not None and len(fields := reference.get("fields", [])) == 1:
        keyword = _RANGE_KEYWORDS.get(fields[0].get("String", {}).get("sval") or "")
        if keyword is not None:
            return keyword
    constant = node.get("A_Const")
    if constant is None or len(node) != 1:
        raise UnreadableText(str(node))
    if constant.get("isnull"):
        return None
    if "boolval" in constant:
        return bool(constant["boolval"].get("boolval", False))
    if "ival" in constant:
        ival: int = constant["ival"].get("ival", 0)
        return ival
    if "fval" in constant:
        value = number(constant["fval"].get("fval") or "")
        if value is None:
            raise UnreadableText(str(constant["fval"]))
        return value
    text = constant.get("sval", {}).get("sval")
    if not isinstance(text, str):
        raise UnreadableText(str(node))
    family = sqltypes.type_family(key_type) if key_type else "other"
    if family == "integer" and (whole := number(text)) is not None and isinstance(whole, int):
        return whole
    if family == "numeric":
        value = number(text)
        return text if value is None else value
    if listed and family == "date":
        try:
            return date.fromisoformat(text)
        except ValueError:
            return text
    return text


# --- indexes and functions ---------------------------------------------------------------------------


def same_index_definition(a: str, b: str) -> bool:
    """Whether two `pg_get_indexdef` texts define the same index but for its name and table."""
    try:
        first, second = pglast.parse_sql(a)[0].stmt, pglast.parse_sql(b)[0].stmt
    except (ParseError, IndexError):
        return False
    if not (isinstance(first, ast.IndexStmt) and isinstance(second, ast.IndexStmt)):
        return False
    for statement in (first, second):
        statement.idxname = None
        statement.relation = None
    return bool(first == second)


@dataclass(frozen=True)
class Signature:
    """A function's parameters and result type, as PostgreSQL's parser reads them."""

    parameters: tuple[ast.FunctionParameter, ...]
    result: ast.TypeName | None

    @classmethod
    def of(cls, statement: ast.CreateFunctionStmt) -> Signature:
        return cls(tuple(statement.parameters or ()), statement.returnType)


def function_signature(arguments: str, result: str) -> Signature:
    """The signature `pg_get_function_arguments` and `pg_get_function_result` print, read."""
    statement = _wrapped("parse_function_signature", arguments=arguments, result=result).statement
    if not isinstance(statement, ast.CreateFunctionStmt):
        raise UnreadableText(f"{arguments} → {result}")
    return Signature.of(statement)
