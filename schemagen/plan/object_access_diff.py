"""The owner and grant changes of what is not a table: compared per object; an object the migration
creates (or drops and creates again) starts from PostgreSQL's defaults, so it gets its owner and
grants back."""

from __future__ import annotations

from collections.abc import Iterator, Set

from schemagen.model import Model
from schemagen.model.object_access import ObjectAccess, access_targets
from schemagen.plan.changes import ChangeObjectAccess

__all__ = ["object_access_changes"]


def object_access_changes(a: Model, b: Model, recreated_views: Set[str]) -> Iterator[ChangeObjectAccess]:
    before = access_targets(a)
    a_views = {v.name for v in a.views}
    for target, new in access_targets(b).items():
        fresh = target.kind in ("view", "materialized view") and (
            target.name in recreated_views or target.name not in a_views
        )
        old = ObjectAccess() if fresh else before.get(target, ObjectAccess())
        if old != new:
            yield ChangeObjectAccess(target, old, new)
    after = access_targets(b)
    for target, old in before.items():
        if target in after:
            continue
        # the object stays but the spec no longer sets its access: back to the defaults
        if _kept(b, target.kind, target.name, target.schema):
            fresh = target.kind in ("view", "materialized view") and target.name in recreated_views
            if not fresh:
                yield ChangeObjectAccess(target, old, ObjectAccess())


def _kept(model: Model, kind: str, name: str, schema: str) -> bool:
    if kind in ("view", "materialized view"):
        return any(
            v.name == name and v.schema == schema and v.materialized == (kind == "materialized view")
            for v in model.views
        )
    return False
