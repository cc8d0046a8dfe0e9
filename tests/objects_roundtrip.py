"""What the tests/test_objects_*.py files share: the command line run as a user runs it, more empty
databases beside the test's own, catalog snapshots of a set of schemas, and a digest of rows."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner
from psycopg.conninfo import conninfo_to_dict

from schemagen.cli import cli
from schemagen.database.cluster import ThrowawayCluster
from schemagen.database.live import connect
from tests.catalog import Catalog, snapshot


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), prog_name="schemagen")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


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


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} is not once in {path.name}:\n{text}"
    path.write_text(text.replace(old, new))


@pytest.fixture
def fresh(pg_cluster: ThrowawayCluster, pg_dsn: str) -> Iterator[Callable[[str], str]]:
    """More empty databases beside pg_dsn's: `fresh("b")` returns its dsn; dropped afterwards."""
    base = conninfo_to_dict(pg_dsn)["dbname"]
    made: list[str] = []

    def make(letter: str) -> str:
        name = f"{letter}_{hashlib.sha1(base.encode()).hexdigest()[:16]}"
        made.append(name)
        return pg_cluster.create_database(name)

    yield make
    for name in made:
        pg_cluster.drop_database(name)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path
