"""The catalog snapshot and diff for migration tests: `schemagen.database.catalog`, plus assertions.

A migration is right when applying it to a database at spec A yields exactly the catalog that rendering
spec B into an empty database yields. The product module reads and compares catalogs (`check --live`
uses it too); `assert_same_catalog` / `assert_catalog_equal` fail a test with its difference lines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import psycopg

from schemagen.database.catalog import Catalog, diff, row_counts, snapshot, table_rows

__all__ = [
    "Catalog",
    "assert_catalog_equal",
    "assert_same_catalog",
    "diff",
    "row_counts",
    "snapshot",
    "table_rows",
]

MAX_REPORTED_LINES = 50


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
