"""Python values from the text a type's output function prints: numbers, arrays (`array_out`), JSON.

A default or bound PostgreSQL prints as a quoted literal (`'{1,2}'::integer[]`) holds such text; read
back into the value the spec writes, it renders to the same literal. Text that is not what the value
would render is `UnreadableText`, and the caller keeps the expression as PostgreSQL printed it.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from schemagen.model import LiteralValue
from schemagen.postgres import sqltypes

__all__ = ["UnreadableText", "literal_value", "number"]

_INTEGER = re.compile(r"-?\d+")
_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_TYPMOD = re.compile(r"\(\d+(?:,\d+)?\)")


class UnreadableText(ValueError):
    """Catalog text that does not have the shape the value it should hold needs."""


def number(text: str) -> int | float | None:
    """A number's text as the Python number `literal()` writes back the same way, else None."""
    if _INTEGER.fullmatch(text):
        return int(text)
    if _NUMBER.fullmatch(text):
        value = float(text)
        if repr(value) == text:
            return value
    return None


def literal_value(text: str, column_type: str, family: str) -> LiteralValue:
    """The Python value of a literal's text for a column of `column_type` (whose type family is
    `family`); raises UnreadableText when no value renders back to that text."""
    if family == "integer":
        if not _INTEGER.fullmatch(text):
            raise UnreadableText(text)
        return int(text)
    if family == "numeric":
        value = number(text)
        if value is None:
            raise UnreadableText(text)
        return value
    if family == "array":
        element = column_type.removesuffix("[]")
        return _array(text, sqltypes.type_family(element))
    if family == "json" and _TYPMOD.sub("", column_type) == "jsonb":
        try:
            parsed = json.loads(text, parse_float=_exact_float, parse_constant=_reject)
        except (ValueError, UnreadableText):
            return text
        return parsed if isinstance(parsed, dict | list) else text
    if family == "date":
        try:
            day = date.fromisoformat(text)
        except ValueError:
            return text
        return day if day.isoformat() == text else text
    return text


def _exact_float(text: str) -> float:
    value = float(text)
    if repr(value) != text:
        raise UnreadableText(text)
    return value


def _reject(text: str) -> None:
    raise UnreadableText(text)


def _array(text: str, family: str) -> list[Any]:
    """An array's text form (as `array_out` prints it) as a list; elements typed by their family."""
    position = 0

    def element(raw: str, quoted: bool) -> Any:
        if not quoted and raw.upper() == "NULL":
            return None
        if quoted:
            return raw
        if family == "integer" and _INTEGER.fullmatch(raw):
            return int(raw)
        if family == "boolean" and raw in ("t", "f"):
            return raw == "t"
        if family in ("integer", "boolean"):
            raise UnreadableText(raw)
        return raw

    def parse() -> list[Any]:
        nonlocal position
        if position >= len(text) or text[position] != "{":
            raise UnreadableText(text)
        position += 1
        items: list[Any] = []
        if text[position : position + 1] == "}":
            position += 1
            return items
        while True:
            if text[position : position + 1] == "{":
                items.append(parse())
            elif text[position : position + 1] == '"':
                position += 1
                chars = []
                while position < len(text) and text[position] != '"':
                    if text[position] == "\\":
                        position += 1
                    chars.append(text[position : position + 1])
                    position += 1
                position += 1
                items.append(element("".join(chars), quoted=True))
            else:
                end = position
                while end < len(text) and text[end] not in ",}":
                    end += 1
                items.append(element(text[position:end], quoted=False))
                position = end
            if text[position : position + 1] == ",":
                position += 1
                continue
            if text[position : position + 1] == "}":
                position += 1
                return items
            raise UnreadableText(text)

    value = parse()
    if position != len(text):
        raise UnreadableText(text)
    return value
