"""A valid spec read into its shapes without pydantic: `schemagen validate`, `render` and `check` start
in a fraction of the time (importing pydantic and building its shapes was a third of a `validate`).

`schemagen/data/shapes.json` describes the shapes of `parse/spec.py` (generated from them by
`parse/describe.py`); this module turns the description into checks that accept a strict subset of
what the pydantic shapes accept, and give the same values: exact types only (a `str` is a str, an
`int` an int and not a bool, a `date` a date), the same short forms and whole-shape checks (the
functions of `parse/shortforms.py`), the same defaults. Anything else — an error, and also anything
merely unusual, such as a key written both by its alias and its name — is not decided here: `parse`
returns None and the caller asks pydantic, whose answer (and error messages) count. A description
made from other sources than today's shape modules is not used at all.

The shapes made here are plain objects with the pydantic shapes' attribute names (`schema_`,
`from_`…); the build reads them as it reads pydantic's.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from schemagen.parse import shortforms

if TYPE_CHECKING:
    from schemagen.load.loader import RawSpec
    from schemagen.parse.spec import Spec

#: The modules the shapes are made of (as `parse/describe.py` hashes them).
SOURCES = ("shape.py", "spec.py", "access.py", "shortforms.py")

Check = Callable[[Any], Any]


class Rejected(Exception):
    """Not decided here: pydantic is asked."""


class FastShape:
    """A shape read without pydantic: its fields as attributes, in the pydantic shape's order."""

    _fields: tuple[str, ...] = ()

    def model_dump(self) -> dict[str, Any]:
        return {name: _dump(getattr(self, name)) for name in self._fields}

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in self._fields)

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__name__}({shown})"


def _dump(value: Any) -> Any:
    if isinstance(value, FastShape):
        return value.model_dump()
    if isinstance(value, list):
        return [_dump(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_dump(v) for v in value)
    if isinstance(value, dict):
        return {k: _dump(v) for k, v in value.items()}
    return value


#: Where the package's description of its shapes is.
DESCRIPTION = Path(__file__).resolve().parent.parent / "data" / "shapes.json"


def sources_hash() -> str:
    """The hash of the shape modules' sources, which a description records."""
    digest = hashlib.sha256()
    folder = Path(__file__).resolve().parent
    for name in SOURCES:
        digest.update(name.encode() + b"\0" + (folder / name).read_bytes() + b"\0")
    return digest.hexdigest()


class _Shapes:
    """The checks and classes made from one description."""

    def __init__(self, description: dict[str, Any]) -> None:
        self.models: dict[str, Any] = description["models"]
        self.classes: dict[str, type[FastShape]] = {}
        self.checks: dict[str, Check] = {}
        self.defaults: dict[str, Any] = {}
        self.read_strings: list[dict[str, Any]] = []  # of each short form, emptied for each spec
        for name, model in self.models.items():
            fields = tuple(f[0] for f in model["fields"])
            # a default that is a plain value is the class's: an instance holds only what differs
            plain = {f[0]: f[3][1] for f in model["fields"] if f[3][0] == "value"}
            self.classes[name] = type(name, (FastShape,), {"_fields": fields, **plain})
        self.root = self.model(description["root"])

    def model(self, name: str) -> Check:
        found = self.checks.get(name)
        if found is not None:
            return found
        # a shape may hold itself (a partition's `then:`): its check is looked up when it runs
        self.checks[name] = lambda value: self.checks[name](value)
        cls = self.classes[name]
        model = self.models[name]
        # key → (field, its check, the types it takes as they are: None when its check must run)
        by_key: dict[str, tuple[str, Check, frozenset[type] | None]] = {}
        required: list[str] = []
        factories: list[tuple[str, type]] = []
        shapes: list[tuple[str, str]] = []
        aliased = False
        for field_name, alias, described, (kind, *arg) in model["fields"]:
            check = self.check(described)
            by_key[field_name] = (field_name, check, _as_is(described))
            if alias is not None:
                by_key[alias] = (field_name, check, _as_is(described))
                aliased = True
            if kind == "required":
                required.append(field_name)
            elif kind == "factory":
                factories.append((field_name, list if arg[0] == "list" else dict))
            elif kind == "model":
                shapes.append((field_name, arg[0]))
        after = [getattr(shortforms, f) for f in model["after"]]
        new = object.__new__

        def check_model(value: Any) -> Any:
            if type(value) is not dict:
                raise Rejected
            values: dict[str, Any] = {}
            for key, item in value.items():
                field = by_key.get(key) if type(key) is str else None
                # (two keys of a dict name one field only through an alias)
                if field is None or (aliased and field[0] in values):
                    raise Rejected
                as_is = field[2]
                if as_is is None:
                    values[field[0]] = field[1](item)
                elif type(item) in as_is:  # what its check would answer, without calling it
                    values[field[0]] = item
                else:
                    raise Rejected
            for field_name in required:
                if field_name not in values:
                    raise Rejected
            for field_name, factory in factories:
                if field_name not in values:
                    values[field_name] = factory()
            for field_name, shape_name in shapes:
                if field_name not in values:
                    values[field_name] = self.default_shape(shape_name)
            shape = new(cls)
            shape.__dict__ = values
            for func in after:
                try:
                    func(shape)
                except Exception:
                    raise Rejected from None
            return shape

        self.checks[name] = check_model
        return check_model

    def default_shape(self, name: str) -> Any:
        """A shape with every field at its default, shared (shapes are not changed once read)."""
        found = self.defaults.get(name)
        if found is None:
            found = self.defaults[name] = self.checks[name]({})
        return found

    def check(self, described: list[Any]) -> Check:
        kind = described[0]
        if kind == "model":
            return self.model(described[1])
        if kind == "str":
            least = described[1]

            def check_str(value: Any) -> Any:
                if type(value) is not str or len(value) < least:
                    raise Rejected
                return value

            return check_str
        if kind == "int":
            low, high = described[1], described[2]

            def check_int(value: Any) -> Any:
                if (
                    type(value) is not int
                    or (low is not None and value < low)
                    or (high is not None and value > high)
                ):
                    raise Rejected
                return value

            return check_int
        if kind in _EXACT:
            exact = _EXACT[kind]

            def check_exact(value: Any) -> Any:
                if type(value) is not exact:
                    raise Rejected
                return value

            return check_exact
        if kind == "any":
            return _any
        if kind == "literal":
            allowed = frozenset(described[1])

            def check_literal(value: Any) -> Any:
                if type(value) is not str or value not in allowed:
                    raise Rejected
                return value

            return check_literal
        if kind == "list":
            item, least = self.check(described[1]), described[2]

            def check_list(value: Any) -> Any:
                if type(value) is not list or len(value) < least:
                    raise Rejected
                return [item(v) for v in value]

            return check_list
        if kind == "dict":
            item, least = self.check(described[1]), described[2]

            def check_dict(value: Any) -> Any:
                if type(value) is not dict or len(value) < least:
                    raise Rejected
                checked = {}
                for key, v in value.items():
                    if type(key) is not str:
                        raise Rejected
                    checked[key] = item(v)
                return checked

            return check_dict
        if kind == "tuple":
            items = [self.check(d) for d in described[1]]

            def check_tuple(value: Any) -> Any:
                if type(value) not in (list, tuple) or len(value) != len(items):
                    raise Rejected
                return tuple(check(v) for check, v in zip(items, value, strict=True))

            return check_tuple
        if kind == "union":
            members = [(self.check(d), _takes(d)) for d in described[1]]
            # the members that may take a value of each type (those that may take any, always)
            anything = [check for check, types in members if types is None]
            by_type: dict[type, list[Check]] = {}
            for _, types in members:
                for t in types or ():
                    by_type.setdefault(t, [])
            for t, found in by_type.items():
                found.extend(check for check, types in members if types is None or t in types)

            def check_union(value: Any) -> Any:
                candidates = by_type.get(type(value), anything)
                if len(candidates) == 1:
                    return candidates[0](value)
                # exactly one member may take the value; more than one is pydantic's to decide
                taken: list[Any] = []
                for member in candidates:
                    try:
                        taken.append(member(value))
                    except Rejected:
                        continue
                if len(taken) != 1:
                    raise Rejected
                return taken[0]

            return check_union
        if kind == "before":
            func, inner = getattr(shortforms, described[1]), self.check(described[2])
            # a short form's string → what it reads as: one shape for each string of a spec (`bigint?`
            # is written column after column), shared as shapes are (never changed once read)
            read: dict[str, Any] = {}
            self.read_strings.append(read)

            def check_before(value: Any) -> Any:
                if type(value) is str:
                    found = read.get(value)
                    if found is not None:
                        return found
                try:
                    converted = func(value)
                except Exception:
                    raise Rejected from None
                result = inner(converted)
                if type(value) is str:
                    read[value] = result
                return result

            return check_before
        raise ValueError(f"unknown shape kind {kind!r}")


_EXACT = {"bool": bool, "float": float, "date": date, "datetime": datetime, "none": type(None)}
_TAKES: dict[str, frozenset[type]] = {
    "str": frozenset({str}),
    "literal": frozenset({str}),
    "int": frozenset({int}),
    "list": frozenset({list}),
    "dict": frozenset({dict}),
    "model": frozenset({dict}),
    "tuple": frozenset({list, tuple}),
    **{kind: frozenset({t}) for kind, t in _EXACT.items()},
}


def _takes(described: list[Any]) -> frozenset[type] | None:
    """The exact types of value a described type may take; None when any (a short form may turn any
    value into one it takes)."""
    if described[0] == "union":
        found: set[type] = set()
        for member in described[1]:
            types = _takes(member)
            if types is None:
                return None
            found |= types
        return frozenset(found)
    return _TAKES.get(described[0])


def _any(value: Any) -> Any:
    return value


def _as_is(described: list[Any]) -> frozenset[type] | None:
    """The exact types of value that a described type takes unchanged, when it takes every value of
    them and no other (`str`, `bool`, `str | None`…); None when its check must run (a bound, a
    length, a literal's values, a shape, a short form, anything)."""
    kind = described[0]
    if kind == "union":
        found: set[type] = set()
        for member in described[1]:
            types = _as_is(member)
            if types is None or found & types:  # (two members taking one type: the union's check decides)
                return None
            found |= types
        return frozenset(found)
    if kind == "str":
        return frozenset({str}) if described[1] == 0 else None
    if kind in _EXACT:
        return frozenset({_EXACT[kind]})
    return None


@cache
def _shapes() -> _Shapes | None:
    """The checks of today's description; None when it was made from other sources or is unreadable."""
    try:
        description = json.loads(DESCRIPTION.read_text(encoding="utf-8"))
        if description.get("sources") != sources_hash():
            return None
        return _Shapes(description)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def parse(raw: RawSpec) -> Spec | None:
    """The raw tree's shapes, when they are valid and plain; None when pydantic must decide."""
    shapes = _shapes()
    if shapes is None:
        return None
    try:
        spec: Spec = shapes.root(raw.data)
    except Rejected:
        return None
    finally:
        for read in shapes.read_strings:
            read.clear()
    return spec


def make(name: str, **values: Any) -> Any:
    """A shape with the given fields (already valid) and every other at its default: what the build
    adds itself (a junction table's index). Falls back to the pydantic shape."""
    shapes = _shapes()
    if shapes is not None:
        try:
            return shapes.checks[name](values)
        except (Rejected, KeyError):
            pass
    from schemagen.parse import spec

    return getattr(spec, name)(**values)
