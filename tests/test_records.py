"""`schemagen.records.dataclass`: a frozen class's `__eq__`, `__hash__` and `__repr__`, made without
compiling code, do what the standard decorator's do — on classes of every shape, on every object of
the example's Model and of the plans of the migration scenarios, each beside a twin made by the
standard decorator from the same fields."""

from __future__ import annotations

import copy
import dataclasses
import importlib
import inspect
import pickle
from pathlib import Path
from typing import Any

import pytest
from migrations import scenario_cases, scenario_models

from schemagen import records
from schemagen.model import Model
from schemagen.pipeline import compile_spec
from schemagen.plan import plan, plan_down
from schemagen.records import dataclass

ROOT = Path(__file__).resolve().parent.parent
#: The modules whose frozen classes the decorator makes.
MODULES = (
    "schemagen.model.objects",
    "schemagen.model.access",
    "schemagen.model.object_access",
    "schemagen.model.aggregates",
    "schemagen.model.archive",
    "schemagen.model.lifecycle",
    "schemagen.postgres.builtins",
    "schemagen.postgres.expressions",
    "schemagen.postgres.scopes",
    "schemagen.postgres.resolve",
    "schemagen.postgres.routines",
    "schemagen.postgres.storage",
    "schemagen.postgres.trigger_functions",
    "schemagen.diagnostics.diagnostic",
    "schemagen.diagnostics.rules",
)
#: The modules of the planner and of migrations whose frozen classes the decorator makes.
PLAN_MODULES = (
    "schemagen.plan.changes",
    "schemagen.plan.diff",
    "schemagen.plan.maintenance",
    "schemagen.plan.object_access_steps",
    "schemagen.plan.operations",
    "schemagen.plan.renames",
    "schemagen.plan.reshard_steps",
    "schemagen.plan.schemes",
    "schemagen.plan.steps",
    "schemagen.plan.usertype_steps",
    "schemagen.migrate.checksums",
    "schemagen.migrate.history",
    "schemagen.migrate.migration",
)


def _twin(cls: type) -> type:
    """A class of the same fields (and qualified name) made by the standard decorator."""
    specs = []
    for f in dataclasses.fields(cls):
        copy = dataclasses.field(
            default=f.default,
            default_factory=f.default_factory,
            init=f.init,
            repr=f.repr,
            hash=f.hash,
            compare=f.compare,
            kw_only=f.kw_only,
        )
        specs.append((f.name, f.type, copy))
    own_doc = cls.__doc__ if not (cls.__doc__ or "").startswith(cls.__name__ + "(") else None
    namespace = {"__doc__": own_doc} if own_doc else {}
    # what the class's body defines (its properties, constants and methods) is kept by either
    # decorator, even `__eq__`, `__hash__` or `__repr__` (`Step.__hash__`)
    names = {f.name for f in dataclasses.fields(cls)}
    namespace |= {
        name: value
        for name, value in vars(cls).items()
        if not (name.startswith("__") or name in names)
        or name in _own(cls) & {"__eq__", "__hash__", "__repr__"}
    }
    slots = "__slots__" in vars(cls)
    twin = dataclasses.make_dataclass(cls.__name__, specs, frozen=True, slots=slots, namespace=namespace)
    twin.__qualname__ = cls.__qualname__
    return twin


def _own(cls: type) -> set[str]:
    """The methods `cls`'s body defines (the ones the decorators put there are their own functions)."""
    made_here = (records.__file__, "<schemagen.records>", dataclasses.__file__, "<string>")
    return {
        name
        for name, value in vars(cls).items()
        if callable(value) and getattr(getattr(value, "__code__", None), "co_filename", None) not in made_here
    }


def _as_twin(obj: Any, twins: dict[type, type]) -> Any:
    cls = type(obj)
    twin = twins.setdefault(cls, _twin(cls))
    values = {f.name: getattr(obj, f.name) for f in dataclasses.fields(cls) if f.init}
    made = twin(**values)
    for f in dataclasses.fields(cls):
        if not f.init:
            object.__setattr__(made, f.name, getattr(obj, f.name))
    return made


def _same_class(cls: type, twin: type) -> None:
    """The class-level things: docstring, signature, match args, the frozen errors, copies."""
    assert cls.__doc__ == twin.__doc__
    assert str(inspect.signature(cls)) == str(inspect.signature(twin))
    assert cls.__match_args__ == twin.__match_args__  # type: ignore[attr-defined]
    params, twin_params = cls.__dataclass_params__, twin.__dataclass_params__  # type: ignore[attr-defined]
    assert (params.init, params.repr, params.eq, params.frozen) == (True, True, True, True)
    assert (twin_params.init, twin_params.repr, twin_params.eq, twin_params.frozen) == (
        True,
        True,
        True,
        True,
    )


def _frozen_like(a: Any, ta: Any) -> None:
    for name in [*[f.name for f in dataclasses.fields(a)][:2], "not_a_field"]:
        for deleting in (False, True):
            errors = []
            for obj in (a, ta):
                try:
                    if deleting:
                        delattr(obj, name)
                    else:
                        setattr(obj, name, 1)
                    errors.append(None)
                except Exception as error:
                    errors.append((type(error).__name__, str(error)))
            assert errors[0] == errors[1], errors
    assert copy.copy(a) == a and copy.deepcopy(a) == a and repr(copy.deepcopy(a)) == repr(a)


def _same(a: Any, b: Any, twins: dict[type, type]) -> None:
    ta, tb = _as_twin(a, twins), _as_twin(b, twins)
    _same_class(type(a), type(ta))
    _frozen_like(a, ta)
    assert repr(a) == repr(ta)
    assert (a == b) == (ta == tb)
    assert (a != b) == (ta != tb)
    if type(a).__hash__ is not None:
        try:
            expected: Any = hash(ta)
        except TypeError as error:  # an unhashable field value: the same error
            expected = str(error)
        try:
            found: Any = hash(a)
        except TypeError as error:
            found = str(error)
        assert found == expected


def test_shapes() -> None:
    """Compared, hashed and shown fields; none, one, many; a class's own methods kept; subclasses and
    other types unequal; a recursive repr."""

    @dataclass(frozen=True, slots=True)
    class Empty:
        pass

    @dataclass(frozen=True, slots=True)
    class One:
        a: int

    @dataclass(frozen=True)
    class Many:
        a: int
        b: str = "x"
        c: int = dataclasses.field(default=0, compare=False)
        d: int = dataclasses.field(default=0, repr=False)
        e: int = dataclasses.field(default=0, hash=False)
        f: int = dataclasses.field(default=0, compare=False, hash=True)
        g: list[int] = dataclasses.field(default_factory=list, compare=False, hash=False)

    @dataclass(frozen=True, slots=True)
    class Own:
        a: int

        def __eq__(self, other: object) -> bool:
            return True

        def __hash__(self) -> int:
            return 7

        def __repr__(self) -> str:
            return "own"

    @dataclass(frozen=True, slots=True)
    class OwnEq:
        a: int

        def __eq__(self, other: object) -> bool:
            return isinstance(other, OwnEq)

    @dataclass(frozen=True)
    class Sub(Many):
        h: int = 1

    @dataclass(frozen=True, slots=True)
    class Defaults:
        self_: int = 0
        items: list[int] = dataclasses.field(default_factory=list)
        name: str | None = None

    @dataclass(frozen=True, slots=True)
    class Self:
        self: int

    twins: dict[type, type] = {}
    first, second = Defaults(), Defaults()
    assert first.items == [] and first.items is not second.items and Defaults(1, [2], "n").items == [2]
    assert Defaults(items=[1]) == Defaults(0, [1]) and Self(self=3).self == 3
    _same(Defaults(), Defaults(3, [1], "x"), twins)
    _same(Self(1), Self(2), twins)
    with pytest.raises(TypeError, match="non-default argument 'b' follows default argument"):

        @dataclass(frozen=True)
        class Wrong:
            a: int = 0
            b: int  # type: ignore[misc]

    with pytest.raises(TypeError):
        Defaults(1, [], "x", 4)  # type: ignore[call-arg]
    _same(Empty(), Empty(), twins)
    _same(One(1), One(1), twins)
    _same(One(1), One(2), twins)
    for left, right in [
        (Many(1), Many(1)),
        (Many(1, c=5), Many(1, c=6)),
        (Many(1, d=5), Many(1, d=6)),
        (Many(1, e=5), Many(1, e=6)),
        (Many(1, f=5), Many(1, f=6)),
        (Many(1, g=[1]), Many(1, g=[2])),
        (Many(1, "y"), Many(1, "z")),
        (Sub(1), Sub(1, h=2)),
    ]:
        _same(left, right, twins)
    assert Many(1) != Sub(1) and Sub(1) != Many(1)
    assert One(1) != (1,) and One(1).__eq__((1,)) is NotImplemented
    assert (Own(1), Own(2), hash(Own(1)), repr(Own(1))) == (Own(1), Own(1), 7, "own")
    assert OwnEq(1) == OwnEq(2) and hash(OwnEq(1)) == hash((1,))
    with pytest.raises(dataclasses.FrozenInstanceError):
        One(1).a = 2  # type: ignore[misc]
    assert dataclasses.replace(Many(1), b="q") == Many(1, "q")
    assert One.__match_args__ == ("a",) and One.__slots__ == ("a",)

    @dataclass(frozen=True)
    class Node:
        children: list[Any]

    loop = Node([])
    loop.children.append(loop)
    assert repr(loop) == "test_shapes.<locals>.Node(children=[...])"


def _objects(value: Any, seen: set[int], found: list[Any]) -> None:
    if id(value) in seen:
        return
    seen.add(id(value))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        found.append(value)
        for f in dataclasses.fields(value):
            _objects(getattr(value, f.name), seen, found)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            _objects(item, seen, found)
    elif isinstance(value, dict):
        for item in value.values():
            _objects(item, seen, found)


def test_every_object_of_the_example_model_as_the_standard_decorator_makes_it() -> None:
    compiled = compile_spec(ROOT / "spec")
    found: list[Any] = []
    _objects(compiled.model, set(), found)
    ours = {
        cls
        for name in MODULES
        for cls in vars(importlib.import_module(name)).values()
        if isinstance(cls, type) and dataclasses.is_dataclass(cls)
    }
    checked = {type(obj) for obj in found} & ours
    assert len(checked) >= 15, checked
    twins: dict[type, type] = {}
    by_class: dict[type, list[Any]] = {}
    for obj in found:
        if type(obj) in ours:
            by_class.setdefault(type(obj), []).append(obj)
    for objects in by_class.values():
        for left in objects[:20]:
            for right in objects[:20]:
                _same(left, right, twins)


def test_every_object_of_a_plan_as_the_standard_decorator_makes_it() -> None:
    """The changes, operations, steps and statements of the plans of the migration scenarios (both
    ways) and of the example spec from nothing; each pickles back to an equal object."""
    example = compile_spec(ROOT / "spec").model
    pairs = [scenario_models(case) for case in scenario_cases()]
    pairs.append((Model(project=example.project), example))
    found: list[Any] = []
    seen: set[int] = set()
    for a, b in pairs:
        for operations in (plan(a, b), plan_down(a, b)):
            _objects(operations, seen, found)
    ours = {
        cls
        for name in PLAN_MODULES
        for cls in vars(importlib.import_module(name)).values()
        if isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__module__ == name
    }
    by_class: dict[type, list[Any]] = {}
    for obj in found:
        if type(obj) in ours:
            by_class.setdefault(type(obj), []).append(obj)
    assert len(by_class) >= 60, sorted(cls.__name__ for cls in by_class)
    twins: dict[type, type] = {}
    for objects in by_class.values():
        for left in objects[:8]:
            assert pickle.loads(pickle.dumps(left)) == left
            for right in objects[:8]:
                _same(left, right, twins)


def test_the_modules_use_it() -> None:
    """Every frozen class of those modules (but the ordered ones) has the methods made here."""
    for name in (*MODULES, *PLAN_MODULES):
        for cls in vars(importlib.import_module(name)).values():
            if not (isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__module__ == name):
                continue
            params = cls.__dataclass_params__  # type: ignore[attr-defined]
            if params.frozen and not params.order:
                made_here = (records.__file__, "<schemagen.records>")
                assert cls.__eq__.__code__.co_filename in made_here, cls
                assert cls.__repr__.__code__.co_filename in made_here, cls


def test_a_comparison_and_a_hash_compile_the_standard_method_once() -> None:
    @dataclass(frozen=True, slots=True)
    class Pair:
        a: int
        b: int = dataclasses.field(default=0, compare=False)

    stub = Pair.__eq__
    assert Pair(1, 2) == Pair(1, 3) and Pair(1) != Pair(2)
    assert Pair.__eq__ is not stub and Pair.__eq__.__qualname__.endswith("Pair.__eq__")
    compiled = Pair.__eq__
    assert Pair(1) == Pair(1) and Pair.__eq__ is compiled
    assert hash(Pair(1, 2)) == hash(Pair(1, 5)) == hash((1,))
    assert len({Pair(1, 2), Pair(1, 3), Pair(2)}) == 2


def test_an_instance_with_slots_is_made_of_its_own_class() -> None:
    """A class with slots stores its fields while the instance is of an unfrozen twin: the instance
    ends of its own class, frozen, equal to one the standard decorator makes; a subclass's instance
    keeps its class too."""

    @dataclass(frozen=True, slots=True)
    class Point:
        x: int
        y: int = 0
        tags: list[str] = dataclasses.field(default_factory=list)

    class Named(Point):
        __slots__ = ("name",)

    first = Point(1, tags=["a"])
    assert type(first) is Point and (first.x, first.y, first.tags) == (1, 0, ["a"])
    assert Point(1).tags == [] and Point(1).tags is not Point(1).tags
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.x = 2  # type: ignore[misc]
    named = Named(2, 3)
    assert type(named) is Named and (named.x, named.y, named.tags) == (2, 3, [])
    with pytest.raises(TypeError):
        Point()  # type: ignore[call-arg]
    twins: dict[type, type] = {}
    _same(first, Point(1, 2), twins)


def test_compiled_methods_are_kept_between_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The code of a method is read back for its very text only: another text, a damaged file or
    `SCHEMAGEN_NO_CACHE` compiles it again, and a folder that cannot be written is no cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("SCHEMAGEN_NO_CACHE", raising=False)
    text = "def __create_fn__():\n def f(x):\n  return x + 1\n return f\n"
    first = records._code(text)
    path = records._code_path(text)
    assert path is not None and Path(path).is_file() and Path(path).is_relative_to(tmp_path)
    again = records._code(text)
    assert again == first and again is not first  # read back, not compiled in this process's memory
    space: dict[str, Any] = {}
    exec(again, {}, space)
    assert space["__create_fn__"]()(1) == 2
    other = text.replace("+ 1", "+ 2")
    Path(records._code_path(other) or "").write_bytes(Path(path).read_bytes())  # another text's file
    space = {}
    exec(records._code(other), {}, space)
    assert space["__create_fn__"]()(1) == 3
    Path(path).write_bytes(b"\x00damaged")
    assert records._code(text) == first
    monkeypatch.setenv("SCHEMAGEN_NO_CACHE", "1")
    assert records._code_path(text) is None and records._code(text) == first
    monkeypatch.delenv("SCHEMAGEN_NO_CACHE")
    blocked = tmp_path / "file"
    blocked.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    assert records._code(text) == first
