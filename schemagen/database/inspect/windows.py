"""The spec's time windows (`every: month, from:, to:`), recognised in a table's range partitions.

A window names and bounds its partitions in a fixed way (`{table}_{suffix}`, one period each); when a
table's partitions are exactly those of a window, the spec says the window rather than every bound.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from schemagen.model import PartitionChild, RangeWindow, naming
from schemagen.model.partitions import bound_value, window_bounds, window_problem
from schemagen.postgres import sqltypes

__all__ = ["child_name_pattern", "range_window"]

Period = Literal["day", "week", "month", "quarter", "year"]
# Tried in this order: the first window that gives exactly the partitions found is the one written.
WINDOW_PERIODS: tuple[Period, ...] = ("month", "year", "quarter", "week", "day")


def range_window(
    prefix: str, children: list[PartitionChild], key_type: str, default: bool
) -> RangeWindow | None:
    """The time window whose partitions (names and bounds) are exactly `children`, in order, if any."""
    if not children or sqltypes.type_family(key_type) not in ("date", "timestamp"):
        return None
    first, last = children[0].bound.range_from, children[-1].bound.range_to
    if not (isinstance(first, str) and isinstance(last, str)):
        return None
    try:
        start, end = date.fromisoformat(first[:10]), date.fromisoformat(last[:10])
    except ValueError:
        return None
    actual = [(c.name, c.bound.range_from, c.bound.range_to) for c in children]
    for every in WINDOW_PERIODS:
        if window_problem(every, start, end) is not None:
            continue
        window = RangeWindow(every=every, start=start, end=end, default=default)
        expected = [
            (naming.truncate(f"{prefix}_{suffix}"), bound_value(low, key_type), bound_value(high, key_type))
            for suffix, low, high in window_bounds(window)
        ]
        if actual == expected:
            return window
        # named another way, but alike (pg_partman's `orders_p2024_01`): `names:` pins them
        same_bounds = [a[1:] for a in actual] == [e[1:] for e in expected]
        if same_bounds and child_name_pattern(children, window) is not None:
            return window
    return None


def child_name_pattern(children: list[PartitionChild], window: RangeWindow) -> str | None:
    """`P{suffix}S` when every child of `window` is named P, its period's suffix, S."""
    bounds = window_bounds(window)
    named = [c for c in children if not c.bound.is_default]
    if len(named) != len(bounds):
        return None
    patterns = {
        c.name.replace(suffix, "{suffix}", 1) for c, (suffix, _, _) in zip(named, bounds, strict=True)
    }
    pattern = next(iter(patterns)) if len(patterns) == 1 else None
    return pattern if pattern is not None and "{suffix}" in pattern else None
