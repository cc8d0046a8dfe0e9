"""A view's query is resolved against the spec as PostgreSQL resolves it (SG502, SG505): every name it
reads that the spec lacks is an error at its place in the query, and no valid query is refused."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from schemagen.diagnostics import Diagnostic, SpecError
from schemagen.pipeline import compile_spec, render_outputs
from schemagen.postgres import expressions, scopes

SCHEMA = """\
project: {name: t, postgres: 15, extensions: [pg_trgm]}
enums:
  mood: [happy, sad]
entities:
  users:
    columns:
      id: {type: bigint, primary_key: true}
      name: text
      email: text?
      tags: text[]
      profile: jsonb?
      mood: {type: mood, default: happy}
      created_at: timestamptz
  orders:
    columns:
      id: {type: bigint, primary_key: true}
      user_id: {type: bigint, references: users}
      total: numeric(12,2)
      created_at: timestamptz
  invoices:
    schema: billing
    columns:
      id: {type: bigint, primary_key: true}
      order_id: bigint
      amount: numeric(12,2)
"""


def compile_views(tmp_path: Path, views: dict[str, str]) -> list[Diagnostic]:
    """Diagnostics of SCHEMA with `views` (name → query), each query a literal block."""
    lines = ["views:"]
    for name, query in views.items():
        lines += [f"  {name}:", "    query: |", *("      " + line for line in query.strip().splitlines())]
    root = tmp_path / "spec"
    root.mkdir(exist_ok=True)
    (root / "a.yaml").write_text(SCHEMA + "\n".join(lines) + "\n")
    try:
        compiled = compile_spec(root)
    except SpecError as error:
        return error.diagnostics
    return compiled.warnings


VALID = {
    "plain": "SELECT id, name FROM users",
    "aliases": "SELECT u.id, o.total FROM users u JOIN orders AS o ON o.user_id = u.id",
    "qualified_by_table": "SELECT users.id, orders.total FROM users, orders WHERE orders.user_id = users.id",
    "schema_qualified": "SELECT i.amount, billing.invoices.id FROM billing.invoices JOIN billing.invoices i ON true",
    "public_qualified": "SELECT public.users.name FROM public.users",
    "column_aliases_of_an_alias": "SELECT x.a, x.b FROM users AS x (a, b)",
    "star": "SELECT * FROM users",
    "table_star": "SELECT u.*, o.id AS order_id FROM users u, orders o",
    "using": "SELECT id, o.total FROM users JOIN orders o USING (id)",
    "join_using_alias": "SELECT j.id, o.total FROM users JOIN orders o USING (id) AS j",
    "natural": "SELECT id, one FROM users NATURAL JOIN (SELECT id, 1 AS one FROM orders) s",
    "group_by_and_order_by_output_names": (
        "SELECT user_id AS who, sum(total) AS spent FROM orders GROUP BY who ORDER BY spent DESC"
    ),
    "order_by_position": "SELECT name FROM users ORDER BY 1",
    "having_and_filter": (
        "SELECT user_id, count(*) FILTER (WHERE total > 0) FROM orders GROUP BY user_id HAVING sum(total) > 10"
    ),
    "window": (
        "SELECT id, rank() OVER w, sum(total) OVER (PARTITION BY user_id ORDER BY created_at) FROM orders "
        "WINDOW w AS (ORDER BY total)"
    ),
    "distinct_on": "SELECT DISTINCT ON (user_id) user_id, total FROM orders ORDER BY user_id, created_at DESC",
    "cte": "WITH big AS (SELECT user_id, total FROM orders WHERE total > 100) SELECT b.user_id FROM big b",
    "cte_column_names": "WITH t (a, b) AS (SELECT id, name FROM users) SELECT a, b FROM t",
    "cte_shadows_a_table": "WITH users AS (SELECT 1 AS one) SELECT one FROM users",
    "recursive_cte": (
        "WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10) SELECT i FROM n"
    ),
    "recursive_cte_without_names": (
        "WITH RECURSIVE chain AS (SELECT id, 0 AS depth FROM users UNION ALL "
        "SELECT c.id, c.depth + 1 FROM chain c WHERE c.depth < 3) SELECT id, depth FROM chain"
    ),
    "nested_cte": "WITH a AS (WITH b AS (SELECT id FROM users) SELECT id FROM b) SELECT id FROM a",
    "subquery_in_from": "SELECT s.n FROM (SELECT count(*) AS n FROM orders) s",
    "subquery_column_aliases": "SELECT s.x FROM (SELECT id FROM users) AS s (x)",
    "correlated": (
        "SELECT u.id, (SELECT max(o.total) FROM orders o WHERE o.user_id = u.id) AS top FROM users u"
    ),
    "correlated_bare_name": "SELECT name FROM users WHERE EXISTS (SELECT 1 FROM orders WHERE user_id = id)",
    "in_and_any": (
        "SELECT id FROM users WHERE id IN (SELECT user_id FROM orders) "
        "AND id = ANY (ARRAY(SELECT user_id FROM orders))"
    ),
    "lateral": (
        "SELECT u.id, last.total FROM users u "
        "CROSS JOIN LATERAL (SELECT o.total FROM orders o WHERE o.user_id = u.id LIMIT 1) last"
    ),
    "lateral_in_a_join": (
        "SELECT u.id, l.total FROM users u LEFT JOIN LATERAL "
        "(SELECT total FROM orders WHERE orders.user_id = u.id) l ON true"
    ),
    "function_in_from": "SELECT g, x.v FROM generate_series(1, 3) g, unnest(ARRAY[1, 2]) AS x (v)",
    "function_in_from_reads_a_column": "SELECT u.id, t FROM users u, unnest(u.tags) t",
    "rows_from_with_ordinality": "SELECT * FROM ROWS FROM (generate_series(1, 2)) WITH ORDINALITY AS r (v, n)",
    "jsonb_each": "SELECT u.id, kv.key FROM users u, jsonb_each(u.profile) kv",
    "values": "SELECT v.a, v.b FROM (VALUES (1, 'x'), (2, 'y')) AS v (a, b)",
    "values_default_names": "SELECT column1 FROM (VALUES (1)) v",
    "union_order_by": "SELECT id FROM users UNION SELECT user_id FROM orders ORDER BY id",
    "intersect_except": "(SELECT id FROM users INTERSECT SELECT user_id FROM orders) EXCEPT SELECT 1",
    "system_columns": "SELECT ctid, xmin, tableoid::regclass FROM users",
    "whole_row": "SELECT u, row_to_json(u) FROM users u",
    "composite_field": "SELECT (u).id FROM users u",
    "table_dot_column_dot_field": "SELECT (o.created_at) FROM orders o",
    "another_schema": "SELECT c.relname, c.relkind FROM pg_catalog.pg_class c",
    "information_schema": "SELECT table_name FROM information_schema.tables",
    "table_sample": "SELECT id FROM users TABLESAMPLE SYSTEM (10)",
    "grouping_sets": "SELECT user_id, count(*) FROM orders GROUP BY GROUPING SETS ((user_id), ())",
    "case_coalesce_casts": (
        "SELECT CASE WHEN email IS NULL THEN name ELSE email END, coalesce(email, name)::varchar(10) FROM users"
    ),
    "keywords_not_columns": "SELECT current_date, current_user, session_user, localtimestamp FROM users",
    "limit_offset": "SELECT id FROM users ORDER BY id LIMIT 10 OFFSET 5",
    "view_of_a_view": "SELECT w.n FROM counts w",
    "star_of_a_view_of_a_view": "SELECT * FROM counts",
    "quoted_names": 'SELECT "u"."name" FROM users AS "u"',
    "join_alias": "SELECT j.id FROM (users JOIN orders USING (id)) AS j",
    "no_from": "SELECT 1 AS one, now() AS at",
    "trigram_operator": "SELECT name FROM users WHERE name % 'bob'",
    "enum_cast": "SELECT id FROM users WHERE mood = 'happy'::mood",
    "order_by_expression_of_output": "SELECT name AS n FROM users ORDER BY lower(name)",
    "subquery_sees_outer_cte": (
        "WITH o AS (SELECT user_id FROM orders) SELECT id FROM users WHERE id IN (SELECT user_id FROM o)"
    ),
}


def test_every_valid_query_is_accepted(tmp_path: Path) -> None:
    views = {"counts": "SELECT count(*) AS n FROM orders", **{f"v_{k}": q for k, q in VALID.items()}}
    found = compile_views(tmp_path, views)
    assert [(d.code, d.message) for d in found] == []


INVALID = [
    # (query, message, line, column within the query's text)
    (
        "SELECT t.id, t.assignee FROM users t",
        "view `v` reads `t.assignee`, but `users AS t` has no column `assignee`",
        1,
        14,
    ),
    (
        "SELECT id,\n       nmae\nFROM users",
        "view `v` reads `nmae`, but no table or view of its FROM clause (users) has a column `nmae`; "
        "did you mean `name`?",
        2,
        8,
    ),
    (
        "SELECT u.id FROM users u WHERE o.total > 0",
        "view `v` reads `o.total`, but no FROM item is named `o`",
        1,
        32,
    ),
    (
        "SELECT users.emial FROM users",
        "view `v` reads `users.emial`, but `users` has no column `emial`; did you mean `email`?",
        1,
        8,
    ),
    (
        "SELECT i.amount, i.total FROM billing.invoices i",
        "view `v` reads `i.total`, but `billing.invoices AS i` has no column `total`",
        1,
        18,
    ),
    (
        "WITH big AS (SELECT user_id FROM orders) SELECT b.total FROM big b",
        "view `v` reads `b.total`, but `big AS b` has no column `total`",
        1,
        49,
    ),
    (
        "SELECT s.total FROM (SELECT id FROM orders) s",
        "view `v` reads `s.total`, but `the subquery s` has no column `total`",
        1,
        8,
    ),
    (
        "SELECT id FROM users u WHERE EXISTS (SELECT 1 FROM orders o WHERE o.user = u.id)",
        "view `v` reads `o.user`, but `orders AS o` has no column `user`; did you mean `user_id`?",
        1,
        67,
    ),
    (
        "SELECT n FROM counts",
        "view `v` reads `n`, but no table or view of its FROM clause (counts) has a column `n`",
        1,
        8,
    ),
    (
        "SELECT id FROM users UNION SELECT id FROM order_lines",
        "view `v` reads `order_lines`, which is neither an entity nor a view of the spec; did you mean `orders`?",
        1,
        43,
    ),
    (
        "SELECT id FROM invoices",
        "view `v` reads `invoices`, which is neither an entity nor a view of the spec in schema `public`; "
        "the spec has `billing.invoices`",
        1,
        16,
    ),
    (
        "SELECT j.total FROM users JOIN orders USING (id) AS j",
        "view `v` reads `j.total`, but `j` has no column `total`",
        1,
        8,
    ),
    (
        "SELECT x.* FROM users u",
        "view `v` reads `x.*`, but no FROM item is named `x`",
        1,
        8,
    ),
    (
        "SELECT user_id AS who FROM orders WHERE who > 1",
        "view `v` reads `who`, but no table or view of its FROM clause (orders) has a column `who`",
        1,
        41,
    ),
]


@pytest.mark.parametrize(("query", "message", "line", "column"), INVALID, ids=[i[1][11:40] for i in INVALID])
def test_a_name_the_spec_lacks_is_an_error_at_its_place(
    tmp_path: Path, query: str, message: str, line: int, column: int
) -> None:
    found = compile_views(tmp_path, {"counts": "SELECT count(*) AS total FROM orders", "v": query})
    assert [d.message for d in found] == [message]
    (d,) = found
    # after SCHEMA: `views:`, `  counts:`, `    query: |`, its one line, `  v:`, `    query: |`
    first = SCHEMA.count("\n") + 7
    assert (d.line, d.column) == (first + line - 1, 6 + column), d
    assert d.end_column is not None and d.end_line == d.line


def test_positions_in_one_line_queries_and_a_fallback_for_folded_ones(tmp_path: Path) -> None:
    root = tmp_path / "spec"
    root.mkdir()
    plain = "  plain: {query: SELECT nope FROM users}"
    quoted = '  quoted: {query: "SELECT u.nope FROM users u"}'
    (root / "a.yaml").write_text(
        SCHEMA
        + f"views:\n{plain}\n{quoted}\n"
        + "  folded:\n    query: >\n      SELECT id\n      FROM users WHERE nope\n"
    )
    with pytest.raises(SpecError) as error:
        compile_spec(root)
    at = {d.message.split("`")[1]: (d.line, d.column, d.end_column) for d in error.value.diagnostics}
    views = SCHEMA.count("\n") + 1
    assert at["plain"] == (views + 1, plain.index("nope") + 1, plain.index("nope") + 5)
    assert at["quoted"] == (views + 2, quoted.index("u.nope") + 1, quoted.index("u.nope") + 7)
    assert at["folded"] == (views + 3, 3, 9)  # the text is folded, so not one to one: at the view


def all_spec_folders(repo_root: Path) -> list[Path]:
    folders = {repo_root / "spec"}
    folders |= {p.parent for p in (repo_root / "tests" / "specs").rglob("*.yaml")}
    return sorted(folders)


def test_every_view_of_the_examples_resolves(repo_root: Path) -> None:
    checked = 0
    for folder in all_spec_folders(repo_root):
        try:
            compiled = compile_spec(folder)
        except SpecError as error:
            assert not [d for d in error.diagnostics if d.code in ("SG502", "SG505")], folder
            continue
        assert not [d for d in compiled.warnings if d.code in ("SG502", "SG505")], folder
        checked += len(compiled.model.views)
    assert checked >= 6


def test_the_synthetic_specs_views_resolve(tmp_path: Path, repo_root: Path) -> None:
    """bench/generate.py's views: plain ones, joins, materialized aggregates."""
    import subprocess
    import sys

    subprocess.run(
        [sys.executable, str(repo_root / "bench" / "generate.py"), "300", str(tmp_path / "spec")],
        check=True,
        capture_output=True,
    )
    compiled = compile_spec(tmp_path / "spec")
    assert len(compiled.model.views) >= 3
    assert not [d for d in compiled.warnings if d.code in ("SG502", "SG505")]


def lookup_of(tables: dict[str, tuple[str, ...]]) -> scopes.Lookup:
    def lookup(schema: str | None, name: str) -> scopes.Relation | None:
        if (schema or "public") != "public":
            return None
        return scopes.Relation(tables[name], table=True) if name in tables else scopes.MISSING

    return lookup


def test_query_columns_expand_stars_where_known() -> None:
    lookup = lookup_of({"a": ("x", "y"), "b": ("z",)})

    def columns(text: str) -> tuple[str, ...] | None:
        return scopes.query_columns(expressions.parse_query(text), lookup)

    assert columns("SELECT * FROM a, b") == ("x", "y", "z")
    assert columns("SELECT b.*, 1 AS one, lower('q'), a.x::text FROM a, b") == ("z", "one", "lower", "x")
    assert columns("SELECT * FROM a, pg_catalog.pg_class") is None
    # what is outside the catalog may have any column: accepted, never reported
    assert (
        scopes.unresolved(expressions.parse_query("SELECT c.anything FROM pg_catalog.pg_class c"), lookup)
        == []
    )
    assert columns("SELECT * FROM a AS t (p)") == ("p", "y")
    assert columns("WITH c (k) AS (SELECT x FROM a) SELECT * FROM c") == ("k",)


def test_deep_queries_are_accepted_without_recursion_errors() -> None:
    lookup = lookup_of({"a": ("x",)})
    text = "SELECT x FROM a"
    for _ in range(300):
        text = f"SELECT x FROM ({text}) s"
    assert scopes.unresolved(expressions.parse_query(text), lookup) == []


def test_postgresql_agrees(tmp_path: Path, pg_conn: psycopg.Connection) -> None:
    """The same queries on a real server, over the schema the spec renders: each valid one creates a
    view, each refused one fails there too."""
    root = tmp_path / "spec"
    root.mkdir()
    (root / "a.yaml").write_text(SCHEMA + "views:\n  counts: {query: SELECT count(*) AS total FROM orders}\n")
    pg_conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    pg_conn.execute(render_outputs(compile_spec(root).model)["schema.sql"].encode())
    pg_conn.execute("CREATE VIEW counts2 AS SELECT count(*) AS n FROM orders")  # VALID's `counts`
    refused = []
    for name, query in VALID.items():
        try:
            with pg_conn.transaction():
                pg_conn.execute(f"CREATE VIEW v AS {query.replace('FROM counts', 'FROM counts2')}".encode())
                raise _RolledBack
        except _RolledBack:
            pass
        except psycopg.Error as error:
            refused.append((name, str(error).splitlines()[0]))
    assert refused == [], refused
    for query, *_ in INVALID:
        with pytest.raises(psycopg.Error), pg_conn.transaction():
            pg_conn.execute(f"CREATE VIEW v AS {query}".encode())


class _RolledBack(Exception):
    pass
