"""The spec shapes of `parse/spec.py`, described as data for `parse/fast.py`, which reads a valid spec
without importing pydantic (importing it and building the shapes was a third of `schemagen validate`).

The description is generated from the pydantic shapes themselves, never written by hand, and kept in
`schemagen/data/shapes.json` (a test fails when it is not what this module makes of today's shapes):

    python -m schemagen.parse.describe > schemagen/data/shapes.json

It records the hash of the shape modules' sources; `parse/fast.py` does not use a description made
from other sources. A shape using a form this module does not know is an error here, not a guess.
"""

from __future__ import annotations

import json
import types
import typing
from datetime import date, datetime
from typing import Annotated, Any, Literal

import annotated_types
from pydantic import BaseModel, Discriminator, Tag
from pydantic.fields import FieldInfo
from pydantic.types import Strict
from pydantic_core import PydanticUndefined

from schemagen.parse import fast, shortforms
from schemagen.parse.spec import Spec


class _Describer:
    def __init__(self) -> None:
        self.models: dict[str, Any] = {}

    def model(self, cls: type[BaseModel]) -> list[Any]:
        name = cls.__name__
        if name in self.models:
            assert self.models[name]["qualname"] == cls.__qualname__, f"two shapes named {name}"
            return ["model", name]
        cls.model_rebuild()  # the shapes are built on first use: their forward references resolved
        config = cls.model_config
        assert config.get("extra") == "forbid" and config.get("populate_by_name"), name
        entry: dict[str, Any] = {"qualname": cls.__qualname__, "fields": [], "after": []}
        self.models[name] = entry
        decorators = cls.__pydantic_decorators__
        assert not decorators.field_validators and not decorators.field_serializers, name
        assert not decorators.validators and not decorators.root_validators, name
        for validator in decorators.model_validators.values():
            func = validator.func
            assert validator.info.mode == "after", (name, func)
            entry["after"].append(_shortform(func))
        for field_name, field in cls.model_fields.items():
            entry["fields"].append([field_name, field.alias, self.field_type(field), self.default(field)])
        return ["model", name]

    def field_type(self, field: FieldInfo) -> list[Any]:
        return self.annotated(field.annotation, list(field.metadata))

    def default(self, field: FieldInfo) -> list[Any]:
        if field.default_factory is not None:
            assert field.default_factory in (list, dict), field
            return ["factory", field.default_factory.__name__]
        if field.default is PydanticUndefined:
            return ["required"]
        value = field.default
        if isinstance(value, BaseModel):
            assert value == type(value)(), "a default shape has every option at its default"
            return ["model", self.model(type(value))[1]]
        assert value is None or type(value) in (bool, int, str), field
        return ["value", value]

    def annotated(self, annotation: Any, metadata: list[Any]) -> list[Any]:
        """The type `annotation` with `metadata` (constraints, before validators), outermost first."""
        befores, constraints = [], []
        for item in metadata:
            if isinstance(item, FieldInfo):
                assert item.default is PydanticUndefined and item.alias is None, item
                constraints.extend(item.metadata)
            elif type(item).__name__ == "BeforeValidator":
                befores.append(_shortform(item.func))
            elif isinstance(item, Strict):
                pass  # the fast reading takes exact types only
            elif isinstance(item, Tag):
                pass  # a union member's name for its discriminator
            elif isinstance(item, Discriminator):
                # a union told apart by a function of the value: the fast reading tells its members
                # apart by the value's exact type, and leaves the value to pydantic unless exactly
                # one member takes it (the member the function names, for the shapes of the spec)
                assert callable(item.discriminator), item
            else:
                constraints.append(item)
        described = self.constrained(self.type(annotation), constraints)
        # pydantic runs the last before-validator first
        for func in befores:
            described = ["before", func, described]
        return described

    def constrained(self, described: list[Any], constraints: list[Any]) -> list[Any]:
        if not constraints:
            return described
        if described[0] == "union":
            return [
                "union",
                [m if m[0] == "none" else self.constrained(m, constraints) for m in described[1]],
            ]
        if described[0] == "before":
            return ["before", described[1], self.constrained(described[2], constraints)]
        kind = described[0]
        described = list(described)
        for item in constraints:
            if isinstance(item, annotated_types.MinLen) and kind in ("list", "dict", "str"):
                described = [*described[:2], item.min_length] if kind != "str" else ["str", item.min_length]
            elif isinstance(item, annotated_types.Ge) and kind == "int":
                described[1] = item.ge
            elif isinstance(item, annotated_types.Le) and kind == "int":
                described[2] = item.le
            else:
                raise AssertionError(f"a constraint the fast reading does not know: {item!r} on {kind}")
        return described

    def type(self, annotation: Any) -> list[Any]:
        origin = typing.get_origin(annotation)
        args = typing.get_args(annotation)
        if annotation is Any:
            return ["any"]
        if annotation is type(None) or annotation is None:
            return ["none"]
        if annotation is str:
            return ["str", 0]
        if annotation is bool:
            return ["bool"]
        if annotation is int:
            return ["int", None, None]
        if annotation is float:
            return ["float"]
        if annotation is date:
            return ["date"]
        if annotation is datetime:
            return ["datetime"]
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return self.model(annotation)
        if origin is Annotated:
            return self.annotated(args[0], list(annotation.__metadata__))
        if origin is Literal:
            assert all(type(a) is str for a in args), annotation
            return ["literal", list(args)]
        if origin in (typing.Union, types.UnionType):
            return ["union", [self.type(a) for a in args]]
        if origin is list:
            return ["list", self.type(args[0]), 0]
        if origin is dict:
            assert args[0] is str, annotation
            return ["dict", self.type(args[1]), 0]
        if origin is tuple:
            assert Ellipsis not in args, annotation
            return ["tuple", [self.type(a) for a in args]]
        raise AssertionError(f"a type the fast reading does not know: {annotation!r}")


def _shortform(func: Any) -> str:
    name = getattr(func, "__name__", "")
    assert getattr(shortforms, name, None) is func, f"{func!r} is not a function of parse/shortforms.py"
    return str(name)


def describe() -> dict[str, Any]:
    describer = _Describer()
    root = describer.model(Spec)[1]
    models = {name: {"fields": m["fields"], "after": m["after"]} for name, m in describer.models.items()}
    return {"sources": fast.sources_hash(), "root": root, "models": dict(sorted(models.items()))}


def render() -> str:
    return json.dumps(describe(), indent=1, sort_keys=True) + "\n"


if __name__ == "__main__":
    print(render(), end="")
