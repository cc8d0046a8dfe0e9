"""`dataclass` as the standard library's, but a frozen class gets its methods without compiling them
when it is made.

The standard decorator writes each method it adds as Python source and compiles it with `exec`, at
import, for every class: a tenth of a millisecond or more per method, and the frozen classes of the
Model, the built-in catalog, the expressions and the checks (84 classes, 494 methods) were a third of
`schemagen validate`'s start-up, although most of their methods are never called in a run. Here, for a
frozen class:

- `__init__` (of a class of plain fields: defaults and default factories, no `InitVar`, `ClassVar`,
  `KW_ONLY`, `init=False` or keyword-only field, no `__post_init__`, no dataclass base) compiles, at
  the first instance, the very method the standard decorator writes, puts it on the class in its
  place and calls it — for a class with slots, one of the same signature and values that stores
  them by plain attribute stores while the instance is of an unfrozen twin of the class (the same
  slots), and makes it of the class again after: a third of the time of the standard one for a
  Column; `__eq__` and `__hash__` do the same at their first call (`other.__class__ is
  self.__class__` and the tuples of the compared fields equal; the hash of the tuple of the hashed
  fields, `compare`, or `hash` when set): from then on the class has the standard methods, as fast;
- the frozen `__setattr__` / `__delattr__` (of such a class) and `__repr__` are functions made without
  compiled code that do what the standard ones do (`FrozenInstanceError` with the same message; for a
  class with slots, `super()` of the class before its slots were added, as theirs;
  `QualName(a=…, b=…)` of the fields with `repr`, `...` for a recursive one), and so are
  `__getstate__` / `__setstate__` for a class with slots, and the docstring of a class without one
  (`Name(a: 'int', b: 'str' = 'x')`);

each only when the class body does not define it (`__hash__`: unless the class defines its own). A
frozen class that is not of plain fields gets the standard `__init__` and frozen methods, the rest as
above; a class that asks for `order`, `unsafe_hash`, `eq=False`, `repr=False`, or is not frozen, gets
the standard decorator unchanged. Either way it is a dataclass: `fields`, `replace`, `asdict`,
`__match_args__`, and `__dataclass_params__` as the standard decorator sets them. Until the first
instance, `inspect.signature` of such a class shows `(*args, **kwargs)`.
"""

from __future__ import annotations

import builtins
import dataclasses
import marshal
import os
import sys
from _thread import get_ident
from collections.abc import Callable
from types import CodeType
from typing import Any, TypeVar, dataclass_transform, overload

from schemagen.cache_home import cache_root

__all__ = ["dataclass"]

T = TypeVar("T")


@overload
def dataclass(cls: type[T], /) -> type[T]: ...


@overload
def dataclass(
    cls: None = None,
    /,
    *,
    init: bool = True,
    repr: bool = True,
    eq: bool = True,
    order: bool = False,
    unsafe_hash: bool = False,
    frozen: bool = False,
    match_args: bool = True,
    kw_only: bool = False,
    slots: bool = False,
    weakref_slot: bool = False,
) -> Callable[[type[T]], type[T]]: ...


@dataclass_transform(field_specifiers=(dataclasses.field, dataclasses.Field))
def dataclass(
    cls: type[T] | None = None,
    /,
    *,
    init: bool = True,
    repr: bool = True,
    eq: bool = True,
    order: bool = False,
    unsafe_hash: bool = False,
    frozen: bool = False,
    match_args: bool = True,
    kw_only: bool = False,
    slots: bool = False,
    weakref_slot: bool = False,
) -> type[T] | Callable[[type[T]], type[T]]:
    """`dataclasses.dataclass`, with the methods of a frozen class made as this module describes."""
    options: dict[str, Any] = {
        "init": init,
        "repr": repr,
        "eq": eq,
        "order": order,
        "unsafe_hash": unsafe_hash,
        "frozen": frozen,
        "match_args": match_args,
        "kw_only": kw_only,
        "slots": slots,
        "weakref_slot": weakref_slot,
    }

    def wrap(cls: type[T]) -> type[T]:
        if not (frozen and eq and repr) or order or unsafe_hash:
            made: type[T] = dataclasses.dataclass(cls, **options)
            return made
        body = cls.__dict__
        own_hash = body.get("__hash__", dataclasses.MISSING)
        # as the standard decorator tells a class's own __hash__ (None is Python's, for its own __eq__)
        explicit_hash = not (own_hash is dataclasses.MISSING or (own_hash is None and "__eq__" in body))
        wanted = {
            "__eq__": "__eq__" not in body,
            "__hash__": not explicit_hash,
            "__repr__": "__repr__" not in body,
        }
        if not _plain(cls, kw_only):
            made = dataclasses.dataclass(cls, **{**options, "eq": False, "repr": False})
        else:
            documented = bool(cls.__doc__)
            if not documented:  # which the decorator would work out from the __init__ it was told not to make
                cls.__doc__ = "…"
            made = dataclasses.dataclass(
                cls, **{**options, "init": False, "eq": False, "repr": False, "frozen": False}
            )
            klass: Any = made
            klass.__dataclass_params__.frozen = True
            klass.__dataclass_params__.init = init
            fields = dataclasses.fields(klass)
            _defaults_last(fields)
            if init and "__init__" not in body:
                klass.__init__ = _lazy_init(made, fields)
            for name, method in _frozen(cls, fields).items():  # the class as given, as the decorator does
                method.__qualname__ = f"{made.__qualname__}.{name}"
                setattr(made, name, method)
            if slots:  # what pickling and copying a frozen class with slots needs, as the decorator adds
                if "__getstate__" not in body:
                    klass.__getstate__ = _getstate
                if "__setstate__" not in body:
                    klass.__setstate__ = _setstate
            if not documented:
                made.__doc__ = made.__name__ + _text_signature(fields) if init else made.__name__ + "()"
        made.__dataclass_params__.eq = True  # type: ignore[attr-defined]
        made.__dataclass_params__.repr = True  # type: ignore[attr-defined]
        for name, method in _methods(made).items():
            if wanted[name]:
                method.__qualname__ = f"{made.__qualname__}.{name}"
                setattr(made, name, method)
        return made

    if cls is None:
        return wrap
    return wrap(cls)


def _plain(cls: type, kw_only: bool) -> bool:
    """Whether `__init__` and the frozen methods of `cls` can be made here: fields of defaults and
    default factories only (no `InitVar`, `KW_ONLY`, `ClassVar`, `init=False` or keyword-only field, no
    `__post_init__`), no dataclass among its bases, no `__setattr__` / `__delattr__` of its own (which
    the standard decorator refuses for a frozen class). Anything else is the standard decorator's."""
    body = cls.__dict__
    if kw_only or "__setattr__" in body or "__delattr__" in body or hasattr(cls, "__post_init__"):
        return False
    if any(hasattr(base, "__dataclass_fields__") for base in cls.__mro__[1:]):
        return False
    for annotation in body.get("__annotations__", {}).values():
        text = annotation if isinstance(annotation, str) else builtins.repr(annotation)
        if "InitVar" in text or "KW_ONLY" in text or "ClassVar" in text:
            return False
    return not any(
        isinstance(value, dataclasses.Field) and (not value.init or value.kw_only is True)
        for value in body.values()
    )


def _defaults_last(fields: tuple[dataclasses.Field[Any], ...]) -> None:
    """The standard decorator's error for a field without a default after one with a default."""
    seen_default = False
    for f in fields:
        if not (f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING):
            seen_default = True
        elif seen_default:
            raise TypeError(f"non-default argument {f.name!r} follows default argument")


class _Factory:
    """What a parameter with a default factory shows as its default, as the standard decorator's."""

    def __repr__(self) -> str:
        return "<factory>"


_HAS_DEFAULT_FACTORY = _Factory()


def _text_signature(fields: tuple[dataclasses.Field[Any], ...]) -> str:
    """`(a: 'int', b: 'str' = 'x')`: the signature the standard decorator puts in a class's docstring
    when it has none."""
    if all(isinstance(f.type, str) for f in fields):  # annotations as text: inspect shows their repr
        shown = []
        for f in fields:
            if f.default is not dataclasses.MISSING:
                shown.append(f"{f.name}: {f.type!r} = {f.default!r}")
            elif f.default_factory is not dataclasses.MISSING:
                shown.append(f"{f.name}: {f.type!r} = {_HAS_DEFAULT_FACTORY!r}")
            else:
                shown.append(f"{f.name}: {f.type!r}")
        return f"({', '.join(shown)})"
    import inspect  # here: only a class of annotations that are not text needs it

    parameters = []
    for f in fields:
        if f.default is not dataclasses.MISSING:
            default: Any = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = _HAS_DEFAULT_FACTORY
        else:
            default = inspect.Parameter.empty
        kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
        parameters.append(inspect.Parameter(f.name, kind, default=default, annotation=f.type))
    return str(inspect.Signature(parameters))


def _lazy_init(cls: type, fields: tuple[dataclasses.Field[Any], ...]) -> Callable[..., None]:
    """An `__init__` that compiles the standard decorator's at the first instance, puts it on `cls` in
    its place and calls it (a class never made in a run is never compiled)."""

    def __init__(instance: Any, /, *args: Any, **kwargs: Any) -> None:  # a field may be named self
        method = _init(cls, fields)
        owner: Any = cls
        owner.__init__ = method
        method(instance, *args, **kwargs)

    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    return __init__


def _init(cls: type, fields: tuple[dataclasses.Field[Any], ...]) -> Callable[..., None]:
    """The `__init__` of a frozen dataclass, as the standard decorator writes it; for a class with
    slots, one that stores the same values faster (`_open_twin`)."""
    self_name = "__dataclass_self__" if "self" in {f.name for f in fields} else "self"
    values: dict[str, Any] = {f"_type_{f.name}": f.type for f in fields}
    values.update(
        {
            "_return_type": None,
            "_HAS_DEFAULT_FACTORY": _HAS_DEFAULT_FACTORY,
            "__dataclass_builtins_object__": object,
        }
    )
    parameters, lines, factories = [], [], []
    for f in fields:
        if f.default_factory is not dataclasses.MISSING:
            values[f"_dflt_{f.name}"] = f.default_factory
            parameters.append(f"{f.name}:_type_{f.name}=_HAS_DEFAULT_FACTORY")
            value = f"_dflt_{f.name}() if {f.name} is _HAS_DEFAULT_FACTORY else {f.name}"
            factories.append(f"  {f.name} = {value}")
        elif f.default is not dataclasses.MISSING:
            values[f"_dflt_{f.name}"] = f.default
            parameters.append(f"{f.name}:_type_{f.name}=_dflt_{f.name}")
            value = f.name
        else:
            parameters.append(f"{f.name}:_type_{f.name}")
            value = f.name
        lines.append(f"  __dataclass_builtins_object__.__setattr__({self_name},{f.name!r},{value})")
    body = "\n".join(lines) if lines else "  pass"
    twin = _open_twin(cls) if lines else None
    if twin is not None:
        # The instance is made of the twin's class while the fields are stored, each by a plain
        # attribute store (the interpreter's fast path for a slot), then made of `cls` again: a
        # store through `object.__setattr__` is several times slower, and a Model holds ~56
        # instances per entity. An instance of a subclass is stored the standard way.
        values.update(
            {"__dataclass_cls__": cls, "__dataclass_twin__": twin, "__dataclass_class__": _set_class}
        )
        stores = [f"  {self_name}.{f.name} = {f.name}" for f in fields]
        body = "\n".join(
            [
                f"  if {self_name}.__class__ is not __dataclass_cls__:",
                *(" " + line for line in lines),
                "   return",
                *factories,
                f"  __dataclass_class__({self_name}, __dataclass_twin__)",
                *stores,
                f"  __dataclass_class__({self_name}, __dataclass_cls__)",
            ]
        )
    text = (
        f"def __create_fn__({', '.join(values)}):\n"
        f" def __init__({', '.join([self_name, *parameters])})->_return_type:\n" + body + "\n return __init__"
    )
    space: dict[str, Any] = {}
    exec(_code(text), {"__builtins__": builtins}, space)
    method: Callable[..., None] = space["__create_fn__"](**values)
    method.__qualname__ = f"{cls.__qualname__}.__init__"
    return method


def _code(text: str) -> CodeType:
    """`text` compiled, as kept between runs in `$XDG_CACHE_HOME/schemagen/records-TAG/` (default
    `~/.cache`; TAG: the interpreter's, whose bytecode it is): compiling the methods a run's classes
    need at their first instance was a fortieth of a command. Each file holds the text with its code and
    is used only for that very text; `SCHEMAGEN_NO_CACHE=1` turns the cache off, and one that cannot
    be read or written is no cache."""
    path = _code_path(text)
    if path is not None:
        try:
            with open(path, "rb") as file:
                kept, code = marshal.loads(file.read())
            if kept == text and isinstance(code, CodeType):
                return code
        except (OSError, ValueError, EOFError, TypeError):
            pass
    code = compile(text, "<schemagen.records>", "exec", dont_inherit=True)
    if path is not None:
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            partial = f"{path}.{os.getpid()}.{get_ident()}"
            with open(partial, "wb") as file:
                file.write(marshal.dumps((text, code)))
            os.replace(partial, path)  # whole or not at all, whoever writes it at the same time
        except OSError:
            pass
    return code


def _code_path(text: str) -> str | None:
    root = cache_root()
    if root is None:
        return None
    from zlib import crc32  # a name for the file: the text it holds is compared on reading

    folder = f"records-{sys.implementation.cache_tag}"
    return os.path.join(root, folder, f"{crc32(text.encode()):08x}-{len(text)}")


#: `obj.__class__ = cls`, past a frozen class's `__setattr__`
_set_class: Callable[[Any, type], None] = object.__dict__["__class__"].__set__


def _open_twin(cls: type) -> type | None:
    """A class of the same slots as `cls` without its frozen `__setattr__`, whose instances and those of
    `cls` can be made of one another by assigning `__class__` (the same layout, which Python checks);
    None when `cls` is not such a class (no slots of its own, another base than `object`)."""
    slots = cls.__dict__.get("__slots__")
    if cls.__bases__ != (object,) or not isinstance(slots, tuple) or "__weakref__" in slots:
        return None
    twin = type(cls.__name__, (object,), {"__slots__": slots, "__qualname__": cls.__qualname__})
    try:  # Python refuses an assignment between classes of different layouts
        probe: Any = object.__new__(cls)
        _set_class(probe, twin)
        _set_class(probe, cls)
    except TypeError:  # pragma: no cover - every frozen class with slots has the same layout as its twin
        return None
    return twin


def _frozen(cls: type, fields: tuple[dataclasses.Field[Any], ...]) -> dict[str, Callable[..., Any]]:
    """The frozen `__setattr__` and `__delattr__`, doing what the standard decorator's do: for a class
    with slots, `cls` is the class before its slots were added, as theirs (so another attribute than a
    field is refused by `super()` with a TypeError, as theirs)."""
    names = tuple(f.name for f in fields)
    owner: Any = cls

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
        super(owner, self).__setattr__(name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")
        super(owner, self).__delattr__(name)

    return {"__setattr__": __setattr__, "__delattr__": __delattr__}


def _getstate(self: Any) -> list[Any]:
    return [getattr(self, f.name) for f in dataclasses.fields(self)]


def _setstate(self: Any, state: list[Any]) -> None:
    for f, value in zip(dataclasses.fields(self), state, strict=False):
        object.__setattr__(self, f.name, value)


def _tuple(prefix: str, names: tuple[str, ...]) -> str:
    """`(self.a,self.b,)`: the tuple the standard decorator's generated methods build."""
    return "(" + "".join(f"{prefix}.{name}," for name in names) + ")"


def _compiled(cls: type, name: str, names: tuple[str, ...]) -> Callable[..., Any]:
    """`__eq__` or `__hash__` of `cls` over the fields `names`, compiled as the standard decorator
    writes it (each attribute read by the interpreter's own fast path: a comparison and a hash are as
    quick as the generated ones)."""
    if name == "__eq__":
        text = (
            "def __eq__(self, other):\n"
            "    if other.__class__ is self.__class__:\n"
            f"        return {_tuple('self', names)} == {_tuple('other', names)}\n"
            "    return NotImplemented\n"
        )
    else:
        text = f"def __hash__(self):\n    return hash({_tuple('self', names)})\n"
    space: dict[str, Any] = {}
    exec(_code(text), {"__builtins__": builtins}, space)
    method: Callable[..., Any] = space[name]
    method.__qualname__ = f"{cls.__qualname__}.{name}"
    return method


def _methods(cls: type) -> dict[str, Callable[..., Any]]:
    """`__eq__` and `__hash__` that compile the method they stand for at their first call and put it
    on `cls` in their place (most classes are never compared nor hashed in a run), and `__repr__`."""
    fields = dataclasses.fields(cls)
    compared = tuple(f.name for f in fields if f.compare)
    hashed = tuple(f.name for f in fields if (f.compare if f.hash is None else f.hash))
    shown = tuple(f.name for f in fields if f.repr)

    def __eq__(self: Any, other: Any) -> Any:
        method = _compiled(cls, "__eq__", compared)
        cls.__eq__ = method  # type: ignore[method-assign]
        return method(self, other)

    def __hash__(self: Any) -> int:
        method = _compiled(cls, "__hash__", hashed)
        cls.__hash__ = method  # type: ignore[method-assign]
        result: int = method(self)
        return result

    running: set[tuple[int, int]] = set()

    def __repr__(self: Any) -> str:
        key = (id(self), get_ident())
        if key in running:
            return "..."
        running.add(key)
        try:
            shown_values = ", ".join(f"{name}={getattr(self, name)!r}" for name in shown)
            return f"{self.__class__.__qualname__}({shown_values})"
        finally:
            running.discard(key)

    return {"__eq__": __eq__, "__hash__": __hash__, "__repr__": __repr__}
