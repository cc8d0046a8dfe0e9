"""Time windows kept over time: which periods a window with `premake` and `retain` holds on a date.

The spec's `from:` and `to:` fix what schema.sql creates, so the output never depends on the day it is
rendered. Over time, `premake: N` keeps the period holding today and the N periods after it created,
and `retain: 13 months` makes a period leave the table once all of it is older than today minus that
interval (its end is at or before the cutoff), the way `expire:` says. A window without `to:` ends
where the periods made on the day of `from:` end: `from:` plus N + 1 periods.

`schemagen partitions maintain` and the rendered `schemagen_maintain()` function follow these rules;
`drift` uses them to tell the periods maintenance made or expired from changes made by hand. Dates are
calendar days, and the bounds of a timestamptz key are midnights in UTC (`model.partitions`).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import replace
from datetime import date, timedelta

from schemagen.model import naming
from schemagen.model.archive import archive_entry
from schemagen.model.objects import (
    Expire,
    ForeignKey,
    Model,
    PartitionBound,
    PartitionChild,
    Period,
    RangeWindow,
    StorageParameter,
    Table,
)
from schemagen.model.partitions import add_periods, bound_value, period_start, period_suffix, window_bounds
from schemagen.records import dataclass

#: The function schema.sql holds when a window is kept over time, in the project's schema.
MAINTAIN_FUNCTION = "schemagen_maintain"
#: The first 63 bits of sha256("schemagen.maintain"): the advisory lock one maintenance holds at a time,
#: `schemagen partitions maintain` for its session and `schemagen_maintain()` for its transaction.
MAINTAIN_LOCK_KEY = 3103264614289932057

_RETAIN = re.compile(r"\s*(\d+)\s*(day|week|month|year)s?\s*", re.IGNORECASE)
#: The longest `premake` (periods made ahead) a window may ask for.
MAX_PREMAKE = 1000


def retain_parts(text: str) -> tuple[int, str] | None:
    """(count, unit) of a retention such as `13 months`, `90 days`, `2 years`; None when it is not one."""
    found = _RETAIN.fullmatch(text)
    if found is None or int(found[1]) == 0:
        return None
    return int(found[1]), found[2].lower()


def canonical_retain(text: str) -> str | None:
    """A retention as the Model keeps it: `13 months`, `1 year`; None when it is not one."""
    parts = retain_parts(text)
    if parts is None:
        return None
    count, unit = parts
    return f"{count} {unit}{'s' * (count != 1)}"


def minus_retain(day: date, retain: str) -> date:
    """`day - retain::interval`, as PostgreSQL counts it: months and years keep the day of the month,
    clamped to the month's last day (2025-03-31 minus 1 month is 2025-02-28)."""
    parts = retain_parts(retain)
    if parts is None:
        raise ValueError(f"not a retention: {retain!r}")
    count, unit = parts
    if unit == "day":
        return day - timedelta(days=count)
    if unit == "week":
        return day - timedelta(days=7 * count)
    months = day.year * 12 + day.month - 1 - count * (12 if unit == "year" else 1)
    year, month = divmod(months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def open_end(every: str, start: date, premake: int) -> date:
    """Where a window without `to:` ends: the periods made on the day of `start`, it and `premake` more."""
    return add_periods(every, start, premake + 1)


def cutoff(window: RangeWindow, today: date) -> date | None:
    """The day before which every row of an expired period lies; None when the window keeps all."""
    return None if window.retain is None else minus_retain(today, window.retain)


def policy_range(window: RangeWindow, today: date) -> tuple[date, date]:
    """[start, end) of the periods the window holds on `today`: the spec's window, extended to today's
    period and `premake` more, less the periods that ended by the retention's cutoff."""
    start, end = window.start, window.end
    if window.premake is not None:
        end = max(end, add_periods(window.every, period_start(window.every, today), window.premake + 1))
    limit = cutoff(window, today)
    if limit is not None:
        start = max(start, period_start(window.every, limit))
    return start, max(start, end)


def due_range(window: RangeWindow, today: date, oldest: date | None) -> tuple[date, date]:
    """[start, end) of the periods maintenance makes sure exist on `today`, given the oldest period the
    table holds: from that one (never earlier: an expired period is not made again; from today's, or
    the retention's cutoff, when it holds none) to `premake` periods after today's. It reads neither
    `from:` nor `to:`, which the migrations own, so the database function needs neither."""
    every = window.every
    limit = cutoff(window, today)
    floor = period_start(every, limit) if limit is not None else None
    start = oldest if oldest is not None else (floor or period_start(every, today))
    if floor is not None:
        start = max(start, floor)
    if window.premake is None:
        return start, start
    return start, max(start, add_periods(every, period_start(every, today), window.premake + 1))


def expiring_comment(schema: str, table: str, expire: str) -> str:
    """The comment an expiring period carries from before it is detached: a table that has it and is no
    partition was detached by maintenance (`detach`: left so; `archive`, `drop`: a run stopped before
    archiving and dropping it, which the next run finishes). Drift and inspect leave such tables out."""
    left = {"detach": "detached", "drop": "to be dropped", "archive": "to be archived and dropped"}[expire]
    return f"{EXPIRED_MARK}{schema}.{table}, {left}"


#: How the comment of a period maintenance detached begins.
EXPIRED_MARK = "schemagen: expired period of "


def expired(window: RangeWindow, end: date, today: date) -> bool:
    """Whether the period ending on `end` has left the window by `today`."""
    limit = cutoff(window, today)
    return limit is not None and end <= limit


def period_name(window: RangeWindow, suffix: str) -> str:
    """The name of the partition maintenance makes for the period with `suffix`."""
    template = window.child_name or "{suffix}"
    return naming.truncate(template.replace("{suffix}", suffix))


def key_type(table: Table) -> str | None:
    """The type of the column a table's window partitions by."""
    scheme = table.partition
    key = scheme.key[0].column if scheme is not None and scheme.key else None
    column = table.column(key) if key else None
    return column.type if column else None


def periods(table: Table, start: date, end: date) -> tuple[tuple[PartitionChild, date, date], ...]:
    """The partitions of `table`'s window from `start` to `end`, each with its first day and the day
    after its last: a period of the spec's window keeps its name (pinned by `names:` or not), the
    others are named by the window's `child_name`."""
    scheme = table.partition
    window = scheme.window if scheme is not None else None
    if scheme is None or window is None or start >= end:
        return ()
    kind = key_type(table)
    named = {c.bound.range_from: c for c in scheme.children if not c.bound.is_default}
    found = []
    for suffix, low, high in window_bounds(replace(window, start=start, end=end)):
        low_value = bound_value(low, kind)
        child = named.get(low_value) or PartitionChild(
            period_name(window, suffix),
            PartitionBound(range_from=low_value, range_to=bound_value(high, kind)),
        )
        found.append((child, low, high))
    return tuple(found)


def kept_windows(model: Model) -> tuple[Table, ...]:
    """The tables whose window is kept over time, by name."""
    return tuple(
        t for t in model.tables if t.partition is not None and t.partition.window and t.partition.window.kept
    )


def table_at(table: Table, today: date) -> Table:
    """`table` with the partitions its window holds on `today` (itself when the window is not kept)."""
    scheme = table.partition
    if scheme is None or scheme.window is None or not scheme.window.kept:
        return table
    start, end = policy_range(scheme.window, today)
    held = periods(table, start, end)
    children = (*(child for child, _, _ in held), *(c for c in scheme.children if c.bound.is_default))
    window = replace(scheme.window, start=start, end=end)
    return replace(table, partition=replace(scheme, children=children, window=window))


def model_at(model: Model, today: date) -> Model:
    """`model` with every kept window holding the partitions it holds on `today`."""
    if not kept_windows(model):
        return model
    return replace(model, tables=tuple(table_at(t, today) for t in model.tables))


# --- the maintenance function ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KeptTable:
    """What `schemagen_maintain()` needs of one kept window's table: its window, the key and its type,
    the columns a moved row carries (`columns`; generated ones are computed again), the names of the
    spec's periods that the naming template would not give (`pinned`, by first day), the archive the
    rows of expired periods move into, and the foreign keys the table's partitions have
    (`referenced`, the tables they reference) and that other tables have to it (`referencing`,
    dropped and added again while rows move out of the DEFAULT partition)."""

    schema: str
    name: str
    every: Period
    premake: int | None
    retain: str | None
    expire: Expire | None
    child_name: str
    key: str
    key_type: str
    columns: tuple[str, ...]
    pinned: tuple[tuple[date, str], ...]
    archive: str | None
    archive_columns: tuple[str, ...]
    archive_overriding: bool
    storage: tuple[StorageParameter, ...]
    referenced: tuple[tuple[str, str], ...]
    referencing: tuple[tuple[str, str, ForeignKey], ...]

    @property
    def expiring_comment(self) -> str:
        return expiring_comment(self.schema, self.name, self.expire or "detach")

    @property
    def short_names(self) -> bool:
        """Whether the name of every period, and of its bound's check, fits 63 bytes uncut."""
        longest = self.child_name.replace("{suffix}", "2024_01_15") + "_period_bound"
        return len(longest.encode()) <= naming.MAX_IDENTIFIER_BYTES


@dataclass(frozen=True, slots=True)
class MaintainFunction:
    """`<schema>.schemagen_maintain(today date)`, which keeps `tables` inside the database."""

    schema: str
    name: str
    tables: tuple[KeptTable, ...]


def maintain_function(model: Model) -> MaintainFunction | None:
    """The maintenance function schema.sql holds, when a window is kept over time."""
    kept = [_kept_table(model, table) for table in kept_windows(model)]
    if not kept:
        return None
    return MaintainFunction(model.project.schema, MAINTAIN_FUNCTION, tuple(kept))


def _kept_table(model: Model, table: Table) -> KeptTable:
    scheme = table.partition
    assert scheme is not None and scheme.window is not None and scheme.key[0].column is not None
    window, key = scheme.window, scheme.key[0].column
    kind = key_type(table) or "date"
    pinned = tuple(
        (start, child.name)
        for child, start, _ in periods(table, window.start, window.end)
        if child.name != period_name(window, period_suffix(window.every, start))
    )
    archive = (
        archive_entry(model, table, table.archive) if table.archive and window.expire == "archive" else None
    )
    return KeptTable(
        schema=table.schema,
        name=table.name,
        every=window.every,
        premake=window.premake,
        retain=window.retain,
        expire=window.expire,
        child_name=window.child_name or "{suffix}",
        key=key,
        key_type=kind,
        columns=tuple(c.name for c in table.columns if c.generated is None),
        pinned=pinned,
        archive=archive.archive_table.name if archive else None,
        archive_columns=archive.columns if archive else (),
        archive_overriding=archive.overriding_system_value if archive else False,
        storage=table.storage,
        referenced=referenced(table),
        referencing=tuple((other.schema, other.name, fk) for other, fk in referencing(model, table)),
    )


def referenced(table: Table) -> tuple[tuple[str, str], ...]:
    """The (schema, table) its foreign keys reference, other than itself: a partition made, detached or
    dropped gets or loses the triggers of each key on them too."""
    own = (table.schema, table.name)
    return tuple(sorted({(fk.ref_schema, fk.ref_table) for fk in table.foreign_keys} - {own}))


def referencing(model: Model, table: Table) -> list[tuple[Table, ForeignKey]]:
    """The foreign keys of other tables that reference `table`, with their tables."""
    return [
        (other, fk)
        for other in model.tables
        if (other.schema, other.name) != (table.schema, table.name)
        for fk in other.foreign_keys
        if (fk.ref_schema, fk.ref_table) == (table.schema, table.name)
    ]
