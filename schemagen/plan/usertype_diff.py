"""Model A, Model B → the changes of their composite and range types (`types:`).

Created ones come after the domains they may use; dropped ones before the domains they use (the diff
yields `dropped` before the domains' changes, `created` after: the operations share the domains'
phases). A composite type's attribute is added or dropped in place, whatever the columns of the type
hold (an added one reads NULL, a dropped one's values are gone); its new type or collation while no
column holds the type. A range type PostgreSQL cannot alter (subtype, `subtype_diff`, collation,
`subtype_opclass`) is dropped and created anew while nothing uses it, and rebuilt while columns,
functions or views use it: the old type parked under another name, the new one created, the columns
converted through their text, the functions naming it made again, the parked type dropped last. What
PostgreSQL cannot do is refused with the fix: an attribute's new type or collation while a column
holds the type, attributes in another order, a changed range type a composite type or a domain
holds."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import replace

from schemagen.model import Column, CompositeType, Function, Model, RangeType, Table, naming
from schemagen.model.usertypes import bare_type, multirange_name, order_types
from schemagen.plan.changes import (
    AlterTypeAttribute,
    Change,
    Comment,
    CreateType,
    DropType,
    RebuildRange,
)
from schemagen.plan.errors import PlanError

__all__ = ["KeptColumns", "created", "dropped"]

#: The columns of a type of the given names (directly or in an array) that exist when a range type is
#: rebuilt and keep their type, under their new names (the diff matches them, renames and all).
KeptColumns = Callable[[frozenset[str]], tuple[tuple[Table, Column], ...]]


def created(a: Model, b: Model, kept: KeptColumns) -> Iterator[Change]:
    """The types of B that A has not, each after those it uses; the attributes of those both have.
    `kept`: the columns a rebuilt range type converts."""
    old_types = a.types_by_name
    for type_ in order_types(b.types):
        old = old_types.get(type_.key)
        if old is None or type(old) is not type(type_) or old.schema != type_.schema:
            if old is not None:
                _refuse(a, type_.name, f"type `{type_.name}` changes kind or schema")
            yield CreateType(type_)
            continue
        if isinstance(type_, CompositeType) and isinstance(old, CompositeType):
            yield from _attributes(a, old, type_)
        elif isinstance(type_, RangeType) and isinstance(old, RangeType):
            changed = _range_change(old, type_)
            if changed is not None:
                yield from _remake_range(a, b, old, type_, changed, kept)
                continue
        if old.comment != type_.comment:
            yield Comment("TYPE", (type_.schema, type_.name), type_.comment)


def _range_change(old: RangeType, new: RangeType) -> str | None:
    """What changes of a range type that PostgreSQL cannot alter, as a message says it."""
    for what, before, after in (
        ("subtype", old.subtype, new.subtype),
        ("subtype_diff", old.subtype_diff, new.subtype_diff),
        ("collation", old.collation, new.collation),
        ("subtype_opclass", old.subtype_opclass, new.subtype_opclass),
    ):
        if before != after:
            return (
                f"the {what} of range type `{new.name}` changes from {before or 'none'} to {after or 'none'}"
            )
    return None


def _remake_range(
    a: Model, b: Model, old: RangeType, new: RangeType, what: str, kept: KeptColumns
) -> Iterator[Change]:
    """PostgreSQL cannot alter a range type. Nothing in A uses it: dropped and created anew before the
    columns of B are added; what uses it in A all gone in B: once they are dropped; else rebuilt with
    what uses it, unless a composite type or domain holds it (PostgreSQL cannot move one to another
    type), which is refused with the fix."""
    users = _users(a, old.name)
    if not users:
        yield CreateType(new, replaces=old)  # with its comment
        return
    holders = _holding_types(a, old.name)
    holders += [h for h in _holding_types(b, new.name) if h not in holders]
    if holders:
        raise PlanError(
            f"{what}: PostgreSQL cannot alter a range type, and {', '.join(users)} use it; "
            f"{_and(holders)} {'holds' if len(holders) == 1 else 'hold'} it, and PostgreSQL cannot move "
            "a composite type or a domain to a new range type: create a range type under another name, "
            "move the columns to it, then drop this one",
            new.name,
        )
    if not _users(b, new.name):
        yield CreateType(new, replaces=old, late=True)
        return
    yield _rebuild(a, b, old, new, what, kept)
    yield DropType(old, parked=naming.truncate(f"{old.name}_old"))


def _rebuild(
    a: Model, b: Model, old: RangeType, new: RangeType, what: str, kept: KeptColumns
) -> RebuildRange:
    """The range type rebuilt in place of `old`: the columns of it, of its multirange type and arrays
    of them converted; the functions whose signature names either dropped before and created after;
    the views naming either, or calling such a function, created again after."""
    multirange = multirange_name(old.name)
    names = frozenset({old.name, multirange})
    dropped = _signature_users(a, names)
    named = _naming(names)
    calls = [re.compile(rf"(?<![\w.]){re.escape(f.name)}\s*\(", re.IGNORECASE) for f in dropped]
    views = tuple(
        sorted(v.key for v in a.views if named.search(v.query) or any(c.search(v.query) for c in calls))
    )
    return RebuildRange(
        new,
        old,
        what,
        naming.truncate(f"{old.name}_old"),
        multirange,
        naming.truncate(f"{multirange}_old"),
        kept(names),
        tuple(dropped),
        tuple(_signature_users(b, names)),
        views,
    )


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _naming(names: frozenset[str]) -> re.Pattern[str]:
    """A query or a SQL-standard body naming one of `names` (a cast, a constructor's call)."""
    alternatives = "|".join(re.escape(n) for n in sorted(names))
    return re.compile(rf"(?<![\w.])(?:{alternatives})(?![\w])", re.IGNORECASE)


def _signature_users(model: Model, names: frozenset[str]) -> list[Function]:
    """The functions of `model` whose arguments or result name one of `names`, by signature."""
    return sorted(
        (
            f
            for f in model.functions
            if any(bare_type(w) in names for w in _words(f.identity, f.returns or ""))
        ),
        key=lambda f: f.keyed_signature,
    )


def _users(model: Model, name: str) -> list[str]:
    """What of `model` uses the range type `name`: columns of it, of its multirange type or of a type
    holding it, those types and the domains over them, functions taking or returning it, and the views
    and SQL-standard bodies naming it."""
    users = _holders(model, name)
    # the multirange type PostgreSQL made beside it goes with it too
    multirange = multirange_name(name)
    users += [f"function {f.name}" for f in _signature_users(model, frozenset({name, multirange}))]
    # a view's query, or a SQL-standard body, naming it (a cast): PostgreSQL ties them to the type
    named = _naming(frozenset({name, multirange}))
    users += sorted(f"view {v.name}" for v in model.views if named.search(v.query))
    users += sorted(
        f"function {f.name}"
        for f in model.functions
        if f.standard_body is not None and named.search(f.body) and f"function {f.name}" not in users
    )
    return list(dict.fromkeys(users))


def _words(*texts: str) -> list[str]:
    """The type names a function's arguments and result may hold (every word, loosely)."""
    return [w for text in texts for w in re.split(r"[\s,()]+", text) if w]


def _holding(model: Model, name: str) -> set[str]:
    """The range type `name`, its multirange type, and the types of `model` holding either (directly,
    in an array or in another type) and the domains over any of them."""
    holders = {name, multirange_name(name)}
    grew = True
    while grew:
        more = {t.name for t in model.types if any(bare_type(u) in holders for u in t.uses)}
        more |= {d.name for d in model.domains if bare_type(d.type) in holders}
        grew = not more <= holders
        holders |= more
    return holders


def _holding_types(model: Model, name: str) -> list[str]:
    """The composite types and domains of `model` holding the range type `name`."""
    domains = {d.name for d in model.domains}
    return sorted(
        f"domain `{h}`" if h in domains else f"composite type `{h}`"
        for h in _holding(model, name) - {name, multirange_name(name)}
    )


def _holders(a: Model, name: str) -> list[str]:
    """The columns that hold the range type `name` or its multirange type (directly, in an array or in
    another type or domain), and the types and domains that hold it."""
    holders = _holding(a, name)
    domains = {d.name for d in a.domains}
    types = sorted(
        f"{'domain' if t in domains else 'type'} {t}" for t in holders - {name, multirange_name(name)}
    )
    columns = sorted(
        f"{t.name}.{c.name}" for t in a.tables for c in t.columns if bare_type(c.type) in holders
    )
    return columns + types


def dropped(a: Model, b: Model) -> Iterator[Change]:
    """The types of A that B has not, each before those it uses."""
    new_types = b.types_by_name
    for type_ in reversed(order_types(a.types)):
        new = new_types.get(type_.key)
        if new is None or type(new) is not type(type_) or new.schema != type_.schema:
            yield DropType(type_)


def _renames(old: CompositeType, new: CompositeType) -> dict[str, str]:
    """Old attribute name → new one: an attribute of `new` whose `renamed_from` names one of `old` (an
    up migration), or one of `old` whose `renamed_from` names one of `new` (its down migration)."""
    before = {x.name for x in old.attributes}
    after = {x.name for x in new.attributes}
    found = {
        x.renamed_from: x.name
        for x in new.attributes
        if x.renamed_from in before and x.renamed_from not in after and x.name not in before
    }
    found |= {
        x.name: x.renamed_from
        for x in old.attributes
        if x.renamed_from in after and x.renamed_from not in before and x.name not in after
    }
    return {old_name: new_name for old_name, new_name in found.items() if old_name is not None}


def _attributes(a: Model, old: CompositeType, new: CompositeType) -> Iterator[Change]:
    renames = _renames(old, new)
    for old_name, new_name in sorted(renames.items()):
        attribute = next(x for x in old.attributes if x.name == old_name)
        yield AlterTypeAttribute(new, "rename", attribute, new_name)
    old = replace(
        old,
        attributes=tuple(replace(x, name=renames.get(x.name, x.name)) for x in old.attributes),
    )
    before = {x.name: x for x in old.attributes}
    after = {x.name: x for x in new.attributes}
    kept_old = [x.name for x in old.attributes if x.name in after]
    kept_new = [x.name for x in new.attributes if x.name in before]
    if kept_old != kept_new:
        raise PlanError(
            f"the attributes of type `{new.name}` change order ({', '.join(kept_old)} → "
            f"{', '.join(kept_new)}): PostgreSQL cannot reorder them; keep their order (new ones go last)",
            new.name,
        )
    added = [x.name for x in new.attributes if x.name not in before]
    if added and new.attributes[-len(added) :] != tuple(after[n] for n in added):
        raise PlanError(
            f"type `{new.name}` gains {', '.join(added)} before attributes it has: PostgreSQL adds an "
            "attribute last; write the new ones after the others",
            new.name,
        )
    for attribute in old.attributes:
        if attribute.name not in after:
            yield AlterTypeAttribute(new, "drop", attribute)
    for attribute in new.attributes:
        previous = before.get(attribute.name)
        if previous is not None and previous.type != attribute.type:
            _refuse(
                a,
                new.name,
                f"attribute `{attribute.name}` of type `{new.name}` changes type from {previous.type} to "
                f"{attribute.type}",
            )
            yield AlterTypeAttribute(new, "type", attribute)
        elif previous is not None and previous.collation != attribute.collation:
            own = "its type's"
            _refuse(
                a,
                new.name,
                f"attribute `{attribute.name}` of type `{new.name}` changes collation from "
                f"{previous.collation or own} to {attribute.collation or own}",
            )
            yield AlterTypeAttribute(new, "type", attribute)
    for name in added:
        yield AlterTypeAttribute(new, "add", after[name])


def _refuse(a: Model, name: str, what: str) -> None:
    """PostgreSQL alters a type's attributes' types (or drops it to make it anew) only while no column
    holds it, directly, in an array or in another type."""
    holders = {name}
    grew = True
    while grew:
        more = {t.name for t in a.types if any(bare_type(u) in holders for u in t.uses)}
        grew = not more <= holders
        holders |= more
    columns = sorted(
        f"{t.name}.{c.name}" for t in a.tables for c in t.columns if bare_type(c.type) in holders
    )
    if columns:
        raise PlanError(
            f"{what}, and {', '.join(columns)} hold it: PostgreSQL cannot alter a type a column "
            "holds; create a type under another name, move the columns to it, then drop this one",
            name,
        )
