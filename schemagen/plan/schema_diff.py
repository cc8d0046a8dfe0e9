"""Declared schemas (`project.schemas`): dropped when no longer declared nor used, their comments set."""

from __future__ import annotations

from collections.abc import Iterator

from schemagen.model import Model
from schemagen.plan.changes import Change, Comment, DropSchema


def schema_changes(a: Model, b: Model) -> Iterator[Change]:
    """What takes the declared schemas of `a` to `b` (a schema either version's objects live in is
    created with them, as before): a schema `a` declared that `b` neither declares nor uses is
    dropped, once empty (RESTRICT); the comment of each schema `b` has is set or removed."""
    declared = {s.name for s in a.project.schemas}
    for name in sorted(a.used_schemas - b.used_schemas - {"public"}):
        if name in declared:
            yield DropSchema(name)
    old, new = a.schema_comments, b.schema_comments
    for name in sorted(b.used_schemas):
        if old.get(name) != new.get(name) and (name in new or name in a.used_schemas):
            yield Comment("SCHEMA", (name,), new.get(name))
