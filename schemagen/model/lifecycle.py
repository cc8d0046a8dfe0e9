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
from schemagen.model.objects import (
    Model,
    PartitionBound,
    PartitionChild,
    PartitionScheme,
    RangeWindow,
    Table,
)
from schemagen.model.partitions import add_periods, bound_value, period_start, window_bounds

#: The function schema.sql holds when a window is kept over time, in the project's schema.
MAINTAIN_FUNCTION = "schemagen_maintain"

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


def expired(window: RangeWindow, end: date, today: date) -> bool:
    """Whether the period ending on `end` has left the window by `today`."""
    limit = cutoff(window, today)
    return limit is not None and end <= limit


def period_name(window: RangeWindow, suffix: str) -> str:
    """The name of the partition maintenance makes for the period with `suffix`."""
    template = window.child_name or "{suffix}"
    return naming.truncate(template.replace("{suffix}", suffix))


def scheme_at(scheme: PartitionScheme, key_type: str | None, today: date) -> PartitionScheme:
    """`scheme` with the partitions its window holds on `today` (itself when the window is not kept)."""
    window = scheme.window
    if window is None or not window.kept:
        return scheme
    start, end = policy_range(window, today)
    named = {c.bound.range_from: c for c in scheme.children if not c.bound.is_default}
    children = []
    for suffix, low, high in window_bounds(replace(window, start=start, end=end)) if start < end else ():
        low_value = bound_value(low, key_type)
        child = named.get(low_value) or PartitionChild(
            period_name(window, suffix),
            PartitionBound(range_from=low_value, range_to=bound_value(high, key_type)),
        )
        children.append(child)
    children += [c for c in scheme.children if c.bound.is_default]
    return replace(scheme, children=tuple(children))


def kept_windows(model: Model) -> tuple[Table, ...]:
    """The tables whose window is kept over time, by name."""
    return tuple(
        t for t in model.tables if t.partition is not None and t.partition.window and t.partition.window.kept
    )


def table_at(table: Table, today: date) -> Table:
    """`table` with the partitions its window holds on `today`."""
    scheme = table.partition
    if scheme is None or scheme.window is None or not scheme.window.kept:
        return table
    key = scheme.key[0].column if scheme.key else None
    column = table.column(key) if key else None
    return replace(table, partition=scheme_at(scheme, column.type if column else None, today))


def model_at(model: Model, today: date) -> Model:
    """`model` with every kept window holding the partitions it holds on `today`."""
    if not kept_windows(model):
        return model
    return replace(model, tables=tuple(table_at(t, today) for t in model.tables))
