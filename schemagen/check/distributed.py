"""Static checks of distributed tables: what a Citus cluster would reject (or accept and then not
enforce), caught at the YAML line. The rules are Citus 13.2's, each proven against a real cluster by
the tests; colocation itself is checked while the Model is built.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from schemagen.diagnostics import Diagnostic, rules
from schemagen.model import Column, ForeignKey, Location, Model, Table

# Types with no default hash operator class, directly or through a type they convert to for free
# (varchar has text's, cidr inet's, every range anyrange's): Citus cannot hash them.
NO_HASH_FUNCTION = frozenset(
    {
        "json",
        "xml",
        "jsonpath",
        "point",
        "line",
        "lseg",
        "box",
        "path",
        "polygon",
        "circle",
        "tsvector",
        "tsquery",
        "money",
        "bit",
        "bit varying",
        "txid_snapshot",
        "pg_snapshot",
        "refcursor",
    }
)
_MODIFIERS = re.compile(r"\(.*\)")
_NEGATIVE_SCALE = re.compile(r"numeric\(\d+,\s*-\d+\)")
# actions that would write a distribution column of the referencing table
_DELETE_WRITES = frozenset({"set null", "set default"})
_UPDATE_WRITES = frozenset({"cascade", "set null", "set default"})


# schemas Citus refuses to distribute (`EnsureTenantSchemaNameAllowed`)
UNDISTRIBUTABLE_SCHEMAS = frozenset({"public", "information_schema", "pg_catalog", "pg_toast"})


def check(model: Model) -> Iterator[Diagnostic]:
    if not model.distributed:
        return
    yield from _distributed_schemas(model)
    tables = model.tables_by_place  # a foreign key's target by its schema: one name may be in several
    sharded = model.distributed_schema_names
    for table in model.tables:
        if table.schema in sharded and table.distribution is not None:
            yield rules.DISTRIBUTED_SCHEMA(
                table.distribution.loc,
                subject=f"`{table.name}`",
                problem=f"its schema `{table.schema}` is distributed, which shards it with the schema, so "
                "it cannot also have `distribute:`",
                fix=f"drop its `distribute:`, or move it out of `{table.schema}`",
            )
            continue
        for fk in table.foreign_keys:
            target = tables.get((fk.ref_schema, fk.ref_table))
            if target is not None and sharded & {table.schema, target.schema}:
                yield from _schema_foreign_key(table, fk, target, sharded)
        if table.distribution is None:
            for fk in table.foreign_keys:
                target = tables.get((fk.ref_schema, fk.ref_table))
                if not (target is not None and sharded & {table.schema, target.schema}):
                    yield from _foreign_key(table, fk, target, tables)
            continue
        if "citus" not in model.project.extensions:
            yield rules.CITUS_EXTENSION(table.distribution.loc, table=table.name)
        yield from _partitioning(table)
        yield from _distribution_column(table)
        yield from _uniques(table)
        yield from _identities(table)
        for fk in table.foreign_keys:
            target = tables.get((fk.ref_schema, fk.ref_table))
            if not (target is not None and sharded & {table.schema, target.schema}):
                yield from _foreign_key(table, fk, target, tables)


def _distributed_schemas(model: Model) -> Iterator[Diagnostic]:
    """What Citus refuses of a schema to distribute, at its name under `distributed_schemas`."""
    for schema in model.project.distributed_schemas:
        subject = f"schema `{schema.name}`"
        if "citus" not in model.project.extensions:
            yield rules.DISTRIBUTED_SCHEMA(
                schema.loc,
                subject=subject,
                problem="it is distributed, but the project does not name the `citus` extension",
                fix="add it: `project: {extensions: [citus]}`",
            )
        if schema.name in UNDISTRIBUTABLE_SCHEMAS:
            yield rules.DISTRIBUTED_SCHEMA(
                schema.loc,
                subject=subject,
                problem="Citus cannot distribute it",
                fix="give the entities a schema of their own (`schema:`) and distribute that one",
            )
        elif schema.name not in model.used_schemas:
            yield rules.DISTRIBUTED_SCHEMA(
                schema.loc,
                subject=subject,
                problem="no entity, enum or view lives in it, so schema.sql does not create it",
                fix="remove it from `distributed_schemas`, or give entities `schema: " + schema.name + "`",
            )


def _schema_foreign_key(
    table: Table, fk: ForeignKey, target: Table, sharded: frozenset[str]
) -> Iterator[Diagnostic]:
    """A key that crosses the border of a distributed schema: out of it only to a reference table,
    into it from no other schema."""
    if table.schema == target.schema:
        return
    subject = f"foreign key `{fk.name}` of `{table.name}`"
    if target.schema in sharded:
        yield rules.DISTRIBUTED_SCHEMA(
            fk.loc,
            subject=subject,
            problem=f"`{target.name}` is in the distributed schema `{target.schema}`, and no table of "
            "another schema can reference its tables",
            fix=f"move `{table.name}` into `{target.schema}`, or drop the key",
        )
    elif target.distribution is None or target.distribution.kind != "reference":
        kind = "a plain table" if target.distribution is None else "hash-distributed"
        yield rules.DISTRIBUTED_SCHEMA(
            fk.loc,
            subject=subject,
            problem=f"a table of the distributed schema `{table.schema}` can only reference tables of its "
            f"own schema and reference tables, and `{target.name}` is {kind}",
            fix=f"make `{target.name}` a reference table (`distribute: reference`), or drop the key",
        )


def _partitioning(table: Table) -> Iterator[Diagnostic]:
    assert table.distribution is not None
    scheme = table.partition
    if scheme is None:
        return
    if table.distribution.kind == "reference":
        yield rules.DISTRIBUTED_PARTITIONING(
            table.distribution.loc,
            table=table.name,
            problem="a reference table cannot be partitioned",
            fix="distribute it by a column (`distribute: {by: …}`), or drop its partitioning",
        )
    elif any(child.sub is not None for child in scheme.children):
        yield rules.DISTRIBUTED_PARTITIONING(
            table.distribution.loc,
            table=table.name,
            problem="a distributed table can be partitioned on one level only, and it has a second (`then:`)",
            fix="partition it on one level",
        )


def _distribution_column(table: Table) -> Iterator[Diagnostic]:
    distribution = table.distribution
    assert distribution is not None
    column = table.column(distribution.column or "")
    if column is None:
        return
    problem, fix = _column_problem(column)
    if problem:
        yield rules.DISTRIBUTION_COLUMN(
            distribution.loc, table=table.name, column=column.name, problem=problem, fix=fix
        )


def _column_problem(column: Column) -> tuple[str, str]:
    base = _MODIFIERS.sub("", column.type.removesuffix("[]"))  # an array hashes by its elements
    if base in NO_HASH_FUNCTION:
        return f"{column.type} has no hash function", "distribute by a column of another type"
    if _NEGATIVE_SCALE.fullmatch(column.type):
        return (
            "a numeric with a negative scale cannot be hashed the same way everywhere",
            "use a scale of 0 or more",
        )
    if column.generated is not None:
        return "it is a generated column", "distribute by a column the rows are written with"
    if column.nullable:
        return "it allows NULL, and a row without a value has no shard", f"make `{column.name}` NOT NULL"
    return "", ""


def _uniques(table: Table) -> Iterator[Diagnostic]:
    distribution = table.distribution
    assert distribution is not None
    if distribution.kind != "hash" or distribution.column is None:
        return
    column = distribution.column
    keys: list[tuple[str, tuple[str | None, ...], Location | None]] = []
    if table.primary_key is not None:
        keys.append(("the primary key", table.primary_key.columns, table.primary_key.loc))
    keys += [(f"unique constraint `{u.name}`", u.columns, u.loc) for u in table.uniques]
    keys += [
        (f"unique index `{ix.name}`", tuple(e.column for e in ix.elements if e.column), ix.loc)
        for ix in table.indexes
        if ix.unique
    ]
    for what, columns, loc in keys:
        if column not in columns:
            yield rules.DISTRIBUTED_UNIQUE(
                loc or distribution.loc,
                what=what,
                table=table.name,
                column=column,
            )


def _identities(table: Table) -> Iterator[Diagnostic]:
    distribution = table.distribution
    assert distribution is not None
    kind = "hash-distributed" if distribution.kind == "hash" else "reference"
    for column in table.columns:
        if column.identity is None:
            continue
        problem = "the table's shard count, colocation and distribution cannot be changed later"
        if column.type in ("integer", "smallint"):
            problem += f"; and a {column.type} sequence cannot give values on worker nodes"
        yield rules.DISTRIBUTED_IDENTITY(
            column.loc or distribution.loc,
            table=table.name,
            column=column.name,
            kind=kind,
            problem=problem,
            fix="prefer a bigint key with a default from the application or `gen_random_uuid()`",
        )


def _foreign_key(
    table: Table,
    fk: ForeignKey,
    target: Table | None,
    tables: Mapping[tuple[str, str], Table] | None = None,
) -> Iterator[Diagnostic]:
    if target is None:
        return
    problem, fix = _foreign_key_problem(table, fk, target, tables)
    if problem:
        yield rules.DISTRIBUTED_FOREIGN_KEY(fk.loc, name=fk.name, table=table.name, problem=problem, fix=fix)


def _foreign_key_problem(
    table: Table, fk: ForeignKey, target: Table, tables: Mapping[tuple[str, str], Table] | None = None
) -> tuple[str, str]:
    """`tables`: the model's tables by (schema, name), to name a colocation group's root by its key."""
    source, referenced = table.distribution, target.distribution
    source_kind = source.kind if source else "plain"
    target_kind = referenced.kind if referenced else "plain"
    if source_kind == "plain":
        if target_kind == "hash":
            return (
                f"a plain table cannot reference the distributed table `{target.name}`: Citus accepts the "
                "key but does not enforce it when referenced rows are deleted",
                f"distribute `{table.name}` with `{target.name}` (colocated), or make it a reference table",
            )
        return "", ""
    if source_kind == "reference":
        if target_kind != "reference":
            return (
                f"a reference table can only reference reference tables, and `{target.name}` is "
                + ("distributed" if target_kind == "hash" else "a plain table"),
                f"make `{target.name}` a reference table, or drop the key",
            )
        return "", ""
    assert source is not None and source.column is not None
    if target_kind == "plain":
        return (
            f"`{target.name}` is a plain table: a distributed table can only reference distributed and "
            "reference tables",
            f"make `{target.name}` a reference table (`distribute: reference`)",
        )
    if target_kind == "hash":
        assert referenced is not None
        group = source.colocation_root(table.schema) or (table.schema, table.name)
        root = referenced.colocation_root(target.schema) or (target.schema, target.name)
        if group != root:
            found = (tables or {}).get(root)
            key = found.key if found is not None else root[1]
            return (
                f"`{table.name}` and `{target.name}` are not colocated",
                f"colocate them: `colocate_with: {key}`",
            )
        pairs = set(zip(fk.columns, fk.ref_columns, strict=True))
        if (source.column, referenced.column) not in pairs:
            return (
                f"it must pair the distribution columns `{table.name}.{source.column}` and "
                f"`{target.name}.{referenced.column}`",
                "include both distribution columns in the key, at the same position",
            )
    if source.column in fk.columns:
        if fk.on_delete in _DELETE_WRITES:
            return (
                f"ON DELETE {fk.on_delete.upper()} would change the distribution column `{source.column}`",
                "use ON DELETE CASCADE, RESTRICT or NO ACTION",
            )
        if fk.on_update in _UPDATE_WRITES:
            return (
                f"ON UPDATE {fk.on_update.upper()} would change the distribution column `{source.column}`",
                "use ON UPDATE RESTRICT or NO ACTION",
            )
    return "", ""
