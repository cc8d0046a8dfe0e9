"""The owner and grants of a view, sequence, function or schema brought from one state to another,
once everything they name exists: REVOKE what goes (only the grant option where the privilege stays),
then GRANT what comes; no lock on any table but a relation's brief one for its new owner."""

from __future__ import annotations

from schemagen.model.access import grants_from_pairs
from schemagen.model.object_access import OBJECT_PRIVILEGES
from schemagen.plan import steps
from schemagen.plan.changes import ChangeObjectAccess
from schemagen.plan.operations import Kind, Operation, Phase, Step

__all__ = ["change_object_access"]


def change_object_access(change: ChangeObjectAccess) -> Operation:
    target, old, new = change.target, change.old, change.new
    order = OBJECT_PRIVILEGES[target.kind]
    up: list[Step] = []
    what: list[str] = []
    if old.owner != new.owner:
        up.append(steps.set_object_owner(target, new.owner or "current_user"))
        what.append(f"owner {new.owner or 'the migrating role'}")
    before, after = old.held_pairs(target.kind, target.name), new.held_pairs(target.kind, target.name)
    held_after = {(r, p) for r, p, _ in after}
    revoke = {(r, p, False) for r, p, _ in before if (r, p) not in held_after}
    option_only = {
        (r, p, False) for r, p, o in before if o and (r, p) in held_after and (r, p, True) not in after
    }
    granted = [
        *(steps.revoke_object(target, g) for g in grants_from_pairs(revoke, order)),
        *(steps.revoke_object(target, g, option_only=True) for g in grants_from_pairs(option_only, order)),
        *(steps.grant_object(target, g) for g in grants_from_pairs(after - before, order)),
    ]
    if granted:
        up += granted
        what.append("grants")
    return Operation(
        Kind.CHANGE_OBJECT_ACCESS,
        f"{target.schema}.{target.label}" if target.kind != "schema" else target.name,
        f"access to {target.kind} {target.label}: {'; '.join(what)}",
        tuple(up),
        order=Phase.ACCESS,
        source=change,
    )
