"""The periods of a window kept over time, created and expired without holding the table.

A period is created as a table of its own, shaped like the parent (`LIKE`) and holding its bound as a
CHECK constraint. Rows of the period that sit in the DEFAULT partition move into it in batches, each
its own transaction; then one transaction moves the last ones (written meanwhile) and attaches it.
ATTACH PARTITION uses the CHECK instead of scanning the new table, and drops it after. Without a
DEFAULT partition it takes SHARE UPDATE EXCLUSIVE on the parent, which lets reads and writes through.
With one, PostgreSQL scans the DEFAULT partition for rows of the period (none are left) under ACCESS
EXCLUSIVE, and an insert that routed its row to the DEFAULT partition before the attach committed
would fail the partition's new constraint after it: so that transaction holds the parent, which
makes writers wait for the scan instead (measured in tests/test_maintenance.py).

A period expires as `expire:` says. Its rows leave first when they go (`archive`: into the archive
table; `drop`, when other tables reference the table: deleted), in batches, so every row is in the
table or in the archive for every other transaction and the ON DELETE actions of the foreign keys
that reference the table run; then it is detached, CONCURRENTLY unless the parent has a DEFAULT
partition (PostgreSQL refuses it then, and a plain DETACH holds the parent for a catalog change), and
the rows written into it meanwhile are archived from the detached table before it is dropped. A
period left half-way by a run that stopped (`state`) is finished from where it stands.
"""

from __future__ import annotations

from collections.abc import Iterator

from schemagen.model import lifecycle
from schemagen.plan import steps
from schemagen.plan.changes import CreatePeriod, ExpirePeriod
from schemagen.plan.operations import Kind, Operation, Phase, Step


def create_period(change: CreatePeriod) -> Operation:
    table, child = change.table, change.child
    moved = f", with the rows of {change.default} that belong to it," if change.from_default else ""
    return Operation(
        Kind.CREATE_PERIOD,
        table.name,
        f"create period {child.name} of {table.name} as a table of its own{moved} and attach it",
        tuple(_create_steps(change)),
        order=Phase.PARTITIONS,
        source=change,
    )


def _create_steps(change: CreatePeriod) -> Iterator[Step]:
    table, child, default = change.table, change.child, change.default
    scheme = table.partition
    assert scheme is not None and scheme.key and scheme.key[0].column is not None
    key, schema = scheme.key[0].column, table.schema
    # the period's schema (`names:` may pin another than its table's), and the DEFAULT partition's
    at = child.schema or schema
    low, high = child.bound.range_from, child.bound.range_to
    yield steps.period_create(table, child.name, key, low, high, change.check, child_schema=at)
    columns = [c.name for c in table.columns if c.generated is None]

    def from_default(batch: int | None) -> Step:
        assert default is not None
        return steps.period_move_rows(
            schema,
            default,
            child.name,
            columns=columns,
            key=key,
            low=low,
            high=high,
            batch=batch,
            source_schema=change.default_schema,
            target_schema=at,
        )

    if default is not None and change.from_default and change.batch is not None:
        yield from_default(change.batch)
    yield steps.partition_begin()
    if default is not None and change.from_default:
        yield from_default(None)  # the last ones, written meanwhile
    yield steps.period_attach(
        table,
        child.name,
        low,
        high,
        default=default,
        referenced=change.referenced,
        referencing=change.referencing,
        child_schema=at,
        default_schema=change.default_schema,
    )
    yield steps.drop_constraint(at, child.name, change.check)
    if change.returning:
        yield steps.comment("TABLE", (at, child.name), None)  # detached by an expiry, marked so
    yield steps.partition_commit()


def expire_period(change: ExpirePeriod) -> Operation:
    table = change.table
    what = {
        "detach": "detach it, leaving it a table of its own",
        "drop": "drop it with its rows",
        "archive": f"move its rows into {change.archive.archive_table.name if change.archive else '?'} "
        "and drop it",
    }[change.how]
    return Operation(
        Kind.EXPIRE_PERIOD,
        table.name,
        f"expire period {change.child} of {table.name}: {what}",
        tuple(_expire_steps(change)),
        order=Phase.PARTITIONS,
        source=change,
    )


def _expire_steps(change: ExpirePeriod) -> Iterator[Step]:
    table, child, schema = change.table, change.child, change.table.schema
    at = change.child_schema or schema  # the period's (`names:` may pin another than its table's)
    archive = change.archive if change.how == "archive" else None
    if change.state == "attached":
        if archive is not None:
            yield _archive_rows(change, batch=change.batch)
        elif change.how == "drop" and change.referencing:
            yield steps.period_move_rows(at, child, None, batch=change.batch)
        # marks it, so that drift leaves it out once detached, and a stopped run is finished by the next
        yield steps.comment("TABLE", (at, child), lifecycle.expiring_comment(schema, table.name, change.how))
    detach = steps.partition_detach(
        schema,
        table.name,
        child,
        referenced=(*change.referenced, *change.referencing),
        concurrently=change.concurrently,
        child_schema=at,
    )
    tail = list(_expire_tail(change))
    if change.state == "attached" and not change.concurrently:
        # one transaction: the period goes at once, with no table left behind
        yield from _unit([detach, *tail]) if tail else [detach]
        return
    if change.state == "attached":
        yield detach
    elif change.state == "detaching":
        yield steps.partition_detach_finalize(schema, table.name, child, at)
    yield from _unit(tail)


def _expire_tail(change: ExpirePeriod) -> Iterator[Step]:
    """Once detached: the rows written into it before it was, archived; then it is dropped."""
    if change.how == "archive" and change.archive is not None:
        yield _archive_rows(change, batch=None)
    if change.how != "detach":
        yield steps.drop_table(
            change.child_schema or change.table.schema, change.child, referenced=change.referenced
        )


def _unit(body: list[Step]) -> list[Step]:
    """Statements that stand or fall together, in a transaction of their own."""
    if not body:
        return []
    return [steps.partition_begin(), *body, steps.partition_commit()]


def _archive_rows(change: ExpirePeriod, *, batch: int | None) -> Step:
    archive = change.archive
    assert archive is not None
    return steps.period_move_rows(
        change.table.schema,
        change.child,
        archive.archive_table.name,
        columns=archive.columns,
        overriding=archive.overriding_system_value,
        batch=batch,
        source_schema=change.child_schema,
    )
