"""Every type change the planner calls a rewrite (SG921) rewrites the table in PostgreSQL, and every
one it does not call so keeps the table's file (its relfilenode): checked on a real server, table by
table, with rows, through the migration the planner writes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import psycopg
from migrations import apply_sql, create, model_of

from schemagen.migrate.migration import build_migration

#: (old type, new type, a value of the old type)
PAIRS = [
    ("integer", "bigint", "1"),
    ("smallint", "integer", "1"),
    ("numeric(5,2)", "numeric(7,2)", "1.5"),
    ("numeric(5,2)", "numeric(7,3)", "1.5"),
    ("numeric(5,2)", "numeric", "1.5"),
    ("numeric(7,2)", "numeric(5,2)", "1.5"),
    ("numeric", "numeric(7,2)", "1.5"),
    ("integer", "numeric", "1"),
    ("varchar(10)", "varchar(20)", "'a'"),
    ("varchar(20)", "varchar(10)", "'a'"),
    ("varchar(10)", "text", "'a'"),
    ("text", "varchar", "'a'"),
    ("text", "varchar(10)", "'a'"),
    ("char(5)", "char(10)", "'a'"),
    ("char(5)", "text", "'a'"),
    ("timestamp(3)", "timestamp(6)", "now()"),
    ("timestamp(6)", "timestamp(3)", "now()"),
    ("timestamptz(3)", "timestamptz", "now()"),
    ("time(3)", "time(6)", "now()"),
    ("interval(3)", "interval(6)", "'1 s'"),
    ("varbit(5)", "varbit(10)", "B'101'"),
    ("cidr", "inet", "'10.0.0.0/8'"),
    ("integer", "text", "1"),
    ("json", "jsonb", "'{}'"),
    ("varchar(10)", 'varchar(10) COLLATE "C"', "'a'"),
]


def test_rewrite_hazards_match_the_server(
    tmp_path: Path, pg_database: Callable[..., psycopg.Connection]
) -> None:
    def spec(which: int) -> str:
        lines = ["project: {name: rewrites, postgres: 15}", "entities:"]
        for i, pair in enumerate(PAIRS):
            type_, collation = pair[which], None
            if " COLLATE " in type_:
                type_, collation = type_.split(" COLLATE ")
            column = f"{{type: '{type_}'" + (f", collation: {collation}" if collation else "") + "}"
            lines.append(f"  t{i}: {{columns: {{id: {{type: integer, primary_key: true}}, c: {column}}}}}")
        return "\n".join(lines) + "\n"

    a = model_of(tmp_path, "a", {"spec.yaml": spec(0)})
    b = model_of(tmp_path, "b", {"spec.yaml": spec(1)})
    migration = build_migration(a, b, "0002_retype")
    said = {
        op.target.split(".")[0]
        for op in migration.up_operations
        if op.kind == "alter_column_type" and any(h.code == "SG921" for h in op.hazards)
    }
    conn = pg_database()
    create(conn, a)
    for i, (_, _, value) in enumerate(PAIRS):
        conn.execute(f"INSERT INTO t{i} VALUES (1, {value})")

    def files() -> dict[str, int]:
        rows = conn.execute(
            "SELECT relname, relfilenode FROM pg_class WHERE relname ~ '^t[0-9]+$' AND relkind = 'r'"
        ).fetchall()
        return dict(rows)

    before = files()
    apply_sql(conn, migration.up_sql)
    after = files()
    rewritten = {name for name in before if before[name] != after[name]}
    wrong = {
        f"{PAIRS[int(name[1:])][0]} → {PAIRS[int(name[1:])][1]}: "
        + ("rewrites, not flagged" if name in rewritten else "flagged, does not rewrite")
        for name in rewritten ^ said
    }
    assert not wrong, sorted(wrong)


def test_a_new_collation_alone_rebuilds_the_indexes_not_the_table(tmp_path: Path) -> None:
    table = "project: {{name: c, postgres: 15}}\nentities:\n  t:\n    columns:\n      id: {{type: integer, primary_key: true}}\n      name: {name}\n    indexes: [{{columns: [name]}}]\n"
    a = model_of(tmp_path, "a", {"spec.yaml": table.format(name="text")})
    b = model_of(tmp_path, "b", {"spec.yaml": table.format(name='{type: text, collation: "C"}')})
    (op,) = [op for op in build_migration(a, b, "0002_c").up_operations if op.kind == "alter_column_type"]
    assert [h.code for h in op.hazards] == ["SG922"]
    assert "t_name_idx" in op.hazards[0].message
    assert not op.up[0].brief
