"""The catalog queries every inspection sends, sent as soon as the connection is open.

An inspection reads the catalog with two dozen queries, and before it can use their rows it imports
what turns them into a Model (the Model's classes, pglast, the spec writer). `Prefetch` sends those
queries on a thread of its own, in the order the reader would, so the server answers them while this
process imports the rest; the reader then takes each query's rows from it instead of sending the query
again (`take`), provided it asks with the same parameters. A query it asks otherwise, or one the
prefetch does not send (those that depend on what the rows hold: roles, pg_partman's settings, Citus
metadata…), the reader sends itself.

Only psycopg and the packaged queries are imported here: this module is what runs before the rest is
imported.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
from psycopg.rows import dict_row

from schemagen.database.queries import query

__all__ = ["HISTORY_SCHEMA", "KEYS_15", "Prefetch"]

#: The first PostgreSQL whose catalog `inspect_keys_15` reads (what version 15 added to keys).
KEYS_15 = 15
#: The schema of `migrate apply`'s history table: schemagen's own, left out unless asked for.
HISTORY_SCHEMA = "schemagen"

Row = dict[str, Any]
Key = tuple[str, tuple[tuple[str, Any], ...]]

# What the reader (`CatalogReader.read`) always sends, in its order, by the parameter each takes: the
# schemas read, or the oids of their relations.
_FIRST = ("inspect_database", "inspect_schemas", "inspect_extensions")
_BY_SCHEMA = (
    "inspect_enums",
    "inspect_domains",
    "inspect_composite_types",
    "inspect_range_types",
    "inspect_sequences",
)
_BY_RELATION = ("inspect_columns", "inspect_constraints", "inspect_exclusions", "inspect_indexes")
_THEN_BY_RELATION = ("inspect_access", "inspect_policy_definitions")
_THEN_BY_SCHEMA = (
    "inspect_functions",
    "inspect_triggers",
    "inspect_policies",
    "inspect_rules",
    "inspect_types",
    "inspect_other_acls",
    "inspect_identity_access",
    "inspect_object_access",
    "inspect_default_privileges",
)


def _key(name: str, params: dict[str, Any]) -> Key:
    return name, tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))


class Prefetch:
    """The rows of the queries every inspection sends, read on a thread from `conn` (inside the
    caller's transaction, which must not use `conn` until `wait` returns)."""

    def __init__(
        self, conn: psycopg.Connection[Any], schemas: Sequence[str] | None, settings: Mapping[str, str]
    ) -> None:
        """`schemas`: those asked for, sorted, or None for every user schema but schemagen's own;
        `settings`: set for the rest of the transaction first (`inspect_settings`)."""
        self._results: dict[Key, list[Row]] = {}
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(conn, schemas, settings), daemon=True)
        self._thread.start()

    def _run(
        self, conn: psycopg.Connection[Any], requested: Sequence[str] | None, settings: Mapping[str, str]
    ) -> None:
        try:
            cur = conn.cursor(row_factory=dict_row)
            cur.execute(
                query("inspect_settings"), {"names": list(settings), "values": list(settings.values())}
            )

            def fetch(name: str, **params: Any) -> list[Row]:
                rows = cur.execute(query(name), params or None).fetchall()
                self._results[_key(name, params)] = rows
                return rows

            found = [fetch(name) for name in _FIRST][1]
            schemas = (
                list(requested)
                if requested is not None
                else [row["name"] for row in found if row["name"] != HISTORY_SCHEMA]
            )
            for name in _BY_SCHEMA:
                fetch(name, schemas=schemas)
            oids = [row["oid"] for row in fetch("inspect_relations", schemas=schemas)]
            for name in _BY_RELATION:
                fetch(name, relations=oids)
            if conn.info.server_version >= KEYS_15 * 10000:
                fetch("inspect_keys_15", relations=oids)
            for name in _THEN_BY_SCHEMA:
                fetch(name, schemas=schemas)
            for name in _THEN_BY_RELATION:
                fetch(name, relations=oids)
        except BaseException as error:  # raised again by `wait`, in the caller's thread
            self._error = error

    def join(self) -> None:
        """Return once every query is answered (or one failed)."""
        self._thread.join()

    def wait(self) -> None:
        """Return once every query is answered; raise what one of them raised."""
        self.join()
        if self._error is not None:
            raise self._error

    def take(self, name: str, params: dict[str, Any]) -> list[Row] | None:
        """The rows of query `name` sent with `params`, once; None when it was not sent so."""
        return self._results.pop(_key(name, params), None)
