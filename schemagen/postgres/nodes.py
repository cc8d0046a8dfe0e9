"""Typed access to pglast's parse tree.

pglast types every field of a node as optional and every list field as a tuple of `Any`, though
PostgreSQL's grammar always fills many of them: these helpers narrow such fields for the type checker,
and fail loudly should a parse tree ever lack one.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pglast import ast

__all__ = ["name_parts", "required", "string_value"]

_T = TypeVar("_T")


def required(value: _T | None) -> _T:
    """`value`, from a field that PostgreSQL's grammar always fills on its node."""
    if value is None:
        raise ValueError("a parse tree node lacks a field that PostgreSQL's grammar always fills")
    return value


def string_value(node: object) -> str:
    """The text of a `String` node: a part of a qualified name, or a word option's argument."""
    if isinstance(node, ast.String) and node.sval is not None:
        return node.sval
    raise TypeError(f"expected a String node, found {node!r}")


def name_parts(names: tuple[Any, ...] | None) -> list[str]:
    """The parts of a qualified name (of a function, operator, type or column), in order."""
    return [string_value(part) for part in required(names)]
