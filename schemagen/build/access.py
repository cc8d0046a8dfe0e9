"""An entity's access settings built into a `TableAccess`: owner, grants, row-level security,
policies and replica identity, each checked where the spec says it (SG130–SG132)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

from schemagen.diagnostics import Diagnostic, rules
from schemagen.diagnostics.suggest import did_you_mean
from schemagen.load.loader import Path_
from schemagen.model import Location, Table
from schemagen.model.access import (
    GLOBAL,
    PRIVILEGES,
    PUBLIC,
    TABLE_PRIVILEGES,
    DefaultPrivileges,
    Grant,
    Policy,
    Role,
    TableAccess,
    access_of,
    default_access,
)
from schemagen.postgres import expressions

if TYPE_CHECKING:
    from schemagen.parse.access import DefaultPrivilegesSpec, PolicySpec, RoleSpec
    from schemagen.parse.spec import EntitySpec

#: A role's name as the spec writes it: PostgreSQL's unquoted identifier (roles are cluster-wide, and
#: a name that needs quotes is almost always a typo).
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_$]{0,62}$")
#: What `to:` of a policy may name besides roles.
POLICY_ROLE_WORDS = frozenset({PUBLIC, "current_user", "current_role", "session_user"})


class _Builder(Protocol):
    def loc(self, *path: str | int, key: bool = True) -> Location | None: ...

    def report(self, diagnostic: Diagnostic) -> None: ...

    def expression(self, text: str, what: str, loc: Location | None) -> str | None: ...


def table_access(builder: _Builder, table: str, spec: EntitySpec, path: Path_) -> TableAccess:
    if (
        spec.owner is None
        and not spec.grants
        and not spec.policies
        and (spec.row_level_security is None or spec.row_level_security is False)
        and spec.replica_identity is None
    ):
        return default_access()  # (most tables: nothing to check, and the shared default)
    owner = spec.owner
    if owner is not None and not _role(
        builder, owner, f"the owner of `{table}`", (*path, "owner"), key=False
    ):
        owner = None
    grants = []
    for role, grant in sorted(spec.grants.items()):
        where = (*path, "grants", role)
        if role.lower() == PUBLIC:
            role = PUBLIC
        elif not _role(builder, role, f"a grant on `{table}`", where):
            continue
        privileges: set[str] = set()
        for i, privilege in enumerate(grant.privileges):
            if privilege == "all":
                privileges.update(TABLE_PRIVILEGES)
            elif privilege in TABLE_PRIVILEGES:
                privileges.add(privilege)
            else:
                at = (*where, "privileges", i) if builder.loc(*where, "privileges") else (*where, i)
                builder.report(
                    rules.GRANT(
                        builder.loc(*at, key=False),
                        what=f"the grant to `{role}` on `{table}`",
                        problem=f"a table has no privilege `{privilege}`"
                        + did_you_mean(privilege, [*TABLE_PRIVILEGES, "all"]),
                        fix="grant " + ", ".join(TABLE_PRIVILEGES) + " or all",
                    )
                )
        if grant.grant_option and role == PUBLIC:
            builder.report(
                rules.GRANT(
                    builder.loc(*where, "grant_option", key=False),
                    what=f"the grant to public on `{table}`",
                    problem="PostgreSQL grants an option to grant on only to roles, never to PUBLIC",
                    fix="drop `grant_option`, or grant to a role",
                )
            )
            continue
        if privileges:
            grants.append(
                Grant(role, tuple(p for p in TABLE_PRIVILEGES if p in privileges), grant.grant_option)
            )
    rls = spec.row_level_security
    enabled = rls if isinstance(rls, bool) else (rls.enabled if rls is not None else False)
    forced = False if isinstance(rls, bool) or rls is None else rls.forced
    policies = tuple(
        p
        for name, policy in sorted(spec.policies.items())
        if (p := _policy(builder, table, name, policy, path))
    )
    if policies and not enabled:
        builder.report(
            rules.POLICY_INACTIVE(builder.loc(*path, "policies"), policy=policies[0].name, table=table)
        )
    identity = spec.replica_identity
    return TableAccess(
        owner=owner,
        grants=tuple(grants),
        row_security=enabled,
        force_row_security=forced,
        policies=policies,
        replica_identity="index"
        if identity is not None and not isinstance(identity, str)
        else identity or "default",
        replica_index=None if identity is None or isinstance(identity, str) else identity.index,
    )


def _role(builder: _Builder, name: str, what: str, path: Path_, *, key: bool = True) -> bool:
    if ROLE_NAME.match(name) and not name.startswith("pg_"):
        return True
    builder.report(
        rules.GRANT(
            builder.loc(*path, key=key),
            what=what,
            problem=f"`{name}` is not a role name the spec can use (lower case letters, digits and `_`, "
            "not starting with `pg_`)",
            fix="name a role of the cluster, or `public`",
        )
    )
    return False


def _policy(builder: _Builder, table: str, name: str, spec: PolicySpec, path: Path_) -> Policy | None:
    where = (*path, "policies", name)
    ok = True
    if not ROLE_NAME.match(name):
        builder.report(
            rules.POLICY(
                builder.loc(*where),
                policy=name,
                table=table,
                problem="a policy's name is lower case letters, digits and `_`",
                fix="rename the policy",
            )
        )
        ok = False
    roles = []
    for i, role in enumerate(spec.to):
        lowered = role.lower()
        if lowered in POLICY_ROLE_WORDS:
            roles.append(lowered)
        elif _role(builder, role, f"policy `{name}` on `{table}`", (*where, "to", i), key=False):
            roles.append(role)
        else:
            ok = False
    if spec.for_ in ("select", "delete") and spec.with_check is not None:
        builder.report(
            rules.POLICY(
                builder.loc(*where, "with_check"),
                policy=name,
                table=table,
                problem=f"a `{spec.for_}` policy takes no `with_check` (it writes no rows)",
                fix="use `using:`",
            )
        )
        ok = False
    if spec.for_ == "insert" and spec.using is not None:
        builder.report(
            rules.POLICY(
                builder.loc(*where, "using"),
                policy=name,
                table=table,
                problem="an `insert` policy takes no `using` (it reads no existing rows)",
                fix="use `with_check:`",
            )
        )
        ok = False
    if spec.using is None and spec.with_check is None:
        builder.report(
            rules.POLICY(
                builder.loc(*where),
                policy=name,
                table=table,
                problem="a policy needs `using:` or `with_check:`",
                fix="add `using: <expression>` (true for every row)",
            )
        )
        ok = False
    using = with_check = None
    if spec.using is not None:
        using = builder.expression(
            spec.using, f"the `using` of policy `{name}`", builder.loc(*where, "using", key=False)
        )
        ok = ok and using is not None
    if spec.with_check is not None:
        with_check = builder.expression(
            spec.with_check,
            f"the `with_check` of policy `{name}`",
            builder.loc(*where, "with_check", key=False),
        )
        ok = ok and with_check is not None
    if not ok:
        return None
    return Policy(
        name=name,
        command=spec.for_,
        permissive=spec.as_ == "permissive",
        roles=tuple(sorted(set(roles))) or (PUBLIC,),
        using=using,
        with_check=with_check,
        comment=spec.comment,
    )


def check_replica_index(builder: _Builder, table: Table, path: Path_) -> Table:
    """`table` with its replica identity index checked: a unique, non-partial index of plain NOT NULL
    columns (one of `indexes:`, or a unique constraint's index); and its policies' columns."""
    _policy_columns(builder, table, path)
    access = table.access
    if access is None or access.replica_identity != "index" or access.replica_index is None:
        return table
    name = access.replica_index
    columns: tuple[str, ...] | None = None
    problem = None
    unique = next((u for u in table.uniques if u.name == name), None)
    index = next((i for i in table.indexes if i.name == name), None)
    if table.primary_key is not None and table.primary_key.name == name:
        columns = table.primary_key.columns
    elif unique is not None:
        columns = unique.columns
    elif index is not None:
        if not index.unique or index.where is not None or any(e.column is None for e in index.elements):
            problem = f"index `{name}` is not unique, is partial or has an expression"
        else:
            columns = tuple(e.column for e in index.elements if e.column is not None)
    else:
        names = [i.name for i in table.indexes] + [u.name for u in table.uniques]
        problem = f"the table has no index `{name}`" + did_you_mean(name, names)
    if columns is not None:
        nullable = [c for c in columns if (col := table.column(c)) is not None and col.nullable]
        if nullable:
            problem = f"index `{name}` has nullable columns ({', '.join(nullable)})"
    if problem is None:
        return table
    builder.report(
        rules.REPLICA_IDENTITY(
            builder.loc(*path, "replica_identity", key=False),
            table=table.name,
            problem=problem,
            fix="name a unique index of NOT NULL columns, or use `full`",
        )
    )
    return table


def access_entries(access: TableAccess, flow: type[dict], flow_list: type[list]) -> dict[str, object]:
    """An entity's access keys as the spec writes them (for `inspect`): only those not at their
    default; `flow`/`flow_list` mark mappings and lists written on one line."""
    data: dict[str, object] = {}
    if access.owner is not None:
        data["owner"] = access.owner
    if access.grants:
        grants: dict[str, object] = {}
        for g in access.grants:
            privileges = ["all"] if set(g.privileges) == set(TABLE_PRIVILEGES) else list(g.privileges)
            entry: object = (
                flow({"privileges": flow_list(privileges), "grant_option": True})
                if g.grant_option
                else flow_list(privileges)
            )
            if g.role in grants:  # the same role with and without grant option: the spec keeps one
                continue
            grants[g.role] = entry
        data["grants"] = grants
    if access.force_row_security:
        data["row_level_security"] = flow({"enabled": access.row_security, "forced": True})
    elif access.row_security:
        data["row_level_security"] = True
    if access.policies:
        policies: dict[str, object] = {}
        for p in access.policies:
            entry_: dict[str, object] = {}
            if p.command != "all":
                entry_["for"] = p.command
            if not p.permissive:
                entry_["as"] = "restrictive"
            if p.roles != (PUBLIC,):
                entry_["to"] = flow_list(p.roles)
            if p.using is not None:
                entry_["using"] = p.using
            if p.with_check is not None:
                entry_["with_check"] = p.with_check
            if p.comment is not None:
                entry_["comment"] = p.comment
            policies[p.name] = flow(entry_)
        data["policies"] = policies
    if access.replica_identity == "index":
        data["replica_identity"] = flow({"index": access.replica_index})
    elif access.replica_identity != "default":
        data["replica_identity"] = access.replica_identity
    return data


def roles(builder: _Builder, specs: Mapping[str, RoleSpec], tables: list[Table]) -> tuple[Role, ...]:
    """The spec's `roles:`, and a warning (SG133) for each role a table names that it does not
    declare: that role must exist in the cluster already."""
    found = []
    for name, spec in sorted(specs.items()):
        if not _role(builder, name, "a role of `roles:`", ("roles", name)):
            continue
        parents = []
        for i, parent in enumerate(spec.in_):
            if ROLE_NAME.match(parent) and parent != name:
                parents.append(parent)
            else:
                builder.report(
                    rules.GRANT(
                        builder.loc("roles", name, "in", i, key=False),
                        what=f"role `{name}`",
                        problem=f"`{parent}` is not a role it can be a member of",
                        fix="name another role (lower case letters, digits and `_`)",
                    )
                )
        found.append(Role(name, spec.login, spec.inherit, tuple(sorted(set(parents)))))
    declared = {r.name for r in found}
    for table in tables:
        for role in sorted(access_of(table).roles() - declared):
            where = builder.loc("entities", table.name, "grants", role) or table.loc
            builder.report(rules.UNDECLARED_ROLE(where, role=role, table=table.name))
    return tuple(found)


def role_entry(role: Role, flow: type[dict], flow_list: type[list]) -> object:
    """A role as `roles:` writes it: only what differs from the defaults."""
    data: dict[str, object] = {}
    if role.login:
        data["login"] = True
    if not role.inherit:
        data["inherit"] = False
    if role.member_of:
        data["in"] = flow_list(role.member_of)
    return flow(data)


def default_privileges(
    builder: _Builder, specs: list[DefaultPrivilegesSpec], home: str
) -> tuple[DefaultPrivileges, ...]:
    """`project: default_privileges:`, each in its schema (the project's by default)."""
    found: dict[tuple[str, str, str], DefaultPrivileges] = {}
    for i, spec in enumerate(specs):
        path: Path_ = ("project", "default_privileges", i)
        order = PRIVILEGES[spec.objects]
        for_role = spec.for_role
        if for_role is not None and not _role(
            builder, for_role, "default privileges", (*path, "for_role"), key=False
        ):
            continue
        grants = []
        for role, grant in sorted(spec.grants.items()):
            where = (*path, "grants", role)
            if role.lower() == PUBLIC:
                role = PUBLIC
            elif not _role(builder, role, "a default privilege", where):
                continue
            wanted = set(order) if "all" in grant.privileges else set(grant.privileges)
            wrong = sorted(wanted - set(order))
            if wrong:
                builder.report(
                    rules.GRANT(
                        builder.loc(*where, key=True),
                        what=f"default privileges on {spec.objects}",
                        problem=f"{spec.objects} take no {', '.join(wrong)}",
                        fix=f"grant {', '.join(order)} or all",
                    )
                )
                continue
            grants.append(Grant(role, tuple(p for p in order if p in wanted), grant.grant_option))
        if spec.global_ and spec.schema_ is not None:
            builder.report(
                rules.GRANT(
                    builder.loc(*path, "global", key=False),
                    what=f"default privileges on {spec.objects}",
                    problem="`global: true` sets them for every schema, and `schema:` names one",
                    fix="drop one of them",
                )
            )
            continue
        schema = GLOBAL if spec.global_ else spec.schema_ or home
        revoked = not spec.public_execute
        if revoked and (schema != GLOBAL or spec.objects != "functions"):
            builder.report(
                rules.GRANT(
                    builder.loc(*path, "public_execute", key=False),
                    what=f"default privileges on {spec.objects}",
                    problem="`public_execute: false` takes back PUBLIC's EXECUTE on new functions, which "
                    "only default privileges on functions with `global: true` can",
                    fix="add `objects: functions` and `global: true`, or drop it",
                )
            )
            continue
        if not spec.grants and not revoked:
            builder.report(
                rules.GRANT(
                    builder.loc(*path),
                    what=f"default privileges on {spec.objects}",
                    problem="they grant nothing",
                    fix="add `grants:`",
                )
            )
            continue
        if revoked and any(g.role == PUBLIC for g in grants):
            builder.report(
                rules.GRANT(
                    builder.loc(*path, "public_execute", key=False),
                    what=f"default privileges on {spec.objects}",
                    problem="`public_execute: false` takes EXECUTE back from PUBLIC, and `grants:` gives it",
                    fix="drop one of them",
                )
            )
            continue
        entry = DefaultPrivileges(schema, spec.objects, tuple(grants), for_role, revoked)
        if entry.key in found:
            builder.report(
                rules.GRANT(
                    builder.loc(*path),
                    what=f"default privileges on {spec.objects} in {entry.schema or 'every schema'}",
                    problem="given twice",
                    fix="merge the two entries",
                )
            )
            continue
        if grants or revoked:
            found[entry.key] = entry
    return tuple(found[k] for k in sorted(found))


def default_privileges_entries(
    entries: tuple[DefaultPrivileges, ...], home: str, flow: type[dict], flow_list: type[list]
) -> list[object]:
    """`project: default_privileges:` as `inspect` writes it."""
    found: list[object] = []
    for entry in entries:
        data: dict[str, object] = {"objects": entry.on}
        if entry.schema == GLOBAL:
            data["global"] = True
        elif entry.schema != home:
            data["schema"] = entry.schema
        if entry.for_role is not None:
            data["for_role"] = entry.for_role
        grants: dict[str, object] = {}
        for g in entry.grants:
            privileges = flow_list(g.privileges)
            if g.role not in grants:
                grants[g.role] = (
                    flow({"privileges": privileges, "grant_option": True}) if g.grant_option else privileges
                )
        if entry.public_revoked:
            data["public_execute"] = False
        if grants:
            data["grants"] = grants
        found.append(data)
    return found


def _policy_columns(builder: _Builder, table: Table, path: Path_) -> None:
    """A policy without a subquery reads only columns of its table: CREATE POLICY fails otherwise (and a
    column dropped while a policy reads it cannot be dropped)."""
    policies = access_of(table).policies
    if not policies:
        return
    names = set(table.column_names)
    for policy in policies:
        for which, text in (("using", policy.using), ("with_check", policy.with_check)):
            if text is None or "select" in text.lower():
                continue
            try:
                refs = expressions.column_refs(expressions.parse_expression(text))
            except expressions.ExpressionError:
                continue
            unknown = sorted(r for r in refs if r not in names)
            if unknown:
                builder.report(
                    rules.POLICY(
                        builder.loc(*path, "policies", policy.name, which, key=False),
                        policy=policy.name,
                        table=table.name,
                        problem=f"`{which}` reads {', '.join(f'`{u}`' for u in unknown)}, not a column "
                        "of the table" + did_you_mean(unknown[0], sorted(names)),
                        fix="name a column of the table",
                    )
                )
