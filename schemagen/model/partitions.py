"""Partitions as the Model derives them: the periods of a time window, and range bounds written the
way PostgreSQL reads them in every session."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from functools import cache, lru_cache
from typing import Any

from schemagen.model.objects import RangeWindow
from schemagen.postgres import sqltypes

#: The most partitions a time window may expand to.
MAX_WINDOW_PARTITIONS = 5000


def as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


@lru_cache(maxsize=4096, typed=True)  # entities share windows: each is stepped through once
def window_problem(every: str, start: date | datetime, end: date | datetime) -> tuple[str, str] | None:
    """What is wrong with a time window from `start` to `end` by `every` (the problem and its fix), or
    None: bounds at midnight and on period boundaries, `from` before `to`, not too many partitions."""
    for value in (start, end):
        if isinstance(value, datetime) and (value.hour, value.minute, value.second, value.microsecond) != (
            0,
            0,
            0,
            0,
        ):
            return f"{value} is not midnight", "window bounds are dates"
    start, end = as_date(start), as_date(end)
    if start >= end:
        return f"`from` {start} is not before `to` {end}", "write `from` earlier than `to`"
    aligned = {
        "day": lambda d: True,
        "week": lambda d: d.weekday() == 0,
        "month": lambda d: d.day == 1,
        "quarter": lambda d: d.day == 1 and d.month in (1, 4, 7, 10),
        "year": lambda d: d.day == 1 and d.month == 1,
    }[every]
    for label, value in (("from", start), ("to", end)):
        if not aligned(value):
            return (
                f"`{label}: {value}` does not start a {every}",
                f"start and end the window on a {every} boundary (weeks start on Monday)",
            )
    count = sum(1 for _ in _steps(every, start, end))
    if count > MAX_WINDOW_PARTITIONS:
        return (
            f"{count} partitions of one {every} each is more than {MAX_WINDOW_PARTITIONS}",
            "use a longer period or a shorter window",
        )
    return None


def _add_months(value: date, months: int) -> date:
    month = value.month - 1 + months
    return date(value.year + month // 12, month % 12 + 1, 1)


def add_periods(every: str, start: date, count: int) -> date:
    """The start of the period `count` periods after the one starting on `start` (a period boundary)."""
    if every == "day":
        return start + timedelta(days=count)
    if every == "week":
        return start + timedelta(days=7 * count)
    if every == "month":
        return _add_months(start, count)
    if every == "quarter":
        return _add_months(start, 3 * count)
    return date(start.year + count, 1, 1)


def period_start(every: str, day: date) -> date:
    """The first day of the period holding `day` (weeks start on Monday)."""
    if every == "day":
        return day
    if every == "week":
        return day - timedelta(days=day.weekday())
    if every == "month":
        return day.replace(day=1)
    if every == "quarter":
        return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return date(day.year, 1, 1)


def _steps(every: str, start: date, end: date) -> Iterator[tuple[date, date]]:
    current = start
    while current < end:
        following = add_periods(every, current, 1)
        yield current, min(following, end)
        current = following


@cache  # entities share windows: each is worked out once
def window_bounds(window: RangeWindow) -> tuple[tuple[str, date, date], ...]:
    """(suffix, from, to) of each child of a time window, oldest first."""
    return tuple((period_suffix(window.every, low), low, high) for low, high in _steps(*_span(window)))


def _span(window: RangeWindow) -> tuple[str, date, date]:
    return window.every, window.start, window.end


def period_suffix(every: str, low: date) -> str:
    """The suffix of the partition of the period starting on `low`: `2024_01`, `2024_q1`, `2024`,
    `2024_01_15`."""
    if every == "year":
        return f"{low.year}"
    if every == "quarter":
        return f"{low.year}_q{(low.month - 1) // 3 + 1}"
    if every == "month":
        return f"{low.year}_{low.month:02d}"
    return f"{low.year}_{low.month:02d}_{low.day:02d}"


@lru_cache(maxsize=None, typed=True)  # bounds repeat across entities; 1, 1.0 and True stay apart
def bound_value(value: Any, key_type: str | None) -> Any:
    """A range bound as the literal PostgreSQL reads the same way in every session.

    A timestamptz bound written without an offset would be read in the session's TimeZone, so the
    partitions would depend on who ran the DDL; the offset pins it to UTC.
    """
    if isinstance(value, str) and value.upper() in ("MINVALUE", "MAXVALUE"):
        return value.upper()
    if isinstance(value, date):
        family = sqltypes.type_family(key_type) if key_type else None
        moment = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
        if key_type == "timestamp with time zone":
            if moment.tzinfo is not None:
                return moment.isoformat(sep=" ")
            return moment.strftime("%Y-%m-%d %H:%M:%S") + "+00"
        if family == "timestamp":
            return moment.strftime("%Y-%m-%d %H:%M:%S")
        return value.isoformat() if not isinstance(value, datetime) else moment.isoformat(sep=" ")
    return value
