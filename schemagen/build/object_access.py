"""The owner and grants of what is not a table (views, sequences, functions, schemas) built into an
`ObjectAccess`, each checked where the spec says it (SG130), with the table's spellings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from schemagen.build.access import _Builder, _role
from schemagen.diagnostics import rules
from schemagen.diagnostics.suggest import did_you_mean
from schemagen.load.loader import Path_
from schemagen.model.access import PUBLIC, Grant
from schemagen.model.object_access import OBJECT_PRIVILEGES, ObjectAccess, ObjectKind, routine_target

if TYPE_CHECKING:
    from schemagen.model import Function, Location, Model
    from schemagen.parse.access import GrantSpec
    from schemagen.parse.spec import FunctionSpec, SchemaSpec


def object_access(
    builder: _Builder,
    kind: ObjectKind,
    label: str,
    owner: str | None,
    grant_specs: Mapping[str, GrantSpec],
    path: Path_,
) -> ObjectAccess | None:
    """The access `owner:` and `grants:` at `path` give the `kind` named `label`; None when they say
    nothing."""
    order = OBJECT_PRIVILEGES[kind]
    what = f"{kind} `{label}`"
    if owner is not None and not _role(builder, owner, f"the owner of {what}", (*path, "owner"), key=False):
        owner = None
    grants = []
    for role, grant in sorted(grant_specs.items()):
        where = (*path, "grants", role)
        if role.lower() == PUBLIC:
            role = PUBLIC
        elif not _role(builder, role, f"a grant on {what}", where):
            continue
        privileges: set[str] = set()
        for i, privilege in enumerate(grant.privileges):
            if privilege == "all":
                privileges.update(order)
            elif privilege in order:
                privileges.add(privilege)
            else:
                at = (*where, "privileges", i) if builder.loc(*where, "privileges") else (*where, i)
                builder.report(
                    rules.GRANT(
                        builder.loc(*at, key=False),
                        what=f"the grant to `{role}` on {what}",
                        problem=f"a {kind} has no privilege `{privilege}`"
                        + did_you_mean(privilege, [*order, "all"]),
                        fix="grant " + ", ".join(order) + " or all",
                    )
                )
        if grant.grant_option and role == PUBLIC:
            builder.report(
                rules.GRANT(
                    builder.loc(*where, "grant_option", key=False),
                    what=f"the grant to public on {what}",
                    problem="PostgreSQL grants an option to grant on only to roles, never to PUBLIC",
                    fix="drop `grant_option`, or grant to a role",
                )
            )
            continue
        if privileges:
            grants.append(Grant(role, tuple(p for p in order if p in privileges), grant.grant_option))
    access = ObjectAccess(owner=owner, grants=tuple(grants))
    return None if access.is_default else access


def object_access_entries(
    kind: ObjectKind, access: ObjectAccess | None, flow: type[dict], flow_list: type[list]
) -> dict[str, object]:
    """`owner:` and `grants:` as `inspect` writes them: only those not at their default."""
    data: dict[str, object] = {}
    if access is None:
        return data
    order = OBJECT_PRIVILEGES[kind]
    if access.owner is not None:
        data["owner"] = access.owner
    if access.grants:
        grants: dict[str, object] = {}
        for g in access.grants:
            if g.role in grants:  # the same role with and without grant option: the spec keeps one
                continue
            privileges = ["all"] if len(order) > 1 and set(g.privileges) == set(order) else list(g.privileges)
            grants[g.role] = (
                flow({"privileges": flow_list(privileges), "grant_option": True})
                if g.grant_option
                else flow_list(privileges)
            )
        data["grants"] = grants
    return data


def routine_access(
    builder: _Builder, kind: ObjectKind, label: str, spec: FunctionSpec, path: Path_
) -> ObjectAccess | None:
    """A function's, procedure's or aggregate's `owner:`, `grants:` and `public_execute:` (false:
    EXECUTE taken back from PUBLIC, which PostgreSQL grants every new routine)."""
    access = object_access(builder, kind, label, spec.owner, spec.grants, path) or ObjectAccess()
    public = [g for g in access.grants if g.role == PUBLIC]
    if public and not spec.public_execute:
        builder.report(
            rules.GRANT(
                builder.loc(*path, "public_execute", key=False),
                what=f"{kind} `{label}`",
                problem="`public_execute: false` takes EXECUTE back from PUBLIC, and `grants:` gives it",
                fix="drop one of them",
            )
        )
    # EXECUTE to PUBLIC is PostgreSQL's default: granted, it says nothing more
    access = replace(
        access,
        grants=tuple(g for g in access.grants if g.role != PUBLIC),
        revoked_from_public=not spec.public_execute and not public,
    )
    return None if access.is_default else access


def routine_access_entries(function: Function, flow: type[dict], flow_list: type[list]) -> dict[str, object]:
    """A routine's `owner:`, `grants:` and `public_execute:` as `inspect` writes them."""
    target = routine_target(function)
    data = object_access_entries(target.kind, function.access, flow, flow_list)
    if function.access is not None and function.access.revoked_from_public:
        data["public_execute"] = False
    return data


def schema_access(builder: _Builder, name: str, spec: SchemaSpec, path: Path_) -> ObjectAccess | None:
    """A declared schema's `owner:` and `grants:` (USAGE, CREATE); on `public`, PUBLIC's USAGE is
    PostgreSQL's own: granting it says nothing more, and `public_usage: false` revokes it."""
    access = object_access(builder, "schema", name, spec.owner, spec.grants, path)
    if not spec.public_usage and name != "public":
        builder.report(
            rules.GRANT(
                builder.loc(*path, "public_usage", key=False),
                what=f"schema `{name}`",
                problem="`public_usage: false` takes back what PostgreSQL grants PUBLIC on the public "
                "schema only; PUBLIC has no privilege on another schema unless granted",
                fix="drop `public_usage`",
            )
        )
    if name != "public":
        return access
    access = replace(access or ObjectAccess(), revoked_from_public=not spec.public_usage)
    if access.revoked_from_public and any(
        g.role == PUBLIC and "usage" in g.privileges for g in access.grants
    ):
        builder.report(
            rules.GRANT(
                builder.loc(*path, "public_usage", key=False),
                what="schema `public`",
                problem="`public_usage: false` takes USAGE back from PUBLIC, and `grants:` gives it",
                fix="drop one of them",
            )
        )
    grants = []
    for g in access.grants:
        if g.role == PUBLIC:
            g = replace(g, privileges=tuple(p for p in g.privileges if p != "usage"))
        if g.privileges:
            grants.append(g)
    access = replace(access, grants=tuple(grants))
    return None if access.is_default else access


def undeclared_roles(builder: _Builder, model: Model) -> None:
    """A warning (SG133) for each role a view, sequence, function or schema names as its owner or
    grantee that `roles:` does not declare: that role must exist in the cluster already."""
    declared = {r.name for r in model.roles}
    located: list[tuple[str, ObjectAccess, tuple[str | int, ...], Location | None]] = []
    for view in model.views:
        if view.access is not None:
            located.append((f"view {view.name}", view.access, ("views", view.name), view.loc))
    for sequence in model.sequences:
        if sequence.access is not None:
            located.append(
                (f"sequence {sequence.name}", sequence.access, ("sequences", sequence.name), sequence.loc)
            )
    for function in model.functions:
        if function.access is not None:
            located.append(
                (f"function {function.name}", function.access, ("functions", function.name), function.loc)
            )
    for schema in model.project.schemas:
        if schema.access is not None:
            located.append((f"schema {schema.name}", schema.access, (), schema.loc))
    for label, access, path, loc in located:
        for role in sorted(access.roles() - declared):
            where = (builder.loc(*path, "grants", role) if path else None) or loc
            builder.report(rules.UNDECLARED_ROLE(where, role=role, table=label))
