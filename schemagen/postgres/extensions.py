"""The extension names schemagen knows: those PostgreSQL 15 ships (its contrib modules, procedural
languages and their transforms) and well-known ones of others (PostGIS, TimescaleDB, Citus, pg_partman,
pg_cron, pgvector's `vector`…), read from the packaged `schemagen/data/extensions.txt`."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

__all__ = ["known_extensions"]


@cache
def known_extensions() -> frozenset[str]:
    text = (files("schemagen") / "data" / "extensions.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))
