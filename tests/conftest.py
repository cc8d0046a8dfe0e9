"""Shared fixtures: one real PostgreSQL cluster per session and databases of each test's own.

`pg_dsn` / `pg_conn` give a test an empty database. `pg_database(script)` gives it a database that
already holds `script` (a schema.sql, or a migration file run as the runner would): a clone of a
template database that applied the script once this session, so a schema many tests need (the
example's, the shop's) is built once, not once per test. Every database is the test's own and is
dropped after it; a template accepts no connections, so nothing can change it between clones.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from migrations import apply_sql
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from schemagen.database.cluster import DatabaseError, ThrowawayCluster
from schemagen.database.live import connect

REPO_ROOT = Path(__file__).resolve().parents[1]
# The day `drift`, `migrate baseline` and `partitions maintain` judge kept windows on, for every
# command a test runs (in-process or as a subprocess): never the wall clock. Inside the example's
# window (2024-01 to 2027-01), past the retention of its first periods.
os.environ["SCHEMAGEN_TODAY"] = "2026-06-01"
MAX_IDENTIFIER_BYTES = 63
TEMPLATE_PREFIX = "template_"
# Where the clusters the tests start (and their temp files) live when TMPDIR does not say: memory when
# it has room. Creating a database writes a few megabytes and their files: 0.3–0.5 s each on a virtual
# machine's disk even with fsync off, 0.02 s in tmpfs, and the suite creates thousands.
MEMORY_DIR = Path("/dev/shm")
MEMORY_NEEDED_BYTES = 4 << 30


def _in_memory_when_room() -> None:
    if "TMPDIR" in os.environ or not MEMORY_DIR.is_dir() or not os.access(MEMORY_DIR, os.W_OK | os.X_OK):
        return
    stats = os.statvfs(MEMORY_DIR)
    if stats.f_bavail * stats.f_frsize >= MEMORY_NEEDED_BYTES:
        os.environ["TMPDIR"] = str(MEMORY_DIR)  # inherited by the commands the tests run, too
        tempfile.tempdir = None  # gettempdir() looks again


_in_memory_when_room()


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


def database_name(node_id: str, prefix: str = "t") -> str:
    """A valid, unique database name for a test: readable tail of its node id plus a hash of all of it."""
    digest = hashlib.sha1(node_id.encode()).hexdigest()[:8]
    slug = re.sub(r"[^a-z0-9]+", "_", node_id.lower()).strip("_")
    room = MAX_IDENTIFIER_BYTES - len(f"{prefix}__") - len(digest)
    # The tail holds the test name, which says more than the directory prefix.
    return f"{prefix}_{slug[-room:].lstrip('_')}_{digest}"


class Templates:
    """Template databases, one per script, each built the first time a test asks for it."""

    def __init__(self, cluster: ThrowawayCluster) -> None:
        self.cluster = cluster
        self.built: set[str] = set()

    def holding(self, script: str) -> str:
        """The name of the template database that holds `script`, applied as `migrations.apply_sql` does."""
        name = TEMPLATE_PREFIX + hashlib.sha256(script.encode()).hexdigest()[:32]
        if name in self.built:
            return name
        dsn = self.cluster.create_database(name)
        try:
            with connect(dsn, autocommit=True) as conn:
                apply_sql(conn, script)
            self.admin(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false"), name)
        except BaseException:
            self.cluster.drop_database(name)
            raise
        self.built.add(name)
        return name

    def clone(self, template: str, name: str) -> str:
        """Create database `name` as a copy of `template`; return its dsn."""
        self.admin(sql.SQL("CREATE DATABASE {} TEMPLATE {}"), name, template)
        return self.cluster.dsn(name)

    def drop_all(self) -> None:
        for name in sorted(self.built):
            self.cluster.drop_database(name)
        self.built.clear()

    def admin(self, statement: sql.SQL, *names: str) -> None:
        with connect(self.cluster.dsn(), autocommit=True) as conn:
            conn.execute(statement.format(*(sql.Identifier(name) for name in names)))


@pytest.fixture(scope="session")
def pg_templates(pg_cluster: ThrowawayCluster) -> Iterator[Templates]:
    templates = Templates(pg_cluster)
    yield templates
    templates.drop_all()


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
    """The test's own folder as the current one, as a user's project is."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def pg_database(
    pg_cluster: ThrowawayCluster, pg_templates: Templates, request: pytest.FixtureRequest
) -> Iterator[Callable[..., psycopg.Connection]]:
    """A factory of more databases of the test's own, each dropped after it.

    `pg_database()` is an autocommit connection to a new empty database; `pg_database(script)` to a
    new database that already holds `script` (a clone of the script's template).
    """
    made: list[tuple[str, psycopg.Connection]] = []

    def make(script: str | None = None) -> psycopg.Connection:
        name = database_name(request.node.nodeid, prefix=f"d{len(made)}")
        if script is None:
            dsn = pg_cluster.create_database(name)
        else:
            dsn = pg_templates.clone(pg_templates.holding(script), name)
        conn = connect(dsn, autocommit=True)
        made.append((name, conn))
        return conn

    yield make
    for name, conn in made:
        conn.close()
        pg_cluster.drop_database(name)
