"""`types:` → the Model's composite and range types (`model.usertypes`), with their errors at the YAML
line: one kind per type, attribute and subtypes that exist (SG105), no type holding itself (SG150).
Whether a collation or a range's operator class exists is judged by `check.usertypes`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

from schemagen.diagnostics import Diagnostic, rules
from schemagen.model import CompositeAttribute, CompositeType, Location, RangeType, UserType
from schemagen.model.keys import by_spelling
from schemagen.model.usertypes import bare_type
from schemagen.postgres import sqltypes

if TYPE_CHECKING:
    from schemagen.parse.spec import TypeSpec

__all__ = ["build_types"]

_FUNCTION_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$")
_COLLATION_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.@-]*$")


class _Builder(Protocol):
    type_names: frozenset[str]

    def loc(self, *path: str | int, key: bool = True) -> Location | None: ...

    def report(self, diagnostic: Diagnostic) -> None: ...

    def check_name(self, name: str, what: str, loc: Location | None) -> None: ...

    def qualified_type(self, canonical: str) -> str: ...

    def pinned_schema(self, name: str) -> tuple[str | None, str]: ...


def build_types(
    builder: _Builder, specs: Mapping[str, TypeSpec], home: str, functions: frozenset[str] = frozenset()
) -> list[UserType]:
    """`functions`: the names of the spec's functions, which are created after the types."""
    found: list[UserType] = []
    for name, spec in sorted(specs.items()):
        loc = builder.loc("types", name)
        # `schema.name` (a schema the spec knows, no `schema:`): the type `name` of that schema
        qualifier, bare = (None, name) if spec.schema_ else builder.pinned_schema(name)
        spec_key = name if qualifier else None
        builder.check_name(bare, "a type", loc)
        if spec.schema_ is not None:
            builder.check_name(spec.schema_, "a schema", builder.loc("types", name, "schema"))
        schema = spec.schema_ or qualifier or home
        if (spec.composite is None) == (spec.range is None):
            builder.report(
                rules.USER_TYPE(
                    loc,
                    type=name,
                    problem="give it `composite:` or `range:`"
                    if spec.composite is None
                    else "it is both a composite and a range type",
                    fix="write `composite: {attribute: type}` or `range: {subtype: type}`",
                )
            )
            continue
        if spec.composite is not None:
            attributes = []
            if not spec.composite:
                builder.report(
                    rules.USER_TYPE(
                        builder.loc("types", name, "composite"),
                        type=name,
                        problem="a composite type without attributes holds nothing",
                        fix="give it attributes: `composite: {street: text}`",
                    )
                )
            for attribute, written in spec.composite.items():
                path: tuple[str, ...] = ("types", name, "composite", attribute)
                renamed_from: str | None = None
                collation: str | None = None
                if isinstance(written, str):
                    text = written
                else:
                    text, renamed_from, collation = written.type, written.renamed_from, written.collation
                    path = (*path, "type")
                    if collation is not None and not _COLLATION_NAME.match(collation):
                        builder.report(
                            rules.INVALID_NAME(
                                builder.loc("types", name, "composite", attribute, "collation", key=False),
                                name=collation,
                                what="a collation",
                            )
                        )
                        collation = None
                where = builder.loc(*path, key=False) or loc
                builder.check_name(
                    attribute, "an attribute", builder.loc("types", name, "composite", attribute)
                )
                if renamed_from is not None:
                    builder.check_name(
                        renamed_from,
                        "an attribute",
                        builder.loc("types", name, "composite", attribute, "renamed_from", key=False),
                    )
                type_ = _type(builder, name, text, where)
                if type_ is not None:
                    collation_loc = builder.loc("types", name, "composite", attribute, "collation", key=False)
                    attributes.append(
                        CompositeAttribute(attribute, type_, renamed_from, collation, collation_loc or where)
                    )
            found.append(CompositeType(bare, schema, tuple(attributes), spec.comment, loc, spec_key))
        elif spec.range is not None:
            where = builder.loc("types", name, "range", "subtype", key=False) or loc
            subtype = _type(builder, name, spec.range.subtype, where) or spec.range.subtype
            diff = spec.range.subtype_diff
            if diff is not None and diff.rsplit(".", 1)[-1] in functions:
                builder.report(
                    rules.USER_TYPE(
                        builder.loc("types", name, "range", "subtype_diff", key=False) or loc,
                        type=name,
                        problem=f"`subtype_diff: {diff}` names a function of the spec, which is created "
                        "after the types",
                        fix="name a function PostgreSQL or an extension ships, such as `float8mi`",
                    )
                )
            elif diff is not None and not _FUNCTION_NAME.match(diff):
                builder.report(
                    rules.INVALID_NAME(
                        builder.loc("types", name, "range", "subtype_diff"), name=diff, what="a function"
                    )
                )
            collation = spec.range.collation
            if collation is not None and not _COLLATION_NAME.match(collation):
                builder.report(
                    rules.INVALID_NAME(
                        builder.loc("types", name, "range", "collation"), name=collation, what="a collation"
                    )
                )
            opclass = spec.range.subtype_opclass
            if opclass is not None and not _FUNCTION_NAME.match(opclass):
                builder.report(
                    rules.INVALID_NAME(
                        builder.loc("types", name, "range", "subtype_opclass", key=False),
                        name=opclass,
                        what="an operator class",
                    )
                )
                opclass = None
            found.append(
                RangeType(
                    bare,
                    schema,
                    subtype,
                    diff,
                    collation,
                    spec.comment,
                    loc,
                    spec_key,
                    opclass.lower() if opclass is not None else None,
                    builder.loc("types", name, "range", "subtype_opclass", key=False) or loc,
                    builder.loc("types", name, "range", "collation", key=False) or loc,
                )
            )
    _cycles(builder, found)
    return found


def _type(builder: _Builder, name: str, text: str, where: Location | None) -> str | None:
    text = text.strip() if isinstance(text, str) else str(text)
    try:
        canonical = sqltypes.canonical_type(text, builder.type_names)
    except sqltypes.UnknownTypeError as error:
        builder.report(rules.UNKNOWN_TYPE(where, type=text, problem=str(error)))
        return None
    return builder.qualified_type(canonical)


def _cycles(builder: _Builder, types: list[UserType]) -> None:
    """A type that holds itself, directly or through others: PostgreSQL refuses it."""
    by_type = by_spelling(types)

    def named(used: str) -> str:
        written = used.removesuffix("[]").strip('"')
        found = by_type.get(written) or by_type.get(bare_type(used))
        return found.key if found is not None else written

    for type_ in types:
        trail = [type_.key]
        todo = [named(u) for u in type_.uses]
        seen: set[str] = set()
        while todo:
            used = todo.pop()
            if used == type_.key:
                builder.report(
                    rules.USER_TYPE(
                        type_.loc,
                        type=type_.name,
                        problem="it holds itself" + (f" through {', '.join(trail[1:])}" if trail[1:] else ""),
                        fix="use another type for the attribute (an array of the type cannot hold it either)",
                    )
                )
                break
            if used in seen or used not in by_type:
                continue
            seen.add(used)
            trail.append(used)
            todo.extend(named(u) for u in by_type[used].uses)
