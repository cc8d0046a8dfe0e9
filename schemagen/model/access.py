"""Who may do what with a table: its owner, the privileges granted on it, row-level security and its
policies, and its replica identity (`owner:`, `grants:`, `row_level_security:`, `policies:`,
`replica_identity:` of an entity)."""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from typing import TYPE_CHECKING, Literal

from schemagen.records import dataclass

if TYPE_CHECKING:
    from schemagen.model.objects import Table

#: The privileges a table takes, in PostgreSQL's order (that of `aclitem`'s letters).
TABLE_PRIVILEGES: tuple[str, ...] = (
    "insert",
    "select",
    "update",
    "delete",
    "truncate",
    "references",
    "trigger",
)
#: The privileges each kind of object takes, in PostgreSQL's order.
PRIVILEGES: dict[str, tuple[str, ...]] = {
    "tables": TABLE_PRIVILEGES,
    "sequences": ("select", "update", "usage"),
    "functions": ("execute",),
    "types": ("usage",),
}
#: `aclitem` letters of the table privileges.
ACL_LETTERS: dict[str, str] = {
    "a": "insert",
    "r": "select",
    "w": "update",
    "d": "delete",
    "D": "truncate",
    "x": "references",
    "t": "trigger",
}
PUBLIC = "public"
#: The `schema` of default privileges set without IN SCHEMA (for every schema).
GLOBAL = ""

PolicyCommand = Literal["all", "select", "insert", "update", "delete"]
ReplicaIdentity = Literal["default", "full", "nothing", "index"]


@dataclass(frozen=True, slots=True)
class Grant:
    """Privileges granted to `role` (`public` for PUBLIC), in PostgreSQL's order; `grant_option`: the
    role may grant them on."""

    role: str
    privileges: tuple[str, ...]
    grant_option: bool = False


@dataclass(frozen=True, slots=True)
class Policy:
    """A row-level security policy (CREATE POLICY). `roles` sorted, `public` when it applies to all."""

    name: str
    command: PolicyCommand = "all"
    permissive: bool = True
    roles: tuple[str, ...] = (PUBLIC,)
    using: str | None = None
    with_check: str | None = None
    comment: str | None = None  # COMMENT ON POLICY: set apart, the policy stays


@dataclass(frozen=True, slots=True)
class Role:
    """A role the spec relies on (`roles:`): created when the cluster lacks it, never dropped (roles
    are the cluster's, shared by every database). `member_of` sorted."""

    name: str
    login: bool = False
    inherit: bool = True
    member_of: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DefaultPrivileges:
    """ALTER DEFAULT PRIVILEGES [FOR ROLE `for_role`] IN SCHEMA `schema` GRANT … ON `on`: what objects
    created later in the schema (by `for_role`, else by the migrating role) grant; `schema` empty
    (`GLOBAL`): without IN SCHEMA, objects created later in any schema. Sorted by (schema, on,
    for_role)."""

    schema: str
    on: str
    grants: tuple[Grant, ...]
    for_role: str | None = None
    # without IN SCHEMA, on functions: the EXECUTE PostgreSQL gives PUBLIC on new ones taken back
    public_revoked: bool = False

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.schema, self.on, self.for_role or "")

    def grant_pairs(self) -> set[tuple[str, str, bool]]:
        return {(g.role, p, g.grant_option) for g in self.grants for p in g.privileges}

    def held_pairs(self) -> set[tuple[str, str, bool]]:
        """`grant_pairs` with PUBLIC's built-in EXECUTE on new functions, which default privileges set
        without IN SCHEMA can take back."""
        pairs = self.grant_pairs()
        if self.schema == GLOBAL and self.on == "functions" and not self.public_revoked:
            pairs.add((PUBLIC, "execute", False))
        return pairs


@dataclass(frozen=True, slots=True)
class TableAccess:
    """The access settings of a table; the default instance is a table the spec says nothing about.

    `owner` None: whoever creates it (the migration's role). `grants` sorted by role, one per role and
    grant option. `replica_index`: the unique index named when `replica_identity` is `index`."""

    owner: str | None = None
    grants: tuple[Grant, ...] = ()
    row_security: bool = False
    force_row_security: bool = False
    policies: tuple[Policy, ...] = ()
    replica_identity: ReplicaIdentity = "default"
    replica_index: str | None = None

    @property
    def is_default(self) -> bool:
        return self == default_access()

    def roles(self) -> set[str]:
        """The roles it names (owner, grantees, policies' roles), PUBLIC and role words left out."""
        names = {g.role for g in self.grants} | {r for p in self.policies for r in p.roles}
        if self.owner is not None:
            names.add(self.owner)
        return names - {PUBLIC, "current_user", "current_role", "session_user"}

    def grant_pairs(self) -> set[tuple[str, str, bool]]:
        """(role, privilege, with grant option) of every privilege granted."""
        return {(g.role, p, g.grant_option) for g in self.grants for p in g.privileges}


def grants_from_pairs(
    pairs: set[tuple[str, str, bool]], order: tuple[str, ...] = TABLE_PRIVILEGES
) -> tuple[Grant, ...]:
    """The grants that give exactly `pairs`, one per role and grant option, sorted (privileges in
    `order`)."""
    by_key: dict[tuple[str, bool], set[str]] = {}
    for role, privilege, option in pairs:
        by_key.setdefault((role, option), set()).add(privilege)
    return tuple(
        Grant(role, tuple(p for p in order if p in privileges), option)
        for (role, option), privileges in sorted(by_key.items())
    )


def dropped_policies(old: TableAccess, new: TableAccess) -> list[str]:
    """The policies that go or change (but for their comment)."""
    kept = {p.name: _uncommented(p) for p in new.policies}
    return [p.name for p in old.policies if kept.get(p.name) != _uncommented(p)]


def created_policies(old: TableAccess, new: TableAccess) -> list[Policy]:
    """The policies that come or change (but for their comment): created with their comment."""
    before = {_uncommented(p) for p in old.policies}
    return [p for p in new.policies if _uncommented(p) not in before]


def recommented_policies(old: TableAccess, new: TableAccess) -> list[Policy]:
    """The policies kept as they are but for their comment: their new comment is set."""
    before = {p.name: p for p in old.policies}
    return [
        p
        for p in new.policies
        if (o := before.get(p.name)) is not None and o != p and _uncommented(o) == _uncommented(p)
    ]


def _uncommented(policy: Policy) -> Policy:
    return replace(policy, comment=None)


def has_changes(old: TableAccess, new: TableAccess) -> bool:
    """Whether anything besides dropping policies happens."""
    created = created_policies(old, new) or recommented_policies(old, new)
    return bool(
        created
        or old.owner != new.owner
        or old.grants != new.grants
        or (old.row_security, old.force_row_security) != (new.row_security, new.force_row_security)
        or (old.replica_identity, old.replica_index) != (new.replica_identity, new.replica_index)
    )


def access_of(table: Table) -> TableAccess:
    """A table's access settings, PostgreSQL's defaults when the spec says nothing."""
    return table.access if table.access is not None else default_access()


@cache  # made once: asked for of every table (the value is immutable)
def default_access() -> TableAccess:
    """The access settings of a table the spec says nothing about."""
    return TableAccess()
