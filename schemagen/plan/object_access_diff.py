"""The owner and grant changes of what is not a table: compared per object; an object the migration
creates (or drops and creates again) starts from PostgreSQL's defaults, so it gets its owner and
grants back; one it renames keeps them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Set
from dataclasses import dataclass, field

from schemagen.model import Model
from schemagen.model.object_access import (
    AccessTarget,
    ObjectAccess,
    access_targets,
    identity_columns,
    identity_target,
    routine_target,
)
from schemagen.plan.changes import ChangeObjectAccess

__all__ = ["AccessHistory", "object_access_changes"]

VIEW_KINDS = ("view", "materialized view")


@dataclass(frozen=True)
class AccessHistory:
    """`previous`: what an object kept by the migration was called before it (renamed, moved);
    `created`: the objects it creates, which start from the defaults."""

    previous: Mapping[AccessTarget, AccessTarget] = field(default_factory=dict)
    created: Set[AccessTarget] = frozenset()


def object_access_changes(
    a: Model,
    b: Model,
    recreated_views: Set[tuple[str, str]],
    history: AccessHistory = AccessHistory(),
) -> Iterator[ChangeObjectAccess]:
    before = access_targets(a)
    after = access_targets(b)
    for target in sorted(set(after) | _kept_targets(b, before, history), key=_order):
        if target.kind in VIEW_KINDS:
            fresh = (target.schema, target.name) in recreated_views or not _has_view(a, target)
        else:
            fresh = target in history.created or not _has(a, history.previous.get(target, target))
        old = ObjectAccess() if fresh else before.get(history.previous.get(target, target), ObjectAccess())
        new = after.get(target, ObjectAccess())
        if old != new:
            yield ChangeObjectAccess(target, old, new)


def _order(target: AccessTarget) -> tuple[str, str, str, str]:
    return (target.kind, target.schema, target.name, target.identity or "")


def _kept_targets(
    b: Model, before: Mapping[AccessTarget, ObjectAccess], history: AccessHistory
) -> set[AccessTarget]:
    """The objects of `b` whose access `a` set and `b` no longer does: back to the defaults."""
    renamed = {old: new for new, old in history.previous.items()}
    found = set()
    for target in before:
        now = renamed.get(target, target)
        if _has(b, now):
            found.add(now)
    return found


def _has_view(model: Model, target: AccessTarget) -> bool:
    return any(
        v.name == target.name and v.schema == target.schema and v.materialized == (target.kind != "view")
        for v in model.views
    )


def _has(model: Model, target: AccessTarget) -> bool:
    if target.kind in VIEW_KINDS:
        return _has_view(model, target)
    if target.kind == "sequence":
        return any(s.name == target.name and s.schema == target.schema for s in model.sequences) or any(
            identity_target(t, c) == target for t, c in identity_columns(model)
        )
    if target.kind == "schema":
        return target.name == "public" or target.name in model.used_schemas
    return any(routine_target(f) == target for f in model.functions)
