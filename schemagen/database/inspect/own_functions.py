"""schemagen's own functions, recognised among a database's: the archive function of an `archive:`
and the refresh function of a materialized view's `refresh:`.

Recognition is driven by the templates that create them. Each template is rendered once with holes
for the values it takes (tables, a column, the interval…) into the shape of the function's body and
comment (`shapes`); a function whose body and comment have that shape names those values. The object
they describe is then rendered for real, and the function is schemagen's only when PostgreSQL keeps
exactly that rendering: body, comment, kind, language, result and parameters (an interval in a
parameter's default is compared by the server, which prints `6 months` as `6 mons`). A change to a
template changes the shape and the rendering alike, so recognition follows it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any, Literal

import pglast
from pglast import ast

from schemagen.database.inspect.catalog_text import Signature, UnreadableText, function_signature
from schemagen.database.inspect.shape_cache import ShapeCache
from schemagen.database.inspect.shapes import Shape, hole
from schemagen.database.inspect.templates import Templates
from schemagen.model import Archive, Model, Project, Table, View, naming
from schemagen.model.archive import ArchiveEntry, archive_entry, archive_table
from schemagen.postgres.identifiers import ident, qname

__all__ = ["OwnFunctions", "Recognised", "RenderedFunction"]

ARCHIVE_TEMPLATE = ("postgres/archive_function.sql.j2", "create_archive_function")
REFRESH_TEMPLATE = ("postgres/refresh_function.sql.j2", "create_refresh_function")
RefreshMode = Literal["concurrently", "blocking"]
REFRESH_MODES: tuple[RefreshMode, ...] = ("concurrently", "blocking")

Row = Mapping[str, Any]
Key = tuple[str, str]  # (schema, name)
SameInterval = Callable[[str, str], bool]


@dataclass(frozen=True)
class RenderedFunction:
    """What PostgreSQL keeps of a CREATE FUNCTION and the COMMENT on it."""

    kind: str  # pg_proc.prokind: "f" function, "p" procedure
    language: str | None
    signature: Signature
    body: str | None
    comment: str | None

    @classmethod
    def of(cls, sql: str) -> RenderedFunction:
        """The function a template's output creates (the first CREATE FUNCTION, and its COMMENT)."""
        created: ast.CreateFunctionStmt | None = None
        comment = None
        for raw in pglast.parse_sql(sql):
            statement = raw.stmt
            if isinstance(statement, ast.CreateFunctionStmt) and created is None:
                created = statement
            elif isinstance(statement, ast.CommentStmt):
                comment = statement.comment
        if created is None:
            raise ValueError("the template renders no CREATE FUNCTION")
        options = {option.defname: option.arg for option in created.options or ()}
        language = options.get("language")
        body = options.get("as")
        return cls(
            kind="p" if created.is_procedure else "f",
            language=language.sval if isinstance(language, ast.String) else None,
            signature=Signature.of(created),
            body=body[0].sval if isinstance(body, tuple) and isinstance(body[0], ast.String) else None,
            comment=comment,
        )

    def holds(self, function: Row, same_interval: SameInterval) -> bool:
        """Whether the catalog's `function` (a row of inspect_functions.sql) is exactly this one."""
        theirs = (function["kind"], function["language"], function["body"], function["comment"])
        if theirs != (self.kind, self.language, self.body, self.comment):
            return False
        try:
            signature = function_signature(function["arguments"], function["result"] or "")
        except UnreadableText:
            return False
        if _type_as_kept(signature.result) != _type_as_kept(self.signature.result):
            return False
        if len(signature.parameters) != len(self.signature.parameters):
            return False
        return all(
            _same_parameter(theirs, ours, same_interval)
            for theirs, ours in zip(signature.parameters, self.signature.parameters, strict=True)
        )


def _same_parameter(a: ast.FunctionParameter, b: ast.FunctionParameter, same_interval: SameInterval) -> bool:
    if (a.name, a.mode, _type_as_kept(a.argType)) != (b.name, b.mode, _type_as_kept(b.argType)):
        return False
    if (a.defexpr is None) != (b.defexpr is None):
        return False
    if a.defexpr is None or b.defexpr is None:
        return True
    # PostgreSQL prints an interval its own way (`6 months` as `6 mons`): the server compares those.
    intervals_a: list[str] = []
    intervals_b: list[str] = []
    return (
        _plain(a.defexpr(skip_none=True), intervals_a) == _plain(b.defexpr(skip_none=True), intervals_b)
        and len(intervals_a) == len(intervals_b)
        and all(same_interval(x, y) for x, y in zip(intervals_a, intervals_b, strict=True))
    )


def _type_as_kept(type_name: ast.TypeName | None) -> Any:
    """A parameter's or result's type as PostgreSQL keeps it: without modifiers (a function of a
    `timestamp(3)` takes a `timestamp`)."""
    if type_name is None:
        return None
    tree = _plain(type_name(skip_none=True), [])
    return {key: value for key, value in tree.items() if key not in ("typmods", "typemod")}


def _plain(tree: Any, intervals: list[str]) -> Any:
    """pglast's dict form of a tree without its locations, and with each `'…'::interval` literal
    replaced by a mark, its text appended to `intervals`."""
    if isinstance(tree, dict):
        literal = _interval_literal(tree)
        if literal is not None:
            intervals.append(literal)
            return "interval literal"
        return {key: _plain(item, intervals) for key, item in tree.items() if key != "location"}
    if isinstance(tree, list | tuple):
        return [_plain(item, intervals) for item in tree]
    return tree


def _interval_literal(node: dict[str, Any]) -> str | None:
    """The text of `'…'::interval` (its dict form, as pglast gives it), else None."""
    if node.get("@") != "TypeCast":
        return None
    type_name, argument = node.get("typeName") or {}, node.get("arg") or {}
    names = [part.get("sval") for part in type_name.get("names") or ()]
    constant = argument.get("val") or {}
    if names[-1:] != ["interval"] or type_name.get("typmods") or argument.get("@") != "A_Const":
        return None
    text = constant.get("sval") if constant.get("@") == "String" else None
    return text if isinstance(text, str) else None


@dataclass(frozen=True)
class Recognised:
    """Tables and views with the archives and refreshes found, and the functions that are not ours."""

    tables: list[Table]
    views: list[View]
    others: list[Row]


class OwnFunctions:
    """Recognises schemagen's archive and refresh functions by what `templates` render for them."""

    def __init__(self, templates: Templates, same_interval: SameInterval, *, citus: bool = False) -> None:
        """`citus`: the database has the `citus` extension, whose archive functions are PL/pgSQL."""
        self.templates = templates
        self.same_interval = same_interval
        self.citus = citus
        self.cache = ShapeCache(templates.folder)

    # the shapes are rendered when the first function is looked at: a database without functions
    # renders no template

    # (kept between runs by `shape_cache`: only a function that fits one is rendered, loading Jinja)

    @cached_property
    def archive_shapes(self) -> list[Shape]:
        kind = "archive-citus" if self.citus else "archive"
        kept = self.cache.get(kind)
        if isinstance(kept, list) and len(kept) == 2 and all(isinstance(p, str) for p in kept):
            return [Shape.of_pattern(pattern) for pattern in kept]
        shapes = [self._archive_shape(overriding) for overriding in (False, True)]
        self.cache.put(kind, [shape.pattern.pattern for shape in shapes])
        return shapes

    @cached_property
    def refresh_shapes(self) -> list[tuple[RefreshMode, Shape]]:
        kept = self.cache.get("refresh")
        if (
            isinstance(kept, list)
            and len(kept) == len(REFRESH_MODES)
            and all(isinstance(p, str) for p in kept)
        ):
            return [(mode, Shape.of_pattern(p)) for mode, p in zip(REFRESH_MODES, kept, strict=True)]
        shapes = [(mode, self._refresh_shape(mode)) for mode in REFRESH_MODES]
        self.cache.put("refresh", [shape.pattern.pattern for _, shape in shapes])
        return shapes

    def recognise(
        self, functions: Iterable[Row], tables: Sequence[Table], views: Sequence[View]
    ) -> Recognised:
        """Find each function's table or view: an archive function sets the source table's `archive`
        (and marks its archive table), a refresh function its view's `refresh`; the rest is `others`."""
        by_table: dict[Key, Table] = {(t.schema, t.name): t for t in tables}
        by_view: dict[Key, View] = {(v.schema, v.name): v for v in views}
        table_names = {qname(t.name, t.schema): key for key, t in by_table.items()}
        view_names = {qname(v.name, v.schema): key for key, v in by_view.items()}
        others: list[Row] = []
        for function in functions:
            archived = self.archive(function, by_table, table_names)
            if archived is not None:
                for table in archived:
                    by_table[(table.schema, table.name)] = table
                continue
            refreshed = self.refresh(function, by_view, view_names)
            if refreshed is not None:
                by_view[(refreshed.schema, refreshed.name)] = refreshed
                continue
            others.append(function)
        return Recognised(list(by_table.values()), list(by_view.values()), others)

    # --- archive functions ---------------------------------------------------------------------------

    def _archive_shape(self, overriding: bool) -> Shape:
        """The archive function's body and comment, rendered with holes."""
        source = Table(name=hole("source"), schema=hole("schema"), columns=())
        target = Table(name=hole("target"), schema=hole("schema"), columns=())
        archive = Archive(
            column=hole("column"), after=hole("after"), archive_table=target.name, function=hole("function")
        )
        entry = ArchiveEntry(
            source, archive, target, (hole("columns"),), hole("cutoff_type"), overriding, self.citus
        )
        rendered = RenderedFunction.of(self.templates.render(*ARCHIVE_TEMPLATE, entry))
        return Shape.of(
            (rendered.body or "", rendered.comment or ""),
            {
                "source": qname(source.name, source.schema),
                "target": qname(target.name, target.schema),
                "function": qname(archive.function, source.schema),
                "schema": ident(source.schema),
                "column": ident(archive.column),
                "columns": ident(hole("columns")),
                "after": archive.after,
                "cutoff_type": entry.cutoff_type,
            },
        )

    def archive(
        self, function: Row, tables: Mapping[Key, Table], names: Mapping[str, Key]
    ) -> tuple[Table, Table] | None:
        """(source table with its `archive`, archive table) when `function` is an archive function."""
        parts = (function["body"] or "", function["comment"] or "")
        for shape in self.archive_shapes:
            found = shape.match(parts)
            if found is not None and (archived := self._archived(function, found, tables, names)):
                return archived
        return None

    def _archived(
        self, function: Row, found: Mapping[str, str], tables: Mapping[Key, Table], names: Mapping[str, Key]
    ) -> tuple[Table, Table] | None:
        source = tables.get(names.get(found.get("source", ""), ("", "")))
        target = tables.get(names.get(found.get("target", ""), ("", "")))
        if source is None or target is None or "after" not in found:
            return None
        if source.schema != function["schema"] or target.schema != source.schema or source.archive:
            return None
        column = next((c.name for c in source.columns if ident(c.name) == found.get("column")), None)
        if column is None:
            return None
        archive = Archive(
            column=column, after=found["after"], archive_table=target.name, function=function["name"]
        )
        expected = archive_table(
            source,
            archive,
            primary_key=naming.truncate(f"{target.name}_pkey"),
            index=naming.truncate(f"{target.name}_{archive.column}_idx"),
        )
        if replace(target, archive_of=source.name) != expected:
            return None
        source = replace(source, archive=archive)
        project = Project(name="inspect", extensions=("citus",) if self.citus else ())
        entry = archive_entry(Model(project=project, tables=(source, expected)), source, archive)
        rendered = RenderedFunction.of(self.templates.render(*ARCHIVE_TEMPLATE, entry))
        return (source, expected) if rendered.holds(function, self.same_interval) else None

    # --- refresh functions ---------------------------------------------------------------------------

    def _refresh_shape(self, mode: RefreshMode) -> Shape:
        """The refresh function's body and comment in `mode`, rendered with holes."""
        view = View(
            name=hole("view"),
            schema=hole("schema"),
            query="",
            materialized=True,
            refresh=mode,
            refresh_function=hole("function"),
        )
        rendered = RenderedFunction.of(self.templates.render(*REFRESH_TEMPLATE, view))
        return Shape.of(
            (rendered.body or "", rendered.comment or ""),
            {
                "view": qname(view.name, view.schema),
                "function": qname(hole("function"), view.schema),
                "schema": ident(view.schema),
            },
        )

    def refresh(self, function: Row, views: Mapping[Key, View], names: Mapping[str, Key]) -> View | None:
        """The materialized view with its `refresh` when `function` is its refresh function."""
        parts = (function["body"] or "", function["comment"] or "")
        for mode, shape in self.refresh_shapes:
            found = shape.match(parts)
            view = views.get(names.get(found.get("view", ""), ("", ""))) if found is not None else None
            if view is None or not view.materialized or view.schema != function["schema"]:
                continue
            if view.refresh_function is not None:
                return None  # a second function refreshing the same view is not the spec's
            candidate = replace(view, refresh=mode, refresh_function=function["name"])
            rendered = RenderedFunction.of(self.templates.render(*REFRESH_TEMPLATE, candidate))
            if rendered.holds(function, self.same_interval):
                return candidate
        return None
