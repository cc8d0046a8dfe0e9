"""The access settings of the tables inspect reads: owner, grants, row-level security, policies and
replica identity, as `TableAccess`. What the spec cannot say (a grantor other than the owner, an owner
that revoked its own privileges, a role name that needs quotes) is warned about, never dropped
silently."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from schemagen.model import Table
from schemagen.model.access import (
    GLOBAL,
    PRIVILEGES,
    PUBLIC,
    TABLE_PRIVILEGES,
    DefaultPrivileges,
    Policy,
    Role,
    TableAccess,
    grants_from_pairs,
)

Row = dict[str, Any]
_IDENTITY = {"d": "default", "f": "full", "n": "nothing", "i": "index"}

__all__ = ["read_access"]


def read_access(
    tables: list[Table],
    oids: dict[tuple[str, str], int],
    rows: Callable[..., list[Row]],
    warn: Callable[[str], None],
    stored: dict[tuple[str, str, str], tuple[str | None, str | None]],
) -> list[Table]:
    """`tables` with their access settings read from the catalog (`oids`: the oid of every relation
    read, in the order of `inspect_relations`, as the prefetch sends the queries; the rows of those
    that are not tables go unused); `stored` receives each policy's expressions as PostgreSQL keeps
    them (for `respell`)."""
    wanted = list(oids.values())
    settings = {row["relation"]: row for row in rows("inspect_access", relations=wanted)}
    policies: dict[int, list[Row]] = {}
    for row in rows("inspect_policy_definitions", relations=wanted):
        policies.setdefault(row["relation"], []).append(row)
    found = []
    for table in tables:
        oid = oids.get((table.schema, table.name))
        if oid is None or oid not in settings:
            found.append(table)
            continue
        row = settings[oid]
        label = table.name if table.schema == "public" else f"{table.schema}.{table.name}"
        access = _access(label, row, policies.get(oid, []), warn)
        for p in policies.get(oid, []):
            stored[(table.schema, table.name, p["name"])] = (p["raw_using"], p["raw_with_check"])
        found.append(replace(table, access=access if not access.is_default else None))
    return found


def _usable(name: str) -> bool:
    return _role_name(name) and not name.startswith("pg_")


def _role_name(name: str) -> bool:
    """Whether the spec can write `name` as a role (imported when a role is met: the build's access
    rules bring the loader and the diagnostics with them)."""
    from schemagen.build.access import ROLE_NAME

    return bool(ROLE_NAME.match(name))


def _access(label: str, row: Row, policy_rows: list[Row], warn: Callable[[str], None]) -> TableAccess:
    owner: str = row["owner"]
    written_owner = None
    if owner not in (row["schema_owner"], row["database_owner"]):
        if _usable(owner):
            written_owner = owner
        else:
            warn(f"table `{label}` is owned by `{owner}`, a role name the spec cannot write: left out")
    pairs: set[tuple[str, str, bool]] = set()
    own: set[str] = set()
    for entry in row["acl"]:
        grantee = entry["grantee"]
        if grantee == owner:
            own.add(entry["privilege"])
            continue
        if entry["privilege"] not in TABLE_PRIVILEGES:
            warn(f"privilege {entry['privilege']} on `{label}` is not expressible in the spec: left out")
            continue
        role = PUBLIC if grantee is None else grantee
        if role != PUBLIC and not _usable(role):
            warn(f"the grant on `{label}` to `{role}`, a role name the spec cannot write, is left out")
            continue
        if entry["grantor"] != owner:
            warn(
                f"{entry['privilege']} on `{label}` was granted to `{role}` by `{entry['grantor']}`, not "
                "the owner; the spec's grants are the owner's"
            )
        pairs.add((role, entry["privilege"], entry["grantable"]))
    # a role holding a privilege both with and without grant option holds it with
    pairs = {(r, p, o) for r, p, o in pairs if o or (r, p, True) not in pairs}
    mixed = sorted({r for r, _, o in pairs if o} & {r for r, _, o in pairs if not o})
    for role in mixed:
        warn(
            f"`{role}` holds some privileges on `{label}` with grant option and some without, which "
            "the spec cannot say: written without the grant option"
        )
        pairs = {(r, p, o and r != role) for r, p, o in pairs}
    if row["has_acl"] and own != set(TABLE_PRIVILEGES):
        missing = ", ".join(p for p in TABLE_PRIVILEGES if p not in own)
        warn(f"the owner of `{label}` has revoked its own {missing}, which the spec cannot say")
    policies = []
    for p in policy_rows:
        roles = tuple(sorted(r for r in p["roles"] if r == PUBLIC or _usable(r)))
        if len(roles) != len(p["roles"]) or not _usable(p["name"]):
            warn(f"policy `{p['name']}` on `{label}` names a role the spec cannot write: left out")
            continue
        policies.append(
            Policy(
                name=p["name"],
                command=p["command"],
                permissive=p["permissive"],
                roles=roles or (PUBLIC,),
                using=p["using"],
                with_check=p["with_check"],
                comment=p["comment"],
            )
        )
    identity = _IDENTITY[row["replica_identity"]]
    return TableAccess(
        owner=written_owner,
        grants=grants_from_pairs(pairs),
        row_security=row["row_security"],
        force_row_security=row["force_row_security"],
        policies=tuple(sorted(policies, key=lambda p: p.name)),
        replica_identity=identity,  # type: ignore[arg-type]
        replica_index=row["replica_index"] if identity == "index" else None,
    )


def other_acl_warnings(
    schemas: list[str], rows: Callable[..., list[Row]], warn: Callable[[str], None]
) -> None:
    """Warnings for the privileges and owners of an identity column's sequence, which the spec cannot
    say yet (the other kinds: `object_access`; default privileges: `read_default_privileges`)."""
    for row in rows("inspect_other_acls", schemas=schemas):
        name = row["name"].removeprefix("public.")
        if row["kind"] == "default privileges":
            warn(f"default privileges {name} are not expressible in the spec: left out")
            continue
        if row["kind"] == "sequence":
            # an identity column's: its grants are the column's (`identity_access`), its owner its table's
            continue
        if row["has_acl"]:
            warn(
                f"the privileges granted on {row['kind']} `{name}` are not expressible in the spec: left out"
            )
        if row["owner"] is not None:
            warn(f"{row['kind']} `{name}` is owned by `{row['owner']}`, which the spec cannot say: left out")


def read_roles(
    names: set[str], rows: Callable[..., list[Row]], warn: Callable[[str], None]
) -> tuple[Role, ...]:
    """The roles of `names` the spec can declare: not superusers, not PostgreSQL's own."""
    found = []
    for row in rows("inspect_roles", names=sorted(names)):
        parents = tuple(sorted(p for p in row["member_of"] if _role_name(p)))
        if len(parents) != len(row["member_of"]):
            warn(f"role `{row['name']}` is a member of a role whose name the spec cannot write: left out")
        found.append(Role(row["name"], row["login"], row["inherit"], parents))
    return tuple(sorted(found, key=lambda r: r.name))


def read_default_privileges(
    schemas: list[str], rows: Callable[..., list[Row]], warn: Callable[[str], None]
) -> tuple[DefaultPrivileges, ...]:
    """The default privileges set IN SCHEMA in `schemas` (for another role than the inspecting one:
    `for_role`)."""
    found = []
    for row in rows("inspect_default_privileges", schemas=schemas):
        order = PRIVILEGES.get(row["on"])
        schema = row["schema"] or GLOBAL
        label = f"default privileges for {row['role']} on {row['on']} in {schema or 'every schema'}"
        if order is None or not (row["mine"] or _usable(row["role"])):
            warn(f"{label} are not expressible in the spec: left out")
            continue
        pairs = set()
        acl = row["acl"]
        revoked = False
        if schema == GLOBAL:
            acl, revoked = _global_grants(label, row["role"], row["on"], acl, warn)
        for entry in acl:
            role = PUBLIC if entry["grantee"] is None else entry["grantee"]
            if role != PUBLIC and not _usable(role):
                warn(f"{label}: the grant to `{role}`, a role name the spec cannot write, is left out")
                continue
            pairs.add((role, entry["privilege"], entry["grantable"]))
        pairs = {(r, p, o) for r, p, o in pairs if o or (r, p, True) not in pairs}
        for role in sorted({r for r, _, o in pairs if o} & {r for r, _, o in pairs if not o}):
            warn(f"{label}: `{role}` holds some with grant option and some without: written without")
            pairs = {(r, p, o and r != role) for r, p, o in pairs}
        if pairs or revoked:
            found.append(
                DefaultPrivileges(
                    schema,
                    row["on"],
                    grants_from_pairs(pairs, order),
                    None if row["mine"] else row["role"],
                    revoked,
                )
            )
    return tuple(sorted(found, key=lambda d: d.key))


#: What PostgreSQL grants PUBLIC on a new object of each kind (default privileges set without IN
#: SCHEMA state it, as they state everything a new object gets).
_PUBLIC_DEFAULTS = {"functions": "execute", "types": "usage"}


def _global_grants(
    label: str, owner: str, on: str, acl: list[Row], warn: Callable[[str], None]
) -> tuple[list[Row], bool]:
    """The entries of default privileges set without IN SCHEMA that a spec's `grants` say: their ACL
    is the whole of what a new object gets, so the creating role's own privileges and PUBLIC's
    built-in ones are left out (a warning says when the first were revoked; whether PUBLIC's EXECUTE
    on functions was is returned, and a warning says it for USAGE on types)."""
    own = {e["privilege"] for e in acl if e["grantee"] == owner}
    if own != set(PRIVILEGES[on]):
        warn(f"{label}: the role's own privileges on its new {on} are revoked, which the spec cannot say")
    public = _PUBLIC_DEFAULTS.get(on)
    kept = [e for e in acl if e["grantee"] != owner]
    revoked = False
    if public is not None:
        if not any(e["grantee"] is None and e["privilege"] == public for e in acl):
            if on == "functions":
                revoked = True
            else:
                warn(f"{label}: {public} is revoked from PUBLIC, which the spec cannot say: left out")
        kept = [e for e in kept if not (e["grantee"] is None and e["privilege"] == public)]
    return kept, revoked
