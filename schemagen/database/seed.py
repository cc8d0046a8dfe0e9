"""A few rows in every table of a throwaway database, so that replaying migrations (down ones above
all) meets data: an enum value still in use, a column re-added NOT NULL, rows a re-shard must move.

Best effort and deterministic: each row is generated from its column types (an enum's first labels,
a value a foreign key's referenced column holds, small numbers, short text, fixed dates) and inserted
in a savepoint of its own, so a row a check, a unique key or a partition bound refuses is left out,
and a table no row fits stays empty. Several passes let tables referenced by tables before them fill
first.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from schemagen.database.queries import composed, query

__all__ = ["seed"]

ROWS_PER_TABLE = 3
ATTEMPTS_PER_ROW = 3  # rows of other values tried when a check, a key or a bound refuses one
PASSES = 3
# Values each type category takes (pg_type.typcategory), as text PostgreSQL reads as the type: N
# numbers, S strings, B booleans, D dates and times, T intervals, A arrays, I network addresses.
_BY_CATEGORY: dict[str, tuple[str, ...]] = {
    "N": ("1", "0", "2", "3", "5", "8", "13", "21", "34"),
    "S": ("a", "b", "c", "d", "e", "f", "g", "h", "i"),
    "B": ("true", "false"),
    "D": tuple(f"2024-01-{day:02d} 00:00:00+00" for day in range(1, 10)),
    "T": tuple(f"{n} days" for n in range(1, 10)),
    "A": ("{}",),
    "I": tuple(f"10.0.0.{n}" for n in range(1, 10)),
}
_BY_TYPE: dict[str, tuple[str, ...]] = {
    "uuid": tuple(f"00000000-0000-4000-8000-00000000000{n}" for n in range(1, 10)),
    "json": ("{}", "[]", "1"),
    "jsonb": ("{}", "[]", "1"),
    "bytea": ("\\x00", "\\x01", "\\x02"),
    "date": tuple(f"2024-01-{day:02d}" for day in range(1, 10)),
    "time without time zone": tuple(f"0{n}:00" for n in range(9)),
    "time with time zone": tuple(f"0{n}:00+00" for n in range(9)),
}


def seed(conn: psycopg.Connection, rows_per_table: int = ROWS_PER_TABLE) -> int:
    """Insert up to `rows_per_table` rows into every table of the user schemas; the rows inserted."""
    cursor = conn.cursor(row_factory=dict_row)
    tables: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for column in cursor.execute(query("seed_columns")).fetchall():
        tables[column["relation"]].append(column)
    keys: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for key in cursor.execute(query("seed_foreign_keys")).fetchall():
        keys[key["relation"]].append(key)
    inserted = dict.fromkeys(tables, 0)
    tried = dict.fromkeys(tables, 0)
    limit = rows_per_table * ATTEMPTS_PER_ROW
    for _ in range(PASSES):
        for relation, columns in tables.items():
            while inserted[relation] < rows_per_table and tried[relation] < limit:
                row = _row(conn, columns, keys[relation], tried[relation])
                if row is None:
                    break  # a referenced table is still empty: a later pass may fill it
                tried[relation] += 1
                inserted[relation] += _insert(conn, columns[0], row)
    return sum(inserted.values())


def _row(
    conn: psycopg.Connection, columns: list[dict[str, Any]], keys: list[dict[str, Any]], n: int
) -> dict[str, object] | None:
    """Attempt `n`'s values by column name (text, or the referenced row's own values), or None when
    none can be made for now."""
    row: dict[str, object] = {}
    nullable = {c["column"] for c in columns if not c["not_null"]}
    for key in keys:
        found = conn.execute(
            composed(
                "seed_referenced_value",
                columns=sql.SQL(", ").join(
                    sql.SQL("{}::text").format(sql.Identifier(c)) for c in key["ref_columns"]
                ),
                table=sql.Identifier(key["ref_schema"], key["ref_table"]),
            ),
            {"offset": n % ROWS_PER_TABLE},
        ).fetchone()
        if found is not None:
            row.update(zip(key["columns"], found, strict=True))
        elif set(key["columns"]) <= nullable:
            row.update(dict.fromkeys(key["columns"]))  # a key to an empty table (itself, say): NULL
        else:
            return None
    for column in columns:
        name = column["column"]
        if name in row or column["generated"] or column["has_value"]:
            continue
        choices = column["labels"] or _BY_TYPE.get(column["type"]) or _BY_CATEGORY.get(column["category"])
        if not choices:
            if column["not_null"]:
                return None
            continue
        row[name] = choices[n % len(choices)]
    return row


def _insert(conn: psycopg.Connection, first: dict[str, Any], row: dict[str, object]) -> int:
    """Insert one row in a savepoint of its own: 1 when the table took it, else 0."""
    table = sql.Identifier(first["schema"], first["table"])
    if row:
        statement = composed(
            "seed_insert",
            table=table,
            columns=sql.SQL(", ").join(sql.Identifier(name) for name in row),
            values=sql.SQL(", ").join(sql.Placeholder() * len(row)),
        )
    else:
        statement = composed("seed_insert_defaults", table=table)
    try:
        with conn.transaction():
            conn.execute(statement, list(row.values()))
    except psycopg.Error:
        return 0
    return 1
