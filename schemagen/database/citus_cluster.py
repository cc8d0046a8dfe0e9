"""A throwaway Citus cluster on this machine: a coordinator and workers, each a throwaway PostgreSQL
cluster with Citus preloaded, talking over unix sockets.

Built once (about 15 s), then each caller gets a database of its own in a second or two: every node
holds a template database with the `citus` extension (and, on the coordinator, the workers registered),
frozen so it can be cloned; `create_database` clones it on every node, since Citus connects to the
database of the same name on each worker. Used by the tests of distributed schemas; needs `citus.so`
in the server's library directory (`scripts/install-citus` builds it).
"""

from __future__ import annotations

import time
from types import TracebackType
from typing import Self

import psycopg
from psycopg import sql

from schemagen.database.cluster import DatabaseError, ThrowawayCluster, connect, first_line
from schemagen.database.queries import composed, query

TEMPLATE = "citus_template"
WORKERS = 2
DROP_ATTEMPTS = 10
CITUS_SETTINGS = {
    "shared_preload_libraries": "'citus'",
    # create_distributed_table_concurrently and shard moves replicate logically
    "wal_level": "logical",
    # Citus starts one maintenance worker per database per node; tests hold several databases at once
    "max_worker_processes": "32",
    "max_connections": "200",
    # Citus connects back to its own node by this name: the socket directory, not localhost over TCP
    "citus.local_hostname": "'{directory}'",
}


class CitusCluster:
    """A coordinator and `workers` workers; a context manager, or call start() and stop()."""

    def __init__(self, workers: int = WORKERS) -> None:
        self.coordinator = self._node()
        self.workers = [self._node() for _ in range(workers)]

    @staticmethod
    def _node() -> ThrowawayCluster:
        return ThrowawayCluster(settings=CITUS_SETTINGS)

    @property
    def nodes(self) -> list[ThrowawayCluster]:
        return [self.coordinator, *self.workers]

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> Self:
        """Start every node and build the template; raises DatabaseError (no Citus, a node that fails)."""
        try:
            for node in self.nodes:
                node.start()
                self._allow_citus_output_plugin(node)
            for node in self.nodes:
                self._admin(
                    node,
                    composed(
                        "citus_create_database",
                        database=sql.Identifier(TEMPLATE),
                        template=sql.Identifier("template0"),
                    ),
                )
                with connect(node.dsn(TEMPLATE), autocommit=True) as conn:
                    conn.execute(query("citus_create_extension"))
            with connect(self.coordinator.dsn(TEMPLATE), autocommit=True) as conn:
                conn.execute(query("citus_set_coordinator"), self._address(self.coordinator))
                for worker in self.workers:
                    conn.execute(query("citus_add_node"), self._address(worker))
            for node in self.nodes:
                self._admin(node, composed("citus_freeze_template", database=sql.Identifier(TEMPLATE)))
                with connect(node.dsn(), autocommit=True) as conn:
                    conn.execute(query("citus_disconnect"), {"database": TEMPLATE})
        except psycopg.Error as exc:
            self.stop()
            raise DatabaseError(f"the Citus cluster did not start: {first_line(exc)}") from exc
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()

    def create_database(self, name: str) -> str:
        """A database of its own on every node, ready for distributed tables; the coordinator's dsn."""
        statement = composed(
            "citus_create_database", database=sql.Identifier(name), template=sql.Identifier(TEMPLATE)
        )
        for node in self.nodes:
            self._admin(node, statement)
        return self.coordinator.dsn(name)

    def drop_database(self, name: str) -> None:
        """On every node. `WITH (FORCE)` can still find a session it cannot end at once (seen after
        `citus_schema_distribute` failed in a transaction): such a drop is tried again for a few seconds."""
        statement = composed("database_drop", database=sql.Identifier(name))
        for node in self.nodes:
            for attempt in range(DROP_ATTEMPTS):
                try:
                    self._admin(node, statement)
                    break
                except psycopg.errors.ObjectInUse:
                    if attempt == DROP_ATTEMPTS - 1:
                        raise
                    time.sleep(0.5)

    @staticmethod
    def _allow_citus_output_plugin(node: ThrowawayCluster) -> None:
        """Lets the node's replication connections load Citus's output plugin, which distributing a table
        concurrently and moving shards use, where the server restricts them (`output_plugin_libraries`;
        it cannot go in the configuration file of a server that does not know it)."""
        with connect(node.dsn(), autocommit=True) as conn:
            row = conn.execute(query("citus_output_plugins")).fetchone()
            if row is None or "citus" in (name.strip() for name in str(row[0]).split(",")):
                return
            conn.execute(query("citus_allow_output_plugin"))
            conn.execute(query("reload_configuration"))

    @staticmethod
    def _address(node: ThrowawayCluster) -> dict[str, object]:
        return {"host": str(node.directory), "port": node.port}

    @staticmethod
    def _admin(node: ThrowawayCluster, statement: sql.Composed) -> None:
        with connect(node.dsn(), autocommit=True) as conn:
            conn.execute(statement)
