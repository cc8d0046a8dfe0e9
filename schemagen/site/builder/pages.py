"""Every page of the site, rendered from the Model through `templates/site/*.j2`.

Python decides which pages exist, what each one shows and in which order (everything sorted by name,
migrations by number); the templates decide how it reads. Links are relative (`../tables/x.html`), so
the site works opened from `file://` as well as served from anywhere.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from importlib.resources import files
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from schemagen.model import Column, Default, Location, Model, Table, View
from schemagen.render.templating import literal
from schemagen.site.builder import diagram, paths
from schemagen.site.builder.highlight import sql_html
from schemagen.site.builder.migrations import MigrationRecord
from schemagen.site.builder.relations import Relations

STATIC = files("schemagen.site.builder") / "static"
# Above this many tables the whole-schema picture is left out: no one reads a drawing of thousands of
# boxes (the layout itself is quick: 1,000 tables in about a second), and each table's page still
# draws its own neighbourhood.
WHOLE_DIAGRAM_MAX_TABLES = 300


@cache
def environment() -> jinja2.Environment:
    """HTML templates: autoescaped, so a comment or a default is text, never markup."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("schemagen", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(literal=literal, px=_px, slug=paths.slug, sql=sql_html)
    env.globals.update(
        table_page=paths.table_page,
        view_page=paths.view_page,
        enum_page=paths.enum_page,
        migration_page=paths.migration_page,
        INDEX=paths.INDEX,
        DIAGRAM=paths.DIAGRAM,
        STYLESHEET=paths.STYLESHEET,
    )
    return env


@dataclass(frozen=True, slots=True)
class SearchEntry:
    """One line of the index: what the search box matches against, and the page it leads to."""

    id: str
    kind: str
    name: str
    href: str
    text: str  # lower case: name, comment, column names…

    def as_json(self) -> dict[str, str]:
        return {"id": self.id, "text": self.text}


@dataclass(frozen=True, slots=True)
class Function:
    """A function schemagen creates: a table's archive function or a materialized view's refresh."""

    name: str
    kind: str
    owner: str
    href: str  # the owner's page, at the section describing the function


@dataclass(frozen=True)
class Site:
    model: Model
    spec_root: Path | None  # None: the Model was read from a live database
    migrations: Sequence[MigrationRecord]

    @cached_property
    def relations(self) -> Relations:
        return Relations(self.model)

    def pages(self) -> Iterator[tuple[str, str]]:
        """(path, text) of every file of the site."""
        yield paths.INDEX, self._index()
        yield paths.DIAGRAM, self._whole_diagram()
        for table in self.model.tables:
            yield paths.table_page(table.key), self._table(table)
        for view in self.model.views:
            yield paths.view_page(view.key), self._view(view)
        for enum in self.model.enums:
            page = paths.enum_page(enum.key)
            yield page, self._render("site/enum.html.j2", page, enum=enum)
        for n, record in enumerate(self.migrations):
            page = paths.migration_page(record.number, record.name)
            yield page, self._migration(page, n)
        yield paths.STYLESHEET, (STATIC / "site.css").read_text(encoding="utf-8")

    # -- pages

    def _index(self) -> str:
        entries = self.search_entries()
        return self._render(
            "site/index.html.j2",
            paths.INDEX,
            entries={entry.id: entry for entry in entries},
            search_index=[entry.as_json() for entry in entries],
            search_script=Markup((STATIC / "search.js").read_text(encoding="utf-8")),
            functions=self.functions(),
        )

    def _whole_diagram(self) -> str:
        tables = self.model.tables
        drawn = len(tables) <= WHOLE_DIAGRAM_MAX_TABLES
        return self._render(
            "site/erd.html.j2",
            paths.DIAGRAM,
            drawing=self.diagram(tables) if drawn else None,
            max_tables=WHOLE_DIAGRAM_MAX_TABLES,
        )

    def _table(self, table: Table) -> str:
        page = paths.table_page(table.key)
        neighbours = [self.model.tables_by_name[name] for name in self.relations.neighbours(table)]
        return self._render(
            "site/table.html.j2",
            page,
            table=table,
            drawing=self.diagram([table, *neighbours], focus=table),
            marks={column.name: self.column_marks(table, column) for column in table.columns},
            references={column.name: self.column_reference(table, column) for column in table.columns},
            referenced_by=self.relations.referenced_by.get(table.key, ()),
            target_key=self.relations.target_key,
            read_by=self.relations.read_by.get(table.key, ()),
        )

    def _view(self, view: View) -> str:
        return self._render(
            "site/view.html.j2",
            paths.view_page(view.key),
            view=view,
            read_by=self.relations.read_by.get(view.key, ()),
        )

    def _migration(self, page: str, n: int) -> str:
        return self._render(
            "site/migration.html.j2",
            page,
            record=self.migrations[n],
            previous=self.migrations[n - 1] if n > 0 else None,
            following=self.migrations[n + 1] if n + 1 < len(self.migrations) else None,
        )

    def _render(self, template: str, page: str, **context: Any) -> str:
        return (
            environment()
            .get_template(template)
            .render(
                site=self,
                model=self.model,
                relations=self.relations,
                project=self.model.project,
                root=paths.root_of(page),
                **context,
            )
        )

    # -- what the templates ask for

    def diagram(self, tables: Sequence[Table], focus: Table | None = None) -> diagram.Diagram:
        """The ER diagram of `tables`: all their foreign keys, or only `focus`'s, in and out."""
        nodes = [
            diagram.Node(t.key, self.relations.key_columns(t), paths.table_page(t.key), focus=t is focus)
            for t in sorted(tables, key=lambda t: (t.name, t.schema))
        ]
        target = self.relations.target_key
        links = [
            diagram.Link(t.key, target(fk), _fk_title(t, fk.columns, target(fk), fk.ref_columns))
            for t in tables
            for fk in t.foreign_keys
            if focus is None or t is focus or target(fk) == focus.key
        ]
        return diagram.layout(nodes, links)

    def search_entries(self) -> list[SearchEntry]:
        """The index's entries, in the order the index lists them."""
        entries = []
        for table in self.model.tables:
            words = [table.key, table.comment or "", *table.column_names]
            if table.archive_of:
                words.append(f"archive of {table.archive_of}")
            if table.partition:
                words.append(f"partitioned by {table.partition.kind}")
            entries.append(_entry("table", table.key, paths.table_page(table.key), words))
        for view in self.model.views:
            kind = "materialized view" if view.materialized else "view"
            entries.append(
                _entry("view", view.key, paths.view_page(view.key), [view.key, kind, view.comment or ""])
            )
        for enum in self.model.enums:
            words = [enum.key, "enum", enum.comment or "", *enum.values]
            entries.append(_entry("enum", enum.key, paths.enum_page(enum.key), words))
        for function in self.functions():
            words = [function.name, function.kind, function.owner]
            entries.append(_entry("function", function.name, function.href, words))
        for record in self.migrations:
            words = [record.label, "migration", *(hazard.code for hazard in record.up.hazards)]
            page = paths.migration_page(record.number, record.name)
            entries.append(_entry("migration", record.label, page, words))
        return entries

    def functions(self) -> list[Function]:
        found = [
            Function(t.archive.function, "archive function", t.name, paths.table_page(t.name) + "#archive")
            for t in self.model.tables
            if t.archive is not None
        ]
        found += [
            Function(v.refresh_function, "refresh function", v.key, paths.view_page(v.key) + "#refresh")
            for v in self.model.views
            if v.refresh_function is not None
        ]
        return sorted(found, key=lambda f: f.name)

    def column_marks(self, table: Table, column: Column) -> tuple[str, ...]:
        marks = []
        if table.primary_key and column.name in table.primary_key.columns:
            marks.append("PK")
        if any(column.name in fk.columns for fk in table.foreign_keys):
            marks.append("FK")
        if any(column.name in unique.columns for unique in table.uniques):
            marks.append("UQ")
        return tuple(marks)

    def column_reference(self, table: Table, column: Column) -> tuple[str, str] | None:
        """(table, column) a single-column foreign key on `column` points at."""
        for fk in table.foreign_keys:
            if fk.columns == (column.name,):
                return self.relations.target_key(fk), fk.ref_columns[0]
        return None

    def default_text(self, column: Column) -> str | None:
        default: Default | None = column.default
        if default is None:
            return None
        if default.expression is not None:
            return default.expression
        return literal(default.value, column.type)

    def where(self, loc: Location | None) -> str | None:
        """`loc` as `spec/file.yaml:LINE`, relative to the spec folder's parent: the same text
        wherever the site is built from."""
        if loc is None or self.spec_root is None:
            return None
        return f"{display_path(loc.file, self.spec_root)}:{loc.line}"

    def links_to(self, name: str) -> str | None:
        """The page of a table or view by name, or None when the Model does not hold it."""
        if name in self.model.tables_by_name:
            return paths.table_page(name)
        if name in self.model.views_by_name:
            return paths.view_page(name)
        return None


@cache  # a spec has a few files and thousands of locations in them
def display_path(file: str, spec_root: Path) -> str:
    """`file` relative to the parent of the spec folder, e.g. `spec/users.yaml`."""
    base = (spec_root if spec_root.is_dir() else spec_root.parent).resolve()
    try:
        relative = Path(file).resolve().relative_to(base)
    except ValueError:
        return Path(file).as_posix()
    return (Path(base.name) / relative).as_posix()


def _entry(kind: str, name: str, href: str, words: list[str]) -> SearchEntry:
    text = " ".join(word.lower() for word in words if word)
    return SearchEntry(id=f"{kind}-{paths.slug(name)}", kind=kind, name=name, href=href, text=text)


def _fk_title(table: Table, columns: Sequence[str], ref_table: str, ref_columns: Sequence[str]) -> str:
    return f"{table.key}({', '.join(columns)}) → {ref_table}({', '.join(ref_columns)})"


def _px(value: float) -> str:
    """A coordinate as SVG text: one decimal, no `-0.0`."""
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text
