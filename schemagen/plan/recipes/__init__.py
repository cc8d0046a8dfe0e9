"""Recipes: each change turned into an operation of typed steps, one module per family of objects.

A recipe decides how a change is made safely (CONCURRENTLY, NOT VALID then VALIDATE, a CHECK before
SET NOT NULL, a move per partition), in which phase it runs, and what the header says it does. It
does not decide what to warn about: the hazards come from `analyzers`.
"""

from __future__ import annotations

from typing import assert_never

from schemagen.plan.changes import (
    AddColumn,
    AddConstraint,
    AddDomainCheck,
    AddEnumValue,
    AddIndex,
    AlterColumnType,
    AlterDistribution,
    AlterExtension,
    AlterIdentity,
    AlterSequence,
    AlterTypeAttribute,
    Change,
    ChangeAccess,
    ChangeDefaultPrivileges,
    ChangeObjectAccess,
    ChangeRole,
    CheckEmpty,
    CheckRemovedValues,
    Comment,
    CreateArchiveFunction,
    CreateDomain,
    CreateEnum,
    CreateExtension,
    CreateMaintainFunction,
    CreatePartitions,
    CreatePeriod,
    CreateRefreshFunction,
    CreateRoutine,
    CreateSchema,
    CreateSequence,
    CreateTable,
    CreateTrigger,
    CreateType,
    CreateView,
    Distribute,
    DistributeSchema,
    DropColumn,
    DropConstraint,
    DropDomain,
    DropDomainCheck,
    DropEnum,
    DropExtension,
    DropFunction,
    DropIndex,
    DropNotNull,
    DropPartitions,
    DropReferencingForeignKeys,
    DropRoutine,
    DropSchema,
    DropSequence,
    DropTable,
    DropTrigger,
    DropType,
    DropView,
    ExpirePeriod,
    MoveTable,
    NamePartitionIndexes,
    PartitionMove,
    QuoteStandardBody,
    RebuildEnum,
    RebuildRange,
    RebuildTable,
    RenameColumn,
    RenameConstraint,
    RenameIndex,
    RenamePartitions,
    RenameSequence,
    RenameTable,
    ReplaceTrigger,
    ReplaceView,
    RestoreForeignKey,
    SetDefault,
    SetDomainDefault,
    SetDomainNotNull,
    SetIndexStorage,
    SetNotNull,
    SetPersistence,
    SetSequenceOwner,
    SetStandardBody,
    SetStorage,
    Undistribute,
    UndistributeSchema,
    ValidateConstraint,
)
from schemagen.plan.operations import Operation
from schemagen.plan.recipes import (
    access,
    columns,
    constraints,
    distribution,
    domains,
    enums,
    functions,
    guards,
    indexes,
    object_access,
    partitions,
    periods,
    project,
    rebuild,
    routines,
    sequences,
    storage,
    tables,
    usertypes,
    views,
)


def operation(change: Change) -> Operation:
    """The operation that makes `change`, without its hazards."""
    match change:
        case CreateExtension():
            return project.create_extension(change)
        case AlterExtension():
            return project.alter_extension(change)
        case DropExtension():
            return project.drop_extension(change)
        case CreateSchema():
            return project.create_schema(change)
        case DropSchema():
            return project.drop_schema(change)
        case CreateSequence():
            return sequences.create_sequence(change)
        case AlterSequence():
            return sequences.alter_sequence(change)
        case SetSequenceOwner():
            return sequences.set_sequence_owner(change)
        case RenameSequence():
            return sequences.rename_sequence(change)
        case DropSequence():
            return sequences.drop_sequence(change)
        case CreateType():
            return usertypes.create_type(change)
        case AlterTypeAttribute():
            return usertypes.alter_type_attribute(change)
        case DropType():
            return usertypes.drop_type(change)
        case RebuildRange():
            return usertypes.rebuild_range(change)
        case CreateDomain():
            return domains.create_domain(change)
        case SetDomainDefault():
            return domains.set_domain_default(change)
        case SetDomainNotNull():
            return domains.set_domain_not_null(change)
        case AddDomainCheck():
            return domains.add_domain_check(change)
        case DropDomainCheck():
            return domains.drop_domain_check(change)
        case DropDomain():
            return domains.drop_domain(change)
        case CreateEnum():
            return enums.create_enum(change)
        case AddEnumValue():
            return enums.add_enum_value(change)
        case RebuildTable():
            return rebuild.rebuild_table(change)
        case CheckEmpty():
            return guards.check_empty(change)
        case CheckRemovedValues():
            return enums.check_removed_values(change)
        case RebuildEnum():
            return enums.rebuild_enum(change)
        case DropEnum():
            return enums.drop_enum(change)
        case CreateTable():
            return tables.create_table(change)
        case DropTable():
            return tables.drop_table(change)
        case RenameTable():
            return tables.rename_table(change)
        case MoveTable():
            return tables.move_table(change)
        case Comment():
            return tables.comment(change)
        case AddColumn():
            return columns.add_column(change)
        case DropColumn():
            return columns.drop_column(change)
        case RenameColumn():
            return columns.rename_column(change)
        case AlterColumnType():
            return columns.alter_column_type(change)
        case AlterIdentity():
            return columns.alter_identity(change)
        case SetDefault():
            return columns.set_default(change)
        case SetNotNull():
            return columns.set_not_null(change)
        case DropNotNull():
            return columns.drop_not_null(change)
        case AddConstraint():
            return constraints.add_constraint(change)
        case DropConstraint():
            return constraints.drop_constraint(change)
        case RenameConstraint():
            return constraints.rename_constraint(change)
        case ValidateConstraint():
            return constraints.validate_constraint(change)
        case AddIndex():
            return indexes.add_index(change)
        case DropIndex():
            return indexes.drop_index(change)
        case RenameIndex():
            return indexes.rename_index(change)
        case SetPersistence():
            return storage.set_persistence(change)
        case SetStorage():
            return storage.set_storage(change)
        case ChangeAccess():
            return access.change_access(change)
        case ChangeRole():
            return access.change_role(change)
        case ChangeDefaultPrivileges():
            return access.change_default_privileges(change)
        case ChangeObjectAccess():
            return object_access.change_object_access(change)
        case SetIndexStorage():
            return storage.set_index_storage(change)
        case CreateView():
            return views.create_view(change)
        case ReplaceView():
            return views.replace_view(change)
        case DropView():
            return views.drop_view(change)
        case CreateArchiveFunction():
            return functions.create_archive_function(change)
        case CreateRefreshFunction():
            return functions.create_refresh_function(change)
        case CreateMaintainFunction():
            return functions.create_maintain_function(change)
        case DropFunction():
            return functions.drop_function(change)
        case CreateRoutine():
            return routines.create_routine(change)
        case DropRoutine():
            return routines.drop_routine(change)
        case QuoteStandardBody():
            return routines.quote_standard_body(change)
        case SetStandardBody():
            return routines.set_standard_body(change)
        case CreateTrigger():
            return routines.create_trigger(change)
        case DropTrigger():
            return routines.drop_trigger(change)
        case ReplaceTrigger():
            return routines.replace_trigger(change)
        case NamePartitionIndexes():
            return partitions.name_partition_indexes(change)
        case RenamePartitions():
            return partitions.rename_partitions(change)
        case DropPartitions():
            return partitions.drop_partitions(change)
        case CreatePartitions():
            return partitions.create_partitions(change)
        case PartitionMove():
            return partitions.move(change)
        case DropReferencingForeignKeys():
            return partitions.drop_referencing_foreign_keys(change)
        case RestoreForeignKey():
            return partitions.restore_foreign_key(change)
        case CreatePeriod():
            return periods.create_period(change)
        case ExpirePeriod():
            return periods.expire_period(change)
        case Distribute():
            return distribution.distribute(change)
        case Undistribute():
            return distribution.undistribute(change)
        case AlterDistribution():
            return distribution.alter_distribution(change)
        case DistributeSchema():
            return distribution.distribute_schema(change)
        case UndistributeSchema():
            return distribution.undistribute_schema(change)
        case _:
            assert_never(change)
