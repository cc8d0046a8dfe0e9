"""Indexes whose keys mix columns and expressions, each with its own order, operator class and
collation: written in the spec, named as PostgreSQL names them, adopted from a database (inspect →
schema.sql builds the same catalog, a baseline is accepted, drift is empty), and a changed key
migrates up and down with the rows kept."""

from __future__ import annotations

import hashlib
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from schemagen.database.live import connect
from schemagen.diagnostics import SpecError
from schemagen.pipeline import compile_spec
from tests.catalog import Catalog, assert_catalog_equal, snapshot
from tests.commandline import edit, run

HAND_MADE = """
CREATE TABLE posts (
    id bigint PRIMARY KEY,
    author_id bigint NOT NULL,
    org integer NOT NULL,
    po text NOT NULL,
    title text COLLATE "C",
    created_at timestamp NOT NULL
);
CREATE INDEX ON posts (author_id, DATE(created_at));
CREATE INDEX ON posts (org, lower(po) text_pattern_ops);
CREATE INDEX ON posts (org DESC NULLS LAST, (po || '-' || title) COLLATE "POSIX" DESC);
CREATE INDEX ON posts (title COLLATE "POSIX", lower(title) NULLS FIRST);
CREATE UNIQUE INDEX posts_by_day ON posts (DATE(created_at), id) WHERE org > 0;
"""

ROWS = """
INSERT INTO posts
    SELECT g, g % 17, g % 5, 'PO-' || g, 'title ' || g, timestamp '2024-01-01' + g * interval '3 hours'
    FROM generate_series(1, 400) g;
"""


def catalog(dsn: str) -> Catalog:
    with connect(dsn, autocommit=True) as conn:
        return snapshot(conn, ("public",))


def digest(dsn: str) -> tuple[int, str]:
    with connect(dsn, autocommit=True) as conn:
        rows = conn.execute("SELECT * FROM posts ORDER BY id").fetchall()
    return len(rows), hashlib.sha256(repr(rows).encode()).hexdigest()


def index_definitions(dsn: str) -> dict[str, str]:
    with connect(dsn, autocommit=True) as conn:
        found = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'posts' ORDER BY 1"
        ).fetchall()
    return dict(found)


def applied(dsn: str, schema_sql: Path) -> Catalog:
    with connect(dsn, autocommit=True) as conn:
        conn.execute(schema_sql.read_bytes())
    return catalog(dsn)


def test_mixed_keys_are_adopted_and_a_changed_key_migrates_with_the_rows(
    workdir: Path, pg_dsn: str, fresh: Callable[[str], str]
) -> None:
    with connect(pg_dsn, autocommit=True) as conn:
        conn.execute(HAND_MADE)
        conn.execute(ROWS)
    before, rows, definitions = catalog(pg_dsn), digest(pg_dsn), index_definitions(pg_dsn)
    # the names PostgreSQL gave them
    assert set(definitions) >= {
        "posts_author_id_date_idx",
        "posts_org_lower_idx",
        "posts_org_expr_idx",
        "posts_title_lower_idx",
    }

    code, _, err = run("inspect", "--dsn", pg_dsn, "-o", "spec")
    assert code == 0, err
    assert "left out" not in err and "collation" not in err, err
    entities = (workdir / "spec" / "entities.yaml").read_text()
    # PostgreSQL's default names are the spec's: none is written out
    assert "- {columns: [author_id, {expression: date(created_at)}]}" in entities
    assert "- {columns: [org, {expression: lower(po), opclass: text_pattern_ops}]}" in entities
    assert "{column: title, collation: POSIX}, {expression: lower(title), nulls: first}" in entities
    assert "order: desc, collation: POSIX}" in entities

    code, _, err = run("render", "spec")
    assert code == 0, err
    empty = fresh("s")
    assert_catalog_equal(applied(empty, workdir / "generated" / "schema.sql"), before)
    assert index_definitions(empty) == definitions
    code, _, err = run("migrate", "new", "initial", "spec")
    assert code == 0, err
    code, out, err = run("migrate", "baseline", "--dsn", pg_dsn)
    assert code == 0, out + err
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err

    # a key's order, a key's collation and a key's expression change; a mixed index is added
    spec = workdir / "spec" / "entities.yaml"
    edit(spec, "{expression: date(created_at)}]}", "{expression: date(created_at), order: desc}]}")
    edit(spec, "{column: title, collation: POSIX}", "{column: title, collation: C}")
    edit(
        spec,
        "{expression: lower(po), opclass: text_pattern_ops}",
        "{expression: upper(po), opclass: text_pattern_ops}",
    )
    edit(
        spec,
        "    indexes:\n",
        "    indexes:\n    - {columns: [{expression: 'org * 2', nulls: first}, title DESC]}\n",
    )
    code, _, err = run("render", "spec")
    assert code == 0, err
    code, _, err = run("migrate", "new", "keys", "spec")
    assert code == 0, err
    up = (workdir / "generated" / "migrations" / "0002_keys.up.sql").read_text()
    assert "CREATE INDEX CONCURRENTLY" in up and "posts_org_upper_idx" in up and "posts_expr_title_idx" in up
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    after = catalog(pg_dsn)
    assert_catalog_equal(after, applied(fresh("a"), workdir / "generated" / "schema.sql"))
    assert digest(pg_dsn) == rows
    code, out, err = run("drift", "spec", "--dsn", pg_dsn)
    assert code == 0, out + err

    code, out, err = run("migrate", "down", "--dsn", pg_dsn, "--to", "1")
    assert code == 0, out + err
    assert_catalog_equal(catalog(pg_dsn), before)
    assert index_definitions(pg_dsn) == definitions
    assert digest(pg_dsn) == rows
    code, out, err = run("migrate", "apply", "--dsn", pg_dsn)
    assert code == 0, out + err
    assert run("drift", "spec", "--dsn", pg_dsn)[0] == 0


def test_a_key_that_is_not_immutable_is_an_error_at_its_line(tmp_path: Path) -> None:
    root = tmp_path / "spec"
    root.mkdir()
    (root / "a.yaml").write_text(
        textwrap.dedent(
            """\
            project: {name: shop}
            entities:
              posts:
                columns:
                  id: bigint
                  org: integer
                  created_at: timestamptz
                indexes:
                  - columns:
                    - org
                    - {expression: DATE(created_at), order: desc}
            """
        )
    )
    with pytest.raises(SpecError) as raised:
        compile_spec(root)
    found = [(d.code, d.line) for d in raised.value.diagnostics]
    assert ("SG102", 11) in found, found


def test_a_key_is_a_column_or_an_expression_not_both(tmp_path: Path) -> None:
    root = tmp_path / "spec"
    root.mkdir()
    (root / "a.yaml").write_text(
        "project: {name: shop}\nentities:\n  posts:\n    columns: {id: bigint, po: text}\n"
        "    indexes:\n      - columns: [{column: po, expression: lower(po)}]\n"
    )
    with pytest.raises(SpecError) as raised:
        compile_spec(root)
    assert {d.line for d in raised.value.diagnostics} == {6}
