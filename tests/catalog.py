"""Snapshot and compare the PostgreSQL catalog of user schemas, for migration tests.

A migration is right when applying it to a database at spec A yields exactly the catalog that rendering
spec B into an empty database yields. `snapshot` reads that catalog into plain, sorted, JSON-serialisable
dicts; `diff` lists the differences as readable lines; `assert_same_catalog` / `assert_catalog_equal`
fail a test with them.

Names are regclass/regtype text with search_path fixed to `public`: unqualified for public objects,
schema-qualified for the others. Column order is ignored (columns are a mapping), but every name counts,
including those PostgreSQL picks for partition indexes and constraint clones.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypedDict, cast

import psycopg
from psycopg import sql
from psycopg.pq import TransactionStatus
from psycopg.rows import dict_row

__all__ = [
    "Catalog",
    "assert_catalog_equal",
    "assert_same_catalog",
    "diff",
    "row_counts",
    "snapshot",
    "table_rows",
]

SYSTEM_SCHEMAS = frozenset({"pg_catalog", "information_schema", "pg_toast"})
MAX_REPORTED_LINES = 50
# Longer values are shown as a window around their first difference.
MAX_SHOWN_CHARS = 100
SHOWN_CONTEXT_CHARS = 30
LINE_BREAK_ESCAPES = str.maketrans({"\n": "\\n", "\r": "\\r"})

# Everything that turns catalog contents into text depends on these; fixing them makes the text stable.
OUTPUT_SETTINGS = {
    "search_path": "public",
    "TimeZone": "UTC",
    "DateStyle": "ISO, MDY",
    "IntervalStyle": "postgres",
    "extra_float_digits": "1",
}
SAVE_SETTINGS_SQL = "SELECT name, current_setting(name) FROM unnest(%(names)s::text[]) AS name"
SET_SETTINGS_SQL = """
SELECT set_config(name, value, false) FROM unnest(%(names)s::text[], %(values)s::text[]) AS s(name, value)
"""

# The relations of the requested schemas that no extension owns; the queries below all start from it.
_USER_RELATIONS = """
    SELECT c.oid
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY(%(schemas)s)
      AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
      AND NOT EXISTS (
          SELECT FROM pg_depend d
          WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
      )
"""

SCHEMAS_SQL = """
SELECT n.nspname AS name, obj_description(n.oid, 'pg_namespace') AS comment
FROM pg_namespace n
WHERE n.nspname = ANY(%(schemas)s)
"""

EXTENSIONS_SQL = """
SELECT e.extname AS name, n.nspname AS schema, e.extversion AS version
FROM pg_extension e
JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE n.nspname = ANY(%(schemas)s)
"""

RELATIONS_SQL = f"""
SELECT
    c.oid::regclass::text AS name,
    c.relkind AS kind,
    c.relpersistence AS persistence,
    CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key,
    (SELECT i.inhparent::regclass::text FROM pg_inherits i
     WHERE i.inhrelid = c.oid AND c.relispartition) AS partition_of,
    pg_get_expr(c.relpartbound, c.oid) AS partition_bound,
    ARRAY(SELECT i.inhparent::regclass::text FROM pg_inherits i
          WHERE i.inhrelid = c.oid AND NOT c.relispartition ORDER BY 1) AS inherits,
    CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid, true) END AS definition,
    CASE WHEN c.relkind = 'm' THEN c.relispopulated END AS populated,
    ARRAY(SELECT o FROM unnest(c.reloptions) AS o ORDER BY o) AS options,
    c.relrowsecurity AS row_security,
    c.relforcerowsecurity AS force_row_security,
    c.relreplident AS replica_identity,
    obj_description(c.oid, 'pg_class') AS comment,
    format_type(s.seqtypid, NULL) AS sequence_type,
    s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle,
    (SELECT d.refobjid::regclass::text || '.' || a.attname
     FROM pg_depend d
     JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
     WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
       AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')) AS owned_by
FROM pg_class c
LEFT JOIN pg_sequence s ON s.seqrelid = c.oid
WHERE c.oid IN ({_USER_RELATIONS})
"""

COLUMNS_SQL = f"""
SELECT
    a.attrelid::regclass::text AS relation,
    a.attname AS name,
    format_type(a.atttypid, a.atttypmod) AS type,
    a.attnotnull AS not_null,
    pg_get_expr(ad.adbin, ad.adrelid) AS expression,
    a.attidentity AS identity,
    a.attgenerated AS generated,
    CASE WHEN a.attcollation <> t.typcollation THEN a.attcollation::regcollation::text END AS collation,
    col_description(a.attrelid, a.attnum) AS comment
FROM pg_attribute a
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
WHERE a.attrelid IN ({_USER_RELATIONS}) AND a.attnum > 0 AND NOT a.attisdropped
"""

CONSTRAINTS_SQL = f"""
SELECT
    con.conrelid::regclass::text AS relation,
    con.conname AS name,
    con.contype AS type,
    pg_get_constraintdef(con.oid) AS definition,
    con.condeferrable AS deferrable,
    con.condeferred AS deferred,
    con.convalidated AS validated,
    (SELECT p.conrelid::regclass::text || '.' || p.conname
     FROM pg_constraint p WHERE p.oid = con.conparentid) AS parent,
    con.conislocal AS local,
    con.coninhcount AS inherited_count,
    obj_description(con.oid, 'pg_constraint') AS comment
FROM pg_constraint con
WHERE con.conrelid IN ({_USER_RELATIONS})
"""

INDEXES_SQL = f"""
SELECT
    i.indrelid::regclass::text AS relation,
    i.indexrelid::regclass::text AS name,
    pg_get_indexdef(i.indexrelid) AS definition,
    i.indisunique AS is_unique,
    i.indisprimary AS is_primary,
    i.indisvalid AS valid,
    i.indisclustered AS clustered,
    (SELECT inh.inhparent::regclass::text FROM pg_inherits inh WHERE inh.inhrelid = i.indexrelid) AS parent,
    obj_description(i.indexrelid, 'pg_class') AS comment
FROM pg_index i
WHERE i.indrelid IN ({_USER_RELATIONS})
"""

TRIGGERS_SQL = f"""
SELECT
    t.tgrelid::regclass::text AS relation,
    t.tgname AS name,
    pg_get_triggerdef(t.oid) AS definition,
    t.tgenabled AS enabled,
    (SELECT p.tgrelid::regclass::text || '.' || p.tgname
     FROM pg_trigger p WHERE p.oid = t.tgparentid) AS parent,
    obj_description(t.oid, 'pg_trigger') AS comment
FROM pg_trigger t
WHERE t.tgrelid IN ({_USER_RELATIONS}) AND NOT t.tgisinternal
"""

TYPES_SQL = """
SELECT
    t.oid::regtype::text AS name,
    t.typtype AS kind,
    CASE WHEN t.typtype = 'e' THEN
        ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder)
    END AS labels,
    CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END AS base_type,
    CASE WHEN t.typtype = 'd' THEN t.typnotnull END AS not_null,
    t.typdefault AS "default",
    CASE WHEN t.typtype = 'd' AND t.typcollation <> bt.typcollation
        THEN t.typcollation::regcollation::text END AS collation,
    CASE WHEN t.typtype = 'd' THEN
        (SELECT jsonb_object_agg(con.conname, pg_get_constraintdef(con.oid))
         FROM pg_constraint con WHERE con.contypid = t.oid)
    END AS constraints,
    obj_description(t.oid, 'pg_type') AS comment
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_type bt ON bt.oid = t.typbasetype
WHERE n.nspname = ANY(%(schemas)s)
  AND t.typtype IN ('e', 'd')
  AND NOT EXISTS (
      SELECT FROM pg_depend d
      WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e'
  )
"""

FUNCTIONS_SQL = """
SELECT
    p.oid::regprocedure::text AS name,
    p.prokind AS kind,
    pg_get_function_arguments(p.oid) AS arguments,
    pg_get_function_result(p.oid) AS result,
    l.lanname AS language,
    CASE WHEN p.prokind <> 'a' THEN pg_get_functiondef(p.oid) END AS definition,
    obj_description(p.oid, 'pg_proc') AS comment
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
WHERE n.nspname = ANY(%(schemas)s)
  AND NOT EXISTS (
      SELECT FROM pg_depend d
      WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
  )
"""

RELATION_KINDS = {
    "r": "table",
    "p": "partitioned table",
    "v": "view",
    "m": "materialized view",
    "S": "sequence",
    "f": "foreign table",
}
PERSISTENCE = {"p": "permanent", "u": "unlogged", "t": "temporary"}
REPLICA_IDENTITY = {"d": "default", "n": "nothing", "f": "full", "i": "index"}
IDENTITY = {"a": "always", "d": "by default"}
CONSTRAINT_TYPES = {
    "c": "check",
    "f": "foreign key",
    "n": "not null",
    "p": "primary key",
    "u": "unique",
    "t": "constraint trigger",
    "x": "exclusion",
}
TRIGGER_ENABLED = {"O": "origin", "D": "disabled", "R": "replica", "A": "always"}
TYPE_KINDS = {"e": "enum", "d": "domain"}
FUNCTION_KINDS = {"f": "function", "p": "procedure", "a": "aggregate", "w": "window function"}

# Per-relation sub-mappings: the label of their entries and whether diff lines prefix the relation name.
RELATION_CHILDREN = {
    "columns": ("column", True),
    "constraints": ("constraint", True),
    "indexes": ("index", False),
    "triggers": ("trigger", True),
}
SECTION_LABELS = {
    "schemas": "schema",
    "extensions": "extension",
    "relations": "relation",
    "types": "type",
    "functions": "function",
}

Entry = dict[str, Any]


class Catalog(TypedDict):
    """Per section, object name → attributes; relations nest columns, constraints, indexes and triggers."""

    schemas: dict[str, Entry]
    extensions: dict[str, Entry]
    relations: dict[str, Entry]
    types: dict[str, Entry]
    functions: dict[str, Entry]


def snapshot(conn: psycopg.Connection, schemas: Sequence[str] = ("public",)) -> Catalog:
    """The catalog of the given schemas (extension-owned objects left out), sorted and JSON-serialisable."""
    wanted = sorted(set(schemas))
    if system := SYSTEM_SCHEMAS.intersection(wanted):
        raise ValueError(f"system schemas cannot be snapshotted: {', '.join(sorted(system))}")
    params = {"schemas": wanted}
    with _stable_output(conn):
        cur = conn.cursor(row_factory=dict_row)

        def rows(query: str) -> list[dict[str, Any]]:
            return cur.execute(query, params).fetchall()

        relations = {row["name"]: _relation(row) for row in rows(RELATIONS_SQL)}
        for section, query, build in (
            ("columns", COLUMNS_SQL, _column),
            ("constraints", CONSTRAINTS_SQL, _constraint),
            ("indexes", INDEXES_SQL, _index),
            ("triggers", TRIGGERS_SQL, _trigger),
        ):
            for row in rows(query):
                relations[row.pop("relation")][section][row.pop("name")] = build(row)
        catalog: dict[str, dict[str, Entry]] = {
            "schemas": {row.pop("name"): row for row in rows(SCHEMAS_SQL)},
            "extensions": {row.pop("name"): row for row in rows(EXTENSIONS_SQL)},
            "relations": relations,
            "types": {row.pop("name"): _type(row) for row in rows(TYPES_SQL)},
            "functions": {row.pop("name"): _function(row) for row in rows(FUNCTIONS_SQL)},
        }
    return cast(Catalog, _sorted(catalog))


def diff(a: Catalog | Mapping[str, Any], b: Catalog | Mapping[str, Any]) -> list[str]:
    """Readable, sorted lines, one per difference between catalogs a and b; empty when they are equal."""
    lines: list[str] = []
    for section in sorted(a.keys() | b.keys()):
        label = SECTION_LABELS.get(section, section)
        children = RELATION_CHILDREN if section == "relations" else {}
        _diff_entries(lines, label, "", a.get(section, {}), b.get(section, {}), children)
    return sorted(lines)


def assert_catalog_equal(a: Catalog | Mapping[str, Any], b: Catalog | Mapping[str, Any]) -> None:
    """Fail with the first differences (A is the first catalog, B the second) unless a equals b."""
    lines = diff(a, b)
    if not lines:
        return
    shown = lines[:MAX_REPORTED_LINES]
    more = len(lines) - len(shown)
    report = "\n".join(f"  {line}" for line in shown)
    tail = f"\n  ... and {more} more" if more else ""
    raise AssertionError(f"the catalogs differ in {len(lines)} ways:\n{report}{tail}")


def assert_same_catalog(
    conn_a: psycopg.Connection, conn_b: psycopg.Connection, schemas: Sequence[str] = ("public",)
) -> None:
    """Fail unless the two databases have the same catalog in the given schemas."""
    assert_catalog_equal(snapshot(conn_a, schemas), snapshot(conn_b, schemas))


def row_counts(conn: psycopg.Connection, tables: Iterable[str]) -> dict[str, int]:
    """The number of rows of each table (`name` or `schema.name`), counted in one query."""
    names = sorted(set(tables))
    if not names:
        return {}
    counts = sql.SQL(", ").join(sql.SQL("(SELECT count(*) FROM {})").format(_table(name)) for name in names)
    row = conn.execute(sql.SQL("SELECT {}").format(counts)).fetchone()
    assert row is not None
    return dict(zip(names, row, strict=True))


def table_rows(
    conn: psycopg.Connection,
    table: str,
    order_by: str | Sequence[str],
    columns: Sequence[str] | None = None,
) -> list[tuple[Any, ...]]:
    """All rows of a table, ordered by the given columns.

    Without `columns` a row holds every column in physical order (`SELECT *`); name the columns to
    compare rows across databases whose column order differs.
    """
    keys = [order_by] if isinstance(order_by, str) else list(order_by)
    selected = sql.SQL("*") if columns is None else sql.SQL(", ").join(map(sql.Identifier, columns))
    query = sql.SQL("SELECT {} FROM {} ORDER BY {}").format(
        selected, _table(table), sql.SQL(", ").join(map(sql.Identifier, keys))
    )
    return conn.execute(query).fetchall()


@contextmanager
def _stable_output(conn: psycopg.Connection) -> Iterator[None]:
    """Fix the settings that shape catalog text for the block, then restore the session's own values."""
    names = list(OUTPUT_SETTINGS)
    saved = dict(conn.execute(SAVE_SETTINGS_SQL, {"names": names}).fetchall())
    conn.execute(SET_SETTINGS_SQL, {"names": names, "values": list(OUTPUT_SETTINGS.values())})
    try:
        yield
    finally:
        # A failed transaction rolls the settings back by itself (and accepts no more queries).
        if conn.info.transaction_status != TransactionStatus.INERROR:
            conn.execute(SET_SETTINGS_SQL, {"names": names, "values": [saved[name] for name in names]})


def _relation(row: dict[str, Any]) -> Entry:
    sequence = None
    if row["kind"] == "S":
        sequence = {
            "type": row["sequence_type"],
            "start": row["seqstart"],
            "increment": row["seqincrement"],
            "min": row["seqmin"],
            "max": row["seqmax"],
            "cache": row["seqcache"],
            "cycle": row["seqcycle"],
        }
    return {
        "kind": RELATION_KINDS[row["kind"]],
        "persistence": PERSISTENCE[row["persistence"]],
        "partition_key": row["partition_key"],
        "partition_of": row["partition_of"],
        "partition_bound": row["partition_bound"],
        "inherits": row["inherits"],
        "definition": row["definition"],
        "populated": row["populated"],
        "options": row["options"],
        "row_security": row["row_security"],
        "force_row_security": row["force_row_security"],
        "replica_identity": REPLICA_IDENTITY[row["replica_identity"]],
        "comment": row["comment"],
        "sequence": sequence,
        "owned_by": row["owned_by"],
        **{child: {} for child in RELATION_CHILDREN},
    }


def _column(row: dict[str, Any]) -> Entry:
    generated = bool(row["generated"])
    return {
        "type": row["type"],
        "not_null": row["not_null"],
        "default": None if generated else _squash(row["expression"]),
        "generated": _squash(row["expression"]) if generated else None,
        "identity": IDENTITY.get(row["identity"]),
        "collation": row["collation"],
        "comment": row["comment"],
    }


def _constraint(row: dict[str, Any]) -> Entry:
    is_clone = row["parent"] is not None
    return {
        "type": CONSTRAINT_TYPES.get(row["type"], row["type"]),
        # The validation state is its own entry; clones may not share it (see `validated`).
        "definition": row["definition"].removesuffix(" NOT VALID"),
        "deferrable": row["deferrable"],
        "deferred": row["deferred"],
        # PG 15 leaves the clones of an FK that references a partitioned table NOT VALID after
        # VALIDATE CONSTRAINT on their parent, so only a parent's own state is compared.
        "validated": None if is_clone else row["validated"],
        "parent": row["parent"],
        "local": row["local"],
        "inherited_count": row["inherited_count"],
        "comment": row["comment"],
    }


def _index(row: dict[str, Any]) -> Entry:
    return {
        "definition": row["definition"],
        "unique": row["is_unique"],
        "primary": row["is_primary"],
        "valid": row["valid"],
        "clustered": row["clustered"],
        "parent": row["parent"],
        "comment": row["comment"],
    }


def _trigger(row: dict[str, Any]) -> Entry:
    return {
        "definition": row["definition"],
        "enabled": TRIGGER_ENABLED.get(row["enabled"], row["enabled"]),
        "parent": row["parent"],
        "comment": row["comment"],
    }


def _type(row: dict[str, Any]) -> Entry:
    return {**row, "kind": TYPE_KINDS[row["kind"]]}


def _function(row: dict[str, Any]) -> Entry:
    return {
        **row,
        "kind": FUNCTION_KINDS.get(row["kind"], row["kind"]),
        "definition": _squash(row["definition"]),
    }


def _squash(text: str | None) -> str | None:
    """Whitespace runs collapsed to one space, so only layout-independent differences count."""
    return None if text is None else " ".join(text.split())


def _sorted(value: Any) -> Any:
    """Dicts rebuilt with sorted keys, all the way down (lists keep their order: it is meaningful)."""
    if isinstance(value, dict):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted(item) for item in value]
    return value


def _table(name: str) -> sql.Identifier:
    return sql.Identifier(*name.split("."))


def _diff_entries(
    lines: list[str],
    label: str,
    prefix: str,
    a: Mapping[str, Entry],
    b: Mapping[str, Entry],
    children: Mapping[str, tuple[str, bool]],
) -> None:
    for key in sorted(a.keys() | b.keys()):
        name = prefix + key
        if key not in b:
            lines.append(f"{_label(a[key], label)} {name}: only in A")
        elif key not in a:
            lines.append(f"{_label(b[key], label)} {name}: only in B")
        else:
            _diff_entry(lines, _label(a[key], label), name, a[key], b[key], children)


def _diff_entry(
    lines: list[str], label: str, name: str, a: Entry, b: Entry, children: Mapping[str, tuple[str, bool]]
) -> None:
    for attr in sorted(a.keys() | b.keys()):
        if attr in children:
            child_label, qualified = children[attr]
            prefix = f"{name}." if qualified else ""
            _diff_entries(lines, child_label, prefix, a.get(attr, {}), b.get(attr, {}), {})
        elif a.get(attr) != b.get(attr):
            shown_a, shown_b = _show_pair(a.get(attr), b.get(attr))
            lines.append(f"{label} {name}: {attr} {shown_a} ≠ {shown_b}")


def _label(entry: Entry, default: str) -> str:
    kind = entry.get("kind")
    return kind if isinstance(kind, str) else default


def _show(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, str):
        # One difference, one line: line breaks are shown escaped.
        return value.translate(LINE_BREAK_ESCAPES)
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _show_pair(a: Any, b: Any) -> tuple[str, str]:
    """Both values as text; long ones cut to a window around where they start to differ."""
    text_a, text_b = _show(a), _show(b)
    if max(len(text_a), len(text_b)) <= MAX_SHOWN_CHARS:
        return text_a, text_b
    same = next(
        (i for i, (x, y) in enumerate(zip(text_a, text_b, strict=False)) if x != y),
        min(len(text_a), len(text_b)),
    )
    start = max(same - SHOWN_CONTEXT_CHARS, 0)

    def window(text: str) -> str:
        end = start + MAX_SHOWN_CHARS
        return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")

    return window(text_a), window(text_b)
