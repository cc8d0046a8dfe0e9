"""The Model as JSON and back: `generated/snapshot.json`, the schema as of the newest migration.

`dump` writes every field that takes part in equality: `compare=False` fields (source locations) and
derived properties are left out, so the same schema always gives the same bytes, whichever files and
lines declared it. `load(dump(m)) == m`, with the locations back as None.

The text is a JSON object `{"format": 2, "migration": "0002_name", "model": {...}}` with sorted keys
and a 2-space indent; `migration` names the newest migration, the one the Model is the schema of, so
a history that lost its newest files is told from a complete one (format 1, without it, still loads). A
dataclass is an object of its fields; a field is left out when it holds its own default and that
default is None, false or empty, which keeps the file short and reviewable in a diff. Other defaults
(`postgres: 15`, `using: "btree"`) are written out, so changing one in the code cannot change what an
old snapshot means. Tuples are lists. Literal values (column defaults, partition bounds) that JSON has
no type for are tagged objects with a single `$` key:

    {"$date": "2024-01-01"}   {"$datetime": "2024-01-01T00:00:00+00:00"}   {"$float": "nan"}

and a user's dict whose only key starts with `$` is escaped as `{"$dict": {...}}`, so it is never
taken for a tag.

`load` checks every value against the dataclasses' type hints and raises `SnapshotError`, and nothing
else, on any text that is not such a snapshot. A field missing from the text gets its default when it
has one (a snapshot written before the field existed still loads); an unknown field is an error.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import math
import sys
import types
import typing
from collections.abc import Callable
from datetime import date, datetime
from json.encoder import encode_basestring
from typing import Any, ForwardRef, Literal, Union, get_args, get_origin, get_type_hints

from schemagen.model import Model

FORMAT = 2
_READABLE = frozenset({1, 2})

_TAG_DATE, _TAG_DATETIME, _TAG_FLOAT, _TAG_DICT = "$date", "$datetime", "$float", "$dict"


class SnapshotError(Exception):
    """The text is not a snapshot this version can read (the CLI reports it as bad input)."""


def dump(model: Model, migration: str | None = None) -> str:
    """The snapshot text of `model` (the schema as of the migration named `migration`): deterministic,
    location-free JSON ending in a newline.

    Raises TypeError for a value the Model's types do not allow (a set, a dict with an int key)."""
    out: list[str] = ['{\n  "format": ', str(FORMAT)]
    if migration is not None:
        out += [',\n  "migration": ', encode_basestring(migration)]
    out.append(',\n  "model": ')
    _emit(model, "\n  ", out)
    out.append("\n}\n")
    return "".join(out)


def load(text: str) -> Model:
    """The Model of a snapshot text; raises SnapshotError, and nothing else, for any bad input."""
    return load_with_migration(text)[0]


def load_with_migration(text: str) -> tuple[Model, str | None]:
    """The Model of a snapshot text and the migration it is the schema of (None when not recorded)."""
    # Hundreds of thousands of new objects, none in a cycle, set off collection after collection,
    # which alone nearly doubles the time on a large Model.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _load(text)
    finally:
        if collecting:
            gc.enable()


def _load(text: str) -> tuple[Model, str | None]:
    data, migration = _header(text)
    try:
        return _model_decoder()(data["model"]), migration
    except _Invalid as error:
        raise SnapshotError(f"the snapshot is malformed at {error.where()}: {error.message}") from None
    except RecursionError:
        raise SnapshotError("the snapshot is malformed: its values are nested too deeply") from None


def migration_of(text: str) -> str | None:
    """The migration a snapshot text is the schema of (None when not recorded), its JSON and top-level
    keys checked but its Model not read; raises SnapshotError as `load` does for those."""
    return _header(text)[1]


def _header(text: str) -> tuple[dict[str, Any], str | None]:
    """The snapshot's JSON object, checked down to its top-level keys, and its migration."""
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, TypeError, RecursionError) as error:
        raise SnapshotError(f"the snapshot is not valid JSON: {_one_line(str(error))}") from None
    if type(data) is not dict:
        raise SnapshotError(f"the snapshot is {_describe(data)}, not a JSON object")
    if "format" not in data:
        raise SnapshotError('the snapshot has no "format": it was not written by schemagen')
    version = data["format"]
    if type(version) is not int or version not in _READABLE:
        raise SnapshotError(
            f"the snapshot has format {_describe(version)}; this version of schemagen reads formats "
            f"{', '.join(map(str, sorted(_READABLE)))}"
        )
    migration = data.get("migration")
    if version < 2 and "migration" in data:
        raise SnapshotError('the snapshot has format 1, which has no "migration"')
    if migration is not None and type(migration) is not str:
        raise SnapshotError(f'the snapshot\'s "migration" is {_describe(migration)}, not a string')
    unknown = sorted(set(data) - {"format", "migration", "model"})
    if unknown:
        raise SnapshotError(f"the snapshot has an unknown top-level key {unknown[0]!r}")
    if "model" not in data:
        raise SnapshotError('the snapshot has no "model"')
    return data, migration


# --- dump ----------------------------------------------------------------------------------------

# Per dataclass: (field name, its quoted key, the default that lets the field be left out, or _KEEP).
_Plan = tuple[tuple[str, str, Any], ...]
_KEEP = object()
_EMIT_PLANS: dict[type, _Plan] = {}


def _emit_plan(cls: type) -> _Plan:
    plan = []
    for f in dataclasses.fields(cls):
        if not f.compare:
            continue
        omit = f.default if f.default is None or f.default is False or f.default == () else _KEEP
        plan.append((f.name, encode_basestring(f.name) + ": ", omit))
    plan.sort()
    _EMIT_PLANS[cls] = result = tuple(plan)
    return result


def _emit(value: Any, indent: str, out: list[str]) -> None:
    """Append the JSON of `value` to `out`, laid out as `json.dumps(sort_keys=True, indent=2)` would.

    Written by hand because the standard encoder falls back to pure Python when indenting, and
    building dicts first for it doubles the work on large Models."""
    kind = type(value)
    if kind is str:
        out.append(encode_basestring(value))
    elif value is None:
        out.append("null")
    elif kind is bool:
        out.append("true" if value else "false")
    elif kind is int:
        out.append(int.__repr__(value))
    elif kind is tuple or kind is list:
        if not value:
            out.append("[]")
            return
        inner = indent + "  "
        out.append("[" + inner)
        first = True
        for item in value:
            if not first:
                out.append("," + inner)
            first = False
            _emit(item, inner, out)
        out.append(indent + "]")
    elif kind is dict:
        _emit_dict(value, indent, out, escape=True)
    elif kind is float:
        if math.isfinite(value):
            out.append(float.__repr__(value))
        else:
            text = "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
            _emit_tag(_TAG_FLOAT, text, indent, out)
    elif kind is datetime:
        _emit_tag(_TAG_DATETIME, value.isoformat(), indent, out)
    elif kind is date:
        _emit_tag(_TAG_DATE, value.isoformat(), indent, out)
    else:
        plan = _EMIT_PLANS.get(kind)
        if plan is None:
            if not dataclasses.is_dataclass(kind):
                _emit(_plain(value), indent, out)
                return
            plan = _emit_plan(kind)
        inner = indent + "  "
        sep = "{" + inner
        for name, key, omit in plan:
            field_value = getattr(value, name)
            if omit is not _KEEP and type(field_value) is type(omit) and field_value == omit:
                continue
            out.append(sep)
            out.append(key)
            _emit(field_value, inner, out)
            sep = "," + inner
        out.append("{}" if sep[0] == "{" else indent + "}")


def _emit_dict(value: dict, indent: str, out: list[str], escape: bool) -> None:
    if not value:
        out.append("{}")
        return
    for key in value:
        if type(key) is not str:
            raise TypeError(f"a dict in the Model has the {type(key).__name__} key {key!r}: keys are strings")
    if escape and len(value) == 1 and next(iter(value)).startswith("$"):
        inner = indent + "  "
        out.append("{" + inner + encode_basestring(_TAG_DICT) + ": ")
        _emit_dict(value, inner, out, escape=False)
        out.append(indent + "}")
        return
    inner = indent + "  "
    sep = "{" + inner
    for key in sorted(value):
        out.append(sep)
        out.append(encode_basestring(key) + ": ")
        _emit(value[key], inner, out)
        sep = "," + inner
    out.append(indent + "}")


def _emit_tag(tag: str, text: str, indent: str, out: list[str]) -> None:
    out.append("{" + indent + "  " + encode_basestring(tag) + ": " + encode_basestring(text) + indent + "}")


def _plain(value: Any) -> Any:
    """A subclass of a JSON type as the base type (a StrEnum is written as its string)."""
    for base in (bool, int, float, str):
        if isinstance(value, base):
            return base(value)
    if isinstance(value, (tuple, list)):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    raise TypeError(f"a {type(value).__name__} value cannot be written to a snapshot: {value!r}")


# --- load ----------------------------------------------------------------------------------------

Decoder = Callable[[Any], Any]


class _Invalid(Exception):
    """A value that does not fit its type hint; `path` is filled in innermost first on the way out."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.path: list[str | int] = []

    def where(self) -> str:
        text = "model"
        for step in reversed(self.path):
            text += f"[{step}]" if isinstance(step, int) else f".{step}"
        return text


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON")


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 40 else text[:37] + "..."


def _either(options: list[str]) -> str:
    return options[0] if len(options) == 1 else ", ".join(options[:-1]) + " or " + options[-1]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _describe(value: Any) -> str:
    if type(value) is dict:
        if not _kind(value).startswith("$"):
            return "an object"
        ((tag, inner),) = value.items()
        return f"{{{_short(tag)}: {_describe(inner)}}}"
    if type(value) is list:
        return "a list"
    return _short(value)


_KINDS: dict[type, str] = {
    type(None): "null",
    bool: "bool",
    int: "int",
    float: "float",
    str: "str",
    list: "list",
}


def _kind(value: Any) -> str:
    """The JSON shape of a value, a tag counting as its own shape, for choosing among a union's types."""
    kind = type(value)
    if kind is dict:
        if len(value) == 1:
            (key,) = value
            if key.startswith("$"):
                return key
        return "object"
    return _KINDS.get(kind, "?")


class _Compiled(typing.NamedTuple):
    decode: Decoder
    kinds: frozenset[str]  # the JSON shapes the decoder accepts
    expected: str  # what it accepts, for error messages
    exact: frozenset[type] = frozenset()  # JSON types taken as they are: callers skip the call for them


_COMPILED: dict[Any, _Compiled] = {}


def _model_decoder() -> Decoder:
    return _compile(Model, vars(sys.modules[Model.__module__])).decode


def _compile(hint: Any, namespace: dict[str, Any]) -> _Compiled:
    """The decoder for a type hint, built once; recursive types go through a late-bound cell."""
    cached = _COMPILED.get(hint)
    if cached is not None:
        return cached
    cell: list[Decoder] = []
    # A recursive type (JsonValue, PartitionScheme) reaches itself while being built.
    _COMPILED[hint] = _Compiled(lambda value: cell[0](value), *_shape(hint, namespace))
    compiled = _build(hint, namespace)
    cell.append(compiled.decode)
    _COMPILED[hint] = compiled
    return compiled


def _shape(hint: Any, namespace: dict[str, Any]) -> tuple[frozenset[str], str]:
    """The JSON kinds a hint accepts and how to describe it, without building its decoder, so that
    `_compile` can stand in for a recursive type before it is built."""
    if isinstance(hint, (str, ForwardRef)):
        return _shape(_resolve(hint, namespace), namespace)
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return frozenset({"object"}), f"an object ({hint.__name__})"
    if hint in _SCALARS:
        return _SCALARS[hint][1:3]
    origin, args = get_origin(hint), get_args(hint)
    if origin is Literal:
        return _build_literal(args)[1:3]
    if origin in (Union, types.UnionType):
        shapes = [_shape(arg, namespace) for arg in args]
        return frozenset().union(*(kinds for kinds, _ in shapes)), _either([e for _, e in shapes])
    if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
        return frozenset({"list"}), f"a list of {len(args)}"
    if origin in (tuple, list):
        return frozenset({"list"}), "a list"
    if origin is dict:
        return frozenset({"object", _TAG_DICT}), "an object"
    raise TypeError(f"snapshot: no decoder for the type hint {hint!r}")


def _resolve(hint: str | ForwardRef, namespace: dict[str, Any]) -> Any:
    source = hint if isinstance(hint, str) else hint.__forward_arg__
    return eval(source, namespace)  # an annotation written in the model's own source


def _build(hint: Any, namespace: dict[str, Any]) -> _Compiled:
    if isinstance(hint, (str, ForwardRef)):
        return _compile(_resolve(hint, namespace), namespace)
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return _build_dataclass(hint)
    if hint in _SCALARS:
        return _SCALARS[hint]
    origin, args = get_origin(hint), get_args(hint)
    if origin is Literal:
        return _build_literal(args)
    if origin in (Union, types.UnionType):
        return _build_union([_compile(arg, namespace) for arg in args])
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return _build_sequence(_compile(args[0], namespace), tuple)
        return _build_fixed_tuple([_compile(arg, namespace) for arg in args])
    if origin is list:
        return _build_sequence(_compile(args[0], namespace), list)
    if origin is dict:
        return _build_dict(_compile(args[1], namespace))
    raise TypeError(f"snapshot: no decoder for the type hint {hint!r}")


def _build_dataclass(cls: type) -> _Compiled:
    namespace = vars(sys.modules[cls.__module__])
    hints = get_type_hints(cls)
    by_name: dict[str, tuple[Decoder, frozenset[type]]] = {}
    required: list[str] = []
    for f in dataclasses.fields(cls):
        has_default = f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
        if not f.compare or not f.init:
            if f.init and not has_default:
                raise TypeError(f"snapshot: {cls.__name__}.{f.name} is not stored and has no default")
            continue
        compiled = _compile(hints[f.name], namespace)
        by_name[f.name] = (compiled.decode, compiled.exact)
        if not has_default:
            required.append(f.name)
    required_set = frozenset(required)
    expected = f"an object ({cls.__name__})"

    def decode(value: Any) -> Any:
        if type(value) is not dict:
            raise _Invalid(f"expected {expected}, got {_describe(value)}")
        if not value.keys() >= required_set:
            missing = next(name for name in required if name not in value)
            raise _Invalid(f"{cls.__name__} has no {missing!r}")
        # Only the fields present: the rest are omitted defaults, and looping over them costs time.
        kwargs = {}
        for name, raw in value.items():
            entry = by_name.get(name)
            if entry is None:
                raise _Invalid(f"{cls.__name__} has no field {name!r}")
            if type(raw) in entry[1]:
                kwargs[name] = raw
                continue
            try:
                kwargs[name] = entry[0](raw)
            except _Invalid as error:
                error.path.append(name)
                raise
        return cls(**kwargs)

    return _Compiled(decode, frozenset({"object"}), expected)


def _scalar(kind: type, name: str, expected: str) -> _Compiled:
    def decode(value: Any) -> Any:
        if type(value) is not kind:
            raise _Invalid(f"expected {expected}, got {_describe(value)}")
        return value

    return _Compiled(decode, frozenset({name}), expected, frozenset({kind}))


def _decode_float(value: Any) -> float:
    if type(value) is float:
        return value
    if _kind(value) == _TAG_FLOAT and value[_TAG_FLOAT] in ("nan", "inf", "-inf"):
        return float(value[_TAG_FLOAT])
    raise _Invalid(f'expected a number or {{"$float": "nan"|"inf"|"-inf"}}, got {_describe(value)}')


def _decode_date(value: Any) -> date:
    kind = _kind(value)
    if kind == _TAG_DATETIME:
        return _decode_datetime(value)
    text = value[_TAG_DATE] if kind == _TAG_DATE else None
    if type(text) is str:
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise _Invalid(f'expected {{"$date": "YYYY-MM-DD"}}, got {_describe(value)}')


def _decode_datetime(value: Any) -> datetime:
    text = value[_TAG_DATETIME] if _kind(value) == _TAG_DATETIME else None
    if type(text) is str:
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass
    raise _Invalid(f'expected {{"$datetime": "<ISO 8601>"}}, got {_describe(value)}')


_SCALARS: dict[Any, _Compiled] = {
    str: _scalar(str, "str", "a string"),
    int: _scalar(int, "int", "an integer"),
    bool: _scalar(bool, "bool", "true or false"),
    type(None): _scalar(type(None), "null", "null"),
    float: _Compiled(_decode_float, frozenset({"float", _TAG_FLOAT}), "a number", frozenset({float})),
    date: _Compiled(_decode_date, frozenset({_TAG_DATE, _TAG_DATETIME}), "a date"),
    datetime: _Compiled(_decode_datetime, frozenset({_TAG_DATETIME}), "a datetime"),
}


def _build_literal(allowed: tuple[Any, ...]) -> _Compiled:
    # Compared with their types, so that true is not taken for 1.
    members = frozenset((type(a), a) for a in allowed)
    kinds = frozenset(_KINDS[type(a)] for a in allowed if type(a) in _KINDS)
    expected = "one of " + ", ".join(_short(a) for a in allowed)

    def decode(value: Any) -> Any:
        if _kind(value) not in kinds or (type(value), value) not in members:
            raise _Invalid(f"expected {expected}, got {_describe(value)}")
        return value

    return _Compiled(decode, kinds, expected)


def _build_union(options: list[_Compiled]) -> _Compiled:
    by_kind: dict[str, list[Decoder]] = {}
    for option in options:
        for kind in option.kinds:
            by_kind.setdefault(kind, []).append(option.decode)
    expected = _either([option.expected for option in options])
    # A type one option takes as it is and no other option accepts needs no further look.
    exact = frozenset(
        t for option in options for t in option.exact if t in _KINDS and len(by_kind[_KINDS[t]]) == 1
    )

    def decode(value: Any) -> Any:
        if type(value) in exact:
            return value
        candidates = by_kind.get(_kind(value))
        if candidates is None:
            raise _Invalid(f"expected {expected}, got {_describe(value)}")
        for candidate in candidates[:-1]:
            try:
                return candidate(value)
            except _Invalid:
                continue
        return candidates[-1](value)

    return _Compiled(decode, frozenset(by_kind), expected, exact)


def _build_sequence(item: _Compiled, result: type) -> _Compiled:
    item_decoder, exact = item.decode, item.exact

    def decode(value: Any) -> Any:
        if type(value) is not list:
            raise _Invalid(f"expected a list, got {_describe(value)}")
        if all(type(element) in exact for element in value):
            return value if result is list else result(value)
        items = []
        for index, element in enumerate(value):
            try:
                items.append(item_decoder(element))
            except _Invalid as error:
                error.path.append(index)
                raise
        return items if result is list else result(items)

    return _Compiled(decode, frozenset({"list"}), "a list")


def _build_fixed_tuple(items: list[_Compiled]) -> _Compiled:
    def decode(value: Any) -> Any:
        if type(value) is not list or len(value) != len(items):
            raise _Invalid(f"expected a list of {len(items)}, got {_describe(value)}")
        out = []
        for index, (item, element) in enumerate(zip(items, value, strict=True)):
            try:
                out.append(item.decode(element))
            except _Invalid as error:
                error.path.append(index)
                raise
        return tuple(out)

    return _Compiled(decode, frozenset({"list"}), f"a list of {len(items)}")


def _build_dict(item: _Compiled) -> _Compiled:
    item_decoder = item.decode

    def decode(value: Any) -> Any:
        kind = _kind(value)
        if kind == _TAG_DICT:
            value = value[_TAG_DICT]
            if type(value) is not dict:
                raise _Invalid(f'expected an object inside "$dict", got {_describe(value)}')
        elif kind != "object":
            raise _Invalid(f"expected an object, got {_describe(value)}")
        out = {}
        for key, element in value.items():
            try:
                out[key] = item_decoder(element)
            except _Invalid as error:
                error.path.append(key)
                raise
        return out

    return _Compiled(decode, frozenset({"object", _TAG_DICT}), "an object")
