"""Shared fixtures: one real PostgreSQL cluster per session and a fresh database per test."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from schemagen.database.cluster import DatabaseError, ThrowawayCluster
from schemagen.database.live import connect

if TYPE_CHECKING:
    import psycopg

REPO_ROOT = Path(__file__).resolve().parents[1]
MAX_IDENTIFIER_BYTES = 63


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[ThrowawayCluster]:
    """One throwaway cluster for the whole session; failing to start is an error, never a skip."""
    cluster = ThrowawayCluster()
    try:
        cluster.start()
    except DatabaseError as exc:
        pytest.fail(f"the PostgreSQL test cluster did not start: {exc}", pytrace=False)
    yield cluster
    cluster.stop()


def database_name(node_id: str) -> str:
    """A valid, unique database name for a test: readable tail of its node id plus a hash of all of it."""
    digest = hashlib.sha1(node_id.encode()).hexdigest()[:8]
    slug = re.sub(r"[^a-z0-9]+", "_", node_id.lower()).strip("_")
    room = MAX_IDENTIFIER_BYTES - len("t__") - len(digest)
    # The tail holds the test name, which says more than the directory prefix.
    return f"t_{slug[-room:].lstrip('_')}_{digest}"


@pytest.fixture
def pg_dsn(pg_cluster: ThrowawayCluster, request: pytest.FixtureRequest) -> Iterator[str]:
    """A dsn to an empty database of its own, dropped after the test."""
    name = database_name(request.node.nodeid)
    dsn = pg_cluster.create_database(name)
    yield dsn
    pg_cluster.drop_database(name)


@pytest.fixture
def pg_conn(pg_dsn: str) -> Iterator[psycopg.Connection]:
    """An autocommit connection to the test's own database."""
    conn = connect(pg_dsn, autocommit=True)
    yield conn
    conn.close()
