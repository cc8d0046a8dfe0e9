"""The tables of a Model in foreign-key order (`model.ordering.order_tables`), worked out once per
Model for the planner: the diff (tables created in that order, dropped in the reverse) and the lock
order (`locking`) both ask, for both Models."""

from __future__ import annotations

from schemagen.model import Table
from schemagen.model.ordering import order_tables

#: The answers for the table tuples asked about last, by identity (each kept, so its id is not reused).
_KEPT: dict[int, tuple[tuple[Table, ...], tuple[Table, ...]]] = {}
_KEEP = 8


def ordered_tables(tables: tuple[Table, ...]) -> tuple[Table, ...]:
    """`tables` (a Model's) in foreign-key order, as `order_tables` gives them."""
    held = _KEPT.get(id(tables))
    if held is not None and held[0] is tables:
        return held[1]
    ordered = tuple(order_tables(tables)[0])
    if len(_KEPT) >= _KEEP:
        _KEPT.clear()
    _KEPT[id(tables)] = (tables, ordered)
    return ordered
