"""`dataclass` as the standard library's, but for a frozen class `__eq__`, `__hash__` and `__repr__`
are not compiled when the class is made.

The standard decorator writes each method it adds as Python source and compiles it with `exec`, at
import, for every class: a tenth of a millisecond or more per method, and the Model's frozen classes
(with the built-in catalog's, the expressions' and the checks') were a third of `schemagen validate`'s
start-up, although most of them are never compared, hashed or shown in a run. `__init__` and the frozen
`__setattr__` / `__delattr__` are still the standard decorator's. Here:

- `__eq__` and `__hash__` compile, at their first call, the very method the standard decorator writes
  (`other.__class__ is self.__class__` and the tuples of the compared fields equal; the hash of the
  tuple of the hashed fields, `compare` or `hash` when set), put it on the class in their place and
  call it: from then on the class has the standard method, as fast;
- `__repr__` shows `QualName(a=…, b=…)` of the fields with `repr`, `...` for a recursive one, as the
  standard one does;

each only when the class body does not define it (`__hash__`: unless the class defines its own).
A class that asks for `order`, `unsafe_hash`, `eq=False`, `repr=False` or is not frozen gets the
standard decorator unchanged. The dataclass is a dataclass in every other way: `fields`, `replace`,
`asdict`, `__match_args__` (only its `__dataclass_params__` say eq=False and repr=False, the methods
being added here).
"""

from __future__ import annotations

import builtins
import dataclasses
from _thread import get_ident
from collections.abc import Callable
from typing import Any, TypeVar, dataclass_transform, overload

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
        made = dataclasses.dataclass(cls, **{**options, "eq": False, "repr": False})
        for name, method in _methods(made).items():
            if wanted[name]:
                method.__qualname__ = f"{made.__qualname__}.{name}"
                setattr(made, name, method)
        return made

    if cls is None:
        return wrap
    return wrap(cls)


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
    exec(text, {"__builtins__": builtins}, space)
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
