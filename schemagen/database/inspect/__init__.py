"""A live database's catalog read back into the Model: `schemagen inspect`, and one side of drift.

`inspect` reads the catalog into the same frozen Model a spec builds, so the spec writer can write a
spec that renders back to the same catalog, and the planner can compare a database with a spec.
Everything runs in one transaction that is rolled back, with the settings that shape catalog text
fixed (`search_path` public, TimeZone UTC: a timestamptz bound reads `…+00`). Its parts:

- `reader`: the catalog's rows (the packaged `sql/inspect_*.sql` queries) into a Model, on a Citus
  coordinator with how each table is distributed, with a warning for everything the Model cannot
  hold — never a silent omission; so does what the spec format cannot say about a Model
  (`build.writer.limitations`);
- `catalog_text`: the SQL text the catalog prints (defaults, partition keys and bounds, index
  definitions, function signatures), read with PostgreSQL's own parser; `values` the values in it;
- `own_functions`: schemagen's archive and refresh functions, recognised by what the templates
  render for them (`shapes`, `templates`); `windows`: a spec's time windows in range partitions;
- `respell`: given a `reference` Model, expressions and view queries spelled as the reference spells
  them where PostgreSQL stores both spellings the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
from psycopg.rows import dict_row

from schemagen.database.catalog import OUTPUT_SETTINGS, SYSTEM_SCHEMAS
from schemagen.database.cluster import DatabaseError, connect, first_line
from schemagen.database.inspect.prefetch import HISTORY_SCHEMA, Prefetch

if TYPE_CHECKING:
    from schemagen.build import writer as spec_writer
    from schemagen.model import Model

__all__ = ["HISTORY_SCHEMA", "InspectResult", "inspect"]


@dataclass(frozen=True)
class InspectResult:
    """The Model of the database, and what it (or a spec written from it) leaves out, each once;
    `spec`: the spec files' data for the Model, which `write_spec` dumps without building it again."""

    model: Model
    warnings: list[str]
    spec: spec_writer.Documents | None = field(default=None, compare=False, repr=False)


def inspect(
    conn_or_dsn: psycopg.Connection | str,
    schemas: Sequence[str] | None = None,
    *,
    reference: Model | None = None,
    templates: Path | None = None,
) -> InspectResult:
    """Read the catalog of `schemas` (default: every user schema but `schemagen`'s own) into a Model.

    With `reference`, expressions and view queries that PostgreSQL reads the same way as the
    reference's are spelled as the reference spells them (see `respell`). `templates` is a folder
    overriding the built-in templates, as `render --templates` takes: schemagen's own functions are
    recognised by what those render. Raises `DatabaseError` when the server cannot be reached or
    refuses a query, ValueError for a system schema.
    """
    if schemas is not None and (system := [s for s in schemas if s in SYSTEM_SCHEMAS or s.startswith("pg_")]):
        raise ValueError(f"system schemas cannot be inspected: {', '.join(sorted(system))}")
    if isinstance(conn_or_dsn, str):
        with connect(conn_or_dsn, autocommit=True) as conn:
            return _inspect(conn, schemas, reference, templates)
    return _inspect(conn_or_dsn, schemas, reference, templates)


def _inspect(
    conn: psycopg.Connection, schemas: Sequence[str] | None, reference: Model | None, folder: Path | None
) -> InspectResult:
    try:
        with conn.transaction(force_rollback=True):
            cur = conn.cursor(row_factory=dict_row)
            # the settings that shape catalog text are the prefetch's first statement
            prefetch = Prefetch(conn, sorted(set(schemas)) if schemas is not None else None, OUTPUT_SETTINGS)
            try:
                # imported while the server answers the queries the prefetch sent
                from schemagen.build import writer as spec_writer
                from schemagen.database.inspect.access import read_roles
                from schemagen.database.inspect.reader import CatalogReader
                from schemagen.database.inspect.schemas import schemas_as_declared
                from schemagen.database.inspect.templates import Templates
            except BaseException:
                prefetch.join()  # the connection is the prefetch's until it is done
                raise
            prefetch.wait()
            templates = Templates(folder)
            reader = CatalogReader(cur, schemas, templates, prefetch)
            model = reader.read()
            if reference is not None:
                from schemagen.database.inspect.respell import Respeller

                model = Respeller(conn, reader.stored, templates).apply(model, reference)
                # the roles the reference declares, as the cluster has them, besides those named
                named = {r.name for r in model.roles} | {r.name for r in reference.roles}
                model = replace(model, roles=read_roles(named, reader.rows, reader.warn))
                model = schemas_as_declared(model, reference)
    except psycopg.Error as exc:
        raise DatabaseError(f"inspect failed: {first_line(exc)}") from exc
    spec = spec_writer.documents(model)
    warnings = list(dict.fromkeys(reader.warnings + spec.problems))
    return InspectResult(model=model, warnings=warnings, spec=spec)
