"""Model A, Model B → the changes of their composite and range types (`types:`).

Created ones come after the domains they may use; dropped ones before the domains they use (the diff
yields `dropped` before the domains' changes, `created` after: the operations share the domains'
phases). A composite type's attribute is added or dropped in place, whatever the columns of the type
hold (an added one reads NULL, a dropped one's values are gone); its new type or collation while no
column holds the type. A range type PostgreSQL cannot alter (subtype, `subtype_diff`, collation,
`subtype_opclass`) is dropped and created anew while nothing uses it. What PostgreSQL cannot do is
refused with the fix: an attribute's new type or collation while a column holds the type, attributes
in another order, a changed range type something uses."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

from schemagen.model import CompositeType, Model, RangeType
from schemagen.model.usertypes import bare_type, order_types
from schemagen.plan.changes import AlterTypeAttribute, Change, Comment, CreateType, DropType
from schemagen.plan.errors import PlanError

__all__ = ["created", "dropped"]


def created(a: Model, b: Model) -> Iterator[Change]:
    """The types of B that A has not, each after those it uses; the attributes of those both have."""
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
                yield from _remake_range(a, b, old, type_, changed)
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


def _remake_range(a: Model, b: Model, old: RangeType, new: RangeType, what: str) -> Iterator[Change]:
    """PostgreSQL cannot alter a range type: it is dropped and created anew, which only works while
    nothing uses it (a column, a type, a function). Nothing in A: before the columns of B are added;
    what uses it in A all gone in B, and nothing in B: once they are dropped; else refused with the fix."""
    users = _users(a, old.name)
    late = False
    if users:
        late = not any(u.startswith("type ") for u in users) and not _users(b, new.name)
        if not late:
            raise PlanError(
                f"{what}: PostgreSQL cannot alter a range type, and {', '.join(users)} use it; create a "
                "range type under another name, move the columns to it, then drop this one",
                new.name,
            )
    yield CreateType(new, replaces=old, late=late)  # with its comment


def _users(model: Model, name: str) -> list[str]:
    """What of `model` uses the range type `name`: columns of it, of its multirange type or of a type
    holding it, those types, functions taking or returning it, and the views and SQL-standard bodies
    naming it."""
    users = _holders(model, name)
    # the multirange type PostgreSQL made beside it goes with it too
    multirange = name.replace("range", "multirange", 1) if "range" in name else f"{name}_multirange"
    users += sorted(
        f"{t.name}.{c.name}" for t in model.tables for c in t.columns if bare_type(c.type) == multirange
    )
    users += sorted(
        f"function {f.name}"
        for f in model.functions
        if any(bare_type(w) in (name, multirange) for w in _words(f.identity, f.returns or ""))
    )
    # a view's query, or a SQL-standard body, naming it (a cast): PostgreSQL ties them to the type
    named = re.compile(rf"(?<![\w.])(?:{re.escape(name)}|{re.escape(multirange)})(?![\w])", re.IGNORECASE)
    users += sorted(f"view {v.name}" for v in model.views if named.search(v.query))
    users += sorted(
        f"function {f.name}"
        for f in model.functions
        if f.standard_body is not None and named.search(f.body) and f"function {f.name}" not in users
    )
    return users


def _words(*texts: str) -> list[str]:
    """The type names a function's arguments and result may hold (every word, loosely)."""
    return [w for text in texts for w in re.split(r"[\s,()]+", text) if w]


def _holders(a: Model, name: str) -> list[str]:
    """The columns that hold the type `name` (directly, in an array or in another type), and the types
    that hold it."""
    holders = {name}
    grew = True
    while grew:
        more = {t.name for t in a.types if any(bare_type(u) in holders for u in t.uses)}
        grew = not more <= holders
        holders |= more
    types = sorted(f"type {t}" for t in holders - {name})
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
