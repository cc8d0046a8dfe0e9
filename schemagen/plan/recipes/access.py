"""A table's access settings brought from one state to another: the policies that go or change are
dropped early (before the columns and functions they read can go); owner, grants, row-level security,
new policies and replica identity are set last, once everything they name exists."""

from __future__ import annotations

from schemagen.model import Table
from schemagen.model.access import (
    PRIVILEGES,
    TableAccess,
    created_policies,
    dropped_policies,
    grants_from_pairs,
    recommented_policies,
)
from schemagen.plan import steps
from schemagen.plan.changes import ChangeAccess, ChangeDefaultPrivileges, ChangeRole
from schemagen.plan.operations import Kind, Operation, Phase, Step

__all__ = ["change_access"]


def change_access(change: ChangeAccess) -> Operation:
    table, old, new = change.table, change.old, change.new
    target = f"{table.schema}.{table.name}"
    if change.drop_policies:
        names = dropped_policies(old, new)
        return Operation(
            Kind.DROP_POLICIES,
            target,
            f"drop policies of {table.name}: {', '.join(names)}",
            tuple(steps.drop_policy(table, p) for p in old.policies if p.name in names),
            order=Phase.DROP_POLICIES,
            source=change,
        )
    up: list[Step] = []
    what: list[str] = []
    if old.owner != new.owner:
        up.append(steps.set_owner(table, new.owner or "current_user"))
        what.append(f"owner {new.owner or 'the migrating role'}")
    grant_steps = _grants(table, old, new)
    if grant_steps:
        up += grant_steps
        what.append("grants")
    if (old.row_security, old.force_row_security) != (new.row_security, new.force_row_security):
        up.append(steps.set_row_security(table, new.row_security, new.force_row_security))
        what.append("row-level security " + ("on" if new.row_security else "off"))
    created = created_policies(old, new)
    for policy in created:
        up.append(steps.create_policy(table, policy))
    if created:
        what.append("policies " + ", ".join(p.name for p in created))
    recommented = recommented_policies(old, new)
    for policy in recommented:
        up.append(steps.comment("POLICY", (table.schema, table.name, policy.name), policy.comment))
    if recommented:
        what.append("comments of policies " + ", ".join(p.name for p in recommented))
    if (old.replica_identity, old.replica_index) != (new.replica_identity, new.replica_index):
        up.append(steps.set_replica_identity(table, new.replica_identity, new.replica_index))
        what.append(f"replica identity {new.replica_index or new.replica_identity}")
    return Operation(
        Kind.CHANGE_ACCESS,
        target,
        f"access to {table.name}: {'; '.join(what)}",
        tuple(up),
        order=Phase.ACCESS,
        source=change,
        atomic=True,
    )


def _grants(table: Table, old: TableAccess, new: TableAccess) -> list[Step]:
    """REVOKE what goes (only the grant option where the privilege stays), then GRANT what comes."""
    before, after = old.grant_pairs(), new.grant_pairs()
    held_before = {(r, p) for r, p, _ in before}
    held_after = {(r, p) for r, p, _ in after}
    revoke = {(r, p, False) for r, p in held_before - held_after}
    option_only = {
        (r, p, False) for r, p, o in before if o and (r, p) in held_after and (r, p, True) not in after
    }
    give = after - before
    found: list[Step] = []
    for g in grants_from_pairs(revoke):
        found.append(steps.revoke(table, g))
    for g in grants_from_pairs(option_only):
        found.append(steps.revoke(table, g, option_only=True))
    for g in grants_from_pairs(give):
        found.append(steps.grant(table, g))
    return found


def change_role(change: ChangeRole) -> Operation:
    """A role created when the cluster lacks it (else altered to the spec's attributes), and its
    memberships granted and revoked; no lock on any table."""
    old, new = change.old, change.new
    up: list[Step] = []
    if old is None:
        up.append(steps.create_role(new))
        up.append(steps.alter_role(new))  # the cluster may have had it, otherwise
    elif (old.login, old.inherit) != (new.login, new.inherit):
        up.append(steps.alter_role(new))
    before = set(old.member_of) if old is not None else set()
    up += [steps.grant_membership(new.name, p) for p in new.member_of if p not in before]
    up += [steps.revoke_membership(new.name, p) for p in sorted(before - set(new.member_of))]
    return Operation(
        Kind.CHANGE_ROLE,
        new.name,
        f"{'create' if old is None else 'alter'} role {new.name}",
        tuple(up),
        order=Phase.ROLES,
        source=change,
    )


def change_default_privileges(change: ChangeDefaultPrivileges) -> Operation:
    """ALTER DEFAULT PRIVILEGES: REVOKE what goes, then GRANT what comes; no lock on any table."""
    old, new = change.old, change.new
    order = PRIVILEGES[new.on]
    before, after = old.held_pairs(), new.held_pairs()
    held_after = {(r, p) for r, p, _ in after}
    revoke = {(r, p, False) for r, p, _ in before if (r, p) not in held_after}
    option_only = {
        (r, p, False) for r, p, o in before if o and (r, p) in held_after and (r, p, True) not in after
    }
    up: list[Step] = []
    up += [steps.default_privileges(new, g, revoke=True) for g in grants_from_pairs(revoke, order)]
    up += [
        steps.default_privileges(new, g, revoke=True, option_only=True)
        for g in grants_from_pairs(option_only, order)
    ]
    up += [steps.default_privileges(new, g) for g in grants_from_pairs(after - before, order)]
    who = f" for {new.for_role}" if new.for_role else ""
    return Operation(
        Kind.DEFAULT_PRIVILEGES,
        f"{new.schema}.{new.on}" if new.schema else new.on,
        f"default privileges{who} on {new.on} in {new.schema or 'every schema'}",
        tuple(up),
        order=Phase.ACCESS,
        source=change,
    )
