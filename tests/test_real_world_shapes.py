"""Shapes real schemas have and specs written by hand rarely do, each rendered and applied to a real
PostgreSQL with rows: schema.sql must apply, and the rows must behave as the spec says."""

from __future__ import annotations

import textwrap
from pathlib import Path

import psycopg
import pytest
from migrations import SCENARIOS, apply_sql, create

from schemagen.migrate.migration import build_migration
from schemagen.model import Model
from schemagen.pipeline import compile_spec


def model_of(tmp_path: Path, spec: str) -> Model:
    folder = tmp_path / "spec"
    folder.mkdir(parents=True)
    (folder / "spec.yaml").write_text("project: {name: shapes, postgres: 15}\n" + textwrap.dedent(spec))
    return compile_spec(folder).model


def test_a_foreign_key_to_a_unique_index_waits_for_the_index(
    tmp_path: Path, pg_conn: psycopg.Connection
) -> None:
    """Rails and many teams make a natural key unique with an index, not a constraint; PostgreSQL
    accepts a foreign key to it only once the index exists."""
    model = model_of(
        tmp_path,
        """\
        entities:
          accounts:
            columns:
              id: {type: bigint, primary_key: true}
              code: text
            indexes:
              - {columns: [code], unique: true}
          invoices:
            columns:
              id: {type: bigint, primary_key: true}
              account_code: {type: text, references: {table: accounts, column: code}}
        """,
    )
    create(pg_conn, model)
    pg_conn.execute("INSERT INTO accounts VALUES (1, 'acme')")
    pg_conn.execute("INSERT INTO invoices VALUES (1, 'acme')")
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        pg_conn.execute("INSERT INTO invoices VALUES (2, 'nobody')")


def test_a_column_made_identity_numbers_new_rows_after_the_existing_ones(
    tmp_path: Path, pg_conn: psycopg.Connection
) -> None:
    """A nullable column with a default becomes an identity: NOT NULL first, the default dropped, and
    the sequence set past the largest value, so the next row does not collide."""
    a = model_of(tmp_path / "a", (SCENARIOS / "identity_added/a/spec.yaml").read_text().split("\n", 1)[1])
    b = model_of(tmp_path / "b", (SCENARIOS / "identity_added/b/spec.yaml").read_text().split("\n", 1)[1])
    create(pg_conn, a)
    pg_conn.execute((SCENARIOS / "identity_added/rows.sql").read_bytes())
    apply_sql(pg_conn, build_migration(a, b, "0002_identity").up_sql)
    row = pg_conn.execute("INSERT INTO tickets (id, title) VALUES (501, 'new') RETURNING number").fetchone()
    assert row == (1501,)


def test_partitions_may_be_keyed_by_a_period_that_starts_with_a_digit(
    tmp_path: Path, pg_conn: psycopg.Connection
) -> None:
    """`2026_01:` names `events_2026_01`, as window partitions are named (and inspect writes them)."""
    model = model_of(
        tmp_path,
        """\
        entities:
          events:
            columns: {id: bigint, at: date}
            primary_key: [id, at]
            partition:
              range:
                key: at
                bounds:
                  2026_01: [2026-01-01, 2026-02-01]
                  2026_02: [2026-02-01, 2026-03-01]
        """,
    )
    create(pg_conn, model)
    pg_conn.execute("INSERT INTO events VALUES (1, '2026-02-03')")
    assert pg_conn.execute("SELECT count(*) FROM events_2026_02").fetchone() == (1,)


def test_a_renamed_column_keeps_its_keys_and_indexes_renamed_with_it(tmp_path: Path) -> None:
    """The keys and indexes over a renamed column are renamed with it, never dropped and created again
    (a foreign key briefly missing, an index rebuilt)."""
    a_spec = """\
        entities:
          users:
            columns: {id: {type: bigint, primary_key: true}, name: text}
          posts:
            columns:
              id: {type: bigint, primary_key: true}
              user_id: {type: bigint, references: users}
              title: text
            indexes:
              - columns: [user_id, title]
            unique: [[user_id, id]]
        """
    b_spec = (
        a_spec.replace(
            "user_id: {type: bigint, references: users}",
            "author_id: {type: bigint, references: users, renamed_from: user_id}",
        )
        .replace("[user_id, title]", "[author_id, title]")
        .replace("[[user_id, id]]", "[[author_id, id]]")
    )
    up = build_migration(model_of(tmp_path / "a", a_spec), model_of(tmp_path / "b", b_spec), "0002_x").up_sql
    statements = [line for line in up.splitlines() if line.startswith(("ALTER", "CREATE", "DROP"))]
    assert statements == [
        "ALTER TABLE public.posts RENAME COLUMN user_id TO author_id;",
        "ALTER TABLE public.posts RENAME CONSTRAINT posts_user_id_id_key TO posts_author_id_id_key;",
        "ALTER TABLE public.posts RENAME CONSTRAINT posts_user_id_fkey TO posts_author_id_fkey;",
        "ALTER INDEX public.posts_user_id_title_idx RENAME TO posts_author_id_title_idx;",
    ]


def test_the_builtin_collations_are_found_whatever_their_case(
    tmp_path: Path, pg_conn: psycopg.Connection
) -> None:
    model = model_of(
        tmp_path,
        """\
        entities:
          words:
            columns: {id: {type: bigint, primary_key: true}, a: {type: text, collation: posix}, b: {type: text, collation: c}}
        """,
    )
    assert [c.collation for c in model.tables[0].columns] == [None, "POSIX", "C"]
    create(pg_conn, model)
