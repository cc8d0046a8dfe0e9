"""A real Citus cluster for the tests of distributed schemas: a coordinator and two workers started
once per session (needs `citus.so`: `scripts/install-citus` builds it, and `scripts/test` runs that),
and a database of its own on every node for each test."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from schemagen.database.citus_cluster import CitusCluster
from schemagen.database.cluster import DatabaseError
from schemagen.database.live import connect
from schemagen.postgres.expressions import split_statements
from tests.conftest import database_name


@pytest.fixture(scope="session")
def citus_cluster() -> Iterator[CitusCluster]:
    """Failing to start is an error, never a skip: these tests run wherever the suite runs."""
    cluster = CitusCluster()
    try:
        cluster.start()
    except DatabaseError as exc:
        pytest.fail(f"the Citus test cluster did not start: {exc}", pytrace=False)
    yield cluster
    cluster.stop()


@pytest.fixture
def citus_dsn(citus_cluster: CitusCluster, request: pytest.FixtureRequest) -> Iterator[str]:
    """The coordinator's dsn of a database of the test's own, dropped after it."""
    name = database_name(request.node.nodeid)
    dsn = citus_cluster.create_database(name)
    yield dsn
    citus_cluster.drop_database(name)


@pytest.fixture
def citus_conn(citus_dsn: str) -> Iterator[psycopg.Connection]:
    conn = connect(citus_dsn, autocommit=True)
    yield conn
    conn.close()


@pytest.fixture
def second_citus_dsn(citus_cluster: CitusCluster, request: pytest.FixtureRequest) -> Iterator[str]:
    """The coordinator's dsn of a second database of the test's own, beside `citus_dsn`'s."""
    name = "b" + database_name(request.node.nodeid)[1:]  # own names start with "t"; still unique
    dsn = citus_cluster.create_database(name)
    yield dsn
    citus_cluster.drop_database(name)


@pytest.fixture
def second_citus_conn(second_citus_dsn: str) -> Iterator[psycopg.Connection]:
    conn = connect(second_citus_dsn, autocommit=True)
    yield conn
    conn.close()


def run_script(conn: psycopg.Connection, script: str) -> None:
    """Statement by statement in one transaction, as `psql -1 -f` sends a script: Citus propagates DDL
    to the workers by its statement's text."""
    with conn.transaction():
        for statement in split_statements(script):
            conn.execute(statement.text.encode(), prepare=False)
