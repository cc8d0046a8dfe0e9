"""The owners and privileges of what inspect reads besides tables (views, materialized views), as
`ObjectAccess`. What the spec cannot say (a grantor other than the owner, an owner that revoked its own
privileges, a role name that needs quotes) is warned about, never dropped silently."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from schemagen.model import Function
from schemagen.model.access import PUBLIC, grants_from_pairs
from schemagen.model.object_access import OBJECT_PRIVILEGES, ROUTINE_KINDS, AccessTarget, ObjectAccess
from schemagen.postgres import routines

Row = dict[str, Any]

__all__ = ["read_object_access", "routine_access"]


def input_identity(identity: str) -> str:
    """`pg_get_function_identity_arguments` without its OUT arguments (as the reader's functions have
    it)."""
    parts = routines.split_top_level(identity) if identity.strip() else []
    return ", ".join(p.strip() for p in parts if not p.strip().startswith("OUT "))


def _usable(name: str) -> bool:
    from schemagen.build.access import ROLE_NAME  # imported when a role is met (see access._role_name)

    return bool(ROLE_NAME.match(name)) and not name.startswith("pg_")


def read_object_access(
    schemas: list[str], rows: Callable[..., list[Row]], warn: Callable[[str], None]
) -> dict[AccessTarget, ObjectAccess]:
    """The access of each object of `schemas` that differs from PostgreSQL's defaults."""
    found: dict[AccessTarget, ObjectAccess] = {}
    for row in rows("inspect_object_access", schemas=schemas):
        target = AccessTarget(row["kind"], row["name"], row["schema"], row["identity"])
        public = row["schema"] in ("public", row["name"])
        shown = target.label if public else f"{row['schema']}.{target.label}"
        label = f"{row['kind']} `{shown}`"
        access = _access(target, label, row, warn)
        if not access.is_default:
            found[target] = access
    return found


def object_access_of(target: AccessTarget, label: str, row: Row, warn: Callable[[str], None]) -> ObjectAccess:
    """The owner and grants one row of `inspect_object_access` (or a query of its shape) says."""
    return _access(target, label, row, warn)


def _access(target: AccessTarget, label: str, row: Row, warn: Callable[[str], None]) -> ObjectAccess:
    order = OBJECT_PRIVILEGES[target.kind]
    owner: str = row["owner"]
    written_owner = None
    # `public` is the database owner's by default (`pg_database_owner`, before 15 the bootstrap
    # superuser): a role of its own, even that one, is what a fresh database does not have
    defaults = {row["schema_owner"]}
    if not (target.kind == "schema" and row["schema_owner"] is not None):
        defaults.add(row["database_owner"])
    if owner not in defaults:
        if _usable(owner):
            written_owner = owner
        else:
            warn(f"{label} is owned by `{owner}`, a role name the spec cannot write: left out")
    pairs: set[tuple[str, str, bool]] = set()
    own: set[str] = set()
    for entry in row["acl"]:
        grantee = entry["grantee"]
        if grantee == owner:
            own.add(entry["privilege"])
            continue
        if entry["privilege"] not in order:
            warn(f"privilege {entry['privilege']} on {label} is not expressible in the spec: left out")
            continue
        role = PUBLIC if grantee is None else grantee
        if role != PUBLIC and not _usable(role):
            warn(f"the grant on {label} to `{role}`, a role name the spec cannot write, is left out")
            continue
        if entry["grantor"] != owner:
            warn(
                f"{entry['privilege']} on {label} was granted to `{role}` by `{entry['grantor']}`, not "
                "the owner; the spec's grants are the owner's"
            )
        pairs.add((role, entry["privilege"], entry["grantable"]))
    pairs = {(r, p, o) for r, p, o in pairs if o or (r, p, True) not in pairs}
    revoked = False
    if target.kind in ROUTINE_KINDS and row["has_acl"]:
        # EXECUTE to PUBLIC is PostgreSQL's default for a routine: only its absence is said
        revoked = (PUBLIC, "execute", False) not in pairs
        pairs.discard((PUBLIC, "execute", False))
    if target.kind == "schema" and target.name == "public":
        # PostgreSQL's own ACL of public: PUBLIC may use it (and, before 15, create in it); a public
        # schema created again (no ACL: its owner's alone) has PUBLIC's USAGE revoked
        revoked = (PUBLIC, "usage", False) not in pairs
        pairs.discard((PUBLIC, "usage", False))
        if row["server_version"] < 150000:
            pairs.discard((PUBLIC, "create", False))
    for role in sorted({r for r, _, o in pairs if o} & {r for r, _, o in pairs if not o}):
        warn(
            f"`{role}` holds some privileges on {label} with grant option and some without, which the "
            "spec cannot say: written without the grant option"
        )
        pairs = {(r, p, o and r != role) for r, p, o in pairs}
    if row["has_acl"] and own != set(order):
        missing = ", ".join(p for p in order if p not in own)
        warn(f"the owner of {label} has revoked its own {missing}, which the spec cannot say")
    return ObjectAccess(
        owner=written_owner, grants=grants_from_pairs(pairs, order), revoked_from_public=revoked
    )


def routine_access(
    functions: list[Function], found: dict[AccessTarget, ObjectAccess], warn: Callable[[str], None]
) -> list[Function]:
    """`functions` with their access; a warning for each routine whose access differs from the
    defaults that the spec does not hold (one inspect leaves out: the spec cannot say its access)."""
    by_key = {(f.schema, f.name, f.identity): f for f in functions}
    kept: dict[tuple[str, str, str], ObjectAccess] = {}
    for target, access in found.items():
        if target.identity is None:
            continue
        key = (target.schema, target.name, input_identity(target.identity))
        if key in by_key:
            kept[key] = access
            continue
        shown = target.label if target.schema == "public" else f"{target.schema}.{target.label}"
        if access.grants or access.revoked_from_public:
            warn(
                f"the privileges granted on {target.kind} `{shown}` are not expressible in the spec: left out"
            )
        if access.owner is not None:
            warn(f"{target.kind} `{shown}` is owned by `{access.owner}`, which the spec cannot say: left out")
    return [replace(f, access=kept.get((f.schema, f.name, f.identity))) for f in functions]
