"""The schemas inspect declares (`project.schemas`): those a spec would not otherwise create as they are."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from schemagen.model import Model, Schema
from schemagen.model.object_access import ObjectAccess

__all__ = ["PUBLIC_COMMENT", "declared_schemas", "schemas_as_declared"]

#: the comment PostgreSQL gives the public schema of every new database
PUBLIC_COMMENT = "standard public schema"


def declared_schemas(
    schemas: Iterable[str],
    comments: Mapping[str, str | None],
    used: Iterable[str],
    access: Mapping[str, ObjectAccess] | None = None,
) -> tuple[Schema, ...]:
    """Of the inspected `schemas` that exist (`comments` holds every existing one, with its comment),
    those that hold nothing the spec declares (`used`: the schemas of what it does) or carry a
    comment; public is every database's own, so it is declared only for an owner, grants (`access`:
    those of each schema that differ from the defaults) or a comment of its own (not PostgreSQL's).

    >>> declared_schemas(["public", "app", "empty", "gone"], {"public": "standard public schema",
    ...     "app": "The application", "empty": None}, ["public", "app"])
    ... # doctest: +NORMALIZE_WHITESPACE
    (Schema(name='app', comment='The application', access=None, loc=None),
     Schema(name='empty', comment=None, access=None, loc=None))
    """
    holding = set(used)
    access = access or {}
    found = []
    for name in sorted(set(schemas)):
        if name not in comments:
            continue
        if name == "public":
            comment = comments[name] if comments[name] != PUBLIC_COMMENT else None
            if name in access or comment is not None:
                found.append(Schema(name, comment, access.get(name)))
            continue
        if comments[name] is not None or name not in holding or name in access:
            found.append(Schema(name, comments[name], access.get(name)))
    return tuple(found)


def schemas_as_declared(model: Model, reference: Model) -> Model:
    """`model` (a database's) keeping of its declared schemas those `reference` (a spec) declares too
    and those with a comment: an empty schema the spec does not declare is not the spec's business,
    as a table outside it is not (a migration down leaves the schemas it created, empty)."""
    wanted = {s.name for s in reference.project.schemas}
    kept = tuple(
        s for s in model.project.schemas if s.name in wanted or s.comment is not None or s.access is not None
    )
    return replace(model, project=replace(model.project, schemas=kept))
