"""What a spec's SQL expression means to PostgreSQL: its functions, operators, casts and literals
resolved against the catalog of built-ins (`builtins`), and its type where that can be told.

`analyze(expression, scope)` walks the parse tree once, as PostgreSQL's parse analysis would, and
returns the expression's type (a catalog type name, `unknown` for a quoted literal or NULL, None when
it cannot be told) and the problems PostgreSQL would raise when the DDL runs: a function that does
not exist or takes other arguments, an operator with no form for its operands' types, a literal its
type's input function refuses, an aggregate or a subquery where DDL allows none. What cannot be told
— a column of an extension's type, a call to a function of an extension whose objects the catalog
lacks, several forms of a function that each might be chosen — is accepted: `validate --live` has
the last word, and a static check must not refuse valid SQL.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import field
from typing import Literal

from pglast import ast
from pglast.enums import A_Expr_Kind, BoolExprType, BoolTestType, SQLValueFunctionOp, SubLinkType

from schemagen.postgres.builtins import Catalog, Function, Operator, TypeInfo, type_key
from schemagen.postgres.expressions import child_nodes
from schemagen.postgres.literals import boolean_problem, input_problem
from schemagen.postgres.nodes import name_parts
from schemagen.postgres.sqltypes import UnknownTypeError, format_type_name
from schemagen.records import dataclass

__all__ = [
    "CONTEXTS",
    "UNKNOWN",
    "Analysis",
    "Problem",
    "Scope",
    "analyze",
    "assignment_problem",
    "collation_problem",
    "is_collatable",
    "third_party_type_extension",
]

UNKNOWN = "unknown"
ProblemKind = Literal[
    "function",
    "operator",
    "type",
    "cast",
    "literal",
    "not-allowed",
    "not-boolean",
    "extension",
    "collation",
    "relation",
]

#: Where an expression stands, with PostgreSQL's words for it (plural, singular).
CONTEXTS = {
    "check": ("check constraints", "check constraint"),
    "default": ("DEFAULT expressions", "DEFAULT expression"),
    "generated": ("column generation expressions", "column generation expression"),
    "index expression": ("index expressions", "index expression"),
    "index predicate": ("index predicates", "index predicate"),
    "partition key": ("partition key expressions", "partition key expression"),
}

#: Types of extensions outside PostgreSQL's own (the catalog has no objects of them), by extension.
THIRD_PARTY_TYPES = {
    "geometry": "postgis",
    "geography": "postgis",
    "box2d": "postgis",
    "box3d": "postgis",
    "raster": "postgis_raster",
    "vector": "vector",
    "halfvec": "vector",
    "sparsevec": "vector",
}

_POLY_ELEMENT = frozenset({"anyelement", "anycompatible", "anynonarray", "anycompatiblenonarray", "anyenum"})
_POLY_ARRAY = frozenset({"anyarray", "anycompatiblearray"})
_POLY_RANGE = frozenset({"anyrange", "anycompatiblerange"})
_POLY_MULTIRANGE = frozenset({"anymultirange", "anycompatiblemultirange"})
_POLYMORPHIC = _POLY_ELEMENT | _POLY_ARRAY | _POLY_RANGE | _POLY_MULTIRANGE | {'"any"'}
_SVF_TYPES = {
    SQLValueFunctionOp.SVFOP_CURRENT_DATE: "date",
    SQLValueFunctionOp.SVFOP_CURRENT_TIME: "time with time zone",
    SQLValueFunctionOp.SVFOP_CURRENT_TIME_N: "time with time zone",
    SQLValueFunctionOp.SVFOP_CURRENT_TIMESTAMP: "timestamp with time zone",
    SQLValueFunctionOp.SVFOP_CURRENT_TIMESTAMP_N: "timestamp with time zone",
    SQLValueFunctionOp.SVFOP_LOCALTIME: "time without time zone",
    SQLValueFunctionOp.SVFOP_LOCALTIME_N: "time without time zone",
    SQLValueFunctionOp.SVFOP_LOCALTIMESTAMP: "timestamp without time zone",
    SQLValueFunctionOp.SVFOP_LOCALTIMESTAMP_N: "timestamp without time zone",
}
_BOOL_TESTS = {
    BoolTestType.IS_TRUE: "IS TRUE",
    BoolTestType.IS_NOT_TRUE: "IS NOT TRUE",
    BoolTestType.IS_FALSE: "IS FALSE",
    BoolTestType.IS_NOT_FALSE: "IS NOT FALSE",
    BoolTestType.IS_UNKNOWN: "IS UNKNOWN",
    BoolTestType.IS_NOT_UNKNOWN: "IS NOT UNKNOWN",
}
# Deeper than this, an expression is accepted as it is (the parser itself allows far deeper ones).
MAX_DEPTH = 200
_LIBC_LOCALE = re.compile(r"(?:C|POSIX|[a-z]{2,3}_[A-Z]{2})(?:\.[A-Za-z0-9-]+)?(?:@[a-z]+)?\Z")


@dataclass(frozen=True, slots=True)
class Problem:
    kind: ProblemKind
    message: str
    # for `extension` problems: the extension that would provide the missing name
    extension: str | None = None


@dataclass(frozen=True)
class Scope:
    """What an expression can see: the catalog, the columns of its table (name → the Model's type,
    modifiers included), the spec's enums (name → values) and where it stands (a key of CONTEXTS)."""

    catalog: Catalog
    columns: Mapping[str, str]
    enums: Mapping[str, Sequence[str]]
    context: str
    generated: frozenset[str] = frozenset()  # generated columns: a generation expression cannot read them
    # the relations the schema creates (tables, partitions, views, indexes, identity sequences), which a
    # regclass literal such as nextval('orders_id_seq') may name; None: not checked
    relations: frozenset[str] | None = None
    # what tells one spec's enums from another's, for callers that cache analyses
    enums_key: tuple[object, ...] = ()


@dataclass(frozen=True, slots=True)
class Typed:
    """What is known of a value: its catalog type name (UNKNOWN for a quoted literal or NULL, None
    when it cannot be told), and for a quoted literal its text."""

    type: str | None
    literal: str | None = None
    canonical: str | None = None  # the type with its modifiers, when known (a column, a cast)


_NOTHING = Typed(None)


@dataclass
class Analysis:
    type: str | None
    canonical: str | None
    literal: str | None
    problems: list[Problem] = field(default_factory=list)


def analyze(node: ast.Node, scope: Scope) -> Analysis:
    """Resolve `node` (a parsed expression) in `scope`; its type and the problems PostgreSQL would
    raise. A CHECK or index predicate must be boolean: that is judged here too."""
    walker = _Walker(scope)
    typed = walker.visit(node, 0)
    if scope.context in ("check", "index predicate"):
        walker.must_be_boolean(typed, f"the {CONTEXTS[scope.context][1]}")
    return Analysis(typed.type, typed.canonical, typed.literal, walker.problems)


class _Walker:
    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.catalog = scope.catalog
        self.problems: list[Problem] = []
        self.enum_names = frozenset(scope.enums)

    # --- helpers --------------------------------------------------------------------------------

    def report(self, kind: ProblemKind, message: str, extension: str | None = None) -> None:
        problem = Problem(kind, message, extension)
        if problem not in self.problems:
            self.problems.append(problem)

    def info(self, name: str) -> TypeInfo | None:
        return type_info(self.catalog, name, self.enum_names)

    def coerce(self, source: str, target: str) -> bool | None:
        return can_coerce(self.catalog, source, target, self.enum_names)

    def literal_problem(self, typed: Typed, target: str, canonical: str | None = None) -> None:
        if typed.literal is None or target in _POLYMORPHIC or target == UNKNOWN:
            return
        if target in ("regconfig", "regclass"):
            problem = self.name_literal_problem(typed.literal, target)
            if problem:
                self.report("literal" if target == "regconfig" else "relation", problem)
            return
        problem = input_problem(
            typed.literal, canonical or target, self.scope.enums, self.catalog.requested, assignment=False
        )
        if problem:
            self.report("literal", problem)

    def name_literal_problem(self, text: str, target: str) -> str | None:
        """A text search configuration or a relation named by a literal that does not exist."""
        parts = _object_name(text)
        if parts is None:
            return None
        schema, name = parts
        if target == "regconfig":
            if schema in (None, "pg_catalog") and name not in self.catalog.text_search_configs:
                return f'text search configuration "{name}" does not exist'
            return None
        relations = self.scope.relations
        if relations is None or name.startswith("pg_") or schema not in (None, "public"):
            return None
        if name not in relations:
            return (
                f'relation "{name}" does not exist: the spec creates no table, view, index or sequence'
                " of that name"
            )
        return None

    def must_be_boolean(self, typed: Typed, what: str) -> None:
        if typed.type == UNKNOWN:
            if typed.literal is not None:
                problem = boolean_problem(typed.literal)
                if problem:
                    self.report("not-boolean", f"{what} must be boolean: {problem}")
            return
        if typed.type is not None and typed.type != "boolean":
            info = self.info(typed.type)
            if info is not None and info.typtype == "d" and info.of == "boolean":
                return
            if info is None and typed.type not in self.catalog.types:
                return
            self.report("not-boolean", f"{what} must be boolean, not {typed.type}")

    def not_allowed(self, what: str) -> None:
        plural, _ = CONTEXTS[self.scope.context]
        self.report("not-allowed", f"{what} are not allowed in {plural}")

    # --- the walk -------------------------------------------------------------------------------

    def visit(self, node: object, depth: int) -> Typed:
        if not isinstance(node, ast.Node) or depth > MAX_DEPTH:
            return _NOTHING
        method = getattr(self, f"visit_{type(node).__name__}", None)
        if method is not None:
            result: Typed = method(node, depth + 1)
            return result
        self.visit_children(node, depth + 1)
        return _NOTHING

    def visit_children(self, node: ast.Node, depth: int) -> None:
        for child in child_nodes(node):
            self.visit(child, depth)

    def visit_A_Const(self, node: ast.A_Const, depth: int) -> Typed:
        if node.isnull:
            return Typed(UNKNOWN)
        value = node.val
        if isinstance(value, ast.Integer):
            return Typed("integer")
        if isinstance(value, ast.Float):
            text = value.fval or ""
            if re.fullmatch(r"\d+", text):
                return Typed("bigint" if int(text) < 2**63 else "numeric")
            return Typed("numeric")
        if isinstance(value, ast.Boolean):
            return Typed("boolean")
        if isinstance(value, ast.BitString):
            return Typed("bit")
        if isinstance(value, ast.String):
            return Typed(UNKNOWN, literal=value.sval or "")
        return _NOTHING

    def visit_ColumnRef(self, node: ast.ColumnRef, depth: int) -> Typed:
        fields = node.fields or ()
        last = fields[-1] if fields else None
        if not isinstance(last, ast.String) or last.sval is None:
            return _NOTHING
        name = last.sval
        if self.scope.context == "default":
            self.report("not-allowed", "cannot use column reference in DEFAULT expression")
            return _NOTHING
        if self.scope.context == "generated" and name in self.scope.generated:
            self.report(
                "not-allowed", f'cannot use generated column "{name}" in column generation expression'
            )
        canonical = self.scope.columns.get(name)
        if canonical is None:
            return _NOTHING  # an unknown column is reported by the column checks
        return Typed(type_key(canonical), canonical=canonical)

    def visit_ParamRef(self, node: ast.ParamRef, depth: int) -> Typed:
        self.report("not-allowed", f"there is no parameter ${node.number}: DDL takes no parameters")
        return _NOTHING

    def visit_SubLink(self, node: ast.SubLink, depth: int) -> Typed:
        _, singular = CONTEXTS[self.scope.context]
        self.report("not-allowed", f"cannot use subquery in {singular}")
        if node.subLinkType in (SubLinkType.EXISTS_SUBLINK, SubLinkType.ANY_SUBLINK, SubLinkType.ALL_SUBLINK):
            return Typed("boolean")
        return _NOTHING

    def visit_SetToDefault(self, node: ast.SetToDefault, depth: int) -> Typed:
        self.report(
            "not-allowed",
            "DEFAULT is not allowed in this context: it means a column's default in INSERT and UPDATE only",
        )
        return _NOTHING

    def visit_GroupingFunc(self, node: ast.GroupingFunc, depth: int) -> Typed:
        self.not_allowed("grouping operations")
        return _NOTHING

    def visit_SQLValueFunction(self, node: ast.SQLValueFunction, depth: int) -> Typed:
        op = node.op
        if op in _SVF_TYPES:
            return Typed(_SVF_TYPES[op])
        return Typed("name")

    def visit_NamedArgExpr(self, node: ast.NamedArgExpr, depth: int) -> Typed:
        return self.visit(node.arg, depth)

    def visit_CollateClause(self, node: ast.CollateClause, depth: int) -> Typed:
        typed = self.visit(node.arg, depth)
        parts = name_parts(node.collname)
        problem = collation_problem(self.catalog, parts, typed.type, self.enum_names)
        if problem:
            self.report("collation", problem)
        return typed

    def visit_A_Indirection(self, node: ast.A_Indirection, depth: int) -> Typed:
        typed = self.visit(node.arg, depth)
        indirection = node.indirection or ()
        for item in indirection:
            if isinstance(item, ast.A_Indices):
                self.visit(item.lidx, depth)
                self.visit(item.uidx, depth)
        if (
            typed.type is not None
            and typed.type.endswith("[]")
            and indirection
            and all(isinstance(i, ast.A_Indices) for i in indirection)
        ):
            if any(getattr(i, "is_slice", False) for i in indirection):
                return Typed(typed.type)
            return Typed(typed.type[:-2])
        return _NOTHING

    def visit_RowExpr(self, node: ast.RowExpr, depth: int) -> Typed:
        for arg in node.args or ():
            self.visit(arg, depth)
        return Typed("record")

    def visit_A_ArrayExpr(self, node: ast.A_ArrayExpr, depth: int) -> Typed:
        if not node.elements:
            self.report("type", "cannot determine the type of an empty array: write e.g. ARRAY[]::integer[]")
            return _NOTHING
        elements = [self.visit(e, depth) for e in node.elements or ()]
        common = self.common_type(elements)
        if common is not None and common != UNKNOWN and not common.endswith("[]"):
            array = common + "[]"
            if self.info(array) is not None:
                return Typed(array)
        return _NOTHING

    def visit_TypeCast(self, node: ast.TypeCast, depth: int) -> Typed:
        empty_array = isinstance(node.arg, ast.A_ArrayExpr) and not node.arg.elements
        arg = _NOTHING if empty_array else self.visit(node.arg, depth)
        type_name = node.typeName
        if type_name is None:
            return _NOTHING
        names = name_parts(type_name.names)
        if len(names) > 1 and names[0] != "pg_catalog":
            return _NOTHING  # a type of another schema: not judged
        try:
            canonical = format_type_name(type_name, self.enum_names, suggest=False)
        except UnknownTypeError:
            self.type_exists(names[-1])  # reports it when it surely does not exist
            return _NOTHING
        target = type_key(canonical)
        if not self.type_exists(target):
            return _NOTHING
        if arg.literal is not None:
            self.literal_problem(arg, target, canonical)
        elif (
            arg.type is not None
            and arg.type != UNKNOWN
            and can_cast(self.catalog, arg.type, target, self.enum_names) is False
        ):
            self.report("cast", f"cannot cast type {arg.type} to {target}")
        return Typed(target, canonical=canonical)

    def type_exists(self, name: str) -> bool:
        """Whether the type `name` (a cast's target) exists; reports it when it surely does not."""
        if self.info(name) is not None:
            return True
        base = name.removesuffix("[]")
        extension = self.catalog.elsewhere.types.get(base) or THIRD_PARTY_TYPES.get(base)
        if extension is not None and extension not in self.catalog.extensions_named:
            self.report(
                "extension",
                f"type {base} comes with the extension {extension}, which the project does not name",
                extension,
            )
            return False
        if self.catalog.complete and extension is None:
            self.report("type", f'type "{name}" does not exist')
        return False

    def visit_BoolExpr(self, node: ast.BoolExpr, depth: int) -> Typed:
        word = {BoolExprType.AND_EXPR: "AND", BoolExprType.OR_EXPR: "OR", BoolExprType.NOT_EXPR: "NOT"}
        what = f"an argument of {word.get(node.boolop, 'AND')}"  # type: ignore[arg-type]
        for arg in node.args or ():
            self.must_be_boolean(self.visit(arg, depth), what)
        return Typed("boolean")

    def visit_NullTest(self, node: ast.NullTest, depth: int) -> Typed:
        self.visit(node.arg, depth)
        return Typed("boolean")

    def visit_BooleanTest(self, node: ast.BooleanTest, depth: int) -> Typed:
        test = _BOOL_TESTS.get(node.booltesttype, "IS TRUE")  # type: ignore[arg-type]
        self.must_be_boolean(self.visit(node.arg, depth), f"the argument of {test}")
        return Typed("boolean")

    def visit_CaseExpr(self, node: ast.CaseExpr, depth: int) -> Typed:
        subject = self.visit(node.arg, depth) if node.arg is not None else None
        results: list[Typed] = []
        conditions: list[Typed] = []
        for when in node.args or ():
            if not isinstance(when, ast.CaseWhen):
                continue
            condition = self.visit(when.expr, depth)
            if subject is None:
                self.must_be_boolean(condition, "a CASE/WHEN condition")
            conditions.append(condition)
            results.append(self.visit(when.result, depth))
        if subject is not None:
            self.common_type([subject, *conditions])
        if node.defresult is not None:
            results.append(self.visit(node.defresult, depth))
        return Typed(self.common_type(results))

    def visit_CoalesceExpr(self, node: ast.CoalesceExpr, depth: int) -> Typed:
        return Typed(self.common_type([self.visit(a, depth) for a in node.args or ()]))

    def visit_MinMaxExpr(self, node: ast.MinMaxExpr, depth: int) -> Typed:
        return Typed(self.common_type([self.visit(a, depth) for a in node.args or ()]))

    def common_type(self, values: list[Typed]) -> str | None:
        """The type PostgreSQL resolves a CASE, COALESCE or ARRAY[] to, when it is plain to see; the
        quoted literals among `values` are read as that type."""
        known = list(dict.fromkeys(v.type for v in values if v.type != UNKNOWN))
        if not known:
            return "text" if values else None
        if None in known:
            return None
        common = None
        for candidate in known:
            assert candidate is not None
            if all(other == candidate or self.coerce(other, candidate) for other in known if other):
                common = candidate
                break
        if common is not None:
            for value in values:
                self.literal_problem(value, common)
        return common

    # --- calls -----------------------------------------------------------------------------------

    def visit_FuncCall(self, node: ast.FuncCall, depth: int) -> Typed:
        parts = name_parts(node.funcname)
        name = parts[-1].lower() if len(parts) == 1 else parts[-1]
        args = list(node.args or ())
        typed_args = [self.visit(a, depth) for a in args]
        if node.agg_filter is not None:
            self.visit(node.agg_filter, depth)
        if node.over is not None:
            self.not_allowed("window functions")
            return _NOTHING
        schema = parts[0] if len(parts) > 1 else None
        if schema not in (None, "pg_catalog"):
            return _NOTHING
        forms = self.catalog.functions.get(name, ())
        label = f"{name}()"
        if not forms:
            self.unknown_function(name, label)
            return _NOTHING
        aggregate_syntax = bool(
            node.agg_star or node.agg_distinct or node.agg_order or node.agg_within_group
            or node.agg_filter is not None
        )  # fmt: skip
        named = any(isinstance(a, ast.NamedArgExpr) for a in args)
        count = len(args)
        by_count = [f for f in forms if f.takes(count) or (node.agg_star and f.takes(0))]
        if named:
            by_count = [f for f in forms if len(f.args) >= count]
        if not by_count:
            if self.catalog.complete:
                self.report("function", _arity_message(name, count, forms))
            return _NOTHING
        candidates = by_count
        if not named and not node.func_variadic and all(t.type is not None for t in typed_args):
            accepting = [f for f in by_count if self.accepts(f, typed_args)]
            if not accepting:
                if self.catalog.complete or all(f.extension is None for f in by_count):
                    shown = ", ".join(t.type or "?" for t in typed_args)
                    self.report(
                        "function",
                        f"function {name}({shown}) does not exist: {_forms(by_count)}",
                    )
                return _NOTHING
            candidates = self.best(accepting, typed_args)
            if len(candidates) > 1:
                # a literal is read as the type every remaining form takes at its place
                for position, typed in enumerate(typed_args):
                    params = {_params(f, count)[position] for f in candidates}
                    if len(params) == 1:
                        self.literal_problem(typed, params.pop())
            if len(candidates) == 1:
                form = candidates[0]
                bound = _bound_element(form, typed_args, count)
                for typed, param in zip(typed_args, _params(form, count), strict=False):
                    if bound is not None and param in _POLY_ELEMENT:
                        param = bound
                    elif bound is not None and param in _POLY_ARRAY:
                        param = bound + "[]"
                    self.literal_problem(typed, param)
        if all(f.kind == "a" for f in candidates) or aggregate_syntax:
            self.not_allowed("aggregate functions")
        elif all(f.kind == "w" for f in candidates):
            self.report("not-allowed", f"window function {name} requires an OVER clause")
        elif all(f.retset for f in candidates):
            self.not_allowed("set-returning functions")
        results = {_result(f, typed_args, count) for f in candidates}
        return Typed(results.pop()) if len(results) == 1 else _NOTHING

    def unknown_function(self, name: str, label: str) -> None:
        extension = self.catalog.elsewhere.functions.get(name)
        if extension is not None and extension not in self.catalog.extensions_named:
            self.report(
                "extension",
                f"{label} comes with the extension {extension}, which the project does not name",
                extension,
            )
            return
        if not self.catalog.complete:
            return
        close = difflib.get_close_matches(name, list(self.catalog.functions), n=1)
        hint = f"; did you mean {close[0]}()?" if close else ""
        self.report("function", f"function {label} does not exist{hint}")

    def accepts(self, form: Function, args: list[Typed]) -> bool:
        for typed, param in zip(args, _params(form, len(args)), strict=False):
            assert typed.type is not None
            if self.coerce(typed.type, param) is False:
                return False
        return True

    def best(self, forms: list[Function], args: list[Typed]) -> list[Function]:
        """PostgreSQL's first preference among forms that accept the arguments: those that take the
        known argument types exactly."""
        exact = [
            f
            for f in forms
            if all(
                t.type == UNKNOWN or t.type == p for t, p in zip(args, _params(f, len(args)), strict=False)
            )
        ]
        return exact if len(exact) == 1 else forms

    def visit_A_Expr(self, node: ast.A_Expr, depth: int) -> Typed:
        kind = node.kind
        name = name_parts(node.name)[-1] if node.name else "="
        schema = name_parts(node.name)[0] if node.name and len(node.name) > 1 else None
        left = self.visit(node.lexpr, depth) if node.lexpr is not None else None
        if isinstance(node.rexpr, tuple):
            rights = [self.visit(r, depth) for r in node.rexpr]
        else:
            rights = [self.visit(node.rexpr, depth)] if node.rexpr is not None else []
        if schema not in (None, "pg_catalog"):
            return _NOTHING
        if kind == A_Expr_Kind.AEXPR_OP:
            if len(rights) != 1:
                return _NOTHING
            return self.operator(name, left, rights[0])
        if kind in (A_Expr_Kind.AEXPR_OP_ANY, A_Expr_Kind.AEXPR_OP_ALL):
            return Typed("boolean")
        if kind in (A_Expr_Kind.AEXPR_DISTINCT, A_Expr_Kind.AEXPR_NOT_DISTINCT):
            if left is not None and rights:
                self.operator("=", left, rights[0])
            return Typed("boolean")
        if kind == A_Expr_Kind.AEXPR_NULLIF:
            if left is not None and rights:
                self.operator("=", left, rights[0])
            return Typed(left.type if left else None)
        if kind == A_Expr_Kind.AEXPR_IN:
            if left is not None:
                for right in rights:
                    self.operator("=" if name == "=" else "<>", left, right)
            return Typed("boolean")
        if kind in (A_Expr_Kind.AEXPR_LIKE, A_Expr_Kind.AEXPR_ILIKE, A_Expr_Kind.AEXPR_SIMILAR):
            if left is not None and len(rights) == 1:
                self.operator(name, left, rights[0])
            return Typed("boolean")
        # BETWEEN and its variants: low <= value <= high
        if left is not None and len(rights) == 2:
            self.operator(">=", left, rights[0])
            self.operator("<=", left, rights[1])
        return Typed("boolean")

    def operator(self, name: str, left: Typed | None, right: Typed) -> Typed:
        forms = [o for o in self.catalog.operators.get(name, ()) if (o.left is None) == (left is None)]
        if not forms:
            extension = self.catalog.elsewhere.operators.get(name)
            if extension is not None and extension not in self.catalog.extensions_named:
                self.report(
                    "extension",
                    f"operator {name} comes with the extension {extension}, which the project does not name",
                    extension,
                )
            elif self.catalog.complete:
                self.report("operator", f"operator does not exist: {_operands(name, left, right)}")
            return _NOTHING
        if right.type is None or (left is not None and left.type is None):
            results = {o.result for o in forms}
            return Typed(results.pop()) if len(results) == 1 and results != {"anyelement"} else _NOTHING
        ltype = left.type if left is not None else None
        rtype = right.type
        assert rtype is not None
        key = (id(self.catalog), self.enum_names, name, left is None, ltype, rtype)
        chosen = _OPERATOR_CHOICES.get(key)
        if chosen is None:
            chosen = self.choose(forms, left is None, ltype, rtype)
            if len(_OPERATOR_CHOICES) > 10_000:
                _OPERATOR_CHOICES.clear()
            _OPERATOR_CHOICES[key] = chosen
        if not chosen:
            if self.catalog.complete or all(o.extension is None for o in forms):
                self.report("operator", f"operator does not exist: {_operands(name, left, right)}")
            return _NOTHING
        if len(chosen) == 1:
            op = chosen[0]
            if left is not None and op.left is not None:
                self.literal_problem(left, _concrete(op.left, rtype))
            self.literal_problem(right, _concrete(op.right, ltype))
            return Typed(_concrete(op.result, ltype if ltype != UNKNOWN else rtype))
        results = {o.result for o in chosen}
        if len(results) == 1:
            result = results.pop()
            return Typed(None if result in _POLYMORPHIC else result)
        return _NOTHING

    def choose(self, forms: list[Operator], prefix: bool, ltype: str | None, rtype: str) -> list[Operator]:
        """The forms of an operator its operand types may call, the exact one alone when there is one."""
        chosen: list[Operator] = []
        if not prefix and (ltype == UNKNOWN) != (rtype == UNKNOWN):
            # an unknown literal is first taken to be of the other operand's type
            other = rtype if ltype == UNKNOWN else ltype
            chosen = [o for o in forms if o.left == other and o.right == other]
        if not chosen:
            chosen = [
                o
                for o in forms
                if self.coerce(rtype, o.right) is not False
                and (prefix or o.left is None or self.coerce(ltype or "", o.left) is not False)
                and _consistent(o, ltype, rtype)
            ]
        if len(chosen) > 1:
            exact = [o for o in chosen if o.right == rtype and (prefix or o.left == ltype)]
            chosen = exact if len(exact) == 1 else chosen
        return chosen


# Which forms of an operator its operand types call, per catalog (catalogs are cached, never freed).
_OPERATOR_CHOICES: dict[tuple[object, ...], list[Operator]] = {}


def call_problems(node: ast.Node, catalog: Catalog, own: frozenset[str] = frozenset()) -> list[Problem]:
    """The calls under `node` (a view's query) of functions that do not exist, or not with as many
    arguments: names and argument counts only, as a query's column types are not known here. `own`:
    the functions the schema itself creates."""
    problems: list[Problem] = []
    walker = _Walker(Scope(catalog, {}, {}, "check"))
    stack: list[ast.Node] = [node]
    while stack:
        item = stack.pop()
        stack.extend(child_nodes(item))
        if not isinstance(item, ast.FuncCall):
            continue
        parts = name_parts(item.funcname)
        name = parts[-1].lower() if len(parts) == 1 else parts[-1]
        if (len(parts) > 1 and parts[0] != "pg_catalog") or name in own:
            continue
        forms = catalog.functions.get(name, ())
        if not forms:
            walker.unknown_function(name, f"{name}()")
            continue
        args = item.args or ()
        if any(isinstance(a, ast.NamedArgExpr) for a in args) or item.func_variadic or not catalog.complete:
            continue
        count = len(args) + (len(item.agg_order or ()) if item.agg_within_group else 0)
        if not any(f.takes(count) or (item.agg_star and f.takes(0)) for f in forms):
            walker.report("function", _arity_message(name, count, forms))
    for problem in walker.problems:
        if problem not in problems:
            problems.append(problem)
    return problems


def _object_name(text: str) -> tuple[str | None, str] | None:
    """(schema, name) of an object named in a literal (`'public.orders'`), folded to lower case as
    PostgreSQL folds an unquoted name; None for a quoted or unusual name."""
    stripped = text.strip()
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_$]*(?:\.[A-Za-z_][A-Za-z0-9_$]*)?", stripped):
        return None
    schema, _, name = stripped.lower().rpartition(".")
    return (schema or None), name


_SAME_POLYMORPHIC = frozenset(
    {"anyelement", "anyarray", "anynonarray", "anyenum", "anyrange", "anymultirange"}
)


def _consistent(op: Operator, left: str | None, right: str) -> bool:
    """Whether the operand types bind an operator's polymorphic parameters to one type, as `anyarray @>
    anyarray` needs (integer[] @> text[] has no form); the `anycompatible` ones may differ."""
    if op.left is None or op.left != op.right or op.left not in _SAME_POLYMORPHIC:
        return True
    if left in (None, UNKNOWN) or right == UNKNOWN:
        return True
    return left == right


def _concrete(declared: str, other: str | None) -> str:
    """An operator's polymorphic parameter or result, as the other operand's type makes it."""
    if declared in _POLY_ELEMENT | _POLY_ARRAY | _POLY_RANGE | _POLY_MULTIRANGE and other not in (
        None,
        UNKNOWN,
    ):
        assert other is not None
        return other
    return declared


def _operands(name: str, left: Typed | None, right: Typed) -> str:
    if left is None:
        return f"{name} {right.type or '?'}"
    return f"{left.type or '?'} {name} {right.type or '?'}"


def _params(form: Function, count: int) -> list[str]:
    """The parameter type each of `count` positional arguments meets."""
    params = list(form.args)
    if form.variadic is not None and count >= len(params) - 1:
        return params[:-1] + [form.variadic] * (count - len(params) + 1)
    return params[:count]


def _forms(forms: Sequence[Function]) -> str:
    shown = [f.signature for f in forms[:4]]
    more = f" and {len(forms) - 4} more" if len(forms) > 4 else ""
    return f"its forms are {', '.join(shown)}{more}" if len(forms) > 1 else f"it is {shown[0]}"


def _arity_message(name: str, count: int, forms: Sequence[Function]) -> str:
    return f"function {name}() takes other arguments than {count}: {_forms(forms)}"


def _bound_element(form: Function, args: list[Typed], count: int) -> str | None:
    """The type a call binds the polymorphic element of `form` to (`anyelement`, the element of
    `anyarray`), from its first argument of a known type that meets one."""
    for typed, param in zip(args, _params(form, count), strict=False):
        if typed.type in (None, UNKNOWN):
            continue
        assert typed.type is not None
        if param in _POLY_ELEMENT:
            return typed.type
        if param in _POLY_ARRAY and typed.type.endswith("[]"):
            return typed.type[:-2]
    return None


def _result(form: Function, args: list[Typed], count: int) -> str | None:
    """The result type of a call of `form`, its polymorphic result resolved from the arguments."""
    result = form.result
    if result not in _POLYMORPHIC:
        return result
    for typed, param in zip(args, _params(form, count), strict=False):
        if typed.type in (None, UNKNOWN):
            continue
        assert typed.type is not None
        if result in _POLY_ELEMENT and param in _POLY_ELEMENT:
            return typed.type
        if result in _POLY_ELEMENT and param in _POLY_ARRAY and typed.type.endswith("[]"):
            return typed.type[:-2]
        if result in _POLY_ARRAY and param in _POLY_ARRAY:
            return typed.type
        if result in _POLY_ARRAY and param in _POLY_ELEMENT:
            return typed.type + "[]"
        if result in _POLY_RANGE and param in _POLY_RANGE:
            return typed.type
    return None


# --- types -------------------------------------------------------------------------------------------


def type_info(catalog: Catalog, name: str, enums: frozenset[str] = frozenset()) -> TypeInfo | None:
    """The catalog's entry for a type name; a spec enum (or an array of one) counts as a type."""
    found = catalog.types.get(name)
    if found is not None:
        return found
    base = name.removesuffix("[]")
    bare = base.rsplit(".", 1)[-1]
    if bare in enums:
        if name.endswith("[]"):
            return TypeInfo(name, "b", "A", False, False, base)
        return TypeInfo(name, "e", "E", False, False, None)
    return None


def can_coerce(
    catalog: Catalog, source: str, target: str, enums: frozenset[str] = frozenset()
) -> bool | None:
    """Whether a value of `source` is implicitly coerced to `target` (a function's or operator's
    parameter); None when it cannot be told."""
    if source in (target, UNKNOWN) or target in ('"any"', "anyelement", "anycompatible"):
        return True
    info = type_info(catalog, source, enums)
    if info is None:
        return None
    if info.typtype == "d" and info.of is not None:
        return can_coerce(catalog, info.of, target, enums)
    if target in _POLY_ARRAY:
        return info.category == "A"
    if target in ("anynonarray", "anycompatiblenonarray"):
        return info.category != "A"
    if target == "anyenum":
        return info.typtype == "e"
    if target in _POLY_RANGE:
        return info.typtype == "r"
    if target in _POLY_MULTIRANGE:
        return info.typtype == "m"
    if target == "record":
        return source == "record"
    if type_info(catalog, target, enums) is None:
        return None
    how = catalog.cast(source, target)
    return how is not None and how[0] == "i"


def can_assign(
    catalog: Catalog, source: str, target: str, enums: frozenset[str] = frozenset()
) -> bool | None:
    """Whether a value of `source` is stored into a column of `target` (assignment context)."""
    if source in (target, UNKNOWN):
        return True
    info, target_info = type_info(catalog, source, enums), type_info(catalog, target, enums)
    if info is None or target_info is None:
        return None
    if info.typtype == "d" and info.of is not None:
        return can_assign(catalog, info.of, target, enums)
    if target_info.typtype == "d" and target_info.of is not None:
        return can_assign(catalog, source, target_info.of, enums)
    if target_info.category == "S":
        return True  # anything is converted to a string type through its output function
    if info.category == "A" and target_info.category == "A" and info.of and target_info.of:
        return can_assign(catalog, info.of, target_info.of, enums)
    how = catalog.cast(source, target)
    return how is not None and how[0] in ("i", "a")


def can_cast(catalog: Catalog, source: str, target: str, enums: frozenset[str] = frozenset()) -> bool | None:
    """Whether `CAST(value of source AS target)` exists (explicit context)."""
    if source in (target, UNKNOWN):
        return True
    info, target_info = type_info(catalog, source, enums), type_info(catalog, target, enums)
    if info is None or target_info is None:
        return None
    if info.typtype == "d" and info.of is not None:
        return can_cast(catalog, info.of, target, enums)
    if target_info.typtype == "d" and target_info.of is not None:
        return can_cast(catalog, source, target_info.of, enums)
    if info.category == "S" or target_info.category == "S":
        return True  # through the types' text input and output functions
    if info.category == "A" and target_info.category == "A" and info.of and target_info.of:
        return can_cast(catalog, info.of, target_info.of, enums)
    if info.typtype == "p" or target_info.typtype == "p":
        return None
    return catalog.cast(source, target) is not None


def assignment_problem(
    catalog: Catalog, source: str | None, target_canonical: str, enums: frozenset[str] = frozenset()
) -> str | None:
    """Why an expression of type `source` cannot be stored into a column of `target_canonical`."""
    if source is None:
        return None
    target = type_key(target_canonical)
    if can_assign(catalog, source, target, enums) is False:
        return (
            f"the expression is of type {source}, which is not stored into {target_canonical} without a cast"
        )
    return None


def is_collatable(catalog: Catalog, name: str, enums: frozenset[str] = frozenset()) -> bool | None:
    """Whether values of the type take a collation; None when the type is unknown."""
    info = type_info(catalog, name, enums)
    if info is None:
        return None
    if info.collatable:
        return True
    if info.category == "A" and info.of is not None:
        return is_collatable(catalog, info.of, enums)
    if info.typtype == "d" and info.of is not None:
        return is_collatable(catalog, info.of, enums)
    return False


def collation_problem(
    catalog: Catalog, collation: Sequence[str], type_name: str | None, enums: frozenset[str] = frozenset()
) -> str | None:
    """Why `COLLATE collation` cannot apply to a value of `type_name` (None: not known)."""
    name = collation[-1]
    schema = collation[0] if len(collation) > 1 else None
    if schema not in (None, "pg_catalog"):
        return None
    if name not in catalog.collations and name != "default":
        if _LIBC_LOCALE.match(name) or catalog.version < catalog.requested:
            return None  # an operating system locale, or a newer server's: not known here
        close = difflib.get_close_matches(name, list(catalog.collations), n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        return f'collation "{name}" does not exist{hint}'
    if type_name is not None and type_name != UNKNOWN and is_collatable(catalog, type_name, enums) is False:
        return f"collations are not supported by type {type_name}"
    return None


def third_party_type_extension(name: str) -> str | None:
    return THIRD_PARTY_TYPES.get(name.removesuffix("[]"))
