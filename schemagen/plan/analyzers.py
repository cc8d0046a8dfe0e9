"""Hazards as analyzers: each looks at one kind of change and says what a reviewer must know about
it, with the rules of `diagnostics.rules` (SG90x data lost, SG92x a rewrite or a long lock, SG93x it
depends on the rows). A change no analyzer looks at has no hazard.
"""

from __future__ import annotations

from schemagen.model import CheckConstraint, ForeignKey, Table
from schemagen.plan import hazards, schemes
from schemagen.plan.changes import (
    AddColumn,
    AddConstraint,
    AddDomainCheck,
    AddIndex,
    AlterColumnType,
    AlterDistribution,
    AlterSequence,
    AlterTypeAttribute,
    BoundsChanged,
    Change,
    CreateView,
    Distribute,
    DistributeSchema,
    DropColumn,
    DropConstraint,
    DropExtension,
    DropPartitions,
    DropReferencingForeignKeys,
    DropTable,
    ExpirePeriod,
    HashMerge,
    HashRebuild,
    HashSplit,
    PartitionMove,
    RebuildEnum,
    RebuildRange,
    RebuildTable,
    RestoreForeignKey,
    SetDomainNotNull,
    SetNotNull,
    SetPersistence,
    SubpartitionChanged,
    Undistribute,
    UndistributeSchema,
    ValidateConstraint,
)
from schemagen.plan.operations import Hazard
from schemagen.plan.reshard import online


def hazards_of(change: Change) -> tuple[Hazard, ...]:
    match change:
        case DropTable():
            return dropped_table(change)
        case DropExtension():
            return (hazards.drop_extension(change.name),)
        case DropColumn():
            return dropped_column(change)
        case AlterTypeAttribute(action="drop"):
            # the attribute's values go from every column of the type
            return (hazards.drop_column(change.type.name, change.attribute.name),)
        case AddColumn():
            return added_column(change)
        case AlterColumnType():
            return retyped_column(change)
        case RebuildTable():
            return table_rebuilt(change)
        case SetPersistence():
            what = "UNLOGGED" if change.unlogged else "LOGGED (every row written to the WAL too)"
            return (hazards.rewrite(change.table.name, f"SET {what} rewrites the table"),)
        case SetNotNull():
            return not_null_set(change)
        case AddConstraint():
            return constraint_added(change)
        case ValidateConstraint():
            target = f"{change.table.name}.{change.constraint.name}"
            return (hazards.data_dependent(target, "validation fails if existing rows violate it"),)
        case AddIndex():
            return index_added(change)
        case AlterSequence():
            return sequence_altered(change)
        case AddDomainCheck():
            return domain_check_added(change)
        case SetDomainNotNull():
            return domain_not_null_set(change)
        case RebuildEnum():
            return enum_rebuilt(change)
        case RebuildRange():
            return range_rebuilt(change)
        case CreateView():
            return view_created(change)
        case DropPartitions():
            return partitions_dropped(change)
        case ExpirePeriod():
            return period_expired(change)
        case PartitionMove():
            return partitions_moved(change)
        case DropReferencingForeignKeys():
            return foreign_keys_dropped(change)
        case RestoreForeignKey():
            return foreign_key_restored(change)
        case DropConstraint():
            return constraint_dropped(change)
        case Distribute():
            return distributed(change)
        case Undistribute():
            return undistributed(change)
        case AlterDistribution():
            return redistributed(change)
        case DistributeSchema():
            return schema_distributed(change)
        case UndistributeSchema():
            return schema_undistributed(change)
        case _:
            return ()


# --- tables and columns --------------------------------------------------------------------------


def dropped_table(change: DropTable) -> tuple[Hazard, ...]:
    return (hazards.drop_table(change.table.name),)


def dropped_column(change: DropColumn) -> tuple[Hazard, ...]:
    return (hazards.drop_column(change.table.name, change.column.name),)


def added_column(change: AddColumn) -> tuple[Hazard, ...]:
    """A down migration cannot bring back a dropped NOT NULL column's values, nor so its NOT NULL; a
    volatile default, an identity or a generated column computes a value for every row."""
    table, column = change.table.name, change.column.name
    found = []
    if change.not_null_lost:
        found.append(hazards.not_null_not_restored(table, column))
    if change.needs_empty:
        found.append(
            hazards.data_dependent(
                f"{table}.{column}",
                "NOT NULL without a default: the migration first checks that the table holds no rows, and "
                "stops there, having changed nothing, if it does (give it a default, or add it nullable, "
                "fill it, then make it NOT NULL)",
            )
        )
    if change.rewrites:
        found.append(hazards.rewrite(table, f"adding {column} computes a value for every row"))
    default = change.node_dependent_default
    if change.table.distribution is not None and default is not None:
        found.append(hazards.per_node_default(table, column, default))
    return tuple(found)


def retyped_column(change: AlterColumnType) -> tuple[Hazard, ...]:
    """Narrowing may not fit every value; any conversion rewrites the table; a new collation alone
    rebuilds the indexes on the column."""
    table, old, new = change.table.name, change.old, change.new
    found = []
    if change.conversion == "narrowing":
        found.append(hazards.narrowing(f"{table}.{new.name}", old.type, new.type))
    if change.rebuilds_indexes:
        rebuilt = ", ".join(change.rebuilds_indexes)
        why = f"{new.name}: a new collation rebuilds {rebuilt} under ACCESS EXCLUSIVE"
        found.append(hazards.long_lock(table, why))
    if change.through_text:
        found.append(hazards.conversion_may_fail(f"{table}.{new.name}", old.type, new.type))
    if change.conversion != "free":
        found.append(hazards.rewrite(table, f"{new.name}: {old.type} → {new.type} rewrites the table"))
    return tuple(found)


def table_rebuilt(change: RebuildTable) -> tuple[Hazard, ...]:
    """Every row is copied while the migration holds the table: ACCESS EXCLUSIVE from the move aside
    (and the migration's locks taken up front) to the commit."""
    table = change.new.name
    return (
        hazards.rebuild(table, f"{change.why}; every row is copied into the new table"),
        hazards.long_lock(
            table,
            "ACCESS EXCLUSIVE from the start of the migration to its commit, while every row is copied "
            "and the indexes are built: reads and writes wait",
        ),
    )


def not_null_set(change: SetNotNull) -> tuple[Hazard, ...]:
    table = change.table.name
    found = [hazards.data_dependent(f"{table}.{change.column}", "fails if any row holds NULL")]
    if change.table.partition is not None:
        found.append(hazards.long_lock(table, "SET NOT NULL scans the partitioned table under lock"))
    return tuple(found)


# --- constraints and indexes ---------------------------------------------------------------------


def constraint_added(change: AddConstraint) -> tuple[Hazard, ...]:
    """Validating existing rows may fail; a partitioned table is checked under its lock."""
    if change.on_new_table:
        return ()
    if isinstance(change.constraint, (CheckConstraint, ForeignKey)) and change.constraint.not_valid:
        return ()  # kept NOT VALID: the rows there are not checked
    table = change.table.name
    target = f"{table}.{change.constraint.name}"
    if change.table.partition is not None:
        return (
            hazards.data_dependent(target, "fails if existing rows violate it"),
            hazards.long_lock(table, "PostgreSQL checks every partition while holding the lock"),
        )
    if change.kind in ("primary_key", "unique"):
        return (hazards.data_dependent(target, "fails if existing rows hold duplicates"),)
    if change.kind == "exclusion":
        return (
            hazards.data_dependent(target, "fails if existing rows conflict"),
            hazards.long_lock(table, "its index is built and every row checked while holding the lock"),
        )
    return (hazards.data_dependent(target, "validation fails if existing rows violate it"),)


def index_added(change: AddIndex) -> tuple[Hazard, ...]:
    if change.on_new_table or not change.index.unique:
        return ()
    return (hazards.data_dependent(change.index.name, "fails if existing rows hold duplicates"),)


# --- sequences and domains -----------------------------------------------------------------------


def sequence_altered(change: AlterSequence) -> tuple[Hazard, ...]:
    """New bounds (or a narrower type) may leave the sequence's value outside them."""
    old, new = change.old, change.new
    if (old.type, old.min_value, old.max_value) == (new.type, new.min_value, new.max_value):
        return ()
    return (hazards.data_dependent(f"sequence {new.name}", "fails if its value lies outside the new bounds"),)


def domain_check_added(change: AddDomainCheck) -> tuple[Hazard, ...]:
    """Validating reads every column of the domain's type, each table under SHARE: writes wait."""
    if not change.tables:
        return ()
    target = f"{change.domain.name}.{change.check.name}"
    return (
        hazards.data_dependent(target, "validation fails if a value of a column of the domain violates it"),
        *_domain_scan(change.domain.name, change.tables),
    )


def domain_not_null_set(change: SetDomainNotNull) -> tuple[Hazard, ...]:
    if not change.not_null or not change.tables:
        return ()
    return (
        hazards.data_dependent(change.domain.name, "fails if a column of the domain holds NULL"),
        *_domain_scan(change.domain.name, change.tables),
    )


def _domain_scan(domain: str, tables: tuple[Table, ...]) -> tuple[Hazard, ...]:
    why = f"PostgreSQL reads every column of domain {domain} under SHARE: writes wait"
    return tuple(hazards.long_lock(table.name, why) for table in tables)


# --- enums and views -----------------------------------------------------------------------------


def enum_rebuilt(change: RebuildEnum) -> tuple[Hazard, ...]:
    """Rows holding a removed value cannot be converted; every converted column rewrites its table."""
    found = [hazards.remove_enum_value(change.enum.name, list(change.removed))] if change.removed else []
    for table, column in change.columns:
        found.append(hazards.rewrite(table.name, f"{column.name} is converted to the rebuilt enum"))
    return tuple(found)


def range_rebuilt(change: RebuildRange) -> tuple[Hazard, ...]:
    """Every converted column rewrites its table, each value re-read through its text by the new type."""
    name = change.range.name
    return tuple(
        hazards.rewrite(
            table.name,
            f"{column.name} is converted to the rebuilt range type {name}: each value is re-read through "
            f"its text, which fails the migration where the new subtype cannot read it",
        )
        for table, column in change.columns
    )


def view_created(change: CreateView) -> tuple[Hazard, ...]:
    if not change.view.materialized or change.view.unpopulated:
        return ()
    return (hazards.long_lock(change.view.name, "the materialized view is computed while it is created"),)


# --- partitions ----------------------------------------------------------------------------------


def partitions_dropped(change: DropPartitions) -> tuple[Hazard, ...]:
    """Their rows go with them; PostgreSQL refuses while rows of other tables reference them."""
    table = change.table.name
    names = [drop.child for drop in change.drops]
    found = [hazards.shrink_window(table, names)]
    if change.referencing:
        referencing = ", ".join(dict.fromkeys(t.name for t, _ in change.referencing))
        found.append(
            hazards.data_dependent(
                table, f"fails while rows of {referencing} reference rows of {', '.join(names)}"
            )
        )
    return tuple(found)


def period_expired(change: ExpirePeriod) -> tuple[Hazard, ...]:
    """`expire: drop` loses the period's rows; `detach` fails while other tables' rows reference them
    (`archive` and `drop` delete them first, which runs the ON DELETE actions)."""
    table, child = change.table.name, change.child
    if change.how == "drop":
        return (hazards.shrink_window(table, [child]),)
    if change.how == "detach" and change.referencing:
        referencing = ", ".join(name for _, name in change.referencing)
        return (
            hazards.data_dependent(table, f"fails while rows of {referencing} reference rows of {child}"),
        )
    return ()


def partitions_moved(change: PartitionMove) -> tuple[Hazard, ...]:
    """The parent is locked while rows are copied; a rebuild copies more; a shrunk window loses rows."""
    parent, old, new, why = change.parent, change.old, change.new, change.why
    if online(change):
        return _writes_held(change)
    if isinstance(why, (HashSplit, HashMerge)):
        return (_held(change, f"the rows of {schemes.names(old)} are copied"),)
    if isinstance(why, HashRebuild):
        reason = (
            f"modulus {why.before} → {why.after}: neither divides the other, so the old and new "
            "partitions cannot coexist"
        )
        return (
            hazards.rebuild(parent, f"{reason}; every row is copied in one transaction"),
            _held(change, "every row of the table is copied"),
        )
    if isinstance(why, SubpartitionChanged):
        child = new[0]
        reason = f"the partitioning under {child.name} changes to {schemes.describe(child.sub)}"
        return (hazards.rebuild(child.name, reason), _held(change, f"the rows of {old[0].name} are copied"))
    return _bounds_changed(change, why)


def _bounds_changed(change: PartitionMove, why: BoundsChanged) -> tuple[Hazard, ...]:
    found = [_held(change, "rows are copied")]
    if why.rebuilt:
        found.append(
            hazards.rebuild(
                change.parent, f"the partitioning under {', '.join(why.rebuilt)} changes kind or key"
            )
        )
    if why.lost:
        found.append(hazards.shrink_window(change.table.name, list(why.lost)))
    return tuple(found)


def _held(change: PartitionMove, what: str) -> Hazard:
    """The detach's ACCESS EXCLUSIVE on the parent lasts until the commit, and so do the SHARE ROW
    EXCLUSIVE locks on the tables the partitions' foreign keys reference."""
    why = f"ACCESS EXCLUSIVE from the detach to the commit, while {what}"
    if change.referenced:
        names = ", ".join(table for _, table in change.referenced)
        why += (
            f"; SHARE ROW EXCLUSIVE on {names} (which its foreign keys reference) as long: writes to it wait"
        )
    return hazards.long_lock(change.parent, why)


def _writes_held(change: PartitionMove) -> tuple[Hazard, ...]:
    """An online split holds no write longer than a catalog change (the old partition takes writes
    while its rows are copied: a trigger logs them), except when the table has foreign keys of its
    own: the attach checks the new partitions' rows against them under the parent's ACCESS EXCLUSIVE."""
    if not change.table.foreign_keys:
        return ()
    names = ", ".join(dict.fromkeys(fk.ref_table for fk in change.table.foreign_keys))
    why = (
        f"ACCESS EXCLUSIVE on {change.parent} during the swap, while the attach checks the new "
        f"partitions' rows against {names} for the foreign keys it clones onto them (the copy itself "
        f"holds no write to {change.old[0].name})"
    )
    return (hazards.long_lock(change.parent, why),)


def foreign_keys_dropped(change: DropReferencingForeignKeys) -> tuple[Hazard, ...]:
    """Rows written while they are gone are checked only when the keys are validated again."""
    keys = [f"{t.name}.{fk.name}" for t, fk in change.foreign_keys]
    return (hazards.integrity_gap(change.table.name, keys),)


def foreign_key_restored(change: RestoreForeignKey) -> tuple[Hazard, ...]:
    table = change.table
    if table.partition is None:
        return ()
    why = f"{table.name} is partitioned, where NOT VALID foreign keys are not allowed: every row is checked"
    return (hazards.long_lock(table.name, why),)


# --- distribution (Citus) ------------------------------------------------------------------------


def constraint_dropped(change: DropConstraint) -> tuple[Hazard, ...]:
    if not change.redistributed:
        return ()
    return (hazards.redistributed_foreign_key(change.table.name, change.constraint.name),)


def distributed(change: Distribute) -> tuple[Hazard, ...]:
    if not change.existing or change.concurrently:
        return ()
    why = "Citus copies its rows into the shards under EXCLUSIVE: writes wait, reads do not"
    return (hazards.long_lock(change.table.name, why),)


def undistributed(change: Undistribute) -> tuple[Hazard, ...]:
    why = (
        "Citus copies its rows back from the shards under EXCLUSIVE (writes wait), then holds ACCESS "
        "EXCLUSIVE while the copy replaces the table"
    )
    return (hazards.long_lock(change.table.name, why),)


def schema_distributed(change: DistributeSchema) -> tuple[Hazard, ...]:
    why = (
        "citus_schema_distribute copies the rows of each table of the schema into its shard under "
        "EXCLUSIVE, one table after the other in one statement: writes wait, reads do not"
    )
    return tuple(hazards.long_lock(t.name, why) for t in change.existing)


def schema_undistributed(change: UndistributeSchema) -> tuple[Hazard, ...]:
    why = (
        "citus_schema_undistribute copies the rows of each table of the schema back from its shard "
        "(EXCLUSIVE: writes wait), then holds ACCESS EXCLUSIVE while the copy replaces the table, to the end"
    )
    return tuple(hazards.long_lock(t.name, why) for t in change.tables)


def redistributed(change: AlterDistribution) -> tuple[Hazard, ...]:
    tables = ", ".join(t.name for t in (change.table, *change.group))
    why = (
        f"alter_distributed_table moves {tables} one after the other in one transaction: each copy "
        "blocks writes, and each table moved (and each that references one) stays under ACCESS "
        "EXCLUSIVE until the end, so reads wait too"
    )
    return (hazards.long_lock(change.table.name, why),)
