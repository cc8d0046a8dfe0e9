"""Snapshot and compare the PostgreSQL catalog of user schemas.

Two databases built differently (one by replaying migrations, one from schema.sql) are the same schema
when their catalogs are equal. `snapshot` reads that catalog into plain, sorted, JSON-serialisable
dicts; `diff` lists the differences as readable lines. `check --live` and the migration tests share it.

Names are regclass/regtype text with search_path fixed to `public`: unqualified for public objects,
schema-qualified for the others. Column order is ignored (columns are a mapping), but every name counts,
including those PostgreSQL picks for partition indexes and constraint clones. The queries are the
packaged `sql/<kind>.sql` files.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, NotRequired, TypedDict, cast

import psycopg
from psycopg import sql
from psycopg.pq import TransactionStatus
from psycopg.rows import dict_row

from schemagen.database.queries import composed, query

__all__ = [
    "Catalog",
    "diff",
    "row_counts",
    "snapshot",
    "table_rows",
    "user_schemas",
]

SYSTEM_SCHEMAS = frozenset({"pg_catalog", "information_schema", "pg_toast"})
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
TYPE_KINDS = {"e": "enum", "d": "domain", "c": "composite", "r": "range"}
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
    "distribution": "distribution of",
}

Entry = dict[str, Any]


class Catalog(TypedDict):
    """Per section, object name → attributes; relations nest columns, constraints, indexes and triggers."""

    schemas: dict[str, Entry]
    extensions: dict[str, Entry]
    relations: dict[str, Entry]
    types: dict[str, Entry]
    functions: dict[str, Entry]
    # on a Citus coordinator holding distributed or reference tables: where each is kept
    distribution: NotRequired[dict[str, Entry]]


def snapshot(conn: psycopg.Connection, schemas: Sequence[str] = ("public",)) -> Catalog:
    """The catalog of the given schemas (extension-owned objects left out), sorted and JSON-serialisable."""
    wanted = sorted(set(schemas))
    if system := SYSTEM_SCHEMAS.intersection(wanted):
        raise ValueError(f"system schemas cannot be snapshotted: {', '.join(sorted(system))}")
    with _stable_output(conn):
        cur = conn.cursor(row_factory=dict_row)

        def rows(name: str, **params: Any) -> list[dict[str, Any]]:
            return cur.execute(query(name), {"schemas": wanted, **params}).fetchall()

        found = rows("relations")
        relations = {row["name"]: _relation(row) for row in found}
        oids = [row["oid"] for row in found]
        for section, build in (
            ("columns", _column),
            ("constraints", _constraint),
            ("indexes", _index),
            ("triggers", _trigger),
        ):
            for row in rows(section, relations=oids):
                relations[row.pop("relation")][section][row.pop("name")] = build(row)
        catalog: dict[str, dict[str, Entry]] = {
            "schemas": {row.pop("name"): row for row in rows("schemas")},
            "extensions": {row.pop("name"): row for row in rows("extensions")},
            "relations": relations,
            "types": {row.pop("name"): _type(row) for row in rows("types")},
            "functions": {row.pop("name"): _function(row) for row in rows("functions")},
        }
        citus = cur.execute(query("citus_installed")).fetchone()
        installed = citus is not None and citus["installed"]
        if installed and (distribution := {row.pop("name"): row for row in rows("distribution")}):
            catalog["distribution"] = distribution
    return cast(Catalog, _sorted(catalog))


def user_schemas(conn: psycopg.Connection) -> list[str]:
    """Every schema of the database but the system ones, sorted: what a whole-database snapshot reads."""
    return [name for (name,) in conn.execute(query("user_schemas")).fetchall()]


def diff(
    a: Catalog | Mapping[str, Any], b: Catalog | Mapping[str, Any], sides: tuple[str, str] | None = None
) -> list[str]:
    """Readable, sorted lines, one per difference between catalogs a and b; empty when they are equal.

    Lines say "only in A" / "only in B"; with `sides`, they name the two sides instead, and a changed
    value is followed by its side's name in parentheses.
    """
    first: Mapping[str, Any] = a
    second: Mapping[str, Any] = b
    lines: list[str] = []
    for section in sorted(first.keys() | second.keys()):
        label = SECTION_LABELS.get(section, section)
        children = RELATION_CHILDREN if section == "relations" else {}
        _diff_entries(lines, label, "", first.get(section, {}), second.get(section, {}), children, sides)
    return sorted(lines)


def row_counts(conn: psycopg.Connection, tables: Iterable[str]) -> dict[str, int]:
    """The number of rows of each table (`name` or `schema.name`), counted in one query."""
    names = sorted(set(tables))
    if not names:
        return {}
    counts = sql.SQL(", ").join(composed("row_count", table=_table(name)) for name in names)
    row = conn.execute(composed("row_counts", counts=counts)).fetchone()
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
    order = sql.SQL(", ").join(map(sql.Identifier, keys))
    if columns is None:
        return conn.execute(composed("table_rows_all_columns", table=_table(table), order=order)).fetchall()
    selected = sql.SQL(", ").join(map(sql.Identifier, columns))
    return conn.execute(composed("table_rows", columns=selected, table=_table(table), order=order)).fetchall()


@contextmanager
def _stable_output(conn: psycopg.Connection) -> Iterator[None]:
    """Fix the settings that shape catalog text for the block, then restore the session's own values."""
    names = list(OUTPUT_SETTINGS)
    saved: dict[str, str] = dict(conn.execute(query("settings_save"), {"names": names}).fetchall())
    conn.execute(query("settings_set"), {"names": names, "values": list(OUTPUT_SETTINGS.values())})
    try:
        yield
    finally:
        # A failed transaction rolls the settings back by itself (and accepts no more queries).
        if conn.info.transaction_status != TransactionStatus.INERROR:
            conn.execute(query("settings_set"), {"names": names, "values": [saved[name] for name in names]})


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
        "replica_index": row["replica_index"],
        "acl": row["acl"],
        "owner": row["owner"],
        "policies": row["policies"],
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
    sides: tuple[str, str] | None,
) -> None:
    side_a, side_b = sides or ("A", "B")
    for key in sorted(a.keys() | b.keys()):
        name = prefix + key
        if key not in b:
            lines.append(f"{_label(a[key], label)} {name}: only in {side_a}")
        elif key not in a:
            lines.append(f"{_label(b[key], label)} {name}: only in {side_b}")
        else:
            _diff_entry(lines, _label(a[key], label), name, a[key], b[key], children, sides)


def _diff_entry(
    lines: list[str],
    label: str,
    name: str,
    a: Entry,
    b: Entry,
    children: Mapping[str, tuple[str, bool]],
    sides: tuple[str, str] | None,
) -> None:
    for attr in sorted(a.keys() | b.keys()):
        if attr in children:
            child_label, qualified = children[attr]
            prefix = f"{name}." if qualified else ""
            _diff_entries(lines, child_label, prefix, a.get(attr, {}), b.get(attr, {}), {}, sides)
        elif a.get(attr) != b.get(attr):
            shown_a, shown_b = _show_pair(a.get(attr), b.get(attr))
            if sides:
                shown_a, shown_b = f"{shown_a} ({sides[0]})", f"{shown_b} ({sides[1]})"
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
