"""What the tests/test_objects_*.py files share: the command line (tests/commandline.py), catalog
snapshots of a set of schemas, and a digest of rows; `fresh` and `workdir` are fixtures of conftest.py."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

from schemagen.database.live import connect
from tests.catalog import Catalog, snapshot
from tests.commandline import run


def ok(*args: str) -> str:
    """The output of a command that must succeed."""
    code, out, err = run(*args)
    assert code == 0, out + err
    return out + err


def catalog(dsn: str, schemas: tuple[str, ...] = ("public",)) -> Catalog:
    with connect(dsn, autocommit=True) as conn:
        return snapshot(conn, schemas)


def applied(dsn: str, schema_sql: Path, schemas: tuple[str, ...] = ("public",)) -> Catalog:
    """The catalog `schema_sql` builds in the empty database `dsn`."""
    with connect(dsn, autocommit=True) as conn:
        conn.execute(schema_sql.read_bytes())
    return catalog(dsn, schemas)


def fingerprint(dsn: str, tables: Mapping[str, str]) -> dict[str, tuple[int, str]]:
    """Per table: the row count and a digest of the rows of the given columns, in their order."""
    found = {}
    with connect(dsn, autocommit=True) as conn:
        for table, columns in tables.items():
            rows = conn.execute(f"SELECT {columns} FROM {table} ORDER BY 1").fetchall()
            found[table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return found
