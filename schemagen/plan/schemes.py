"""What the planner reads of partition schemes: their shape, the names PostgreSQL gives their
partitions' indexes, their bounds compared and turned into row filters, and the order PostgreSQL
numbers their partitions in."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import fields, replace
from datetime import date, datetime
from operator import attrgetter

from schemagen.model import (
    LiteralValue,
    PartitionBound,
    PartitionChild,
    PartitionKey,
    PartitionScheme,
    Table,
)
from schemagen.postgres import expressions
from schemagen.postgres.names import NAMEDATALEN, index_name_addition, make_object_name
from schemagen.records import dataclass

RANGE_KEYWORDS = ("MINVALUE", "MAXVALUE")

# --- shape ---------------------------------------------------------------------------------------


def structure(scheme: PartitionScheme | None) -> tuple[str, tuple[PartitionKey, ...]] | None:
    """What cannot change in place: the kind and the key."""
    return None if scheme is None else (scheme.kind, scheme.key)


def with_renamed_columns(scheme: PartitionScheme, columns: dict[str, str]) -> PartitionScheme:
    """The scheme with its key columns (at every level) under their new names, `columns` old → new: a
    renamed key column is the same key, since PostgreSQL keeps it by column number."""
    if not columns:
        return scheme
    key = tuple(replace(k, column=columns.get(k.column, k.column)) if k.column else k for k in scheme.key)
    children = tuple(
        replace(c, sub=with_renamed_columns(c.sub, columns)) if c.sub is not None else c
        for c in scheme.children
    )
    return replace(scheme, key=key, children=children)


def describe(scheme: PartitionScheme | None) -> str:
    if scheme is None:
        return "no partitioning"
    keys = ", ".join(k.column or f"({k.expression})" for k in scheme.key)
    return f"{scheme.kind} ({keys})"


def names(children: Sequence[PartitionChild]) -> str:
    return ", ".join(c.name for c in children)


def modulus(scheme: PartitionScheme) -> int:
    return scheme.modulus or max((c.bound.modulus or 1 for c in scheme.children), default=1)


def bound_key(bound: PartitionBound) -> str:
    """The text of `bound`'s fields, which tells bounds apart as their repr does: they may hold lists
    (multi-column ranges), so they are not hashable themselves. Read in C, without the class's repr of
    each field by name (a level may have thousands of children)."""
    return repr(_bound_fields(bound))


_bound_fields = attrgetter(*(f.name for f in fields(PartitionBound) if f.repr))


def with_schemas(scheme: PartitionScheme, schema: str) -> PartitionScheme:
    """`scheme` with each child's schema written out: the one `names:` pins, else its parent's
    (`schema` for the children of the first level)."""
    return replace(scheme, children=tuple(_placed(c, c.schema or schema) for c in scheme.children))


def _placed(child: PartitionChild, schema: str) -> PartitionChild:
    """`child` in `schema`, its own partitions too: `replace`, without going through the fields one by
    one (a table re-sharded has hundreds of children, and the planner gives each its schema)."""
    sub = with_schemas(child.sub, schema) if child.sub is not None else None
    return PartitionChild(child.name, child.bound, sub, schema)


def placed(table: Table) -> dict[str, str]:
    """The schema of the table and of each of its partitions, by name: a partition's own (`names:`
    pins one), else its parent's."""
    found = {table.name: table.schema}
    pending = [(table.partition, table.schema)] if table.partition is not None else []
    while pending:
        scheme, schema = pending.pop()
        for child in scheme.children:
            found[child.name] = child.schema or schema
            if child.sub is not None:
                pending.append((child.sub, found[child.name]))
    return found


def subtree(child: PartitionChild) -> Iterator[PartitionChild]:
    """A child, then its own partitions, depth first."""
    yield child
    if child.sub is not None:
        for grandchild in child.sub.children:
            yield from subtree(grandchild)


# --- the names PostgreSQL gives partitions' indexes -----------------------------------------------


#: What names one index of a partition: its parent index, label (`pkey`, `key`, `idx`), the columns
#: part of the name (None for a primary key), and what follows the partition's name in it when nothing is
#: cut (`_columns_label`), with its length in bytes.
CloneLabel = tuple[str, str, str | None, str, int]


#: `clone_index_labels` of the tables asked about last, by identity (each kept, so its id is not reused):
#: a table's labels are asked for by the diff, `reshard.online` and the recipe of each of its partitions.
_LABELS: dict[int, tuple[Table, tuple[CloneLabel, ...]]] = {}
_LABELS_KEPT = 64


def clone_index_labels(table: Table) -> tuple[CloneLabel, ...]:
    """What names the indexes of every partition of `table`, in the order PostgreSQL clones them:
    primary key and unique constraints with CREATE TABLE, then the indexes as schema.sql orders them,
    by name. The same for each partition, so a caller naming many may compute it once."""
    held = _LABELS.get(id(table))
    if held is not None and held[0] is table:
        return held[1]
    labels = _clone_index_labels(table)
    if len(_LABELS) >= _LABELS_KEPT:
        _LABELS.clear()
    _LABELS[id(table)] = (table, labels)
    return labels


def _clone_index_labels(table: Table) -> tuple[CloneLabel, ...]:
    wanted: list[tuple[str, str, list[str]]] = []
    if table.primary_key is not None:
        wanted.append((table.primary_key.name, "pkey", []))
    wanted += [(u.name, "key", list(u.columns)) for u in table.uniques]
    for index in sorted(table.indexes, key=lambda i: i.name):
        columns = [e.column or expressions.expression_label(e.expression or "") for e in index.elements]
        wanted.append((index.name, "idx", unique_column_names(columns + list(index.include))))
    labels: list[CloneLabel] = []
    for key, label, columns in wanted:
        addition = index_name_addition(columns) if columns else None
        end = f"_{addition}_{label}" if addition else f"_{label}"
        labels.append((key, label, addition, end, len(end.encode())))
    return tuple(labels)


def clone_index_names(
    table: Table,
    relation: str,
    taken: set[str] | frozenset[str],
    labels: tuple[CloneLabel, ...] | None = None,
) -> dict[str, str]:
    """The names PostgreSQL gives the indexes of partition `relation` of `table`, by parent index
    (`labels`: `clone_index_labels(table)`, when the caller has it).

    A partition's indexes are clones of its parent's (`clone_index_labels`); each is named by
    ChooseIndexName from the partition's name and the index's column names, with a number appended to
    the label while the name is taken.
    """
    names: dict[str, str] = {}
    picked: set[str] = set()  # beside `taken`, which is the whole model's and is not copied
    room = NAMEDATALEN - 1 - len(relation.encode())
    for key, label, addition, end, end_bytes in clone_index_labels(table) if labels is None else labels:
        # makeObjectName's name: the partition's name and `end` when they fit (most names), else cut
        candidate = relation + end if end_bytes <= room else make_object_name(relation, addition, label)
        n = 0
        while candidate in taken or candidate in picked:
            n += 1
            candidate = make_object_name(relation, addition, f"{label}{n}")
        picked.add(candidate)
        names[key] = candidate
    return names


def unique_column_names(columns: list[str]) -> list[str]:
    """ChooseIndexColumnNames: a name already used by an earlier column gets a number appended."""
    out: list[str] = []
    for name in columns:
        candidate, n = name, 0
        while candidate in out:
            n += 1
            candidate = name.encode()[: NAMEDATALEN - 1 - len(str(n))].decode(errors="ignore") + str(n)
        out.append(candidate)
    return out


# --- bounds as row filters -----------------------------------------------------------------------


@dataclass(frozen=True)
class Side:
    """One end of a range: the key prefix compared (as many columns as values) and whether `=` fits."""

    values: tuple[object, ...]
    inclusive: bool


@dataclass(frozen=True)
class RangeFilter:
    lower: Side | None
    upper: Side | None


@dataclass(frozen=True)
class ListFilter:
    values: tuple[object, ...]
    null: bool


RowFilter = RangeFilter | ListFilter


def row_filter(kind: str, bound: PartitionBound) -> RowFilter:
    """What a row must satisfy to belong to a child with this bound (range or list)."""
    if kind == "list":
        return ListFilter(tuple(v for v in bound.values if v is not None), None in bound.values)
    return RangeFilter(_side(bound.range_from, lower=True), _side(bound.range_to, lower=False))


def _side(value: LiteralValue, *, lower: bool) -> Side | None:
    """A range bound as a comparison: MINVALUE/MAXVALUE end the compared key prefix."""
    values = list(value) if isinstance(value, (list, tuple)) else [value]
    for i, v in enumerate(values):
        if isinstance(v, str) and v in RANGE_KEYWORDS:
            if i == 0:
                return None  # MINVALUE below, MAXVALUE above: no limit on this side
            # (a, MINVALUE) from: key[:1] >= a; (a, MAXVALUE) from: key[:1] > a; mirrored for `to`
            return Side(tuple(values[:i]), inclusive=(v == "MINVALUE") == lower)
    return Side(tuple(values), inclusive=lower)


def merged(filters: list[RowFilter]) -> list[RowFilter]:
    """Adjacent ranges joined (a moved window of months is one range), list values gathered."""
    out: list[RowFilter] = []
    for f in filters:
        last = out[-1] if out else None
        if (
            isinstance(f, RangeFilter)
            and isinstance(last, RangeFilter)
            and last.upper is not None
            and f.lower is not None
            and not last.upper.inclusive
            and f.lower.inclusive
            and last.upper.values == f.lower.values
        ):
            out[-1] = RangeFilter(last.lower, f.upper)
        elif isinstance(f, ListFilter) and isinstance(last, ListFilter):
            out[-1] = ListFilter(last.values + f.values, last.null or f.null)
        else:
            out.append(f)
    return out


# --- comparing bounds ----------------------------------------------------------------------------

# A sort key for one bound value: (0, 0) MINVALUE, (2, 0) MAXVALUE, (1, value) anything else.
Order = tuple[int, object]


def _order(value: object) -> Order | None:
    """A sort key for one bound value; None when it cannot be compared safely."""
    if value == "MINVALUE":
        return (0, 0)
    if value == "MAXVALUE":
        return (2, 0)
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return (1, value)
    if isinstance(value, datetime):
        return (1, value.timestamp()) if value.tzinfo else None
    if isinstance(value, date):
        return (1, datetime(value.year, value.month, value.day).timestamp())
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
        # a bound without an offset is read in the session's time zone: comparable only with its kind
        return (1, moment.timestamp()) if moment.tzinfo else (1, moment.replace(tzinfo=None).isoformat())
    return None


RangeKey = tuple[Order, ...]


def range_key(value: LiteralValue) -> RangeKey | None:
    values = list(value) if isinstance(value, (list, tuple)) else [value]
    keys = [_order(v) for v in values]
    found = [k for k in keys if k is not None]
    return None if len(found) < len(keys) else tuple(found)


def overlaps(kind: str, a: PartitionBound, b: PartitionBound) -> bool:
    """Whether rows of bound `a` may belong to bound `b` (True when it cannot be told)."""
    if kind == "list":
        return bool({repr(v) for v in a.values} & {repr(v) for v in b.values})
    a_from, a_to = range_key(a.range_from), range_key(a.range_to)
    b_from, b_to = range_key(b.range_from), range_key(b.range_to)
    if a_from is None or a_to is None or b_from is None or b_to is None:
        return True
    try:
        return a_from < b_to and b_from < a_to
    except TypeError:
        return True


def covered(kind: str, bound: PartitionBound, others: list[PartitionBound]) -> bool:
    """Whether every row of `bound` belongs to one of `others` (False when it cannot be told)."""
    if bound.is_default:
        return False
    if kind == "list":
        return {repr(v) for v in bound.values} <= {repr(v) for o in others for v in o.values}
    low, high = range_key(bound.range_from), range_key(bound.range_to)
    spans: list[tuple[RangeKey, RangeKey]] = []
    for other in others:
        start, end = range_key(other.range_from), range_key(other.range_to)
        if start is None or end is None:
            return False
        spans.append((start, end))
    if low is None or high is None:
        return False
    try:
        spans.sort()
        reached = low
        for start, end in spans:
            if start > reached:
                break
            reached = max(reached, end)
        return reached >= high
    except TypeError:
        return False


def clone_order(scheme: PartitionScheme, path: tuple[str, ...] = ()) -> list[tuple[str, ...]] | None:
    """Partitions depth first in PostgreSQL's partition order (range by lower bound, hash by modulus
    and remainder, DEFAULT last): the order a foreign key's clones are numbered in. None when unknown."""
    if scheme.kind == "list":
        return None
    rest = [c for c in scheme.children if not c.bound.is_default]
    if scheme.kind == "hash":
        rest.sort(key=lambda c: (c.bound.modulus or 0, c.bound.remainder or 0))
    else:
        keyed: list[tuple[RangeKey, PartitionChild]] = []
        for child in rest:
            key = range_key(child.bound.range_from)
            if key is None:
                return None
            keyed.append((key, child))
        try:
            rest = [child for _, child in sorted(keyed, key=lambda pair: pair[0])]
        except TypeError:
            return None
    ordered = rest + [c for c in scheme.children if c.bound.is_default]
    out: list[tuple[str, ...]] = []
    for child in ordered:
        here = (*path, bound_key(child.bound))
        out.append(here)
        if child.sub is not None:
            below = clone_order(child.sub, here)
            if below is None:
                return None
            out += below
    return out
