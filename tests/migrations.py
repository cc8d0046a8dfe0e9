"""Test helpers: build a migration between two specs and apply it the way the runner will."""

from __future__ import annotations

import textwrap
from pathlib import Path

import psycopg

from schemagen.migrate.migration import Migration, build_migration, is_transactional
from schemagen.model import Model
from schemagen.pipeline import compile_spec
from schemagen.postgres.expressions import split_statements
from schemagen.render.render import render_schema


def model_of(tmp_path: Path, name: str, files: dict[str, str]) -> Model:
    """The Model of a spec written from `files` into tmp_path/name."""
    root = tmp_path / name
    root.mkdir(parents=True, exist_ok=True)
    for file, text in files.items():
        (root / file).write_text(textwrap.dedent(text))
    return compile_spec(root).model


def apply_sql(conn: psycopg.Connection, sql: str) -> None:
    """Run a migration file: in one transaction, or statement by statement when its header says so."""
    if is_transactional(sql):
        with conn.transaction():
            conn.execute(sql.encode(), prepare=False)
    else:
        for statement in split_statements(sql):
            conn.execute(statement.text.encode(), prepare=False)


def migrate(conn: psycopg.Connection, before: Model, after: Model, name: str = "0002_change") -> Migration:
    """Plan before → after, apply its up migration to `conn` (a database at `before`), return it."""
    migration = build_migration(before, after, name)
    apply_sql(conn, migration.up_sql)
    return migration


def create(conn: psycopg.Connection, model: Model) -> None:
    """A database at `model`, from its schema.sql."""
    with conn.transaction():
        conn.execute(render_schema(model).encode(), prepare=False)
